"""What a fit run costs beyond the regressions themselves, and how it grows with the data.

Builds throw-away SQLite databases of 500 and 5,000 ImageNet-like observations (all three
compute measures) and reports, as ratios:

- run / math: ``run_fits`` (load observations, rebuild extracted ones, fit every kind, store
  fits with hashes) against the same regressions on in-memory points (``prepare`` +
  ``estimate``); near 1 means the database and bookkeeping cost little;
- rerun / run: a second ``run_fits`` on unchanged data (hashing, no new rows) against the first;
- growth: run time at 5,000 over 500 observations; near 10 means linear.

Run: ``.venv/bin/python benchmarks/fit_run.py``
"""

from __future__ import annotations

import contextlib
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np

from db.migrate import upgrade
from db.models import Observation
from db.session import session_scope
from pipeline.analysis.fit import run_fits
from pipeline.analysis.measures import fit_conversion
from pipeline.analysis.queries import observation_points
from pipeline.analysis.spec import Skip, estimate, grid, prepare

SIZES = (500, 5_000)


def build(url: str, n: int) -> None:
    upgrade(url)
    rng = np.random.default_rng(0)
    with session_scope(url) as session:
        for i in range(n):
            log_c = rng.uniform(17, 24)
            session.add(
                Observation(
                    source="futuretech",
                    source_key=str(i),
                    benchmark="imagenet",
                    metric="top1",
                    model="AlexNet" if i == 0 else f"m{i}",
                    published=date(2012 + i % 10, 1, 1),
                    error=float(10 ** (0.8 - 0.08 * log_c + rng.normal(0, 0.05))),
                    ops_forward_pass=float(10 ** (log_c - 9)),
                    network_operations=float(10**log_c),
                    hardware_burden=float(10 ** (log_c + 0.5)) if i % 2 else None,
                )
            )


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def math_only(url: str) -> None:
    with session_scope(url) as session:
        points = observation_points(session, "futuretech")
    conversion = fit_conversion(points)
    for spec in grid("imagenet", "top1"):
        with contextlib.suppress(Skip):
            estimate(prepare(points, spec, conversion), spec)


def fit(url: str) -> None:
    with session_scope(url) as session:
        run_fits(session)


def main() -> None:
    warnings.simplefilter("ignore")
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            url = f"sqlite:///{Path(tmp) / f'fit-{n}.sqlite'}"
            build(url, n)
            math = timed(lambda url=url: math_only(url))
            first = timed(lambda url=url: fit(url))
            rerun = timed(lambda url=url: fit(url))
            runs[n] = first
            print(
                f"{n:>6} observations: run/math {first / math:.2f}, rerun/run {rerun / first:.2f}"
            )
    small, large = SIZES
    print(f"growth {large}/{small}: {runs[large] / runs[small]:.2f} (10 = linear)")


if __name__ == "__main__":
    main()
