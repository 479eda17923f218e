"""Bad answers and failures as the device meets them: each a plain message, nothing lost, retried later."""

from __future__ import annotations

import json
import random

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.workspace import Workspace
from storage import models
from sync.client import MAX_ANSWER_BYTES, SyncClient, SyncFailure
from sync.engine import LAST_FAILURE, Backoff, SyncEngine, SyncState, enrol

NOT_LOST = "Nothing recorded on this laptop was lost"


def _client(handler: httpx.MockTransport) -> SyncClient:
    return SyncClient("http://sync.invalid", "token", transport=handler)


def _failure(handler: httpx.MockTransport) -> SyncFailure:
    with pytest.raises(SyncFailure) as caught:
        _client(handler).pull(None)
    return caught.value


def test_a_server_fault_is_retried_and_says_nothing_was_lost() -> None:
    failure = _failure(httpx.MockTransport(lambda r: httpx.Response(503, text="<html>down</html>")))
    assert failure.retry and failure.reason == "server_error" and NOT_LOST in str(failure)


def test_garbage_and_oversized_answers_are_refused_in_plain_words() -> None:
    garbage = _failure(httpx.MockTransport(lambda r: httpx.Response(200, content=b"\x00not json")))
    assert garbage.reason == "garbled_answer" and garbage.retry and NOT_LOST in str(garbage)
    huge = _failure(httpx.MockTransport(lambda r: httpx.Response(200, content=b" " * (MAX_ANSWER_BYTES + 1))))
    assert huge.reason == "answer_too_large" and huge.retry


def test_unreachable_and_timeouts_are_retried() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    assert _failure(httpx.MockTransport(refuse)).reason == "unreachable"
    assert _failure(httpx.MockTransport(stall)).reason == "timeout"


def test_a_revoked_device_is_told_so_and_not_retried() -> None:
    body = {"reason": "device_revoked", "message": "This device has been revoked."}
    failure = _failure(httpx.MockTransport(lambda r: httpx.Response(403, json=body)))
    assert not failure.retry and "switched off" in str(failure) and NOT_LOST in str(failure)


def test_backoff_grows_with_jitter_is_capped_and_rearms() -> None:
    backoff = Backoff(base=5, cap=60, rng=random.Random(1))
    delays = [backoff.failed() for _ in range(10)]
    assert all(2.5 <= d <= 60 for d in delays)
    assert max(delays[6:]) > max(delays[:2])  # later failures wait longer
    assert len(set(delays)) == len(delays)  # jittered, not in step with other laptops
    backoff.succeeded()
    assert backoff.failed() <= 5


def test_a_failed_push_leaves_every_item_unsent_and_records_the_reason(workspace: Workspace) -> None:
    state = SyncState("http://sync.invalid", "t", "d", "u", "o", "worker", "e1", "k")
    with workspace.uow.write() as session:
        state.save(session)
        pending = session.scalars(select(models.OutboxItem).where(models.OutboxItem.acked_at.is_(None))).all()
    assert pending, "the demo store has records waiting to send"
    transport = httpx.MockTransport(lambda r: httpx.Response(500, text="boom"))
    engine = SyncEngine(workspace, client_factory=lambda st, ca: SyncClient(st.server, st.token, transport=transport))
    with pytest.raises(SyncFailure):
        engine.sync()
    assert workspace.outbox_pending() == len(pending)
    with workspace.uow.read() as session:
        reason = session.get(models.Meta, LAST_FAILURE)
    assert reason is not None and "had a problem (500)" in reason.value


def test_the_demo_store_is_never_enrolled(workspace: Workspace) -> None:
    with pytest.raises(SyncFailure) as caught:
        enrol(workspace, "http://sync.invalid", "CODE", "laptop", None)
    assert caught.value.reason == "demo_store" and "nothing was changed" in str(caught.value)


def test_disk_full_while_applying_a_page_loses_nothing_and_says_so(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = SyncState("http://sync.invalid", "t", "d", "u", "o", "worker", "e1", "k", cursor="before")
    with workspace.uow.write() as session:
        state.save(session)
    pending = workspace.outbox_pending()

    def full(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    monkeypatch.setattr(SyncEngine, "_early_heartbeat", lambda *a, **k: None)
    monkeypatch.setattr(SyncEngine, "_push", lambda *a, **k: None)
    monkeypatch.setattr(SyncEngine, "_pull", full)
    with pytest.raises(SyncFailure) as caught:
        SyncEngine(workspace).sync()
    assert "disk may be full" in str(caught.value) and NOT_LOST in str(caught.value)
    assert workspace.outbox_pending() == pending
    with workspace.uow.read() as session:
        assert SyncState.load(session).cursor == "before"


def test_a_server_that_refuses_the_early_heartbeat_still_gets_the_escalations(workspace: Workspace) -> None:
    """A server from before the heartbeat's escalation count refuses the unknown field (422): the push of the
    escalation must go ahead regardless, and the count is not sent when there is nothing to count."""
    with workspace.uow.write() as session:
        SyncState("http://sync.invalid", "t", "d", "u", "o", "worker", "e1", "k").save(session)
        waiting = session.scalar(
            select(func.count())
            .select_from(models.OutboxItem)
            .where(
                models.OutboxItem.acked_at.is_(None),
                models.OutboxItem.record_type.in_(("escalation_opened", "escalation_event")),
            )
        )
    assert waiting, "the demo store has an escalation waiting to send"
    seen: list[str] = []
    state = {"server_epoch": "e1", "device_status": "active", "commands": [],
             "server_time": "2026-11-26T14:30:00.000000Z"}  # fmt: skip

    def older_server(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path.rsplit("/", 1)[-1])
        if request.url.path.endswith("/heartbeat") and b"unsent_escalations" in request.content:
            return httpx.Response(422, json={"reason": "invalid_request", "message": "unknown field"})
        if request.url.path.endswith("/push"):
            items = json.loads(request.content)["items"]
            results = [{"seq": i["seq"], "record_id": i["record_id"], "status": "accepted"} for i in items]
            return httpx.Response(200, json={**state, "results": results, "last_seq": items[-1]["seq"],
                                             "high_water_seq": 1})  # fmt: skip
        if request.url.path.endswith("/pull"):
            return httpx.Response(200, json={**state, "changes": [], "next_cursor": "c", "has_more": False,
                                             "high_water_seq": 1, "scope": []})  # fmt: skip
        if request.url.path.endswith("/commands"):
            return httpx.Response(200, json=state)
        return httpx.Response(200, json={**state, "clock_offset_ms": 0})

    transport = httpx.MockTransport(older_server)
    engine = SyncEngine(workspace, client_factory=lambda st, ca: SyncClient(st.server, st.token, transport=transport))
    engine.sync()
    assert seen[:2] == ["heartbeat", "push"] and seen[-1] == "heartbeat"
    assert workspace.outbox_pending() == 0
