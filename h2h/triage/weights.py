"""Default points per reason: the visible coefficients of the score.

A reason's points are its weight times the strength of its evidence (a signal
between 0 and 1, or 1 for a plain fact). Users override any of these in
`[triage.weights]`; `h2h show ID` prints every term.

The conversation weights (what they said, first contact, returning, follow-up,
chaser, answers_us, waiting, closing, private, toxic) are calibrated on real
brand inboxes replayed moment by moment: `scripts/train_weights.py --l2 0.03`
on the calibration half of `dev_replay.jsonl` (the L2 with the best
leave-one-inbox-out figure, the stronger of two ties). What the fit says, and
why it is kept: in those inboxes, agents answer first contacts first and
people who already had an answer less (`returning` is negative); writing the
same thing again earns nothing (`followup` 0). A question, a request or a
complaint is held at 5 points at least, whatever the fit, so that French
inboxes (not in the replay) keep their "reply soon" figure. Figures in
bench/README.md.
"""

DEFAULT_WEIGHTS: dict[str, float] = {
    # what the person said
    "question": 6.0,
    "request": 6.0,
    "complaint": 6.0,
    "urgent": 1.0,
    "negative": 3.0,
    "praise": -1.0,
    # who they are to us
    "to_me": 3.0,
    "first_contact": 10.0,
    "returning": -3.5,
    "vip": 12.0,
    "reach": 2.0,
    "followup": 0.0,
    "chaser": 2.5,
    "answers_us": 1.0,
    "elsewhere": 3.0,
    "answered_by_other": -3.0,
    # how long they have waited: grows to this many points at the SLA, then stays
    "waiting": 2.5,
    # what pushes a conversation down (negative points)
    "keyword_only": -1.0,
    "closing": -2.5,
    "private": -4.0,
    "crowd": -4.0,
    "toxic": -0.5,
    "bot": -15.0,
    "brand": -6.0,
    "spam": -15.0,
    "own": -20.0,
    "muted": -20.0,
}
