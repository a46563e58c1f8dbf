"""Say clearly which server the tests need and cannot reach."""

import os
import sys
from urllib.parse import urlparse

import psycopg
import psycopg.conninfo
import redis
from psycopg import sql


def main() -> int:
    problems = []
    db_url = os.environ["DATABASE_URL"]
    try:
        _database_ready(db_url)
    except psycopg.Error as exc:
        problems.append(f"PostgreSQL at {_where(db_url)} does not answer: {exc}")
    redis_url = os.environ["REDIS_URL"]
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        problems.append(f"Redis at {_where(redis_url)} does not answer: {exc}")

    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(
            "Start them (see README, 'Running the tests') or point DATABASE_URL "
            "and REDIS_URL at servers that run.",
            file=sys.stderr,
        )
    return 1 if problems else 0


def _database_ready(db_url: str) -> None:
    """Connect to the shop's database, creating it on a fresh server: the
    tests make their own database beside it, and `make run` migrates it."""
    try:
        psycopg.connect(db_url, connect_timeout=3).close()
        return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    name = urlparse(db_url).path.lstrip("/")
    server = psycopg.conninfo.make_conninfo(db_url, dbname="postgres")
    with psycopg.connect(server, connect_timeout=3, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"created the database {name!r}", file=sys.stderr)


def _where(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.hostname}:{parsed.port}"


if __name__ == "__main__":
    sys.exit(main())
