"""Report figures: one theme, embedded with alt text and caption."""

import base64
import re

import pandas as pd

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


def test_trajectories_have_a_panel_per_outcome_and_a_line_per_participant(demo):
    data = sections.trajectory_data(demo, "milestone-2")
    figure = plots.paired_trajectories(
        data,
        summary=sections.score_summary(demo, "milestone-2"),
        scale_labels={s: s.upper() for s in sections.outcomes(demo)},
        wave_labels={w: w for w in demo.waves_until("milestone-2")},
        language="de",
    )
    assert [ax.get_title() for ax in figure.axes] == [s.upper() for s in sections.outcomes(demo)]
    who5 = figure.axes[0]
    participants = data.loc[data["scale"] == "who5", "participant"].nunique()
    grey = who5.collections[0]  # one grey line per participant, drawn first
    assert len(grey.get_segments()) == participants
    assert len(who5.lines) >= 1  # the mean line
    assert [t.get_text() for t in who5.get_xticklabels()] == [
        "kickoff",
        "milestone-1",
        "milestone-2",
    ]


def test_effect_sizes_draw_each_interval_and_use_the_locale(demo):
    data = sections.effect_plot_data(demo, "final", "de")
    figure = plots.effect_sizes(data, language="de")
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(dict.fromkeys(data["label"]))
    figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert any("," in t for t in ticks), ticks  # decimal comma on the axis
    assert ax.get_legend() is not None and len(ax.get_legend().get_texts()) == 3


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
    assert [t.get_text() for t in ax.texts].count(f"< {k}") == hidden > 0
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


def test_sdg_figure_has_a_bar_per_goal_and_whole_number_ticks(demo):
    data = sections.sdg_plot_data(demo, "final", "en")
    figure = plots.sdg_coverage(data, language="en")
    ax = figure.axes[0]
    assert [p.get_width() for p in ax.patches] == data["projects"].tolist()
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "1. No poverty"
    figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert all(t.isdigit() for t in ticks), ticks
