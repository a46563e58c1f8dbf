"""The checked-in schema file is the schema the code serves."""

from django.core.management import call_command
from django.core.management.base import CommandError

from graphapi.schema import SCHEMA_FILE, printed


def test_it_keeps_the_schema_file_in_step_with_the_code():
    assert SCHEMA_FILE.read_text() == printed(), (
        "graphapi/schema.graphql differs from the code: "
        "run `manage.py graphql_schema` (or `make graphql-schema`)"
    )


def test_it_fails_the_check_when_the_file_differs(tmp_path, monkeypatch):
    stale = tmp_path / "schema.graphql"
    stale.write_text("type Query { old: Int }\n")
    monkeypatch.setattr(
        "graphapi.management.commands.graphql_schema.SCHEMA_FILE", stale
    )

    try:
        call_command("graphql_schema", "--check")
    except CommandError as exc:
        refused = str(exc)
    else:
        refused = ""
    call_command("graphql_schema")

    assert "out of date" in refused
    assert stale.read_text() == printed()
