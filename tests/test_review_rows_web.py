"""Model rows in the browser: the row list and card escape PDF text, every cell shows its page
crop (reaching up to the table's header), a row is accepted or rejected from the keyboard, and
bad ids are 404 pages."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Fact, ModelRow, RowEvent
from db.session import session_scope
from pipeline.rows import refresh_rows
from pipeline.web.regions import region_png
from tests.support.pdfgen import make_pdf
from tests.support.review_data import flops, paper, result, stored
from tests.test_review_web import HOSTILE, _field, client, login  # noqa: F401 (fixture)


@pytest.fixture
def rows(session: Session, tmp_path: Path) -> dict[str, int]:
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(make_pdf([["Table 3: results"], ["ResNet-152 reaches 78.6% top-1"]]))
    p = paper(session, title="Residual", pdf_path=str(pdf), pdf_sha256="cd" * 32)
    made = stored(
        session,
        p,
        [
            result(model="ResNet-152", value="78.6", evidence=f"{HOSTILE} 78.6", page=1),
            flops(model="ResNet-152", value="11.3"),
            result(model=f"VGG {HOSTILE}", value="71.5", page=1),
        ],
    )
    made[0].bbox = [72.0, 700.0, 300.0, 712.0]
    made[0].details = {**(made[0].details or {}), "header_top": 690.0}
    refresh_rows(session, p)
    session.commit()
    return {r.model: r.id for r in session.scalars(select(ModelRow))}


def test_row_list_and_card_escape_and_show_every_cell_crop(
    client: TestClient,  # noqa: F811
    rows: dict[str, int],
) -> None:
    login(client)
    listing = client.get("/rows")
    assert listing.status_code == 200
    assert "<script>alert" not in listing.text and "&lt;script&gt;" in listing.text
    assert f'href="/rows/{rows["ResNet-152"]}"' in listing.text
    assert 'ResNet-152 <span class="hint">imagenet</span>' in listing.text  # its benchmark
    card = client.get(f"/rows/{rows['ResNet-152']}")
    assert card.status_code == 200 and "<script>alert" not in card.text
    with session_scope() as s:
        fact_ids = [c.fact_id for c in s.get_one(ModelRow, rows["ResNet-152"]).cells]
    assert len(fact_ids) == 2
    for fact_id in fact_ids:
        assert f'src="/facts/{fact_id}/region.png"' in card.text
    assert 'data-keys="a"' in card.text and 'data-keys="r"' in card.text


def test_accept_and_reject_a_row_from_its_card(
    client: TestClient,  # noqa: F811
    rows: dict[str, int],
    ctrends_env: dict[str, str],
) -> None:
    login(client)
    big, vgg = rows["ResNet-152"], rows[f"VGG {HOSTILE}"]
    csrf = _field(client.get(f"/rows/{big}").text, "csrf")
    assert client.post(f"/rows/{big}/accept", data={"csrf": "x"}).status_code == 403
    done = client.post(f"/rows/{big}/accept", data={"csrf": csrf})
    assert done.status_code == 303 and done.headers["location"] == f"/rows/{vgg}"
    rejected = client.post(f"/rows/{vgg}/reject", data={"csrf": csrf, "note": "baseline"})
    assert rejected.status_code == 303 and rejected.headers["location"] == "/rows"
    again = client.post(f"/rows/{vgg}/reject", data={"csrf": csrf})
    assert again.status_code == 422 and "is rejected" in again.text
    with session_scope(ctrends_env["CTRENDS_DATABASE_URL"]) as s:
        assert {f.model: f.status for f in s.scalars(select(Fact))} == {
            "ResNet-152": "accepted",
            f"VGG {HOSTILE}": "rejected",
        }
        actions = s.scalars(select(RowEvent.action).order_by(RowEvent.id)).all()
        assert actions == ["accept_row", "reject_row"]
    undone = client.post(f"/rows/{vgg}/undo", data={"csrf": csrf})
    assert undone.status_code == 303 and undone.headers["location"] == f"/rows/{vgg}"


def test_bad_row_ids_are_refused(client: TestClient, rows: dict[str, int]) -> None:  # noqa: F811
    login(client)
    assert client.get("/rows/999999").status_code == 404
    for path in (f"/rows/{2**63}", "/rows/abc", "/rows/0"):  # names no row: a 404 page
        assert client.get(path).status_code == 404, path
    csrf = _field(client.get(f"/rows/{rows['ResNet-152']}").text, "csrf")
    assert client.post(f"/rows/{rows['ResNet-152']}/merge", data={"csrf": csrf}).status_code == 404


def test_a_table_cell_crop_reaches_up_to_the_header(tmp_path: Path) -> None:
    pdf = tmp_path / "table.pdf"
    pdf.write_bytes(make_pdf([["Method Top-1 FLOPs"], ["ResNet-152 78.6 11.3"]]))
    box = [72.0, 400.0, 300.0, 412.0]
    plain = region_png(str(pdf), 1, box, tmp_path / "regions")
    headed = region_png(str(pdf), 1, box, tmp_path / "regions", context_top=300.0)
    height = {k: Image.open(io.BytesIO(v)).height for k, v in (("plain", plain), ("h", headed))}
    assert height["h"] > height["plain"]


def test_rows_need_a_login_and_huge_ids_are_html_404s(
    client: TestClient,  # noqa: F811
    rows: dict[str, int],
) -> None:
    row = rows["ResNet-152"]
    for path in ("/rows", f"/rows/{row}"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.post(f"/rows/{row}/accept", data={"csrf": "x"}).status_code == 303
    login(client)
    csrf = _field(client.get(f"/rows/{row}").text, "csrf")
    for response in (
        client.get(f"/rows/{2**63}"),
        client.post(f"/rows/{2**63}/accept", data={"csrf": csrf}),
    ):
        assert response.status_code == 404 and response.headers["content-type"].startswith(
            "text/html"
        )
        assert '"detail"' not in response.text
