"""The review UI's door: token guessing is throttled, weak tokens are refused, only this server's
own host names are answered, logout revokes the session, and ids or query values that cannot
name anything get an HTML 404/422 instead of a 500 or raw JSON."""

from __future__ import annotations

from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from pipeline.cli import app as cli_app
from pipeline.errors import UserError
from pipeline.web.app import create_app
from pipeline.web.auth import FREE_FAILURES, MIN_TOKEN_CHARS
from tests.support.review_data import paper, result, stored
from tests.test_review_web import TOKEN, _field, login

HUGE = "99999999999999999999"  # beyond 64 bits: SQLite raised OverflowError, a 500


@pytest.fixture
def web(ctrends_env: dict[str, str], tmp_path: Path) -> TestClient:
    app = create_app(TOKEN, ctrends_env["CTRENDS_DATABASE_URL"], tmp_path / "data")
    return TestClient(app, base_url="http://127.0.0.1:8765", follow_redirects=False)


@pytest.fixture
def fact_id(session: Session) -> int:
    [fact] = stored(session, paper(session), [result()])
    session.commit()
    return fact.id


def test_wrong_tokens_are_throttled_per_client_with_backoff(web: TestClient) -> None:
    throttle = web.app.state.web.throttle  # type: ignore[attr-defined]
    now = [1000.0]
    throttle.clock = lambda: now[0]
    for _ in range(FREE_FAILURES):
        assert login(web, token="guess-guess-guess") == "401"
    assert login(web) == "429"  # locked out: even the right token is not checked
    page = web.get("/login")
    nonce = _field(page.text, "nonce")
    locked = web.post("/login", data={"token": TOKEN, "reviewer": "a", "nonce": nonce})
    assert locked.status_code == 429 and locked.headers["retry-after"] == "1"
    assert "too many wrong tokens" in locked.text

    other = TestClient(
        web.app, base_url="http://127.0.0.1:8765", client=("10.0.0.9", 4000), follow_redirects=False
    )
    assert login(other) == "/queue"  # another address is not locked out by this one

    now[0] += 1.5
    assert login(web, token="guess-guess-guess") == "401"
    assert login(web) == "429"  # the next lockout is longer: 2 s
    now[0] += 1.5
    assert login(web) == "429"
    now[0] += 1.0
    assert login(web) == "/queue"  # the right token after the wait; the count starts again
    assert login(web, token="guess-guess-guess") == "401"
    assert login(web) == "/queue"


def test_weak_tokens_are_refused_at_start(
    ctrends_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UserError, match=f"at least {MIN_TOKEN_CHARS}"):
        create_app("ab", ctrends_env["CTRENDS_DATABASE_URL"], tmp_path)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("must not serve"))
    monkeypatch.setenv("CTRENDS_WEB_TOKEN", "x" * (MIN_TOKEN_CHARS - 1))
    out = CliRunner().invoke(cli_app, ["web"])
    assert isinstance(out.exception, UserError)
    assert str(out.exception).startswith("CTRENDS_WEB_TOKEN is 15 characters long")


def test_only_the_servers_own_host_names_are_answered(
    ctrends_env: dict[str, str], tmp_path: Path, fact_id: int
) -> None:
    app = create_app(TOKEN, ctrends_env["CTRENDS_DATABASE_URL"], tmp_path, ["review.lab"])
    for base in ("http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765"):
        assert TestClient(app, base_url=base).get("/login").status_code == 200, base
    assert TestClient(app, base_url="http://review.lab").get("/login").status_code == 200
    # DNS rebinding: attacker.example resolves to 127.0.0.1; its page posts to "its" server
    rebound = TestClient(app, base_url="http://attacker.example:8765", follow_redirects=False)
    assert rebound.get("/login").status_code == 421
    guess = rebound.post(
        "/login",
        data={"token": TOKEN, "reviewer": "eve", "nonce": "n"},
        headers={"origin": "http://attacker.example:8765"},
        cookies={"ctrends_login": "n"},
    )
    assert guess.status_code == 421 and "ctrends_session" not in guess.cookies
    home = TestClient(app, base_url="http://127.0.0.1:8765", follow_redirects=False)
    login(home)
    rebound.cookies = home.cookies  # even with a session cookie the page gets nothing
    assert rebound.get(f"/facts/{fact_id}").status_code == 421


def test_logout_revokes_the_session_on_the_server(web: TestClient, fact_id: int) -> None:
    assert login(web) == "/queue"
    stolen = web.cookies.get("ctrends_session")
    csrf = _field(web.get("/queue").text, "csrf")
    assert web.post("/logout", data={"csrf": csrf}).status_code == 303
    thief = TestClient(web.app, base_url="http://127.0.0.1:8765", follow_redirects=False)
    thief.cookies.set("ctrends_session", stolen)
    for path in ("/queue", f"/facts/{fact_id}"):
        response = thief.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert login(web) == "/queue"  # a new login works


def test_ids_beyond_64_bits_and_bad_query_values_are_404_or_422_pages(
    web: TestClient, fact_id: int
) -> None:
    login(web)
    csrf = _field(web.get(f"/facts/{fact_id}").text, "csrf")
    for path in (f"/facts/{HUGE}", f"/facts/{HUGE}/region.png", "/facts/abc", "/facts/0"):
        response = web.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert "no such fact" in response.text and '"detail"' not in response.text
    posted = web.post(f"/facts/{HUGE}/accept", data={"csrf": csrf})
    assert posted.status_code == 404 and "no such fact" in posted.text
    for query in ("last=²", f"last={HUGE}", "last=abc"):
        for path in ("/queue", f"/facts/{fact_id}"):
            response = web.get(f"{path}?{query}")
            assert response.status_code == 422, (path, query)
            assert "invalid last" in response.text and "<html" in response.text
    missing = web.get("/no/such/page")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert web.get(f"/queue?last={fact_id}").status_code == 200


def test_a_too_long_correction_is_refused_with_422(web: TestClient, fact_id: int) -> None:
    login(web)
    csrf = _field(web.get(f"/facts/{fact_id}").text, "csrf")
    for value in ("9" * 5000, "1e400"):  # stored Infinity; a 500
        refused = web.post(f"/facts/{fact_id}/edit", data={"csrf": csrf, "value": value})
        assert refused.status_code == 422 and 'role="alert"' in refused.text
