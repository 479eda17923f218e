"""The throwaway PostgreSQL cluster the server and schema tests rely on starts and takes connections."""

from sqlalchemy import create_engine, text

from tests.postgres import PgCluster


def test_a_fresh_database_on_the_throwaway_cluster_takes_queries(pg_cluster: PgCluster) -> None:
    engine = create_engine(pg_cluster.new_database())
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x int)"))
        conn.execute(text("INSERT INTO t VALUES (41)"))
        assert conn.execute(text("SELECT x + 1 FROM t")).scalar_one() == 42
    engine.dispose()
