"""The trend chart: violations per day and party across the truce so far."""

from __future__ import annotations

from typing import Any

import numpy as np

from trucewatch.publish.render import PARTY_COLOURS, new_figure, to_data_uri


def trend_chart(days: list[str], figs: dict[str, Any], parties: list[str], highlight: str | None = None) -> str:
    fig, ax = new_figure(8.5, 3.0)
    x = np.arange(len(days))
    bottom = np.zeros(len(days))
    series = [*parties, "undetermined"]
    colours = [*PARTY_COLOURS[: len(parties)], "#e69f00"]
    for name, colour in zip(series, colours, strict=True):
        vals = np.array([figs.get(d, {}).get("violations", {}).get(name, 0) for d in days], dtype=float)
        ax.bar(x, vals, bottom=bottom, color=colour, label=f"{name}", width=0.8)
        bottom += vals
    if highlight in days:
        ax.axvline(days.index(highlight), color="#333333", lw=0.8, ls="--")
    ax.set_xticks(x[:: max(1, len(days) // 10)])
    ax.set_xticklabels([d[5:] for d in days][:: max(1, len(days) // 10)], fontsize=8)
    ax.set_ylabel("violations")
    ax.set_title("Violations per day by responsible party", fontsize=10)
    ax.legend(fontsize=7, ncols=len(series))
    return to_data_uri(fig)
