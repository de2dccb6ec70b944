"""SHA-1 for short keys (conversation ids, the engine's fingerprint, a template
rotation seed), without loading OpenSSL: `import hashlib` costs every start-up
about 3 ms for its OpenSSL backend, CPython's own `_sha1` half a millisecond, and
both give the same digests.
"""

try:
    from _sha1 import sha1
except ImportError:  # pragma: no cover - an interpreter built without CPython's own hashes
    from hashlib import sha1

__all__ = ["sha1"]
