"""Plain text from the HTML that Mastodon (and fediverse servers like it) put in
a post: paragraphs and line breaks kept, mentions as full handles, links as
the URL they point to, hashtags as `#tag`, entities decoded.

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

_BLOCKS = {"p", "div", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}


class _Text(HTMLParser):
    def __init__(self, handles: Mapping[str, str]):
        super().__init__(convert_charrefs=True)
        self.handles = handles
        self.out: list[str] = []
        self.link: dict[str, object] | None = None  # the <a> being read: href, classes, text parts
        self.skip = 0  # depth inside an element clients hide (quote fallbacks)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: (v or "") for k, v in attrs}
        classes = set(attr.get("class", "").split())
        if self.skip:
            if tag not in ("br", "img"):
                self.skip += 1
            return
        if "quote-inline" in classes:  # "RE: <link>" fallback for clients without quote posts
            self.skip = 1
            return
        if tag == "br":
            self._emit("\n")
        elif tag in _BLOCKS:
            self._break()
        elif tag == "li":
            self._emit("\n- ")
        elif tag == "a" and self.link is None:
            self.link = {"href": attr.get("href", ""), "classes": classes, "parts": []}
        elif tag == "img" and attr.get("alt"):
            self._emit(attr["alt"])  # custom emoji keep their :shortcode:

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            self.skip -= 1
            return
        if tag == "a" and self.link is not None:
            link, self.link = self.link, None
            self._emit(_link_text(link, self.handles))
        elif tag in _BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self._emit(data)

    def _emit(self, text: str) -> None:
        if self.link is not None:
            self.link["parts"].append(text)  # type: ignore[union-attr]
        else:
            self.out.append(text)

    def _break(self) -> None:
        if self.link is None:
            self.out.append("\n\n")


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
    if not text or text == href or href.endswith(text.rstrip("…")) or text.startswith(("http://", "https://")):
        return href
    bare = re.sub(r"^https?://(www\.)?", "", href)
    if bare.startswith(text.rstrip("…").removeprefix("www.")):
        return href
    return f"{text} ({href})"


def html_to_text(html: str, handles: Mapping[str, str] | None = None) -> str:
    parser = _Text(handles or {})
    parser.feed(html or "")
    parser.close()
    if parser.link is not None:  # an <a> never closed: keep what it held
        parser.out.append(_link_text(parser.link, parser.handles))
    text = "".join(parser.out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
