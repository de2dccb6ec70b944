"""The knowledge file: Markdown entries, searched like past answers, cited by the
draft; `h2h knowledge add/list/test`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from h2h.draft import compose, knowledge, memory
from h2h.errors import ConfigError
from tests.draft.world import CONFIG, World
from tests.clirun import run

FAQ = """<!-- Our answers. This comment and the text before the first heading are not entries. -->
Intro text.

# Does sync work offline?
Also: offline mode, edit on a plane
Link: https://acme.example/help/offline

Yes: every app works offline and syncs when you're back online.

## Est-ce que la synchro marche hors ligne ?
Id: does-sync-work-offline
Lang: fr
Link: https://acme.example/fr/aide/hors-ligne

Oui : toutes les applis marchent hors ligne.

# How do I cancel my subscription?
Link: https://acme.example/help/cancel

Settings → Plan → Cancel. You keep Pro until the end of the period.

# An entry without an answer
"""


def world_with(path: Path, extra: str = "") -> World:
    return World(CONFIG.replace("[draft.snippets]", f'[draft]\nknowledge = "{path}"\n{extra}\n[draft.snippets]'))


def test_entries_headings_meta_and_translations(tmp_path: Path) -> None:
    entries, problems = knowledge.parse(FAQ, "faq.md")
    assert [(e.id, e.lang) for e in entries] == [("does-sync-work-offline", "en"), ("does-sync-work-offline", "fr"),
                                                 ("how-do-i-cancel-my-subscription", "en")]
    first = entries[0]
    assert first.also == ("offline mode", "edit on a plane") and first.link == "https://acme.example/help/offline"
    assert first.answer == "Yes: every app works offline and syncs when you're back online." and first.line == 4
    assert problems == [knowledge.Problem("faq.md", 22, "the entry 'An entry without an answer' has no answer")]


def test_a_folder_of_entries_one_file_each_with_its_translations(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    (folder / "billing").mkdir(parents=True)
    (folder / "offline.md").write_text("# Does it work offline?\n\nYes.\n\n# Ça marche hors ligne ?\n\nOui.\n")
    (folder / "billing" / "refund.md").write_text("# I was charged twice\n\nWe refund it.\n")
    (folder / "notes.txt").write_text("# not an entry\n\nignored\n")
    entries, problems, _ = knowledge.read(folder)
    assert [(e.id, e.lang) for e in entries] == [("refund", "en"), ("offline", "en"), ("offline", "fr")]
    assert not problems


@pytest.mark.parametrize("lang,question,link", [
    ("en", "@acme can I keep editing on a plane without wifi? does sync work offline?",
     "https://acme.example/help/offline"),
    ("fr", "@acme la synchro marche hors ligne ? je serai dans le train", "https://acme.example/fr/aide/hors-ligne"),
])
def test_the_draft_answers_from_the_entry_and_cites_its_link(tmp_path: Path, lang: str, question: str,
                                                             link: str) -> None:
    (tmp_path / "faq.md").write_text(FAQ)
    w = world_with(tmp_path / "faq.md")
    d = compose.new_draft(w.store, w.config, w.engine, w.say(question, lang=lang))
    assert d.backend == "knowledge" and d.source == "knowledge"
    assert link in d.text
    assert ("every app works offline" if lang == "en" else "toutes les applis marchent hors ligne") in d.text
    assert d.note.startswith("from the knowledge entry") and "faq.md" in d.note
    assert d.grounding["kind"] == "knowledge" and d.grounding["link"] == link


def test_an_entry_only_in_another_language_gives_its_link(tmp_path: Path) -> None:
    (tmp_path / "faq.md").write_text(FAQ)
    w = world_with(tmp_path / "faq.md")
    d = compose.new_draft(w.store, w.config, w.engine, w.say("@acme comment je résilie mon abonnement ?", lang="fr"))
    assert "https://acme.example/help/cancel" in d.text and "Settings → Plan" not in d.text


@pytest.mark.parametrize("lang,question,asking", [
    ("en", "@acme can I record audio inside a note?", "team"),
    ("fr", "@acme peut-on enregistrer un mémo vocal dans une note ?", "équipe"),
])
def test_a_question_the_knowledge_does_not_cover_gets_no_answer_from_it(tmp_path: Path, lang: str, question: str,
                                                                       asking: str) -> None:
    (tmp_path / "faq.md").write_text(FAQ)
    w = world_with(tmp_path / "faq.md")
    d = compose.new_draft(w.store, w.config, w.engine, w.say(question, lang=lang))
    assert d.backend == "template" and "acme.example" not in d.text
    assert d.note.startswith("no knowledge entry or past answer matches")
    assert asking in d.text or "built it" in d.text or "construit" in d.text


@pytest.mark.parametrize("question,register_note", [
    ("@acme salut ! tu sais si on peut imprimer une note ?", True),
    ("@acme bonjour, savez-vous si on peut imprimer une note ?", False),
])
def test_an_answer_that_says_vous_to_someone_who_says_tu_is_pointed_out(tmp_path: Path, question: str,
                                                                       register_note: bool) -> None:
    (tmp_path / "faq.md").write_text("# Peut-on imprimer une note ?\nLang: fr\n\n"
                                     "Oui : ouvrez la note, puis ⋯ → Imprimer ; vous choisissez le format.\n")
    w = world_with(tmp_path / "faq.md")
    d = compose.new_draft(w.store, w.config, w.engine, w.say(question, lang="fr"))
    assert d.source == "knowledge" and "vous choisissez" in d.text
    assert ("speaks \u201cvous\u201d: adjust it before sending" in d.note) is register_note, d.note


@pytest.mark.parametrize("lang,wish,asking", [
    ("en", "@acme limiting an API token to a single notebook: is it planned?", "team"),
    ("fr", "@acme API : pouvoir limiter un token à un seul carnet, est-ce prévu ?", "équipe"),
])
def test_a_wish_is_not_answered_with_what_merely_shares_its_words(lang: str, wish: str, asking: str) -> None:
    from h2h import paths

    w = world_with(paths.DATA / "demo" / "knowledge")
    ident = w.say(wish, lang=lang)
    near = compose.closest(w.store, w.config, w.engine, ident)[0]
    assert near.ref == "kb:rate-limits" and memory.THRESHOLD <= near.similarity < memory.WISH_THRESHOLD
    d = compose.new_draft(w.store, w.config, w.engine, ident)
    assert d.source == "template" and "acme-notes.example" not in d.text and asking in d.text, d.text


def test_the_store_follows_the_file(tmp_path: Path) -> None:
    path = tmp_path / "faq.md"
    path.write_text(FAQ)
    w = world_with(path)
    knowledge.sync(w.store, w.config)
    assert len(w.store.knowledge_entries()) == 3
    path.write_text("# Is there a dark mode?\n\nYes, under Settings → Appearance.\n")
    knowledge.sync(w.store, w.config)
    assert [r["question"] for r in w.store.knowledge_entries()] == ["Is there a dark mode?"]
    found = memory.search(w.store, w.config, "how do I get a dark mode?", "en")
    assert found and found[0].ref == "kb:is-there-a-dark-mode"


def test_a_missing_knowledge_file_is_a_note_for_drafts_and_an_error_for_list(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    w = world_with(tmp_path / "nope.md")
    d = compose.new_draft(w.store, w.config, w.engine, w.say("@acme does sync work offline?"))
    assert "nope.md does not exist" in d.note and d.text
    with pytest.raises(ConfigError):
        knowledge.read(tmp_path / "nope.md")


def test_a_relative_path_is_read_from_the_configs_folder(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(CONFIG.replace("[draft.snippets]", '[draft]\nknowledge = "faq.md"\n[draft.snippets]'))
    (home / "faq.md").write_text(FAQ)
    listed = run("knowledge", "list", "--json").json()["data"]
    assert listed["path"] == str(home / "faq.md") and len(listed["entries"]) == 3
    assert listed["problems"][0]["line"] == 22


def test_knowledge_add_list_and_test(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    empty = run("knowledge", "list")
    assert empty.code == 3 and "knowledge add" in empty.err
    added = run("knowledge", "add", "Does sync work offline?", "--answer", "Yes, everywhere.",
                "--link", "https://acme.example/offline", "--also", "offline mode, on a plane")
    assert added.code == 0 and added.out.strip() == f"{home / 'knowledge.md'}:1"
    run("knowledge", "add", "Est-ce que la synchro marche hors ligne ?", "--answer", "-", "--lang", "fr",
        "--id", "does-sync-work-offline", stdin="Oui, partout.\n")
    text = (home / "knowledge.md").read_text()
    assert text == ("# Does sync work offline?\nAlso: offline mode, on a plane\nLink: https://acme.example/offline\n\n"
                    "Yes, everywhere.\n\n# Est-ce que la synchro marche hors ligne ?\nId: does-sync-work-offline\n"
                    "Lang: fr\n\nOui, partout.\n")
    listed = run("knowledge", "list")
    assert "does-sync-work-offline [fr]  Est-ce que la synchro marche hors ligne ?" in listed.out
    hit = run("knowledge", "test", "can I work offline on a plane?", "--json").json()["data"]
    assert hit["match"]["ref"] == "kb:does-sync-work-offline" and hit["match"]["lang"] == "en"
    fr = run("knowledge", "test", "la synchro marche-t-elle sans réseau ?").out
    assert fr.startswith("*1. ") and "Est-ce que la synchro" in fr
    miss = run("knowledge", "test", "can I record audio in a note?")
    assert miss.code == 0 and "No match" in miss.err


@pytest.mark.parametrize("args,message", [
    (["", "--answer", "x"], "needs a question and an answer"),
    (["Question?", "--answer", "  "], "needs a question and an answer"),
    (["Question?", "--answer", "x", "--link", "not a link"], "is not a web address"),
])
def test_knowledge_add_refuses_bad_input_and_writes_nothing(home: Path, capsys: pytest.CaptureFixture[str],
                                                           args: list[str], message: str) -> None:
    result = run("knowledge", "add", *args)
    assert result.code == 2 and message in result.err
    assert not (home / "knowledge.md").exists()


def test_knowledge_add_to_a_folder_writes_a_new_file(home: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(CONFIG.replace("[draft.snippets]", f'[draft]\nknowledge = "{folder}"\n'
                                                                         '[draft.snippets]'))
    for _ in range(2):
        assert run("knowledge", "add", "Is there a dark mode?", "--answer", "Yes.").code == 0
    assert sorted(os.listdir(folder)) == ["is-there-a-dark-mode-2.md", "is-there-a-dark-mode.md"]
