"""`servicekonto clients webhook` (issue 13): sets a client's Postfach webhook and prints the
secret once, stored sealed; refuses an unknown client, a URL the server must not call, and a
call without --url or --remove; --remove stops the events."""

from __future__ import annotations

import json

from sqlalchemy import select

from servicekonto.db.models import PostfachWebhook
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.support import make_client
from tests.test_cli import run_cli


def _webhook(provider: Provider, client_id: str) -> PostfachWebhook | None:
    with provider.sessions() as db:
        return db.scalar(select(PostfachWebhook).where(PostfachWebhook.client_id == client_id))


def test_the_secret_is_printed_once_and_stored_sealed_then_removed(
    settings: Settings, provider: Provider
) -> None:
    client_id = make_client(provider).client_id
    where = {"data_dir": settings.data_dir, "database_url": settings.database_url}
    printed = json.loads(run_cli("clients", "webhook", "--client-id", client_id, "--url",
                                 "https://fv.example/hooks", "--json", **where).stdout)
    assert printed["url"] == "https://fv.example/hooks" and printed["secret"].startswith("whsec_")
    stored = _webhook(provider, client_id)
    assert stored is not None and stored.url == "https://fv.example/hooks"
    assert printed["secret"].removeprefix("whsec_") not in stored.secret_sealed
    removed = run_cli("clients", "webhook", "--client-id", client_id, "--remove", **where)
    assert removed.stdout.strip() == "webhook removed"
    assert _webhook(provider, client_id) is None


def test_refusals_are_one_line_and_change_nothing(settings: Settings, provider: Provider) -> None:
    client_id = make_client(provider).client_id
    where = {"data_dir": settings.data_dir, "database_url": settings.database_url, "check": False}
    for args, says in (
        (("--client-id", "nobody", "--url", "https://fv.example/h"), "no client nobody"),
        (("--client-id", client_id, "--url", "ftp://fv.example/h"), "must not call"),
        (("--client-id", client_id), "give either --url or --remove"),
    ):
        result = run_cli("clients", "webhook", *args, **where)  # type: ignore[arg-type]
        assert result.returncode != 0 and says in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert _webhook(provider, client_id) is None
