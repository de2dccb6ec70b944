"""An XRPC client for one Bluesky account: log in once, refresh, retry once.

Logins (`com.atproto.server.createSession`) are rate-limited per account (a
few hundred a day, fewer after failures), while `h2h fetch` may run every few
minutes from cron. So the session is kept in memory for the process and in a
file only its owner can read (`$H2H_HOME/sessions/`, 0600 in a 0700 folder),
and renewed with `refreshSession`; a password login happens only when there is
no session or the refresh token is no longer accepted. The tokens are
registered for redaction and never written to the database or to output.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any, Mapping

import requests

from h2h import files, paths
from h2h.errors import AuthError, NotFound
from h2h.redact import register
from h2h.sources.http import Http

# XRPC error names that mean "this token is no longer good" (the PDS answers 400 or 401).
TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken"})
NOT_FOUND_ERRORS = frozenset({"NotFound", "RecordNotFound", "ProfileNotFound"})

_memory: dict[str, dict[str, str]] = {}
_memory_lock = threading.Lock()


def xrpc_error(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error") or "") if isinstance(body, dict) else ""


class Session:
    """The account's tokens, shared by every adapter of that account in this process."""

    def __init__(self, http: Http, identifier: str, password: str | None, *, persist: bool = True):
        self.http = http
        self.identifier = identifier
        self.password = password
        self.persist = persist
        self.key = hashlib.sha256(f"{http.base_url.rstrip('/')}|{identifier.lower()}".encode()).hexdigest()[:24]
        self._lock = threading.Lock()

    # --- the tokens ------------------------------------------------------------------

    @property
    def data(self) -> dict[str, str]:
        with _memory_lock:
            current = _memory.get(self.key)
        if current is None:
            current = self._load() or self._login()
        return current

    @property
    def did(self) -> str:
        return self.data["did"]

    @property
    def handle(self) -> str:
        return self.data["handle"]

    def _store(self, body: Mapping[str, Any]) -> dict[str, str]:
        try:
            data = {"did": str(body["did"]), "handle": str(body["handle"]),
                    "accessJwt": str(body["accessJwt"]), "refreshJwt": str(body["refreshJwt"])}
        except (KeyError, TypeError):
            raise AuthError(f"{self.http.source}: the server's session answer lacks did, handle or tokens",
                            hint="Check that `url` points at a Bluesky PDS (e.g. https://bsky.social).") from None
        register(data["accessJwt"])
        register(data["refreshJwt"])
        with _memory_lock:
            _memory[self.key] = data
        self._save(data)
        return data

    def _login(self) -> dict[str, str]:
        with self._lock:
            with _memory_lock:
                if self.key in _memory:  # another thread logged in meanwhile
                    return _memory[self.key]
            if not self.password:
                raise AuthError(f"{self.http.source}: no app password to log in with")
            response = self.http.request("POST", "xrpc/com.atproto.server.createSession",
                                         json={"identifier": self.identifier, "password": self.password})
            return self._store(self.http.json(response))

    def refresh(self, stale: Mapping[str, str]) -> dict[str, str]:
        """New tokens after `stale` stopped working: refresh, or log in again if that fails too."""
        with self._lock:
            with _memory_lock:
                current = _memory.get(self.key)
            if current is not None and current["accessJwt"] != stale["accessJwt"]:
                return current  # someone refreshed already
            response = self.http.request("POST", "xrpc/com.atproto.server.refreshSession",
                                         headers={"Authorization": f"Bearer {stale['refreshJwt']}"},
                                         expect=(200, 400, 401))
            if response.status_code == 200:
                return self._store(self.http.json(response))
            with _memory_lock:
                _memory.pop(self.key, None)
            self._forget()
        return self._login()

    # --- calls -------------------------------------------------------------------------

    def call(self, method: str, nsid: str, **kwargs: Any) -> Any:
        """Call an XRPC method with the session; one refresh-and-retry on an expired token."""
        for attempt in range(2):
            tokens = self.data
            response = self.http.request(method, f"xrpc/{nsid}", expect=(200, 400, 401),
                                         headers={"Authorization": f"Bearer {tokens['accessJwt']}"}, **kwargs)
            if response.status_code == 200:
                return self.http.json(response)
            name = xrpc_error(response)
            if attempt == 0 and (name in TOKEN_ERRORS or (response.status_code == 401 and name != "AuthMissing")):
                self.refresh(tokens)
                continue
            if name in TOKEN_ERRORS:
                raise AuthError(f"{self.http.source}: the server refuses even a fresh session ({name})",
                                hint="Create a new app password, set it, and run `h2h sources check`.")
            if name in NOT_FOUND_ERRORS:
                err = self.http.error(response)
                raise NotFound(str(err), hint="The post or account may have been deleted.")
            raise self.http.error(response)
        raise AuthError(f"{self.http.source}: the server keeps refusing fresh tokens")  # pragma: no cover

    # --- the file ----------------------------------------------------------------------

    def _path(self) -> Path:
        return paths.home() / "sessions" / f"bluesky-{self.key}.json"

    def _load(self) -> dict[str, str] | None:
        if not self.persist:
            return None
        path = self._path()
        try:
            if path.stat().st_mode & 0o077:
                return None  # someone loosened it: do not trust it, log in again (and rewrite it 0600)
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in
                                                 ("did", "handle", "accessJwt", "refreshJwt")):
            return None
        for k in ("accessJwt", "refreshJwt"):
            register(data[k])
        with _memory_lock:
            _memory[self.key] = data
        return data

    def _save(self, data: Mapping[str, str]) -> None:
        if not self.persist:
            return
        path = self._path()
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(path.parent, 0o700)
            files.replace(path, json.dumps(dict(data)).encode())
        except OSError:
            pass  # a session that cannot be kept only costs a login next time

    def _forget(self) -> None:
        try:
            self._path().unlink()
        except OSError:
            pass


def forget_all_in_memory() -> None:
    """Tests: start each scenario without a session from a previous one."""
    with _memory_lock:
        _memory.clear()
