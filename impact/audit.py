"""Disclosure audit: what a reader can work out from a programme's published numbers.

The audit reads only what a reader has, the ``*.results.json`` of a reports folder (each
holds every number its report shows), and tries the attacks a statistical office guards
against with secondary suppression: a cell suppressed on its own (a group of 1 to k − 1)
is of no use when the numbers around it give it away. Each finding names the report, the
table, the value recovered and the arithmetic that recovers it.

Attacks tried:

- **category tables with a printed total** (Cantril classes, score bands, reliable and
  clinical change categories, meaningful-change counts with their unchanged count): the
  suppressed cells are bounded by the total minus the cells shown; a cell whose bounds
  meet is recovered, and suppressed cells summing to 1 … k − 1 disclose that small group;
- **a breakdown against the cohort** (participation by group against the wave's totals,
  subgroup change against the cohort's change: ``43 × mean − 42 × mean``): the groups not
  shown form the complement of those shown; a complement of 1 … k − 1 people has its
  count, and its mean change, recovered;
- **contacts against the E–I index** (sector × sector contact rows against the cohort's
  internal and external contact totals): the respondents of the suppressed rows, if
  fewer than k, have their contact totals recovered;
- **intersections of two breakdowns**: fewer than k non-respondents whose group is pinned
  down by two or more breakdowns (all in one group of each);
- **across the reports of one programme**: the tables of every report of a programme are
  pooled first (the milestone reports and the final share a cohort and its waves), so a
  cell suppressed in one report but shown, or derivable, in another is found.

τ-Argus and sdcMicro protect tables against the first two attacks by choosing secondary
cells; this module does not protect anything, it only checks (written here because
neither reads a report's results; sdcMicro's ``sdcTable`` checks only tables it built).

Examples
--------
>>> table = [{"category": "a", "n": 20, "total": 49, "suppressed": False},
...          {"category": "b", "n": None, "total": 49, "suppressed": True},
...          {"category": "c", "n": 28, "total": 49, "suppressed": False}]
>>> [f.value for f in category_leaks(table, label="classes", k=5)]
[1]
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from impact.errors import ReportError

RESULTS_SUFFIX = ".results.json"


@dataclass(frozen=True)
class Finding:
    """One value a reader can recover: where, what, how much and how."""

    report: str
    table: str
    cell: str
    value: float
    derivation: str

    def __str__(self) -> str:
        return (
            f"{self.report}: {self.table}: {self.cell} = {_number(self.value)} ({self.derivation})"
        )


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.4g}"


def _is_count(value) -> bool:
    return value is not None and not (isinstance(value, float) and value != value)


def category_leaks(
    cells: list[dict], *, label: str, k: int, total: float | None = None, report: str = ""
) -> list[Finding]:
    """Suppressed cells of one category table that its total and shown cells give away.

    Parameters
    ----------
    cells : list of dict
        Records with ``n`` (``None`` when suppressed), ``suppressed`` and a name under
        ``category``, ``band`` or ``group``; ``total`` in the records unless given.
    label : str
        The table, as findings name it.
    k : int
        The privacy threshold: a suppressed cell holds 1 … k − 1.
    total : float, optional
        The table's total, when the records do not carry it.
    report : str
        The report the table comes from.

    Returns
    -------
    list of Finding
        A suppressed cell whose bounds meet, or the suppressed cells together when they
        sum to 1 … k − 1 people.
    """
    if not cells:
        return []
    if total is None:
        total = cells[0].get("total")
    if not _is_count(total):
        return []
    hidden = [c for c in cells if c.get("suppressed") or not _is_count(c.get("n"))]
    if not hidden:
        return []
    shown = sum(c["n"] for c in cells if c not in hidden)
    rest = total - shown
    names = [str(_name(c)) for c in hidden]
    derivation = f"{_number(total)} − {_number(shown)} shown"
    if len(hidden) == 1:
        return [Finding(report, label, names[0], rest, derivation)]
    low = max(1, rest - (len(hidden) - 1) * (k - 1))
    high = min(k - 1, rest - (len(hidden) - 1))
    if low == high:
        return [
            Finding(report, label, name, low, f"{derivation}, over {len(hidden)} cells")
            for name in names
        ]
    if 0 < rest < k:
        return [Finding(report, label, " + ".join(names), rest, derivation)]
    return []


def _name(cell: dict):
    for key in ("category", "band", "group"):
        if key in cell:
            return cell[key] if key != "band" else f"band ≤ {cell.get('max')}"
    return "?"


def _load(folder: Path) -> dict[str, list[tuple[str, dict]]]:
    files = sorted(folder.glob(f"*{RESULTS_SUFFIX}"))
    if not files:
        raise ReportError(
            f"no {RESULTS_SUFFIX} in {folder}: render the reports first (impact report)"
        )
    programmes: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for path in files:
        try:
            results = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ReportError(f"cannot be read as results ({error})", file=path) from error
        programmes[str(results.get("programme"))].append((path.name, results))
    return programmes


def _pool(reports: list[tuple[str, dict]], key: str, identity: tuple[str, ...], wave=None):
    """The records of ``key`` across reports, one per identity: shown values win over
    suppressed ones (a cell shown anywhere is known everywhere)."""
    pooled: dict[tuple, tuple[str, dict]] = {}
    for name, results in reports:
        for record in results.get(key) or []:
            record = dict(record)
            if wave is not None:
                record.setdefault("wave", results.get("milestone"))
            ident = tuple(record.get(field) for field in identity)
            known = not record.get("suppressed") and _is_count(record.get("n", 0))
            if ident not in pooled or (known and pooled[ident][1].get("suppressed")):
                pooled[ident] = (name, record)
    return pooled


def _groupby(pooled: dict, fields: tuple[int, ...]):
    groups: dict[tuple, list[tuple[str, dict]]] = defaultdict(list)
    for ident, item in pooled.items():
        groups[tuple(ident[i] for i in fields)].append(item)
    return groups


def _names(items) -> str:
    return ", ".join(sorted({name for name, _ in items}))


def _category_tables(reports, k: int) -> list[Finding]:
    findings: list[Finding] = []
    tables = {
        "profile_classes": (("instrument", "wave", "category"), (0, 1)),
        "reliable_change": (("scale", "wave", "kind", "category"), (0, 1, 2)),
    }
    for key, (identity, by) in tables.items():
        for group, items in _groupby(_pool(reports, key, identity), by).items():
            findings += category_leaks(
                [r for _, r in items],
                label=f"{key} {' '.join(map(str, group))}",
                k=k,
                report=_names(items),
            )
    for name, results in reports:
        bands = results.get("baseline_bands") or {}
        scores = {
            r["scale"]: r["n"]
            for r in results.get("scores") or []
            if r.get("wave") == results.get("milestone")
        }
        for scale, cells in bands.items():
            findings += category_leaks(
                cells, label=f"baseline_bands {scale}", k=k, total=scores.get(scale), report=name
            )
        for record in results.get("meaningful_change") or []:
            if "n_unchanged" not in record:
                continue
            cells = [
                {
                    "category": part,
                    "n": record.get(f"n_{part}"),
                    "suppressed": record.get(f"{part}_suppressed", False),
                }
                for part in ("improved", "deteriorated", "unchanged")
            ]
            findings += category_leaks(
                cells,
                label=f"meaningful_change {record['scale']} {record['wave']}",
                k=k,
                total=record.get("n"),
                report=name,
            )
    return findings


def _participation(reports, k: int) -> list[Finding]:
    """Groups per breakdown against the wave's registered and responding totals, and the
    non-respondents pinned down by two breakdowns."""
    findings: list[Finding] = []
    totals = {}
    for name, results in reports:
        for record in results.get("participation") or []:
            totals.setdefault(record["wave"], (name, record))
    pooled = _pool(reports, "groups", ("wave", "attribute", "group"), wave=True)
    # registration does not change between waves: a group's registered count shown in one
    # report is known in all
    registered = {
        ident[1:]: record["registered"]
        for ident, (_, record) in pooled.items()
        if _is_count(record.get("registered"))
    }
    for (wave,), items in _groupby(pooled, (0,)).items():
        if wave not in totals:
            continue
        total_name, total = totals[wave]
        by_attribute: dict[str, list[tuple[str, dict]]] = defaultdict(list)
        for item in items:
            by_attribute[item[1]["attribute"]].append(item)
        pinned: dict[str, str] = {}
        non_respondents = total["registered"] - total["responded"]
        for attribute, cells in by_attribute.items():
            report = ", ".join(sorted({total_name, *(n for n, _ in cells)}))
            label = f"groups {attribute} at {wave}"
            records, known = _registered_elsewhere(cells, registered, report=report, label=label)
            findings += known
            for column in ("registered", "responded"):
                findings += _count_leaks(
                    records, column, total=total[column], label=label, k=k, report=report
                )
            if 0 < non_respondents < k:
                group = _group_of_every_non_respondent(records, non_respondents)
                if group is not None:
                    pinned[attribute] = group
        if len(pinned) >= 2:
            cell = " × ".join(f"{a} {g}" for a, g in pinned.items())
            findings.append(
                Finding(
                    total_name,
                    f"groups at {wave}",
                    f"non-respondents: {cell}",
                    non_respondents,
                    f"{total['registered']} registered − {total['responded']} responded, all in "
                    "one group of each breakdown (registered − responded per group)",
                )
            )
    return findings


def _registered_elsewhere(
    cells: list[tuple[str, dict]], registered: dict, *, report: str, label: str
) -> tuple[list[dict], list[Finding]]:
    """A breakdown's group records with the registered counts that another report of the
    programme shows filled in, and a finding for each count so filled."""
    records, findings = [], []
    for _, record in cells:
        record = dict(record)
        known = registered.get((record["attribute"], record["group"]))
        if not _is_count(record.get("registered")) and known is not None:
            findings.append(
                Finding(
                    report,
                    label,
                    f"{record['group']} registered",
                    known,
                    "shown in another report of the programme",
                )
            )
            record["registered"] = known
        records.append(record)
    return records, findings


def _count_leaks(
    records: list[dict], column: str, *, total: int, label: str, k: int, report: str
) -> list[Finding]:
    """The groups' ``column`` counts (registered or responded) against the wave's total."""
    cells = [
        {
            "group": f"{r['group']} {column}",
            "n": r.get(column),
            "suppressed": not _is_count(r.get(column)),
        }
        for r in records
    ]
    return category_leaks(cells, label=label, k=k, total=total, report=report)


def _group_of_every_non_respondent(records: list[dict], non_respondents: int) -> str | None:
    """The one group of a breakdown that all of the wave's non-respondents belong to, as
    the shown counts give it away (or the only hidden group, when the shown ones have
    none), or None."""
    missing = {
        r["group"]: r["registered"] - r["responded"]
        for r in records
        if _is_count(r.get("registered")) and _is_count(r.get("responded"))
    }
    hidden = [r["group"] for r in records if r["group"] not in missing]
    rest = non_respondents - sum(missing.values())
    where = [g for g, m in missing.items() if m == non_respondents]
    if not where and rest == non_respondents and len(hidden) == 1:
        where = hidden
    return where[0] if where else None


def _subgroups(reports, k: int) -> list[Finding]:
    """Each breakdown's shown groups against the cohort's change: the rest's mean change."""
    findings: list[Finding] = []
    change = {}
    for name, results in reports:
        for record in results.get("change") or []:
            change.setdefault((record["scale"], record["wave"]), (name, record))
    pooled = _pool(reports, "subgroups", ("wave", "by", "scale", "group"), wave=True)
    for (wave, by, scale), items in _groupby(pooled, (0, 1, 2)).items():
        if (scale, wave) not in change:
            continue
        total_name, cohort = change[(scale, wave)]
        shown = [r for _, r in items if not r.get("suppressed") and _is_count(r.get("n"))]
        rest = cohort["n"] - sum(r["n"] for r in shown)
        if not 0 < rest < k:
            continue
        hidden = [r["group"] for _, r in items if r not in shown] or ["the rest"]
        report = ", ".join(sorted({total_name, *(n for n, _ in items)}))
        label = f"subgroups by {by}, {scale} at {wave}"
        findings.append(
            Finding(
                report,
                label,
                f"{' + '.join(map(str, hidden))} n",
                rest,
                f"cohort n {cohort['n']} − {sum(r['n'] for r in shown)} shown",
            )
        )
        if _is_count(cohort.get("mean_diff")) and all(_is_count(r.get("mean_diff")) for r in shown):
            weighted = sum(r["n"] * r["mean_diff"] for r in shown)
            value = (cohort["n"] * cohort["mean_diff"] - weighted) / rest
            terms = " − ".join(f"{r['n']} × {r['mean_diff']:.4f}" for r in shown)
            findings.append(
                Finding(
                    report,
                    label,
                    f"{' + '.join(map(str, hidden))} mean change",
                    value,
                    f"({cohort['n']} × {cohort['mean_diff']:.4f} − {terms}) / {rest}",
                )
            )
    return findings


