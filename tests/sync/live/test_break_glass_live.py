"""Break-glass end to end against a real server: a duty worker opens a person outside their cover with a
written reason; the person arrives for a short, stated time, the grant is audited without its text and
listed for the team lead; nobody else may do it, and a reason must be given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from sync.client import SyncClient, SyncFailure
from sync.engine import SyncEngine, break_glass
from sync.server.models import AuditEvent
from tests.sync.live.conftest import LEAD, LiveServer, enrolled_workspace
from tests.sync.live.helpers import persons

DUTY = "gareth.lowe"
REASON = "Police called the duty line: welfare concern at the address, the keyworker is on leave."


def test_a_duty_worker_breaks_glass_for_a_short_time_and_the_team_lead_sees_it(
    live_server: LiveServer, tmp_path: Path
) -> None:
    worker = enrolled_workspace(live_server, tmp_path / "worker")
    duty = enrolled_workspace(live_server, tmp_path / "duty", user=DUTY)
    lead = enrolled_workspace(live_server, tmp_path / "lead", user=LEAD)
    try:
        assert persons(duty) == [], "no cover tonight: nobody on the duty laptop"
        wanted = persons(worker)[0]
        with pytest.raises(SyncFailure) as short:
            break_glass(SyncEngine(duty), wanted, "need to")
        assert short.value.reason == "reason_too_short" and persons(duty) == []
        # The server holds to it too, whatever a client sends.
        token = SyncEngine(duty).state().token
        answer = httpx.post(
            f"{live_server.url}/api/v1/persons/{wanted}/break-glass",
            json={"reason": "need to"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 422

        grant, _report = break_glass(SyncEngine(duty), wanted, REASON)
        granted_for = datetime.fromisoformat(grant.ends_at) - datetime.fromisoformat(grant.granted_at)
        assert granted_for == timedelta(hours=2)
        assert persons(duty) == [wanted] and [r.person_id for r in duty.caseload.rows()] == [wanted]

        # The worker whose person it is may not break glass (not duty staff).
        with pytest.raises(SyncFailure) as refused:
            break_glass(SyncEngine(worker), wanted, REASON)
        assert refused.value.status == 403

        # The team lead's list names who, whom, why and until when.
        state = SyncEngine(lead).state()
        client = SyncClient(state.server, state.token)
        try:
            [listed] = client.break_glass_list().grants
        finally:
            client.close()
        assert (listed.person_id, listed.reason, listed.user_name) == (wanted, REASON, "Gareth Lowe")
        assert datetime.fromisoformat(listed.ends_at) > datetime.now(UTC)

        # Audited on the server, without the reason's text.
        engine = create_engine(live_server.db)
        try:
            with Session(engine) as session:
                events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "security.break_glass")))
        finally:
            engine.dispose()
        # The grant once; the worker's refused attempt is audited too (issue 12: attempts are audited).
        assert sorted(e.outcome for e in events) == ["granted", "role_may_not_break_glass"]
        assert all(REASON not in str(e.detail) for e in events)
    finally:
        for ws in (worker, duty, lead):
            ws.close()
