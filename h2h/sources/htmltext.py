"""Plain text from what platforms send: HTML (Mastodon and its kin, Hacker News,
Stack Exchange, Discourse, feeds) with `html_to_text`, Markdown with raw HTML
islands (GitHub, Reddit, Lemmy, Discourse's `raw`) with `markdown_text`. Every
adapter goes through these two, so one body reads the same on every platform.

What the text keeps: paragraphs (a blank line), line breaks, list items as
`- item`, table cells apart, preformatted text as written, mentions as full
handles, links as the URL they point to, hashtags as `#tag`, image alt text,
entities decoded. What it drops: quotes of other posts (Mastodon's quote
fallback, Discourse's quote and link-preview asides, Markdown `>` lines), which
are someone else's words.

HTML is read as a browser reads it: a `<p>` starts a paragraph whether or not
the previous one was closed (Hacker News never closes them), and line breaks in
the source are spaces, except inside `<pre>`.

Mastodon shortens long links for display (`<span class="invisible">https://</span>
<span class="ellipsis">example.com/lo</span><span class="invisible">ng</span>`);
joining every span gives the URL back. Mentions show only `@user`; the post's
`mentions` list (passed as `handles`, URL -> `@user@instance`) says which
instance the user is on.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Mapping
from urllib.parse import urlsplit

# Elements that start and end a paragraph (a blank line around them).
_BLOCKS = frozenset({"p", "div", "blockquote", "pre", "ul", "ol", "dl", "table", "figure", "figcaption", "section",
                     "article", "header", "footer", "aside", "details", "summary", "hr", "address", "main", "nav",
                     "h1", "h2", "h3", "h4", "h5", "h6"})
# Elements that end a line.
_LINES = frozenset({"tr", "dt", "dd", "caption"})
_CELLS = frozenset({"td", "th"})
_VOID = frozenset({"br", "img", "hr", "wbr", "input", "meta", "link", "source", "area", "col", "embed"})
# What a Markdown body may hold as raw HTML; anything else in angle brackets is text (`Vec<T>`, `<3`).
_MARKDOWN_TAGS = _BLOCKS | _LINES | _CELLS | _VOID | frozenset({
    "a", "b", "i", "em", "strong", "s", "del", "ins", "u", "sub", "sup", "small", "kbd", "code", "span", "mark",
    "li", "thead", "tbody", "tfoot", "picture", "video", "abbr", "cite", "q", "tt", "font", "center"})
_ELLIPSIS = ("…", "...")


class _Text(HTMLParser):
    def __init__(self, handles: Mapping[str, str], *, markdown: bool = False):
        super().__init__(convert_charrefs=True)
        self.handles = handles
        self.markdown = markdown
        self.out: list[str] = []
        self.link: dict[str, object] | None = None  # the <a> being read: href, classes, text parts
        self.skip = 0  # depth inside an element whose words are someone else's (quotes, previews)
        self.pre = 0   # depth inside <pre>: whitespace as written

    def _known(self, tag: str) -> bool:
        return not self.markdown or tag in _MARKDOWN_TAGS

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._known(tag):
            self.handle_data(self.get_starttag_text() or "")
            return
        attr = {k: (v or "") for k, v in attrs}
        classes = set(attr.get("class", "").split())
        if self.skip:
            if tag not in _VOID:
                self.skip += 1
            return
        if "quote-inline" in classes or (tag == "aside" and classes & {"quote", "onebox"}):
            self.skip = 1
            return
        if tag == "pre":
            self.pre += 1
        if tag == "br":
            self._emit("\n")
        elif tag in _BLOCKS:
            self._break()
        elif tag in _LINES:
            if not self._at_line_start():
                self._emit("\n")
        elif tag == "li":
            self._emit("\n- ")
        elif tag == "a" and self.link is None:
            self.link = {"href": attr.get("href", ""), "classes": classes, "parts": []}
        elif tag == "img" and attr.get("alt"):
            self._emit(attr["alt"])  # custom emoji keep their :shortcode:

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self._known(tag):
            self.handle_data(f"</{tag}>")
            return
        if self.skip:
            if tag not in _VOID:
                self.skip -= 1
            return
        if tag == "pre" and self.pre:
            self.pre -= 1
        if tag == "a" and self.link is not None:
            link, self.link = self.link, None
            self._emit(_link_text(link, self.handles))
        elif tag in _BLOCKS:
            self._break()
        elif tag in _LINES:
            self._emit("\n")
        elif tag in _CELLS:
            self._emit(" ")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if not self.markdown and not self.pre:
            data = re.sub(r"[ \t]*[\r\n][ \t\r\n]*", " ", data)  # a line break in HTML source is a space
            if self._at_line_start():
                data = data.lstrip(" \t")
        self._emit(data)

    def _at_line_start(self) -> bool:
        parts = self.link["parts"] if self.link is not None else self.out  # type: ignore[index]
        last = next((p for p in reversed(parts) if p), "")  # type: ignore[union-attr]
        return not last or last.endswith("\n")

    def handle_comment(self, data: str) -> None:
        pass  # <!-- ... --> is never shown (GitHub issue templates are full of them)

    def _emit(self, text: str) -> None:
        if self.link is not None:
            self.link["parts"].append(text)  # type: ignore[union-attr]
        else:
            self.out.append(text)

    def _break(self) -> None:
        if self.link is None:
            self.out.append("\n\n")

    def text(self) -> str:
        self.close()
        if self.link is not None:  # an <a> never closed: keep what it held
            self.out.append(_link_text(self.link, self.handles))
            self.link = None
        return _tidy("".join(self.out))


def _link_text(link: Mapping[str, object], handles: Mapping[str, str]) -> str:
    href = str(link["href"])
    classes = link["classes"]
    text = "".join(link["parts"]).strip()  # type: ignore[arg-type]
    if "mention" in classes and "hashtag" not in classes and text.startswith("@"):  # type: ignore[operator]
        if href in handles:
            return handles[href]
        if "@" not in text[1:]:
            host = urlsplit(href).hostname
            return f"{text}@{host}" if host else text
        return text
    if "hashtag" in classes or text.startswith("#"):
        return text
    if not href.startswith(("http://", "https://")):
        return text
    shown = text
    for mark in _ELLIPSIS:
        shown = shown.removesuffix(mark)
    if not text or text == href or href.endswith(shown) or text.startswith(("http://", "https://")):
        return href
    bare = re.sub(r"^https?://(www\.)?", "", href)
    if shown and bare.startswith(shown.removeprefix("www.")):
        return href
    return f"{text} ({href})"


def _tidy(text: str) -> str:
    """No spaces at line ends; blank lines (NBSP and zero-width ones too) at most one in a row."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.rstrip(" \t")
        if not line.replace("\u200b", "").strip():
            line = ""
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def html_to_text(html: str, handles: Mapping[str, str] | None = None) -> str:
    """Plain text from a post's HTML (see the module's docstring)."""
    parser = _Text(handles or {})
    parser.feed(html or "")
    return parser.text()


