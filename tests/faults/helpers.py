"""Shared by the fault tests: synthetic input, h2h as a real process, and what a
consistent database means."""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def synth_lines(count: int, seed: int = 1, source_prefix: str = "") -> list[bytes]:
    spec = importlib.util.spec_from_file_location("synth", ROOT / "bench" / "synth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    out = []
    for record in module.Generator(seed=seed, count=count, persons=max(20, count // 6)):
        if source_prefix:
            record["source"] = source_prefix + record["source"]
        out.append(json.dumps(record, ensure_ascii=False).encode())
    return out


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def h2h(*args: str, home: Path, env: dict[str, str] | None = None, **kw) -> subprocess.Popen:
    environ = dict(os.environ)
    environ.update({"H2H_HOME": str(home), "PYTHONPATH": str(ROOT)}, **(env or {}))
    return subprocess.Popen([sys.executable, "-m", "h2h", *args], env=environ, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kw)


def check_consistent(db: Path) -> dict[str, int]:
    """SQLite's own checks, h2h's invariants, and the counts."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        dup = conn.execute("SELECT source, remote_id, count(*) FROM mentions GROUP BY 1, 2 HAVING count(*) > 1")
        assert dup.fetchall() == []
        # Every message of a person belongs to a conversation (but an answer to another person's
        # message, which waits for no one), and every conversation has one.
        assert conn.execute("""SELECT count(*) FROM mentions m WHERE m.role = 'person' AND m.conversation_id IS NULL
                               AND NOT EXISTS (SELECT 1 FROM mentions p WHERE p.source = m.source
                                               AND p.remote_id = m.in_reply_to AND p.role = 'person'
                                               AND (p.person_id != m.person_id OR p.conversation_id IS NULL))"""
                            ).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM conversations c WHERE NOT EXISTS "
                            "(SELECT 1 FROM mentions m WHERE m.conversation_id = c.id)").fetchone()[0] == 0
        # The search index holds every message, but those a killed bulk import left for
        # later (above the marker): FTS5 checks itself against the messages.
        if conn.execute("SELECT 1 FROM meta WHERE key = 'search_deferred_after'").fetchone() is None:
            conn.execute("INSERT INTO mention_search (mention_search, rank) VALUES ('integrity-check', 1)")
        # A conversation's verdict was written with its messages (never half a batch).
        assert conn.execute("SELECT count(*) FROM conversations WHERE engine IS NULL").fetchone()[0] == 0
        return {"mentions": conn.execute("SELECT count(*) FROM mentions").fetchone()[0],
                "conversations": conn.execute("SELECT count(*) FROM conversations").fetchone()[0]}
    finally:
        conn.close()


def snapshot(db: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()
                for t in ("persons", "mentions", "conversations")}
    finally:
        conn.close()


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status
