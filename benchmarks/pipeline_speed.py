"""How fast the extract stage is, as ratios against ``pdftotext`` taken in the same run.

On a shared, loaded machine absolute seconds mean little; a ratio against poppler's
``pdftotext`` on the same PDF, measured right before, mostly cancels the load out. Three parts:

1. Per paper, one at a time, parse cache cold: wall and CPU seconds of parse + extract (in an
   isolated child, as the pipeline runs it) over those of ``pdftotext``; the child's peak RSS;
   parse and extract shares. Median and worst ratios.
2. Batch: a nightly batch of ``--batch-papers`` (500) distinct papers, made from the corpus PDFs
   in turn, ingested and extracted by ``extract_pending`` with ``CTRENDS_WORKERS`` (default 2)
   children into a fresh SQLite database: minutes, papers per minute, peak RSS of the parent and
   of the largest child.
3. Dask: the same extract flow on a local Dask cluster of 1 and then 2 worker processes (started
   before timing, as a standing cluster would be), over the same papers: the speed-up.

Run: ``.venv/bin/python benchmarks/pipeline_speed.py [--corpus DIR] [--limit N]
[--batch-papers N] [--dask-papers N] [--json FILE]`` (needs ``pdftotext``: apt-get install
poppler-utils).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from db.migrate import upgrade
from db.session import dispose_engines
from extractors.parse.pdf import parse_pdf
from extractors.registry import run_extractors
from pipeline.config import Settings, get_settings
from pipeline.extract import warm_up_extractors
from pipeline.isolation import map_isolated

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev" / "pdfs"
MIB = 2**20


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pdftotext(pdf: Path) -> tuple[float, float]:
    """Wall and CPU seconds ``pdftotext`` takes to write ``pdf``'s text."""
    cpu, start = _child_cpu(), time.perf_counter()
    subprocess.run(["pdftotext", "-q", str(pdf), os.devnull], check=False)
    return time.perf_counter() - start, _child_cpu() - cpu


