"""The named-mutant runner (tests/named_mutants.py): the list matches today's source, a stale or repeated
text fails loudly, and a wrong rule the tests miss is reported as surviving without touching the tree."""

from pathlib import Path

import pytest

from tests.named_mutants import ROOT, ListError, Mutant, check, load, report, run, select


def test_every_named_mutant_applies_exactly_once_to_todays_source_and_names_real_tests() -> None:
    mutants = load()
    check(mutants)  # raises ListError naming the mutant otherwise
    assert len(mutants) >= 50
    assert {Path(m.file).name for m in mutants} >= {
        "escalations.py", "audit.py", "directory.py", "pathways.py", "missed_contacts.py", "hours.py", "nhs_number.py",
    }  # fmt: skip
    assert select(mutants, "all") == mutants and set(select(mutants, "ci")) <= set(mutants)


def test_a_stale_or_repeated_find_text_is_refused_naming_the_mutant() -> None:
    m = Mutant("adult-at-17", "adults from 17", "app/rule.py", "age >= 18", "age >= 17", ("tests/test_rule.py",))
    assert m.apply("return age >= 18\n") == "return age >= 17\n"
    with pytest.raises(ListError, match="adult-at-17: its find text does not occur"):
        m.apply("return age > 17\n")
    with pytest.raises(ListError, match="adult-at-17: its find text occurs 2 times"):
        m.apply("a = age >= 18\nb = age >= 18\n")
    with pytest.raises(ListError, match="does not exist"):
        check([Mutant("x", "x", "app/no_such_module.py", "a", "b", ("tests/test_rule.py",))], ROOT)
    with pytest.raises(ListError, match="has no test test_nothing_here"):
        check([Mutant("x", "x", "app/nhs_number.py", "if check == 11:", "if check == 12:",
                      ("tests/app/test_nhs_number_rules.py::test_nothing_here",))], ROOT)  # fmt: skip
    with pytest.raises(ListError, match="must be 'ci' or 'all'"):
        select([m], "some")


def project(root: Path) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "rule.py").write_text("def adult(age: int) -> bool:\n    return age >= 18\n")
    (root / "tests" / "test_rule.py").write_text(
        "from app.rule import adult\n\n\ndef test_boundary():\n    assert adult(18) and not adult(17)\n\n\n"
        "def test_weak():\n    assert adult(40) and not adult(3)\n"
    )
    return root


def test_a_killed_and_a_surviving_mutant_are_told_apart_and_the_tree_is_untouched(tmp_path: Path, capsys) -> None:
    root = project(tmp_path / "project")
    before = (root / "app" / "rule.py").read_text()
    killed = Mutant("adult-at-19", "adults from 19", "app/rule.py", "age >= 18", "age >= 19",
                    ("tests/test_rule.py::test_boundary",))  # fmt: skip
    survived = Mutant("adult-at-17", "adults from 17", "app/rule.py", "age >= 18", "age >= 17",
                      ("tests/test_rule.py::test_weak",))  # fmt: skip
    check([killed, survived], root)
    outcomes = run([killed, survived], jobs=2, timeout=120, baseline=False, root=root)
    assert [(o.mutant.id, o.status) for o in outcomes] == [("adult-at-19", "killed"), ("adult-at-17", "survived")]
    assert (root / "app" / "rule.py").read_text() == before
    assert report(outcomes) == 1
    out = capsys.readouterr().out
    assert "1 of 2 named wrong rules killed, 1 survived" in out and "SURVIVED adult-at-17" in out
    assert report(outcomes[:1]) == 0
