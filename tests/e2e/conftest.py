"""Real servers on 127.0.0.1 for end-to-end tests.

`mastodon_mock` (PyPI `mastodon-mock`, a third-party Mastodon API server) is
looked for in $H2H_MASTODON_MOCK, then .cache/venv-mastodon (where
.ci/setup-mastodon.sh installs it), then PATH. Without it a test skips, saying
how to install it; in CI (CI=true) a missing server is a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
MOCK_VERSION = "0.6.1"
INSTALL_HINT = ("mastodon_mock is not installed: run `bash .ci/setup-mastodon.sh` "
                f"(pip install mastodon-mock=={MOCK_VERSION} into .cache/venv-mastodon) or set H2H_MASTODON_MOCK")


def _mock_binary() -> str | None:
    explicit = os.environ.get("H2H_MASTODON_MOCK")
    if explicit:
        return explicit if Path(explicit).exists() else None
    local = ROOT / ".cache" / "venv-mastodon" / "bin" / "mastodon_mock"
    if local.exists():
        return str(local)
    return shutil.which("mastodon_mock")


def require_mastodon_mock() -> str:
    found = _mock_binary()
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the Mastodon end-to-end tests, but {INSTALL_HINT}")
    pytest.skip(INSTALL_HINT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MastodonMock:
    """One `mastodon_mock serve --in-memory` process and the calls tests make to it."""

    def __init__(self, binary: str, workdir: Path, config: str = ""):
        self.binary, self.workdir = binary, workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "mastodon_mock.log"
        workdir.mkdir(parents=True, exist_ok=True)
        conf = workdir / "mastodon_mock.toml"
        conf.write_text(config)
        # Its own cwd and config file: it would otherwise read [tool.mastodon_mock] from ./pyproject.toml.
        self.proc = subprocess.Popen(
            [binary, "serve", "--in-memory", "--host", "127.0.0.1", "--port", str(self.port),
             "--config", str(conf), "--log-level", "info"],
            cwd=workdir, stdout=self.log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        self.http = requests.Session()
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.http.get(self.url + "/api/v1/instance", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"mastodon_mock did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        self.http.close()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(3)  # a held "timeout" fault would keep a graceful shutdown waiting 30 s
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)

    # --- the mock's control plane ---------------------------------------------------
    def reset(self) -> None:
        self.http.post(self.url + "/api/v1/_mock/reset", timeout=10).raise_for_status()

    def fault(self, effect: dict[str, Any], *, count: int | None = None, path_regex: str = r"^/api/v\d/notifications$",
              methods: list[str] | None = None) -> None:
        rule: dict[str, Any] = {"match": {"path_regex": path_regex, "methods": methods or ["GET"]}, "effect": effect}
        if count is not None:
            rule["count"] = count
        self.http.post(self.url + "/api/v1/_mock/faults", json=rule, timeout=10).raise_for_status()

    def clear_faults(self) -> None:
        self.http.delete(self.url + "/api/v1/_mock/faults", timeout=10).raise_for_status()

    # --- the real Mastodon flow -------------------------------------------------------
    def register(self, username: str) -> str:
        """An app (POST /api/v1/apps), its token (client_credentials), then the account: its user token."""
        app = self._ok(self.http.post(self.url + "/api/v1/apps", data={
            "client_name": "h2h e2e", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write"}, timeout=10))
        app_token = self._ok(self.http.post(self.url + "/oauth/token", data={
            "grant_type": "client_credentials", "client_id": app["client_id"],
            "client_secret": app["client_secret"], "scope": "read write"}, timeout=10))["access_token"]
        account = self._ok(self.http.post(self.url + "/api/v1/accounts", headers=self._auth(app_token), data={
            "username": username, "email": f"{username}@example.test", "password": "correct horse battery",
            "agreement": "true", "locale": "en"}, timeout=10))
        return account["access_token"]

    def post(self, token: str, text: str, in_reply_to: str | None = None) -> dict[str, Any]:
        data = {"status": text}
        if in_reply_to:
            data["in_reply_to_id"] = in_reply_to
        while True:
            r = self.http.post(self.url + "/api/v1/statuses", headers=self._auth(token), data=data, timeout=10)
            if r.status_code != 429:
                return self._ok(r)
            time.sleep(1)

    def get(self, token: str, path: str, **params: Any) -> Any:
        return self._ok(self.http.get(self.url + path, headers=self._auth(token), params=params, timeout=10))

    def mention_ids(self, token: str) -> list[str]:
        """Every mention notification's status id, straight from the server (the truth to compare with)."""
        ids, max_id = [], None
        while True:
            params: dict[str, Any] = {"types[]": "mention", "limit": 40}
            if max_id:
                params["max_id"] = max_id
            page = self.get(token, "/api/v1/notifications", **params)
            if not page:
                return ids
            ids += [n["status"]["id"] for n in page if n.get("status")]
            max_id = page[-1]["id"]

    @staticmethod
    def _auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    @staticmethod
    def _ok(response: requests.Response) -> Any:
        if not response.ok:
            raise AssertionError(f"{response.request.method} {response.url} -> {response.status_code}: "
                                 f"{response.text[:300]}")
        return response.json()


@pytest.fixture(scope="session")
def mastodon_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MastodonMock]:
    binary = require_mastodon_mock()
    server = MastodonMock(binary, tmp_path_factory.mktemp("mastodon_mock"))
    yield server
    server.stop()


@pytest.fixture
def mastodon(mastodon_server: MastodonMock) -> MastodonMock:
    mastodon_server.reset()
    return mastodon_server
