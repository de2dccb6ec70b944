"""Tone lint: what makes a reply sound like a corporation instead of a person.

Every finding names the phrase (with its span in the text) and suggests what a
person would write. The phrase lists are data, one set per language file
(h2h/data/drafts/LANG.toml), and all of them run on every text: an English
boilerplate line in a French reply is still boilerplate. The structural rules
(capitals, walls of text, no name, a bare link, placeholders, the platform's
limit and mention) are here.
"""

from __future__ import annotations

import re
from typing import Iterable

from h2h.draft import phrases
from h2h.draft.limits import Limit
from h2h.draft.mention import has_mention
from h2h.models import LintFinding

# The codes, in the order findings are reported. Tests cover each one.
CODES = ("placeholder", "over_limit", "no_mention", "apology", "valued_customer", "policy", "ticket", "jargon",
         "all_caps", "wall_of_text", "no_name", "link_only")
BLOCKING = frozenset({"placeholder"})   # never sent while present

WALL_WORDS = 90          # a paragraph longer than this is a wall on any screen
WALL_SENTENCE_WORDS = 45
ACRONYMS = frozenset("""API APIS URL URLS PDF HTTP HTTPS JSON HTML CSS YAML TOML ASCII UTF UUID OAUTH SAML SSO CSV SQL
REST NASA GDPR RGPD FAQ CLI GUI SDK SMTP IMAP DNS TLS SSL VPN USB HDMI WIFI NFC RSS ATOM XML JPEG JPG PNG GIF SVG
MIME AWS GCP IOS IPAD LTS RAM CPU GPU SSD UTC CEST GMT""".split())

_URL = re.compile(r"https?://\S+|www\.\S+", re.I)
_HANDLE = re.compile(r"(?<![\w])@[\w.@-]+")
_PLACEHOLDER = re.compile(
    r"\{\{[^{}\n]*\}\}|\{[A-Za-z_][\w.]*\}|\[(?:[A-Z][A-Z _-]{2,}|name|link|url|answer|product|prénom|lien|réponse)\]"
    r"|<(?:name|link|url|answer|product|prénom|lien|réponse)>|%s|\b(?:TODO|TBD|FIXME|XXX+)\b")
_CAPS_WORD = re.compile(r"(?<![\w@#/.-])[^\W\d_]{4,}(?![\w/.-])")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def lint(text: str, *, first_name: str = "", handle: str = "", limit: Limit | None = None, platform: str = "",
         mention: str = "", signature: str = "") -> tuple[LintFinding, ...]:
    """Findings for `text`; `first_name`/`handle` enable the name check, `limit` the length
    check, `mention` the mention check."""
    findings: list[LintFinding] = []
    findings += _placeholders(text)
    if limit is not None and not limit.fits(text):
        n = limit.count(text)
        size = f"{n} of {limit.max} {limit.label}" if limit.max is not None and n > limit.max else \
            f"{len(text.encode('utf-8'))} bytes, over {limit.max_bytes}"
        findings.append(LintFinding("over_limit", f"too long: {size}; {platform or 'the platform'} will refuse it. "
                                    "Cut it down, or point to a page that explains the rest.", None))
    if mention and not has_mention(text, mention):
        findings.append(LintFinding("no_mention", f"no {mention}: on {platform} they are only notified when "
                                    f"mentioned; start the reply with \"{mention}\".", None))
    findings += _phrases(text, first_name or handle or "Sam")
    findings += _caps(text)
    findings += _walls(text)
    if first_name or handle:
        findings += _no_name(text, first_name, handle)
    findings += _link_only(text, first_name, handle, mention, signature)
    order = {code: i for i, code in enumerate(CODES)}
    return tuple(sorted(findings, key=lambda f: (order.get(f.code, len(CODES)), f.span or (0, 0))))


def blocking(findings: Iterable[LintFinding]) -> list[LintFinding]:
    return [f for f in findings if f.code in BLOCKING]


def _placeholders(text: str) -> list[LintFinding]:
    return [LintFinding("placeholder", f"unresolved placeholder \"{m.group()}\": fill it in or remove it; "
                        "a reply with a placeholder is never sent.", (m.start(), m.end()))
            for m in _PLACEHOLDER.finditer(text)]


def _normalized(text: str) -> str:
    # Same length as the text, so spans found in it are spans of the text.
    return text.lower().replace("’", "'").replace("\u00a0", " ")