def _contacts(reports, k: int) -> list[Finding]:
    """Sector rows of the contact matrix against the E–I index's contact totals."""
    findings: list[Finding] = []
    for name, results in reports:
        rows = results.get("collaboration") or []
        # the E–I index counts those whose own sector is one the instrument asks about
        asked = {r["to_sector"] for r in rows}
        rows = [r for r in rows if r["from_sector"] in asked]
        for cohort in (results.get("ei_index") or {}).get("cohort") or []:
            wave = cohort["wave"]
            shown = [r for r in rows if r["wave"] == wave and not r.get("suppressed")]
            respondents = {r["from_sector"]: r["respondents"] for r in shown}
            rest = cohort["n"] - sum(respondents.values())
            if not 0 < rest < k:
                continue
            hidden = sorted(
                {r["from_sector"] for r in rows if r["wave"] == wave} - set(respondents)
            )
            label = f"collaboration at {wave}"
            findings.append(
                Finding(
                    name,
                    label,
                    f"{' + '.join(hidden)} respondents",
                    rest,
                    f"E–I index n {cohort['n']} − {sum(respondents.values())} shown",
                )
            )
            for part, same in (("internal", True), ("external", False)):
                known = sum(
                    r["respondents"] * r["mean_contacts"]
                    for r in shown
                    if (r["from_sector"] == r["to_sector"]) == same
                )
                findings.append(
                    Finding(
                        name,
                        label,
                        f"{' + '.join(hidden)} {part} contacts",
                        cohort[part] - known,
                        f"E–I index {part} {_number(cohort[part])} − {_number(known)} shown",
                    )
                )
    return findings


