"""The envelope's ``device_id`` is provenance: a token may push only records written on its own device."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from sync.protocol import seal
from sync.server.models import AuditEvent, Quarantine, Record
from tests.sync.conftest import Org


def _as_other_device(record: dict[str, object], device_id: uuid.UUID) -> dict[str, object]:
    fields = {k: v for k, v in record.items() if k not in ("seq", "sha256")}
    return seal({**fields, "device_id": str(device_id)}, int(record["seq"]))  # type: ignore[call-overload]


def test_a_record_in_another_devices_name_is_quarantined_and_the_batch_goes_on(org: Org) -> None:
    alice, alices_other_laptop = org.device("alice"), org.device("alice")
    forged = _as_other_device(alice.record(org.persons["pa"]), alices_other_laptop.device_id)
    invented = _as_other_device(alice.record(org.persons["pa"]), uuid.uuid4())
    honest = alice.record(org.persons["pa"])
    answer = alice.push(forged, invented, honest)
    outcome = [(r["status"], r["reason"]) for r in answer["results"]]
    assert outcome == [("rejected", "wrong_device"), ("rejected", "wrong_device"), ("accepted", None)]
    with org.admin.transaction() as session:
        assert session.get(Record, uuid.UUID(forged["record_id"])) is None  # type: ignore[arg-type]
        kept = session.scalars(select(Quarantine).where(Quarantine.reason == "wrong_device")).all()
        assert {q.record_id for q in kept} == {uuid.UUID(forged["record_id"]), uuid.UUID(invented["record_id"])}  # type: ignore[arg-type]
        refusals = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "security.write_refused", AuditEvent.outcome == "wrong_device"
            )
        ).all()
        assert len(refusals) == 2 and all(e.device_id == alice.device_id for e in refusals)
