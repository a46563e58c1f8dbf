"""Refusals found by attacking the shop: each answers cleanly, none 500s."""

import os
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from inventory import services
from inventory.errors import InvalidRequest
from tests.orderfiles import sale, write_orders
from tests.servers import asgi_server

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_it_serves_a_product_whose_code_holds_a_slash(client, make_sku):
    make_sku("TST/SL/1", EAST=2)

    assert client.get("/?q=TST").status_code == 200
    assert client.get("/products/TST/SL/1/").status_code == 200


@pytest.mark.django_db
def test_it_refuses_a_nul_in_a_page_path_with_400(client):
    assert client.get("/products/%00/").status_code == 400
    assert client.get("/?q=%00").status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post", "delete"])
@pytest.mark.parametrize("path", ["/api/v1", "/api/v1/reservations/", "/api/nope"])
def test_it_answers_unknown_api_paths_in_json(method, path):
    from django.test import Client

    response = getattr(Client(enforce_csrf_checks=True), method)(path)

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.django_db
def test_it_refuses_a_figure_past_a_billion(make_sku):
    sku = make_sku("BIG-1", EAST=999_999_999)

    with pytest.raises(InvalidRequest):
        services.stock_adjust(
            sku_code=sku.code, warehouse_code="EAST", delta=2, reason="found", actor="t"
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("Product Name", "Chair\x00", "control character"),
        ("Quantity", "99999999999999", "more than 10,000"),
        ("Sales", "1e30", "more than"),
        ("Discount", "0.9999999999", "not a fraction"),
    ],
)
def test_it_names_the_line_of_an_absurd_value(tmp_path, column, value, problem):
    bad = sale("O-2", "1/3/2024", "East", "OFF-PA-1", "Paper", "10", "2")
    bad[column] = value
    path = write_orders(tmp_path / "orders.csv", [good_line(), bad])

    with pytest.raises(CommandError) as error:
        call_command("import_catalog", str(path))

    assert f"line 3, column '{column}'" in str(error.value)
    assert problem in str(error.value)


@pytest.mark.django_db
def test_it_names_the_line_of_a_latin1_file_with_old_mac_line_ends(tmp_path):
    path = write_orders(tmp_path / "orders.csv", [good_line(City="Mön")])
    text = path.read_text(encoding="utf-8").replace("\n", "\r")
    path.write_bytes(text.encode("latin-1"))

    with pytest.raises(CommandError) as error:
        call_command("import_catalog", str(path))

    assert "line 2" in str(error.value)
    assert "not UTF-8" in str(error.value)


def good_line(**more: str) -> dict:
    return sale("O-1", "1/2/2024", "East", "OFF-PA-1", "Paper", "10", "2", **more)


def test_it_will_not_start_without_a_secret_key_when_debug_is_off():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}

    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "officeshop.settings"},
        capture_output=True,
        text=True,
    )

    assert done.returncode != 0
    assert "set SECRET_KEY" in done.stderr


@pytest.mark.postgres
def test_it_gives_database_connections_back_under_asgi(make_sku):
    make_sku("POOL-1", EAST=5)

    with asgi_server(DATABASE_POOL_SIZE="4", PGAPPNAME="pool-check") as url:

        def read_many():
            for _ in range(15):
                with urllib.request.urlopen(f"{url}/api/v1/skus/POOL-1/availability"):
                    pass

        threads = [threading.Thread(target=read_many) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        server_connections = _connections_named("pool-check")

    assert 1 <= server_connections <= 4


def _connections_named(application: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [application],
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.parametrize("length", ["1000000000000", "12x"])
def test_it_refuses_a_huge_announced_body_before_reading_it(length):
    import socket

    with asgi_server() as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=20) as conn:
            conn.sendall(
                b"POST /webhooks/vendors/acme/inventory HTTP/1.1\r\n"
                b"Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: " + length.encode() + b"\r\n\r\n0123456789"
            )
            # Without the check the server waits for the rest of the body
            # and these reads run into the socket's timeout.
            answer = b""
            while chunk := conn.recv(4096):
                answer += chunk

    assert answer.startswith(b"HTTP/1.1 413") or answer.startswith(b"HTTP/1.1 400")
    if length.isdigit():
        assert b'"error": "too_large"' in answer
