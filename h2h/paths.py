"""Where h2h keeps its files: `H2H_HOME` holds config.toml, h2h.db and logs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# What h2h ships beside its code: weights, lexicons, the demo (a plain folder in every
# install; importlib.resources would cost every command 4 ms of imports for zip support).
DATA = Path(__file__).resolve().parent / "data"


def home() -> Path:
    explicit = os.environ.get("H2H_HOME")
    if explicit:
        return Path(explicit).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "h2h"


def config_path(explicit: str | os.PathLike[str] | None = None) -> tuple[Path, bool]:
    """The config file to read, and whether the user named it (then it must exist)."""
    if explicit:
        return Path(explicit).expanduser(), True
    env = os.environ.get("H2H_CONFIG")
    if env:
        return Path(env).expanduser(), True
    return home() / "config.toml", False


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("H2H_DB")
    if env:
        return Path(env).expanduser()
    return home() / "h2h.db"


def log_dir() -> Path:
    return home() / "logs"
