"""End to end against Bluesky's own servers (`@atproto/dev-env`) on 127.0.0.1:
two accounts, a mention and a reply-mention, fetched through the adapter and
ingested into a Store; the thread; our reply, posted once and visible in the
thread; the other side is notified; the real PDS's limits and token handling.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

import pytest
import requests

from h2h import errors
from h2h.ingest.ingest import ingest
from h2h.models import Mention
from h2h.sources import atproto
from h2h.sources.bluesky import BlueskySource
from h2h.sources.http import make_session
from h2h.store import Store
from h2h.store.sqlite import SQLiteStore
from h2h.triage.engine import Engine
from tests.e2e.atproto_network import Missing, Network, check_tools
from tests.sources.contract import fetch_all

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def network() -> Iterator[Network]:
    try:
        check_tools()
    except Missing as exc:
        message = f"the Bluesky network cannot start: {exc} is missing"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI must install it: .ci/setup-atproto.sh)")
        pytest.skip(message + "; run .ci/setup-atproto.sh to enable these tests")
    net = Network().start()
    print(f"\natproto network ready: {net.timings}")
    try:
        yield net
    finally:
        net.stop()


@pytest.fixture(autouse=True)
def real_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # Posts are dated by the server's clock; a frozen h2h clock would date our replies in the past.
    monkeypatch.delenv("H2H_NOW", raising=False)
    atproto.forget_all_in_memory()


class Account:
    def __init__(self, pds: str, name: str):
        self.pds = pds
        self.handle = f"{name}{uuid.uuid4().hex[:6]}.test"
        self.password = f"pw-{uuid.uuid4().hex}"
        made = self._xrpc("POST", "com.atproto.server.createAccount",
                          json={"handle": self.handle, "email": f"{self.handle}@example.com", "password": self.password})
        self.did, self.token = made["did"], made["accessJwt"]

    def _xrpc(self, method: str, nsid: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if getattr(self, "token", None) else {}
        r = requests.request(method, f"{self.pds}/xrpc/{nsid}", headers=headers, timeout=30, **kwargs)
        assert r.status_code == 200, r.text
        return r.json()

    def post(self, text: str, *, reply_to: dict | None = None, root: dict | None = None,
             mention: "Account | None" = None) -> dict:
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text,
                                  "createdAt": datetime.now(timezone.utc).isoformat(timespec="milliseconds")
                                  .replace("+00:00", "Z")}
        if reply_to:
            record["reply"] = {"root": root or reply_to, "parent": reply_to}
        if mention:
            at = f"@{mention.handle}"
            start = text.encode().index(at.encode())
            record["facets"] = [{"index": {"byteStart": start, "byteEnd": start + len(at.encode())},
                                 "features": [{"$type": "app.bsky.richtext.facet#mention", "did": mention.did}]}]
        made = self._xrpc("POST", "com.atproto.repo.createRecord",
                          json={"repo": self.did, "collection": "app.bsky.feed.post", "record": record})
        return {"uri": made["uri"], "cid": made["cid"]}

    def source(self, **table: Any) -> BlueskySource:
        env = f"H2H_E2E_{self.did[-8:].upper()}"
        os.environ[env] = self.password
        config = {"type": "bluesky", "url": self.pds, "handle": self.handle, "token_env": env, **table}
        return BlueskySource.from_config(self.handle, config, make_session())


def eventually(probe: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """The AppView indexes from the firehose: what a post causes shows up within a second or so."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {timeout:.0f}s: {what}")
        time.sleep(0.3)


@pytest.fixture(scope="session")
def scene(network: Network) -> dict[str, Any]:
    alice, bob = Account(network.pds, "alice"), Account(network.pds, "bob")
    # Right after createAccount the AppView may not know the profiles yet.
    for who in (alice, bob):
        eventually(lambda who=who: requests.get(f"{network.pds}/xrpc/app.bsky.actor.getProfile",
                                                params={"actor": who.did}, timeout=10,
                                                headers={"Authorization": f"Bearer {alice.token}"}).ok,
                   f"profile {who.handle} indexed")
    root = alice.post("Launching h2h today: who answers whom, first.")
    reply = bob.post(f"@{alice.handle} congrats! Does it work with Bluesky?", reply_to=root, mention=alice)
    lone = bob.post(f"Have you seen what @{alice.handle} built? roadmap inside", mention=alice)
    return {"alice": alice, "bob": bob, "root": root, "reply": reply, "lone": lone}


