"""The hostile-input corpus: every line h2h must survive, and what it must do with it.

Most cases live in cases/*.jsonl, one JSON object per line with `_case` (its name)
and `_expect` ("ok": imported and shown inert; "bad": reported with its line
number and skipped). The cases that cannot be written as JSON text, or are too big
to keep in git, are made here: invalid UTF-8, broken and deeply nested JSON, raw
control bytes, a 10 MB body.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

CASES = Path(__file__).resolve().parent / "cases"
BIG = 10 * 1024 * 1024

# What must never reach a terminal from post content: escape and control characters,
# bidi controls and invisible formatting characters.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e"
                       "\u2060-\u2064\u2066-\u206f\ufeff\ud800-\udfff]")
SGR = re.compile(r"\x1b\[[0-9;]*m")  # colours and styles: the only sequences h2h itself writes


@dataclass(frozen=True)
class Case:
    name: str
    line: bytes
    ok: bool          # imported (True) or reported as a bad line (False)
    file: str

    @property
    def record(self) -> dict | None:
        try:
            return json.loads(self.line)
        except (ValueError, RecursionError):
            return None


def _line(name: str, text: str, **extra: object) -> bytes:
    record = {"_case": name, "_expect": "ok", "id": name, "source": "hostile", "platform": "mastodon", "text": text,
              "created_at": "2026-11-20T10:00:00Z", "author": {"id": "a-" + name, "handle": f"@{name}@x.example"}}
    record.update(extra)
    return json.dumps(record).encode()


def generated() -> list[Case]:
    nested_ok = {"id": "x"}
    for _ in range(40):
        nested_ok = {"d": nested_ok}
    cases = [
        Case("invalid_utf8", _line("invalid_utf8", "PLACEHOLDER").replace(b"PLACEHOLDER", b"caf\xe9 \xff\xfe"),
             False, "generated"),
        Case("overlong_utf8", _line("overlong_utf8", "X").replace(b'"X"', b'"\xc0\xaf"'), False, "generated"),
        Case("truncated_json", _line("truncated_json", "cut")[:-20], False, "generated"),
        Case("not_an_object", b'["id", "text"]', False, "generated"),
        Case("json_scalar", b"42", False, "generated"),
        Case("deep_array", b"[" * 100_000 + b"]" * 100_000, False, "generated"),
        Case("deep_in_record", _line("deep_in_record", "deep", extra=json.loads("[" * 80 + "]" * 80)), False,
             "generated"),
        Case("nested_but_fine", _line("nested_but_fine", "nested 40 deep", extra=nested_ok), True, "generated"),
        Case("raw_control_bytes", _line("raw_control_bytes", "X").replace(b'"X"', b'"raw \x1b[31m esc \x07 bell"'),
             True, "generated"),
        Case("big_body", _line("big_body", "how do I export? " + "A" * BIG), True, "generated"),
        Case("big_name", _line("big_name", "who am I", author={"id": "a-bigname", "handle": "@big@x.example",
                                                               "name": "N" * (1024 * 1024)}), True, "generated"),
        Case("crlf_line", _line("crlf_line", "windows line ending") + b"\r", True, "generated"),
        Case("nul_in_line", _line("nul_in_line", "nul \u0000 inside"), True, "generated"),
    ]
    return cases


def load() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(CASES.glob("*.jsonl")):
        for raw in path.read_bytes().splitlines():
            record = json.loads(raw)
            if "_case" not in record:
                continue  # the file's header
            cases.append(Case(record["_case"], raw, record.get("_expect", "ok") == "ok", path.name))
    cases += generated()
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


def write_all(path: Path, cases: list[Case]) -> None:
    path.write_bytes(b"\n".join(c.line for c in cases) + b"\n")


def assert_inert(output: str, *, styled: bool = False) -> None:
    """Nothing in `output` can act on a terminal; `styled` allows plain SGR styles (rich)."""
    text = SGR.sub("", output) if styled else output
    found = FORBIDDEN.search(text)
    assert found is None, f"{found.group()!r} at {found.start()}: ...{text[max(0, found.start() - 60):found.start() + 20]!r}"