def _known(record: dict, *columns: str) -> bool:
    return all(_is_count(record.get(column)) for column in columns)


def _nested_means(reports, k: int) -> list[Finding]:
    """Means of nested sets of people: the few between them have their mean recovered.

    The pairs of a change (kick-off and a later wave) are the kick-off's respondents less
    those who left, and the later wave's respondents less those who joined late; the
    stayers of the attrition table are the kick-off's respondents less the leavers; the
    completers of every wave are the pairs less those who missed a wave in between. Each
    published mean (or a mean a published difference ties to one) of the larger set beside
    one of the smaller gives away the mean of the 1 … k − 1 people between them.
    """
    levels: dict[tuple, tuple[str, dict]] = {}
    for name, results in reports:
        for record in results.get("scores") or []:
            if _known(record, "n", "mean"):
                levels.setdefault((record["scale"], record["wave"]), (name, record))
    # each table once, with the reports that show it (the same change is in every later
    # report)
    change = _pool(reports, "change", ("scale", "baseline", "wave"))
    findings = _change_rests(change, levels, k)
    for name, results in reports:
        findings += _report_rests(name, results, change, levels, k)
    return findings + _completers_across_reports(reports, k)


def _rest(
    levels: dict, k: int, *, report: str, table: str, cell: str, of: tuple, mean, n, how: str
) -> list[Finding]:
    """The mean of the people of the wave mean ``levels[of]`` who are not among the ``n``
    whose mean is ``mean``, when they are 1 … k − 1 (else nothing)."""
    whole_name, whole = levels.get(of, (None, None))
    if whole is None:
        return []
    gap = whole["n"] - n
    if not 0 < gap < k:
        return []
    value = (whole["n"] * whole["mean"] - n * mean) / gap
    return [
        Finding(
            ", ".join(sorted({report, whole_name})),
            table,
            cell,
            value,
            f"({whole['n']} × {whole['mean']:.4f} − {n} × {mean:.4f}) / {gap} ({how})",
        )
    ]


