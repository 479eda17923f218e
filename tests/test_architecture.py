"""Dependencies point one way: ui -> app/sync -> storage; sync -> app/storage/resources; nothing imports ui.

app/ holds the rules and storage/ the SQL: app/ imports neither Qt nor SQLAlchemy (it gets its rows from
the named queries in storage/repo/ and its transactions from storage.unit_of_work), and storage/ imports
nothing of app/.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAY_IMPORT = {
    "storage": set(),
    "app": {"storage"},
    # The server loads the demo organisation with the client's own generator and reads the bundled
    # pathway, contacts and hours files, so both ends hold the same content.
    "sync": {"app", "storage", "resources"},
    "resources": {"app", "storage"},
    # The GUI and the command line drive the sync engine (enrol, sync, status); sync never imports ui.
    "ui": {"app", "resources", "sync"},
}
QT = {"PySide6", "shiboken6"}
SQL = {"sqlalchemy", "sqlcipher3", "sqlite3"}
# Files of app/ that still import SQLAlchemy, each with why. Empty it, never grow it.
SQL_ALLOWLIST = {
    "app/audit.py",  # the audit chain; the store engineer is reworking it (keyed chain), its queries move then
}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def violations(root: Path, allow_sql: set[str] = SQL_ALLOWLIST) -> list[str]:
    found = []
    for package in sorted(MAY_IMPORT):
        for path in sorted((root / package).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            imported = imports_of(path)
            wrong = (imported & set(MAY_IMPORT)) - MAY_IMPORT[package] - {package}
            if wrong:
                found.append(f"{name} imports {sorted(wrong)}")
            if package != "ui" and imported & QT:
                found.append(f"{name} imports Qt")
            if package == "app" and imported & SQL and name not in allow_sql:
                found.append(f"{name} imports {sorted(imported & SQL)}: app/ holds rules, storage/ holds SQL")
    return found


def test_layer_imports_point_one_way() -> None:
    for package in MAY_IMPORT:
        assert list((ROOT / package).rglob("*.py")), f"{package}/ has no Python files"
    assert violations(ROOT) == []


def test_the_sql_allowlist_names_only_files_that_still_need_it() -> None:
    for name in SQL_ALLOWLIST:
        assert imports_of(ROOT / name) & SQL, f"{name} no longer imports SQL: remove it from the allowlist"


@pytest.mark.parametrize(
    ("package", "source", "complaint"),
    [
        ("app", "import sqlalchemy\n", "app/planted.py imports ['sqlalchemy']"),
        ("app", "from sqlalchemy.orm import Session\n", "app/planted.py imports ['sqlalchemy']"),
        ("app", "from PySide6.QtCore import QObject\n", "app/planted.py imports Qt"),
        ("storage", "from app.audit import Actor\n", "storage/planted.py imports ['app']"),
        ("storage", "import ui.main_window\n", "storage/planted.py imports ['ui']"),
        ("app", "import ui\n", "app/planted.py imports ['ui']"),
    ],
)
def test_a_planted_wrong_import_is_caught(tmp_path: Path, package: str, source: str, complaint: str) -> None:
    for name in MAY_IMPORT:
        (tmp_path / name).mkdir()
        (tmp_path / name / "ok.py").write_text("import uuid\n")
    (tmp_path / package / "planted.py").write_text(source)
    assert any(v.startswith(complaint) for v in violations(tmp_path)), violations(tmp_path)


def test_no_risk_score_anywhere_in_the_code() -> None:
    banned = ("risk_score", "risk_level", "riskscore", "risk_rating", "risk_category")
    for package in MAY_IMPORT:
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text().lower()
            for word in banned:
                assert word not in text, f"{path.relative_to(ROOT)} mentions {word}"
