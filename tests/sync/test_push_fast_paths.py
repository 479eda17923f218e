"""The push path's shortcuts give exactly the answers of the plain code they replace."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import String, cast, insert, select

from storage import records
from sync.protocol import MAX_PAYLOAD_BYTES, ChangeRecord, PushRequest, PushResponse, seal
from sync.server import bulk
from sync.server.models import Change, Organisation, PushLedger
from sync.server.push import _payload_too_large
from tests.sync.conftest import V1, Org

# Text as the server takes it: no lone surrogates and no NUL (refused on the way in), anything else goes,
# control characters, DEL, quotes and backslashes included.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
PAYLOADS = st.dictionaries(TEXT, JSON_VALUES, max_size=6)


def _envelope(payload: dict[str, Any], refers_to: str | None) -> dict[str, Any]:
    return {
        "record_id": str(uuid.uuid4()),
        "record_type": "contact_note",
        "schema_version": 1,
        "person_id": str(uuid.uuid4()),
        "author_id": str(uuid.uuid4()),
        "device_id": str(uuid.uuid4()),
        "authored_at": "2026-11-30T14:32:00.000000Z",
        "refers_to": refers_to,
        "payload": payload,
    }


@settings(max_examples=1000, deadline=None)
@given(payload=PAYLOADS, refers=st.booleans())
def test_the_written_out_canonical_bytes_are_the_json_encoders(payload: dict[str, Any], refers: bool) -> None:
    fields = _envelope(payload, str(uuid.uuid4()) if refers else None)
    record = ChangeRecord.model_validate(seal(fields, 1))
    assert record.canonical_bytes() == records.canonical_bytes(fields)
    assert record.computed_sha256() == records.sha256(fields)


@settings(max_examples=200, deadline=None)
@given(text=TEXT, size=st.integers(min_value=0, max_value=MAX_PAYLOAD_BYTES))
def test_the_payload_limit_is_measured_as_before(text: str, size: int) -> None:
    # Around the limit, with text that the default encoder writes longer than UTF-8 does (escapes) and shorter.
    payload = {"narrative": (text or "x") * (size // max(1, len(text or "x"))), "steps": [1, 2]}
    record = ChangeRecord.model_validate(seal(_envelope(payload, None), 1))
    assert _payload_too_large(record, record.canonical_bytes()) == (len(json.dumps(payload)) > MAX_PAYLOAD_BYTES)


def test_escapes_weigh_more_than_their_utf8() -> None:
    # "\x7f" is one byte of UTF-8 and six characters of json.dumps: the shortcut's bound must cover it.
    payload = {"narrative": "\x7f" * (MAX_PAYLOAD_BYTES // 6 + 1)}
    record = ChangeRecord.model_validate(seal(_envelope(payload, None), 1))
    assert _payload_too_large(record, record.canonical_bytes())


def test_ids_are_checked_as_lowercase_hyphenated_text() -> None:
    fields = _envelope({"narrative": "x"}, None)
    body = {"server_epoch": None, "resync": False, "items": [seal(fields, 1)]}
    assert PushRequest.model_validate_json(json.dumps(body)).items[0].record_id == fields["record_id"]
    for bad in (fields["record_id"].upper(), fields["record_id"].replace("-", ""), fields["record_id"] + "\n"):
        changed = {**body, "items": [{**body["items"][0], "record_id": bad}]}
        try:
            PushRequest.model_validate_json(json.dumps(changed))
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad!r}")


def test_a_push_is_taken_or_refused_alike_whatever_content_type_declares_it(org: Org) -> None:
    """application/json goes through the raw-bytes validation; +json subtypes too; a body without a content
    type or with another one is left to FastAPI's own handling, as before."""
    alice = org.device("alice")

    def post(content_type: str | None, body: bytes) -> tuple[int, dict[str, Any]]:
        headers = {**alice.headers, **({"Content-Type": content_type} if content_type else {})}
        answer = org.client.post(f"{V1}/push", content=body, headers=headers)
        return answer.status_code, answer.json()

    def body_of(*items: dict[str, Any]) -> bytes:
        return json.dumps({"server_epoch": None, "resync": False, "items": list(items)}).encode()

    first = alice.record(org.persons["pa"])
    status, answer = post("application/json; charset=utf-8", body_of(first))
    assert status == 200 and [r["status"] for r in answer["results"]] == ["accepted"]
    PushResponse.model_validate(answer)  # the hand-written answer is the published model, strictly
    status, answer = post("application/vnd.waymark+json", body_of(first, alice.record(org.persons["pa"])))
    assert status == 200 and [r["status"] for r in answer["results"]] == ["duplicate", "accepted"]
    # A body the raw-bytes parser refuses but the stdlib's reads (after a byte-order mark) is FastAPI's to judge,
    # and it takes it, as it always did.
    status, answer = post("application/json", b"\xef\xbb\xbf" + body_of(alice.record(org.persons["pa"])))
    assert status == 200 and [r["status"] for r in answer["results"]] == ["accepted"]
    assert post("text/plain", body_of(alice.record(org.persons["pa"])))[1]["reason"] == "invalid_body"
    assert post(None, body_of(alice.record(org.persons["pa"])))[1]["reason"] == "invalid_body"


