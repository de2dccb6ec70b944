"""Pull new mentions from sources and ingest them: signals, conversations, scores."""
