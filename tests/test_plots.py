"""Report figures: one theme, embedded with alt text and caption."""

import base64
import re

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.text import Text

from impact import plots, sections


def _png(html: str) -> bytes:
    match = re.search(r'src="data:image/png;base64,([^"]+)"', html)
    assert match, html[:200]
    return base64.b64decode(match[1])


def test_figure_html_embeds_a_png_with_escaped_alt_text_and_caption():
    figure = plots.group_sizes(pd.DataFrame({"g": ["a", "b"], "n": [5, 7]}), group="g", count="n")
    html = plots.figure_html(figure, alt='5 & 7 "<b>"', caption="<script>x</script>")
    assert _png(html).startswith(b"\x89PNG")
    assert 'alt="5 &amp; 7 &quot;&lt;b&gt;&quot;"' in html
    assert "<figcaption>&lt;script&gt;x&lt;/script&gt;</figcaption>" in html


def test_figures_are_reproducible(demo):
    def draw() -> bytes:
        figure = plots.paired_trajectories(
            sections.trajectory_data(demo, "final"),
            summary=sections.score_summary(demo, "final"),
            scale_labels={s: s for s in sections.outcomes(demo)},
            wave_labels={w: w for w in demo.survey.wave_ids},
        )
        return _png(plots.figure_html(figure, alt="a", caption="c"))

    assert draw() == draw()


def _trajectories(demo, **options):
    return plots.paired_trajectories(
        sections.trajectory_data(demo, "milestone-2"),
        summary=sections.score_summary(demo, "milestone-2"),
        scale_labels={s: s.upper() for s in sections.outcomes(demo)},
        wave_labels={w: w for w in demo.waves_until("milestone-2")},
        language="de",
        **options,
    )


def test_trajectories_show_each_waves_distribution_and_no_persons_line_by_default(demo):
    figure = _trajectories(demo)
    assert [ax.get_title() for ax in figure.axes] == [s.upper() for s in sections.outcomes(demo)]
    who5 = figure.axes[0]
    assert len(who5.patches) == 3  # a box a wave
    # no collection of one segment per participant: only the error bars' three segments
    assert all(len(c.get_segments()) <= 3 for c in who5.collections)
    assert [t.get_text() for t in who5.get_xticklabels()] == [
        "kickoff",
        "milestone-1",
        "milestone-2",
    ]
    # the whiskers end at the 10th and 90th percentile, inside the lowest and highest score
    scores = sections.trajectory_data(demo, "milestone-2").query("scale == 'who5'")["score"]
    ends = [y for line in who5.lines for y in line.get_ydata()]
    assert min(ends) > scores.min() and max(ends) < scores.max()


def test_individual_lines_draw_a_line_per_participant_when_asked(demo):
    data = sections.trajectory_data(demo, "milestone-2")
    who5 = _trajectories(demo, individual_lines=True).axes[0]
    participants = data.loc[data["scale"] == "who5", "participant"].nunique()
    grey = who5.collections[0]  # one grey line per participant, drawn first
    assert len(grey.get_segments()) == participants
    assert len(who5.lines) >= 1  # the mean line
    assert not who5.patches


def test_no_histogram_bar_holds_fewer_than_k_people():
    scores = pd.Series([3.0, 12, 12, 30, 33, 36, 41, 44, 47, 52, 55, 58, 61, 64, 67, 92])
    figure = plots.baseline_distribution(
        scores, cutoffs=[28, 50], score_range=(0, 100), label="WHO-5", k=5
    )
    heights = [bar.get_height() for bar in figure.axes[0].patches]
    assert sum(heights) == len(scores)
    assert all(height >= 5 for height in heights)
    plain = plots.baseline_distribution(
        scores, cutoffs=[28, 50], score_range=(0, 100), label="WHO-5", k=1
    )
    assert min(bar.get_height() for bar in plain.axes[0].patches) == 1


def test_the_change_distribution_draws_no_persons_change_unless_asked():
    diffs = pd.DataFrame(
        {"scale": ["who5"] * 12, "diff": [-24, 0, 4, 4, 8, 8, 8, 12, 12, 16, 20, 40]}
    )
    drawn = plots.change_distributions(diffs, scale_labels={"who5": "WHO-5"}, mic={"who5": 10})
    ax = drawn.axes[0]
    assert not [c for c in ax.collections if len(c.get_offsets()) == len(diffs)]  # no points
    assert ax.get_xlim()[0] > -24 and ax.get_xlim()[1] < 40  # the extremes are not drawn
    points = plots.change_distributions(
        diffs, scale_labels={"who5": "WHO-5"}, individual_values=True
    ).axes[0]
    assert [c for c in points.collections if len(c.get_offsets()) == len(diffs)]


