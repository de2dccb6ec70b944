"""Reply drafts that sound like a person."""
