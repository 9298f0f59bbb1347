"""The content of each report section as data: sentences and formatted tables.

The report notebook only displays what these functions return, so everything a funder
reads is computed and tested here. Tables come back with translated column headers and
locale-formatted numbers; :func:`html_table` and :func:`html_paragraphs` escape all text.

Examples
--------
>>> from impact.pipeline import load_programme
>>> programme = load_programme("surveys/demo/survey.yml")
>>> participation_table(programme, "milestone-1", "en").columns.tolist()
['Wave', 'Registered', 'Responded', 'Response rate']
"""

from __future__ import annotations

import html
import math

import pandas as pd

from impact import fmt
from impact.pipeline import Programme


def scale_label(programme: Programme, scale: str, language: str) -> str:
    """The display name of a scale (``competences_then`` → 'Competences (retrospective)')."""
    return programme.scale_label(scale, language)


def wave_label(programme: Programme, wave: str, language: str) -> str:
    return programme.survey.wave(wave).label[language]


def milestone_kind(programme: Programme, milestone: str) -> str:
    """``kickoff``, ``progress`` or ``final``: which kind of report a wave gets."""
    if milestone == programme.survey.wave_ids[0]:
        return "kickoff"
    return "final" if milestone == programme.survey.wave_ids[-1] else "progress"


def cohort_table(programme: Programme, language: str) -> pd.DataFrame:
    """Participants per sector; sectors below the privacy threshold are combined."""
    t = fmt.texts(language)
    k = programme.survey.privacy.min_group_size
    counts = programme.registry["sector"].fillna("?").value_counts()
    large = counts[counts >= k]
    small_total = int(counts[counts < k].sum())
    rows = [(sector, int(n)) for sector, n in large.items()]
    if small_total:
        rows.append((t["other_sectors"], small_total))
    return pd.DataFrame(rows, columns=[t["col_sector"], t["col_participants"]])


def participation_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """Registered, responded and response rate for each wave up to ``milestone``."""
    t = fmt.texts(language)
    table = programme.participation()
    table = table[table["wave"].isin(programme.waves_until(milestone))]
    return pd.DataFrame(
        {
            t["col_wave"]: [wave_label(programme, w, language) for w in table["wave"]],
            t["col_registered"]: table["registered"].to_numpy(),
            t["col_responded"]: table["responded"].to_numpy(),
            t["col_response_rate"]: [fmt.percent(r, language) for r in table["response_rate"]],
        }
    )


def score_summary(programme: Programme, milestone: str) -> pd.DataFrame:
    """Mean, SD and n of each scale per wave up to ``milestone`` (numbers, not text)."""
    scores = programme.scores
    scores = scores[scores["wave"].isin(programme.waves_until(milestone))].dropna(subset=["score"])
    return (
        scores.groupby(["scale", "wave"], observed=True)["score"]
        .agg(n="count", mean="mean", sd="std")
        .reset_index()
    )


def scores_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`score_summary`, translated and formatted."""
    t = fmt.texts(language)
    summary = score_summary(programme, milestone)
    return pd.DataFrame(
        {
            t["col_scale"]: [scale_label(programme, s, language) for s in summary["scale"]],
            t["col_wave"]: [wave_label(programme, w, language) for w in summary["wave"]],
            t["col_n"]: summary["n"].to_numpy(),
            t["col_mean"]: [fmt.number(v, 2, language) for v in summary["mean"]],
            t["col_sd"]: [fmt.number(v, 2, language) for v in summary["sd"]],
        }
    )


def change_results(programme: Programme, milestone: str) -> pd.DataFrame:
    """Paired change from the kick-off to each wave up to ``milestone`` (numbers)."""
    return programme.change(until=milestone)


def change_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`change_results`, translated and formatted APA-style."""
    t = fmt.texts(language)
    change = change_results(programme, milestone)
    return pd.DataFrame(
        {
            t["col_scale"]: [scale_label(programme, s, language) for s in change["scale"]],
            t["col_wave"]: [wave_label(programme, w, language) for w in change["wave"]],
            t["col_n"]: change["n"].to_numpy(),
            t["col_mean_pre"]: [fmt.number(v, 2, language) for v in change["mean_pre"]],
            t["col_mean_post"]: [fmt.number(v, 2, language) for v in change["mean_post"]],
            t["col_diff"]: [fmt.signed(v, 2, language) for v in change["mean_diff"]],
            t["col_ci"]: [
                fmt.interval(lo, hi, 2, language)
                for lo, hi in zip(change["ci_low"], change["ci_high"], strict=True)
            ],
            t["col_test"]: [fmt.apa_change(r, language) for r in change.to_dict("records")],
        }
    )


def change_sentence(programme: Programme, row: dict, language: str) -> str:
    """One plain-language sentence about one change result; wording follows the CI."""
    decimals = 1 if abs(row["mean_diff"]) >= 1 else 2
    values = dict(
        scale=scale_label(programme, row["scale"], language),
        wave=wave_label(programme, row["wave"], language),
        diff=fmt.signed(row["mean_diff"], decimals, language),
        ci=fmt.interval(row["ci_low"], row["ci_high"], decimals, language),
        apa=fmt.apa_change(row, language),
        n=row["n"],
    )
    if math.isnan(row["ci_low"]) or row["ci_low"] <= 0 <= row["ci_high"]:
        key = "change_uncertain"
    else:
        key = "change_improved" if row["mean_diff"] > 0 else "change_declined"
    return fmt.text(key, language, **values)


