"""Two processes opening a new database at once both see its migrations pending;
the second must find them applied once it holds the write lock, not fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from h2h.store.sqlite import db, migrations


def test_second_opener_skips_what_the_first_applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "h2h.db"
    first = db.connect(path)
    assert migrations.migrate(first, path) == [name for name, _ in migrations.MIGRATIONS]
    second = db.connect(path)
    monkeypatch.setattr(migrations, "applied", lambda conn: [])  # what it saw before the first committed
    monkeypatch.setattr(migrations, "_has_data", lambda conn: False)
    migrations.migrate(second, path)  # must not raise "table persons already exists"
    names = [r[0] for r in second.execute("SELECT name FROM _h2h_migrations ORDER BY name")]
    assert names == sorted(name for name, _ in migrations.MIGRATIONS)
    first.close()
    second.close()
