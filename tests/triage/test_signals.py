"""Every signal, in English and in French, on short social messages written for
these tests (none of them is a training row)."""

from __future__ import annotations

import pytest

from h2h.models import SIGNAL_NAMES
from h2h.triage import signals

HIGH = 0.5

# (signal, language, text): the signal must be at least HIGH.
FIRES = [
    ("question", "en", "how can I move my notes to a new laptop?"),
    ("question", "en", "does the mac app support keyboard shortcuts"),
    ("question", "en", "wondering whether the free tier includes the api"),
    ("question", "fr", "comment je fais pour changer mon mot de passe ?"),
    ("question", "fr", "est ce que l'appli marche sur linux"),
    ("question", "fr", "vous savez quand la mise a jour arrive ?"),
    ("request", "en", "please send me the invoice for october"),
    ("request", "en", "could someone help me recover my account"),
    ("request", "en", "dm me please, I need to fix my billing"),
    ("request", "fr", "pouvez-vous me renvoyer la facture svp"),
    ("request", "fr", "aidez moi svp je n'arrive plus a me connecter"),
    ("request", "fr", "merci de me rappeler au plus vite"),
    ("request", "en", "how about we push the demo to monday?"),      # a suggestion asked as a question
    ("request", "en", "could I swap my seat for an aisle one?"),     # permission asked for a service
    ("request", "fr", "tu pourrais jeter un oeil a mon abonnement ?"),
    ("request", "fr", "ca vous dirait de me rembourser le mois ?"),
    ("complaint", "en", "the app keeps crashing since the last update"),
    ("complaint", "en", "my order never arrived and support is not answering"),
    ("complaint", "en", "still no refund after 2 weeks"),
    ("complaint", "fr", "l'appli plante des que je l'ouvre"),
    ("complaint", "fr", "toujours pas de connexion depuis hier soir"),
    ("complaint", "fr", "ca marche plus depuis la mise a jour"),
    ("complaint", "fr", "merci pour les 3 jours sans internet, vraiment top"),   # thanks that complain
    ("negative", "en", "so disappointed, this used to be a great app"),
    ("negative", "en", "worst support experience I have ever had"),
    ("negative", "fr", "franchement decu, c'est nul"),
    ("negative", "fr", "j'en ai marre de vos coupures"),
    ("positive", "en", "thank you so much, it works perfectly now!"),
    ("positive", "en", "love the new design, great job"),
    ("positive", "fr", "merci beaucoup, tout fonctionne !"),
    ("positive", "fr", "super appli, bravo a toute l'equipe"),
    ("toxic", "en", "you are all idiots, shut up"),
    ("toxic", "en", "what a bunch of morons"),
    ("toxic", "fr", "bande de connards"),
    ("toxic", "fr", "t'es vraiment un abruti"),
    ("toxic", "en", "the senator is a spineless grifter"),
    ("toxic", "fr", "ce ministre est un guignol"),
    ("spam", "en", "get 5000 followers fast, dm us for prices"),
    ("spam", "en", "free crypto airdrop, claim now"),
    ("spam", "fr", "gagnez de l'argent facilement, lien en bio"),
    ("spam", "fr", "code promo -70% sur toute la boutique, cliquez ici"),
    ("bot", "en", "[status] all systems operational"),
    ("bot", "en", "New release: acme/notes v5.0.1 (3 fixes). Changelog: https://example.com/r"),
    ("bot", "fr", "message automatique, merci de ne pas repondre"),
    ("bot", "fr", "maintenance programmee le 3/12 de 1h a 3h"),
    ("urgent", "en", "urgent: our whole team is locked out"),
    ("urgent", "en", "production down, need help asap"),
    ("urgent", "fr", "c'est urgent, plus rien ne marche"),
    ("urgent", "fr", "besoin d'aide au plus vite, compte pirate"),
]

