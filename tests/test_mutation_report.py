"""`make mutation`'s report: the kill rate per module, every survivor named, and a failure below the target."""

import json
from pathlib import Path

import pytest

from tests.mutation_report import main


def write_meta(root: Path, module: str, codes: dict[str, int | None]) -> None:
    path = root / "app" / f"{module}.py.meta"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"exit_code_by_key": codes}))


def test_kill_rate_per_module_and_every_survivor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 1 killed, 3 a timeout (a hang is noticed), 0 survived, 33 no test covers it.
    write_meta(tmp_path, "hours", {f"app.hours.x_f__mutmut_{i}": 1 for i in range(9)} | {"app.hours.x_g__mutmut_1": 36})
    write_meta(tmp_path, "nhs_number", {"app.nhs_number.x_a__mutmut_1": 1, "app.nhs_number.x_a__mutmut_2": 0,
                                        "app.nhs_number.x_b__mutmut_1": 33})  # fmt: skip
    assert main(["--mutants", str(tmp_path), "--no-diff"]) == 1
    out, err = capsys.readouterr()
    assert "app/hours.py" in out and "100.0%" in out
    assert "33.3%" in out and "Surviving mutants (2)" in out
    assert "app.nhs_number.x_a__mutmut_2" in out and "app.nhs_number.x_b__mutmut_1" in out
    assert "app.nhs_number.x_a__mutmut_1" not in out
    assert "Below 90 % killed" in err and "app/nhs_number.py" in err


def test_a_module_not_run_is_said_so_and_a_partly_run_one_fails(tmp_path: Path, capsys) -> None:
    write_meta(tmp_path, "hours", {"app.hours.x_f__mutmut_1": 1})
    write_meta(tmp_path, "audit", {"app.audit.x_f__mutmut_1": None})
    assert main(["--mutants", str(tmp_path), "--no-diff"]) == 0
    assert "app/audit.py" in capsys.readouterr().out
    write_meta(tmp_path, "audit", {"app.audit.x_f__mutmut_1": None, "app.audit.x_f__mutmut_2": 1})
    assert main(["--mutants", str(tmp_path), "--no-diff"]) == 1
    assert "were not checked" in capsys.readouterr().out


def test_no_results_is_an_error_not_a_pass(tmp_path: Path, capsys) -> None:
    assert main(["--mutants", str(tmp_path)]) == 1
    assert "make mutation" in capsys.readouterr().err


def test_the_sync_server_rules_are_reported_per_module_beside_the_app_ones(tmp_path: Path, capsys) -> None:
    write_meta(tmp_path, "hours", {"app.hours.x_f__mutmut_1": 1})
    for module, codes in (("cursor", {"sync.server.cursor.x_read__mutmut_1": 1}),
                          ("scope", {f"sync.server.scope.x_visible__mutmut_{i}": 1 for i in range(1, 9)}
                           | {"sync.server.scope.x_holds__mutmut_1": 0})):  # fmt: skip
        path = tmp_path / "sync" / "server" / f"{module}.py.meta"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"exit_code_by_key": codes}))
    assert main(["--mutants", str(tmp_path), "--no-diff"]) == 1
    out, err = capsys.readouterr()
    rows = {line.split()[0]: line.split()[1:6] for line in out.splitlines() if line.strip()}
    assert rows["app/hours.py"] == ["1", "1", "0", "0", "100.0%"]
    assert rows["sync/server/cursor.py"] == ["1", "1", "0", "0", "100.0%"]
    assert rows["sync/server/scope.py"] == ["9", "8", "1", "0", "88.9%"]
    assert "sync.server.scope.x_holds__mutmut_1" in rows
    assert "sync/server/scope.py" in err and "cursor" not in err
