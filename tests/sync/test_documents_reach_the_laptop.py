"""The organisation's pathways and contacts directory reach the laptop by sync, checked by the app's own
readers, and the workspace runs on them; an escalation already open keeps the pathway version it started
on and says a newer one has arrived; a document that fails its checks is refused whole."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from app.escalations import NEWER_PATHWAY, EscalationDraft
from app.workspace import Workspace
from storage.models import Meta, ReceivedDocument
from sync import client as client_mod
from sync.engine import DOCUMENTS_DIGEST
from sync.server import importing
from sync.server.models import OrgDocument
from tests.conftest import NOW
from tests.sync.inprocess import WORKER, DemoServer, demo_server  # noqa: F401  # the fixture

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
ESCALATION_FILES = ("moorland-in-hours.toml", "moorland-out-of-hours.toml")


def import_new_escalation_pathways(server: DemoServer, folder: Path, version: str = "99") -> None:
    """A new version of both escalation pathways (in and out of hours), titled so it shows."""
    folder.mkdir(exist_ok=True)
    files = []
    for name in ESCALATION_FILES:
        text = (RESOURCES / "pathways" / name).read_text(encoding="utf-8")
        old = next(line for line in text.splitlines() if line.startswith("version = "))
        text = text.replace(old, f'version = "{version}"', 1).replace('title = "', 'title = "Revised: ', 1)
        (folder / name).write_text(text, encoding="utf-8")
        files.append(folder / name)
    importing.run(server.admin, "pathways", files)


def _escalate(ws: Workspace) -> object:
    person = ws.caseload.rows()[0].person_id
    assert ws.config is not None and ws.config.pathways.criteria is not None
    code = ws.config.pathways.criteria.criteria[0].code
    escalation, _ = ws.escalations.start(EscalationDraft(person, [code], "Rang in distress", NOW))
    return escalation


def test_documents_arrive_and_the_workspace_runs_on_them(demo_server: DemoServer, tmp_path: Path) -> None:  # noqa: F811
    ws = demo_server.laptop(WORKER, tmp_path / "sam")
    try:
        assert ws.config is not None and ws.config.received == frozenset({"pathways", "directory"})
        with ws.uow.read() as session:
            held = session.scalars(select(ReceivedDocument)).all()
        assert {d.name for d in held} >= {"moorland-in-hours.toml", "demo-local.toml", "national.toml"}
        for document in held:
            assert document.sha256 == hashlib.sha256(document.text.encode()).hexdigest()

        import_new_escalation_pathways(demo_server, tmp_path / "v99")
        report = demo_server.sync(ws)
        assert report.documents_received == 2 and not report.documents_refused
        assert "new version(s) of the organisation's pathways" in report.summary()
        in_hours = ws.config.pathways.by_file["moorland-in-hours.toml"]
        assert (in_hours.version, in_hours.title) == ("99", "Revised: Escalation in team hours")
        escalation = _escalate(ws)
        assert escalation.pathway.version == "99"  # type: ignore[attr-defined]
        assert escalation.versions["pathway"].endswith("@99")  # type: ignore[attr-defined]
        assert escalation.pathway_notice is None  # type: ignore[attr-defined]
    finally:
        ws.close()


def test_an_open_escalation_keeps_the_version_it_started_on_and_says_so(
    demo_server: DemoServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    ws = demo_server.laptop(WORKER, tmp_path / "sam")
    try:
        started = _escalate(ws)
        ref = started.versions["pathway"]  # type: ignore[attr-defined]
        import_new_escalation_pathways(demo_server, tmp_path / "v99")
        assert demo_server.sync(ws).documents_received == 2
        reopened = ws.escalations.get(started.id)  # type: ignore[attr-defined]
        assert reopened.pathway.ref == ref and not ref.endswith("@99")
        assert reopened.versions["pathway"] == ref, "the record still cites the version it started on"
        assert reopened.pathway_notice == NEWER_PATHWAY
        assert reopened.pathway_warning is None
    finally:
        ws.close()
    # After a restart too: the earlier version is kept on the laptop, not only in memory.
    again = Workspace.open(tmp_path / "sam", "correct horse battery staple", clock=demo_server.clock)
    try:
        reopened = again.escalations.get(started.id)  # type: ignore[attr-defined]
        assert reopened.pathway.ref == ref and reopened.pathway_notice == NEWER_PATHWAY
    finally:
        again.close()


def _store_directly(server: DemoServer, name: str, text: str, sha256: str | None = None) -> None:
    """What a damaged or hand-edited server database could serve: past the import's checks."""
    with server.admin.transaction() as session:
        session.add(
            OrgDocument(
                kind="pathways",
                name=name,
                text=text,
                sha256=sha256 or hashlib.sha256(text.encode()).hexdigest(),
                imported_at=NOW,
            )
        )


