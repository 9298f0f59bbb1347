"""Seaborn figures for the reports, one function per figure, one theme for all.

Each function takes tidy data first and everything else keyword-only, and returns the
matplotlib Figure. :func:`figure_html` turns a figure into an embedded PNG with alt text
and a caption (nbconvert's display of a Figure has neither).

Every figure is drawn for print: :data:`FIGURE_WIDTH` inches wide (the width it is printed
at, so a point in the figure is a point on paper), no text below 7 pt, counts on whole
numbers, the report's decimal separator on every axis and legends outside the data. The
look is applied with seaborn's and matplotlib's context managers around each function
(:func:`_print_style`), so drawing a report figure leaves the caller's settings alone.

Examples
--------
>>> import pandas as pd
>>> sizes = pd.DataFrame({"group": ["University", "Start-up"], "n": [10, 8]})
>>> figure = group_sizes(sizes, group="group", count="n", language="de")
>>> html = figure_html(figure, alt="Bars: University 10, Start-up 8", caption="Sectors")
>>> html.startswith('<figure class="impact-figure"><img alt="Bars: University 10')
True
"""

from __future__ import annotations

import base64
import functools
import html
import io
import textwrap

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from cycler import cycler
from matplotlib.collections import LineCollection
from matplotlib.ticker import FuncFormatter, MaxNLocator

from impact import fmt
from impact.disclosure import merge_adjacent

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
GREY = "#8a8a8a"
# matplotlib 3.10 renamed boxplot's ``vert=False`` to ``orientation="horizontal"``
_HORIZONTAL = (
    {"orientation": "horizontal"}
    if tuple(int(p) for p in matplotlib.__version__.split(".")[:2]) >= (3, 10)
    else {"vert": False}
)
LIGHT = "#dbe9f4"  # a pale tint of the first colour, for boxes behind the means
# A box that draws no single person: quartiles, whiskers at the 10th and 90th percentile,
# no outliers.
AGGREGATE_BOX = {
    "whis": (10, 90),
    "showfliers": False,
    "patch_artist": True,
    "boxprops": {"facecolor": LIGHT, "edgecolor": GREY, "linewidth": 0.8},
    "whiskerprops": {"color": GREY, "linewidth": 0.8},
    "capprops": {"color": GREY, "linewidth": 0.8},
    "medianprops": {"color": GREY, "linewidth": 1.0},
    "manage_ticks": False,
}
# Every figure is this wide (inches), and printed at this width (report.css: 160 mm).
FIGURE_WIDTH = 6.3
# Font sizes in points at print size; the smallest text of a figure is 7 pt.
SMALLEST_TEXT = 7.0
PRINT_STYLE = {
    # Labels are data (scale, group and SDG names): a "$" in one is a dollar, not mathtext.
    "text.parse_math": False,
    "font.family": "DejaVu Sans",
    "font.size": 8.0,
    "axes.titlesize": 8.5,
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "legend.title_fontsize": 7.5,
    "figure.titlesize": 9.0,
    "axes.prop_cycle": cycler(color=PALETTE),
    "lines.linewidth": 1.4,
}

# seaborn's plotting context (line widths, tick lengths, marker sizes) at matplotlib's
# defaults, as the reports draw them: a researcher's own context ("talk", "poster") must
# not reach the report's figures. The context's font sizes are PRINT_STYLE's.
_PLOTTING_CONTEXT = {
    key: matplotlib.rcParamsDefault[key]
    for key in sns.plotting_context("notebook")
    if key not in PRINT_STYLE
}


def set_theme() -> None:
    """The report figures' look, set globally (for notebooks that draw figures of their
    own in the same style; the report's figures do not need it)."""
    sns.set_theme(style="whitegrid", palette=PALETTE, rc={**_PLOTTING_CONTEXT, **PRINT_STYLE})