def test_bulk_rows_are_stored_exactly_as_sqlalchemys_insert_stores_them(org: Org) -> None:
    """The same change and ledger rows through bulk.insert_rows and through a Core INSERT: byte for byte alike
    in the database (each column read back as text), on SQLite and PostgreSQL."""
    now = datetime(2026, 11, 30, 14, 32, 0, 123456, tzinfo=UTC)
    with org.admin.transaction() as session:
        organisation = session.scalars(select(Organisation.id)).one()
    person = org.persons["pa"]

    def rows(base: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        changes, ledger = [], []
        for i in range(4):
            entity_id = uuid.uuid4()
            changes.append(
                {
                    "organisation_id": organisation,
                    "seq": base + i,
                    "person_id": person if i != 2 else None,
                    "recipient_user_id": org.users["alice"] if i == 2 else None,
                    "entity": "record" if i != 2 else "notice",
                    "entity_id": entity_id,
                    "data": {} if i != 2 else {"kind": "after_reassignment", "text": 'é \x7f "q" \\ ☃'},
                    "at": now,
                }
            )
            ledger.append(
                {
                    "device_id": org.users["alice"],
                    "seq": base + i,
                    "record_id": entity_id,
                    "result": {"seq": i, "status": "accepted", "flags": [], "reason": None},
                    "at": now,
                }
            )
        return changes, ledger

    core_changes, core_ledger = rows(1_000)
    bulk_changes, bulk_ledger = rows(2_000)
    with org.admin.transaction() as session:
        session.execute(insert(Change.__table__), core_changes)
        session.execute(insert(PushLedger.__table__), core_ledger)
        bulk.insert_rows(session, Change.__table__, bulk_changes)
        bulk.insert_rows(session, PushLedger.__table__, bulk_ledger)

    def stored(table: Any, key: str, seqs: list[int]) -> list[list[str | None]]:
        columns = [column for column in table.columns if column.key not in (key, "entity_id", "record_id")]
        with org.admin.transaction() as session:
            found = session.execute(
                select(*[cast(column, String) for column in columns])
                .where(table.c[key].in_(seqs))
                .order_by(table.c[key])
            ).all()
        return [list(row) for row in found]

    assert stored(Change.__table__, "seq", [1_000 + i for i in range(4)]) == stored(
        Change.__table__, "seq", [2_000 + i for i in range(4)]
    )
    assert stored(PushLedger.__table__, "seq", [1_000 + i for i in range(4)]) == stored(
        PushLedger.__table__, "seq", [2_000 + i for i in range(4)]
    )
    with org.admin.transaction() as session:
        back = session.execute(select(Change.entity_id, Change.data, Change.at).where(Change.seq >= 2_000)).all()
    assert {(row.entity_id, row.at) for row in back} == {(row["entity_id"], now) for row in bulk_changes}
