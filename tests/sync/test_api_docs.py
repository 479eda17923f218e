"""The interactive API pages are off unless asked for; the OpenAPI document, the published contract, is not."""

from __future__ import annotations

import warnings

from sync.server.api import create_app
from sync.server.settings import Settings
from tests.sync.conftest import Org

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def test_docs_and_redoc_are_off_by_default(org: Org) -> None:
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        answer = org.client.get(path)
        assert (answer.status_code, answer.json()["reason"]) == (404, "no_such_route"), path
    assert org.client.get("/openapi.json").status_code == 200


def test_a_flag_turns_them_on(org: Org) -> None:
    app = create_app(
        org.admin.engine.url.render_as_string(hide_password=False), clock=org.clock, settings=Settings(api_docs=True)
    )
    with TestClient(app) as client:
        assert client.get("/docs").status_code == 200 and client.get("/redoc").status_code == 200
    app.state.engine.dispose()


def test_the_flag_is_read_from_the_environment() -> None:
    assert Settings.from_env({}).api_docs is False
    assert Settings.from_env({"WAYMARK_SERVER_API_DOCS": "1"}).api_docs is True
