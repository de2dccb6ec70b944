"""The SQLite cache and the record of what the user did. Only store/ writes SQL."""

from h2h.store.queries import Store, conversation_key

__all__ = ["Store", "conversation_key"]
