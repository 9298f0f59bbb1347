"""Seaborn figures for the reports, one function per figure, one theme for all.

Each function takes tidy data first and everything else keyword-only, and returns the
matplotlib Figure (the caller shows or saves it).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter

from impact import fmt

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


def set_theme() -> None:
    """The one look of every report figure."""
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")


def _locale_axis(ax, language: str, decimals: int = 0) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v, decimals, language)))


def scores_by_wave(
    data: pd.DataFrame,
    *,
    wave_labels: dict[str, str],
    scale_labels: dict[str, str],
    language: str = "en",
) -> plt.Figure:
    """Mean score per wave with 95% CI, one panel per scale.

    Parameters
    ----------
    data : DataFrame
        Long scores with ``scale``, ``wave`` (ordered categorical) and ``score``.
    wave_labels, scale_labels : dict
        Display names of waves and scales.
    language : str
        Number format of the axes.
    """
    set_theme()
    t = fmt.texts(language)
    plot = data.dropna(subset=["score"]).copy()
    plot["wave"] = plot["wave"].cat.remove_unused_categories()
    plot["wave_label"] = plot["wave"].cat.rename_categories(
        {w: wave_labels[w] for w in plot["wave"].cat.categories}
    )
    scales = [s for s in scale_labels if s in set(plot["scale"])]
    fig, axes = plt.subplots(1, len(scales), figsize=(3.6 * len(scales), 3.4), squeeze=False)
    for ax, scale in zip(axes[0], scales, strict=True):
        part = plot[plot["scale"] == scale]
        sns.pointplot(
            data=part,
            x="wave_label",
            y="score",
            errorbar=("ci", 95),
            color=PALETTE[0],
            capsize=0.15,
            ax=ax,
        )
        ax.set_title(scale_labels[scale], fontsize=11)
        ax.set_xlabel("")
        ax.set_ylabel(t["axis_score"])
        ax.tick_params(axis="x", rotation=20)
        _locale_axis(ax, language, 1 if part["score"].max() <= 10 else 0)
    fig.tight_layout()
    return fig


def baseline_distribution(
    scores: pd.Series, *, cutoffs: list[float], language: str = "en"
) -> plt.Figure:
    """Histogram of baseline scores with the instrument's cut-offs as dashed lines."""
    set_theme()
    t = fmt.texts(language)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    sns.histplot(scores.dropna(), bins=range(0, 104, 8), color=PALETTE[0], ax=ax)
    for cutoff in cutoffs:
        ax.axvline(cutoff, color=PALETTE[5], linestyle="--")
    ax.set_xlabel("WHO-5")
    ax.set_ylabel(t["axis_participants"])
    fig.tight_layout()
    return fig
