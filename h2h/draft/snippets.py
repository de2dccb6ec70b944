"""Saved replies: `[draft.snippets]` in the config, filled in for one person.

A snippet is the user's own wording, so it is used as written: placeholders
are filled, the mention the platform needs is added, and nothing is trimmed
(the lint says when it is too long). A placeholder h2h cannot fill is an
error: a reply that says "Hi {first_name}" is never sent.
"""

from __future__ import annotations

import difflib
import string
from typing import Mapping

from h2h.errors import ConfigError, H2HError, NotFound

PLACEHOLDERS = ("first_name", "name", "handle", "topic", "me", "signature")
_EMPTY_HINT = {
    "topic": "h2h could not tell what they asked about; write it in with --edit, or use another snippet.",
    "me": "set [me] name in the config.",
    "signature": "set [me] signature (or [me] name) in the config.",
}


def fields(template: str, name: str = "") -> list[str]:
    """The placeholders a snippet uses, checked: only plain {name} fields h2h knows. A
    mistake is the config's (exit 3), found when the snippet is first used."""
    key = f"draft.snippets.{name}" if name else "draft.snippets"
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ConfigError(f"snippet {name!r} has a stray brace", problems=[(key, str(exc))],
                          hint="Write {{ or }} for a literal brace in [draft.snippets] of the config.",
                          code="snippet_syntax") from None
    used = []
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            close = difflib.get_close_matches(field, PLACEHOLDERS, n=1)
            shown = f"{{{field}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
            raise ConfigError(f"snippet {name!r} has an unknown placeholder {shown}",
                              problems=[(key, f"unknown placeholder {shown}"
                                         + (f"; did you mean {{{close[0]}}}?" if close else ""))],
                              hint="Fix it in [draft.snippets] of the config. Placeholders: "
                                   + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + ".",
                              code="snippet_syntax")
        used.append(field)
    return used


def render(template: str, values: Mapping[str, str], *, name: str = "") -> str:
    for field in fields(template, name):
        if not (values.get(field) or "").strip():
            raise H2HError(f"snippet {name!r}: {{{field}}} has no value for this conversation, so it would be "
                             "sent unresolved",
                             hint=_EMPTY_HINT.get(field, "Edit the snippet or the draft."),
                             code="unresolved_placeholder")
    return template.format_map({k: values.get(k, "") for k in PLACEHOLDERS})


def lookup(snippets: Mapping[str, str], name: str) -> str:
    if name in snippets:
        return snippets[name]
    if not snippets:
        raise NotFound(f"no snippet {name!r}: [draft.snippets] is empty",
                         hint="Add one to the config, e.g. export = \"Hi {first_name}, ... {signature}\".",
                         code="not_found")
    close = difflib.get_close_matches(name, list(snippets), n=1)
    raise NotFound(f"no snippet {name!r}" + (f"; did you mean {close[0]!r}?" if close else ""),
                     hint="Snippets: " + ", ".join(sorted(snippets)) + ".", code="not_found")
