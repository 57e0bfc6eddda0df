"""Matplotlib set-up shared by maps and charts: headless backend, PNG to data URI."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

PARTY_COLOURS = ["#1f5fa8", "#b8322a", "#2a8a4a", "#8a5a2a", "#6a3d9a"]
OUTCOME_COLOURS = {"violation": "#c0392b", "undetermined": "#e69f00", "no_violation": "#7f8c8d"}


def to_data_uri(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def new_figure(w: float, h: float) -> tuple[Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(w, h))
    return fig, ax
