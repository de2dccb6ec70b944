"""The JSON Lines import format (DESIGN §7): one mention per line, read by
`h2h import` and `h2h score`. A bad line is reported with its number; the rest
is read.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import IO, Any, Callable, Iterator, Mapping

from h2h.clock import parse_time
from h2h.errors import InputError
from h2h.models import Mention, Person
from h2h.textutil import valid_text

MAX_DEPTH = 64
# A line longer than this is bad (the hostile corpus holds 10 MB posts); read whole, one endless
# line (`h2h import /dev/zero`) would take all the memory there is.
MAX_LINE_BYTES = 32 * 1024 * 1024
_SKIP = 1024 * 1024
MAX_FOLLOWERS = 10**12  # more than anyone has; also keeps the value inside SQLite's INTEGER


@dataclass(frozen=True)
class BadLine:
    line: int
    message: str


def lines(stream: IO[bytes], on_long: Callable[[BadLine], None] | None = None) -> Iterator[tuple[int, bytes | BadLine]]:
    """The stream's lines (split on \\n only: U+2028 may sit inside a text), each at most
    MAX_LINE_BYTES; a longer one is a BadLine, told to `on_long` before its rest is skipped
    (which, for a line that never ends, is never done)."""
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) <= MAX_LINE_BYTES or raw.endswith(b"\n"):
            yield number, raw
            continue
        del raw
        bad = BadLine(number, f"longer than {MAX_LINE_BYTES // (1024 * 1024)} MB, not a message h2h reads")
        if on_long is not None:
            on_long(bad)
        yield number, bad
        while True:
            rest = stream.readline(_SKIP)
            if not rest or rest.endswith(b"\n"):
                break


def read_lines(stream: IO[bytes]) -> Iterator[tuple[int, Mention | BadLine]]:
    """Parse a byte stream, line by line."""
    for number, raw in lines(stream):
        item = parse_line(number, raw)
        if item is not None:
            yield number, item


def is_comment(obj: object) -> bool:
    return isinstance(obj, dict) and bool(obj) and all(isinstance(k, str) and k.startswith("_") for k in obj)


def parse_line(number: int, raw: bytes | BadLine) -> Mention | BadLine | None:
    """One line of the import format: a mention, a bad line, or None for a blank line or
    a comment (an object whose keys all begin with `_`, such as a file's header)."""
    if isinstance(raw, BadLine):
        return raw
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BadLine(number, f"not UTF-8 (byte {exc.start})")
    try:
        # strict=False: raw control characters inside strings are kept (and made inert when shown).
        obj = json.loads(text, strict=False)
    except RecursionError:
        return BadLine(number, "JSON nested too deeply")
    except json.JSONDecodeError as exc:
        return BadLine(number, f"not JSON: {exc.msg} at column {exc.colno}")
    except ValueError as exc:  # an integer of more digits than Python converts (4,300)
        return BadLine(number, f"not JSON h2h reads: {str(exc)[:120]}")
    if is_comment(obj):
        return None
    try:
        # Nesting can only be as deep as the line has brackets: most lines need no walk.
        shallow = text.count("{") + text.count("[") <= MAX_DEPTH
        return parse_record(obj, check_depth=not shallow)
    except InputError as exc:
        return BadLine(number, exc.message)
    except Exception as exc:  # noqa: BLE001 - one odd line must not stop an import of millions
        return BadLine(number, f"cannot read this line ({type(exc).__name__}: {exc})")


def _id(value: Any, what: str) -> str:
    if isinstance(value, bool) or value is None:
        raise InputError(f"{what} must be a string or a number")
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str) and value.strip():
        return valid_text(value.strip())
    raise InputError(f"{what} must be a non-empty string or a number")


def _opt_str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _id(value, key)
    if not isinstance(value, str):
        raise InputError(f"`{key}` must be a string")
    return valid_text(value)


def _bool(obj: Mapping[str, Any], key: str, default: bool | None) -> bool | None:
    value = obj.get(key, default)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.lower() in ("true", "1", "yes")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise InputError(f"`{key}` must be true or false")


def _depth(value: Any, limit: int = MAX_DEPTH) -> int:
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def _author(value: Any, source: str) -> Person:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        ident = _id(value, "`author`")
        return Person(source=source, remote_id=ident, handle=ident)
    if not isinstance(value, dict):
        raise InputError("`author` must be an object or a string")
    given = value.get("id", value.get("handle"))
    if given is None:
        raise InputError("`author` needs an `id` or a `handle`")
    remote_id = _id(given, "`author.id`")
    handle = _opt_str(value, "handle") or remote_id
    followers = value.get("followers")
    if followers is not None:
        try:
            count = float(followers)
        except (TypeError, ValueError):  # "1,200", [..]
            raise InputError("`author.followers` must be a number") from None
        if not math.isfinite(count):
            raise InputError("`author.followers` must be a finite number")
        followers = int(min(count, MAX_FOLLOWERS))
        if followers < 0:
            followers = None
    created = value.get("created_at")
    try:
        created_at = parse_time(created) if created not in (None, "") else None
    except ValueError as exc:
        raise InputError(f"`author.created_at`: {exc}") from None
    return Person(source=source, remote_id=remote_id, handle=handle, name=_opt_str(value, "name") or "",
                  url=_opt_str(value, "url"), bot=_bool(value, "bot", None), followers=followers,
                  created_at=created_at, raw=value)


def parse_record(obj: Any, *, check_depth: bool = True) -> Mention:
    if not isinstance(obj, dict):
        raise InputError("a line must be a JSON object")
    if check_depth and _depth(obj) > MAX_DEPTH:
        raise InputError(f"JSON nested deeper than {MAX_DEPTH} levels")
    missing = [k for k in ("id", "text", "created_at", "author") if k not in obj]
    if missing:
        raise InputError("missing required key" + ("s" if len(missing) > 1 else "") + ": " + ", ".join(missing))
    source = _opt_str(obj, "source") or "import"
    platform = _opt_str(obj, "platform") or source
    text = obj["text"]
    if not isinstance(text, str):
        if isinstance(text, (int, float)) and not isinstance(text, bool):
            text = str(text)
        else:
            raise InputError("`text` must be a string")
    try:
        created_at = parse_time(obj["created_at"])
    except ValueError as exc:
        raise InputError(f"`created_at`: {exc}") from None
    lang = _opt_str(obj, "lang")
    return Mention(
        source=source, platform=platform, remote_id=_id(obj["id"], "`id`"),
        author=_author(obj["author"], source), text=valid_text(text), created_at=created_at,
        url=_opt_str(obj, "url"), in_reply_to=_opt_str(obj, "in_reply_to"), thread=_opt_str(obj, "thread"),
        to_me=bool(_bool(obj, "to_me", True)), from_me=bool(_bool(obj, "from_me", False)),
        lang=lang.lower()[:8] if lang else None, raw=obj)


def to_record(m: Mention) -> dict[str, Any]:
    """A mention in the import format (the inverse of parse_record)."""
    a = m.author
    return {
        "id": m.remote_id, "source": m.source, "platform": m.platform, "text": m.text,
        "created_at": m.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "author": {"id": a.remote_id, "handle": a.handle, "name": a.name, "bot": a.bot,
                   "followers": a.followers, "url": a.url},
        "url": m.url, "in_reply_to": m.in_reply_to, "thread": m.thread,
        "to_me": m.to_me, "from_me": m.from_me, "lang": m.lang,
    }
