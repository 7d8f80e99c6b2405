"""The analysis stage: observations in, regressions of error on compute out.

Pure math (forms, measures, regressions, extrapolation, backtests) lives in modules that never
touch the database, so it is testable on plain lists; ``fit`` and ``importers`` are the only
modules that read or write rows.
"""
