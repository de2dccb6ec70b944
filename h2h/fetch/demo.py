"""The bundled demo: fictional mentions served by in-memory sources, fetched and
ingested like any other, with times moved so the newest is five minutes old.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from h2h import clock, files
from h2h.errors import H2HError, StoreError
from h2h.ingest.ingest import IngestReport, ingest
from h2h.models import Mention
from h2h.paths import DATA
from h2h.sources.jsonl import is_comment, parse_record
from h2h.sources.memory import MemorySource
from h2h.triage.engine import Engine

if TYPE_CHECKING:
    from h2h.store import Store


def demo_config_text() -> str:
    text = DATA.joinpath("demo.toml").read_text(encoding="utf-8")
    # A TOML basic string: backslashes (a Windows path) escaped.
    return text.replace("{demo_knowledge}", str(DATA / "demo" / "knowledge").replace("\\", "\\\\"))


def keep_in(folder: str, config_text: str) -> Path:
    """A new folder usable as H2H_HOME: the demo's config.toml and its database path. A folder
    that already holds a config or a database is refused: the demo's fictional people must
    never mix with real ones (nor its sources with real sources of the same name)."""
    home = Path(folder).expanduser()
    held = [name for name in DEMO_FILES if _holds(home / name)]
    if held:
        raise _held(home, held)
    made: list[Path] = []
    try:
        home.mkdir(parents=True, exist_ok=True)
        # Created here, never through a link, even one put there since the check above: the
        # demo's config and database are new files, or empty ones it replaces.
        for name, data in (("config.toml", config_text.encode("utf-8")), ("h2h.db", b"")):
            target = home / name
            try:
                if target.is_symlink() or not target.exists():
                    files.create_new(target, data)
                    made.append(target)
                elif data:
                    files.replace(target, data)
            except (FileExistsError, files.LinkRefused):
                raise _held(home, [name]) from None
    except OSError as exc:
        _remove(made)
        raise StoreError(f"cannot write the demo into {home}: {exc.strerror}",
                         hint="Pick a folder you can write to.") from None
    except BaseException:
        _remove(made)  # no half demo left behind
        raise
    return home / "h2h.db"


# The database's companions count: SQLite would follow a link there.
DEMO_FILES = ("config.toml", "h2h.db", "h2h.db-wal", "h2h.db-shm", "h2h.db-journal")


def _remove(paths: list[Path]) -> None:
    for p in paths:
        try:
            p.unlink()
        except OSError:
            pass


def _held(home: Path, held: list[str]) -> H2HError:
    return H2HError(f"{home} already holds {' and '.join(held)}; the demo was not written there",
                    hint="Keep the demo in a new or empty folder, such as `h2h demo --into ~/h2h-demo-2`; "
                         "to start the demo over, remove the old one first.", code="exists")


def _holds(path: Path) -> bool:
    """Something is there: a file with content, or anything else (a folder, a link)."""
    try:
        return path.is_symlink() or path.stat().st_size > 0 or not path.is_file()
    except (FileNotFoundError, NotADirectoryError):
        return False


def demo_mentions() -> list[Mention]:
    raw = DATA.joinpath("demo.jsonl").read_bytes()
    mentions = []
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        obj = json.loads(line)
        if not is_comment(obj):  # the file's header is one
            mentions.append(parse_record(obj))
    newest = max(m.created_at for m in mentions)
    shift = (clock.now() - timedelta(minutes=5)) - newest
    return [m._replace(created_at=m.created_at + shift) for m in mentions]


def load(store: Store, engine: Engine) -> IngestReport:
    by_source: dict[str, list[Mention]] = {}
    for m in demo_mentions():
        by_source.setdefault(m.source, []).append(m)
    report = IngestReport()
    for name, mentions in sorted(by_source.items()):
        source = MemorySource(name, sorted(mentions, key=lambda m: m.created_at))
        for page in source.fetch_mentions(store.get_cursor(name)):
            def save_cursor(s: Store, _batch: list[Mention], cursor: str | None = page.cursor) -> None:
                s.set_cursor(name, cursor)  # noqa: B023 - called within this iteration

            ingest(store, page.mentions, engine, report=report, after_batch=save_cursor)
    return report
