"""Per-message signals from the text alone, in English and French.

Rule set v0: phrase lexicons written for h2h (no third-party data), matched on
text folded to lowercase without accents, so "ca marche pas" counts like
"ça marche pas". Every match is kept as evidence, which becomes the reason's
label ("asks 'how do i'"). The person-level parts (bot accounts, our own
accounts) are decided in score.py, not here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Sequence

from h2h.models import Signals

ENGINE = "rules-1"
MAX_CHARS = 4000  # enough to judge a message; a 10 MB body costs no more than this

_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"(?<!\w)@[\w.@-]+")
_RT = re.compile(r"^\s*rt\s+@?[\w.]*:?\s*", re.I)


def fold(text: str) -> str:
    """Lowercase, accents removed, URLs and @handles replaced, spaces squeezed."""
    text = _RT.sub("", text[:MAX_CHARS])
    text = _URL.sub(" URL ", text)
    text = _HANDLE.sub(" ", text)
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("’", "'").replace("`", "'")
    return re.sub(r"\s+", " ", text).strip()


def _lexicon(*phrases: str) -> re.Pattern[str]:
    parts = sorted({p for p in phrases}, key=len, reverse=True)
    return re.compile(r"(?<![\w])(" + "|".join(parts) + r")(?![\w])")


# Each entry is a regular expression over folded text.
QUESTION = _lexicon(
    r"how (do|can|does|did|should|would) (i|we|you|one)", r"how to", r"what('s| is| are| does| do)",
    r"why (is|does|do|did|can't|cant|isn't|won't)", r"where (is|are|can|do)", r"when (is|will|does|do|can)",
    r"which", r"is (it|there|this|that) (possible|normal|a way)", r"is there", r"are there", r"can (i|we|you)",
    r"could (i|we|you)", r"does (it|this|anyone|anybody)", r"do (you|i|we) (have|need|know|support)",
    r"any (idea|ideas|way|plans?|news|update)", r"anyone know", r"is it (possible|normal|safe|true)",
    r"will (it|there|you)", r"should i",
    r"comment (je|on|faire|fait|puis|peut|ca|ça)", r"pourquoi", r"est[- ]ce qu'?", r"qu'est[- ]ce",
    r"quand (est|sera|va|allez|pourrai)", r"ou (est|sont|puis|peut|trouver)", r"quel(le)?s?",
    r"combien", r"y a[- ]t[- ]il", r"il y a (un|une) moyen", r"(peut|puis|pouvez|pourriez|pourrait)[- ](on|je|vous)",
    r"savez[- ]vous", r"vous (avez|faites|prevoyez|comptez)", r"c'est (normal|possible)", r"une idee",
)
REQUEST = _lexicon(
    r"please", r"pls", r"plz", r"help", r"need (help|assistance|support|someone|a hand|you)", r"can you",
    r"could you", r"would you", r"dm me", r"contact me", r"get back to me", r"let me know", r"looking for",
    r"fix (this|it|that)", r"i need", r"we need", r"assist", r"support team",
    r"svp", r"s'il (vous|te) plait", r"stp", r"aide[rz]?", r"aidez[- ]moi", r"besoin (d'aide|de vous|d'un|d'une|de)",
    r"pouvez[- ]vous", r"pourriez[- ]vous", r"merci de (me|nous)", r"contactez[- ]moi", r"recontacte[rz]?",
    r"en mp", r"en dm", r"je cherche", r"j'aimerais", r"je voudrais", r"je souhaite",
)
COMPLAINT = _lexicon(
    r"(does ?n't|doesnt|does not|don't|dont|won't|wont|can't|cant|cannot|isn't|isnt) (work|load|open|connect|sync|start|respond|let)\w*",
    r"not working", r"stopped working", r"broken", r"bug(s|gy)?", r"crash(es|ed|ing)?", r"error", r"fail(s|ed|ing|ure)?",
    r"issue", r"problem", r"down again", r"is down", r"outage", r"lost (my|all|our)", r"still (waiting|no|not)",
    r"no (one|response|reply|answer)", r"nobody", r"refund", r"charged (twice|me)", r"overcharged", r"cancel(led)?",
    r"worst", r"terrible", r"awful", r"unacceptable", r"ridiculous", r"disappointed", r"frustrat\w*", r"waste",
    r"hours? (on hold|waiting)", r"delayed?", r"missing", r"wrong", r"never (arrived|received|got)",
    r"(marche|fonctionne|charge|repond) (pas|plus)", r"(ne|n') ?(marche|fonctionne) (pas|plus)", r"bug(ue|gue)?s?",
    r"plante", r"panne", r"en panne", r"erreur", r"probleme", r"souci", r"impossible", r"rembourse\w*",
    r"factur\w* (deux fois|en double)", r"toujours pas", r"aucune? (reponse|nouvelle)", r"personne ne",
    r"inadmissible", r"honteu\w*", r"scandal\w*", r"nul(le)?", r"decu\w*", r"inacceptable", r"marre",
    r"coupure", r"pas de (reseau|connexion|internet)", r"perdu", r"resili\w*",
)
NEGATIVE = _lexicon(
    r"hate", r"angry", r"annoy\w*", r"upset", r"sad", r"bad", r"poor", r"horrible", r"useless", r"sucks?",
    r"worst", r"terrible", r"awful", r"disappointed", r"frustrat\w*", r"unacceptable", r"ridiculous", r"shame",
    r"fed up", r"sick of", r"never again", r"wtf", r"ugh", r":\(", r"smh",
    r"deteste", r"enerv\w*", r"agace\w*", r"triste", r"mauvais\w*", r"horrible", r"nul(le|s)?", r"pire",
    r"decu\w*", r"honteu\w*", r"inadmissible", r"scandal\w*", r"marre", r"ras le bol", r"lamentable",
    r"catastroph\w*", r"pitoyable", r"n'importe quoi", r"j'en ai marre", r"inacceptable",
)
POSITIVE = _lexicon(
    r"thanks?", r"thank you", r"thx", r"ty", r"love", r"awesome", r"great", r"amazing", r"excellent",
    r"brilliant", r"fantastic", r"perfect", r"nice", r"cool", r"well done", r"kudos", r"congrat\w*", r"appreciate\w*",
    r"happy", r"best", r"helpful", r"works (great|perfectly|well)", r"<3", r":\)", r"bravo",
    r"merci", r"genial\w*", r"super", r"top", r"parfait\w*", r"excellent\w*", r"adore", r"j'aime", r"felicitation\w*",
    r"trop bien", r"au top", r"bien joue", r"chapeau", r"content\w*", r"ravi\w*", r"formidable", r"impeccable",
)
TOXIC = _lexicon(
    r"idiots?", r"stupid", r"morons?", r"dumb", r"retard\w*", r"fuck\w*", r"shit\w*", r"bullshit", r"crap",
    r"scam(mers?)?", r"frauds?", r"liars?", r"clowns?", r"losers?", r"pathetic", r"incompetent", r"garbage",
    r"trash", r"kill yourself", r"kys", r"go die", r"shut up", r"piece of", r"jerks?", r"assholes?", r"bastards?",
    r"connards?", r"connasses?", r"encules?", r"batards?", r"salauds?", r"abruti\w*", r"debiles?",
    r"cretins?", r"merde", r"putain", r"escrocs?", r"voleurs?", r"arnaque\w*", r"menteurs?", r"incompetents?",
    r"fermez[- ]la", r"ta gueule", r"pourri\w*", r"minables?", r"bouffons?", r"tocards?",
)
SPAM = _lexicon(
    r"free followers", r"buy followers", r"crypto", r"bitcoin", r"nft", r"airdrop", r"giveaway", r"promo code",
    r"discount", r"% off", r"click (here|the link)", r"check (out )?my (profile|bio|channel)", r"dm (me )?for",
    r"earn \$?\d+", r"make money", r"work from home", r"investment", r"forex", r"onlyfans", r"casino", r"viagra",
    r"limited offer", r"100% free", r"followers? fast", r"link in bio", r"seo services",
    r"gagne[rz]? de l'argent", r"code promo", r"offre limitee", r"suivez[- ]moi", r"abonnez[- ]vous",
    r"gratuit\w*", r"concours", r"placement",
)
URGENT = _lexicon(
    r"urgent\w*", r"asap", r"immediately", r"right now", r"emergency", r"critical", r"production",
    r"prod (is )?down", r"is down", r"outage", r"all (our )?users", r"customers? (are|can't|cannot)",
    r"deadline", r"today", r"losing (money|data|customers)", r"data loss", r"security", r"vulnerability",
    r"hacked", r"breach", r"blocked", r"can't (log ?in|login|access|pay)",
    r"urgence", r"au plus vite", r"des que possible", r"rapidement", r"immediatement", r"en production",
    r"bloque\w*", r"critique", r"aujourd'hui", r"perte de donnees", r"pirate", r"faille", r"plus d'acces",
)
_LEXICONS = {
    "question": QUESTION, "request": REQUEST, "complaint": COMPLAINT, "negative": NEGATIVE,
    "positive": POSITIVE, "toxic": TOXIC, "spam": SPAM, "urgent": URGENT,
}
# How much one, two, three matches count: evidence saturates quickly.
_STRENGTH = (0.0, 0.6, 0.8, 0.9)

_STOPWORDS = {
    "en": set("the a an and or is are was to of in on for with it this that you i we my your not have has do does can how what why".split()),
    "fr": set("le la les un une et ou est sont de des du en pour avec ce cette je vous nous mon ma mes pas ne que qui comment pourquoi merci".split()),
    "es": set("el la los las un una y o es son de del en para con que no por como gracias".split()),
    "de": set("der die das ein eine und oder ist sind zu von mit nicht ich wir sie wie warum danke".split()),
    "it": set("il lo la gli le un una e o è sono di del per con che non come perché grazie".split()),
    "pt": set("o a os as um uma e ou é são de do da em para com que não como obrigado".split()),
    "nl": set("de het een en of is zijn van in voor met niet ik wij hoe waarom bedankt".split()),
}
_FR_HINTS = re.compile(r"[àâçéèêëîïôûùœ]|\b(j'|l'|d'|qu'|c'|n')")


def detect_lang(text: str, languages: Sequence[str]) -> str | None:
    """The most likely of the configured languages, by function words."""
    candidates = [l for l in languages if l in _STOPWORDS] or ["en", "fr"]
    words = re.findall(r"[a-zàâçéèêëîïôûùœäöüßñ']+", text.lower())
    if not words:
        return None
    scores = {l: sum(1 for w in words if w in _STOPWORDS[l]) for l in candidates}
    if "fr" in scores and _FR_HINTS.search(text.lower()):
        scores["fr"] += 1.5
    best = max(candidates, key=lambda l: (scores[l], -candidates.index(l)))
    return best if scores[best] > 0 else None


def _strength(n: int) -> float:
    return _STRENGTH[min(n, len(_STRENGTH) - 1)]


def analyze(text: str, *, languages: Sequence[str] = ("en", "fr"), lang: str | None = None) -> Signals:
    return _analyze(text[:MAX_CHARS], tuple(languages), lang)


@lru_cache(maxsize=4096)
def _analyze(text: str, languages: tuple[str, ...], lang: str | None) -> Signals:
    folded = fold(text)
    evidence: dict[str, tuple[str, ...]] = {}
    values: dict[str, float] = {}
    for name, pattern in _LEXICONS.items():
        found = tuple(dict.fromkeys(m.group(0) for m in pattern.finditer(folded)))
        if found:
            evidence[name] = found[:3]
        values[name] = _strength(len(found))
    if "?" in text:
        values["question"] = max(values["question"], 0.7 if values["question"] == 0 else 0.95)
        evidence.setdefault("question", ("?",))
    urls = len(_URL.findall(text))
    bare = _URL.sub("", _HANDLE.sub("", text)).strip()
    if urls and len(bare) < 15:  # a link and almost nothing else
        values["spam"] = max(values["spam"], 0.6)
        evidence.setdefault("spam", ("link only",))
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.8:
        values["negative"] = max(values["negative"], 0.6)
        values["urgent"] = max(values["urgent"], 0.4)
        evidence.setdefault("negative", ("ALL CAPS",))
    if text.count("!") >= 3:
        values["urgent"] = max(values["urgent"], 0.4)
    if values["toxic"] and values["complaint"] == 0 and values["question"] == 0:
        values["negative"] = max(values["negative"], values["toxic"])
    detected = lang or detect_lang(text, languages)
    return Signals(**values, lang=detected, evidence=evidence)