# (signal, language, text): the signal must stay below HIGH.
QUIET = [
    ("question", "en", "I'll send the logs tomorrow"),
    ("question", "fr", "je vous envoie les logs demain"),
    ("request", "en", "don't worry, it works now"),      # an order in form only
    ("request", "fr", "ne vous inquietez pas, tout marche"),
    ("complaint", "en", "thanks, that fixed it"),
    ("complaint", "fr", "merci, ca marche maintenant"),
    ("toxic", "en", "how do I export my notes?"),
    ("toxic", "fr", "comment j'exporte mes notes ?"),
    ("spam", "en", "my sync is stuck at 90%"),
    ("spam", "fr", "la synchro bloque a 90%"),
    ("positive", "en", "the app crashed again and I lost my work"),
    ("positive", "fr", "l'appli a encore plante et j'ai tout perdu"),
]


@pytest.mark.parametrize(("name", "lang", "text"), FIRES)
def test_signal_fires(name: str, lang: str, text: str) -> None:
    s = signals.analyze(text)
    assert getattr(s, name) >= HIGH, (name, s.values())


@pytest.mark.parametrize(("name", "lang", "text"), QUIET)
def test_signal_stays_quiet(name: str, lang: str, text: str) -> None:
    s = signals.analyze(text)
    assert getattr(s, name) < HIGH, (name, s.values())


@pytest.mark.parametrize(("name", "text", "word"), [
    ("question", "how do i export everything", "how do"),
    ("question", "comment on exporte tout", "comment"),
    ("complaint", "the export is broken", "broken"),
    ("complaint", "l'export est en panne", "panne"),
    ("positive", "merci, c'est parfait", "merci"),
    ("positive", "thanks, perfect", "thanks"),
    ("urgent", "urgent: sync is down", "urgent"),
    ("urgent", "c'est une urgence", "urgence"),
])
def test_evidence_names_the_words_that_moved_the_signal(name: str, text: str, word: str) -> None:
    evidence = signals.analyze(text).evidence[name]
    assert any(word in e or e in word for e in evidence), evidence


@pytest.mark.parametrize("text", ["this is fucking ridiculous", "putain c'est pas possible"])
def test_swearing_alone_is_offensive_but_not_hostile(text: str) -> None:
    s = signals.analyze(text)
    assert signals.SWEAR_FLOOR <= s.toxic


@pytest.mark.parametrize(("text", "twin"), [
    ("ça ne marche pas depuis la mise à jour", "ca ne marche pas depuis la mise a jour"),
    ("RT @someone: the app is broken", "the app is broken"),
    ("@acme @jo the app is broken https://t.co/abc", "the app is broken"),
    ("the app is sooooo slow", "the app is soo slow"),
    ("#help my account is locked", "help my account is locked"),
])
def test_social_noise_does_not_change_the_reading(text: str, twin: str) -> None:
    a, b = signals.analyze(text).values(), signals.analyze(twin).values()
    assert all(abs(a[k] - b[k]) < 0.05 for k in SIGNAL_NAMES), (a, b)


def test_every_value_is_a_probability() -> None:
    for text in ["", "?", "👍", "a" * 5000, "\x00\u2028", "@acme", "https://example.com"]:
        s = signals.analyze(text)
        assert all(0.0 <= v <= 1.0 for v in s.values().values())


@pytest.mark.parametrize("text", ["l'appli plante dès que je l'ouvre", "au plus tard demain ça ira",
                                  "I sent it right after lunch"])
def test_urgent_words_need_their_meaning(text: str) -> None:
    assert signals.analyze(text).urgent < signals.analyze("urgent : " + text).urgent
    assert signals.analyze(text).urgent < 0.7


@pytest.mark.parametrize("text", ["wow thanks for deleting all my notes /s", "amazing, sync broke again 🙄",
                                  "merci pour la coupure de ce soir 🙄", "génial, l'appli a encore planté /s"])
def test_sarcasm_is_not_praise(text: str) -> None:
    s = signals.analyze(text)
    assert s.negative >= HIGH and s.negative > s.positive, s.values()