def _change_rests(change: dict, levels: dict, k: int) -> list[Finding]:
    """The leavers and late joiners behind each change table's pairs."""
    findings: list[Finding] = []
    for (scale, before, after), (name, r) in change.items():
        # (cell, the wave mean of the larger set, the mean of the pairs, where it comes from)
        candidates = []
        if _known(r, "mean_pre"):
            candidates.append(("leavers' mean", (scale, before), r["mean_pre"], "mean_pre"))
        if _known(r, "mean_post"):
            candidates.append(("late joiners' mean", (scale, after), r["mean_post"], "mean_post"))
        start, end = levels.get((scale, before)), levels.get((scale, after))
        if _known(r, "mean_diff") and start and end:
            if end[1]["n"] == r["n"]:  # no late joiner: the pairs' mean is known
                pairs = end[1]["mean"] - r["mean_diff"]
                candidates.append(
                    ("leavers' mean", (scale, before), pairs, "wave mean − mean change")
                )
            if start[1]["n"] == r["n"]:  # no leaver
                pairs = start[1]["mean"] + r["mean_diff"]
                candidates.append(
                    ("late joiners' mean", (scale, after), pairs, "kick-off mean + mean change")
                )
        table = f"change of {scale} from {before} to {after}"
        for cell, of, mean, how in candidates:
            findings += _rest(
                levels, k, report=name, table=table, cell=cell, of=of, mean=mean, n=r["n"], how=how
            )
    return findings


