"""waymark-server on the command line: demo, users, enrol codes, admin actions, one-line errors."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from sync.server.admin import Admin
from sync.server.api import create_app
from sync.server.cli import main
from tests.sync.conftest import V1, Org, TestClient


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_then_users_then_an_enrolment_code_that_works(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "demo", "--db", db_url, "--persons", "4")
    assert code == 0, err
    lines = out.splitlines()
    assert "sam.okafor worker eastmoor" in lines and "priya.natarajan team_lead eastmoor" in lines
    assert all(len(line.split()) == 3 for line in lines)
    assert run(capsys, "admin", "users", "--db", db_url)[1].splitlines() == lines
    code, out, err = run(capsys, "admin", "enrol-code", "--db", db_url, "--user", "sam.okafor", "--valid-for", "2h")
    assert code == 0 and re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}\n", out)
    # The demo worker's device enrols with it and pulls the demo caseload.
    with TestClient(create_app(db_url)) as client:
        enrolled = client.post(f"{V1}/enrol", json={"code": out.strip(), "device_name": "l", "app_version": "0.1"})
        token = enrolled.json()["token"]
        page = client.get(f"{V1}/pull", headers={"Authorization": f"Bearer {token}"}).json()
        assert len(page["scope"]) == 4 and page["changes"]
        client.app.state.engine.dispose()  # type: ignore[attr-defined]
    code, _out, err = run(capsys, "demo", "--db", db_url)
    assert code == 1 and err.count("\n") == 1 and "already holds an organisation" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["admin", "enrol-code", "--user", "nobody"], "no user 'nobody'"),
        (["admin", "enrol-code", "--user", "alice", "--valid-for", "soon"], "cannot read duration"),
        (["admin", "revoke", "not-a-device"], "is not a device id"),
        (["admin", "assign", "--user", "alice", "--person", str(uuid.UUID(int=1))], "no person"),
        (
            ["admin", "create-user", "--username", "alice", "--name", "A", "--role", "worker", "--team", "east"],
            "already exists",
        ),
        (
            [
                "admin",
                "cover",
                "--user",
                "duty",
                "--from",
                "2026-12-01T17:00",
                "--to",
                "2026-12-02T09:00Z",
                "--team",
                "east",
            ],
            "has no timezone",
        ),
        (["admin", "import-persons", "/nonexistent/file.jsonl"], "cannot read"),
    ],
)
def test_errors_are_one_line_and_exit_1(
    org: Org, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    url = org.admin.engine.url.render_as_string(hide_password=False)
    code, out, err = run(capsys, *argv[:2], "--db", url, *argv[2:])
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_admin_actions_from_the_command_line(org: Org, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = org.admin.engine.url.render_as_string(hide_password=False)
    alice = org.device("alice")
    assert (
        run(capsys, "admin", "create-team", "--db", url, "--name", "North", "--area", "north", "--nation", "scotland")[
            0
        ]
        == 0
    )
    assert (
        run(
            capsys,
            "admin",
            "create-user",
            "--db",
            url,
            "--username",
            "dee",
            "--name",
            "Dee",
            "--role",
            "duty",
            "--team",
            "north",
        )[0]
        == 0
    )
    assert (
        run(
            capsys,
            "admin",
            "cover",
            "--db",
            url,
            "--user",
            "dee",
            "--from",
            "2026-11-26T09:00Z",
            "--to",
            "2026-11-26T21:00Z",
            "--person",
            str(org.persons["pc"]),
        )[0]
        == 0
    )
    assert run(capsys, "admin", "assign", "--db", url, "--user", "alice", "--person", str(org.persons["pc"]))[0] == 0
    assert run(capsys, "admin", "unassign", "--db", url, "--user", "alice", "--person", str(org.persons["pc"]))[0] == 0
    code, out, _ = run(capsys, "admin", "devices", "--db", url)
    assert code == 0 and f"{alice.device_id} alice active" in out and "quarantined=0" in out
    assert run(capsys, "admin", "retire", "--db", url, str(alice.device_id))[0] == 0
    assert "retire_pending" in run(capsys, "admin", "devices", "--db", url)[1]
    assert run(capsys, "admin", "revoke", "--db", url, str(alice.device_id))[0] == 0
    assert " revoked " in run(capsys, "admin", "devices", "--db", url)[1]
    with Admin(url) as admin:
        assert admin.users()[0][0] == "admin"


def test_serve_refuses_plain_http_beyond_loopback(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _out, err = run(capsys, "serve", "--db", f"sqlite:///{tmp_path / 's.db'}", "--host", "0.0.0.0")
    assert code == 1 and "without TLS is refused" in err


def test_report_names_an_unknown_team_in_one_line_and_audits_a_report_it_makes(
    org: Org, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from sqlalchemy import select

    from sync.server.models import AuditEvent

    url = org.admin.engine.url.render_as_string(hide_password=False)
    code, _out, err = run(
        capsys, "report", "--db", url, "--team", "nowhere", "--from", "2026-11-01", "--to", "2026-11-30"
    )
    assert code == 1 and err.count("\n") == 1 and "no team called 'nowhere' (teams: East team, West team)" in err
    code, out, err = run(capsys, "report", "--db", url, "--team", "East team", "--from", "2026-11-01",
                         "--to", "2026-11-30", "--csv", str(tmp_path / "east.csv"))  # fmt: skip
    assert code == 0, err
    assert "Escalations and welfare checks out of hours: no cases in period" in out
    assert (tmp_path / "east.csv").read_text(encoding="utf-8").startswith("row,measure,figure")
    with org.admin.transaction() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None and last.action == "report.governance"
