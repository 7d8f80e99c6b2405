"""The review UI over HTTP: access token, CSRF, escaping of PDF text, decisions, page regions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from db.models import Fact, ReviewEvent
from db.session import session_scope
from pipeline.cli import app as cli_app
from pipeline.errors import UserError
from pipeline.web.app import create_app
from pipeline.web.evidence import highlight
from tests.support.pdfgen import make_pdf
from tests.support.review_data import paper, result, stored

TOKEN = "test-token-0123456789"
HOSTILE = '<script>alert("pdf")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def facts(session: Session, tmp_path: Path) -> list[int]:
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(make_pdf([["Table 3: results"], ["ResNet-50 reaches 75.3% top-1 accuracy"]]))
    row = paper(session, title=f"Residual {HOSTILE}", pdf_path=str(pdf), pdf_sha256="ab" * 32)
    made = stored(
        session,
        row,
        [
            result(evidence=f"{HOSTILE} ResNet-50: 75.3 (175.3 is not it)", page=2),
            result(model="VGG-16", value="71.5", page=9),
        ],
    )
    made[0].bbox = [72.0, 40.0, 300.0, 52.0]
    session.commit()
    return [f.id for f in made]


@pytest.fixture
def client(ctrends_env: dict[str, str], tmp_path: Path) -> TestClient:
    app = create_app(TOKEN, ctrends_env["CTRENDS_DATABASE_URL"], tmp_path / "data", ["testserver"])
    return TestClient(app, follow_redirects=False)


def login(client: TestClient, name: str = "alice", token: str = TOKEN) -> str:
    form = client.get("/login?next=/queue")
    nonce = _field(form.text, "nonce")
    response = client.post(
        "/login", data={"token": token, "reviewer": name, "nonce": nonce, "next": "/queue"}
    )
    return response.headers.get("location", str(response.status_code))


def _field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} field"
    return match.group(1)


def _fact(url: str, fact_id: int) -> tuple[Fact, list[ReviewEvent]]:
    with session_scope(url) as s:
        fact = s.get_one(Fact, fact_id)
        events = list(s.scalars(select(ReviewEvent).where(ReviewEvent.fact_id == fact_id)))
        s.expunge_all()
        return fact, events


def test_everything_needs_the_token(client: TestClient, facts: list[int]) -> None:
    for path in ("/queue", f"/facts/{facts[0]}", f"/facts/{facts[0]}/region.png"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.post(f"/facts/{facts[0]}/accept").status_code == 303  # to the login page
    assert login(client, token="not-it") == "401"
    client.cookies.set("ctrends_session", "eyJyIjoiZXZlIn0.forged")
    assert client.get("/queue").status_code == 303
    client.cookies.clear()
    assert login(client) == "/queue"
    assert client.get("/queue").status_code == 200


def test_login_itself_is_csrf_protected(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"token": TOKEN, "reviewer": "eve", "nonce": "guess"})
    assert response.status_code == 403
    assert "ctrends_session" not in response.cookies


def test_pdf_text_is_escaped_and_the_number_highlighted(
    client: TestClient, facts: list[int]
) -> None:
    login(client)
    page = client.get(f"/facts/{facts[0]}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(&#34;pdf&#34;)&lt;/script&gt;" in page.text
    assert "ResNet-50: <mark>75.3</mark> (175.3 is not it)" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp


def test_state_changes_need_the_sessions_csrf_token_and_origin(
    client: TestClient, facts: list[int], ctrends_env: dict[str, str]
) -> None:
    login(client)
    url = ctrends_env["CTRENDS_DATABASE_URL"]
    csrf = _field(client.get(f"/facts/{facts[0]}").text, "csrf")
    assert client.post(f"/facts/{facts[0]}/accept", data={"csrf": "x"}).status_code == 403
    foreign = client.post(
        f"/facts/{facts[0]}/accept", data={"csrf": csrf}, headers={"origin": "http://evil.test"}
    )
    assert foreign.status_code == 403
    assert _fact(url, facts[0])[0].status == "pending"

    done = client.post(f"/facts/{facts[0]}/accept?benchmark=imagenet", data={"csrf": csrf})
    assert done.status_code == 303
    assert (
        done.headers["location"]
        == f"/facts/{facts[1]}?status=open&benchmark=imagenet&last={facts[0]}"
    )
    fact, events = _fact(url, facts[0])
    assert fact.status == "accepted"
    assert [(e.action, e.reviewer) for e in events] == [("accept", "alice")]


def test_edit_undo_and_a_refused_edit(
    client: TestClient, facts: list[int], ctrends_env: dict[str, str]
) -> None:
    login(client, name="bob")
    url = ctrends_env["CTRENDS_DATABASE_URL"]
    second = facts[1]
    csrf = _field(client.get(f"/facts/{second}").text, "csrf")
    refused = client.post(f"/facts/{second}/edit", data={"csrf": csrf, "value": "lots"})
    assert refused.status_code == 422 and "cannot read" in refused.text
    assert _fact(url, second)[0].status == "pending"

    edited = client.post(
        f"/facts/{second}/edit", data={"csrf": csrf, "value": "72.5", "unit": "%", "note": "typo"}
    )
    assert edited.status_code == 303
    fact, events = _fact(url, second)
    assert (fact.status, fact.value, fact.error) == ("edited", "72.5", pytest.approx(0.275))
    assert (events[0].reviewer, events[0].note, events[0].before["value"]) == (
        "bob",
        "typo",
        "71.5",
    )

    landing = client.get(edited.headers["location"])
    assert f"Fact #{second}" in landing.text  # the reminder, with its undo button
    undone = client.post(f"/facts/{second}/undo", data={"csrf": csrf})
    assert undone.headers["location"].startswith(f"/facts/{second}?")
    fact, events = _fact(url, second)
    assert fact.status == "pending" and [e.action for e in events] == ["edit", "undo"]
    assert client.get(f"/facts/{second}").text.count("Audit trail") == 1


def test_queue_page_and_filters(client: TestClient, facts: list[int]) -> None:
    login(client)
    page = client.get("/queue?kind=result&paper=1512.03385")
    assert page.status_code == 200
    assert f'href="/facts/{facts[0]}?status=open&amp;kind=result&amp;paper=1512.03385"' in page.text
    assert client.get("/queue?status=bogus").status_code == 400
    assert "The queue is clear" in client.get("/queue?benchmark=coco").text


def test_region_of_the_cached_pdf(client: TestClient, facts: list[int], tmp_path: Path) -> None:
    login(client)
    image = client.get(f"/facts/{facts[0]}/region.png")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert list((tmp_path / "data" / "regions").glob("*.png"))  # cached for the next view
    missing_page = client.get(f"/facts/{facts[1]}/region.png")  # page 9 of a 2-page PDF
    assert missing_page.status_code == 404 and "no page 9" in missing_page.text


@pytest.mark.parametrize(
    ("evidence", "value", "expected"),
    [
        ("top-1 76.1 vs 176.1", "76.1", "top-1 <mark>76.1</mark> vs 176.1"),
        ("err 23.9%", "23.9%", "err <mark>23.9%</mark>"),
        ("Table: 7.38 | 7.3", "7.3", "Table: 7.38 | <mark>7.3</mark>"),
        ("a<b>76.1</b>", "76.1", "a&lt;b&gt;<mark>76.1</mark>&lt;/b&gt;"),
        ("no number here", "42", "no number here"),
        ("<x> 5 <y>", "<x>", "<mark>&lt;x&gt;</mark> 5 &lt;y&gt;"),
    ],
)
def test_highlight_escapes_every_piece(evidence: str, value: str, expected: str) -> None:
    assert str(highlight(evidence, value)) == expected


def test_ctrends_web_binds_loopback_and_prints_a_token_when_none_is_set(
    ctrends_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(options, app=app))
    monkeypatch.delenv("CTRENDS_WEB_TOKEN", raising=False)
    out = CliRunner().invoke(cli_app, ["web", "--port", "9999"])
    assert out.exit_code == 0, out.output
    assert (served["host"], served["port"]) == ("127.0.0.1", 9999)
    token = re.search(r"access token for this run .*:\n(\S+)\n", out.output)
    assert token and len(token.group(1)) >= 43  # 256 random bits

    monkeypatch.setenv("CTRENDS_WEB_TOKEN", "chosen-by-the-team")
    out = CliRunner().invoke(cli_app, ["web", "--host", "0.0.0.0"])
    assert "access token" not in out.output and "warning" in out.output
    assert served["host"] == "0.0.0.0"


def test_ctrends_web_refuses_a_database_without_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CTRENDS_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("must not serve"))
    out = CliRunner().invoke(cli_app, ["web"])
    assert isinstance(out.exception, UserError) and "ctrends db upgrade" in str(out.exception)


def test_a_flagged_fact_shows_the_proposal_and_can_be_kept(
    client: TestClient, facts: list[int], session: Session, ctrends_env: dict[str, str]
) -> None:
    fact = session.get_one(Fact, facts[1])
    fact.status, fact.needs_rereview = "accepted", True
    fact.proposed = {"value": "71.9", "error": 0.281, "extractor_version": "2"}
    session.commit()
    login(client)
    page = client.get(f"/facts/{facts[1]}?status=flagged")
    assert "A newer extraction proposes" in page.text
    assert "<th>value</th><td>71.5</td><td>71.9</td>" in page.text
    assert 'data-keys="c"' in page.text and "accept new values" in page.text
    kept = client.post(
        f"/facts/{facts[1]}/keep?status=flagged", data={"csrf": _field(page.text, "csrf")}
    )
    assert kept.headers["location"] == f"/queue?status=flagged&last={facts[1]}"
    fact, events = _fact(ctrends_env["CTRENDS_DATABASE_URL"], facts[1])
    assert (fact.value, fact.needs_rereview, events[-1].action) == ("71.5", False, "keep")


def test_a_broken_pdf_gives_a_clear_message_not_an_error(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(make_pdf([["fine"]])[:200])
    [fact] = stored(session, paper(session, "1701.00001", pdf_path=str(broken)), [result(page=1)])
    session.commit()
    login(client)
    response = client.get(f"/facts/{fact.id}/region.png")
    assert response.status_code == 404 and "cannot render" in response.text
