"""Benchmark: what SQLCipher costs against plain SQLite, through the same store code path.

Writes then reads back 10,000 contact notes on each codec in one run and prints the times and
the ratio (target: encrypted <= 1.25x plaintext). Also prints unlock time with this machine's
calibrated KDF, and listing and searching a 10,000-person caseload.

    python tests/bench/store_notes.py [--notes N] [--persons N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.clock import FixedClock
from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.workspace import Workspace
from resources.demo.generator import populate
from storage import seal
from storage.engine import Codec
from storage.keyfile import KdfParams, calibrate

PASSPHRASE = "benchmark passphrase"
NOW = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)


def notes_round_trip(folder: Path, codec: Codec, count: int) -> tuple[float, float]:
    ws = Workspace.create(folder, PASSPHRASE, kdf=KdfParams.floor(), clock=FixedClock(NOW), codec=codec)
    populate(ws, persons=20, seed=1, now=NOW)
    persons = [r.person_id for r in ws.caseload.rows()]
    start = time.perf_counter()
    for i in range(count):
        ws.notes.record(
            NoteDraft(
                persons[i % len(persons)],
                NOW - timedelta(minutes=50),
                NOW - timedelta(minutes=10),
                ContactMethod.PHONE,
                Outcome.SPOKEN_TO,
                f"Benchmark note {i}: talked about the week, sleep and the plan; agreed next call.",
                plan_steps_used=[2],
            )
        )
    write = time.perf_counter() - start
    start = time.perf_counter()
    read = sum(len(ws.notes.timeline(p)) for p in persons)
    elapsed = time.perf_counter() - start
    assert read >= count
    ws.close()
    return write, elapsed


def sealed_state_cost(folder: Path, count: int) -> float:
    """Seconds per write of the sealed record of the store's state, which every save now adds."""
    folder.mkdir()
    sealer = seal.Sealer(folder / "waymark.state", seal.derive_key(bytes(32), "seal"))
    start = time.perf_counter()
    for i in range(count):
        sealer.write(seal.StoreState("bench", i, NOW.isoformat(), i, "0" * 64))
    return (time.perf_counter() - start) / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--persons", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        plain_w, plain_r = notes_round_trip(root / "plain", Codec.PLAINTEXT_FOR_BENCHMARK, args.notes)
        enc_w, enc_r = notes_round_trip(root / "enc", Codec.SQLCIPHER, args.notes)
        print(f"{args.notes} notes, each saved in its own durable transaction (synchronous=FULL):")
        print(f"  write  plaintext {plain_w:7.2f} s   sqlcipher {enc_w:7.2f} s   ratio {enc_w / plain_w:5.2f}x")
        print(f"  read   plaintext {plain_r:7.2f} s   sqlcipher {enc_r:7.2f} s   ratio {enc_r / plain_r:5.2f}x")
        total = (enc_w + enc_r) / (plain_w + plain_r)
        print(f"  total ratio {total:.2f}x (target <= 1.25x)")

        per_save = enc_w / args.notes
        print(f"  per save: plaintext {plain_w / args.notes * 1000:.1f} ms, sqlcipher {per_save * 1000:.1f} ms")
        seal_cost = sealed_state_cost(root / "seal", 200)
        print(
            "  of which the sealed state's file (AES-GCM, write, fsync, rename): "
            f"{seal_cost * 1000:.1f} ms ({seal_cost / per_save:.0%} of an encrypted save)"
        )

        params = calibrate()
        ws = Workspace.create(root / "big", PASSPHRASE, kdf=params, clock=FixedClock(NOW))
        start = time.perf_counter()
        populate(ws, persons=args.persons, seed=2, now=NOW)
        build = time.perf_counter() - start
        ws.close()
        start = time.perf_counter()
        ws = Workspace.open(root / "big", PASSPHRASE, clock=FixedClock(NOW))
        unlock = time.perf_counter() - start
        start = time.perf_counter()
        rows = ws.caseload.rows()
        listing = time.perf_counter() - start
        start = time.perf_counter()
        for query in ("ash", "999 1", "mo ", "zz", "sofia thw"):
            ws.caseload.find(query, rows)
        search = (time.perf_counter() - start) / 5
        ws.close()
        print(
            f"unlock (Argon2id m={params.memory_kib // 1024} MiB t={params.iterations} p={params.lanes}, "
            f"open, integrity check): {unlock:.2f} s"
        )
        print(f"demo build {args.persons} persons: {build:.2f} s")
        print(
            f"list caseload of {len(rows)} persons: {listing * 1000:.0f} ms; quick find over it: {search * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
