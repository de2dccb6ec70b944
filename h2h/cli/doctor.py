"""`h2h doctor`: is this install ready? The config, the files and their permissions, each
source's token (whether it is there, never what it is), the database's integrity and, unless
--offline, whether each source answers; every line says what to do."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from h2h.cli import render, runtime

OK, WARN, FAIL = "ok", "warn", "fail"


def _check(name: str, status: str, message: str, hint: str = "") -> dict[str, str]:
    return {"check": name, "status": status, "message": message, "hint": hint}


def _mode(path: Path, private: int) -> str | None:
    """Why `path` is too open (others may read or write it), or None."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    loose = mode & ~private & 0o077
    return f"mode {mode:04o}: others can {'write' if loose & 0o022 else 'read'} it" if loose else None


def config_checks(rt: runtime.Runtime) -> tuple[list[dict[str, str]], Any]:
    from h2h import paths
    from h2h.errors import ConfigError

    path, named = paths.config_path(rt.config_path)
    try:
        config = rt.config()
    except ConfigError as exc:
        return [_check("config", FAIL, exc.message, exc.hint)], None
    out = []
    if config.path is None:
        out.append(_check("config", WARN, f"no config at {path}: h2h runs with defaults and no sources",
                          "`h2h init` writes one to start from."))
    else:
        n = len(config.sources)
        out.append(_check("config", OK, f"{config.path}: valid, {n} source{'s' if n != 1 else ''}"
                          + ("" if config.me.name else "; [me] name is not set"),
                          "" if config.me.name else "Set [me] name so drafts are signed by you."))
        loose = _mode(config.path, 0o600)
        if loose:
            out.append(_check("config permissions", WARN, f"{config.path}: {loose}", f"chmod 600 {config.path}"))
    for warning in config.warnings:
        out.append(_check("config", WARN, warning, "See the warning; config.example.toml documents every key."))
    return out, config


def path_checks(rt: runtime.Runtime) -> list[dict[str, str]]:
    from h2h import paths
    from h2h.store.db import inspect
    from h2h.store.migrations import MIGRATIONS

    out = []
    home = paths.home()
    if not home.exists():
        out.append(_check("home", WARN, f"H2H_HOME {home} does not exist yet",
                          "`h2h init` creates it with a config; `h2h fetch` or `h2h import` fill it."))
    else:
        loose = _mode(home, 0o700)
        out.append(_check("home", WARN if loose else OK, f"{home}" + (f": {loose}" if loose else ""),
                          f"chmod 700 {home}" if loose else ""))
    db = Path(rt.database_path())
    if str(db) == ":memory:":
        return out
    if not db.exists():
        out.append(_check("database", WARN, f"no database at {db} yet",
                          "`h2h fetch` (or `h2h import FILE`) creates it; check H2H_HOME or --db if it should exist."))
    else:
        found = inspect(db)
        known = [name for name, _ in MIGRATIONS]
        newer = sorted(set(found["migrations"]) - set(known))  # type: ignore[arg-type]
        missing = [name for name in known if name not in found["migrations"]]  # type: ignore[operator]
        if not found["ok"]:
            out.append(_check("database", FAIL, f"{db} is damaged: {found['problem']}",
                              "Move it aside and restore a backup (h2h keeps *.bak-* copies next to it before "
                              "each migration), or fetch again into a new one."))
        elif newer:
            out.append(_check("database", FAIL, f"{db} was written by a newer h2h ({', '.join(newer)})",
                              "Upgrade h2h: run the install command of the README again."))
        else:
            size = db.stat().st_size
            note = f"; {len(missing)} migration{'s' if len(missing) != 1 else ''} to apply at the next command" \
                if missing else ""
            out.append(_check("database", OK, f"{db}: intact, {size / 1e6:.1f} MB{note}",
                              "h2h backs it up before migrating it." if missing else ""))
        loose = _mode(db, 0o600)
        if loose:
            out.append(_check("database permissions", WARN, f"{db}: {loose}", f"chmod 600 {db}"))
    logs = paths.log_dir()
    loose = _mode(logs, 0o700) if logs.exists() else None
    if loose:
        out.append(_check("logs", WARN, f"{logs}: {loose}", f"chmod 700 {logs}"))
    return out


