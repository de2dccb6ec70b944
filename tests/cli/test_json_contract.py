"""docs/json.md and the code cannot drift: every command's JSON is produced here,
and each key it has must be documented, and each documented key must be there."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from h2h.errors import ExitCode
from tests.clirun import run
from tests.records import CONFIG, write_config
from tests.app.test_people import RECORDS

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "json.md"

# Documented keys under lists that the sample leaves empty; allowed to go unverified
# until the feature fills them (the tone lint of drafts).
UNVERIFIED_OK = {(doc, f"lint[].{key}") for doc in ("draft", "reply") for key in ("code", "message", "span")}
# A knowledge entry has no person, a past answer no origin: one sample cannot show every key.
UNVERIFIED_OK |= {(doc, f"{prefix}.{key}") for doc, prefix in (("draft", "grounding"), ("draft-matches", "matches[]"),
                                                               ("knowledge-test", "matches[]"))
                  for key in ("person", "author", "created_at", "origin", "link", "kind", "ref", "similarity",
                              "question", "answer", "lang")}


def parse_doc(text: str) -> tuple[dict[str, set[str]], dict[str, dict[str, str]], dict[str, list[list[str]]]]:
    """({doc: paths}, {doc: {alias prefix: target}}, {codes table: rows})."""
    docs: dict[str, set[str]] = {}
    aliases: dict[str, dict[str, str]] = {}
    tables: dict[str, list[list[str]]] = {}
    current: tuple[str, str] | None = None
    for line in text.splitlines():
        m = re.match(r"<!-- (doc|codes): ([\w-]+)", line)
        if m:
            current = (m.group(1), m.group(2))
            if m.group(1) == "doc":
                docs.setdefault(m.group(2), set())
                aliases.setdefault(m.group(2), {})
            else:
                tables.setdefault(m.group(2), [])
            continue
        m = re.match(r"<!-- same: (\S+) = (\S+) -->", line)
        if m and current and current[0] == "doc":
            aliases[current[1]][m.group(1)] = m.group(2)
            continue
        if current and line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if set(cells[0]) <= set("-") or cells[0] in ("key", "code"):
                continue
            if current[0] == "doc":
                docs[current[1]].add(cells[0].strip("`"))
            else:
                tables[current[1]].append([c.strip("`") for c in cells])
        elif current and line.startswith("#"):
            current = None
    return docs, aliases, tables


DOCS, ALIASES, TABLES = parse_doc(DOC.read_text(encoding="utf-8"))


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, bool]]:
    """(path, verified) for every key; keys under an empty list cannot be seen."""
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(inner, (dict, list)) and inner and not (
                    isinstance(inner, list) and not isinstance(inner[0], dict)):
                yield from flatten(inner, path)
                if isinstance(inner, list):
                    yield path + "[]", True
            else:
                yield (path + "[]" if isinstance(inner, list) and inner == [] else path), True
    elif isinstance(value, list):
        for item in value:
            yield from flatten(item, prefix + "[]")


def check(name: str, *samples: Any) -> None:
    documented = DOCS[name]
    seen: set[str] = set()
    for sample in samples:
        seen.update(path for path, _ in flatten(sample))
    resolved: set[str] = set()
    for path in seen:
        resolved.add(path)
        for prefix, target in ALIASES[name].items():
            if path.startswith(prefix + "."):
                rest = path[len(prefix) + 1:]
                if target.startswith("@"):
                    resolved.discard(path)  # checked element by element against the other document, below
                elif f"{target}.{rest}" in documented and path not in documented:
                    resolved.discard(path)
                    resolved.add(f"{target}.{rest}")
    for prefix, target in ALIASES[name].items():
        if target.startswith("@"):
            resolved.add(prefix)
            elements = [element for sample in samples for element in _at(sample, prefix)]
            if elements:
                check(target[1:], *elements)
    undocumented = sorted(p for p in resolved if p not in documented and not p.endswith("[]"))
    assert not undocumented, f"keys of `{name}` missing from docs/json.md: {undocumented}"
    lists = {p for p in documented if p.endswith("[]")}
    missing = sorted(p for p in documented - resolved - lists
                     if (name, p) not in UNVERIFIED_OK and not _under_alias(name, p))
    assert not missing, f"docs/json.md lists keys of `{name}` that the output lacks: {missing}"


def _under_alias(name: str, path: str) -> bool:
    return any(path == prefix for prefix in ALIASES[name])


def _at(sample: Any, prefix: str) -> list[Any]:
    """The values at `prefix` (`person`, `items[]`)."""
    values = [sample]
    for part in prefix.split("."):
        key, many = (part[:-2], True) if part.endswith("[]") else (part, False)
        values = [v[key] for v in values]
        if many:
            values = [e for v in values for e in v]
    return values


@pytest.fixture
def db(home: Path, tmp_path: Path) -> dict[str, str]:
    write_config(home, CONFIG)
    lines = [json.dumps(r) for r in RECORDS] + ['{"id": "bad"}']
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    imported = run("import", "--json", str(tmp_path / "in.jsonl"))
    assert imported.code == int(ExitCode.PARTIAL), imported.err
    items = run("queue", "--jsonl", "-n", "0", "--all").lines()
    alice = next(i["id"] for i in items if i["person"]["handle"] == "@alice@example.social")
    bob = next(i["id"] for i in items if i["person"]["handle"] == "@bob@example.social")
    return {"import": imported.out, "alice": alice, "bob": bob}


def data(*args: str) -> Any:
    result = run(*args)
    assert result.code == 0, (args, result.err)
    doc = result.json()
    assert list(doc) == ["data"]
    return doc["data"]


def test_every_documented_document_is_checked() -> None:
    assert set(DOCS) == {"error", "queue-item", "queue", "count", "show", "draft", "state", "import", "score",
                         "stats", "person", "link", "unlink", "init", "next", "reply", "fetch", "fetch-source",
                         "sources", "sources-check", "undo", "search", "draft-history", "doctor", "draft-matches",
                         "knowledge-list", "knowledge-add", "knowledge-test"}


def test_queue_documents(db: dict[str, str]) -> None:
    check("queue", data("queue", "--json", "--all"))
    lines = run("queue", "--jsonl", "--all").lines()
    check("queue-item", *lines)
    check("count", data("queue", "--count", "--json", "--since", "1d", "--source", "masto"))


def test_conversation_documents(db: dict[str, str]) -> None:
    state = data("snooze", db["alice"], "2h", "--json")
    check("state", state)
    check("show", data("show", db["alice"], "--json"))
    check("draft", data("draft", db["bob"], "--json"))
    check("draft-history", data("draft", db["bob"], "--history", "--json"))


def test_knowledge_and_memory_documents(db: dict[str, str], home: Path) -> None:
    check("knowledge-add", data("knowledge", "add", "Can I sync two devices?", "--answer", "Yes, sign in on both.",
                                "--link", "https://example.com/sync", "--also", "two devices, sync phone and laptop",
                                "--json"))
    with open(home / "knowledge.md", "a") as faq:
        faq.write("\n# An entry without an answer\n")
    check("knowledge-list", data("knowledge", "list", "--json"))
    check("knowledge-test", data("knowledge", "test", "is there a way to sync two devices?", "--json"),
          data("knowledge", "test", "can I record audio?", "--json"))
    grounded = data("draft", db["bob"], "--json")
    assert grounded["source"] == "knowledge"
    check("draft", grounded, data("draft", db["bob"], "--from", "template", "--json"))
    check("draft-matches", data("draft", db["bob"], "--from-memory", "--json"))


def test_import_and_score(db: dict[str, str], tmp_path: Path) -> None:
    report = json.loads(db["import"])
    assert list(report) == ["data"] and report["data"]["bad"]
    check("import", report["data"])
    result = run("score", str(tmp_path / "in.jsonl"))
    assert result.code == int(ExitCode.PARTIAL)
    check("score", *result.lines())


def test_stats_document(db: dict[str, str]) -> None:
    doc = data("stats", "--json")
    assert doc["by_source"] and doc["waiting_longest"]
    check("stats", doc)


def test_person_documents(db: dict[str, str]) -> None:
    check("person", data("person", "@alice@example.social", "--json"))
    check("person", data("person", "alice.bsky.social", "--vip", "--json"))
    check("link", data("person", "link", "@alice@example.social", "alice.bsky.social", "--json"))
    check("unlink", data("person", "unlink", "alice.bsky.social", "--json"))


def test_next_lines(db: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    class Keys(io.StringIO):
        def isatty(self) -> bool:
            return False

    # masto is not a configured source here: `y` asks whether it was posted by hand.
    monkeypatch.setattr("sys.stdin", Keys("y\ny\ns\n2h\nn\nd\ni\n"))
    result = run("next", "--jsonl")
    assert result.code == 0, result.err
    lines = result.lines()
    assert [x["action"] for x in lines][:3] == ["reply", "snooze", "skip"]
    assert lines[0]["status"] == "manual" and lines[1]["until"]
    check("next", *lines)


def test_init_document(home: Path, tmp_path: Path) -> None:
    check("init", data("--config", str(tmp_path / "new.toml"), "init", "--json"))


def test_error_document_and_codes(db: dict[str, str]) -> None:
    result = run("show", "zzzzzzzz", "--json")
    assert result.code == 1
    check("error", result.json())
    usage = run("queue", "--section", "nope", "--json")
    assert usage.code == 2 and usage.json()["error"]["code"] == "usage"


def _codes_in_source() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "h2h").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes.update(re.findall(r'\bcode = "([a-z_]+)"', text))
        codes.update(re.findall(r'\bcode="([a-z_]+)"', text))
        codes.update(re.findall(r'_report\("([a-z_]+)"', text))
    return codes


def test_every_error_code_is_documented() -> None:
    documented = {row[0]: int(row[1]) for row in TABLES["error"]}
    in_source = _codes_in_source()
    assert sorted(in_source - set(documented)) == [], "add these error codes to docs/json.md"
    assert sorted(set(documented) - in_source) == [], "docs/json.md lists error codes h2h no longer has"
    import inspect

    from h2h import errors
    from h2h.cli import plot

    for module in (errors, plot):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, errors.H2HError):
                assert documented[cls.code] == int(cls.exit_code), cls.__name__


def _raised_codes() -> dict[str, set[int]]:
    """Each error code h2h raises, with the exit codes it is raised with: a class's own code,
    and every `SomeError(..., code="x")` call, which exits with that class's exit code."""
    import ast
    import inspect

    from h2h import errors
    from h2h.cli import plot

    classes = {name: cls for module in (errors, plot) for name, cls in inspect.getmembers(module, inspect.isclass)
               if issubclass(cls, errors.H2HError)}
    found: dict[str, set[int]] = {}
    for cls in classes.values():
        found.setdefault(cls.code, set()).add(int(cls.exit_code))
    for path in (ROOT / "h2h").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            code = next((k.value.value for k in node.keywords if k.arg == "code" and isinstance(k.value, ast.Constant)),
                        None)
            if name in classes and isinstance(code, str):
                found.setdefault(code, set()).add(int(classes[name].exit_code))
    return found


