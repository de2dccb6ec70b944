"""Mentions in, conversations out: signals, grouping, judging, in batches."""