def summary_sentences(programme: Programme, milestone: str, language: str) -> list[str]:
    """The plain-language summary that opens the report."""
    t = fmt.texts(language)
    participation = programme.participation().set_index("wave").loc[milestone]
    sentences = [
        fmt.text(
            "participation_sentence",
            language,
            responded=int(participation["responded"]),
            registered=int(participation["registered"]),
            rate=fmt.percent(participation["response_rate"], language),
            wave=wave_label(programme, milestone, language),
        )
    ]
    if milestone_kind(programme, milestone) == "kickoff":
        sentences.extend(baseline_sentences(programme, language))
        sentences.append(t["no_change_yet"])
        return sentences
    change = change_results(programme, milestone)
    latest = change[change["wave"] == milestone]
    sentences.extend(change_sentence(programme, row, language) for row in latest.to_dict("records"))
    sentences.append(t["no_control_group"])
    return sentences


def baseline_sentences(programme: Programme, language: str) -> list[str]:
    """Baseline well-being against the WHO-5 cut-off, when the programme uses the WHO-5."""
    if "who5" not in programme.instruments:
        return []
    instrument = programme.instruments["who5"]
    scores = programme.scores
    baseline = scores[
        (scores["scale"] == "who5") & (scores["wave"] == programme.survey.wave_ids[0])
    ]
    baseline = baseline["score"].dropna()
    if baseline.empty or instrument.clinical_cutoff is None:
        return []
    share = float((baseline <= instrument.clinical_cutoff).mean())
    return [
        fmt.text(
            "baseline_sentence",
            language,
            share=fmt.percent(share, language),
            n=len(baseline),
            mean=fmt.number(baseline.mean(), 1, language),
        )
    ]


def quality_tables(programme: Programme, language: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The data-quality appendix: rows per wave (raw = kept + excluded) and decisions by rule."""
    t = fmt.texts(language)
    accounting = programme.accounting()
    rows = pd.DataFrame(
        {
            t["col_wave"]: [wave_label(programme, w, language) for w in accounting["wave"]],
            t["col_raw_rows"]: accounting["raw_rows"].to_numpy(),
            t["col_kept"]: accounting["kept"].to_numpy(),
            t["col_excluded"]: accounting["excluded"].to_numpy(),
        }
    )
    rules = programme.cleaned.log["rule"].value_counts().sort_index()
    decisions = pd.DataFrame(
        {
            t["col_rule"]: [t.get(f"rule_{rule}", rule) for rule in rules.index],
            t["col_count"]: rules.to_numpy(),
        }
    )
    return rows, decisions


def html_table(table: pd.DataFrame) -> str:
    """A table as escaped HTML for the report."""
    return table.to_html(index=False, escape=True, border=0, classes="impact-table")


def html_paragraphs(sentences: list[str]) -> str:
    """Sentences as escaped HTML paragraphs."""
    return "\n".join(f"<p>{html.escape(s)}</p>" for s in sentences)


def title_html(programme: Programme, milestone: str, language: str, today=None) -> str:
    """The report's heading, subtitle and (for demo data) the synthetic-data notice."""
    import datetime as dt

    t = fmt.texts(language)
    wave = programme.survey.wave(milestone)
    kind = milestone_kind(programme, milestone)
    title = fmt.text("report_title", language, programme=programme.survey.programme.name[language])
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='impact-kind'>{html.escape(t['milestone_' + kind])}</p>",
        "<p class='impact-subtitle'>"
        + html.escape(
            fmt.text(
                "report_subtitle",
                language,
                wave_label=wave.label[language],
                wave_date=fmt.date(wave.date, language),
                today=fmt.date(today or dt.date.today(), language),
            )
        )
        + "</p>",
    ]
    if programme.survey.programme.synthetic:
        parts.append(f"<p class='impact-notice'>{html.escape(t['synthetic_notice'])}</p>")
    return "\n".join(parts)


def results(programme: Programme, milestone: str) -> dict:
    """The numbers the report shows, for ``results.json`` (no participant-level data)."""

    def records(table: pd.DataFrame) -> list[dict]:
        table = table.copy()
        for column in table.columns:
            if isinstance(table[column].dtype, pd.CategoricalDtype):
                table[column] = table[column].astype(str)
        return [
            {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in table.to_dict("records")
        ]

    participation = programme.participation()
    participation = participation[participation["wave"].isin(programme.waves_until(milestone))]
    return {
        "programme": programme.survey.programme.id,
        "synthetic": programme.survey.programme.synthetic,
        "milestone": milestone,
        "participation": records(participation),
        "scores": records(score_summary(programme, milestone)),
        "change": records(change_results(programme, milestone)),
        "accounting": records(programme.accounting().drop(columns="file")),
    }