def test_every_error_code_exits_as_documented() -> None:
    documented = {row[0]: int(row[1]) for row in TABLES["error"]}
    for code, exits in sorted(_raised_codes().items()):
        assert code in documented, f"error code {code!r} is not in docs/json.md"
        assert exits == {documented[code]}, f"{code!r} exits with {sorted(exits)}; docs/json.md says {documented[code]}"


def test_exit_codes_are_documented() -> None:
    rows = {int(row[0]): row[1] for row in TABLES["exit"]}
    assert rows == {int(code): code.name.lower() for code in ExitCode}


def test_reply_documents(db: dict[str, str]) -> None:
    check("reply", data("reply", db["bob"], "--dry-run", "--json"))
    # masto is not a configured source here: the reply is one to post by hand.
    sent = data("reply", db["bob"], "--yes", "--json")
    assert sent["status"] == "manual_needed"
    check("reply", sent)
    check("reply", data("reply", db["bob"], "--posted", "--yes", "--json"))


@pytest.fixture
def fake_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    from h2h.sources import registry
    from tests.cli import fake_sources as fakes

    monkeypatch.setattr(registry, "BUILTIN", dict(registry.BUILTIN))
    fakes.install()


def test_fetch_and_sources_documents(home: Path, fake_sources: None) -> None:
    write_config(home, CONFIG + '\n[sources.good]\ntype = "test-ok"\ncount = 2\n'
                 '\n[sources.down]\ntype = "test-fail"\nkind = "remote"\n')
    fetched = run("fetch", "--json")
    assert fetched.code == int(ExitCode.PARTIAL), fetched.err
    report = fetched.json()["data"]
    assert report["failed"] == ["down"] and report["new"] == 2
    check("fetch", report)
    check("sources", data("sources", "--json"))
    checked = run("sources", "check", "--json")
    assert checked.code == int(ExitCode.PARTIAL)
    check("sources-check", checked.json()["data"])


def test_search_document(db: dict[str, str]) -> None:
    doc = data("search", "alice", "--json")
    assert doc["items"]
    check("search", doc)
