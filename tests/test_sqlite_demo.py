"""The demo's SQLite database must not oversell either."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_it_grants_exactly_the_stock_on_sqlite(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL")
    }
    env["OFFICESHOP_VAR_DIR"] = str(tmp_path)
    env["SECRET_KEY"] = "sqlite-race-test"

    done = subprocess.run(
        [sys.executable, "-m", "tests.sqlite_race", "5", "30"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures == {
        "granted": 5,
        "refused": 25,
        "errors": [],
        "on_hand": 5,
        "reserved": 5,
    }