def parse_and_extract(pdf: Path) -> dict[str, float]:
    """Runs in an isolated child: timings, facts and the child's own peak RSS."""
    cpu, start = time.process_time(), time.perf_counter()
    doc = parse_pdf(pdf)
    parsed = time.perf_counter()
    facts, _ = run_extractors(doc)
    end = time.perf_counter()
    return {
        "pages": doc.page_count,
        "facts": len(facts),
        "parse_s": parsed - start,
        "extract_s": end - parsed,
        "wall_s": end - start,
        "cpu_s": time.process_time() - cpu,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def per_paper(pdfs: list[Path], settings: Settings) -> list[dict[str, Any]]:
    warm_up_extractors()  # as pipeline.extract does before it forks a child per paper
    rows = []
    for pdf in pdfs:
        ref_wall, ref_cpu = pdftotext(pdf)
        (outcome,) = map_isolated(
            parse_and_extract,
            [pdf],
            workers=1,
            timeout=settings.pdf_timeout_seconds,
            memory_bytes=settings.pdf_max_memory_mb * MIB,
        )
        row: dict[str, Any] = {"paper": pdf.stem, "pdftotext_s": ref_wall}
        if outcome.result is None:
            row["error"] = outcome.error
        else:
            row |= outcome.result
            row["ratio_wall"] = row["wall_s"] / ref_wall
            row["ratio_cpu"] = row["cpu_s"] / max(ref_cpu, 1e-3)
        rows.append(row)
        print(_paper_line(row), flush=True)
    return rows


def _paper_line(row: dict[str, Any]) -> str:
    if "error" in row:
        return f"{row['paper']:<14} failed: {row['error']}"
    return (
        f"{row['paper']:<14} {row['pages']:>3} p  pdftotext {row['pdftotext_s']:6.2f} s  "
        f"parse {row['parse_s']:6.2f} s  extract {row['extract_s']:6.2f} s  "
        f"ratio wall {row['ratio_wall']:6.1f}x cpu {row['ratio_cpu']:6.1f}x  "
        f"rss {row['peak_rss_mib']:5.0f} MiB"
    )


def fresh_settings(root: Path, **env: str) -> Settings:
    """Point the pipeline (through its environment, as a user would) at an empty SQLite database
    and empty caches under ``root``; ``env`` sets further ``CTRENDS_*`` variables."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    os.environ["CTRENDS_DATA_DIR"] = str(root)
    os.environ["CTRENDS_DATABASE_URL"] = f"sqlite:///{root / 'bench.sqlite'}"
    os.environ.update(env)
    settings = get_settings()
    upgrade(settings.database_url)
    return settings


def _ingest(corpus: Path, settings: Settings) -> None:
    from pipeline.ingest import ingest_directory

    ingest_directory(corpus, url=settings.database_url)


def nightly_batch(pdfs: list[Path], count: int, directory: Path) -> Path:
    """``count`` distinct papers made from the corpus PDFs in turn: each copy ends in its own PDF
    comment, so it has its own SHA-256 and is ingested, parsed and extracted like a new paper
    (nothing comes from the parse cache). Named by made-up arXiv ids of a future month."""
    directory.mkdir(parents=True)
    for number in range(count):
        data = pdfs[number % len(pdfs)].read_bytes()
        (directory / f"2601.{number:05d}.pdf").write_bytes(data + b"\n%% copy %d\n" % number)
    return directory


def batch(corpus: Path, root: Path) -> dict[str, Any]:
    from pipeline.extract import extract_pending

    settings = fresh_settings(root)
    _ingest(corpus, settings)
    start = time.perf_counter()
    report = extract_pending(settings.database_url, settings=settings)
    seconds = time.perf_counter() - start
    per_minute = report.extracted / (seconds / 60)
    return {
        "papers": report.papers,
        "extracted": report.extracted,
        "failed": len(report.failed),
        "workers": settings.workers,
        "seconds": seconds,
        "papers_per_minute": per_minute,
        "minutes": seconds / 60,
        "parent_peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "largest_child_peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def dask_speedup(pdfs: list[Path], root: Path) -> dict[str, Any]:
    import dask
    from distributed import LocalCluster
    from prefect import flow
    from prefect.testing.utilities import prefect_test_harness

    from pipeline.flows import run_extract

    subset = root / "subset"
    subset.mkdir(parents=True, exist_ok=True)
    for pdf in pdfs:
        shutil.copy(pdf, subset / pdf.name)

    @flow(name="benchmark-extract")
    def timed_extract(settings: Settings, api_url: str) -> dict[str, Any]:
        start = time.perf_counter()
        summary = run_extract(settings, api_url)
        return {"seconds": time.perf_counter() - start, "extracted": summary["extracted"]}

    results: dict[str, Any] = {"papers": len(pdfs)}
    with prefect_test_harness(server_startup_timeout=300):
        import prefect.settings

        api_url = str(prefect.settings.PREFECT_API_URL.value())
        for workers in (1, 2):
            with (
                dask.config.set({"distributed.worker.daemon": False}),
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    env={"PREFECT_API_URL": api_url},
                ) as cluster,
            ):
                settings = fresh_settings(
                    root / f"dask-{workers}",
                    CTRENDS_TASK_RUNNER="dask",
                    CTRENDS_DASK_ADDRESS=cluster.scheduler_address,
                )
                _ingest(subset, settings)
                dispose_engines()
                results[f"workers_{workers}"] = timed_extract(settings, api_url)
                print(f"dask, {workers} worker(s): {results[f'workers_{workers}']}", flush=True)
    results["speedup"] = results["workers_1"]["seconds"] / results["workers_2"]["seconds"]
    return results


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    version = subprocess.run(["pdftotext", "-v"], capture_output=True, text=True).stderr
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "pdftotext": version.splitlines()[0] if version else "unknown",
        "load_at_start": os.getloadavg(),
    }


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in rows if "error" not in r]
    parse, extract = sum(r["parse_s"] for r in ok), sum(r["extract_s"] for r in ok)
    return {
        "papers": len(rows),
        "failed": len(rows) - len(ok),
        "median_ratio_wall": statistics.median(r["ratio_wall"] for r in ok),
        "median_ratio_cpu": statistics.median(r["ratio_cpu"] for r in ok),
        "worst_ratio_wall": max(r["ratio_wall"] for r in ok),
        "median_seconds_per_paper": statistics.median(r["wall_s"] for r in ok),
        "median_pages": statistics.median(r["pages"] for r in ok),
        "parse_share": parse / (parse + extract),
        "max_child_peak_rss_mib": max(r["peak_rss_mib"] for r in ok),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="only the first N PDFs")
    parser.add_argument(
        "--dask-papers", type=int, default=66, help="papers for the Dask part; 0 skips it"
    )
    parser.add_argument(
        "--batch-papers", type=int, default=500, help="papers in the batch part; 0 skips it"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    if shutil.which("pdftotext") is None:
        raise SystemExit("pdftotext is missing: apt-get install poppler-utils")
    pdfs = sorted(args.corpus.glob("*.pdf"))[: args.limit]
    if not pdfs:
        raise SystemExit(f"no PDFs in {args.corpus}: --corpus is a directory of PDFs")
    results: dict[str, Any] = {"machine": machine()}
    print(json.dumps(results["machine"]), flush=True)
    with tempfile.TemporaryDirectory(prefix="ctrends-bench-") as tmp:
        root = Path(tmp)
        settings = get_settings()
        results["per_paper"] = per_paper(pdfs, settings)
        results["summary"] = summary(results["per_paper"])
        print(json.dumps(results["summary"], indent=2), flush=True)
        if args.batch_papers:
            corpus = nightly_batch(pdfs, args.batch_papers, root / "corpus")
            results["batch"] = batch(corpus, root / "batch")
            print(json.dumps(results["batch"], indent=2), flush=True)
        if args.dask_papers:
            results["dask"] = dask_speedup(pdfs[: args.dask_papers], root / "dask")
            print(json.dumps({k: v for k, v in results["dask"].items()}, indent=2), flush=True)
    results["machine"]["load_at_end"] = os.getloadavg()
    print(f"load average at end: {results['machine']['load_at_end']}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