def _token(ws: Workspace) -> str:
    with ws.uow.read() as session:
        token = session.get(Meta, "sync.token")
        assert token is not None
        return token.value


def _newest_server_id(server: DemoServer) -> int:
    with server.admin.transaction() as session:
        return max(session.scalars(select(OrgDocument.id)))


@pytest.mark.parametrize("damage", ["invalid pathway", "hash mismatch"])
def test_a_document_that_fails_its_checks_is_refused_and_the_laptop_keeps_what_it_had(
    demo_server: DemoServer,  # noqa: F811
    tmp_path: Path,
    damage: str,
) -> None:
    ws = demo_server.laptop(WORKER, tmp_path / "sam")
    try:
        assert ws.config is not None
        before = ws.config.pathways.by_file["moorland-in-hours.toml"]
        text = (RESOURCES / "pathways" / "moorland-in-hours.toml").read_text(encoding="utf-8")
        if damage == "invalid pathway":
            broken = text.replace('version = "3"', 'version = "4"').replace("emergency-999", "no-such-contact")
            _store_directly(demo_server, "moorland-in-hours.toml", broken)
        else:
            _store_directly(demo_server, "moorland-in-hours.toml", text.replace('"3"', '"4"'), "0" * 64)
        report = demo_server.sync(ws)
        assert report.documents_received == 0
        [refusal] = report.documents_refused
        assert "moorland-in-hours.toml was refused" in refusal and "keeps using the version it had" in refusal
        assert refusal in report.summary()
        assert ws.config.pathways.by_file["moorland-in-hours.toml"] == before
        with ws.uow.read() as session:
            kept = session.get(Meta, DOCUMENTS_DIGEST)
            held = [(d.name, d.document_id) for d in session.scalars(select(ReceivedDocument))]
        served = demo_server.client.get("/api/v1/documents", headers={"Authorization": f"Bearer {_token(ws)}"})
        assert kept is not None and kept.value != served.json()["documents_digest"], "not taken as applied"
        assert all(i != _newest_server_id(demo_server) for _, i in held), "the refused version is not kept"
        # Asked for again at the next sync (the digest was not kept), and refused again: still said.
        assert demo_server.sync(ws).documents_refused == [refusal]
    finally:
        ws.close()


def test_documents_are_fetched_only_when_the_digest_changes(
    demo_server: DemoServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ws = demo_server.laptop(WORKER, tmp_path / "sam")
    fetched: list[int] = []
    real = client_mod.SyncClient.documents

    def counting(self: client_mod.SyncClient) -> object:
        fetched.append(1)
        return real(self)

    monkeypatch.setattr(client_mod.SyncClient, "documents", counting)
    try:
        demo_server.sync(ws)
        assert fetched == [], "nothing changed on the server: no fetch"
        import_new_escalation_pathways(demo_server, tmp_path / "v99")
        demo_server.sync(ws)
        assert fetched == [1]
        demo_server.sync(ws)
        assert fetched == [1]
    finally:
        ws.close()


def test_the_demo_organisations_documents_arrive_at_enrolment(
    demo_server: DemoServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """``waymark-server demo`` imports the demo's pathways and directory: a new laptop runs on them."""
    ws = demo_server.laptop(WORKER, tmp_path / "sam")
    try:
        assert ws.config is not None and ws.config.received == frozenset({"pathways", "directory"})
        held = {(d.kind, d.name) for d in ws.received_documents()}
        bundled = {("pathways", f.name) for f in (RESOURCES / "pathways").glob("*.toml")} | {
            ("directory", f.name) for f in (RESOURCES / "contacts").glob("*.toml")
        }
        assert held == bundled
        assert not [p for p in ws.config.problems if p.severity.value == "error"]
    finally:
        ws.close()
