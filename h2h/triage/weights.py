"""Default points per reason: the visible coefficients of the score.

A reason's points are its weight times the strength of its evidence (a signal
between 0 and 1, or 1 for a plain fact). Users override any of these in
`[triage.weights]`; `h2h show ID` prints every term.
"""

DEFAULT_WEIGHTS: dict[str, float] = {
    # what the person said
    "question": 10.0,
    "request": 8.0,
    "complaint": 8.0,
    "urgent": 6.0,
    "negative": 3.0,
    "praise": 1.0,
    # who they are to us
    "to_me": 3.0,
    "first_contact": 6.0,
    "returning": 2.0,
    "vip": 12.0,
    "reach": 2.0,
    "followup": 1.5,
    "chaser": 4.0,
    "answers_us": 3.0,
    "elsewhere": 3.0,
    "answered_by_other": -3.0,
    # how long they have waited: grows to this many points at the SLA, then stays
    "waiting": 10.0,
    # what pushes a conversation down (negative points)
    "keyword_only": -1.0,
    "closing": -5.0,
    "private": -5.0,
    "crowd": -4.0,
    "toxic": -6.0,
    "bot": -15.0,
    "brand": -6.0,
    "spam": -15.0,
    "own": -20.0,
    "muted": -20.0,
}