def test_effect_sizes_draw_each_interval_and_use_the_locale(demo):
    data = sections.effect_plot_data(demo, "final", "de")
    figure = plots.effect_sizes(data, language="de")
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(dict.fromkeys(data["label"]))
    figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert any("," in t for t in ticks), ticks  # decimal comma on the axis
    assert len(figure.legends) == 1 and len(figure.legends[0].get_texts()) == 3


def test_palette_is_the_colour_blind_safe_one():
    assert plots.PALETTE[:3] == ["#0072B2", "#E69F00", "#009E73"]


def test_reliable_change_figure_draws_no_bar_for_a_hidden_count(demo):
    data = sections.reliable_change_plot_data(demo, "final", "en")
    k = demo.survey.privacy.min_group_size
    figure = plots.reliable_change_counts(data, k=k, language="en")
    ax = figure.axes[0]
    widths = sorted(p.get_width() for p in ax.patches)
    shown = data.loc[~data["suppressed"], "n"].astype(float)
    hidden = int(data["suppressed"].sum())
    # every shown count is a bar of its length; a hidden count is a bar of length 0
    assert sorted(shown.tolist() + [0.0] * hidden) == widths
    assert [t.get_text() for t in ax.texts].count("not shown") == hidden > 0
    assert [t.get_text() for t in figure.legends[0].get_texts()] == [
        "improved",
        "no reliable change",
        "deteriorated",
    ]


def test_collaboration_matrices_one_panel_per_wave_blank_rows_and_german_numbers(demo):
    data = sections.collaboration_plot_data(demo, "final", "de")
    figure = plots.collaboration_matrices(data, language="de")
    heatmaps = [ax for ax in figure.axes if ax.get_title()]
    assert [ax.get_title() for ax in heatmaps] == ["Auftakt", "Abschluss"]
    annotations = [t.get_text() for t in heatmaps[0].texts]
    shown = data[data["wave_label"] == "Auftakt"]["mean_contacts"].notna().sum()
    assert len(annotations) == shown  # a suppressed row has no numbers
    assert all("," in a and "." not in a for a in annotations)


def test_collaboration_matrices_name_every_sector_and_show_each_value_in_its_cell():
    sectors = [f"Sector {i}" for i in range(20)]  # more than "auto" tick labels would keep
    data = pd.DataFrame(
        [
            {"wave_label": wave, "from_label": a, "to_label": b, "mean_contacts": value}
            for wave in ("Start", "End")
            for i, a in enumerate(sectors)
            for j, b in enumerate(sectors)
            for value in [None if (wave, i) == ("End", 3) else i + j / 100]
        ]
    )
    figure = plots.collaboration_matrices(data, language="en")
    first, second = (ax for ax in figure.axes if ax.get_title())
    assert [t.get_text() for t in first.get_yticklabels()] == sectors
    assert [t.get_text() for t in second.get_xticklabels()] == sectors
    assert second.get_yticks().size == 0  # the rows are named once, on the left
    texts = {(t.get_position(), t.get_text()) for t in second.texts}
    assert ((0.5 + 2, 0.5 + 1), "1.0") in texts  # row "Sector 1", column "Sector 2": 1.02
    assert len(second.texts) == 19 * 20  # the suppressed row has no numbers
    plt.close(figure)


def test_sdg_figure_has_a_bar_per_goal_and_whole_number_ticks(demo):
    data = sections.sdg_plot_data(demo, "final", "en")
    figure = plots.sdg_coverage(data, language="en")
    ax = figure.axes[0]
    assert [p.get_width() for p in ax.patches] == data["projects"].tolist()
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "1. No poverty"
    figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert all(t.isdigit() for t in ticks), ticks


def _every_figure(demo, language: str) -> dict:
    """Every report figure of the demo's kick-off and final reports."""
    cohort = sections.cohort_table(demo, language)
    scale = sections.baseline_instruments(demo)[0]
    labels = {s: sections.scale_label(demo, s, language) for s in sections.outcomes(demo)}
    return {
        "cohort": plots.group_sizes(
            cohort, group=cohort.columns[0], count=cohort.columns[1], language=language
        ),
        "baseline": plots.baseline_distribution(
            sections.baseline_scores(demo, scale),
            cutoffs=sections.cutoffs(demo, scale),
            score_range=demo.instruments[scale].score_range(),
            label=labels.get(scale, scale),
            language=language,
        ),
        "trajectories": plots.paired_trajectories(
            sections.trajectory_data(demo, "final"),
            summary=sections.score_summary(demo, "final"),
            scale_labels=labels,
            wave_labels={w: sections.wave_label(demo, w, language) for w in demo.survey.wave_ids},
            language=language,
            score_ranges={s: demo.instrument_of(s).score_range() for s in labels},
        ),
        "effects": plots.effect_sizes(
            sections.effect_plot_data(demo, "final", language), language=language
        ),
        "reliable change": plots.reliable_change_counts(
            sections.reliable_change_plot_data(demo, "final", language),
            k=demo.survey.privacy.min_group_size,
            language=language,
        ),
        "matrices": plots.collaboration_matrices(
            sections.collaboration_plot_data(demo, "final", language), language=language
        ),
        "goals": plots.sdg_coverage(sections.sdg_plot_data(demo, "final", language)),
    }


