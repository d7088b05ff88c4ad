"""``relais tokens add|list|revoke`` as a user runs them: the token is printed once,
only its hash is kept, a revoked token is refused by the API, bad input is one line."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import select

from relais.store.db import open_store
from relais.store.models import ApiTokenRow
from relais.web.app import create_app
from tests.api.conftest import bearer
from tests.helpers import run_relais


def test_add_prints_the_token_once_and_stores_only_its_hash(relais_home) -> None:
    made = run_relais(relais_home, "tokens", "add", "cms", "--scope", "ingest,read", "--lang", "fr,de")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("relais_") and len(token) > 40
    store = open_store(relais_home.db_url)
    try:
        with store.read() as s:
            row = s.scalar(select(ApiTokenRow).where(ApiTokenRow.name == "cms"))
            assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
            assert (row.scopes, row.languages, row.revoked_at) == (["ingest", "read"], ["fr", "de"], None)
            stored = " ".join(str(v) for v in vars(row).values())
        assert token not in stored
        listed = run_relais(relais_home, "tokens", "list")
        assert listed.returncode == 0 and "cms" in listed.stdout and "ingest,read" in listed.stdout
        assert token not in listed.stdout

        with TestClient(create_app(store)) as client:
            assert client.get("/api/v1/stories/1", headers=bearer(token)).status_code == 404  # known: no such story
            revoked = run_relais(relais_home, "tokens", "revoke", "cms")
            assert revoked.returncode == 0, revoked.stderr
            answer = client.get("/api/v1/stories/1", headers=bearer(token))
            assert answer.status_code == 401
            assert answer.headers["content-type"] == "application/problem+json"
        assert "cms" in run_relais(relais_home, "tokens", "list").stdout  # kept, marked revoked
    finally:
        store.close()


def test_bad_input_is_one_line(relais_home) -> None:
    assert run_relais(relais_home, "tokens", "add", "cms", "--scope", "read").returncode == 0
    for args, words in [
        (("tokens", "add", "other", "--scope", "publish"), "unknown scope publish"),
        (("tokens", "add", "cms", "--scope", "read"), "exists already"),
        (("tokens", "add", "bad name", "--scope", "read"), "is not a token name"),
        (("tokens", "revoke", "nobody"), "no token named 'nobody'"),
    ]:
        result = run_relais(relais_home, *args)
        assert result.returncode != 0, args
        assert words in result.stderr and "Traceback" not in result.stderr, result.stderr
