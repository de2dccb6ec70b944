"""h2h: which humans to reply to first, and why."""

__version__ = "0.1.0"
