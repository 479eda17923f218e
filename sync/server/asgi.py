"""The app factory uvicorn workers call: the database URL comes from the `serve` command's environment."""

from __future__ import annotations

import os

from fastapi import FastAPI

from sync.server.api import create_app


def app() -> FastAPI:
    return create_app(os.environ["WAYMARK_SERVER_DB"])
