"""Saved replies: placeholders filled for one person; an unresolved one is an error."""

from __future__ import annotations

import pytest

from h2h.draft import compose, snippets
from h2h.errors import ConfigError, ExitCode, H2HError
from tests.draft.world import World

VALUES = {"first_name": "Marie", "name": "Marie Dubois", "handle": "@marie@piaille.fr", "topic": "exporting your notes",
          "me": "Alex", "signature": "— Alex"}


def test_every_placeholder_is_filled() -> None:
    text = snippets.render("{first_name}/{name}/{handle}/{topic}/{me}/{signature} {{literal}}", VALUES, name="t")
    assert text == "Marie/Marie Dubois/@marie@piaille.fr/exporting your notes/Alex/— Alex {literal}"


@pytest.mark.parametrize("template,fragment", [
    ("Hi {first_nam}", "first_nam"),
    ("Hi {first_name.__class__}", "first_name.__class__"),
    ("Hi {first_name!r}", "first_name!r"),
    ("Hi {0}", "{0}"),
])
def test_unknown_placeholders_are_config_errors(template: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        snippets.render(template, VALUES, name="t")
    assert fragment in err.value.message and err.value.code == "snippet_syntax"
    assert err.value.exit_code == ExitCode.CONFIG and err.value.problems[0][0] == "draft.snippets.t"


def test_a_placeholder_without_a_value_is_an_error_not_a_blank() -> None:
    with pytest.raises(H2HError) as err:
        snippets.render("About {topic}: soon.", {**VALUES, "topic": ""}, name="roadmap")
    assert "{topic}" in err.value.message and err.value.code == "unresolved_placeholder"
    assert "--edit" in err.value.hint


def test_a_stray_brace_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        snippets.render("Hi {first_name", VALUES, name="t")
    assert "{{" in err.value.hint and err.value.code == "snippet_syntax"


def test_lookup_suggests_a_close_name() -> None:
    with pytest.raises(H2HError) as err:
        snippets.lookup({"export": "x", "pricing": "y"}, "exprot")
    assert "export" in err.value.message


def test_a_snippet_draft_through_the_store() -> None:
    w = World()
    ident = w.say("how do I export my notes?")
    d = compose.new_draft(w.store, w.config, w.engine, ident, snippet="export")
    assert d.backend == "snippet"
    assert d.text == "@marie@piaille.fr Hi Marie, everything is under Settings > Export. — Alex, Acme"
    assert d.id is not None and not d.lint


def test_a_snippet_with_topic_needs_a_topic() -> None:
    w = World()
    ok = w.say("how do I export my notes?")
    assert "About exporting your notes:" in compose.new_draft(w.store, w.config, w.engine, ok, snippet="topic").text
    vague = w.say("hey there", handle="@kim@example.social", name="Kim")
    with pytest.raises(H2HError):
        compose.new_draft(w.store, w.config, w.engine, vague, snippet="topic")
    assert w.store.latest_draft(vague) is None            # nothing stored, so nothing can be sent


def test_a_misspelt_snippet_is_never_stored() -> None:
    w = World()
    ident = w.say("how do I export my notes?")
    with pytest.raises(ConfigError):
        compose.new_draft(w.store, w.config, w.engine, ident, snippet="broken")
    assert w.store.latest_draft(ident) is None
