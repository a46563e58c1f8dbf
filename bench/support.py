"""A scratch database and a real HTTP server for the benchmarks."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def bench_database_url() -> str:
    """Return the URL of a fresh database beside DATABASE_URL's."""
    base = urlparse(os.environ["DATABASE_URL"])
    name = f"{base.path.lstrip('/') or 'officeshop'}_bench"
    admin = urlunparse(base._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(base._replace(path=f"/{name}"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Server:
    """A running gunicorn: its port, and its master's process id."""

    port: int
    pid: int


@contextlib.contextmanager
def gunicorn(database_url: str, *args: str, **env_overrides: str):
    """Run gunicorn with ``args`` on a free local port; yield its Server."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    env.setdefault("SECRET_KEY", "officeshop-bench-key")
    env.update(env_overrides)
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            *args,
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        yield Server(port=port, pid=process.pid)
    finally:
        # Gunicorn waits up to its graceful timeout (30 s) for open sockets.
        process.terminate()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def http_server(database_url: str, *, workers: int = 4, **env_overrides: str):
    """Serve the shop's HTTP API with gunicorn's sync workers."""
    return gunicorn(
        database_url,
        "officeshop.wsgi:application",
        f"--workers={workers}",
        **env_overrides,
    )


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")
