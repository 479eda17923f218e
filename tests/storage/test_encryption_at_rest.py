"""No decrypted value may be readable in any file of the data folder or in the logs."""

import json
import logging
import re
from datetime import timedelta
from pathlib import Path

from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.workspace import Workspace
from tests.conftest import NOW, PASSPHRASE


def _strings(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


def test_no_decrypted_string_appears_in_any_file_or_log(demo_dir: Path, clock, caplog, tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    log_file = tmp_path / "waymark.log"
    handler = logging.FileHandler(log_file)
    logging.getLogger().addHandler(handler)
    try:
        ws = Workspace.open(demo_dir, PASSPHRASE, clock=clock)
        person = ws.caseload.rows()[0].person_id
        # Leave a write in the WAL as well as in the main file.
        ws.notes.record(
            NoteDraft(
                person,
                NOW - timedelta(minutes=30),
                NOW - timedelta(minutes=5),
                ContactMethod.PHONE,
                Outcome.SPOKEN_TO,
                "Unmistakable narrative about Wednesday",
            )
        )
        records = list(ws.dump())
        # Keep the store open so the WAL and SHM files exist while the bytes are read.
        values = {s for r in records for s in _strings({k: v for k, v in r.items() if k != "type"})}
        secrets_ = {v for v in values if len(v) > 4}
        raw = {p.name: p.read_bytes() for p in demo_dir.iterdir() if p.is_file()}
        assert "waymark.db-wal" in raw
        raw["log"] = log_file.read_bytes() + "\n".join(r.getMessage() for r in caplog.records).encode()
        ws.close()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert len(secrets_) > 200
    for name, data in raw.items():
        candidates = secrets_
        if name == "log":
            # Logs may name tables, columns and codes (e.g. "contact_note", "create"); never values.
            candidates = {s for s in secrets_ if not re.fullmatch(r"[a-z_\-]+", s)}
        leaked = [s for s in candidates if s.encode() in data]
        assert not leaked, f"{name} holds {len(leaked)} decrypted values, e.g. a {len(leaked[0])}-char string"


def test_database_file_has_no_plain_sqlite_header(demo_dir: Path) -> None:
    assert not (demo_dir / "waymark.db").read_bytes().startswith(b"SQLite format 3")
    key_doc = json.loads((demo_dir / "waymark.key").read_text())
    assert key_doc["kdf"]["memory_kib"] >= 64 * 1024
