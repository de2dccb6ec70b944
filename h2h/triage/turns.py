"""What a message does in a conversation, beyond what it says: it closes it
("thanks, that worked", "ok 👍", "just sent it"), or it chases an answer that
has not come ("any update?", "toujours rien ?").

A closing waits for nothing: replayed on real brand inboxes, agents left these
for the conversations that still needed them. A chaser about an open problem is
the opposite: the person is still waiting, and says so. Both are read from the
folded tokens (text.tokens) with set lookups, in English and French; the words
are ours (MIT).
"""

from __future__ import annotations

from typing import Sequence

# Words that close: thanks, agreement, "it works now", "sent" (the rest goes to a DM).
_CLOSE = frozenset((
    "thanks", "thank", "thx", "thnx", "thanx", "tx", "ty", "tysm", "cheers", "ok", "okay", "okey", "k", "kk",
    "perfect", "awesome", "cool", "brilliant", "excellent", "lovely", "fantastic", "sorted", "fixed",
    "resolved", "solved", "worked", "works", "done", "sent", "dmed", "dm'", "dmd", "messaged", "followed",
    "noted", "understood", "gotcha", "appreciate", "appreciated", "bye", "np", "will", "alright",
    "merci", "mercii", "oki", "accord", "dac", "parfait", "super", "top", "genial", "nickel", "impeccable",
    "regle", "resolu", "fonctionne", "marche", "recu", "envoye", "note", "ciao",
    "\U0001f44d", "\U0001f44c", "\U0001f64f", "\u2705",
))
# Words a closing may hold around them ("thank you so much for the quick reply", "merci
# beaucoup pour votre aide, bonne journée"). Anything else ("but", "still", "not", a
# question mark) makes it more than a closing.
_AROUND = frozenset((
    "you", "u", "ya", "so", "much", "very", "again", "for", "the", "your", "ur", "help", "helping", "reply",
    "replying", "response", "quick", "fast", "it", "that", "that'", "this", "s", "is", "all", "now", "i", "i'",
    "ve", "m", "ll", "just", "did", "have", "a", "good", "great", "nice", "day", "night", "evening", "weekend",
    "got", "do", "guys", "team", "and", "lot", "lots", "really", "too", "sure", "yes", "yep", "yeah", "oh", "ah",
    "right", "fine", "hi", "there", "everything", "working", "back", "me", "we", "already", "also", "will",
    "see", "try", "check", "tonight", "tomorrow", "later", "soon", "it'", "you'", "we'", "re", "well", "!",
    "beaucoup", "bcp", "pour", "votre", "vos", "ton", "ta", "la", "le", "les", "l'", "aide", "reponse",
    "rapide", "retour", "c'", "est", "ca", "tout", "bon", "bonne", "journee", "soiree", "je", "j'", "vais",
    "voir", "tester", "essayer", "bien", "oui", "vous", "aussi", "encore", "de", "du", "maintenant", "re",
    "desormais", "d'", "a", "fait", "toi", "infiniment", "mille", "d'avance",
))
CLOSING_MOST = 14   # tokens: a longer message says more than "thanks"

# Word sequences that chase an answer (folded tokens, in order).
_CHASE = (
    ("any", "update"), ("any", "updates"), ("any", "news"), ("still", "waiting"), ("still", "no"),
    ("still", "nothing"), ("still", "haven'"), ("still", "not"), ("no", "reply"), ("no", "response"),
    ("no", "answer"), ("hello", "?"), ("anyone", "?"), ("anybody", "?"), ("heard", "back"), ("ignoring", "me"),
    ("waiting", "for", "a", "reply"), ("waiting", "for", "an", "answer"), ("waiting", "for", "a", "response"),
    ("toujours", "rien"), ("toujours", "pas"), ("toujours", "aucune"), ("toujours", "aucun"),
    ("des", "nouvelles"), ("pas", "de", "reponse"), ("aucune", "reponse"), ("sans", "reponse"),
    ("sans", "nouvelles"), ("j'", "attends"), ("je", "relance"), ("relance", "?"), ("alors", "?"), ("allo", "?"),
    ("personne", "?"), ("quelqu'", "un", "?"),
)
_CHASE_FIRST = frozenset(seq[0] for seq in _CHASE)


def closing(toks: Sequence[str]) -> tuple[str, ...]:
    """The closing words of a message that only closes (empty when it does more)."""
    if not toks or len(toks) > CLOSING_MOST:
        return ()
    said = [t for t in toks if t in _CLOSE]
    if not said:
        return ()
    for t in toks:
        if t not in _CLOSE and t not in _AROUND and not ("\U0001f300" <= t <= "\U0001faff" or "\u2600" <= t <= "\u27bf"):
            return ()
    return tuple(dict.fromkeys(said))[:2]


def chaser(toks: Sequence[str]) -> str | None:
    """The words that chase an answer ("any update"), if the message has them."""
    if _CHASE_FIRST.isdisjoint(toks):
        return None
    for i, t in enumerate(toks):
        if t in _CHASE_FIRST:
            for seq in _CHASE:
                if seq[0] == t and tuple(toks[i:i + len(seq)]) == seq:
                    return " ".join(w for w in seq if w != "?")
    return None


# Asking someone to go on in private messages ("send us a DM", "écrivez-nous en MP"): words
# and word pairs as features.extract gives them.
_PRIVATE = frozenset((
    "dm", "dms", "dm'", "dmd", "mp", "inbox", "direct message", "private message", "direct messages",
    "private messages", "message prive", "messages prives", "en prive", "par mp", "en mp", "messagerie privee",
))


def private(words: Sequence[str]) -> str | None:
    """The words of a message that moves the conversation to private messages."""
    if _PRIVATE.isdisjoint(words):
        return None
    return next(w for w in words if w in _PRIVATE)
