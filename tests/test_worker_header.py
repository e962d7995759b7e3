"""The dev-mode header naming the worker process that answered (tests of `serve --workers 2`
check with it that both workers answered); production does not tell how many processes run."""

from __future__ import annotations

import os

from fastapi.testclient import TestClient

from servicekonto.app import create_app
from servicekonto.clock import FixedClock
from servicekonto.settings import Settings
from tests.support import WORKER_HEADER


def test_dev_mode_names_the_answering_worker_process(app_client: TestClient) -> None:
    for path in ("/healthz", "/jwks", "/no-such-page"):
        assert app_client.get(path).headers[WORKER_HEADER] == str(os.getpid())


def test_outside_dev_mode_no_response_names_a_worker(settings: Settings, clock: FixedClock) -> None:
    # the same secret (it opens the stored signing keys); not revalidated, as a copy
    production = settings.model_copy(update={"dev_mode": False, "issuer": "https://testserver"})
    with TestClient(create_app(production, clock=clock), base_url="https://testserver") as http:
        for path, status in (("/healthz", 200), ("/jwks", 200), ("/no-such-page", 404)):
            answer = http.get(path)
            assert answer.status_code == status
            assert WORKER_HEADER not in answer.headers
