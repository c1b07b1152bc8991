"""Small SQL helpers for queries the planner would otherwise get wrong."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Func


class InArray(Func):
    """`column = ANY(ARRAY(subquery))` on PostgreSQL, `column IN (subquery)` elsewhere.

    PostgreSQL turns `IN (subquery)` into a semi-join that takes part in join planning; in a
    query with many joins (select_related) it was planned last, after hashing every row of the
    joined tables (25 ms for one person's pairs among 4,500). As an array the subquery runs
    once, first, and the column is looked up by its index."""

    arg_joiner = " = ANY(ARRAY"
    template = "%(expressions)s)"
    output_field = BooleanField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, arg_joiner=" IN ", template="%(expressions)s")
