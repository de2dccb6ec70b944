"""A server that echoes the token in its error body: what h2h shows of that body (stderr,
`last_error`, `sources --json`, the log) is redacted before it is cut, so not even the
token's first characters get through a cut that falls inside it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

import pytest

from h2h import redact
from tests.clirun import run

SECRET = "echo-canary-d41d8cd98f00b204e980"


def _fragments(text: str) -> list[str]:
    return [SECRET[i:i + 10] for i in range(len(SECRET) - 9) if SECRET[i:i + 10] in text]


@pytest.fixture(autouse=True)
def secret_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("H2H_ECHO_TOKEN", SECRET)
    saved = set(redact._secrets)
    yield
    redact._secrets.clear()
    redact._secrets.update(saved)


def _config(home: Path, table: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('[me]\nname = "Alex"\nhandles = ["@acme@mastodon.social"]\n\n' + table,
                                      encoding="utf-8")
    (home / "config.toml").chmod(0o600)


def _everything(home: Path, *outputs: str) -> str:
    files = [p.read_bytes().decode("utf-8", "replace") for p in home.rglob("*") if p.is_file()]
    return "\n".join([*outputs, *files])


# Each server answers every call with a body that quotes the token across the place where h2h
# cuts what it shows: 80 characters of a body that is not JSON, 120 of GitHub's rate-limit message,
# 300 of an error's detail.
CASES = {
    "not-json": ('[sources.forum]\ntype = "discourse"\nurl = "{url}"\nusername = "alice"\n'
                 'token_env = "H2H_ECHO_TOKEN"\n',
                 lambda: ("<html>" + "x" * 44 + f" Api-Key: {SECRET}</html>", 200, {"Content-Type": "text/html"})),
    "github-403": ('[sources.gh]\ntype = "github"\nurl = "{url}"\ntoken_env = "H2H_ECHO_TOKEN"\n',
                   lambda: (json.dumps({"message": "secondary rate limit " + "y" * 75 + f" token {SECRET}"}), 403,
                            {"Content-Type": "application/json", "Retry-After": "60"})),
    "x-only-errors": ('[sources.x]\ntype = "x"\nurl = "{url}"\ntoken_env = "H2H_ECHO_TOKEN"\n',
                      lambda: (json.dumps({"errors": [{"title": "Forbidden", "detail": "z" * 260 + f" {SECRET}"}]}),
                               200, {"Content-Type": "application/json"})),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_echoed_token_is_redacted_before_it_is_cut(httpserver, home: Path, case: str) -> None:  # type: ignore[no-untyped-def]
    table, answer = CASES[case]
    body, status, headers = answer()
    httpserver.expect_request(re.compile(".*")).respond_with_data(body, status=status, headers=headers)
    _config(home, table.format(url=httpserver.url_for("/").rstrip("/")))
    fetched = run("--verbose", "fetch")
    assert fetched.code != 0
    as_json = run("--json", "fetch")
    listed = run("--json", "sources")
    shown = run("sources")
    assert json.loads(listed.out)["data"]["sources"][0]["last_error"]["message"]
    blob = _everything(home, fetched.out, fetched.err, as_json.out, as_json.err, listed.out, listed.err,
                       shown.out, shown.err)
    assert "***" in blob  # the body was shown, masked
    assert _fragments(blob) == []
