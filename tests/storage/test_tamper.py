"""Damaged or altered files give a clear integrity error, never data."""

import json
from pathlib import Path

import pytest

from app.workspace import Workspace
from storage.errors import DatabaseDamaged, KeyFileDamaged, NotAStore, StoreTooNew
from tests.conftest import PASSPHRASE

PAGE = 4096


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x40
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("page", [0, 3, -2])
def test_flipped_byte_in_a_database_page_is_an_integrity_error(demo_dir: Path, page: int) -> None:
    db = demo_dir / "waymark.db"
    pages = db.stat().st_size // PAGE
    target = page % pages
    _flip(db, target * PAGE + 1000)
    before = db.read_bytes()
    with pytest.raises(DatabaseDamaged, match=r"damaged or was altered|integrity check"):
        Workspace.open(demo_dir, PASSPHRASE)
    assert db.read_bytes() == before, "a failed open must not write to the database"


def test_truncated_database_is_an_integrity_error(demo_dir: Path) -> None:
    db = demo_dir / "waymark.db"
    db.write_bytes(db.read_bytes()[: PAGE * 3 + 100])
    with pytest.raises(DatabaseDamaged):
        Workspace.open(demo_dir, PASSPHRASE)


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda text: text[: len(text) // 2],
        lambda text: text.replace('"wrapped_key": "', '"wrapped_key": "AAAA'),
        lambda text: "not json at all",
        lambda text: "",
    ],
    ids=["truncated", "wrapped-key-altered", "garbage", "empty"],
)
def test_corrupt_key_file_is_reported_as_damaged(demo_dir: Path, corrupt) -> None:
    key = demo_dir / "waymark.key"
    key.write_text(corrupt(key.read_text()))
    with pytest.raises(KeyFileDamaged, match="key file"):
        Workspace.open(demo_dir, PASSPHRASE)


@pytest.mark.parametrize("field,value", [("memory_kib", 128 * 1024), ("iterations", 4), ("memory_kib", 1024)])
def test_changed_kdf_parameter_is_reported_as_tampering(demo_dir: Path, field: str, value: int) -> None:
    key = demo_dir / "waymark.key"
    doc = json.loads(key.read_text())
    doc["kdf"][field] = value
    key.write_text(json.dumps(doc))
    with pytest.raises(KeyFileDamaged, match=r"altered|damaged"):
        Workspace.open(demo_dir, PASSPHRASE)


def test_folder_that_is_not_a_store_is_named_as_such(tmp_path: Path) -> None:
    (tmp_path / "holiday-photos").mkdir()
    with pytest.raises(NotAStore, match="not a Waymark data folder"):
        Workspace.open(tmp_path / "holiday-photos", PASSPHRASE)
    with pytest.raises(NotAStore, match="does not exist"):
        Workspace.open(tmp_path / "missing", PASSPHRASE)


def test_store_written_by_a_newer_waymark_is_refused(demo_dir: Path) -> None:
    from storage import store

    st = store.open_(demo_dir, PASSPHRASE)
    with st.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA user_version = 99")
    st.close()
    with pytest.raises(StoreTooNew, match="newer Waymark"):
        Workspace.open(demo_dir, PASSPHRASE)
