"""The knowledge file: our own answers to the questions people ask, in Markdown.

`[draft] knowledge` names a file, or a folder of files (read in name order);
without it, $H2H_HOME/knowledge.md is used when it exists. Each heading starts
an entry: the heading is the question or topic, a few `Key: value` lines may
follow, then the answer, up to the next heading.

    # Does sync work offline?
    Also: offline mode, edit on a plane
    Link: https://example.com/help/offline
    Lang: en

    Yes: every app works offline and syncs when you are back online.

`Also` lists other ways people ask it; `Link` is cited by the draft; `Lang`
defaults to the language the entry is written in; `Id` names the entry, and
entries with the same id are translations of one another (in a folder, the
entries of one file share the file's name as their id). Text before the first
heading and HTML comments are ignored.

The entries are copied into the store (FTS5, store/memory.py) when the files
change, and searched like past answers (draft/memory.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from h2h import paths
from h2h.digest import sha1
from h2h.errors import ConfigError, UsageError

_HEADING = re.compile(r"^#{1,3}\s+(?P<title>\S.*?)\s*#*\s*$")
_META = re.compile(r"^(?P<key>id|lang|link|also|tags)\s*:\s*(?P<value>.*)$", re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SLUG = re.compile(r"[^a-z0-9]+")
DEFAULT_FILE = "knowledge.md"


class Entry(NamedTuple):
    id: str
    lang: str
    question: str
    also: tuple[str, ...]
    answer: str
    link: str | None
    origin: str          # the file it came from
    line: int            # the line of its heading


class Problem(NamedTuple):
    origin: str
    line: int
    message: str


def location(config: Any) -> tuple[Path | None, bool]:
    """The knowledge file or folder, and whether the config names it."""
    named = getattr(config.draft, "knowledge", "") or ""
    if named:
        path = Path(named).expanduser()
        if not path.is_absolute():
            base = config.path.parent if getattr(config, "path", None) else paths.home()
            path = base / path
        return path, True
    default = paths.home() / DEFAULT_FILE
    return (default if default.exists() else None), False


def files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*.md") if p.is_file())
    return [path]


def slug(text: str) -> str:
    from h2h.draft.terms import fold

    return _SLUG.sub("-", fold(text)).strip("-")[:60] or "entry"


def parse(text: str, origin: str, *, file_id: str | None = None) -> tuple[list[Entry], list[Problem]]:
    """The entries of one Markdown file. `file_id`: the id its entries share (a folder's file)."""
    from h2h.draft.terms import guess_lang

    text = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text.replace("\r\n", "\n"))
    entries: list[Entry] = []
    problems: list[Problem] = []
    current: dict[str, Any] | None = None

    def close() -> None:
        if current is None:
            return
        answer = "\n".join(current["body"]).strip()
        answer = re.sub(r"\n{3,}", "\n\n", answer)
        if not answer:
            problems.append(Problem(origin, current["line"], f"the entry {current['title']!r} has no answer"))
            return
        lang = (current.get("lang") or guess_lang(current["title"] + " " + answer)).lower()
        entry_id = current.get("id") or file_id or slug(current["title"])
        if any(e.id == entry_id and e.lang == lang for e in entries):
            if current.get("id"):
                problems.append(Problem(origin, current["line"],
                                        f"a second entry with Id {entry_id!r} in {lang!r}: give it its own Id"))
                return
            entry_id = slug(current["title"])
        also = tuple(a.strip() for a in re.split(r"[;,]", current.get("also", "")) if a.strip())
        entries.append(Entry(entry_id, lang, current["title"], also, answer, current.get("link") or None, origin,
                             current["line"]))

    for number, line in enumerate(text.split("\n"), start=1):
        heading = _HEADING.match(line)
        if heading:
            close()
            current = {"title": heading.group("title"), "line": number, "body": [], "meta": True}
            continue
        if current is None:
            continue
        meta = _META.match(line.strip()) if current["meta"] else None
        if meta:
            key = meta.group("key").lower()
            current["also" if key == "tags" else key] = (current.get("also", "") + ", " if key in ("also", "tags")
                                                          else "") + meta.group("value").strip()
            continue
        if line.strip():
            current["meta"] = False
        if not current["meta"]:
            current["body"].append(line.rstrip())
    close()
    return entries, problems


