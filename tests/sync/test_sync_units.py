"""A sync touches the store only in short units, and never waits on the network inside one (issue 13 item 2,
issue 8 item 7). The desktop runs each unit on the store's write queue, so this is what keeps a save from
waiting for a whole sync: here, against the in-process demo server, every connection the sync takes from
the store is taken inside a unit, and no request leaves while a unit runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from app.contact_notes import ContactMethod, NoteDraft, Outcome
from sync.client import SyncClient
from sync.engine import SyncEngine
from tests.conftest import NOW
from tests.sync.inprocess import WORKER, DemoServer


class Watched:
    """A ``SyncEngine.local`` that notes when a unit is running, and what the sync did meanwhile."""

    def __init__(self) -> None:
        self.inside = False
        self.units = 0
        self.outside_checkouts = 0
        self.requests_inside: list[str] = []
        self.requests = 0

    def __call__(self, unit: Callable[[], Any]) -> Any:
        assert not self.inside, "units do not nest"
        self.inside = True
        self.units += 1
        try:
            return unit()
        finally:
            self.inside = False

    def checkout(self, *_: Any) -> None:
        if not self.inside:
            self.outside_checkouts += 1


def test_every_store_access_is_in_a_unit_and_no_request_is_made_inside_one(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    laptop = demo_server.laptop(WORKER, tmp_path / "laptop")
    other = demo_server.laptop(WORKER, tmp_path / "other")  # the worker's second laptop: records to pull
    try:
        person = sorted(laptop.caseload.rows(), key=lambda r: str(r.person_id))[0].person_id
        for ws, words in ((laptop, "Rang from the van"), (other, "Seen at the office")):
            for i in range(3):
                ws.notes.record(
                    NoteDraft(person, NOW - timedelta(hours=2 + i), NOW - timedelta(hours=1 + i),
                              ContactMethod.PHONE, Outcome.SPOKEN_TO, f"{words}, call {i}")
                )  # fmt: skip
        demo_server.sync(other)
        watched = Watched()

        class Client(SyncClient):
            def _call(self, *args: Any, **kwargs: Any) -> Any:
                watched.requests += 1
                if watched.inside:
                    watched.requests_inside.append(str(args[:2]))
                return super()._call(*args, **kwargs)

        engine = SyncEngine(
            laptop,
            client_factory=lambda st, _ca: Client(st.server, st.token, transport=demo_server.client._transport),
            now=demo_server.clock.now,
            batch_items=2,  # several push batches
            pull_limit=2,  # several pages
            local=watched,
        )
        event.listen(laptop.store.engine, "checkout", watched.checkout)
        try:
            report = engine.sync()
        finally:
            event.remove(laptop.store.engine, "checkout", watched.checkout)
        assert report.acknowledged == 3 and report.received >= 3 and report.pending_after == 0
        assert watched.requests > 4 and watched.requests_inside == [], "the network is never waited for in a unit"
        assert watched.outside_checkouts == 0, "every read and write of the store is inside a unit"
        # One unit per batch, per page, and the few around them: many short units, not one long one.
        assert watched.units >= 2 + 2 + 3
    finally:
        laptop.close()
        other.close()
