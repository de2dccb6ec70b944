"""Reply drafts that sound like a person and answer what was asked.

    compose.py    the functions commands call: new_draft (knowledge, memory, template, LLM, a
                  snippet, another wording), closest, sources, current, save_text, edit
    context.py    a conversation as a drafter sees it: who, what each message asks, what we know
    reading.py    what a message wants (intent, chaser), what it already told us, its register
    base.py       the Drafter protocol, DraftRequest, Part, Body
    templates.py  the default drafter (offline, deterministic); phrases in h2h/data/drafts/
    memory.py     answer memory: our past replies indexed and searched, with the knowledge file
    knowledge.py  the knowledge file: Markdown entries, `h2h knowledge add`
    terms.py      text to search terms (accents, stems, words that mean the same), EN and FR
    llm.py        the OpenAI-compatible drafter, grounded; falls back to templates
    lint.py       tone lint; limits.py platform limits in graphemes; topic.py what they asked
    snippets.py   saved replies; editor.py $VISUAL / $EDITOR; mention.py the mention a platform needs
"""
