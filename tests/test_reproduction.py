"""Reproduce every regression printed in Thompson et al.'s own notebooks from the imported data.

The expected numbers are parsed out of the notebooks' printed statsmodels summaries (never copied
by hand). Their dependent variables are translated to our forms, minding the sign convention:
``log10(1/(1-acc))`` = ``-log10(error)``, so slope and intercept flip sign. Printed coefficients
have 4 decimals and R^2 3, which sets the tolerances.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from pipeline.analysis.fit import run_fits
from pipeline.analysis.measures import Conversion, fit_conversion
from pipeline.analysis.points import Point
from pipeline.analysis.queries import latest_fits, observation_points
from pipeline.analysis.regress import INTERCEPT, SLOPE, YEAR
from pipeline.analysis.spec import FitSpec, estimate, prepare
from pipeline.sources.curated import FUTURETECH, import_futuretech

pytestmark = pytest.mark.shared

COEF_TOL = 1e-4
R2_TOL = 1e-3
_NUM = r"(-?[\d.]+)"
_ROW = re.compile(rf"^(\S.*?)\s+{_NUM}\s+{_NUM}\s+{_NUM}\s+{_NUM}\s+{_NUM}\s+{_NUM}\s*$")
_CALL = re.compile(r"(ols|quantreg)\('([^']+)'")
_CONVERSION = re.compile(
    r"10\*\*\(([\d.]+) \+ ([\d.]+) \* np\.log10\(df\['network_operations'\]\)\)"
)

# The notebooks' regressor names, in our vocabulary: (measure, alexnet-normalised, consolidated)
REGRESSORS = {
    "ops_forward_pass": ("ops_forward_pass", False, False),
    "network_operations": ("network_operations", False, False),
    "hardware_burden": ("hardware_burden", False, False),
    "ops_forward_pass_alexnet_norm": ("ops_forward_pass", True, False),
    "network_ops_alexnet_norm": ("network_operations", True, False),
    "hw_burden_alexnet_norm": ("hardware_burden", True, False),
    "hw_burden_consolidated__poly": ("hardware_burden", False, True),
    "hardware_burden_consolidated": ("hardware_burden", False, True),
}
# Dependent variables once the error is written E and the score S: (form, sign)
DEPENDENTS = {
    "Inp.log10E": ("poly", 1),
    "Inp.log101/E": ("poly", -1),
    "I1/E": ("exp", 1),
    "IE": ("lin", 1),
    "Inp.log10S": ("logscore", 1),
}


@dataclass
class Printed:
    notebook: str
    cell: int
    formula: str
    quantile: float | None
    n: int
    r_squared: float
    coefficients: dict[str, float]


def printed_fits(path: Path) -> list[Printed]:
    """Every regression summary a notebook printed, with the formula of the cell printing it."""
    fits = []
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        source = "".join(cell["source"])
        call = _CALL.search(source)
        out = "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))
        if cell["cell_type"] != "code" or not call or "Regression Results" not in out:
            continue
        q = re.search(r"fit\(q=([\d.]+)\)", source)
        rows = [m.groups() for line in out.splitlines() if (m := _ROW.match(line))]
        fits.append(
            Printed(
                notebook=path.stem,
                cell=index,
                formula=call.group(2),
                quantile=float(q.group(1)) if q else None,
                n=int(re.search(r"No\. Observations:\s+(\d+)", out).group(1)),
                r_squared=float(re.search(r"R-squared:\s+(-?[\d.]+)", out).group(1)),
                coefficients={name.strip(): float(coef) for name, coef, *_ in rows},
            )
        )
    return fits


def _normalised(expr: str) -> str:
    expr = expr.replace(" ", "")
    expr = re.sub(r"\(1-\w+_percent\)", "E", expr)
    expr = expr.replace("top1_error_percent", "E")
    expr = re.sub(r"\w+_percent", "S", expr)
    return expr.replace("(", "").replace(")", "")


def translate(printed: Printed, benchmark: str) -> tuple[FitSpec, int]:
    """Our spec for a printed fit, and the sign that maps our coefficients onto theirs."""
    dependent, regressors = (side.strip() for side in printed.formula.split("~"))
    form, sign = DEPENDENTS[_normalised(dependent)]
    terms = [t.strip() for t in regressors.split("+")]
    variable = re.fullmatch(r"I\(np\.log10\((\w+)\)\)", terms[0]).group(1)
    measure, alexnet, consolidated = REGRESSORS[variable]
    if printed.quantile is not None:
        assert printed.quantile == 0.1
        estimator = "quantile10"
    elif terms[1:] == ["I(year - 2012)"]:
        estimator = "year"
    else:
        assert terms[1:] == [], printed.formula
        estimator = "ols"
    spec = FitSpec(
        benchmark=benchmark,
        measure=measure,
        form=form,
        estimator=estimator,
        alexnet=alexnet,
        consolidated=consolidated,
    )
    return spec, sign


def their_names(printed: Printed) -> tuple[str, str, str | None]:
    names = list(printed.coefficients)
    year = next((n for n in names if n.startswith("I(year")), None)
    slope = next(n for n in names if n not in ("Intercept", year))
    return "Intercept", slope, year


def is_conversion(printed: Printed) -> bool:
    return printed.formula.replace(" ", "").startswith("I(np.log10(hardware_burden))~")


@pytest.fixture(scope="module")
def notebooks(shared_dir: Path) -> Path:
    return shared_dir / "datasets" / "futuretech-2022"


def conversion_for(
    notebook: Path, printed: list[Printed], points: list[Point], benchmark: str
) -> Conversion | None:
    """The notebook's own conversion regression if it printed one, else its hard-coded one."""
    if any(is_conversion(p) for p in printed):
        return fit_conversion([p for p in points if p.benchmark == benchmark])
    match = _CONVERSION.search(notebook.read_text())
    return Conversion(float(match.group(1)), float(match.group(2))) if match else None


