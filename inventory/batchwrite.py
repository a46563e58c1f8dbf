"""Write the rows of one stock change in one round trip.

Every moment a SKU's row lock is held is a moment no other buyer of that
SKU can move, so on PostgreSQL the rows a change writes after its
conditional UPDATE (the hold and its lines, ledger rows, events, the SKU's
new sequence) go in one statement: data-modifying CTEs, then the events'
INSERT ... RETURNING. Foreign keys between them are checked at the end of
the statement, when every row is there. Elsewhere (the demo's SQLite) the
rows are written one model at a time.
"""

import functools

from django.db import connection
from django.db.models import F

from catalog.models import Sku


def rows_write(
    groups: list[tuple[type, list]],
    *,
    sequences: dict[int, int],
    returning: list | None = None,
) -> None:
    """Insert each (model, rows) group, in order, and add ``sequences``
    ({sku pk: how many}) to those SKUs' sequence.

    The rows of ``returning`` (the last group's) get their primary keys.
    Precondition: the caller holds the SKUs' row locks.
    """
    groups = [(model, rows) for model, rows in groups if rows]
    if connection.vendor != "postgresql":
        _one_by_one(groups, sequences)
        return
    if not groups and not sequences:
        return

    parts, params = [], []
    for number, (model, rows) in enumerate(groups):
        sql, values = _insert_sql(model, rows, returning=rows is returning)
        if rows is returning:
            last = (sql, values)
            continue
        parts.append(f"w{number} AS ({sql})")
        params.extend(values)
    if sequences:
        sql, values = _sequences_sql(sequences)
        parts.append(f"seq AS ({sql})")
        params.extend(values)

    head = f"WITH {', '.join(parts)} " if parts else ""
    if returning:
        statement, values = head + last[0], params + list(last[1])
    else:
        statement, values = head + "SELECT 1", params
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        if returning:
            for row, (pk,) in zip(returning, cursor.fetchall(), strict=True):
                row.pk = pk
    for _, rows in groups:
        for row in rows:
            row._state.adding, row._state.db = False, connection.alias


def _insert_sql(model, rows: list, *, returning: bool) -> tuple[str, list]:
    """Return a multi-row INSERT of ``rows`` and its parameters, each value
    prepared by its field as the ORM's own INSERT would."""
    fields = _insert_fields(model)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
    sql += ", ".join([row] * len(rows))
    if returning:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    values = [
        field.get_db_prep_save(field.pre_save(obj, True), connection=connection)
        for obj in rows
        for field in fields
    ]
    return sql, values


@functools.cache
def _insert_fields(model) -> tuple:
    # An auto-numbered key is the database's to give; any other is ours.
    pk = model._meta.pk
    return tuple(
        field
        for field in model._meta.concrete_fields
        if not (field is pk and pk.auto_created)
    )


def _sequences_sql(sequences: dict[int, int]) -> tuple[str, list]:
    table = connection.ops.quote_name(Sku._meta.db_table)
    column = connection.ops.quote_name(Sku._meta.get_field("sequence").column)
    pk = connection.ops.quote_name(Sku._meta.pk.column)
    cases = " ".join("WHEN %s THEN %s" for _ in sequences)
    keys = ", ".join("%s" for _ in sequences)
    sql = (
        f"UPDATE {table} SET {column} = {column} + CASE {pk} {cases} END "
        f"WHERE {pk} IN ({keys})"
    )
    values = [v for pair in sequences.items() for v in pair] + list(sequences)
    return sql, values


def _one_by_one(groups, sequences: dict[int, int]) -> None:
    for model, rows in groups:
        model.objects.bulk_create(rows)
    for pk, n in sequences.items():
        Sku.objects.filter(pk=pk).update(sequence=F("sequence") + n)
