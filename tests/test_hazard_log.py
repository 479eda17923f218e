"""The clinical hazard log is fit to sign: every hazard has a built control proven by tests that exist, and
the Markdown a Clinical Safety Officer reads is the one the data says."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("hazard_log", ROOT / "docs/clinical-safety/render_hazard_log.py")
assert _spec and _spec.loader
hazard_log = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hazard_log)


def test_every_hazard_has_a_built_control_citing_tests_that_exist() -> None:
    assert hazard_log.problems(hazard_log.load(), hazard_log.test_ids()) == []


def test_the_rendered_log_is_up_to_date() -> None:
    assert hazard_log.TARGET.read_text(encoding="utf-8") == hazard_log.render(hazard_log.load()), (
        "hazard-log.md is stale: run `make hazard-log`"
    )


@pytest.mark.parametrize(
    ("control", "expected"),
    [
        ({"planned": "issue 9", "text": "later"}, "no control is built yet"),
        ({"text": "x", "tests": []}, "names no test"),
        ({"text": "x", "tests": ["tests/test_hazard_log.py::test_that_was_never_written"]}, "does not exist"),
    ],
)
def test_a_hazard_without_a_proven_control_is_refused(control, expected) -> None:
    hazard = {"id": "HAZ-X", "title": "t", "cause": "c", "effect": "e", "control": [control]}
    found = hazard_log.problems([hazard], hazard_log.test_ids())
    assert any(expected in p for p in found), found


def test_a_skipped_or_expected_to_fail_test_cannot_prove_a_control(tmp_path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(
        "import pytest\n\n"
        "def test_runs(): pass\n\n"
        "@pytest.mark.skip(reason='no')\ndef test_skipped(): pass\n\n"
        "@pytest.mark.xfail(strict=True)\ndef test_expected_to_fail(): pass\n\n"
        "class TestGroup:\n    @pytest.mark.skipif(True, reason='no')\n    def test_method(self): pass\n"
    )
    assert hazard_log.test_ids(tmp_path) == {"tests/test_x.py::test_runs"}
