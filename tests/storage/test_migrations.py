from pathlib import Path

import pytest
from sqlalchemy import text

from storage import migrations
from storage import store as store_mod
from storage.errors import StoreTooNew
from tests.conftest import PASSPHRASE


def _open(demo_dir: Path) -> store_mod.Store:
    return store_mod.open_(demo_dir, PASSPHRASE)


def test_runner_applies_every_step_in_order_to_a_version_1_store(demo_dir: Path) -> None:
    st = _open(demo_dir)
    try:
        with st.engine.connect() as conn:
            assert migrations.current_version(conn) == 1
        ran: list[int] = []

        def step(version: int):
            def apply(conn) -> None:
                ran.append(version)
                conn.execute(text(f"CREATE TABLE probe_{version} (x INTEGER)"))

            return migrations.Step(version, f"probe {version}", apply)

        steps = (step(3), step(2), step(4))  # given out of order on purpose
        assert migrations.upgrade(st.engine, steps) == [2, 3, 4]
        assert ran == [2, 3, 4]
        with st.engine.connect() as conn:
            assert migrations.current_version(conn) == 4
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

        steps = (migrations.Step(2, "good", good), migrations.Step(3, "bad", bad))
        with pytest.raises(RuntimeError):
            migrations.upgrade(st.engine, steps)
        with st.engine.connect() as conn:
            assert migrations.current_version(conn) == 2
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
