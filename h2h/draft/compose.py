"""From a conversation (as `inbox.conversation` gives it) to a draft."""

from __future__ import annotations

import json
from typing import Any, Mapping

from h2h.draft import templates
from h2h.models import Draft


def compose(view: Mapping[str, Any], config: Any) -> Draft:
    person = view["person"]
    theirs = [m for m in view["messages"] if m["role"] == "person"] or view["messages"]
    latest = theirs[-1] if theirs else {"text": ""}
    reason_codes = {r["code"]: r["points"] for r in view["reasons"]}
    weights = config.triage.weights
    strengths = {code: (reason_codes.get(code, 0.0) / weights[code]) if weights.get(code) else 0.0
                 for code in ("question", "request", "complaint")}
    ctx = templates.DraftContext(
        conversation=view["id"], platform=view["platform"], handle=person["handle"], name=person["name"] or "",
        lang=view.get("lang"), intent=templates.intent_for(view["section"], strengths),
        first_contact="first_contact" in reason_codes, topic=templates.topic_of(latest.get("text") or ""),
        me_name=config.me.name, signature=config.me.signature)
    return templates.draft(ctx)


def lint_json(draft: Draft) -> str:
    return json.dumps([f.to_json() for f in draft.lint])