@pytest.fixture(scope="module")
def german_figures(demo):
    figures = _every_figure(demo, "de")
    for figure in figures.values():
        figure.canvas.draw()  # ticks and layout as they are saved
    yield figures
    plt.close("all")


def test_every_figure_has_the_print_width_and_no_text_below_7_pt(german_figures):
    for name, figure in german_figures.items():
        assert figure.get_size_inches()[0] == pytest.approx(plots.FIGURE_WIDTH), name
        texts = [t for t in figure.findobj(Text) if t.get_text().strip() and t.get_visible()]
        small = {t.get_text() for t in texts if t.get_fontsize() < plots.SMALLEST_TEXT}
        assert texts and not small, (name, sorted(small)[:5])


def test_counts_are_whole_numbers_and_german_axes_use_a_decimal_comma(german_figures):
    def ticks(axis) -> list[str]:
        return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]

    baseline = german_figures["baseline"].axes[0]
    assert ticks(baseline.yaxis) and all(t.isdigit() for t in ticks(baseline.yaxis))
    for name in ("cohort", "reliable change", "goals"):
        assert all(t.isdigit() for t in ticks(german_figures[name].axes[0].xaxis)), name
    effects = ticks(german_figures["effects"].axes[0].xaxis)
    assert any("," in t for t in effects) and not any("." in t for t in effects), effects
    trajectories = german_figures["trajectories"].axes
    decimals = [t for ax in trajectories for t in ticks(ax.yaxis) if not t.lstrip("−-").isdigit()]
    assert decimals and all("," in t and "." not in t for t in decimals), decimals


def test_score_axes_name_their_range(german_figures, demo):
    trajectories = german_figures["trajectories"].axes
    who5 = demo.instrument_of("who5").score_range()
    assert trajectories[0].get_ylabel() == f"Wert ({who5[0]:g}–{who5[1]:g})"
    assert trajectories[0].get_ylim()[0] <= who5[0] and trajectories[0].get_ylim()[1] >= who5[1]
    assert german_figures["baseline"].axes[0].get_xlabel().endswith(f"{who5[0]:g}–{who5[1]:g}")


def test_legends_stand_outside_the_data(german_figures):
    for name in ("effects", "reliable change"):
        figure = german_figures[name]
        legend = figure.legends[0].get_window_extent()
        data = figure.axes[0].get_window_extent()
        assert not legend.overlaps(data), name


def test_drawing_a_figure_leaves_the_global_style_alone(demo):
    before = dict(mpl.rcParams)
    plots.effect_sizes(sections.effect_plot_data(demo, "final", "en"))
    after = dict(mpl.rcParams)
    assert {k for k in before if before[k] != after[k]} == set()


def test_a_researchers_own_theme_stays_and_does_not_reach_the_report_figures(demo):
    import seaborn as sns

    def every_png() -> dict[str, bytes]:
        figures = _every_figure(demo, "en")
        return {
            name: _png(plots.figure_html(f, alt="a", caption="c")) for name, f in figures.items()
        }

    default = every_png()
    with plt.rc_context():  # the global settings of the other tests come back afterwards
        sns.set_theme(context="poster", style="darkgrid", palette="dark", color_codes=False)
        theirs = dict(mpl.rcParams)
        themed = every_png()
        changed = {k for k in theirs if theirs[k] != mpl.rcParams[k]}
    assert changed == set(), "a figure changed the researcher's theme"
    assert themed.keys() == default.keys() and len(default) >= 7
    assert [name for name in default if themed[name] != default[name]] == []


def test_figure_html_gives_the_printed_size(german_figures):
    html = plots.figure_html(german_figures["goals"], alt="a", caption="c")
    width = round(plots.FIGURE_WIDTH * 96)
    assert f'width="{width}"' in html and re.search(r'height="\d+"', html)


def test_a_dollar_in_a_label_is_text_not_mathtext():
    import matplotlib.pyplot as plt

    label = r"Costs $\frac{1$ per head"
    data = pd.DataFrame({"label": [label, "Other"], "projects": [3.0, 5.0]})
    with plt.rc_context({"text.parse_math": True}):  # a researcher's own setting
        html = plots.figure_html(plots.sdg_coverage(data, language="en"), alt="a", caption="b")
    assert html.startswith("<figure")
    figure, ax = plt.subplots()
    ax.set_title(label)
    with pytest.raises(Exception, match="frac"):  # the same label as mathtext fails
        figure.canvas.draw()
