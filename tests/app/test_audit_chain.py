"""The audit trail says who did what to which record, on which device and when, and any change to it is
found. Written against the public API (``append``, ``verify_chain``) so it holds for any correct chain, plain
or keyed: the tampering is what someone holding the database file could do with SQL once the append-only
triggers are out of the way. Each test works in one transaction that is rolled back, over a real store."""

import itertools
import shutil
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from app import audit
from app.clock import FixedClock
from app.workspace import Workspace
from storage.models import AuditEvent, Meta
from storage.store import AUDIT_KEY
from tests.conftest import NOW, PASSPHRASE, TEST_KDF

WORKER = audit.Actor(uuid.UUID(int=0xA1), uuid.UUID(int=0xD1))
OTHER = audit.Actor(uuid.UUID(int=0xA2), uuid.UUID(int=0xD2))
NOTE = uuid.UUID(int=0x4E07E)


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    data_dir = tmp_path_factory.mktemp("audit") / "store"
    Workspace.create(data_dir, PASSPHRASE, kdf=TEST_KDF, clock=FixedClock(NOW)).close()
    yield data_dir


@pytest.fixture(scope="module")
def workspace(store_dir: Path) -> Iterator[Workspace]:
    ws = Workspace.open(store_dir, PASSPHRASE, clock=FixedClock(NOW))
    yield ws
    ws.close()


@pytest.fixture
def session(workspace: Workspace) -> Iterator[Session]:
    """A session whose work is never committed: every test leaves the store as it found it."""
    with workspace.store.sessions() as s:
        try:
            yield s
        finally:
            s.rollback()


def chain_of_five(session: Session) -> list[AuditEvent]:
    events = [
        audit.append(session, WORKER, audit.AuditAction.VIEW, NOW, "person", uuid.UUID(int=1)),
        audit.append(session, WORKER, audit.AuditAction.CREATE, NOW + timedelta(seconds=1), "contact_note", NOTE),
        audit.append(session, WORKER, audit.AuditAction.SIGN, NOW + timedelta(seconds=2), "contact_note", NOTE),
        audit.append(session, OTHER, audit.AuditAction.EXPORT, NOW + timedelta(seconds=3)),
        audit.append(session, WORKER, audit.AuditAction.VIEW, NOW + timedelta(seconds=4), "safety_plan", "plan-7"),
    ]
    assert audit.verify_chain(session) is None
    return events


def tamper(session: Session, statement) -> None:
    """What SQL on the raw file can do: remove the triggers that refuse it, then change the rows."""
    connection = session.connection()
    triggers = connection.execute(
        text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")
    ).scalars()
    for name in list(triggers):
        connection.execute(text(f'DROP TRIGGER "{name}"'))
    session.execute(statement)
    session.expire_all()


def test_each_event_records_who_on_which_device_did_what_to_which_record_and_when(session: Session) -> None:
    event = audit.append(session, WORKER, audit.AuditAction.SIGN, NOW, "contact_note", NOTE)
    stored = session.scalars(select(AuditEvent).where(AuditEvent.seq == event.seq)).one()
    assert (stored.actor_id, stored.device_id) == (WORKER.staff_id, WORKER.device_id)
    assert (stored.action, stored.record_type, stored.record_id) == ("sign", "contact_note", str(NOTE))
    assert stored.at == NOW
    assert isinstance(stored.id, uuid.UUID) and stored.id.version == 7
    string_id = audit.append(session, OTHER, audit.AuditAction.VIEW, NOW, "safety_plan", "plan-7")
    assert (string_id.actor_id, string_id.device_id, string_id.record_id) == (OTHER.staff_id, OTHER.device_id, "plan-7")
    nothing = audit.append(session, audit.Actor(None, None), audit.AuditAction.LOGIN, NOW)
    assert (nothing.actor_id, nothing.device_id, nothing.record_type, nothing.record_id) == (None, None, None, None)


def test_events_are_linked_in_order_each_to_the_one_before(session: Session) -> None:
    events = chain_of_five(session)
    for before, after in itertools.pairwise(events):
        assert after.seq > before.seq
        assert after.prev_hash == before.hash
    assert len({e.hash for e in events}) == len(events)
    assert all(len(e.hash) == 64 for e in events)


def test_an_empty_or_intact_trail_verifies(session: Session) -> None:
    assert audit.verify_chain(session) is None
    chain_of_five(session)
    assert audit.verify_chain(session) is None


@pytest.mark.parametrize(
    "field,value",
    [
        ("id", uuid.UUID(int=0xBAD)),
        ("at", NOW + timedelta(seconds=30)),
        ("actor_id", OTHER.staff_id),
        ("actor_id", None),
        ("device_id", OTHER.device_id),
        ("device_id", None),
        ("action", "view"),
        ("record_type", "safety_plan"),
        ("record_type", None),
        ("record_id", str(uuid.UUID(int=2))),
        ("record_id", None),
    ],
)
def test_changing_any_field_of_an_event_is_found_at_that_event(session: Session, field: str, value) -> None:
    events = chain_of_five(session)
    target = events[2]  # the signing of the note
    tamper(session, update(AuditEvent).where(AuditEvent.seq == target.seq).values({field: value}))
    assert audit.verify_chain(session) == target.seq


