"""Hostile input: HTML/JS in PDF text is inert in the review UI and the CLI, SQL injection in every
CLI option and web parameter does nothing, state changes need the token and this session's CSRF
token, and paths taken from data (web paths, source directories, metadata) cannot escape."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import typer.core
import typer.main
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, func, inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from db.models import Fact, Paper, ReviewEvent
from db.session import get_engine, session_scope
from pipeline.cli import app as cli_app
from pipeline.sources.local_dir import scan_directory
from pipeline.web.app import create_app
from tests.support.pdfgen import make_pdf
from tests.support.review_data import flops, paper, result, stored
from tests.test_review_web import TOKEN, _field, login

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
MARKUP = "[/red][link=javascript:alert(1)]click[/link][bold]"
INJECTION = "x' OR '1'='1'; DROP TABLE facts; --\" \\"
HOSTILE = f"{SCRIPT} {MARKUP} {INJECTION}"
SERVERS = {"serve", "web"}  # long-running: their options are bound, not queried


@pytest.fixture
def hostile_facts(session: Session, tmp_path: Path) -> list[int]:
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(make_pdf([["ResNet-50 reaches 75.3% top-1 accuracy"]]))
    row = paper(session, title=HOSTILE, authors=[HOSTILE], pdf_path=str(pdf), pdf_sha256="ab" * 32)
    made = stored(
        session,
        row,
        [
            result(model=HOSTILE, evidence=f"{HOSTILE} reaches 75.3", page=1),
            flops(model=HOSTILE),
        ],
    )
    session.commit()
    return [f.id for f in made]


def _counts(url: str) -> dict[str, int]:
    engine = get_engine(url)
    metadata = MetaData()
    metadata.reflect(bind=engine)
    with engine.connect() as conn:
        return {
            name: conn.scalar(select(func.count()).select_from(table))
            for name, table in metadata.tables.items()
            if name not in ("review_events", "ingest_runs", "trend_fits", "observations")
        }


# -- the review UI ------------------------------------------------------------------------


@pytest.fixture
def client(ctrends_env: dict[str, str], tmp_path: Path) -> TestClient:
    app = create_app(TOKEN, ctrends_env["CTRENDS_DATABASE_URL"], tmp_path / "data", ["testserver"])
    return TestClient(app, follow_redirects=False)


def _inert(html: str) -> None:
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")


def test_pdf_text_renders_inert_on_every_page(
    client: TestClient, hostile_facts: list[int], ctrends_env: dict[str, str]
) -> None:
    login(client, name=SCRIPT)
    pages = [client.get("/queue"), client.get(f"/facts/{hostile_facts[0]}")]
    csrf = _field(pages[1].text, "csrf")
    client.post(
        f"/facts/{hostile_facts[0]}/edit",
        data={"csrf": csrf, "value": "75.4", "unit": "%", "note": HOSTILE},
    )
    pages += [client.get(f"/facts/{hostile_facts[0]}"), client.get(f"/queue?paper={SCRIPT}")]
    for response in pages:
        assert response.status_code in (200, 400, 404), response.status_code
        _inert(response.text)
        assert "Content-Security-Policy" in response.headers
    assert "&lt;script&gt;" in pages[1].text and "&lt;script&gt;" in pages[2].text


def test_sql_injection_in_every_web_parameter_does_nothing(
    client: TestClient, hostile_facts: list[int], ctrends_env: dict[str, str]
) -> None:
    url = ctrends_env["CTRENDS_DATABASE_URL"]
    before = _counts(url)
    login(client)
    fact = hostile_facts[0]
    for key in ("status", "benchmark", "kind", "paper", "last", "next"):
        for path in ("/queue", f"/facts/{fact}", "/login"):
            response = client.get(path, params={key: INJECTION})
            assert response.status_code in (200, 303, 400, 404, 422), (path, key)
    for path in (f"/facts/{INJECTION}", f"/facts/{fact} OR 1=1", f"/facts/{INJECTION}/region.png"):
        assert client.get(path).status_code in (404, 422)
    csrf = _field(client.get(f"/facts/{fact}").text, "csrf")
    assert client.post(f"/facts/{fact}/{INJECTION}", data={"csrf": csrf}).status_code == 404
    edited = client.post(
        f"/facts/{fact}/edit",
        params={"benchmark": INJECTION},
        data={"csrf": csrf, "value": INJECTION, "unit": INJECTION, "note": INJECTION},
    )
    assert edited.status_code in (400, 404)  # a bad filter or value: refused, nothing written
    refused = client.post(
        f"/facts/{fact}/accept", params={"status": INJECTION}, data={"csrf": csrf, "note": "x"}
    )
    assert refused.status_code in (400, 404)
    accepted = client.post(f"/facts/{fact}/accept", data={"csrf": csrf, "note": INJECTION})
    assert accepted.status_code == 303
    assert _counts(url) == before
    with session_scope(url) as s:
        notes = s.scalars(select(ReviewEvent.note).where(ReviewEvent.fact_id == fact)).all()
    assert notes == [INJECTION], "a note is stored as typed, never executed"


def test_without_the_token_or_csrf_nothing_changes(
    client: TestClient, hostile_facts: list[int], ctrends_env: dict[str, str]
) -> None:
    url = ctrends_env["CTRENDS_DATABASE_URL"]
    fact = hostile_facts[0]
    forged = {"ctrends_session": "eyJyIjogImV2ZSIsICJjIjogIngiLCAidCI6IDB9.deadbeef"}
    for cookies in ({}, forged):
        client.cookies.clear()
        client.cookies.update(cookies)
        for action in ("accept", "reject", "edit", "undo"):
            response = client.post(f"/facts/{fact}/{action}", data={"csrf": "x", "value": "1"})
            assert response.status_code == 303 and "/login" in response.headers["location"]
    client.cookies.clear()
    login(client, name="mallory")
    theirs = TestClient(client.app, follow_redirects=False)
    login(theirs, name="alice")
    other_csrf = _field(theirs.get(f"/facts/{fact}").text, "csrf")
    for data, headers in (
        ({}, {}),
        ({"csrf": ""}, {}),
        ({"csrf": other_csrf}, {}),  # another session's token
        ({"csrf": _field(client.get(f"/facts/{fact}").text, "csrf")}, {"origin": "http://evil"}),
    ):
        response = client.post(f"/facts/{fact}/accept", data=data, headers=headers)
        assert response.status_code == 403
    with session_scope(url) as s:
        assert s.get_one(Fact, fact).status == "pending"
        assert s.scalar(select(func.count()).select_from(ReviewEvent)) == 0


def test_web_paths_cannot_escape(client: TestClient, hostile_facts: list[int]) -> None:
    login(client)
    for path in (
        "/static/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%2f..%2f..%2fdb%2fmodels.py",
        "/static/%2e%2e/app.py",
        "/static/review.js/../../app.py",
    ):
        response = client.get(path)
        assert response.status_code in (400, 404), path
        assert "root:" not in response.text and "create_app" not in response.text
    # after login, only same-site paths are followed (no open redirect)
    for target in ("//evil.test/x", "https://evil.test", "/\\evil.test", "javascript:alert(1)"):
        form = client.get("/login", params={"next": target})
        response = client.post(
            "/login",
            data={
                "token": TOKEN,
                "reviewer": "alice",
                "nonce": _field(form.text, "nonce"),
                "next": target,
            },
        )
        assert response.headers["location"] == "/queue", target


# -- the command line ---------------------------------------------------------------------


def _commands() -> list[tuple[list[str], Any]]:
    found: list[tuple[list[str], Any]] = []

    def walk(command: Any, path: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, [*path, name])
        elif path[0] not in SERVERS:
            found.append((path, command))

    walk(typer.main.get_command(cli_app), [])
    return found


def _valid(param: Any, fact_id: int, tmp_path: Path) -> list[str]:
    """A harmless valid value for a required parameter that is not the one under attack."""
    by_name = {
        "fact_id": str(fact_id),
        "fit_id": "1",
        "value": "75.4",
        "min_confidence": "0.99",
        "sample": "1",
        "benchmark": "imagenet",
        "target_error": "0.1",
        "revision": "head",
    }
    value = by_name.get(param.name or "", str(tmp_path / "nothing-here"))
    return [value] if isinstance(param, typer.core.TyperArgument) else [param.opts[0], value]


def test_sql_injection_in_every_cli_option_does_nothing(
    hostile_facts: list[int],
    ctrends_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = ctrends_env["CTRENDS_DATABASE_URL"]
    monkeypatch.setenv("CTRENDS_ARXIV_API_URL", "http://127.0.0.1:9/api/query")  # refused fast
    monkeypatch.chdir(tmp_path)  # options naming files write here, not into the checkout
    before = _counts(url)
    runner = CliRunner()
    tried = 0
    for path, command in _commands():
        for target in command.params:
            if isinstance(target, typer.core.TyperOption) and target.is_flag:
                continue
            args = list(path)
            for param in command.params:
                if param is target:
                    opts = [] if isinstance(param, typer.core.TyperArgument) else [param.opts[0]]
                    args += [*opts, INJECTION]
                elif param.required:
                    args += _valid(param, hostile_facts[1], tmp_path)
            outcome = runner.invoke(cli_app, args)
            tried += 1
            assert not isinstance(outcome.exception, SQLAlchemyError), (args, outcome.exception)
            assert set(inspect(get_engine(url)).get_table_names()) >= set(before), args
            assert _counts(url) == before, args
    assert tried > 60
    with session_scope(url) as s:
        assert s.get_one(Fact, hostile_facts[0]).status == "pending"


def test_hostile_pdf_text_prints_literally_in_the_cli(
    hostile_facts: list[int], ctrends_env: dict[str, str], session: Session
) -> None:
    session.get_one(Paper, session.get_one(Fact, hostile_facts[0]).paper_id).status = "failed"
    session.get_one(Paper, session.get_one(Fact, hostile_facts[0]).paper_id).error = HOSTILE
    session.commit()
    runner = CliRunner()
    for args in (
        ["papers"],
        ["papers", "--status", "failed"],
        ["review", "show", str(hostile_facts[0])],
        ["review", "list", "--facts"],
    ):
        outcome = runner.invoke(cli_app, args, env={"COLUMNS": "4000"})
        assert outcome.exit_code == 0, (args, outcome.exception)
        assert MARKUP in outcome.output and SCRIPT in outcome.output, args


# -- paths from data ----------------------------------------------------------------------


def test_a_source_directory_cannot_reach_outside_itself(tmp_path: Path) -> None:
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(make_pdf([["private"]]))
    source = tmp_path / "pdfs"
    source.mkdir()
    (source / "1901.00001.pdf").write_bytes(make_pdf([["fine"]]))
    os.symlink(outside / "secret.pdf", source / "1901.00002.pdf")
    os.symlink(outside, source / "1901.00003.pdf")
    (source / "metadata.jsonl").write_text(
        '{"arxiv_id": "../../private/secret", "title": "x"}\n'
        '{"arxiv_id": "1901.00001", "title": "' + SCRIPT.replace('"', "'") + '"}\n'
    )
    scan = scan_directory(source)
    assert [r.arxiv_id for r in scan.records] == ["1901.00001"]
    assert scan.records[0].title == SCRIPT.replace('"', "'")
    skipped = dict(scan.skipped)
    assert "outside the source directory" in skipped["1901.00002.pdf"]
    assert "1901.00003.pdf" in skipped


def test_bidirectional_controls_from_pdf_text_never_reach_a_page(
    client: TestClient, session: Session
) -> None:
    """A right-to-left override in the evidence displayed "76.1" as "1.67": every value a page
    prints loses bidirectional controls (rows parsed before the parser dropped them, and titles
    from metadata, still hold them)."""
    controls = "\u202e\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    row = paper(session, "1701.00002", title=f"Deep\u202e Nets {controls}")
    [fact] = stored(
        session,
        row,
        [result(model="Net\u2067-1", value="76.1", evidence=f"top-1 \u202e76.1{controls} err")],
    )
    session.commit()
    login(client)
    for path in (f"/facts/{fact.id}", "/queue", f"/queue?paper=\u202e{row.arxiv_id}"):
        page = client.get(path)
        assert not set(controls) & set(page.text), path
    assert "top-1 <mark>76.1</mark> err" in client.get(f"/facts/{fact.id}").text