def test_mention_fetch_ingest_thread_reply(scene: dict[str, Any], tmp_path: Any) -> None:
    alice, bob = scene["alice"], scene["bob"]
    src = alice.source()
    me = src.whoami()
    assert me.remote_id == alice.did and me.handle == alice.handle

    store = SQLiteStore.open(tmp_path / "h2h.db")
    engine = Engine(me=frozenset({alice.handle}))
    cursor = None

    def fetch() -> list[Mention]:
        nonlocal cursor
        got: list[Mention] = []
        for page in src.fetch_mentions(cursor):
            def save(s: Store, _batch: list[Mention], c: str | None = page.cursor) -> None:
                s.set_cursor(src.name, c)
            ingest(store, page.mentions, engine, after_batch=save)
            got.extend(page.mentions)
            cursor = store.get_cursor(src.name)
        return got

    mentions: dict[str, Mention] = {}
    eventually(lambda: mentions.update({m.remote_id: m for m in fetch()}) or len(mentions) >= 2,
               "both mentions in alice's notifications")
    assert set(mentions) == {scene["reply"]["uri"], scene["lone"]["uri"]}
    reply = mentions[scene["reply"]["uri"]]
    assert reply.to_me and not reply.from_me and reply.author.remote_id == bob.did
    assert reply.in_reply_to == scene["root"]["uri"] and reply.thread == scene["root"]["uri"]
    assert reply.text == f"@{alice.handle} congrats! Does it work with Bluesky?"
    assert reply.author.followers == 0  # from getProfiles (a fresh account: no profile record, no createdAt)
    assert store.mention(src.name, reply.remote_id) is not None
    assert store.mention(src.name, scene["lone"]["uri"]) is not None

    thread = src.fetch_thread(reply)
    assert [m.remote_id for m in thread.mentions] == [scene["root"]["uri"], scene["reply"]["uri"]]
    assert thread.mentions[0].from_me

    text = f"@{bob.handle} yes — Bluesky, Mastodon and GitHub. Merci ✨"
    sent = src.send_reply(reply, text, key="e2e-reply-1")
    again = src.send_reply(reply, text, key="e2e-reply-1")  # a retry: the same post, not a second one
    assert again.remote_id == sent.remote_id

    def ours_in_thread() -> list[Mention]:
        return [m for m in src.fetch_thread(reply).mentions if m.remote_id == sent.remote_id]
    mine = eventually(ours_in_thread, "our reply in the thread")[0]
    assert mine.from_me and mine.text == text and mine.in_reply_to == reply.remote_id
    # The AppView indexes the firehose asynchronously: a read may briefly miss the reply again.
    replies = eventually(lambda: [m for m in src.fetch_thread(reply).mentions
                                  if m.from_me and m.in_reply_to == reply.remote_id], "our reply, read again")
    assert len(replies) == 1, "one reply, not two"

    posted = mine.raw["record"]
    assert posted["reply"]["root"]["uri"] == scene["root"]["uri"]
    facet = posted["facets"][0]
    raw = text.encode()
    assert raw[facet["index"]["byteStart"]:facet["index"]["byteEnd"]] == f"@{bob.handle}".encode()
    assert facet["features"][0]["did"] == bob.did

    # Bob is told: our reply reaches him as a reply that mentions him.
    bob_src = bob.source()
    seen = eventually(lambda: [m for p in fetch_all(bob_src) for m in p.mentions if m.remote_id == sent.remote_id],
                      "our reply in bob's notifications")
    assert seen[0].to_me and seen[0].author.remote_id == alice.did

    # Resuming from the saved cursor brings nothing twice.
    assert not {m.remote_id for m in fetch()} & set(mentions)


def test_keyword_search(scene: dict[str, Any]) -> None:
    src = scene["alice"].source(keywords=["roadmap"])
    found = eventually(lambda: [m for p in fetch_all(src) for m in p.mentions if m.remote_id == scene["lone"]["uri"]],
                       "the keyword post")
    assert found


def test_grapheme_limit_matches_the_server(scene: dict[str, Any]) -> None:
    src = scene["alice"].source()
    target = next(m for p in fetch_all(src) for m in p.mentions)
    src.send_reply(target, "👍🏽" * 300, key="e2e-300-graphemes")   # 600 code points; the PDS agrees it is 300
    with pytest.raises(errors.InputError):
        src.send_reply(target, "a" * 301, key="e2e-301")
    type(src).max_graphemes = 1000
    try:
        with pytest.raises(errors.SourceError) as caught:
            src.send_reply(target, "a" * 301, key="e2e-301-server")
    finally:
        type(src).max_graphemes = 300
    assert "maximum 300, got 301" in str(caught.value)


def test_a_revoked_access_token_is_refreshed(scene: dict[str, Any]) -> None:
    src = scene["alice"].source()
    src.whoami()
    key = src.session.key
    atproto._memory[key] = {**atproto._memory[key], "accessJwt": "not-a-token"}
    assert src.whoami().remote_id == scene["alice"].did
    assert atproto._memory[key]["accessJwt"] != "not-a-token"


def test_wrong_password_is_an_auth_error(scene: dict[str, Any], network: Network) -> None:
    os.environ["H2H_E2E_WRONG"] = "not-the-password"
    src = BlueskySource.from_config("x", {"type": "bluesky", "url": network.pds, "handle": scene["alice"].handle,
                                          "token_env": "H2H_E2E_WRONG"}, make_session())
    with pytest.raises(errors.AuthError):
        src.whoami()


def test_nothing_listens_beyond_the_loopback(network: Network) -> None:
    import re
    import shutil
    import subprocess

    if shutil.which("ss") is None:
        pytest.skip("ss (iproute2) is not installed")
    pids = {str(p.pid) for p in network.procs}
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    ours = [line for line in out.splitlines() if set(re.findall(r"pid=(\d+)", line)) & pids]
    assert len(ours) >= 5  # PLC, PDS, AppView, ozone, bsync/dataplane, redis
    exposed = [line.split()[3] for line in ours if not line.split()[3].startswith(("127.0.0.1:", "[::1]:"))]
    assert exposed == []
