"""The organisation's pathways and contacts directory reach devices: ``GET /api/v1/documents`` serves the
newest version of each imported file, and every pull page carries one digest over what is in force."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import create_model

from sync import protocol as p
from sync.server import importing
from tests.sync.conftest import V1, Org

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
NEW = {"X-Waymark-Schema": str(p.DOCUMENTS_SCHEMA)}


def import_demo_documents(org: Org) -> None:
    importing.run(org.admin, "directory", sorted((RESOURCES / "contacts").glob("*.toml")))
    importing.run(org.admin, "pathways", sorted((RESOURCES / "pathways").glob("*.toml")))


def test_documents_are_the_newest_version_of_each_file_with_its_hash(org: Org, tmp_path: Path) -> None:
    alice = org.device("alice")
    empty = org.client.get(f"{V1}/documents", headers=alice.headers)
    assert empty.status_code == 200, empty.text
    assert empty.json()["documents"] == []
    import_demo_documents(org)
    # A second version of one directory file: only it is served for that name.
    local = (RESOURCES / "contacts" / "demo-local.toml").read_text(encoding="utf-8")
    changed = local.replace('version = "', 'version = "2-', 1)
    assert changed != local
    (tmp_path / "demo-local.toml").write_text(changed, encoding="utf-8")
    importing.run(org.admin, "directory", [tmp_path / "demo-local.toml"])

    body = p.DocumentList.model_validate_json(org.client.get(f"{V1}/documents", headers=alice.headers).content)
    names = [(d.kind, d.name) for d in body.documents]
    assert len(names) == len(set(names)), "one version per file"
    files = {f"{k}/{n}" for k, n in names}
    assert "directory/demo-local.toml" in files and "pathways/moorland-in-hours.toml" in files
    served = {d.name: d for d in body.documents}
    assert served["demo-local.toml"].text == changed
    for document in body.documents:
        assert document.sha256 == hashlib.sha256(document.text.encode()).hexdigest()
    lines = sorted(f"{d.kind}/{d.name}:{d.sha256}" for d in body.documents)
    assert body.documents_digest == "sha256:" + hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_every_pull_page_carries_the_digest_and_it_changes_with_an_import(org: Org) -> None:
    alice = org.device("alice")
    alice.push(alice.record(org.persons["pa"]), alice.record(org.persons["pa"]))
    headers = {**alice.headers, **NEW}
    before = org.client.get(f"{V1}/pull", headers=headers, params={"limit": 1}).json()
    assert before["has_more"], "the organisation has more than one change: several pages"
    second = org.client.get(f"{V1}/pull", headers=headers, params={"limit": 1, "cursor": before["next_cursor"]})
    assert second.json()["documents_digest"] == before["documents_digest"]
    import_demo_documents(org)
    after = org.client.get(f"{V1}/pull", headers=headers).json()
    served = org.client.get(f"{V1}/documents", headers=alice.headers).json()
    assert after["documents_digest"] != before["documents_digest"]
    assert after["documents_digest"] == served["documents_digest"]


# The pull page as a client from before documents reads it: strict, so an unknown field is refused.
OldPullResponse = create_model(  # type: ignore[call-overload]
    "OldPullResponse",
    __base__=p.ServerState,
    **{
        name: (info.annotation, info)
        for name, info in p.PullResponse.model_fields.items()
        if name not in p.ServerState.model_fields and name != "documents_digest"
    },
)


def test_a_client_from_before_documents_still_reads_its_pull_pages(org: Org) -> None:
    import_demo_documents(org)
    alice = org.device("alice")
    for schema in (None, "1"):
        headers = alice.headers if schema is None else {**alice.headers, "X-Waymark-Schema": schema}
        answer = org.client.get(f"{V1}/pull", headers=headers)
        assert answer.status_code == 200
        assert "documents_digest" not in answer.json()
        OldPullResponse.model_validate_json(answer.content)  # what an older client does with it: no error
    newer = org.client.get(f"{V1}/pull", headers={**alice.headers, **NEW})
    assert newer.json()["documents_digest"].startswith("sha256:")
    assert OldPullResponse.model_config["extra"] == "forbid"


def test_documents_refuse_a_device_without_a_live_token(org: Org) -> None:
    import_demo_documents(org)
    assert org.client.get(f"{V1}/documents").status_code == 401
    bob = org.device("bob")
    org.admin.revoke(str(bob.device_id))
    refused = org.client.get(f"{V1}/documents", headers=bob.headers)
    assert refused.status_code == 403 and refused.json()["reason"] == "device_revoked"
    assert "moorland" not in refused.text


def test_a_file_whose_name_cannot_be_served_is_not_imported(org: Org, tmp_path: Path) -> None:
    odd = tmp_path / "local contacts.toml"
    odd.write_text((RESOURCES / "contacts" / "demo-local.toml").read_text(encoding="utf-8"), encoding="utf-8")
    try:
        importing.run(org.admin, "directory", [odd])
    except importing.ImportProblems as problems:
        assert any("by its name" in line for line in problems.lines)
    else:
        raise AssertionError("imported a file devices could not be sent")
    alice = org.device("alice")
    assert org.client.get(f"{V1}/documents", headers=alice.headers).json()["documents"] == []