def _phrases(text: str, name: str) -> list[LintFinding]:
    low = _normalized(text)
    found: list[LintFinding] = []
    taken: list[tuple[int, int]] = []

    def add(code: str, start: int, end: int, message: str) -> None:
        if any(start < b and a < end for a, b in taken):
            return  # inside a longer phrase already reported
        taken.append((start, end))
        found.append(LintFinding(code, message, (start, end)))

    for language in phrases.all_languages():
        for rule in language.lint:
            suggest = rule.suggest.replace("{first_name}", name)
            for phrase in sorted(rule.phrases, key=len, reverse=True):
                for m in re.finditer(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", low):
                    add(rule.code, m.start(), m.end(),
                        f"\"{text[m.start():m.end()]}\": {rule.why}; {suggest}.".replace("..", "."))
            for pattern in rule.patterns:
                for m in pattern.finditer(text):
                    add(rule.code, m.start(), m.end(), f"\"{m.group()}\": {rule.why}; {suggest}.".replace("..", "."))
            for phrase, plain in sorted(rule.words.items(), key=lambda kv: -len(kv[0])):
                for m in re.finditer(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", low):
                    add(rule.code, m.start(), m.end(), f"\"{text[m.start():m.end()]}\": {rule.why}; "
                        f"say \"{plain}\".")
    return found


def _caps(text: str) -> list[LintFinding]:
    clean = _URL.sub(lambda m: " " * len(m.group()), text)
    clean = _HANDLE.sub(lambda m: " " * len(m.group()), clean)
    letters = [ch for ch in clean if ch.isalpha()]
    upper = sum(1 for ch in letters if ch.isupper())
    if len(letters) >= 20 and upper / len(letters) > 0.6:
        return [LintFinding("all_caps", "most of the reply is in capitals, which reads as shouting; "
                            "write it in normal case.", (0, len(text)))]
    runs: list[list[int]] = []
    for m in _CAPS_WORD.finditer(clean):
        if not m.group().isupper() or m.group() in ACRONYMS:
            continue
        if runs and clean[runs[-1][1]:m.start()].strip(" ,!") == "":
            runs[-1][1] = m.end()
        else:
            runs.append([m.start(), m.end()])
    return [LintFinding("all_caps", f"\"{text[a:b]}\" is in capitals, which reads as shouting; "
                        f"write \"{text[a:b].capitalize()}\" (or use *emphasis*).", (a, b)) for a, b in runs]


def _walls(text: str) -> list[LintFinding]:
    found = []
    pos = 0
    for paragraph in re.split(r"(\n\s*\n|\n)", text):
        start, pos = pos, pos + len(paragraph)
        if not paragraph.strip() or paragraph.isspace():
            continue
        words = len(_WORD.findall(paragraph))
        longest = max((len(_WORD.findall(s)) for s in re.split(r"(?<=[.!?])\s+", paragraph)), default=0)
        if words > WALL_WORDS:
            found.append(LintFinding("wall_of_text", f"a paragraph of {words} words is a wall of text; split it "
                                     "into short paragraphs of two or three sentences, or link to the docs.",
                                     (start, start + len(paragraph))))
        elif longest > WALL_SENTENCE_WORDS:
            found.append(LintFinding("wall_of_text", f"a sentence of {longest} words is hard to follow; "
                                     "split it in two.", (start, start + len(paragraph))))
    return found


def _local(handle: str) -> str:
    local = handle.strip().lstrip("@").split("@")[0]
    return local.split(".")[0] if "." in local and not handle.strip().startswith("@") else local


def _no_name(text: str, first_name: str, handle: str) -> list[LintFinding]:
    low = _normalized(_HANDLE.sub(" ", text))   # the mention a platform needs is not a greeting
    names = [n for n in (first_name, _local(handle)) if n and len(n) >= 2]
    if any(re.search(r"(?<!\w)" + re.escape(_normalized(n)) + r"(?!\w)", low) for n in names):
        return []
    who = first_name or _local(handle)
    return [LintFinding("no_name", f"the reply never says their name; a person would start with "
                        f"\"Hi {who},\".", None)]


_GREETING_WORDS = frozenset("""hi hello hey there dear thanks thank you merci bonjour salut coucou see voir here ici
voici this ceci is est""".split())


def _link_only(text: str, first_name: str, handle: str, mention: str, signature: str) -> list[LintFinding]:
    urls = list(_URL.finditer(text))
    if not urls:
        return []
    rest = text
    for part in (signature, mention, handle):
        if part:
            rest = rest.replace(part, " ")
    rest = _URL.sub(" ", _HANDLE.sub(" ", rest))
    skip = _GREETING_WORDS | {w.lower() for w in (first_name, _local(handle)) if w}
    words = [w for w in _WORD.findall(rest) if w.lower() not in skip]
    if len(words) > 3:
        return []
    m = urls[0]
    return [LintFinding("link_only", f"a bare link is not an answer; say in one sentence what \"{m.group()}\" "
                        "answers, e.g. \"Export is under Settings > Data: <link>\".", (m.start(), m.end()))]
