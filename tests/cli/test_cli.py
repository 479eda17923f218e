"""The waymark command as support staff and scripts use it (run as a real subprocess)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from storage.keyfile import KeyFile
from storage.layout import KEY_NAME, THROTTLE_NAME
from tests.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]


def waymark(*args: str, passphrase: str | None = PASSPHRASE, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WAYMARK_")}
    environ["PYTHONPATH"] = str(ROOT)
    if passphrase is not None:
        environ["WAYMARK_PASSPHRASE"] = passphrase
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_demo_then_dump_prints_every_record_as_json_lines(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    made = waymark("demo", "--data-dir", str(data), "--persons", "6", "--seed", "3")
    assert made.returncode == 0, made.stderr
    dumped = waymark("dump", "--data-dir", str(data))
    assert dumped.returncode == 0, dumped.stderr
    records = [json.loads(line) for line in dumped.stdout.splitlines()]
    types = {r["type"] for r in records}
    assert {
        "person",
        "safety_plan_revision",
        "contact_note",
        "safety_review",
        "escalation",
        "escalation_action",
        "missed_contact_episode",
        "planned_contact",
        "audit_event",
        "staff",
        "team",
    } <= types
    assert sum(r["type"] == "person" for r in records) == 6
    escalations = {r["id"]: r for r in records if r["type"] == "escalation"}
    assert {e["kind"] for e in escalations.values()} == {"escalation", "welfare-check"}
    actions = [r for r in records if r["type"] == "escalation_action"]
    assert actions and all(a["escalation_id"] in escalations and a["at"] and a["node_id"] for a in actions)
    assert "Traceback" not in dumped.stderr


def test_demo_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    def persons(folder: str) -> list[tuple[str, str]]:
        assert waymark("demo", "--data-dir", str(tmp_path / folder), "--persons", "5", "--seed", "9").returncode == 0
        out = waymark("dump", "--data-dir", str(tmp_path / folder)).stdout
        return sorted(
            (r["preferred_name"], r["nhs_number"]) for r in map(json.loads, out.splitlines()) if r["type"] == "person"
        )

    assert persons("a") == persons("b")


def test_wrong_passphrase_exits_1_with_a_clear_message_and_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    assert waymark("demo", "--data-dir", str(data), "--persons", "3").returncode == 0
    before = {p.name: p.read_bytes() for p in data.iterdir() if p.name.startswith("waymark.") and p.name != KEY_NAME}
    key_before = KeyFile.read(data / KEY_NAME)
    result = waymark("dump", "--data-dir", str(data), passphrase="not the right one")
    assert result.returncode == 1
    assert "did not unlock" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    after = {p.name: p.read_bytes() for p in data.iterdir() if p.name.startswith("waymark.") and p.name != KEY_NAME}
    assert after == before
    # Only the failed-attempt count was added to the key file; the wrapped key is as it was.
    assert KeyFile.read(data / KEY_NAME) == key_before


def test_not_a_store_and_damaged_store_are_named_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    result = waymark("dump", "--data-dir", str(tmp_path / "photos"))
    assert result.returncode == 1 and "not a Waymark data folder" in result.stderr
    data = tmp_path / "demo"
    assert waymark("demo", "--data-dir", str(data), "--persons", "3").returncode == 0
    (data / "waymark.key").write_text("{}")
    result = waymark("dump", "--data-dir", str(data))
    assert result.returncode == 1 and "key file" in result.stderr and "Traceback" not in result.stderr


def test_passwd_changes_the_passphrase(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    assert waymark("demo", "--data-dir", str(data), "--persons", "3").returncode == 0
    changed = waymark("passwd", "--data-dir", str(data), WAYMARK_NEW_PASSPHRASE="another good passphrase")
    assert changed.returncode == 0, changed.stderr
    assert waymark("dump", "--data-dir", str(data)).returncode == 1
    assert waymark("dump", "--data-dir", str(data), passphrase="another good passphrase").returncode == 0


def test_demo_never_replaces_a_store_it_cannot_prove_is_demo_data(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    assert waymark("demo", "--data-dir", str(data), "--persons", "3").returncode == 0
    before = (data / "waymark.db").read_bytes()
    result = waymark("demo", "--data-dir", str(data), passphrase="somebody else's passphrase")
    assert result.returncode == 1 and "not replaced" in result.stderr
    assert (data / "waymark.db").read_bytes() == before


def test_no_passphrase_and_no_terminal_is_a_clear_error(tmp_path: Path) -> None:
    result = waymark("dump", "--data-dir", str(tmp_path), passphrase=None)
    assert result.returncode != 0 and "WAYMARK_PASSPHRASE" in result.stderr


def test_period_prints_in_or_out_of_hours_with_the_reason() -> None:
    out = waymark("period", "--at", "2026-12-28T10:00+00:00", "--nation", "england", passphrase=None)
    assert out.returncode == 0 and out.stdout.startswith("out-of-hours (bank holiday")
    out = waymark("period", "--at", "2026-11-26T10:00+00:00", passphrase=None)
    assert out.stdout.startswith("in-hours")
    naive = waymark("period", "--at", "2026-11-26T10:00", passphrase=None)
    assert naive.returncode == 1 and "time zone" in naive.stderr


def test_pathways_validate_exits_0_for_valid_files_and_1_naming_each_problem(tmp_path: Path) -> None:
    ok = waymark("pathways", "validate", "resources/pathways")
    assert ok.returncode == 0 and "Valid." in ok.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text(
        (ROOT / "resources/pathways/moorland-in-hours.toml")
        .read_text()
        .replace('next = "crisis-needed"\nif_not_reached = "duty-manager"', 'next = "crisis-neded"')
        .replace('contacts = ["moorland-crisis-team"]', 'contacts = ["nhs-111-mental-health"]')
    )
    bad = waymark("pathways", "validate", str(broken))
    assert bad.returncode == 1
    assert "broken.toml: duty-worker: leads to node 'crisis-neded', which does not exist" in bad.stderr
    assert "broken.toml: crisis-team: routes a staff handover to 'nhs-111-mental-health'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_data_dir_at_a_file_or_under_one_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    for data_dir in (a_file, a_file / "store"):
        for command in ("demo", "dump", "passwd", "rekey"):
            result = waymark(command, "--data-dir", str(data_dir), WAYMARK_NEW_PASSPHRASE="another long one")
            assert result.returncode == 1, (command, result.stderr)
            assert "Traceback" not in result.stderr
            assert "is a file, not a folder" in result.stderr
            assert len(result.stderr.strip().splitlines()) == 1
    assert a_file.read_text() == "not a folder"


def test_demo_with_the_wrong_passphrase_says_so(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    assert waymark("demo", "--data-dir", str(data), "--persons", "3").returncode == 0
    result = waymark("demo", "--data-dir", str(data), "--persons", "3", passphrase="not the right one")
    assert result.returncode == 1
    assert "did not unlock" in result.stderr and "not demo data" not in result.stderr


def test_bad_arguments_exit_1_as_readme_says(tmp_path: Path) -> None:
    assert "exit 1" in (ROOT / "README.md").read_text()
    for args in (("--bogus",), ("demo", "--persons", "many"), ("period",), ("demo", "--persons", "1")):
        result = waymark(*args, "--data-dir", str(tmp_path / "x"))
        assert result.returncode == 1, (args, result.returncode)
        assert "Traceback" not in result.stderr


def test_an_empty_passphrase_variable_is_not_a_failed_attempt(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    assert waymark("demo", "--data-dir", str(data), "--persons", "3").returncode == 0
    result = waymark("dump", "--data-dir", str(data), passphrase="")
    assert result.returncode == 1
    assert "WAYMARK_PASSPHRASE is set but empty" in result.stderr
    assert not (data / THROTTLE_NAME).exists()
    assert "unlock_attempts" not in (data / KEY_NAME).read_text()


def test_validating_a_path_that_does_not_exist_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent"
    result = waymark("pathways", "validate", str(missing))
    assert result.returncode == 1
    assert f"{missing}" in result.stderr and "does not exist" in result.stderr


def test_demo_keeps_unsent_records_a_worker_made_unless_told_to_discard(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    assert waymark("demo", "--data-dir", str(data), "--persons", "3").returncode == 0
    _record_a_note(data)
    refused = waymark("demo", "--data-dir", str(data), "--persons", "3")
    assert refused.returncode == 1
    assert "1 record(s)" in refused.stderr and "--discard-unsent" in refused.stderr
    assert "Narrative a worker typed" in waymark("dump", "--data-dir", str(data)).stdout
    replaced = waymark("demo", "--data-dir", str(data), "--persons", "3", "--discard-unsent")
    assert replaced.returncode == 0, replaced.stderr
    assert "Discarding 1 unsent record(s)" in replaced.stdout
    assert "Narrative a worker typed" not in waymark("dump", "--data-dir", str(data)).stdout
    assert waymark("demo", "--data-dir", str(data), "--persons", "3").returncode == 0, "a fresh demo is replaceable"


def _record_a_note(data: Path) -> None:
    from datetime import timedelta

    from app.clock import SystemClock
    from app.contact_notes import ContactMethod, NoteDraft, Outcome
    from app.workspace import Workspace

    ws = Workspace.open(data, PASSPHRASE)
    try:
        now = SystemClock().now()
        person = ws.caseload.rows()[0].person_id
        draft = NoteDraft(
            person,
            now - timedelta(minutes=30),
            now - timedelta(minutes=5),
            ContactMethod.PHONE,
            Outcome.SPOKEN_TO,
            "Narrative a worker typed",
            plan_steps_used=[],
        )
        ws.notes.record(draft)
    finally:
        ws.close()


def test_report_refuses_a_worker_in_words_and_writes_csv_and_pdf_for_a_lead(demo_dir: Path, tmp_path: Path) -> None:
    from app.workspace import Workspace
    from tests.governance.lead_store import become

    refused = waymark("report", "--data-dir", str(demo_dir), "--team", "eastmoor", "--from", "2026-06-01",
                      "--to", "2026-11-30")  # fmt: skip
    assert refused.returncode == 1 and "Governance reports are for team leads" in refused.stderr
    assert "Traceback" not in refused.stderr

    workspace = Workspace.open(demo_dir, PASSPHRASE)
    try:
        become(workspace, "team_lead")
    finally:
        workspace.close()
    files = ["--csv", str(tmp_path / "r.csv"), "--pdf", str(tmp_path / "r.pdf")]
    made = waymark("report", "--data-dir", str(demo_dir), "--team", "eastmoor", "--from", "2026-06-01",
                   "--to", "2026-11-30", *files)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "Contact notes that cite the safety plan's steps:" in made.stdout and "Data last synced" in made.stdout
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").startswith("row,measure,figure")
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")

    backwards = waymark("report", "--data-dir", str(demo_dir), "--team", "eastmoor", "--from", "2026-06-01",
                        "--to", "2026-05-01")  # fmt: skip
    assert backwards.returncode == 1 and "--to is before --from" in backwards.stderr


def test_report_while_the_window_holds_the_store_says_why_not_and_what_to_do(demo_dir: Path, tmp_path: Path) -> None:
    from app.store_lock import StoreLock

    held = StoreLock.acquire(demo_dir)  # as the open window holds it
    try:
        # No passphrase given and no terminal: it is told before a passphrase is ever asked for.
        refused = waymark("report", "--data-dir", str(demo_dir), "--team", "eastmoor", "--from", "2026-06-01",
                          "--to", "2026-11-30", "--csv", str(tmp_path / "r.csv"), passphrase=None)  # fmt: skip
    finally:
        held.release()
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    said = refused.stderr
    assert said.startswith("waymark: these records are open in Waymark on this laptop, so the report was not made.")
    assert "recorded in the audit log as an export" in said and "the Governance tab, Alt+G" in said
    assert "close Waymark and run this command again. Nothing has been changed." in said
    assert "passphrase" not in said and not (tmp_path / "r.csv").exists()


def test_report_for_one_worker_is_for_leads_names_them_and_says_which_names_there_are(demo_dir: Path) -> None:
    from app.workspace import Workspace
    from tests.governance.lead_store import become

    period = ("--team", "eastmoor", "--from", "2026-06-01", "--to", "2026-11-30")
    refused = waymark("report", "--data-dir", str(demo_dir), *period, "--worker", "Sam Okafor")
    assert refused.returncode == 1 and "Per-worker governance figures are for team leads" in refused.stderr

    workspace = Workspace.open(demo_dir, PASSPHRASE)
    try:
        become(workspace, "team_lead")
    finally:
        workspace.close()
    made = waymark("report", "--data-dir", str(demo_dir), *period, "--worker", "sam okafor")
    assert made.returncode == 0, made.stderr
    assert made.stdout.count("Recorded by ") == 1 and "Recorded by Sam Okafor" in made.stdout
    unknown = waymark("report", "--data-dir", str(demo_dir), *period, "--worker", "Nobody Here")
    assert unknown.returncode == 1 and "No worker has the name 'Nobody Here'" in unknown.stderr
    assert "Sam Okafor" in unknown.stderr and "Traceback" not in unknown.stderr
