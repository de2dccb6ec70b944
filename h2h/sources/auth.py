"""Secrets for sources: from `token_env` (an environment variable) or
`token_cmd` (a command that prints it, run without a shell), or, if the user
insists, `token` in the file. Every secret read is registered for redaction.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from typing import Any, Mapping

from h2h.errors import ConfigError
from h2h.redact import register


def secret(name: str, table: Mapping[str, Any], *, prefix: str = "token", required: bool = True) -> str | None:
    """The secret for `[sources.NAME]`, read from `{prefix}_env`, `{prefix}_cmd` or `{prefix}`."""
    key = f"sources.{name}"
    env_name = table.get(f"{prefix}_env")
    cmd = table.get(f"{prefix}_cmd")
    value: str | None = None
    if env_name:
        value = os.environ.get(str(env_name)) or None
        if value is None and required:
            raise ConfigError(f"{key}.{prefix}_env names {env_name}, which is not set",
                              hint=f"export {env_name}=... (in cron, set it in the crontab or a wrapper script).")
    elif cmd:
        try:
            argv = shlex.split(str(cmd))
            done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
        except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
            raise ConfigError(f"{key}.{prefix}_cmd could not run: {type(exc).__name__}",
                              hint="Check the command; it must print the secret on stdout.") from None
        if done.returncode != 0:
            raise ConfigError(f"{key}.{prefix}_cmd exited with status {done.returncode}",
                              hint="Run the command by hand to see why.")
        value = done.stdout.strip() or None
    elif table.get(prefix):
        value = str(table[prefix])
    if value is None and required:
        raise ConfigError(f"{key} needs {prefix}_env or {prefix}_cmd",
                          hint=f"Add e.g. {prefix}_env = \"H2H_{name.upper()}_TOKEN\" and export that variable.")
    register(value)
    return value
