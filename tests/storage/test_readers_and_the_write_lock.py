"""Reads never wait for a writer, and a write that meets another writer's lock is refused whole as StoreBusy
(nothing written), so the UI's write queue can simply run it again (tests/ui/test_saves_wait_for_the_lock.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from app.errors import StoreBusy
from storage import models


@pytest.fixture
def other_writer(workspace):
    """Another connection to the same store, holding the write lock for the whole test."""

    @event.listens_for(workspace.store.engine, "connect")
    def _busy(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout = 50")  # give up in 0.05 s, not 5 s

    workspace.store.engine.dispose()
    pooled = workspace.store.engine.raw_connection()
    pooled.driver_connection.execute("BEGIN IMMEDIATE")
    yield
    pooled.driver_connection.execute("ROLLBACK")
    pooled.close()


def test_a_read_goes_on_while_another_writer_holds_the_lock(workspace, other_writer) -> None:
    with workspace.uow.read() as session:
        assert session.scalar(select(func.count()).select_from(models.Person))
    assert workspace.outbox_pending() > 0


def test_a_write_that_meets_the_lock_is_refused_whole_as_store_busy(workspace, other_writer) -> None:
    before = workspace.outbox_pending()
    with pytest.raises(StoreBusy), workspace.uow.write() as session:
        session.merge(models.Meta(key="test.never", value="written"))
    with workspace.uow.read() as session:
        assert session.get(models.Meta, "test.never") is None
    assert workspace.outbox_pending() == before