def _print_style(draw):
    """Draw a figure in the report's look (seaborn's whitegrid, matplotlib's default line
    widths, :data:`PRINT_STYLE`) inside context managers, whatever theme is set globally,
    and fix its tick label sizes on the axes (matplotlib makes further ticks when the
    figure is saved, after the context is left)."""

    @functools.wraps(draw)
    def styled(*args, **kwargs) -> plt.Figure:
        with (
            sns.axes_style("whitegrid"),
            sns.plotting_context(rc=_PLOTTING_CONTEXT),
            plt.rc_context(PRINT_STYLE),
        ):
            figure = draw(*args, **kwargs)
            for ax in figure.axes:
                ax.tick_params(labelsize=PRINT_STYLE["xtick.labelsize"])
        return figure

    return styled


def _range_label(label: str, score_range: tuple[float, float] | None, language: str) -> str:
    """``Score (0–100)``: an axis label with its scale's range.

    >>> _range_label("Wert", (1, 4.5), "de")
    'Wert (1–4,5)'
    >>> _range_label("Well-being (WHO-5)", (0, 100), "en")
    'Well-being (WHO-5), 0–100'
    """
    if score_range is None:
        return label
    low, high = (fmt.number(v, 0 if float(v).is_integer() else 1, language) for v in score_range)
    return f"{label}, {low}–{high}" if label.endswith(")") else f"{label} ({low}–{high})"


@functools.lru_cache(maxsize=4096)
def _tick_label(value: float, decimals: int, language: str) -> str:
    # Babel formats each tick label afresh on every draw (tight_layout, then savefig).
    return fmt.number(value, decimals, language)


def _locale_axis(axis, language: str, decimals: int = 0) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _: _tick_label(v, decimals, language)))


