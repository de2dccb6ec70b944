"""Reply drafts that sound like a person.

    compose.py    the functions commands call: new_draft (template, LLM, snippet, another
                  variant), current, save_text, edit; context() for what a drafter sees
    base.py       the Drafter protocol, DraftRequest, Body
    templates.py  the default drafter (offline, deterministic); phrases in h2h/data/drafts/
    llm.py        the OpenAI-compatible drafter; falls back to templates
    lint.py       tone lint; limits.py platform limits in graphemes; topic.py what they asked
    snippets.py   saved replies; editor.py $VISUAL / $EDITOR; mention.py the mention a platform needs
"""
