"""The review UI in a real headless Chromium, worked from the keyboard only."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from db.models import Fact, Paper, ReviewEvent
from db.session import session_scope
from pipeline import review
from pipeline.cli import app
from tests.browser.conftest import TOKEN
from tests.support.pdfgen import make_pdf
from tests.support.review_data import paper, result, stored

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
# Papers from ../shared/corpus/dev with well over 100 candidate facts between them.
CORPUS_PAPERS = ("1512.03385.pdf", "1409.4842.pdf")


def run_cli(*args: str) -> None:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output


def log_in(page: Page, base: str, name: str) -> None:
    """Open the queue, get sent to the login form, and log in without the mouse."""
    page.goto(f"{base}/queue")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.keyboard.type(TOKEN)  # the token field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type(name)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/queue")


def press_and_wait(page: Page, key: str) -> None:
    """Press a shortcut that posts a decision and wait until the next page has loaded."""
    with page.expect_navigation():
        page.keyboard.press(key)


def test_accept_with_the_keyboard_then_edit_then_undo(
    page: Page, live_server: str, session: Session, tmp_path: Path, ctrends_env: dict[str, str]
) -> None:
    pdf = tmp_path / "1512.03385.pdf"
    pdf.write_bytes(make_pdf([["ResNet-50 reaches 75.3% top-1 accuracy"]]))
    row = paper(session, title="Deep <b>Residual</b> Learning", pdf_path=str(pdf))
    first, second, _ = stored(
        session,
        row,
        [
            result(
                confidence=0.9, page=1, evidence="<script>window.pwned=1</script> ResNet-50 75.3"
            ),
            result(model="VGG-16", value="71.5", confidence=0.8),
            result(model="VGG-19", value="72.0", confidence=0.7),
        ],
    )
    first.bbox = [72.0, 45.0, 300.0, 58.0]
    session.commit()

    log_in(page, live_server, "carol")
    page.keyboard.press("Enter")  # opens the selected (first) row of the queue
    page.wait_for_url(re.compile(rf"/facts/{first.id}\?"))
    assert page.locator(".evidence mark").inner_text() == "75.3"
    assert page.evaluate("window.pwned") is None  # the evidence's script stayed text
    assert page.locator(".paper h2").inner_text() == "Deep <b>Residual</b> Learning"
    page.wait_for_function("document.querySelector('img.region').complete")
    assert page.evaluate("document.querySelector('img.region').naturalWidth") > 0

    press_and_wait(page, "a")
    assert re.search(rf"/facts/{second.id}\?.*last={first.id}", page.url)
    page.keyboard.press("e")
    page.keyboard.type("72.5")  # the value was selected: typing replaces it
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "is now <b>edited</b>" in page.locator("#last-decision").inner_html()

    url = ctrends_env["CTRENDS_DATABASE_URL"]
    with session_scope(url) as db:
        accepted, edited = db.get_one(Fact, first.id), db.get_one(Fact, second.id)
        assert accepted.status == "accepted"
        assert (edited.status, edited.value, edited.error) == ("edited", "72.5", 0.275)
        trail = db.scalars(select(ReviewEvent).order_by(ReviewEvent.id)).all()
        assert [(e.fact_id, e.action, e.reviewer) for e in trail] == [
            (first.id, "accept", "carol"),
            (second.id, "edit", "carol"),
        ]
        assert (trail[1].before["value"], trail[1].after["value"]) == ("71.5", "72.5")

    press_and_wait(page, "u")  # undo the edit from the reminder
    assert re.search(rf"/facts/{second.id}\?", page.url)
    assert "edit" in page.locator("table.events").inner_text()
    with session_scope(url) as db:
        assert db.get_one(Fact, second.id).status == "pending"
        assert db.scalars(select(ReviewEvent.action).order_by(ReviewEvent.id)).all() == [
            "accept",
            "edit",
            "undo",
        ]


@pytest.mark.slow
@pytest.mark.shared
def test_a_curator_clears_100_corpus_facts_without_the_mouse_and_reextraction_keeps_them(
    page: Page, live_server: str, dev_corpus: Path, tmp_path: Path, ctrends_env: dict[str, str]
) -> None:
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    for name in CORPUS_PAPERS:
        shutil.copy(dev_corpus / "pdfs" / name, pdfs / name)  # links out of a source are refused
    run_cli("ingest", "--source", str(pdfs))
    run_cli("extract")
    url = ctrends_env["CTRENDS_DATABASE_URL"]
    with session_scope(url) as db:
        assert len(review.ranked(db, review.QueueFilter())) >= 100

    log_in(page, live_server, "dana")
    page.keyboard.press("Enter")
    started = time.monotonic()
    for n in range(100):
        page.wait_for_selector("#fact")
        if n % 10 == 3:
            press_and_wait(page, "r")
        elif n % 25 == 7 and page.get_attribute("#fact", "data-kind") == "result":
            page.keyboard.press("e")
            page.keyboard.type("50.0")
            press_and_wait(page, "Enter")
        else:
            press_and_wait(page, "a")
    elapsed = time.monotonic() - started
    print(f"100 keyboard decisions in {elapsed:.1f} s ({elapsed * 10:.0f} ms each)")

    with session_scope(url) as db:
        trail = db.scalars(select(ReviewEvent).where(ReviewEvent.reviewer == "dana")).all()
        assert len(trail) == 100 and len({e.fact_id for e in trail}) == 100
        decided = {
            f.id: (f.status, f.value, f.error, f.normalized)
            for f in db.scalars(select(Fact).where(Fact.id.in_([e.fact_id for e in trail])))
        }
        assert all(status != "pending" for status, *_ in decided.values())
        assert {e.action for e in trail} >= {"accept", "reject"}
        # a new extractor version: every paper is extracted again
        db.execute(update(Paper).values(extracted_with="older-extractors"))
    run_cli("extract")
    with session_scope(url) as db:
        again = db.scalars(select(Fact).where(Fact.id.in_(list(decided)))).all()
        assert {f.id: (f.status, f.value, f.error, f.normalized) for f in again} == decided
        kept = db.scalar(
            select(func.count()).select_from(ReviewEvent).where(ReviewEvent.reviewer == "dana")
        )
        assert kept == 100