def _report_rests(name: str, results: dict, change: dict, levels: dict, k: int) -> list[Finding]:
    """Within one report: those without a then rating (response shift), the leavers
    behind the stayers (attrition) and those who missed a wave (completers)."""
    findings: list[Finding] = []
    baseline = next(iter(w["wave"] for w in results.get("participation") or []), None)
    milestone = results.get("milestone")
    for r in results.get("response_shift") or []:
        if r.get("comparison") != "pre_post" or not _known(r, "n", "mean_pre", "mean_post"):
            continue
        table = f"response shift of {r['scale']} at {milestone}"
        for part, wave in (("pre", baseline), ("post", milestone)):
            findings += _rest(
                levels,
                k,
                report=name,
                table=table,
                cell=f"mean of those without a then rating ({part})",
                of=(r["scale"], wave),
                mean=r[f"mean_{part}"],
                n=r["n"],
                how=f"mean_{part}",
            )
    for r in results.get("attrition") or []:
        if _known(r, "n_stayers", "mean_stayers"):
            findings += _rest(
                levels,
                k,
                report=name,
                table=f"attrition of {r['scale']} at {milestone}",
                cell="leavers' mean",
                of=(r["scale"], baseline),
                mean=r["mean_stayers"],
                n=r["n_stayers"],
                how="stayers' mean",
            )
    for r in results.get("all_waves") or []:
        _, cohort = change.get((r["scale"], baseline, r["wave"]), (None, None))
        if cohort is None or not _known(cohort, "mean_diff"):
            continue
        if not _known(r, "n_completers", "completers_diff"):
            continue
        gap = cohort["n"] - int(r["n_completers"])
        if 0 < gap < k:
            value = (
                cohort["n"] * cohort["mean_diff"] - r["n_completers"] * r["completers_diff"]
            ) / gap
            findings.append(
                Finding(
                    name,
                    f"completers of {r['scale']} at {r['wave']} ({milestone} report)",
                    "mean change of those who missed a wave",
                    value,
                    f"({cohort['n']} × {cohort['mean_diff']:.4f} − "
                    f"{int(r['n_completers'])} × {r['completers_diff']:.4f}) / {gap}",
                )
            )
    return findings


def _completers_across_reports(reports, k: int) -> list[Finding]:
    """The completers of one report against those of another (every wave up to a later
    milestone: fewer people) at the same wave."""
    findings: list[Finding] = []
    completers = defaultdict(list)
    for name, results in reports:
        for r in results.get("all_waves") or []:
            if _known(r, "n_completers", "completers_diff"):
                completers[(r["scale"], r["wave"])].append((name, r))
    for (scale, wave), items in completers.items():
        for (first, a), (second, b) in itertools.combinations(items, 2):
            gap = abs(int(a["n_completers"]) - int(b["n_completers"]))
            if 0 < gap < k:
                (big_name, big), (small_name, small) = sorted(
                    [(first, a), (second, b)], key=lambda item: -item[1]["n_completers"]
                )
                value = (
                    big["n_completers"] * big["completers_diff"]
                    - small["n_completers"] * small["completers_diff"]
                ) / gap
                findings.append(
                    Finding(
                        ", ".join(sorted({big_name, small_name})),
                        f"completers of {scale} at {wave}",
                        "mean change of those who missed a later wave",
                        value,
                        f"({int(big['n_completers'])} × {big['completers_diff']:.4f} − "
                        f"{int(small['n_completers'])} × {small['completers_diff']:.4f}) / {gap}",
                    )
                )
    return findings