def read(path: Path) -> tuple[list[Entry], list[Problem], str]:
    """Every entry under `path` (a file or a folder), the problems found, and a digest of the files."""
    if not path.exists():
        raise ConfigError(f"the knowledge file {path} does not exist",
                          hint="Create it (`h2h knowledge add \"a question\" --answer \"...\"` does), or fix "
                               "[draft] knowledge in the config.")
    entries: list[Entry] = []
    problems: list[Problem] = []
    digest = sha1()
    folder = path.is_dir()
    for file in files(path):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read {file}: {exc.strerror}", hint="Check the file's permissions.") from None
        digest.update(str(file).encode("utf-8", "replace") + b"\0" + data + b"\0")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(str(file), 0, f"is not UTF-8 (byte {exc.start}): skipped"))
            continue
        found, trouble = parse(text, str(file), file_id=file.stem if folder else None)
        entries.extend(found)
        problems.extend(trouble)
    return entries, problems, digest.hexdigest()


def sync(store: Any, config: Any) -> tuple[list[Problem], str]:
    """Copy the knowledge file into the store if it changed. Returns its problems and a note
    for the draft ("" when all is well); a missing file named in the config is a note, not a
    failure, so drafting goes on."""
    from h2h.draft.memory import indexed, product_stop
    from h2h.draft.terms import terms

    path, named = location(config)
    if path is None:
        if store.knowledge_digest():
            with store.transaction():
                store.replace_knowledge([], "")
        return [], ""
    try:
        entries, problems, digest = read(path)
    except ConfigError as exc:
        return [], exc.message
    stop = product_stop(config)
    digest = sha1(f"{digest}\0{sorted(stop)}".encode("utf-8")).hexdigest()   # our names change the terms too
    if store.knowledge_digest() != digest:
        rows = []
        for e in entries:
            values = {"entry": e.id, "lang": e.lang, "question": e.question, "also": "\n".join(e.also),
                      "answer": e.answer, "link": e.link, "origin": e.origin, "line": e.line}
            rows.append((values, indexed([e.question, *e.also], e.lang, stop), terms(e.answer, e.lang, stop=stop)))
        with store.transaction():
            store.replace_knowledge(rows, digest)
    return problems, ""


# --- `h2h knowledge add` --------------------------------------------------------------

def render(question: str, answer: str, *, link: str | None = None, lang: str | None = None,
           entry_id: str | None = None, also: tuple[str, ...] = ()) -> str:
    lines = [f"# {question.strip()}"]
    if entry_id:
        lines.append(f"Id: {entry_id}")
    if lang:
        lines.append(f"Lang: {lang}")
    if also:
        lines.append("Also: " + ", ".join(also))
    if link:
        lines.append(f"Link: {link}")
    return "\n".join(lines) + "\n\n" + answer.strip() + "\n"


def add(config: Any, question: str, answer: str, *, link: str | None = None, lang: str | None = None,
        entry_id: str | None = None, also: tuple[str, ...] = ()) -> tuple[Path, Entry]:
    """Append an entry to the knowledge file (a new file in a knowledge folder); returns where."""
    question, answer = " ".join(question.split()), answer.strip()
    if not question or not answer:
        raise UsageError("an entry needs a question and an answer",
                         hint='h2h knowledge add "Does it work offline?" --answer "Yes: ..."')
    if "\n" in question or question.startswith("#"):
        raise UsageError("the question must be one line of text")
    if link and not re.match(r"https?://\S+$", link):
        raise UsageError(f"{link!r} is not a web address", hint="Give a link such as https://example.com/help/offline.")
    path, _named = location(config)
    path = path or paths.home() / DEFAULT_FILE
    text = render(question, answer, link=link, lang=lang, entry_id=entry_id, also=also)
    if path.is_dir():
        target = path / f"{entry_id or slug(question)}.md"
        n = 2
        while target.exists():
            target = path / f"{entry_id or slug(question)}-{n}.md"
            n += 1
    else:
        target = path
    try:
        existing = target.read_text(encoding="utf-8") if target.exists() else ""
        separator = "" if not existing else ("\n" if existing.endswith("\n") else "\n\n")
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a", encoding="utf-8") as out:
            out.write(separator + text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot add to {target}: {getattr(exc, 'strerror', None) or exc}",
                          hint="Check the file is UTF-8 text and its folder writable.") from None
    entries, _problems = parse(target.read_text(encoding="utf-8"), str(target),
                               file_id=target.stem if path.is_dir() else None)
    return target, entries[-1]