def token_checks(config: Any) -> list[dict[str, str]]:
    """Each secret a source names, there or not: never its value."""
    import shlex
    import shutil

    out = []
    for name, source in sorted(config.sources.items()):
        table = source.table
        needs = [(k, v) for k, v in table.items() if k.endswith(("_env", "_cmd")) and isinstance(v, str)]
        if not needs and any(k in table for k in ("token", "password", "client_secret")):
            out.append(_check(f"source {name}", WARN, "its secret is written in the config file itself",
                              "Move it to an environment variable (token_env) or a password manager (token_cmd)."))
        for key, value in needs:
            if key.endswith("_env"):
                present = bool(os.environ.get(value, "").strip())
                out.append(_check(f"source {name}", OK if present else FAIL,
                                  f"{key}: ${value} is {'set' if present else 'not set'}",
                                  "" if present else f"export {value}=... (in the environment cron or systemd "
                                                     "gives h2h too: see the README's Cron and systemd)"))
            else:
                try:
                    program = shlex.split(value)[0]
                except (ValueError, IndexError):
                    program = ""
                found = bool(program) and shutil.which(program) is not None
                out.append(_check(f"source {name}", OK if found else FAIL,
                                  f"{key}: {program or value!r} {'found' if found else 'not found on PATH'} "
                                  "(not run)", "" if found else f"Install {program or 'the command'} or fix {key}."))
    return out


def reach_checks(config: Any, skip: set[str]) -> list[dict[str, str]]:
    """`h2h sources check` for each source whose secrets are there (`skip`: those already failed)."""
    from h2h.fetch import runner
    from h2h.redact import redact
    from h2h.store import Store

    names = [name for name in config.sources if name not in skip]
    if not names:
        return []
    with Store.open(":memory:") as scratch:  # nothing of this check is kept
        report = runner.check(scratch, runner.select(config, names))
    out = []
    for r in report.sources:
        if r.ok:
            out.append(_check(f"source {r.name}", OK, f"checked in {r.seconds:.1f}s; h2h acts as {r.account or '?'}"))
        else:
            err = r.error
            out.append(_check(f"source {r.name}", FAIL, redact(err.message if err else "failed"),
                              redact(err.hint if err else "")))
    return out


def register(app: typer.Typer) -> None:
    @app.command("doctor")
    def doctor_cmd(
        offline: Annotated[bool, typer.Option("--offline", help="Skip asking each source whether it answers.")] = False,
        json_out: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
    ) -> None:
        """Check the install: config, paths and permissions, each source's token (present or not,
        never its value), the database's integrity, and whether each source answers (unless
        --offline). Exit 1 when something must be fixed."""
        from h2h.redact import redact
        from h2h.textutil import inert

        rt = runtime.current
        rt.json = rt.json or json_out
        checks, config = config_checks(rt)
        checks += path_checks(rt)
        if config is not None:
            checks += token_checks(config)
            if not offline:
                failing = {c["check"].removeprefix("source ") for c in checks if c["status"] == FAIL}
                checks += reach_checks(config, failing)
        failed = any(c["status"] == FAIL for c in checks)
        if rt.json:
            render.write_json({"ok": not failed, "checks": checks})
        else:
            out = sys.stdout
            for c in checks:
                out.write(f"{c['status'].upper():<5} {inert(c['check'])}: {inert(redact(c['message']))}\n")
                if c["hint"] and c["status"] != OK:
                    out.write(f"      → {inert(redact(c['hint']))}\n")
            out.write("Everything looks right.\n" if not failed and all(c["status"] == OK for c in checks) else
                      ("Fix the lines marked FAIL.\n" if failed else "Working; the warnings say what could be better.\n"))
        if failed:
            raise typer.Exit(1)
