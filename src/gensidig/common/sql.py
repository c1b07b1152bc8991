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

    output_field = BooleanField()

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        column, subquery = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        # An empty subquery (an empty page, a slice [n:n]) raises EmptyResultSet here, and
        # the condition then matches nothing (Func would have put NULL in its place).
        subquery_sql, subquery_params = compiler.compile(subquery)
        if connection.vendor == "postgresql":
            sql = f"{column_sql} = ANY(ARRAY{subquery_sql})"
        else:
            sql = f"{column_sql} IN {subquery_sql}"
        return sql, (*column_params, *subquery_params)
