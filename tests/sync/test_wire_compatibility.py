"""The server's wire models accept what the client's serialisers (storage.records) produce, hash and all."""

from __future__ import annotations

from sqlalchemy import select

from storage import records
from sync.protocol import ChangeRecord
from sync.server import demo
from sync.server.admin import Admin
from sync.server.models import Record
from tests.conftest import NOW


def test_every_demo_record_is_a_valid_envelope_with_the_clients_hash(db_url: str) -> None:
    with Admin(db_url) as admin:
        demo.load(admin, persons=3, seed=5, now=NOW)
        with admin.transaction() as session:
            stored = session.scalars(select(Record)).all()
            types = {r.record_type for r in stored}
            for row in stored:
                body = {
                    "record_id": str(row.record_id),
                    "record_type": row.record_type,
                    "schema_version": row.schema_version,
                    "person_id": str(row.person_id),
                    "author_id": str(row.author_id),
                    "device_id": str(row.device_id),
                    "authored_at": row.authored_at,
                    "refers_to": str(row.refers_to) if row.refers_to else None,
                    "payload": row.payload,
                }
                envelope = ChangeRecord.model_validate({**body, "seq": 1, "sha256": row.sha256})
                assert envelope.computed_sha256() == row.sha256 == records.sha256(body)
    assert {"contact_note", "safety_plan_revision", "safety_review", "planned_contact"} <= types