def figure_html(figure: plt.Figure, *, alt: str, caption: str, dpi: int = 150) -> str:
    """A figure as ``<figure>`` with an embedded PNG, its alt text and a caption; closes it.

    Both texts are HTML-escaped; in the caption a statistic's subscript (d_av) is set as a
    subscript (:func:`impact.sections.markup.escape`). The image's ``width`` and ``height``
    are the figure's size (CSS pixels of 1/96 inch), so it is printed at the size it was
    drawn for. The PNG
    carries no metadata (no software version or date), so the same figure gives the same
    bytes.
    """
    width, height = (round(inches * 96) for inches in figure.get_size_inches())
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    from impact.sections.markup import escape  # late: the sections package is heavy to load

    return (
        f'<figure class="impact-figure"><img alt="{html.escape(alt)}" '
        f'width="{width}" height="{height}" src="data:image/png;base64,{data}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


@_print_style
def paired_trajectories(
    data: pd.DataFrame,
    *,
    summary: pd.DataFrame,
    scale_labels: dict[str, str],
    wave_labels: dict[str, str],
    language: str = "en",
    score_ranges: dict[str, tuple[float, float]] | None = None,
    individual_lines: bool = False,
) -> plt.Figure:
    """The scores over the waves, with the mean and its 95% CI; a panel a scale.

    By default each wave shows the distribution of its scores as a box (quartiles, whiskers
    at the 10th and 90th percentiles, no single values), so no person's answer is drawn;
    ``individual_lines`` draws each participant's line instead (``privacy.individual_lines``).

    Parameters
    ----------
    data : DataFrame
        Long scores: ``participant``, ``scale``, ``wave`` (ordered categorical), ``score``.
        Lines join a participant's answers in consecutive waves; a missed wave breaks it.
    summary : DataFrame
        Per ``scale`` and ``wave``: ``mean``, ``ci_low``, ``ci_high`` (see
        :func:`impact.sections.wave_means`).
    scale_labels, wave_labels : dict
        Display names; the panels follow the order of ``scale_labels``.
    language : str
        Number format of the axes.
    score_ranges : dict, optional
        Per scale its possible (lowest, highest) score: the y axis spans it and its label
        names it (``Score (0–100)``).
    individual_lines : bool
        Join each participant's answers by a line (individual data: off by default).

    Examples
    --------
    >>> scores = pd.DataFrame({"participant": [1, 2, 3, 1, 2, 3], "scale": ["who5"] * 6,
    ...     "wave": pd.Categorical(["a"] * 3 + ["b"] * 3), "score": [40, 52, 60, 48, 56, 72]})
    >>> summary = pd.DataFrame({"scale": ["who5"] * 2, "wave": ["a", "b"],
    ...     "mean": [50.7, 58.7], "ci_low": [40, 45], "ci_high": [61, 72]})
    >>> figure = paired_trajectories(scores, summary=summary, scale_labels={"who5": "WHO-5"},
    ...                              wave_labels={"a": "Start", "b": "End"})
    >>> len(figure.axes[0].patches)  # a box a wave, no line of a person
    2
    """
    waves = [w for w in wave_labels if w in set(data["wave"].astype(str))]
    scales = [s for s in scale_labels if s in set(data["scale"])]
    score_ranges = score_ranges or {}
    # At most three panels a row, so seven outcomes stay readable on a page.
    columns = min(3, len(scales))
    rows = -(-len(scales) // columns)
    fig = plt.figure(figsize=(FIGURE_WIDTH, 0.3 + 2.15 * rows), layout="constrained")
    grid = fig.add_gridspec(rows, columns)
    # Only the panels drawn are made (the places of a grid do not depend on its other cells)
    axes = [fig.add_subplot(grid[i // columns, i % columns]) for i in range(len(scales))]
    x = np.arange(len(waves))
    for ax, scale in zip(axes, scales, strict=True):
        part = data[data["scale"] == scale]
        wide = part.pivot_table(
            index="participant", columns="wave", values="score", observed=True
        ).reindex(columns=waves)
        if individual_lines:
            # One collection of every participant's line draws the same pixels as one Line2D
            # each (same colour, width, caps and joins; a missing wave breaks a line), faster.
            lines = np.stack(np.broadcast_arrays(x, wide.to_numpy(float)), axis=-1)
            ax.add_collection(
                LineCollection(
                    lines,
                    colors=GREY,
                    alpha=0.35,
                    linewidths=0.6,
                    capstyle=plt.rcParams["lines.solid_capstyle"],
                    joinstyle=plt.rcParams["lines.solid_joinstyle"],
                    zorder=2,
                )
            )
        else:
            _wave_boxes(ax, [wide[w].dropna().to_numpy(float) for w in waves], x)
        means = summary[summary["scale"] == scale].set_index("wave").reindex(waves)
        ax.errorbar(
            x,
            means["mean"],
            yerr=[means["mean"] - means["ci_low"], means["ci_high"] - means["mean"]],
            color=PALETTE[0],
            marker="o",
            markersize=3.5,
            linewidth=1.6,
            capsize=3,
            zorder=3,
        )
        ax.set_xticks(x, [wave_labels[w] for w in waves], rotation=30, ha="right")
        ax.set_title(textwrap.fill(scale_labels[scale], 30))
        score_range = score_ranges.get(scale)
        ax.set_ylabel(_range_label(fmt.texts(language)["axis_score"], score_range, language))
        if score_range is not None:
            low, high = score_range
            margin = (high - low) * 0.03
            ax.set_ylim(low - margin, high + margin)
        high = score_range[1] if score_range is not None else part["score"].max()
        _locale_axis(ax.yaxis, language, 1 if high <= 10 else 0)
    return fig


def _wave_boxes(ax, values: list[np.ndarray], positions: np.ndarray) -> None:
    """A box per position without single values: quartiles, whiskers at the 10th and 90th
    percentiles and no outliers, so no one person's answer is drawn."""
    drawn = [i for i, v in enumerate(values) if len(v)]
    if not drawn:
        return
    ax.boxplot(
        [values[i] for i in drawn],
        positions=positions[drawn],
        widths=0.35,
        **AGGREGATE_BOX,
        zorder=2,
    )


@_print_style
def effect_sizes(data: pd.DataFrame, *, language: str = "en") -> plt.Figure:
    """Effect sizes with confidence intervals, one row per outcome, one colour per wave;
    the legend above the plot.

    Parameters
    ----------
    data : DataFrame
        ``label`` (outcome), ``wave_label``, ``estimate``, ``ci_low``, ``ci_high``; rows in
        the order they should appear.
    """
    labels = list(dict.fromkeys(data["label"]))
    waves = list(dict.fromkeys(data["wave_label"]))
    row = 0.22 * max(1.0, len(waves) / 1.5)
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 1.0 + row * len(labels)), layout="constrained")
    offsets = np.linspace(-0.22, 0.22, len(waves)) if len(waves) > 1 else [0.0]
    y_of = {label: i for i, label in enumerate(labels)}
    for colour, wave, offset in zip(PALETTE, waves, offsets, strict=False):
        part = data[data["wave_label"] == wave]
        y = part["label"].map(y_of).to_numpy() + offset
        ax.errorbar(
            part["estimate"],
            y,
            xerr=[part["estimate"] - part["ci_low"], part["ci_high"] - part["estimate"]],
            fmt="o",
            markersize=3.5,
            color=colour,
            capsize=2.5,
            label=wave,
        )
    ax.axvline(0, color="#333333", linewidth=1)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlabel(fmt.texts(language)["axis_d_av"])
    _locale_axis(ax.xaxis, language, 1)
    if len(waves) > 1:
        fig.legend(loc="outside upper center", ncol=len(waves), frameon=False)
    return fig


@_print_style
def group_sizes(data: pd.DataFrame, *, group: str, count: str, language: str = "en") -> plt.Figure:
    """Horizontal bars of group sizes (pass groups through the privacy helpers first)."""
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.6 + 0.2 * len(data)), layout="constrained")
    sns.barplot(data=data, y=group, x=count, color=PALETTE[0], ax=ax, orient="h")
    ax.set_ylabel("")
    ax.set_xlabel(fmt.texts(language)["axis_participants"])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _locale_axis(ax.xaxis, language, 0)
    return fig


@_print_style
def baseline_distribution(
    scores: pd.Series,
    *,
    cutoffs: list[float],
    score_range: tuple[float, float],
    label: str,
    language: str = "en",
    k: int = 1,
) -> plt.Figure:
    """Histogram of baseline scores with the instrument's published cut-offs as dashed lines;
    the x axis spans the scale's range and its label names it, the y axis counts people.

    A bar of 1 to ``k`` − 1 people is merged with its smaller neighbour until every bar
    drawn holds at least ``k`` (:func:`protected_bins`), so the figure shows no count the
    tables suppress.

    Examples
    --------
    >>> scores = pd.Series([4, 36, 40, 44, 48, 52, 56, 60, 64, 68, 72, 76, 80, 84, 88])
    >>> figure = baseline_distribution(scores, cutoffs=[28, 50], score_range=(0, 100),
    ...                                label="WHO-5", k=5)
    >>> sorted(round(bar.get_height()) for bar in figure.axes[0].patches)
    [5, 5, 5]
    """
    low, high = score_range
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 2.2), layout="constrained")
    counts, edges = protected_bins(scores.dropna().to_numpy(float), np.linspace(low, high, 11), k=k)
    drawn = counts > 0
    ax.bar(
        edges[:-1][drawn],
        counts[drawn],
        width=np.diff(edges)[drawn],
        align="edge",
        color=PALETTE[0],
        alpha=0.75,
        edgecolor="white",
        linewidth=0.8,
    )
    for cutoff in cutoffs:
        ax.axvline(cutoff, color=PALETTE[5], linestyle="--")
    ax.set_xlim(low, high)
    ax.set_xlabel(_range_label(label, score_range, language))
    ax.set_ylabel(fmt.texts(language)["axis_participants"])
    _locale_axis(ax.xaxis, language, 0 if high > 10 else 1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _locale_axis(ax.yaxis, language, 0)
    return fig


def protected_bins(
    values: np.ndarray, edges: np.ndarray, *, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Histogram counts in which no bar holds 1 to ``k`` − 1 people.

    Bins are merged with their neighbours as ordered categories are
    (:func:`impact.disclosure.merge_adjacent`); a merged bar spans its bins. With fewer
    than ``k`` values in all, nothing is drawn.

    Returns
    -------
    tuple of ndarray
        The counts and the edges of the merged bins (one more edge than counts).

    Examples
    --------
    >>> counts, edges = protected_bins(np.array([1, 2, 5, 6, 7, 8, 9, 9, 9]),
    ...                                np.array([0, 3, 6, 10]), k=3)
    >>> counts.tolist(), edges.tolist()
    ([3, 6], [0.0, 6.0, 10.0])
    """
    counts = np.histogram(values, bins=edges)[0].astype(int)
    edges = np.asarray(edges, dtype=float)
    if counts.sum() < k:
        return np.zeros(1, dtype=int), edges[[0, -1]]
    spans = merge_adjacent(list(counts), k=k)
    merged = [int(counts[first : last + 1].sum()) for first, last in spans]
    bounds = [edges[first] for first, _ in spans] + [edges[-1]]
    return np.array(merged), np.array(bounds)


@_print_style
def reliable_change_counts(data: pd.DataFrame, *, k: int, language: str = "en") -> plt.Figure:
    """Participants per reliable change category, one group of bars per outcome.

    Parameters
    ----------
    data : DataFrame
        ``label`` (outcome), ``category`` (in the order to draw), ``n``, ``suppressed``
        (see :func:`impact.sections.reliable_change_plot_data`). A suppressed count gets no
        bar, only the text of a withheld count: a short bar would pretend to know its size.
    k : int
        The privacy threshold, for the text of suppressed counts.
    """
    labels = list(dict.fromkeys(data["label"]))
    categories = list(dict.fromkeys(data["category"]))
    colours = dict(zip(categories, [PALETTE[2], GREY, PALETTE[5]], strict=False))
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.9 + 0.42 * len(labels)), layout="constrained")
    height = 0.8 / max(1, len(categories))
    for j, category in enumerate(categories):
        part = data[data["category"] == category].set_index("label").reindex(labels)
        y = np.arange(len(labels)) - 0.4 + height * (j + 0.5)
        counts = part["n"].astype(float).fillna(0).to_numpy()
        ax.barh(y, counts, height=height, color=colours[category], label=category)
        for yi, hidden in zip(y, part["suppressed"].fillna(False).to_numpy(), strict=True):
            if hidden:
                ax.text(
                    0.3,
                    yi,
                    fmt.text("suppressed_value", language, k=k),
                    va="center",
                    fontsize=SMALLEST_TEXT,
                    color="#333333",
                )
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlabel(fmt.texts(language)["axis_participants"])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _locale_axis(ax.xaxis, language, 0)
    fig.legend(loc="outside upper center", ncol=len(categories), frameon=False)
    return fig


def _annotated_heatmap(
    ax: plt.Axes, grid: pd.DataFrame, *, vmax: float, colourbar: str | None, language: str
) -> None:
    """``grid`` as a heat map in seaborn's way (cells with white edges, their values in
    them, light text on dark cells, no spines, a missing value left blank), with every row
    and column named and a colour bar labelled ``colourbar`` unless it is None.

    Drawn with matplotlib directly: ``sns.heatmap`` draws the whole figure on every call to
    check whether tick labels overlap, which for three maps was most of the time this
    figure took; here the labels are set as the report wants them (row labels horizontal,
    column labels turned by the caller).
    """
    values = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    for side in ax.spines.values():
        side.set_visible(False)
    mesh = ax.pcolormesh(
        values, cmap="cividis", vmin=0, vmax=vmax, linewidths=0.5, edgecolor="white"
    )
    ax.set(xlim=(0, values.shape[1]), ylim=(0, values.shape[0]))
    ax.invert_yaxis()
    if colourbar is not None:
        ax.figure.colorbar(mesh, ax=ax, label=colourbar, shrink=0.9).outline.set_linewidth(0)
    ax.set_xticks(np.arange(values.shape[1]) + 0.5, grid.columns)
    ax.set_yticks(np.arange(values.shape[0]) + 0.5, grid.index, rotation="horizontal", va="center")
    ax.grid(False)
    mesh.update_scalarmappable()
    cells = zip(*np.nonzero(~np.ma.getmaskarray(values)), strict=True)
    colours = mesh.get_facecolors().reshape(*values.shape, 4)
    for row, column in cells:
        light = sns.utils.relative_luminance(colours[row, column]) > 0.408
        ax.text(
            column + 0.5,
            row + 0.5,
            f"{values[row, column]:.1f}".replace(".", "," if language == "de" else "."),
            color=".15" if light else "w",
            ha="center",
            va="center",
            fontsize=SMALLEST_TEXT,
        )


@_print_style
def collaboration_matrices(data: pd.DataFrame, *, language: str = "en") -> plt.Figure:
    """Sector × sector heat maps side by side, one per wave, on one colour scale.

    Parameters
    ----------
    data : DataFrame
        ``wave_label``, ``from_label`` (rows), ``to_label`` (columns), ``mean_contacts``
        (missing for a suppressed row: drawn blank); in the order to draw (see
        :func:`impact.sections.collaboration_plot_data`).
    """
    waves = list(dict.fromkeys(data["wave_label"]))
    rows = list(dict.fromkeys(data["from_label"]))
    columns = list(dict.fromkeys(data["to_label"]))
    vmax = float(np.nanmax(data["mean_contacts"].to_numpy(dtype=float))) if len(data) else 1.0
    # Cells about 0.26 inch high: a number of 7 pt fits a cell.
    fig, axes = plt.subplots(
        1,
        len(waves),
        figsize=(FIGURE_WIDTH, 1.5 + 0.26 * len(rows)),
        squeeze=False,
        layout="constrained",
    )
    for i, (ax, wave) in enumerate(zip(axes[0], waves, strict=True)):
        grid = (
            data[data["wave_label"] == wave]
            .pivot_table(
                index="from_label", columns="to_label", values="mean_contacts", dropna=False
            )
            .reindex(index=rows, columns=columns)
        )
        _annotated_heatmap(
            ax,
            grid,
            vmax=vmax,
            colourbar=fmt.texts(language)["axis_contacts"] if i == len(waves) - 1 else None,
            language=language,
        )
        ax.set_facecolor("#eeeeee")  # suppressed rows: plain grey, no numbers
        ax.set_title(wave)
        if i:
            ax.set_yticks([])
        plt.setp(ax.get_xticklabels(), rotation=50, ha="right", rotation_mode="anchor")
    colourbar = axes[0][-1].collections[0].colorbar if len(waves) else None
    if colourbar is not None:
        colourbar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        _locale_axis(colourbar.ax.yaxis, language, 0)
    return fig


@_print_style
def sdg_coverage(data: pd.DataFrame, *, language: str = "en") -> plt.Figure:
    """Horizontal bars: projects naming each goal, in the goals' order.

    Parameters
    ----------
    data : DataFrame
        ``label`` (the goal) and ``projects`` (see :func:`impact.sections.sdg_plot_data`).
    """
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.6 + 0.16 * len(data)), layout="constrained")
    y = np.arange(len(data))
    ax.barh(y, data["projects"].astype(float).fillna(0), color=PALETTE[0])
    ax.set_yticks(y, data["label"])
    ax.set_ylim(len(data) - 0.5, -0.5)
    ax.set_xlabel(fmt.texts(language)["axis_projects"])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _locale_axis(ax.xaxis, language, 0)
    return fig


@_print_style
def jacobson_truax(
    data: pd.DataFrame,
    *,
    rci_band: float,
    cutoff: float | None = None,
    higher_is_better: bool = True,
    counts: dict[str, str] | None = None,
    region_labels: dict[str, str] | None = None,
    baseline_label: str = "Baseline",
    final_label: str = "Final",
    title: str | None = None,
    language: str = "en",
) -> plt.Figure:
    """The Jacobson–Truax plot: each participant's final score against their baseline score.

    Points on the diagonal did not change; the shaded band around it, ``± rci_band`` (the
    smallest reliable change, ``1.96 · S_diff`` of :func:`impact.change.reliable_change`),
    holds the changes that are not reliable. The cut-off lines (the instrument's
    ``clinical_cutoff``, at both axes) divide the functional from the dysfunctional range.

    Parameters
    ----------
    data : DataFrame
        ``pre`` and ``post`` of one scale and wave (the participant-level table of
        :func:`impact.change.reliable_change`).
    rci_band : float
        Half-width of the band of no reliable change, in score units.
    cutoff : float, optional
        The clinical cut-off; no lines without one.
    higher_is_better : bool
        Which side of the band is improvement (labels the regions).
    counts : dict, optional
        Region → the text to show in it: ``improved``, ``no reliable change``,
        ``deteriorated``. Pass numbers already protected by the privacy threshold (e.g.
        ``"< 5"``); the figure shows them as given and counts nothing itself.
    region_labels : dict, optional
        Region → its name in the report's language (default: the region codes).
    baseline_label, final_label, title : str
        Axis labels and an optional title, in the report's language.
    language : str
        Number format of the axes.

    Examples
    --------
    >>> points = pd.DataFrame({"pre": [40, 52, 60, 20], "post": [72, 56, 48, 36]})
    >>> figure = jacobson_truax(points, rci_band=15.6, cutoff=50,
    ...                         counts={"improved": "2", "no reliable change": "< 5"})
    >>> len(figure.axes)
    1
    """
    pre = data["pre"].to_numpy(float)
    post = data["post"].to_numpy(float)
    values = np.concatenate([pre, post])
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    pad = 0.05 * (high - low or 1.0) + rci_band * 0.2
    low, high = low - pad, high + pad
    fig, ax = plt.subplots(figsize=(3.9, 3.6), layout="constrained")
    line = np.array([low, high])
    ax.fill_between(line, line - rci_band, line + rci_band, color=GREY, alpha=0.18, lw=0)
    ax.plot(line, line, color=GREY, lw=1)
    if cutoff is not None:
        ax.axvline(cutoff, color=PALETTE[5], lw=1, ls="--")
        ax.axhline(cutoff, color=PALETTE[5], lw=1, ls="--")
    ax.scatter(pre, post, s=22, color=PALETTE[0], alpha=0.75, edgecolor="white", lw=0.5, zorder=3)
    better, worse = (
        ("improved", "deteriorated") if higher_is_better else ("deteriorated", "improved")
    )
    # The band runs corner to corner: its count goes under the title, the others into the
    # free corners of their regions.
    places = {
        better: (0.03, 0.97, "left", "top"),
        worse: (0.97, 0.03, "right", "bottom"),
    }
    labels = region_labels or {}
    if "no reliable change" in (counts or {}):
        band = f"{labels.get('no reliable change', 'no reliable change')}: "
        band += counts["no reliable change"]
        title = f"{title}\n{band}" if title else band
    for region, text in (counts or {}).items():
        if region in places:
            x, y, ha, va = places[region]
            ax.text(
                x,
                y,
                f"{labels.get(region, region)}: {text}",
                transform=ax.transAxes,
                ha=ha,
                va=va,
                fontsize=7.5,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8},
            )
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    ax.set_xlabel(baseline_label)
    ax.set_ylabel(final_label)
    decimals = 1 if high <= 10 else 0
    _locale_axis(ax.xaxis, language, decimals)
    _locale_axis(ax.yaxis, language, decimals)
    if title:
        ax.set_title(title, fontsize=8.5)
    return fig


@_print_style
def change_distributions(
    data: pd.DataFrame,
    *,
    scale_labels: dict[str, str],
    mic: dict[str, float] | None = None,
    change_label: str = "Change",
    language: str = "en",
    individual_values: bool = False,
) -> plt.Figure:
    """A raincloud of the individual changes per outcome: density, box and the mean.

    Each panel is one outcome in its own units: the half-violin of the differences
    (post − pre) between their 10th and 90th percentiles, a box below it (quartiles,
    whiskers at the 10th and 90th percentiles), their mean with its 95% CI, a line at no
    change and, where the instrument has one, dashed lines at ± its minimal important
    change. No single person's change is drawn unless ``individual_values`` asks for the
    changes as jittered points (``privacy.individual_lines``).

    Parameters
    ----------
    data : DataFrame
        ``scale`` and ``diff`` (post − pre), one row per participant (e.g. the
        participant-level table of :func:`impact.change.reliable_change` at one wave).
    scale_labels : dict
        Scale → display name; the panels follow its order.
    mic : dict, optional
        Scale → minimal important change.
    change_label : str
        The x-axis label, in the report's language.
    language : str
        Number format of the axes.
    individual_values : bool
        Draw each participant's change as a point (individual data: off by default).

    Examples
    --------
    >>> diffs = pd.DataFrame({"scale": ["who5"] * 6 + ["swls"] * 6,
    ...     "diff": [12, -4, 8, 20, 0, 4, 1.2, 0.4, -0.2, 0.8, 1.0, 0.6]})
    >>> figure = change_distributions(diffs, scale_labels={"who5": "WHO-5", "swls": "SWLS"},
    ...                               mic={"who5": 10})
    >>> len(figure.axes)
    2
    """
    scales = [s for s in scale_labels if s in set(data["scale"].astype(str))]
    mic = mic or {}
    fig, axes = plt.subplots(
        len(scales),
        1,
        figsize=(FIGURE_WIDTH, 1.25 * len(scales) + 0.4),
        layout="constrained",
        squeeze=False,
    )
    rng = np.random.default_rng(0)  # the same jitter every time: reports are reproducible
    for ax, scale in zip(axes[:, 0], scales, strict=True):
        diff = data.loc[data["scale"].astype(str) == scale, "diff"].dropna().to_numpy(float)
        # the tails beyond the 10th and 90th percentiles are one or two people each
        shown = diff if individual_values else _central(diff)
        if len(shown) > 1 and np.ptp(shown) > 0:
            # the "cloud": a kernel density of the changes above the "rain" of points
            grid = np.linspace(shown.min(), shown.max(), 200)
            density = _density(diff, grid)
            ax.fill_between(
                grid, 0.25, 0.25 + 0.5 * density / density.max(), color=PALETTE[0], alpha=0.35, lw=0
            )
        if individual_values:
            ax.scatter(
                diff,
                -0.2 + rng.uniform(-0.12, 0.12, len(diff)),
                s=12,
                color=PALETTE[0],
                alpha=0.7,
                lw=0,
            )
        elif len(diff):
            ax.boxplot(
                [diff],
                positions=[-0.2],
                **_HORIZONTAL,
                widths=0.25,
                **AGGREGATE_BOX,
            )
        if len(diff) > 1:
            mean = diff.mean()
            half = _t_quantile(len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
            ax.errorbar(
                [mean],
                [0.25],
                xerr=[[half], [half]],
                fmt="o",
                color=PALETTE[5],
                capsize=4,
                zorder=4,
            )
        ax.axvline(0, color=GREY, lw=1)
        if scale in mic:
            for side in (-1, 1):
                ax.axvline(side * mic[scale], color=PALETTE[1], lw=1, ls="--")
        ax.set_yticks([])
        ax.set_ylim(-0.5, 0.8)
        ax.set_title(scale_labels[scale], fontsize=10, loc="left")
        largest = np.nanmax(np.abs(shown), initial=0)
        _locale_axis(ax.xaxis, language, 2 if largest <= 2 else 1 if largest <= 10 else 0)
    axes[-1, 0].set_xlabel(change_label)
    return fig


def _central(values: np.ndarray) -> np.ndarray:
    """The values between the 10th and the 90th percentile."""
    if len(values) == 0:
        return values
    low, high = np.percentile(values, [10, 90])
    return values[(values >= low) & (values <= high)]


def _t_quantile(df: int, level: float = 0.95) -> float:
    # scipy is imported only when a figure needs it
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2, df))


def _density(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    from scipy import stats

    return stats.gaussian_kde(values)(grid)