# the counts of people each table prints, by results key
COUNTS = {
    "groups": ("registered", "responded"),
    "cohort": ("n",),
    "profile_classes": ("n",),
    "reliable_change": ("n",),
    "meaningful_change": ("n_improved", "n_deteriorated"),
    "subgroups": ("n",),
    "collaboration": ("respondents",),
}


def _shown_small_counts(reports, k: int) -> list[Finding]:
    """A count of 1 … k − 1 people printed as it is (primary suppression missed)."""
    findings: list[Finding] = []
    for name, results in reports:
        tables = {key: results.get(key) or [] for key in COUNTS}
        for scale, bands in (results.get("baseline_bands") or {}).items():
            tables[f"baseline_bands {scale}"] = bands
        for key, records in tables.items():
            for record in records:
                for column in COUNTS.get(key, ("n",)):
                    value = record.get(column)
                    if _is_count(value) and 0 < value < k and not record.get("suppressed"):
                        cell = ", ".join(
                            str(record[f])
                            for f in ("attribute", "by", "group", "scale", "wave", "category")
                            if record.get(f) is not None
                        )
                        findings.append(
                            Finding(name, key, f"{cell} {column}", value, "printed as it is")
                        )
    return findings


ATTACKS = (
    _shown_small_counts,
    _category_tables,
    _participation,
    _subgroups,
    _contacts,
    _nested_means,
)


def audit(folder: str | Path) -> list[Finding]:
    """Every value of a suppressed group that the reports in ``folder`` give away.

    Parameters
    ----------
    folder : str or Path
        A reports folder (``impact report --out``), read for its ``*.results.json``;
        the reports of each programme are attacked together.

    Returns
    -------
    list of Finding
        Empty when no attack recovers anything.

    Raises
    ------
    ReportError
        When the folder holds no results, or one cannot be read.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "kickoff_en.results.json").write_text(json.dumps({
    ...     "programme": "p", "milestone": "kickoff", "min_group_size": 5,
    ...     "participation": [{"wave": "kickoff", "registered": 52, "responded": 51}],
    ...     "groups": [
    ...         {"attribute": "site", "group": "A", "registered": 50, "responded": 50},
    ...         {"attribute": "site", "group": "B", "registered": None, "responded": None,
    ...          "suppressed": True}]}))
    >>> [str(f) for f in audit(folder)][0]
    'kickoff_en.results.json: groups site at kickoff: B registered = 2 (52 − 50 shown)'
    """
    findings: list[Finding] = []
    for reports in _load(Path(folder)).values():
        languages = defaultdict(list)
        for name, results in reports:
            languages[results.get("language")].append((name, results))
        # every language carries the same numbers: attack one language's reports, so each
        # leak is told once
        findings += audit_results(languages[sorted(languages, key=str)[0]])
    return list(dict.fromkeys(findings))


def audit_results(reports: list[tuple[str, dict]]) -> list[Finding]:
    """Every value of a suppressed group that the given reports of one programme give away.

    Parameters
    ----------
    reports : list of (str, dict)
        Each report's name (as findings name it) and its results (a ``results.json``
        read); they are attacked together, as a reader holding all of them would.

    Returns
    -------
    list of Finding
        Empty when no attack recovers anything.

    Examples
    --------
    >>> classes = {"min_group_size": 5, "profile_classes": [
    ...     {"instrument": "cantril", "wave": "kickoff", "category": "suffering", "n": None,
    ...      "total": 49, "suppressed": True},
    ...     {"instrument": "cantril", "wave": "kickoff", "category": "thriving", "n": 48,
    ...      "total": 49, "suppressed": False}]}
    >>> [f.value for f in audit_results([("kickoff_en", classes)])]
    [1]
    """
    if not reports:
        return []
    k = max(int(r.get("min_group_size") or 1) for _, r in reports)
    findings: list[Finding] = []
    for attack in ATTACKS:
        findings += attack(reports, k)
    return list(dict.fromkeys(findings))


def read_results(folder: str | Path) -> dict[str, list[tuple[str, dict]]]:
    """The ``*.results.json`` of ``folder`` per programme id, each as (file name, results);
    an empty dict for a folder without results."""
    try:
        return _load(Path(folder))
    except ReportError:
        if not any(Path(folder).glob(f"*{RESULTS_SUFFIX}")):
            return {}
        raise
