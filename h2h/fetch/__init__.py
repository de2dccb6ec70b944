"""Pull new mentions from sources: the runner, the lock, the demo's in-memory fetch."""