def test_changing_the_first_event_is_found_at_it(session: Session) -> None:
    first = audit.append(session, WORKER, audit.AuditAction.LOGIN, NOW)
    first_seq = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq).limit(1))
    tamper(session, update(AuditEvent).where(AuditEvent.seq == first_seq).values(action="export"))
    assert audit.verify_chain(session) == first_seq
    assert first.seq >= first_seq


def test_a_rewritten_link_is_found_even_when_the_events_own_hash_still_fits(session: Session) -> None:
    events = chain_of_five(session)
    tamper(session, update(AuditEvent).where(AuditEvent.seq == events[3].seq).values(prev_hash="f" * 64))
    assert audit.verify_chain(session) == events[3].seq


def test_a_deleted_event_is_found_at_the_one_after_it(session: Session) -> None:
    events = chain_of_five(session)
    tamper(session, delete(AuditEvent).where(AuditEvent.seq == events[2].seq))
    assert audit.verify_chain(session) == events[3].seq


def test_a_deleted_event_is_found_even_when_the_next_link_is_rewritten_to_hide_it(session: Session) -> None:
    events = chain_of_five(session)
    tamper(session, delete(AuditEvent).where(AuditEvent.seq == events[2].seq))
    tamper(session, update(AuditEvent).where(AuditEvent.seq == events[3].seq).values(prev_hash=events[1].hash))
    assert audit.verify_chain(session) == events[3].seq


def test_deleting_the_first_events_of_the_trail_is_found(session: Session) -> None:
    events = chain_of_five(session)
    tamper(session, delete(AuditEvent).where(AuditEvent.seq < events[1].seq))
    assert audit.verify_chain(session) == events[1].seq


def test_a_replaced_hash_is_found_at_that_event(session: Session) -> None:
    events = chain_of_five(session)
    tamper(session, update(AuditEvent).where(AuditEvent.seq == events[1].seq).values(hash="0" * 64))
    assert audit.verify_chain(session) == events[1].seq


def test_appending_after_tampering_does_not_launder_the_chain(session: Session) -> None:
    events = chain_of_five(session)
    tamper(session, update(AuditEvent).where(AuditEvent.seq == events[1].seq).values(record_id="other"))
    audit.append(session, WORKER, audit.AuditAction.VIEW, NOW + timedelta(seconds=9), "person", uuid.UUID(int=1))
    assert audit.verify_chain(session) == events[1].seq


def test_a_trail_begun_before_the_store_had_its_audit_key_verifies_plain_then_keyed(session: Session) -> None:
    """A store from before the keyed chain kept its events: those before `audit_keyed_from` were chained with plain
    SHA-256 and are verified so; from that event on the chain is keyed. Both halves must verify, and a store read
    without the key (none yet) verifies its plain chain."""
    tamper(session, delete(AuditEvent))  # the trail as such a store had it: begun with no key
    key = session.info[AUDIT_KEY]
    session.info[AUDIT_KEY] = None
    try:
        plain = [audit.append(session, WORKER, audit.AuditAction.VIEW, NOW + timedelta(seconds=n), "person",
                              uuid.UUID(int=n)) for n in range(3)]  # fmt: skip
        assert audit.verify_chain(session) is None, "no key: the plain chain verifies"
    finally:
        session.info[AUDIT_KEY] = key
    session.merge(Meta(key="audit_keyed_from", value=str(plain[-1].seq + 1)))
    keyed = [audit.append(session, OTHER, audit.AuditAction.SIGN, NOW + timedelta(minutes=n), "contact_note", NOTE)
             for n in range(2)]  # fmt: skip
    assert keyed[0].prev_hash == plain[-1].hash
    assert audit.verify_chain(session) is None
    # The keyed half is keyed: the same event hashed without the key would not be its hash.
    session.info[AUDIT_KEY] = None
    try:
        assert audit.verify_chain(session) == keyed[0].seq
    finally:
        session.info[AUDIT_KEY] = key


# Real stores written by earlier releases (tests/fixtures/store-v*/README.md): store-v2's trail is plain SHA-256
# up to its audit key and keyed from there; store-v3 and store-v7 were keyed from their first event.
FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.mark.parametrize("fixture", ["store-v2", "store-v3", "store-v7"])
def test_a_trail_written_by_an_earlier_release_still_verifies_after_the_upgrade(tmp_path: Path, fixture: str) -> None:
    """The hash covers each event as earlier releases wrote it: after an upgrade the worker is not told the audit
    trail was altered (which would also make the store read-only), and new events go on verifying after the old."""
    data_dir = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, data_dir)
    ws = Workspace.open(data_dir, PASSPHRASE, clock=FixedClock(NOW))  # opening upgrades, and audits the login
    try:
        with ws.store.sessions() as session:
            assert session.scalar(select(func.count()).select_from(AuditEvent)) > 2
        assert ws.check_thoroughly() is None
        with ws.store.sessions.begin() as session:
            audit.append(session, WORKER, audit.AuditAction.VIEW, NOW, "person", uuid.UUID(int=1))
        with ws.store.sessions() as session:
            assert audit.verify_chain(session) is None
    finally:
        ws.close()
