"""Bad PDF inputs, made from real corpus PDFs and from scratch; and the stress run over them.

``generate`` yields deterministic (seeded) inputs of every kind a crawler meets: truncated at a
random offset, bytes flipped, encrypted, zero-byte, not a PDF at all, thousands of pages, huge
images, a content stream that inflates to hundreds of megabytes, deeply nested objects, cyclic
page trees, lying stream lengths and broken cross-reference tables.

Run as a script, it puts ``--count`` bad inputs plus a few good PDFs in one directory, runs the
pipeline (ingest the directory, extract) against a fresh SQLite database, and prints the figures
that ``docs/reliability.md`` records::

    python -m tests.stress.bad_pdfs --count 1000 --corpus ../shared/corpus/dev/pdfs
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import random
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.pdfgen import make_pdf

GOOD_TEXT = [
    "Deep Residual Learning for Image Recognition",
    "Our ResNet-152 has 60.2M parameters and 11.3 billion FLOPs.",
    "It reaches 78.57% top-1 accuracy on the ImageNet validation set.",
    "We trained it on 8 NVIDIA V100 GPUs for 3.5 days.",
]


@dataclass(frozen=True)
class BadInput:
    kind: str
    data: bytes


def good_pdf(pages: int = 1, text: Sequence[str] = GOOD_TEXT) -> bytes:
    return make_pdf([list(text) for _ in range(pages)])


def assemble(objects: Sequence[bytes], root: int = 1) -> bytes:
    """Objects numbered from 1 (bodies may hold binary streams), an xref table and a trailer."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        xref,
    )
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"", length: int | None = None) -> bytes:
    size = len(data) if length is None else length
    return b"<< /Length %d %s >>\nstream\n" % (size, extra) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_TEXT_OPS = b"BT /F1 10 Tf 72 740 Td (76.1% top-1 accuracy on ImageNet) Tj ET"


def _page(contents: int, font: int, extra: bytes = b"") -> bytes:
    return (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 %d 0 R >> %s >> /Contents %d 0 R >>" % (font, extra, contents)
    )


def many_pages(count: int) -> bytes:
    """``count`` pages sharing one content stream: a few hundred KB for thousands of pages."""
    first_page = 5
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        _stream(_TEXT_OPS),
        _FONT,
    ]
    objects += [_page(3, 4) for _ in range(count)]
    return assemble(objects)


def huge_image(side: int) -> bytes:
    """A page drawing a ``side`` x ``side`` RGB image whose few KB inflate to side^2 * 3 bytes."""
    pixels = zlib.compress(b"\x00" * min(side * side * 3, 64 << 20), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        _page(4, 5, b"/XObject << /Im1 6 0 R >>"),
        _stream(_TEXT_OPS + b"\nq 500 0 0 500 50 50 cm /Im1 Do Q"),
        _FONT,
        _stream(
            pixels,
            b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
            b"/BitsPerComponent 8 /Filter /FlateDecode" % (side, side),
        ),
    ]
    return assemble(objects)


def inflating_content(megabytes: int) -> bytes:
    """A content stream of a few hundred KB that inflates to ``megabytes`` MB (a zip bomb)."""
    chunk = b"% padding\n" * (1 << 16)
    padding = (chunk for _ in range(megabytes * (1 << 20) // len(chunk)))
    return _compressed_page(itertools.chain([_TEXT_OPS + b"\n"], padding))


def glyph_pile(count: int = 200_000) -> bytes:
    """A page that draws ``count`` glyphs on one spot: PDFium's text-page build is quadratic in
    overlapping glyphs, so a 2 KB file keeps a parser busy for a minute."""
    line = b"BT /F1 1 Tf 1 0 0 1 10 10 Tm " + b"(ab) Tj " * 500 + b"ET\n"
    return _compressed_page(line for _ in range(count // 1000))


def _compressed_page(content: Iterable[bytes]) -> bytes:
    """A one-page PDF whose content stream is ``content``, deflated."""
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(chunk) for chunk in content] + [compressor.flush()]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        _page(4, 5),
        _stream(b"".join(parts), b"/Filter /FlateDecode"),
        _FONT,
    ]
    return assemble(objects)


def deeply_nested(depth: int, kind: str = "array") -> bytes:
    """A page resource nested ``depth`` levels deep (arrays or dictionaries)."""
    if kind == "array":
        nested = b"[" * depth + b"1" + b"]" * depth
    else:
        nested = b"<< /A " * depth + b"1" + b" >>" * depth
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        _page(4, 5, b"/Deep " + nested),
        _stream(_TEXT_OPS),
        _FONT,
    ]
    return assemble(objects)


def cyclic_page_tree() -> bytes:
    """A page tree whose node lists itself (and its parent) among its kids."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 2 0 R 6 0 R] /Count 3 >>",
        _page(4, 5),
        _stream(_TEXT_OPS),
        _FONT,
        b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 6 0 R] /Count 2 >>",
    ]
    return assemble(objects)


def cyclic_references() -> bytes:
    """Indirect objects that refer to each other in a loop, reachable from the page."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        _page(4, 5, b"/Loop 6 0 R"),
        _stream(_TEXT_OPS),
        _FONT,
        b"<< /Next 7 0 R >>",
        b"<< /Next 6 0 R /Self 7 0 R >>",
    ]
    return assemble(objects)