@pytest.mark.parametrize(("text", "negated"), [
    ("the new version is good", "the new version is not good"),
    ("I'm happy with the support", "I'm not happy with the support"),
    ("le service est top", "le service n'est pas top"),
    ("je suis content du forfait", "je ne suis pas du tout content du forfait"),
])
def test_a_negation_turns_a_feeling_around(text: str, negated: str) -> None:
    from h2h.triage import features

    assert "<pos>" in features.extract(text).words
    assert "<not-pos>" in features.extract(negated).words and "<pos>" not in features.extract(negated).words
    assert signals.analyze(negated).positive < signals.analyze(text).positive


@pytest.mark.parametrize(("aimed", "not_aimed"), [
    ("you're an idiot", "idiot me forgot the charger"),
    ("what a moron", "fucking traffic again"),
    ("t'es vraiment con", "putain de réveil"),
    ("bande d'abrutis", "merde, j'ai raté le bus"),
])
def test_an_insult_aimed_at_someone_is_told_from_swearing(aimed: str, not_aimed: str) -> None:
    from h2h.triage import features

    assert "<aimed-bad>" in features.extract(aimed).words
    assert "<aimed-bad>" not in features.extract(not_aimed).words
    assert signals.analyze(aimed).toxic > signals.analyze(not_aimed).toxic


LONG_EN = ("We're onboarding forty more people on Monday and the admin panel caps the team at fifty seats, "
           "which we only found out today while preparing the accounts for the new hires in three offices. ")
LONG_FR = ("On accueille quarante personnes de plus lundi et le panneau d'administration bloque l'équipe à "
           "cinquante places, ce qu'on a découvert aujourd'hui en préparant les comptes des nouveaux arrivants. ")


@pytest.mark.parametrize("text", [
    LONG_EN + "Who can I talk to about raising the limit?",
    LONG_FR + "À qui je peux parler pour augmenter la limite ?",
])
def test_a_question_at_the_end_of_a_long_message_is_still_a_question(text: str) -> None:
    # The character n-grams of a long message are scaled down (signals.length_scale): the
    # words that ask are not drowned by the many that do not.
    assert signals.analyze(text).question >= HIGH


def test_the_length_scale_shrinks_with_length_and_matches_training() -> None:
    scales = [signals.length_scale(n) for n in (1, 10, 25, 100, 1000)]
    assert scales == sorted(scales, reverse=True) and scales[2] == 1.0
    assert all(s * signals._UNIT == int(s * signals._UNIT) for s in scales)   # whole 16ths: exact in integers


@pytest.mark.parametrize(("text", "opening"), [
    ("OK. Why not try it?", "^why not"),
    ("Don't worry.", "^don't worry"),
    ("hi, can I get a copy?", "^can i"),
    ("bon, vous pouvez m'aider ?", "^vous pouvez"),
    ("merci. on se rappelle demain ?", "^on se"),
])
def test_each_sentence_opening_is_a_feature(text: str, opening: str) -> None:
    # How a sentence starts says how it acts ("why not" suggests, "don't worry" reassures),
    # after greetings and fillers ("ok", "bon").
    from h2h.triage import features

    words = features.extract(text).words
    assert opening in words and opening.split(" ")[0] in words, words


@pytest.mark.parametrize("text", ["Why not try the new sync? Let's see.", "Can I get a refund? Don't wait.",
                                  "vous pouvez m'aider ? merci d'avance", "Pourquoi pas demain ? On verra."])
def test_an_opening_is_never_shown_as_evidence(text: str) -> None:
    evidence = signals.analyze(text).evidence
    assert not any(word.startswith("^") for words in evidence.values() for word in words), evidence


@pytest.mark.parametrize(("mixed", "plain"), [
    ("thanks for losing my bag", "thanks, works great"),
    ("merci pour la panne", "merci, c'est parfait"),
])
def test_praise_beside_a_problem_is_marked(mixed: str, plain: str) -> None:
    from h2h.triage import features

    assert "<pos+neg>" in features.extract(mixed).words
    assert "<pos+neg>" not in features.extract(plain).words
