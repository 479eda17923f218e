"""Rows as JSON-ready dicts, for the outbox payload and for ``waymark dump``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect

from storage.models import Base
from storage.types import UtcDateTime


def json_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return UtcDateTime().process_bind_param(value, None)  # type: ignore[arg-type]
    if isinstance(value, date):
        return value.isoformat()
    return value


def row_to_dict(row: Base) -> dict[str, Any]:
    mapper = inspect(type(row))
    return {attr.key: json_value(getattr(row, attr.key)) for attr in mapper.column_attrs}


def record_types() -> list[type[Base]]:
    """Every mapped table, in dependency order (parents before children)."""
    by_table = {mapper.local_table: mapper.class_ for mapper in Base.registry.mappers}
    return [by_table[table] for table in Base.metadata.sorted_tables if table in by_table]
