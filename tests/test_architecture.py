"""Dependencies point one way: ui -> app -> storage; sync -> app/storage; nothing imports ui."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAY_IMPORT = {
    "storage": set(),
    "app": {"storage"},
    "sync": {"app", "storage"},
    "resources": {"app", "storage"},
    "ui": {"app", "resources"},
}
QT = {"PySide6", "shiboken6"}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_layer_imports_point_one_way(package: str) -> None:
    files = list((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no Python files"
    for path in files:
        imported = imports_of(path)
        wrong = (imported & set(MAY_IMPORT)) - MAY_IMPORT[package] - {package}
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"
        if package != "ui":
            assert not imported & QT, f"{path.relative_to(ROOT)} imports Qt"


def test_no_risk_score_anywhere_in_the_code() -> None:
    banned = ("risk_score", "risk_level", "riskscore", "risk_rating", "risk_category")
    for package in MAY_IMPORT:
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text().lower()
            for word in banned:
                assert word not in text, f"{path.relative_to(ROOT)} mentions {word}"
