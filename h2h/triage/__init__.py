"""Signals per message, then a score that is a sum of visible reasons. Pure functions."""
