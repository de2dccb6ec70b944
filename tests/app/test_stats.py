"""`h2h stats` on a known database: every figure checked exactly.

The crafted conversations (now = 2026-11-20T12:00Z, SLA 4h), first responses:
  masto  a1  30m   (our reply, fetched from the thread)         met
  masto  a2  1h                                                  met
  masto  a3  5h                                                  missed
  masto  a5  20m   (a teammate's reply)                          met
  masto  a4  none, waiting 1h30m                                 pending: not judged
  bsky   b1  2h                                                  met
  bsky   b2  15m   (sent through h2h: the replies table only)    met
  bsky   b3  none, waiting 36h                                   missed
  bsky   b4  none, marked done                                   closed: not judged
  masto  bot 10m   (noise: left out of overall and per source)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from h2h.app import stats
from h2h.store import conversation_key
from h2h.store.sqlite import SQLiteStore
from tests.clirun import run
from tests.records import CONFIG, record, write_config, write_jsonl

US_M = {"id": "us", "handle": "@us@example.social", "name": "Us"}
US_B = {"id": "usb", "handle": "us.bsky.social", "name": "Us"}
JO = {"id": "jo", "handle": "@jo@example.social", "name": "Jo"}


def person(i: str, handle: str, **kw: object) -> dict[str, object]:
    return {"id": i, "handle": handle, "name": handle.strip("@").split("@")[0].split(".")[0].title(), **kw}


def masto(id: str, text: str, at: str, author: dict, **kw: object) -> dict:
    return record(id, text, at, author, source="masto", platform="mastodon", **kw)


def bsky(id: str, text: str, at: str, author: dict, **kw: object) -> dict:
    return record(id, text, at, author, source="bsky", platform="bluesky", **kw)


RECORDS = [
    masto("a1", "How do I export my notes?", "2026-11-19T08:00:00Z", person("1", "@ann@example.social")),
    masto("r1", "Settings, then Export.", "2026-11-19T08:30:00Z", US_M, in_reply_to="a1", from_me=True),
    masto("a2", "Can I sync two laptops?", "2026-11-19T09:00:00Z", person("2", "@bo@example.social")),
    masto("r2", "Yes: sign in on both.", "2026-11-19T10:00:00Z", US_M, in_reply_to="a2", from_me=True),
    masto("a3", "Why is search so slow on big notebooks?", "2026-11-19T10:00:00Z", person("3", "@cy@example.social")),
    masto("r3", "We are looking into it.", "2026-11-19T15:00:00Z", US_M, in_reply_to="a3", from_me=True),
    masto("a5", "Is there a dark mode?", "2026-11-19T12:00:00Z", person("5", "@di@example.social")),
    masto("r5", "Yes, under Appearance.", "2026-11-19T12:20:00Z", JO, in_reply_to="a5"),
    masto("a4", "How do I share a notebook?", "2026-11-20T10:30:00Z", person("4", "@ed@example.social")),
    masto("n1", "Automated digest: 3 new posts mention acme", "2026-11-19T05:00:00Z",
          person("9", "@digest@example.social", bot=True)),
    masto("rn", "Thanks, bot.", "2026-11-19T05:10:00Z", US_M, in_reply_to="n1", from_me=True),
    bsky("b1", "How do I change my email address?", "2026-11-18T12:00:00Z", person("11", "fay.bsky.social")),
    bsky("s1", "Account, then Email.", "2026-11-18T14:00:00Z", US_B, in_reply_to="b1", from_me=True),
    bsky("b2", "Where are attachments stored?", "2026-11-18T13:00:00Z", person("12", "gus.bsky.social")),
    bsky("b3", "Can I import from Evernote?", "2026-11-19T00:00:00Z", person("13", "hal.bsky.social")),
    bsky("b4", "How do I delete my account?", "2026-11-17T00:00:00Z", person("14", "ivy.bsky.social")),
]


@pytest.fixture
def db(home: Path, tmp_path: Path) -> Path:
    write_config(home, CONFIG)
    result = run("import", str(write_jsonl(tmp_path / "known.jsonl", RECORDS)))
    assert result.code == 0, result.err
    with SQLiteStore.open(home / "h2h.db") as store:
        b2 = conversation_key("bsky", "b2", "12")
        b4 = conversation_key("bsky", "b4", "14")
        # A reply sent through h2h (the draft/reply feature records it so), never fetched back.
        store.conn.execute(
            """INSERT INTO replies (conversation, source, in_reply_to, key, text, status, remote_id, created_at, sent_at)
               VALUES (?, 'bsky', 'b2', 'k-b2', 'In the app folder.', 'sent', 'sent-b2',
                       '2026-11-18T13:14:00Z', '2026-11-18T13:15:00Z')""", (b2,))
    assert run("done", b2).code == 0
    assert run("done", b4).code == 0
    return home / "h2h.db"


def _by(rows: list[dict], key: str) -> dict[str, dict]:
    return {r[key]: r for r in rows}


def test_quantile_interpolates_between_ranks() -> None:
    assert stats.quantile([], 0.5) is None
    assert stats.quantile([7.0], 0.9) == 7.0
    assert stats.quantile([1, 2, 3, 4], 0.5) == 2.5
    assert stats.quantile([900, 7200], 0.9) == pytest.approx(6570)
    assert stats.quantile([10, 0, 5], 1.0) == 10


def test_figures_on_a_known_database(db: Path) -> None:
    result = run("stats", "--json")
    assert result.code == 0, result.err
    doc = result.json()["data"]
    assert doc["since"] == "2026-10-21T12:00:00Z" and doc["until"] == "2026-11-20T12:00:00Z"
    assert doc["sla_s"] == 14400

    overall = doc["overall"]
    # [900, 1200, 1800, 3600, 7200, 18000]: median (1800+3600)/2, p90 at rank 4.5: 7200 + 0.5 * 10800
    assert overall["first_response"] == {"count": 6, "median_s": 2700.0, "p90_s": 12600.0}
    assert (overall["conversations"], overall["answered"], overall["waiting"], overall["closed"]) == (9, 6, 2, 1)
    assert overall["sla"] == {"met": 5, "missed": 2, "share": 0.7143}

    src = _by(doc["by_source"], "source")
    assert list(src) == ["bsky", "masto"]
    # masto [1200, 1800, 3600, 18000]: p90 at rank 2.7: 3600 + 0.7 * 14400
    assert src["masto"]["first_response"] == {"count": 4, "median_s": 2700.0, "p90_s": 13680.0}
    assert src["masto"]["sla"] == {"met": 3, "missed": 1, "share": 0.75}
    # bsky [900, 7200]
    assert src["bsky"]["first_response"] == {"count": 2, "median_s": 4050.0, "p90_s": 6570.0}
    assert src["bsky"]["sla"] == {"met": 2, "missed": 1, "share": 0.6667}
    assert (src["bsky"]["waiting"], src["bsky"]["closed"]) == (1, 1)

    sec = _by(doc["by_section"], "section")
    assert list(sec) == ["reply", "thanks", "careful", "noise"]
    assert sec["reply"]["first_response"] == overall["first_response"]
    assert sec["noise"]["first_response"] == {"count": 1, "median_s": 600.0, "p90_s": 600.0}
    assert sec["thanks"]["conversations"] == 0 and sec["thanks"]["sla"]["share"] is None

    backlog = doc["backlog"]
    assert (backlog["total"], backlog["past_sla"], backlog["noise"]) == (2, 1, 0)
    assert {b["label"]: b["count"] for b in backlog["by_age"]} == {
        "< 1h": 0, "1h-4h": 1, "4h-1d": 0, "1d-7d": 1, ">= 7d": 0}
    assert backlog["by_section"] == {"reply": 2, "thanks": 0, "careful": 0}

    longest = doc["waiting_longest"]
    assert [(w["handle"], w["waiting_s"], w["past_sla"]) for w in longest] == [
        ("hal.bsky.social", 36 * 3600, True), ("@ed@example.social", 5400, False)]


def test_since_until_and_messages_per_day(db: Path) -> None:
    doc = run("stats", "--json", "--since", "2026-11-18", "--until", "2026-11-21").json()["data"]
    assert doc["per_day"] == [
        {"date": "2026-11-18", "from_people": 2, "from_us": 2},   # b1, b2 / s1 and the reply sent through h2h
        {"date": "2026-11-19", "from_people": 6, "from_us": 5},   # b3, n1, a1, a2, a3, a5 / rn, r1, r2, r5, r3
        {"date": "2026-11-20", "from_people": 1, "from_us": 0},
    ]
    assert doc["overall"]["conversations"] == 8  # b4 (2026-11-17) is before the window
    one_day = run("stats", "--json", "--since", "2026-11-19T00:00:00Z", "--until", "2h").json()["data"]
    assert one_day["until"] == "2026-11-20T10:00:00Z"
    assert one_day["overall"]["conversations"] == 5  # b3, a1, a2, a3, a5; a4 is after --until
    assert len(one_day["per_day"]) == 2


def test_terminal_charts(db: Path) -> None:
    result = run("stats")
    assert result.code == 0, result.err
    out = result.out
    assert "h2h stats · 2026-10-21 12:00 to 2026-11-20 12:00 UTC (4w) · SLA 4h" in out
    line = next(row for row in out.splitlines() if row.startswith("  masto"))
    assert line.split()[:4] == ["masto", "4", "45m", "3h"]  # n, median 45m, p90 3h 48m
    assert "75% ██████ " in line and "3 of 4" in line  # the SLA bar is 8 cells: 6 of them
    assert "Messages per day" in out and "▁" in out and "█" in out
    assert "Waiting now: 2 (1 past the SLA)" in out
    assert "hal.bsky.social" in out.split("Waiting longest", 1)[1]


def test_bad_windows_are_usage_errors(db: Path) -> None:
    assert run("stats", "--since", "yesterday").code == 2
    result = run("stats", "--since", "1d", "--until", "2d", "--json")
    assert result.code == 2 and result.json()["error"]["code"] == "usage"


def test_empty_database_has_no_figures_but_no_error(home: Path) -> None:
    doc = run("stats", "--json").json()["data"]
    assert doc["overall"]["first_response"] == {"count": 0, "median_s": None, "p90_s": None}
    assert doc["overall"]["sla"]["share"] is None and doc["waiting_longest"] == []
    assert run("stats").code == 0


def _matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _matplotlib() and not os.environ.get("CI"),
                    reason="matplotlib is not installed (pip install '.[plot]'); CI installs it")
def test_png_is_written_and_opens_as_an_image(db: Path, tmp_path: Path) -> None:
    from PIL import Image

    target = tmp_path / "stats.png"
    result = run("stats", "--png", str(target))
    assert result.code == 0, result.err
    assert f"wrote {target}" in result.err
    with Image.open(target) as image:
        assert image.format == "PNG"
        assert image.size == (1100, 750)
        image.load()
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 10  # something was drawn, not a blank page


def test_png_without_matplotlib_says_what_to_install(db: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    target = tmp_path / "stats.png"
    result = run("stats", "--png", str(target), "--json")
    assert result.code == 1
    assert result.json()["error"]["code"] == "plot_unavailable"
    assert "pip install 'h2h[plot]'" in result.err
    assert not target.exists()
