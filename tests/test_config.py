"""Configuration: found where DESIGN says, validated with every problem at once, never written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from h2h import config
from h2h.errors import ConfigError
from tests.clirun import run

ROOT = Path(__file__).resolve().parent.parent


def test_the_example_parses_and_the_shipped_copy_is_identical() -> None:
    text = (ROOT / "config.example.toml").read_bytes()
    assert text == (ROOT / "h2h" / "data" / "config.example.toml").read_bytes()
    cfg = config.parse(text)
    assert cfg.me.name and cfg.me.handles and cfg.sources
    assert cfg.triage.sla_s == 4 * 3600
    assert all(s.type for s in cfg.sources.values())


def test_every_weight_is_documented_in_the_example() -> None:
    from h2h.triage.weights import DEFAULT_WEIGHTS

    text = (ROOT / "config.example.toml").read_text()
    section = text.split("[triage.weights]", 1)[1].split("\n[", 1)[0]
    for name in DEFAULT_WEIGHTS:
        assert f"\n{name} = " in section, f"weight {name} is not documented"


def test_every_problem_is_listed_at_once() -> None:
    bad = b"""
[me]
nmae = "Alex"
languages = ["english"]
[triage]
sla = "soon"
[triage.weights]
question = "high"
quetsion = 3
[draft]
backend = "gpt"
[sources.x]
url = "https://example"
[sources.y]
type = "mastodn"
[extra]
"""
    with pytest.raises(ConfigError) as info:
        config.parse(bad, Path("c.toml"))
    keys = [k for k, _ in info.value.problems]
    assert keys == ["extra", "me.nmae", "triage.sla", "me.languages", "triage.weights.question",
                    "triage.weights.quetsion", "draft.backend", "sources.x.type", "sources.y.type"]
    text = str(info.value)
    assert "did you mean 'name'?" in text and "did you mean 'question'?" in text
    assert "did you mean 'mastodon'?" in text


def test_invalid_toml_names_the_line() -> None:
    with pytest.raises(ConfigError, match="line 2"):
        config.parse(b"[me]\nname = \n")


def test_no_config_file_means_defaults(home: Path) -> None:
    cfg = config.load()
    assert cfg.path is None and cfg.sources == {} and cfg.me.languages == ("en", "fr")


def test_explicit_config_must_exist(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run("--config", str(home / "nope.toml"), "queue")
    assert result.code == 3
    assert "does not exist" in result.err and "h2h init" in result.err


def test_h2h_config_env_is_used(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text("[me]\nname = 1\n")
    monkeypatch.setenv("H2H_CONFIG", str(path))
    result = run("queue", "--json")
    assert result.code == 3
    err = result.json()["error"]
    assert err["code"] == "config" and "me.name: must be a string" in err["message"]
    assert "config.example.toml" in err["hint"]


def test_broken_config_is_exit_3_with_the_keys(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("[triage]\nsla = 4\n[sources.a]\n")
    result = run("queue")
    assert result.code == 3
    assert "triage.sla: must be a duration" in result.err
    assert "sources.a.type: is required" in result.err


def test_a_token_in_a_readable_file_draws_a_warning(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text('[sources.m]\ntype = "memory"\ntoken = "s3cr3t-value"\n')
    os.chmod(path, 0o644)
    result = run("queue")
    assert result.code == 0
    assert "holds a token and is readable by other users" in result.err and "chmod 600" in result.err
    assert "s3cr3t-value" not in result.err + result.out
    os.chmod(path, 0o600)
    assert "readable by other users" not in run("queue").err


def test_init_writes_the_example_once(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = run("init")
    path = home / "config.toml"
    example = (ROOT / "config.example.toml").read_bytes()
    written = path.read_bytes()
    assert first.code == 0 and written.split(b"# --- Sources:")[0] == example.split(b"# --- Sources:")[0]
    # The example sources come commented out: uncommenting gives the example back.
    assert b"\n[sources." not in written and b"\n# [sources.masto]" in written
    assert written.replace(b"\n# ", b"\n").replace(b"# --- S", b"--- S") == \
        example.replace(b"\n# ", b"\n").replace(b"# --- S", b"--- S")
    assert "No sources configured" in run("sources").err + run("sources").out
    assert run("fetch").code == 3
    assert (path.stat().st_mode & 0o777) == 0o600
    path.write_text("# mine\n")
    second = run("init")
    assert second.code == 1 and "already exists" in second.err
    assert path.read_text() == "# mine\n", "init never overwrites"


def test_init_honours_config_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "a" / "b.toml"
    result = run("--config", str(target), "init", "--json")
    assert result.json() == {"data": {"path": str(target)}} and target.exists()


def test_db_option_and_env(hermetic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers import jsonl, record

    a, b = tmp_path / "a.db", tmp_path / "b.db"
    run("--db", str(a), "import", "-", stdin=jsonl(record("1", "hi?")))
    run("--db", str(b), "import", "-", stdin=b"")
    monkeypatch.setenv("H2H_DB", str(b))
    assert run("queue", "--count").out.strip() == "0"
    assert run("--db", str(a), "queue", "--count").out.strip() == "1"
    assert not (hermetic / "h2h.db").exists()


@pytest.mark.parametrize("how", ["H2H_HOME", "H2H_DB", "--db"])
def test_no_database_is_said_not_made_up(hermetic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """A home or --db pointing at no database (a typo, the wrong folder) says so, on stderr and in
    the --json envelope, instead of creating an empty one that answers "Everyone has an answer."."""
    wrong = tmp_path / "typo"
    args: list[str] = []
    if how == "H2H_HOME":
        monkeypatch.setenv("H2H_HOME", str(wrong))
    elif how == "H2H_DB":
        monkeypatch.setenv("H2H_DB", str(wrong / "h2h.db"))
    else:
        args = ["--db", str(wrong / "h2h.db")]
    for command in (["queue"], ["queue", "--count"], ["show", "abcd"], ["stats"], ["next"]):
        result = run(*args, *command)
        assert result.code == 1 and result.out == "", command
        assert f"no database at {wrong / 'h2h.db'} ({how}" in result.err and "hint:" in result.err, command
        assert "Everyone has an answer" not in result.err
    doc = run(*args, "--json", "queue").json()
    assert doc["error"]["code"] == "no_database" and str(wrong) in doc["error"]["message"]
    assert not wrong.exists(), "nothing was created"
    assert run(*args, "import", "-", stdin=jsonl_one()).code == 0, "import creates it"
    assert run(*args, "queue", "--count").out == "1\n"


def jsonl_one() -> str:
    from tests.helpers import jsonl, record

    return jsonl(record("1", "how do I export?"))


def test_h2h_now_must_be_a_time(home: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("H2H_NOW", "tomorrow")
    result = run("queue")
    assert result.code == 2 and "H2H_NOW" in result.err
