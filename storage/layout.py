"""Which files make up a store in its data folder. No database code, so callers that only need to know
whether a store exists (the unlock window) do not pay for loading it."""

from __future__ import annotations

from pathlib import Path

DB_NAME = "waymark.db"
KEY_NAME = "waymark.key"
THROTTLE_NAME = "unlock-attempts.json"
SEAL_NAME = "waymark.state"  # the sealed record of the store's latest state (storage/seal.py)
PENDING_KEY_NAME = "waymark.key.rekeying"  # the new key while `waymark rekey` runs


def db_path(data_dir: Path) -> Path:
    return data_dir / DB_NAME


def key_path(data_dir: Path) -> Path:
    return data_dir / KEY_NAME


def seal_path(data_dir: Path) -> Path:
    return data_dir / SEAL_NAME


def store_files(data_dir: Path) -> list[Path]:
    """Every file the store may occupy, WAL and shared memory included."""
    base = db_path(data_dir)
    return [
        base,
        base.with_name(base.name + "-wal"),
        base.with_name(base.name + "-shm"),
        key_path(data_dir),
        seal_path(data_dir),
        data_dir / PENDING_KEY_NAME,
    ]


def exists(data_dir: Path) -> bool:
    return key_path(data_dir).exists() or db_path(data_dir).exists()
