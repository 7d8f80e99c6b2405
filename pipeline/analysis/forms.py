"""How error is transformed before it is regressed on log10(compute).

Thompson et al. fit two forms (``poly`` and ``exp``); their notebooks also regress the raw error
(ImageNet, "exp" in the variable name) and, once, log10 of the score (COCO operations per forward
pass). All four are kept here so the authors' printed fits can be reproduced with the same code
that serves the nightly fits, and each is invertible so a fit can be extrapolated to a target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Form:
    name: str
    formula: str  # human-readable dependent variable, for tables and plot legends
    transform: Callable[[Array], Array]
    inverse: Callable[[Array], Array]


FORMS: dict[str, Form] = {
    form.name: form
    for form in (
        Form("poly", "log10(error)", lambda e: np.log10(e), lambda y: np.power(10.0, y)),
        Form("exp", "1/error", lambda e: 1.0 / e, lambda y: 1.0 / y),
        Form("lin", "error", lambda e: e, lambda y: y),
        Form("logscore", "log10(1 - error)", lambda e: np.log10(1.0 - e), lambda y: 1.0 - 10**y),
    )
}
DEFAULT_FORMS = ("poly", "exp")


def get_form(name: str) -> Form:
    try:
        return FORMS[name]
    except KeyError:
        raise ValueError(f"unknown form {name!r}; expected one of {', '.join(FORMS)}") from None
