"""The Typer application every command module registers on."""

import typer

app = typer.Typer(
    name="ctrends",
    help="compute-trends: mine papers for error and compute, and fit how they trade off.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