# --- Markdown ---------------------------------------------------------------------------------

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})[^\n]*\n.*?(?:^\1\2[ \t]*$|\Z)", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_QUOTE_LINE = re.compile(r"^[ \t]{0,3}>.*$", re.M)
_IMAGE = re.compile(r"!\[([^\]]*)\]\(<?([^)\s>]+)>?[^)]*\)")
_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(<?([^)\s>]+)>?[^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1")


def markdown_text(markdown: str) -> str:
    """Plain text of a Markdown body: quoted lines dropped, links and emphasis unwrapped,
    raw HTML read as HTML, entities decoded, code (fenced or inline) kept as written."""
    text = (markdown or "").replace("\r\n", "\n").replace("\r", "\n")
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = _FENCE.sub(keep, text)
    text = _CODE_SPAN.sub(keep, text)
    text = _QUOTE_LINE.sub("", text)
    text = _IMAGE.sub(lambda m: m.group(1) or m.group(2), text)
    text = _LINK.sub(lambda m: m.group(2) if m.group(1) in (m.group(2), f"<{m.group(2)}>")
                     else f"{m.group(1)} ({m.group(2)})", text)
    text = _EMPHASIS.sub(r"\2", text)
    parser = _Text({}, markdown=True)
    parser.feed(text)
    text = parser.text()
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))].strip("\n"), text).strip()
