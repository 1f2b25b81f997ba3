"""Run the real service (``python app.py serve``) as a subprocess, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Service:
    base: str  # http://127.0.0.1:<port>
    pid: int  # the serving process (the benchmarks read its memory)


@contextmanager
def running_service(
    data_dir: Path, *, demo: bool = True, env: dict | None = None, timeout: float = 60
) -> Iterator[str]:
    """Start ``app.py serve`` on a free port; yield its base URL; stop it cleanly."""
    with served(data_dir, demo=demo, env=env, timeout=timeout) as service:
        yield service.base


@contextmanager
def served(
    data_dir: Path,
    *,
    demo: bool = True,
    env: dict | None = None,
    timeout: float = 60,
    args: tuple[str, ...] = (),
) -> Iterator[Service]:
    """Start ``app.py serve [args]`` on a free port; yield where it listens; stop it cleanly."""
    port = free_port()
    environment = {**os.environ, "SUPLINKS_DATA_DIR": str(data_dir), **(env or {})}
    if env is None or "DATABASE_URL" not in env:
        environment.pop("DATABASE_URL", None)  # the embedded server, as `make run` does
    command = [sys.executable, "app.py", "serve", "--port", str(port), *args] + (
        ["--demo"] if demo else []
    )
    log = open(data_dir / f"serve-{port}.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"service exited: {(data_dir / f'serve-{port}.log').read_text()}"
                )
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("service did not become ready")
            time.sleep(0.2)
        yield Service(base, process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
