"""The app factory uvicorn workers call: the database URL comes from the `serve` command's environment."""

from __future__ import annotations

import gc
import os

from fastapi import FastAPI

from sync.server.api import create_app


def app() -> FastAPI:
    made = create_app(os.environ["WAYMARK_SERVER_DB"])
    # Everything made so far (the imported libraries, the routes and their validators, the table metadata) lives
    # as long as the process. Frozen, the collector's full passes no longer walk it; they took between an eighth
    # and a sixth of a 10,000-record push (tests/bench/sync_server.py). Collected first, so no garbage is kept.
    gc.collect()
    gc.freeze()
    return made
