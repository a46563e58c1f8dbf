"""Real ASGI servers for tests, sharing the test's database, Redis keys
and channel layer, so what a test commits reaches their sockets."""

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.ports import closed_port

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """Return the URL of the database this test is using."""
    db = connection.settings_dict
    auth = db["USER"] or "postgres"
    if db["PASSWORD"]:
        auth += f":{db['PASSWORD']}"
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def server_env(**extra: str) -> dict:
    """Return the environment a server process needs to share this test's
    database, cache keys and channel layer groups."""
    env = {**os.environ, "DATABASE_URL": database_url(), "LOG_LEVEL": "WARNING"}
    env["SECRET_KEY"] = settings.SECRET_KEY
    env["CACHE_KEY_PREFIX"] = settings.CACHES["default"].get("KEY_PREFIX", "")
    layer = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
    if "prefix" in layer:
        env["CHANNEL_LAYER_PREFIX"] = layer["prefix"]
    env.update({"RELAY_INTERVAL_SECONDS": "0.2", "LIVE_CHECK_SECONDS": "2"})
    env.update(extra)
    return env


@contextlib.contextmanager
def asgi_server(**extra: str):
    """Run uvicorn on a free local port; yield its base URL."""
    port = closed_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "uvicorn"),
            "officeshop.asgi:application",
            "--host=127.0.0.1",
            f"--port={port}",
            "--log-level=warning",
            "--ws-max-size=65536",
        ],
        cwd=ROOT,
        env=server_env(**extra),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/healthz", process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


@contextlib.contextmanager
def celery_worker(tmp_path: Path, **extra: str):
    """Run a real Celery worker with beat on a queue of its own, sharing
    this test's database; yield the process."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    env = server_env(CELERY_QUEUE=queue, OFFICESHOP_VAR_DIR=str(tmp_path), **extra)
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "--app=officeshop",
            "worker",
            "--beat",
            f"--queues={queue}",
            "--concurrency=2",
            "--loglevel=WARNING",
            f"--schedule={tmp_path / 'beat-schedule'}",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
