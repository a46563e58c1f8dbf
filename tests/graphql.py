"""Send GraphQL documents to ``/graphql/`` as a plain client would."""

import json

from django.test import Client


def post(document: str, variables: dict | None = None, **headers) -> tuple[int, dict]:
    """POST a document; return the status and the decoded body."""
    body = {"query": document}
    if variables is not None:
        body["variables"] = variables
    response = Client().post(
        "/graphql/",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )
    return response.status_code, json.loads(response.content)


def codes(body: dict) -> list[str]:
    """Return the ``extensions.code`` of each error in a GraphQL answer."""
    return [error["extensions"]["code"] for error in body.get("errors", [])]
