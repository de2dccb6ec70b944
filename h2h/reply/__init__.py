"""Send a draft exactly once through its source, and record it (see send.py)."""
