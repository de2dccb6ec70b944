"""The OpenAI-compatible drafter against a loopback server speaking the protocol:
the prompt it sends, the answer linted and trimmed, and the fallback to templates
on timeout or error, saying so."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest

from h2h.draft import compose, limits
from h2h.draft.llm import OpenAIDrafter, clean
from tests.draft.test_templates import request
from tests.draft.world import CONFIG, World


class ChatServer:
    """POST /v1/chat/completions answered as the test says; every request kept."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.content: str = "Hi Marie, export is under Settings > Export: you get a zip of Markdown files."
        self.status = 200
        self.body: bytes | None = None
        self.delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                length = int(self.headers.get("Content-Length") or 0)
                server.requests.append({"path": self.path, "headers": dict(self.headers),
                                        "json": json.loads(self.rfile.read(length) or b"{}")})
                if server.delay:
                    time.sleep(server.delay)
                body = server.body if server.body is not None else json.dumps({
                    "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "m",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": server.content},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}}).encode()
                try:
                    self.send_response(server.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (timeout test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[ChatServer]:
    s = ChatServer()
    yield s
    s.close()


def world_for(url: str, extra: str = "") -> World:
    return World(CONFIG.replace("[draft.snippets]", f'[draft]\nbackend = "openai"\nurl = "{url}"\nmodel = "tiny"\n'
                                f'timeout = "1s"\napi_key_env = "H2H_TEST_LLM_KEY"\n'
                                f'style = "Friendly, no exclamation marks."\n{extra}\n[draft.snippets]'))


def test_the_prompt_carries_thread_history_style_language_and_limit(server: ChatServer,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("H2H_TEST_LLM_KEY", "sk-test-secret-123456")
    w = world_for(server.url)
    w.say("how do I import from Evernote?")
    w.say("@marie it's under Settings > Import", handle="@acme@mastodon.social", name="Acme", from_me=True,
          in_reply_to="m1")
    ident = w.say("Comment j'exporte toutes mes notes d'un coup ?", lang="fr", minutes=700)
    d = compose.new_draft(w.store, w.config, w.engine, ident)
    assert d.backend == "openai" and not d.note
    sent = server.requests[-1]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["Authorization"] == "Bearer sk-test-secret-123456"
    body = sent["json"]
    assert body["model"] == "tiny" and body["stream"] is False and body["max_tokens"] > 0
    system, user = body["messages"][0]["content"], body["messages"][1]["content"]
    assert "Friendly, no exclamation marks." in system
    assert "français" in system and "(language code fr)" in system
    assert "At most" in system and "characters" in system
    assert "Alex" in system and "Marie" in system
    assert "Comment j'exporte toutes mes notes" in user                 # the thread
    assert "how do I import from Evernote?" in user                     # their history with us
    assert "Settings > Import" in user
    assert "exporter toutes vos notes d'un coup" in user                # what they asked about
    assert d.text.startswith("@marie@piaille.fr Hi Marie, export is under Settings > Export")
    assert d.text.endswith("\n— Alex, Acme")


def test_the_answer_is_cleaned_linted_and_trimmed(server: ChatServer) -> None:
    server.content = ('"@marie@piaille.fr We apologize for any inconvenience. ' + "Here is more detail. " * 60
                      + '"\n\nBest,\nAlex')
    w = world_for(server.url)
    ident = w.say("how do I export my notes?")
    d = compose.new_draft(w.store, w.config, w.engine, ident)
    assert d.backend == "openai"
    assert limits.PLATFORMS["mastodon"].fits(d.text) and d.length <= 500
    assert d.text.count("@marie@piaille.fr") == 1 and d.text.endswith("\n— Alex, Acme")
    assert "Best," not in d.text and '"' not in d.text
    assert "apology" in {f.code for f in d.lint}


@pytest.mark.parametrize("case,expected", [
    ("timeout", "did not answer within"),
    ("http500", "answered HTTP 500"),
    ("not_json", "did not answer with a chat completion"),
    ("no_choices", "did not answer with a chat completion"),
    ("empty", "empty reply"),
])
def test_failures_fall_back_to_templates_saying_so(server: ChatServer, case: str, expected: str) -> None:
    if case == "timeout":
        server.delay = 1.6
    elif case == "http500":
        server.status, server.body = 500, b'{"error": "model not loaded"}'
    elif case == "not_json":
        server.body = b"<html>proxy error</html>"
    elif case == "no_choices":
        server.body = b'{"choices": []}'
    elif case == "empty":
        server.content = "   "
    w = world_for(server.url)
    ident = w.say("how do I export my notes?")
    started = time.monotonic()
    d = compose.new_draft(w.store, w.config, w.engine, ident)
    assert time.monotonic() - started < 1.5          # the timeout (1s) bounds the wait
    assert d.backend == "template" and d.variants
    assert expected in d.note and "template draft instead" in d.note
    assert d.text.startswith("@marie@piaille.fr ") and "Marie" in d.text
    assert w.store.latest_draft(ident)["note"] == d.note


def test_an_unreachable_server_falls_back() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]        # closed once we leave: nothing listens there
    w = world_for(f"http://127.0.0.1:{port}/v1")
    ident = w.say("how do I export my notes?")
    d = compose.new_draft(w.store, w.config, w.engine, ident)
    assert d.backend == "template" and "cannot reach the language model" in d.note


def test_the_key_never_shows_in_a_note(server: ChatServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("H2H_TEST_LLM_KEY", "sk-very-secret-value-42")
    server.status, server.body = 401, b'{"error": "bad key sk-very-secret-value-42"}'
    w = world_for(server.url)
    ident = w.say("how do I export my notes?")
    d = compose.new_draft(w.store, w.config, w.engine, ident)
    assert d.backend == "template" and "401" in d.note and "sk-very-secret-value-42" not in d.note


def test_a_missing_key_variable_is_named(server: ChatServer) -> None:
    server.status, server.body = 401, b'{"error": "unauthorized"}'
    w = world_for(server.url)
    ident = w.say("how do I export my notes?")
    d = compose.new_draft(w.store, w.config, w.engine, ident)
    assert "H2H_TEST_LLM_KEY is not set" in d.note


def test_clean_strips_labels_quotes_mentions_and_sign_offs() -> None:
    req = request()
    assert clean("Reply: “Hi Marie, done.”", req) == "Hi Marie, done."
    assert clean("@marie@piaille.fr Hi Marie, done.\n\n— Alex, Acme", req) == "Hi Marie, done."
    assert clean("Hi Marie, done.\nCheers,\nAlex", req) == "Hi Marie, done."
    assert clean("```\nHi Marie, done.\n```", req) == "Hi Marie, done."
    assert clean("Hi Marie \x1b[31mred\x1b[0m", req) == "Hi Marie red"


def test_the_endpoint_accepts_a_full_path() -> None:
    assert OpenAIDrafter("http://h/v1/chat/completions").endpoint == "http://h/v1/chat/completions"
    assert OpenAIDrafter("http://h/v1/").endpoint == "http://h/v1/chat/completions"


# --- grounded on what we know ---------------------------------------------------------------

AGAINST_SENSE = """# Does Acme Notes work offline?
Link: https://acme.example/help/offline

No: Acme Notes needs a connection at all times, and nothing can be edited offline.

# How much is the Team plan?

The Team plan is $6 per seat and per month.
"""


def grounded_world(url: str, tmp_path: Any, extra: str = "") -> World:
    (tmp_path / "faq.md").write_text(AGAINST_SENSE)
    return world_for(url, f'knowledge = "{tmp_path / "faq.md"}"\n{extra}')


def test_the_prompt_carries_what_we_know_and_who_they_are(server: ChatServer, tmp_path: Any) -> None:
    (tmp_path / "faq.md").write_text(AGAINST_SENSE)
    w = World(CONFIG.replace(
        "[draft.snippets]", f'[triage]\nvip = ["@marie@piaille.fr"]\nsla = "1h"\n[draft]\nbackend = "openai"\n'
        f'url = "{server.url}"\ntimeout = "1s"\nknowledge = "{tmp_path / "faq.md"}"\n[draft.snippets]'))
    ident = w.say("@acme salut, tu sais si Acme Notes marche hors ligne ? version 4.3 sur iPad", lang="fr",
                  minutes=-300)
    server.content = "Salut Marie, non : il faut une connexion. https://acme.example/help/offline"
    d = compose.new_draft(w.store, w.config, w.engine, ident)
    assert d.backend == "openai", d.note
    system, user = (m["content"] for m in server.requests[-1]["json"]["messages"])
    assert "follow them" in system and "Do not invent facts" in system
    assert "nothing can be edited offline" in user and "https://acme.example/help/offline" in user
    assert "VIP" in user and "sorry for the wait" in user and "They waited 7 hours" in user and 'say "tu"' in user
    assert "Never ask for these again" in user and "device" in user and "version" in user
    assert d.note.startswith("written by the language model from the knowledge entry")
    assert d.grounding["kind"] == "knowledge"


def test_a_knowledge_entry_against_common_sense_is_followed(server: ChatServer, tmp_path: Any) -> None:
    w = grounded_world(server.url, tmp_path)
    ident = w.say("@acme does Acme Notes work offline? I'm on a plane tomorrow")
    server.content = "Hi Marie, no: Acme Notes needs a connection at all times. More: https://acme.example/help/offline"
    followed = compose.new_draft(w.store, w.config, w.engine, ident)
    assert followed.backend == "openai" and "needs a connection" in followed.text
    # A model that trusts what it believes over what we told it is not used: the entry is.
    server.content = "Hi Marie, yes of course, it works offline and syncs when you land!"
    overruled = compose.new_draft(w.store, w.config, w.engine, ident)
    assert overruled.backend == "knowledge"
    assert "nothing can be edited offline" in overruled.text and "works offline" not in overruled.text
    assert "answers \u201cyes\u201d where the knowledge entry" in overruled.note
    assert "template draft instead" in overruled.note


def test_a_number_the_model_was_not_given_is_not_sent(server: ChatServer, tmp_path: Any) -> None:
    w = grounded_world(server.url, tmp_path)
    ident = w.say("@acme how much is the Team plan per seat?")
    server.content = "Hi Marie, the Team plan is $4 per seat, see https://acme.example/pricing"
    d = compose.new_draft(w.store, w.config, w.engine, ident)
    assert d.backend == "knowledge" and "$6 per seat" in d.text and "$4" not in d.text
    assert "\u201c$4\u201d, which nothing it was given says" in d.note
    server.content = "Hi Marie, it's $6 per seat and per month."
    assert compose.new_draft(w.store, w.config, w.engine, ident).backend == "openai"


@pytest.mark.parametrize("content", [
    "Hi Marie, it's under Settings > Export.\n\n— Alex, Acme",
    "Hi Marie, it's under Settings > Export. — Alex",
    "Hi Marie, it's under Settings > Export.\nCheers,\nAlex",
    "Hi Marie, it's under Settings > Export.\n\nBest regards,\nAlex from Acme",
    "Hi Marie, it's under Settings > Export.\n\nThe Acme team",
    "Hi Marie, it's under Settings > Export.\n[Your name]",
    "Hi Marie, it's under Settings > Export.\n— Alex, Acme\n— Alex, Acme",
    "Bonjour Marie, c'est dans Réglages > Export.\nBien à vous,\nAlex (Acme)",
])
def test_one_signature_ours_whatever_the_model_signs(server: ChatServer, content: str) -> None:
    server.content = content
    w = world_for(server.url)
    d = compose.new_draft(w.store, w.config, w.engine, w.say("how do I export my notes?"))
    assert d.backend == "openai"
    assert d.text.endswith("Export.\n— Alex, Acme") and d.text.count("Alex") == 1


def test_the_timeout_is_set_in_draft_llm(server: ChatServer) -> None:
    server.delay = 1.6
    w = World(CONFIG.replace("[draft.snippets]", f'[draft]\nbackend = "openai"\n[draft.llm]\nurl = "{server.url}"\n'
                                                 'timeout = "1s"\n[draft.snippets]'))
    assert w.config.draft.timeout_s == 1.0 and w.config.draft.url == server.url
    started = time.monotonic()
    d = compose.new_draft(w.store, w.config, w.engine, w.say("how do I export my notes?"))
    assert time.monotonic() - started < 1.5 and d.backend == "template" and "within 1s" in d.note


def test_draft_llm_is_checked_like_the_rest_of_the_config() -> None:
    from h2h import config as config_mod
    from h2h.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        config_mod.parse('[draft]\nbackend = "openai"\n[draft.llm]\nurll = "x"\ntimeout = 3\n')
    keys = [k for k, _ in err.value.problems]
    assert "draft.llm.urll" in keys and "draft.llm.timeout" in keys and "draft.llm.url" in keys
