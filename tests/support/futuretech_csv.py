"""Small FutureTech-shaped leaderboards for tests: the real files' quirks, made-up numbers."""

from __future__ import annotations

import csv
from pathlib import Path

COLUMNS = [
    "name", "year", "parameters", "title", "paper_with_code", "paper_link", "flops", "multiadds",
    "training_epochs", "training_set_size", "training_time_total", "training_time_total_sec",
    "pretraining_time_total", "pretraining_time_total_sec", "finetuning_time_total",
    "finetuning_time_total_sec", "network_operations", "hardware_burden", "(TOP 1 score)",
    "(TOP 5 score)",
]  # fmt: skip
SECONDARY_HEADERS = [
    ["name", "year", "parameters", "paper"] + [""] * (len(COLUMNS) - 4),
    ["", "", "", "title", "pwc_url", "paper_url", "flops", "multiadds"] + [""] * (len(COLUMNS) - 8),
    [""] * 10 + ["total", "total_sec"] + [""] * (len(COLUMNS) - 12),
]


def imagenet_rows(n: int = 12, slope: float = -0.08, shift: float = 0.0) -> list[dict[str, str]]:
    """Rows on log10(error) = 0.8 + slope * log10(network operations), one model per year step."""
    rows = []
    for i in range(n):
        log_c = 17.5 + 0.4 * i
        error = 10 ** (0.8 + shift + slope * log_c + (0.01 if i % 2 else -0.01))
        rows.append(
            {
                "name": "AlexNet" if i == 0 else f"Net-{i}",
                "year": str(2012 + i // 2),
                "paper_link": f"https://arxiv.org/pdf/17{i:02d}.0{i:04d}v1.pdf",
                "flops": f"{10 ** (log_c - 8):.2E}" if i % 3 else "",
                "multiadds": "" if i % 3 else f"{10 ** (log_c - 8) / 2:.2E}",
                "training_set_size": "1,280,000",
                "training_time_total": "6 days" if i % 4 == 0 else "",
                "network_operations": f"{10**log_c:.3E}",
                "hardware_burden": f"{10 ** (log_c + 0.6):.2E}" if i % 2 else "",
                "(TOP 1 score)": f"{100 * (1 - error):.2f}",
            }
        )
    return rows


def write_imagenet(directory: Path, rows: list[dict[str, str]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "image-classification-on-imagenet.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(SECONDARY_HEADERS)
        for row in rows:
            writer.writerow([row.get(c, "") for c in COLUMNS])
    return path
