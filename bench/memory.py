"""Resident memory of a gunicorn master's workers, read from /proc.

Linux only. VmRSS counts pages shared with other processes too; the
workers load the app each for itself (no --preload), so little is.
"""

import time
from pathlib import Path

PROC = Path("/proc")
# Start-up is over when the workers' total moves less than this in a
# second: their imports are done and they wait for requests.
SETTLED = 0.01


def workers_rss_settled(
    master: int, workers: int, *, timeout: float = 30.0
) -> dict[int, int]:
    """Return each worker's resident set in kB once all ``workers`` are
    up and have stopped growing, or as it is at ``timeout``."""
    deadline = time.monotonic() + timeout
    last = 0
    while True:
        found = workers_rss_kb(master)
        total = sum(found.values()) if len(found) == workers else 0
        if total and abs(total - last) <= SETTLED * total:
            return found
        if time.monotonic() > deadline:
            return found
        last = total
        time.sleep(1)


def workers_rss_kb(master: int) -> dict[int, int]:
    """Return each worker's resident set in kB, by process id."""
    return {pid: _rss_kb(pid) for pid in _children(master)}


def _children(pid: int) -> list[int]:
    """Return the children of ``pid``, whichever of its threads forked them."""
    found = []
    for task in (PROC / str(pid) / "task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return sorted(found)


def _rss_kb(pid: int) -> int:
    for line in (PROC / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise LookupError(f"no VmRSS for process {pid}")
