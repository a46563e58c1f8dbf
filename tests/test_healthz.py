import pytest
from django.test import override_settings

from tests.ports import closed_port

pytestmark = pytest.mark.django_db


def test_it_answers_ok_for_every_backing_service(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "cache": "ok",
        "channel_layer": "ok",
        "broker": "ok",
    }


def test_it_answers_503_naming_the_broker_when_it_is_down(client):
    broker = f"redis://127.0.0.1:{closed_port()}/0"

    with override_settings(CELERY_BROKER_URL=broker):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["broker"].startswith("down")
    assert body["database"] == "ok"


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
)
def test_it_answers_503_naming_the_cache_when_it_is_down(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["cache"].startswith("down")