def lying_length(length: int = 10**9) -> bytes:
    """A content stream whose /Length points far past the end of the file."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        _page(4, 5),
        _stream(_TEXT_OPS, length=length),
        _FONT,
    ]
    return assemble(objects)


def broken_xref(rng: random.Random) -> bytes:
    """A good PDF whose startxref or xref offsets point to the wrong places."""
    data = good_pdf()
    where = data.rindex(b"startxref\n") + len(b"startxref\n")
    end = data.index(b"\n", where)
    offset = rng.choice([0, 7, len(data) * 5, rng.randrange(len(data))])
    return data[:where] + str(offset).encode() + data[end:]


def encrypted(rng: random.Random, source: bytes, open_password: bool) -> bytes:
    """Encrypted with pypdf: with a secret user password, or readable with the empty one."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(source)))
    password = "" if open_password else f"secret-{rng.randrange(10**6)}"
    writer.encrypt(
        user_password=password,
        owner_password=f"owner-{rng.randrange(10**6)}",
        algorithm=rng.choice(["RC4-128", "AES-128", "AES-256"]),
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def not_a_pdf(rng: random.Random) -> bytes:
    return rng.choice(
        [
            b"<html><body>429 Too Many Requests</body></html>",
            b"\x89PNG\r\n\x1a\n" + rng.randbytes(200),
            b"PK\x03\x04" + rng.randbytes(300),
            rng.randbytes(rng.randrange(1, 4096)),
            b"%PDF-",
            b"%PDF-1.7\n",
            b"%PDF-1.4\n" + rng.randbytes(2048),
            "Ünïcødé text, not a PDF".encode(),
        ]
    )


def truncated(rng: random.Random, source: bytes) -> bytes:
    return source[: rng.randrange(1, len(source))]


def flipped(rng: random.Random, source: bytes) -> bytes:
    data = bytearray(source)
    start = 0 if rng.random() < 0.1 else 16  # now and then the header itself
    for _ in range(rng.randint(1, 64)):
        position = rng.randrange(start, len(data))
        data[position] ^= 1 << rng.randrange(8)
    return bytes(data)


SCRATCH_KINDS = (
    "truncated",
    "flipped",
    "encrypted",
    "encrypted-open",
    "zero-byte",
    "not-a-pdf",
    "many-pages",
    "huge-image",
    "inflating-content",
    "deep-nesting",
    "cyclic-pages",
    "cyclic-references",
    "lying-length",
    "broken-xref",
)
CORPUS_KINDS = ("truncated", "flipped", "encrypted")


def generate(
    count: int, *, seed: int = 7, corpus: Sequence[Path] = (), corpus_share: float = 0.3
) -> Iterator[BadInput]:
    """``count`` bad inputs; about ``corpus_share`` of them mutate real PDFs from ``corpus``."""
    rng = random.Random(seed)
    sources = [good_pdf(), good_pdf(pages=3)]
    real = [path.read_bytes() for path in corpus]
    for index in range(count):
        if real and rng.random() < corpus_share:
            kind = CORPUS_KINDS[index % len(CORPUS_KINDS)]
            yield BadInput(f"corpus-{kind}", _mutate(rng, kind, rng.choice(real)))
        else:
            kind = SCRATCH_KINDS[index % len(SCRATCH_KINDS)]
            yield BadInput(kind, _mutate(rng, kind, rng.choice(sources)))


def _mutate(rng: random.Random, kind: str, source: bytes) -> bytes:
    match kind:
        case "truncated":
            return truncated(rng, source)
        case "flipped":
            return flipped(rng, source)
        case "encrypted" | "encrypted-open":
            return encrypted(rng, source, open_password=kind == "encrypted-open")
        case "zero-byte":
            return b""
        case "not-a-pdf":
            return not_a_pdf(rng)
        case "many-pages":
            return many_pages(rng.randint(2000, 5000))
        case "huge-image":
            return huge_image(rng.choice([20000, 40000]))
        case "inflating-content":
            return inflating_content(rng.choice([64, 256]))
        case "deep-nesting":
            return deeply_nested(rng.choice([1000, 100000]), rng.choice(["array", "dict"]))
        case "cyclic-pages":
            return cyclic_page_tree()
        case "cyclic-references":
            return cyclic_references()
        case "lying-length":
            return lying_length()
        case "broken-xref":
            return broken_xref(rng)
    raise ValueError(f"unknown kind {kind}")


def write_inputs(directory: Path, inputs: Sequence[BadInput], good: int) -> dict[str, str]:
    """Bad inputs as ``2001.NNNNN.pdf``, good ones as ``1901.NNNNN.pdf``; returns id -> kind."""
    directory.mkdir(parents=True, exist_ok=True)
    kinds: dict[str, str] = {}
    for number, item in enumerate(inputs):
        arxiv_id = f"2001.{number:05d}"
        (directory / f"{arxiv_id}.pdf").write_bytes(item.data)
        kinds[arxiv_id] = item.kind
    for number in range(good):
        arxiv_id = f"1901.{number:05d}"
        (directory / f"{arxiv_id}.pdf").write_bytes(good_pdf(pages=1 + number % 3))
        kinds[arxiv_id] = "good"
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--good", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--corpus", type=Path, help="a directory of real PDFs to mutate")
    parser.add_argument("--corpus-files", type=int, default=8, help="smallest N corpus PDFs")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ctrends-bad-pdfs-"))
    os.environ.setdefault("CTRENDS_DATA_DIR", str(work / "data"))
    os.environ.setdefault("CTRENDS_DATABASE_URL", f"sqlite:///{work / 'stress.sqlite'}")
    os.environ.setdefault("CTRENDS_PDF_MAX_PAGES", "5")
    os.environ.setdefault("CTRENDS_PDF_TIMEOUT", "30")
    os.environ.setdefault("CTRENDS_PDF_MAX_MEMORY_MB", "768")

    from sqlalchemy import func, select

    from db.migrate import upgrade
    from db.models import Paper
    from db.session import session_scope
    from pipeline.extract import extract_pending
    from pipeline.ingest import ingest_directory

    corpus = (
        sorted(args.corpus.glob("*.pdf"), key=lambda p: p.stat().st_size) if args.corpus else []
    )
    inputs = list(generate(args.count, seed=args.seed, corpus=corpus[: args.corpus_files]))
    kinds = write_inputs(work / "pdfs", inputs, args.good)
    upgrade()
    started = time.monotonic()
    ingest_directory(work / "pdfs")
    extract_pending()
    elapsed = time.monotonic() - started
    with session_scope() as session:
        rows = session.execute(select(Paper.arxiv_id, Paper.status, Paper.error)).all()
        stuck = session.scalar(
            select(func.count()).select_from(Paper).where(Paper.status == "ingested")
        )
    status = {r.arxiv_id: (r.status, r.error) for r in rows}
    failed_by_kind = Counter(kinds[a] for a, (s, _) in status.items() if s == "failed")
    figures = {
        "inputs_tried": len(inputs),
        "good_inputs": args.good,
        "failures_recorded": sum(1 for s, e in status.values() if s == "failed" and e),
        "failures_without_reason": sum(1 for s, e in status.values() if s == "failed" and not e),
        "bad_inputs_parsed_anyway": sum(
            1 for a, (s, _) in status.items() if kinds[a] != "good" and s != "failed"
        ),
        "good_papers_extracted": sum(
            1 for a, (s, _) in status.items() if kinds[a] == "good" and s == "extracted"
        ),
        "crashes": 0,  # we got here: neither run raised
        "rows_lost": len(kinds) - len(status),
        "left_unprocessed": stuck,
        "failed_by_kind": dict(sorted(failed_by_kind.items())),
        "seconds": round(elapsed),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
