import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from app.workspace import Workspace
from storage import migrations
from storage import store as store_mod
from storage.errors import StoreTooNew
from tests.conftest import PASSPHRASE, TEST_KDF

V1_STORE = Path(__file__).parents[1] / "fixtures" / "store-v1"


def _open(demo_dir: Path) -> store_mod.Store:
    return store_mod.open_(demo_dir, PASSPHRASE)


def test_runner_applies_every_step_in_order(demo_dir: Path) -> None:
    st = _open(demo_dir)
    try:
        base = migrations.latest_version()
        with st.engine.connect() as conn:
            assert migrations.current_version(conn) == base
        ran: list[int] = []

        def step(version: int):
            def apply(conn) -> None:
                ran.append(version)
                conn.execute(text(f"CREATE TABLE probe_{version} (x INTEGER)"))

            return migrations.Step(version, f"probe {version}", apply)

        steps = (step(base + 2), step(base + 1), step(base + 3))  # given out of order on purpose
        assert migrations.upgrade(st.engine, steps) == [base + 1, base + 2, base + 3]
        assert ran == [base + 1, base + 2, base + 3]
        with st.engine.connect() as conn:
            assert migrations.current_version(conn) == base + 3
        assert migrations.upgrade(st.engine, steps) == [], "a second run applies nothing"
    finally:
        st.close()


def test_a_failing_step_leaves_the_store_at_the_last_good_version(demo_dir: Path) -> None:
    st = _open(demo_dir)
    try:

        def good(conn) -> None:
            conn.execute(text("CREATE TABLE probe_good (x INTEGER)"))

        def bad(conn) -> None:
            conn.execute(text("CREATE TABLE probe_bad (x INTEGER)"))
            raise RuntimeError("step failed half way")

        base = migrations.latest_version()
        steps = (migrations.Step(base + 1, "good", good), migrations.Step(base + 2, "bad", bad))
        with pytest.raises(RuntimeError):
            migrations.upgrade(st.engine, steps)
        with st.engine.connect() as conn:
            assert migrations.current_version(conn) == base + 1
            names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))}
        assert "probe_good" in names and "probe_bad" not in names
    finally:
        st.close()


def test_runner_refuses_a_store_newer_than_the_code(demo_dir: Path) -> None:
    st = _open(demo_dir)
    try:
        with st.engine.begin() as conn:
            conn.exec_driver_sql(f"PRAGMA user_version = {migrations.latest_version() + 1}")
        with pytest.raises(StoreTooNew, match="Update Waymark"):
            migrations.upgrade(st.engine)
    finally:
        st.close()


def _columns(conn: object) -> dict[str, list[tuple[str, str, int, object]]]:
    tables = [r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    return {
        t: sorted((c[1], c[2], c[3], c[4]) for c in conn.exec_driver_sql(f"PRAGMA table_info({t})")) for t in tables
    }


def test_a_real_version_1_store_is_upgraded_to_the_same_schema_as_a_new_one(tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(V1_STORE, old)
    st = store_mod.open_(old, PASSPHRASE)  # opening upgrades
    fresh = Workspace.create(tmp_path / "fresh", PASSPHRASE, kdf=TEST_KDF)
    try:
        with st.engine.connect() as a, fresh.store.engine.connect() as b:
            assert migrations.current_version(a) == migrations.latest_version() == 2
            assert _columns(a) == _columns(b)
            assert a.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            kinds = a.exec_driver_sql("SELECT DISTINCT kind FROM escalation").scalars().all()
            assert kinds == ["escalation"], "escalations made before schema 2 were all worker escalations"
    finally:
        st.close()
        fresh.close()
    # The upgraded store still opens as a workspace, with every record it had.
    ws = Workspace.open(old, PASSPHRASE)
    try:
        assert len(ws.caseload.rows()) == 4
    finally:
        ws.close()