def test_every_printed_regression_is_reproduced(session: Session, notebooks: Path) -> None:
    import_futuretech(session, notebooks, progress=False)
    points = observation_points(session, "futuretech")
    run = run_fits(session, sources=["futuretech"], forms=("poly", "exp", "lin", "logscore"))
    stored = {
        (f.benchmark, f.compute_measure, f.form, f.variant): f
        for f in latest_fits(session, observation_source="futuretech")
    }
    assert {f.id for f in run.fits} == {f.id for f in stored.values()}

    checked: list[str] = []
    compared_with_stored = 0
    for board in FUTURETECH:
        notebook = notebooks / "notebooks" / board.filename.replace(".csv", ".ipynb")
        printed = printed_fits(notebook)
        assert printed, f"no printed regressions found in {notebook.name}"
        for fit in printed:
            where = f"{fit.notebook} cell {fit.cell}: {fit.formula}"
            if is_conversion(fit):
                conv = fit_conversion([p for p in points if p.benchmark == board.benchmark])
                assert conv is not None and conv.n == fit.n, where
                assert conv.intercept == pytest.approx(fit.coefficients["Intercept"], abs=COEF_TOL)
                slope = fit.coefficients["I(np.log10(network_operations))"]
                assert conv.slope == pytest.approx(slope, abs=COEF_TOL), where
                assert conv.r_squared == pytest.approx(fit.r_squared, abs=R2_TOL), where
                checked.append(where)
                continue
            spec, sign = translate(fit, board.benchmark)
            conversion = conversion_for(notebook, printed, points, board.benchmark)
            ours = estimate(prepare(points, spec, conversion), spec)
            intercept, slope, year = their_names(fit)
            assert ours.n == fit.n, where
            assert sign * ours.param(INTERCEPT) == pytest.approx(
                fit.coefficients[intercept], abs=COEF_TOL
            ), where
            assert sign * ours.param(SLOPE) == pytest.approx(
                fit.coefficients[slope], abs=COEF_TOL
            ), where
            if year:
                assert sign * ours.param(YEAR) == pytest.approx(
                    fit.coefficients[year], abs=COEF_TOL
                ), where
            assert ours.r_squared == pytest.approx(fit.r_squared, abs=R2_TOL), where
            checked.append(where)

            # the nightly fit of the same kind, as stored, says the same (COCO's consolidated
            # burden uses the ImageNet notebook's pooled conversion, not COCO's constants)
            row = stored.get((spec.benchmark, spec.measure, spec.form, spec.variant))
            if row is not None and not (spec.consolidated and board.benchmark != "imagenet"):
                assert sign * row.slope == pytest.approx(fit.coefficients[slope], abs=COEF_TOL)
                assert sign * row.intercept == pytest.approx(
                    fit.coefficients[intercept], abs=COEF_TOL
                )
                assert row.n == fit.n
                compared_with_stored += 1

    # every printed regression of the six notebooks was recognised and reproduced
    assert len(checked) == 25, checked
    assert compared_with_stored >= 20


def test_quantile_regression_matches_the_precise_printout(
    session: Session, notebooks: Path
) -> None:
    """The ImageNet notebook also prints the 10% quantile fit with six decimals."""
    import_futuretech(session, notebooks, progress=False)
    points = observation_points(session, "futuretech")
    text = (notebooks / "notebooks" / "image-classification-on-imagenet.ipynb").read_text()
    row = re.search(r"0\s+0\.1\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)", text)
    a, b, lb, ub = (float(v) for v in row.groups())
    spec = FitSpec("imagenet", "network_operations", "poly", "quantile10", alexnet=True)
    ours = estimate(prepare(points, spec), spec)
    assert ours.intercept == pytest.approx(a, abs=1e-5)
    assert ours.slope == pytest.approx(b, abs=1e-5)
    assert ours.slope_interval == pytest.approx((lb, ub), abs=1e-5)
