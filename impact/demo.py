"""The synthetic demo cohort: realistic raw exports of a cross-sector mentoring programme.

Everything here is made up and labelled so. The cohort follows the programme described in
``shared/context``: about fifty people from start-ups, companies, the university, the city,
the regional management, culture, citizens' initiatives, school students, investors and two
young scientists from Moshi (Tanzania), in cross-sector tandems, surveyed at the kick-off,
two milestones and the closing event. The files carry the mess of real SoSci Survey
exports: attrition, missed waves, missing items, residual codes, duplicate and incomplete
submissions, a typo in a self-generated code, an out-of-range value and a straight-liner.

The true effects are known (``TRUE_CHANGE``), so tests can check that the analysis
recovers them.

Examples
--------
>>> from impact.demo import TRUE_CHANGE
>>> TRUE_CHANGE["who5"]["final"]
8.0
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.resources
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from impact.definitions import (
    ExportFile,
    Instrument,
    ItemTarget,
    Survey,
    item_targets,
    load_survey,
)
from impact.errors import ArgumentError, check_choice

# The demo programme ships inside the package (importlib.resources finds it in a wheel too).
DEMO_SURVEY = Path(str(importlib.resources.files("impact") / "demo_programme" / "survey.yml"))
SEED = 20231130

# True mean change from the kick-off, in score units of each instrument (for a `single`
# instrument such as the Cantril ladder: in units of each item). Partnership quality is
# first asked at milestone 1; its values are levels relative to BASELINE.
TRUE_CHANGE: dict[str, dict[str, float]] = {
    "who5": {"milestone-1": 3.0, "milestone-2": 5.0, "final": 8.0},
    "swls": {"milestone-1": 0.5, "milestone-2": 1.0, "final": 1.5},
    "competences": {"milestone-1": 0.2, "milestone-2": 0.35, "final": 0.5},
    "cantril": {"milestone-1": 0.2, "milestone-2": 0.4, "final": 0.6},
    "gse": {"milestone-1": 0.5, "milestone-2": 1.0, "final": 2.0},
    "partnership": {"milestone-1": 0.0, "milestone-2": 0.15, "final": 0.25},
}
# Retrospective "then" ratings sit this far below the kick-off ratings (response shift).
TRUE_RESPONSE_SHIFT = {"competences": -0.3}
# Baseline item mean and between-person SD, in item units.
BASELINE = {
    "who5": (2.6, 0.7),
    "swls": (4.5, 0.9),
    "competences": (3.0, 0.5),
    "cantril": (6.4, 1.3),
    "gse": (2.9, 0.35),
    "partnership": (3.8, 0.45),
}
# Items that sit above or below their instrument's person level (e.g. hope for the future).
ITEM_OFFSET = {("cantril", "future"): 1.0}
ITEM_NOISE_SD = 0.5
# Collaboration counts (Poisson means per person over three months): people inside one's own
# sector stay the same, people across sectors grow over the year, so the E-I index rises
# from (3 - 5) / 8 = -0.25 to (9 - 5) / 14 = +0.29.
COLLABORATION_INTERNAL = 5.0
COLLABORATION_EXTERNAL = {"kickoff": 3.0, "milestone-1": 5.0, "milestone-2": 7.0, "final": 9.0}
# How often each of the 17 SDGs is chosen for a participant's project (1-4 goals each).
SDG_WEIGHTS = [1, 1, 3, 8, 4, 1, 4, 7, 9, 4, 8, 4, 5, 1, 1, 2, 10]
# A little open feedback at the closing event. Three answers exist for the privacy tests: one
# with an e-mail address, one with a phone number, one with markup that must be escaped.
FEEDBACK = [
    "Der Austausch mit meiner Tandempartnerin aus der Stadtverwaltung war sehr bereichernd.",
    "Mehr Zeit für Treffen zwischen den Tandems wäre gut gewesen.",
    "I learned how a start-up plans, which helps me in the university; thank you!",
    "Bitte meldet euch für das nächste Jahr: lena.beispiel@example.org",
    "Gerne weiter vernetzen, ruft mich an: +49 6421 123456",
    "<script>alert(1)</script>",
    "Die Workshops waren gut, die Abendtermine für Eltern schwierig.",
    "Great programme; the kick-off was a bit long.",
]

SECTORS: list[tuple[str, int, str]] = [
    ("start-up", 8, "Marburg"),
    ("company", 7, "Marburg"),
    ("university", 8, "Marburg"),
    ("city", 5, "Marburg"),
    ("regional management", 3, "Marburg"),
    ("culture", 6, "Marburg"),
    ("citizens' initiative", 5, "Marburg"),
    ("school students", 4, "Marburg"),
    ("investor", 4, "Marburg"),
    ("university", 2, "Moshi"),
]

_FIRST = (
    "Anna Ben Clara David Emma Felix Greta Hannes Ida Jonas Katharina Lukas "
    "Mia Noah Olga Paul Rosa Samuel Tara Ugur Vera Wilhelm Yasemin Zoe "
    "Amani Baraka Leonie Moritz Nina Oskar Pia Quentin Ronja Simon Tim Ulla "
    "Valentin Wiebke Xaver Yara Zeynep Aaron Bettina Carl Doris Elias Frieda Gustav "
    "Hanna Ilias Jule Kemal"
).split()
_LAST = (
    "Achenbach Becker Claßen Dietrich Engel Fuchs Günther Hofmann Imhof Jäger "
    "Krüger Lang Möller Neumann Otto Pohl Quast Richter Schäfer Theis "
    "Ulrich Vogt Weber Zimmer Mushi Kimaro Bauer Koch Lorenz Maier "
    "Nowak Ott Peters Roth Seidel Thiel Voß Winter Yilmaz Adler "
    "Brandt Conrad Dorn Ebert Frank Graf Haas Iske Jung Kuhn "
    "Lindner Marx"
).split()


@dataclass(frozen=True)
class _Person:
    code: str
    first_name: str
    last_name: str
    sector: str
    site: str
    role: str
    tandem: str


CODE_LETTERS = "ABCDEFGHIKLMNOPRSTUWZ"
# In a cohort larger than the demo's, each kind of mess recurs once every this many rows.
MESS_STRIDE = 50


def _codes(rng: np.random.Generator, n: int) -> list[str]:
    """Self-generated codes (mother's name, birth day, birthplace), two edits apart."""
    letters = np.array(list(CODE_LETTERS))
    codes: list[str] = []
    while len(codes) < n:
        code = (
            "".join(rng.choice(letters, 2))
            + f"{int(rng.integers(1, 29)):02d}"
            + "".join(rng.choice(letters, 2))
        )
        if all(sum(a != b for a, b in zip(code, other, strict=True)) >= 3 for other in codes):
            codes.append(code)
    return codes


def _distinct_codes(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct codes of the same shape, drawn at once (a large cohort).

    In a cohort of thousands, codes one edit apart are unavoidable (as with real
    self-generated codes); they are only kept distinct.
    """
    k = len(CODE_LETTERS)
    space = k**4 * 28
    if n > space:
        raise ArgumentError(f"at most {space} distinct codes exist; got `n` = {n}")
    drawn = rng.choice(space, n, replace=False)
    letters = np.array(list(CODE_LETTERS))
    parts = []
    for base in (k, k, 28, k, k):
        parts.append(drawn % base)
        drawn = drawn // base
    a, b, day, c, d = parts
    days = pd.Series(day + 1).map("{:02d}".format).to_numpy(dtype=object)
    return list(letters[a].astype(object) + letters[b] + days + letters[c] + letters[d])


def _sector_counts(participants: int | None) -> list[int]:
    """People per entry of ``SECTORS``: the demo's counts, or scaled to ``participants``."""
    counts = np.array([count for _, count, _ in SECTORS])
    if participants is None:
        return counts.tolist()
    share = counts * participants / counts.sum()
    scaled = np.floor(share).astype(int)
    # Largest remainders first, so the counts add up to ``participants``.
    extra = np.argsort(-(share - scaled), kind="stable")[: participants - scaled.sum()]
    scaled[extra] += 1
    return scaled.tolist()


def _pairs(
    rng: np.random.Generator, order: np.ndarray, sector: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mentors and mentees of a large cohort, paired across sectors without a search.

    The first half of ``order`` mentors, the second half is shuffled against them until no
    pair shares a sector (a few rounds: no sector holds half the cohort).
    """
    half = len(order) // 2
    mentors, mentees = order[:half], order[half : 2 * half].copy()
    clash = np.flatnonzero(sector[mentors] == sector[mentees])
    while clash.size:
        others = rng.choice(half, min(half, 2 * clash.size), replace=False)
        pool = np.union1d(clash, others)
        mentees[pool] = mentees[rng.permutation(pool)]
        clash = np.flatnonzero(sector[mentors] == sector[mentees])
    return mentors, mentees


def _cohort(rng: np.random.Generator, participants: int | None = None) -> list[_Person]:
    counts = _sector_counts(participants)
    sectors = [
        (sector, site)
        for (sector, _, site), count in zip(SECTORS, counts, strict=True)
        for _ in range(count)
    ]
    n = len(sectors)
    codes = _codes(rng, n) if participants is None else _distinct_codes(rng, n)
    order = rng.permutation(n)
    # Tandems pair a mentor and a mentee from different sectors.
    tandem_of: dict[int, tuple[str, str]] = {}
    if participants is None:
        mentors, mentees = order[: len(order) // 2], list(order[len(order) // 2 :])
        for number, mentor in enumerate(mentors, start=1):
            partner = next(m for m in mentees if sectors[m][0] != sectors[mentor][0])
            mentees.remove(partner)
            tandem = f"T{number:02d}"
            tandem_of[int(mentor)] = (tandem, "mentor")
            tandem_of[int(partner)] = (tandem, "mentee")
    else:
        sector_ids = pd.factorize(np.array([s for s, _ in sectors], dtype=object))[0]
        mentors, partners = _pairs(rng, order, sector_ids)
        for number, (mentor, partner) in enumerate(zip(mentors, partners, strict=True), 1):
            tandem = f"T{number:02d}"
            tandem_of[int(mentor)] = (tandem, "mentor")
            tandem_of[int(partner)] = (tandem, "mentee")
        if n % 2:  # one person left over joins the last tandem: a team of three
            tandem_of[int(order[-1])] = (f"T{len(mentors):02d}", "mentee")
    return [
        _Person(
            code=codes[i],
            first_name=_FIRST[i % len(_FIRST)],
            last_name=_LAST[(i + i // len(_FIRST)) % len(_LAST)],
            sector=sectors[i][0],
            site=sectors[i][1],
            role=tandem_of[i][1],
            tandem=tandem_of[i][0],
        )
        for i in range(n)
    ]


def _attendance(n: int, waves: list[str], rng: np.random.Generator) -> np.ndarray:
    """Who answers which wave: about 15% gone by the final wave, a few missed waves.

    The shares are the demo's (3 of its 52 people drop out before milestone 1, ...).
    """
    present = np.ones((n, len(waves)), dtype=bool)
    people = rng.permutation(n)
    # Per 52 people: gone from milestone 1, 2, final on; skip milestone 1; skip milestone 2;
    # joined after the kick-off.
    sizes = np.rint(np.array([3, 2, 3, 3, 2, 1]) * n / 52).astype(int)
    ends = np.cumsum(sizes)
    group = np.split(people, ends)
    for first_missing, who in zip((1, 2, 3), group[:3], strict=True):
        present[who, first_missing:] = False  # gone from that wave on
    present[group[3], 1] = False  # skip milestone-1, come back
    present[group[4], 2] = False  # skip milestone-2, come back
    present[group[5], 0] = False  # joined after the kick-off
    return present


def _responses(
    people: list[_Person],
    present: np.ndarray,
    survey: Survey,
    instruments: dict[str, Instrument],
    rng: np.random.Generator,
) -> dict[str, pd.DataFrame]:
    """Clean item responses per wave (before the mess), in export column names."""
    n = len(people)
    person_level = {name: mean + rng.normal(0, sd, n) for name, (mean, sd) in BASELINE.items()}
    # How outgoing each person is: scales all their collaboration counts.
    sociability = rng.gamma(4.0, 0.25, n)
    weights = np.array(SDG_WEIGHTS, dtype=float)
    sdgs = np.zeros((n, len(weights)), dtype=bool)
    for person in range(n):
        chosen = rng.choice(
            len(weights), rng.integers(1, 5), replace=False, p=weights / weights.sum()
        )
        sdgs[person, chosen] = True
    feedback_from = rng.choice(n, min(n, len(FEEDBACK)), replace=False)
    frames: dict[str, pd.DataFrame] = {}
    for w, wave in enumerate(survey.waves):
        file = wave.files[0]
        targets = item_targets(survey, file.mapping)
        who = np.flatnonzero(present[:, w])
        data: dict[str, object] = {"key": [people[i].code for i in who]}
        for column, target in targets.items():
            instrument = instruments[target.instrument]
            if instrument.kind == "counts":
                sector = instrument.sectors[target.item]
                own = np.array([people[i].sector == sector for i in who])
                external = COLLABORATION_EXTERNAL[wave.id] / (len(instrument.items) - 1)
                rate = np.where(own, COLLABORATION_INTERNAL, external) * sociability[who]
                data[column] = rng.poisson(rate)
                continue
            if instrument.kind == "multiselect":
                item = instrument.item_ids.index(target.item)
                data[column] = np.where(sdgs[who, item], 2, 1)
                continue
            if instrument.kind == "text":
                answers = dict(zip(feedback_from.tolist(), FEEDBACK, strict=False))
                data[column] = [answers.get(int(i), "") for i in who]
                continue
            assert instrument.response is not None
            low, high = instrument.response.min, instrument.response.max
            per_item = _item_units(instrument, TRUE_CHANGE[instrument.id].get(wave.id, 0.0))
            if target.frame == "then":
                per_item = _item_units(instrument, TRUE_RESPONSE_SHIFT[instrument.id])
            per_item += ITEM_OFFSET.get((instrument.id, target.item), 0.0)
            latent = person_level[instrument.id][who] + per_item
            value = np.clip(np.rint(latent + rng.normal(0, ITEM_NOISE_SD, len(who))), low, high)
            reverse = target.item in instrument.reverse_items
            data[column] = (low + high - value if reverse else value).astype(int)
        frames[wave.id] = pd.DataFrame(data)
    return frames


def _item_units(instrument: Instrument, score_change: float) -> float:
    n = (
        len(instrument.items)
        if instrument.scoring.method == "sum" and instrument.kind == "scale"
        else 1
    )
    return score_change / (n * instrument.scoring.multiply)


def _sosci_columns(survey: Survey) -> dict[ItemTarget, str]:
    """Item → its SoSci Survey column, from the mappings of the SoSci exports."""
    columns: dict[ItemTarget, str] = {}
    for wave in survey.waves:
        for file in wave.files:
            if file.format == "sosci":
                for column, target in item_targets(survey, file.mapping).items():
                    columns.setdefault(target, column)
    return columns


def _sosci_table(
    frame: pd.DataFrame,
    wave_date: dt.date,
    rng: np.random.Generator,
    first_case: int,
    *,
    columns: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Wrap item responses in SoSci Survey's export columns.

    Every wave is built as a SoSci table first (the mess is added to it); ``columns``
    renames another tool's item columns to their SoSci names. The writers of the other
    tools translate the finished table back to their own conventions.
    """
    frame = frame.rename(columns=columns or {})
    n = len(frame)
    start = dt.datetime.combine(wave_date, dt.time(17, 30))
    started = [start + dt.timedelta(seconds=int(s)) for s in np.sort(rng.integers(0, 4 * 3600, n))]
    duration = rng.normal(540, 120, n).clip(240).astype(int)
    items = frame.drop(columns="key")
    table = pd.DataFrame(
        {
            "CASE": np.arange(first_case, first_case + n),
            "SERIAL": "",
            "REF": "",
            "QUESTNNR": "synth_mentoring",
            "MODE": "interview",
            "STARTED": [s.strftime("%Y-%m-%d %H:%M:%S") for s in started],
            "IC01_01": frame["key"],
        }
    )
    table = pd.concat([table, items.reset_index(drop=True)], axis=1)
    table["TIME_SUM"] = duration
    table["MAILSENT"] = ""
    table["LASTDATA"] = [
        (s + dt.timedelta(seconds=int(d))).strftime("%Y-%m-%d %H:%M:%S")
        for s, d in zip(started, duration, strict=True)
    ]
    table["FINISHED"] = 1
    table["Q_VIEWER"] = 0
    table["LASTPAGE"] = 6
    table["MAXPAGE"] = 6
    table["MISSING"] = 0
    table["MISSREL"] = 0
    table["TIME_RSI"] = np.round(rng.uniform(0.7, 1.3, n), 2)
    table["DEG_TIME"] = rng.integers(0, 12, n)
    return table


def _item_columns(table: pd.DataFrame) -> list[str]:
    """Rating items (closed questions): SoSci Survey stores -9 for a skipped one."""
    return [c for c in table.columns if re.fullmatch(r"(WB|LZ|KO|CA|SE|PQ)\d\d_\d\d", c)]


def _add_mess(tables: dict[str, pd.DataFrame], rng: np.random.Generator) -> None:
    """The usual trouble of real exports, each case once or twice."""
    for table in tables.values():
        items = _item_columns(table)
        cells = table[items].to_numpy(copy=True)
        holes = rng.random(cells.shape) < 0.02
        cells[holes] = -9
        table[items] = cells
        table["MISSING"] = (100 * (cells == -9).mean(axis=1)).round().astype(int)
        # Open number fields (collaboration counts) are left empty when skipped.
        counts = [c for c in table.columns if re.fullmatch(r"CL\d\d_\d\d", c)]
        blanks = rng.random((len(table), len(counts))) < 0.02
        for j, column in enumerate(counts):
            table[column] = table[column].astype(object).where(~blanks[:, j], "")

    def every(table: pd.DataFrame, first: int) -> pd.Index:
        """The row at ``first`` and, in a large cohort, every ``MESS_STRIDE``-th after it."""
        return table.index[first::MESS_STRIDE]

    m1 = tables["milestone-1"]
    # A duplicate submission: the same person sends the form twice, answers drift a little.
    again = m1.loc[every(m1, 4)].copy()
    again["CASE"] = m1["CASE"].max() + 1 + np.arange(len(again))
    again["STARTED"] = (pd.to_datetime(again["STARTED"]) + pd.Timedelta(hours=1)).dt.strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    again["WB01_02"] = (again["WB01_02"].clip(0, 4) + 1).astype(int)
    # An out-of-range value: 9 typed on a 0-5 item.
    m1.loc[every(m1, 10), "WB01_03"] = 9
    # A self-generated code typed in lower case with a stray space.
    lower = every(m1, 12)
    m1.loc[lower, "IC01_01"] = " " + m1.loc[lower, "IC01_01"].astype(str).str.lower()
    tables["milestone-1"] = pd.concat([m1, again], ignore_index=True)

    m2 = tables["milestone-2"]
    # A typo in a self-generated code: one character off.
    typo = every(m2, 7)
    code = m2.loc[typo, "IC01_01"].astype(str)
    digit = np.where(code.str[2] != "1", "1", "2")
    m2.loc[typo, "IC01_01"] = code.str[:2] + digit + code.str[3:]
    # A straight-liner: the same answer everywhere, reverse-keyed items included.
    m2.loc[every(m2, 15), _item_columns(m2)] = 3
    # An abandoned form: stopped on page 3, never completed.
    abandoned = every(m2, 20)
    m2.loc[abandoned, [c for c in _item_columns(m2) if c.startswith("KO")]] = -9
    m2.loc[abandoned, "FINISHED"] = 0
    m2.loc[abandoned, "LASTPAGE"] = 3

    final = tables["final"]
    # An incomplete first attempt, then a complete one later the same evening.
    first_try = final.loc[every(final, 3)].copy()
    first_try["CASE"] = final["CASE"].max() + 1 + np.arange(len(first_try))
    first_try["STARTED"] = (
        pd.to_datetime(first_try["STARTED"]) - pd.Timedelta(minutes=40)
    ).dt.strftime("%Y-%m-%d %H:%M:%S")
    first_try[[c for c in _item_columns(final) if c.startswith(("LZ", "KO"))]] = -9
    first_try["FINISHED"] = 0
    first_try["LASTPAGE"] = 2
    tables["final"] = pd.concat([final, first_try], ignore_index=True)


def _write_csv(
    table: pd.DataFrame,
    path: Path,
    *,
    delimiter: str,
    bom: bool,
    quoting: int = csv.QUOTE_MINIMAL,
    header_rows: list[list[str]] | None = None,
) -> None:
    buffer = io.StringIO()
    if header_rows:
        csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", quoting=quoting).writerows(
            header_rows
        )
    table.to_csv(
        buffer,
        sep=delimiter,
        index=False,
        header=not header_rows,
        quoting=quoting,
        lineterminator="\r\n",
    )
    path.write_bytes(buffer.getvalue().encode("utf-8-sig" if bom else "utf-8"))


def _tool_items(table: pd.DataFrame, survey: Survey, file: ExportFile) -> pd.DataFrame:
    """The SoSci table's item columns in the tool's names and codes; unanswered → blank."""
    sosci = _sosci_columns(survey)
    mapping = survey.mappings[file.mapping]
    items = {}
    for column, spec in mapping.columns.items():
        values = pd.to_numeric(table[sosci[spec.target]], errors="coerce")
        inverse = {old: new for new, old in spec.recode.items()}
        codes = values.map(inverse).fillna(values) if inverse else values
        answered = values.ge(0)
        items[column] = codes.where(answered, 0).astype(int).astype(str).where(answered, "")
    return pd.DataFrame(items, index=table.index)


def _limesurvey(
    table: pd.DataFrame, survey: Survey, file: ExportFile, rng: np.random.Generator
) -> tuple[pd.DataFrame, list[list[str]] | None]:
    """A LimeSurvey response export with question-code headings (every field quoted)."""
    finished = table["FINISHED"].eq(1)
    out = pd.DataFrame(
        {
            "id": table["CASE"],
            "submitdate": table["LASTDATA"].where(finished, ""),
            "lastpage": table["LASTPAGE"],
            "startlanguage": "de",
            "seed": rng.integers(10**8, 10**9, len(table)),
            "token": "",
            "startdate": table["STARTED"],
            "datestamp": table["LASTDATA"],
            "ipaddr": [f"192.0.2.{i}" for i in rng.integers(1, 255, len(table))],
            # The programme's page that linked to the survey: marks the export synthetic.
            "refurl": "https://example.org/synth_mentoring",
            survey.mappings[file.mapping].key: table["IC01_01"],
        },
        index=table.index,
    )
    out = pd.concat([out, _tool_items(table, survey, file)], axis=1)
    out["interviewtime"] = table["TIME_SUM"].map(lambda s: f"{s:.2f}")
    return out, None


def _qualtrics(
    table: pd.DataFrame,
    survey: Survey,
    file: ExportFile,
    rng: np.random.Generator,
    instruments: dict[str, Instrument],
) -> tuple[pd.DataFrame, list[list[str]] | None]:
    """A Qualtrics CSV export: numeric recode values and its three header rows."""
    alphabet = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
    key = survey.mappings[file.mapping].key
    out = pd.DataFrame(
        {
            "StartDate": table["STARTED"],
            "EndDate": table["LASTDATA"],
            "Status": 0,
            "IPAddress": [f"198.51.100.{i}" for i in rng.integers(1, 255, len(table))],
            "Progress": (100 * table["LASTPAGE"] / table["MAXPAGE"]).round().astype(int),
            "Duration (in seconds)": table["TIME_SUM"],
            "Finished": table["FINISHED"],
            "RecordedDate": table["LASTDATA"],
            "ResponseId": ["R_" + "".join(rng.choice(alphabet, 15)) for _ in range(len(table))],
            "RecipientLastName": "",
            "RecipientFirstName": "",
            "RecipientEmail": "",
            "ExternalReference": "",
            "LocationLatitude": "50.8021",
            "LocationLongitude": "8.7667",
            "DistributionChannel": "anonymous",
            "UserLanguage": "DE",
            key: table["IC01_01"],
        },
        index=table.index,
    )
    out = pd.concat([out, _tool_items(table, survey, file)], axis=1)
    # Embedded data set in the survey flow: marks the export synthetic.
    out["questionnaire"] = "synth_mentoring"
    texts, import_ids = [], []
    metadata = {
        "startDate": "Start Date",
        "endDate": "End Date",
        "status": "Response Type",
        "ipAddress": "IP Address",
        "progress": "Progress",
        "duration": "Duration (in seconds)",
        "finished": "Finished",
        "recordedDate": "Recorded Date",
        "_recordId": "Response ID",
        "recipientLastName": "Recipient Last Name",
        "recipientFirstName": "Recipient First Name",
        "recipientEmail": "Recipient Email",
        "externalDataReference": "External Data Reference",
        "locationLatitude": "Location Latitude",
        "locationLongitude": "Location Longitude",
        "distributionChannel": "Distribution Channel",
        "userLanguage": "User Language",
    }
    metadata_ids = list(metadata)
    blocks: dict[str, int] = {}
    for position, column in enumerate(out.columns):
        if position < len(metadata_ids):
            texts.append(metadata[metadata_ids[position]])
            entry = {"ImportId": metadata_ids[position]}
            if metadata_ids[position] in ("startDate", "endDate", "recordedDate"):
                entry["timeZone"] = "Europe/Berlin"
        elif column == key:
            texts.append("Bitte geben Sie Ihren persönlichen Code ein.")
            entry = {"ImportId": "QID1_TEXT"}
        elif column == "questionnaire":
            texts.append("questionnaire")
            entry = {"ImportId": "questionnaire"}
        else:
            target = survey.mappings[file.mapping].columns[column].target
            item = next(i for i in instruments[target.instrument].items if i.id == target.item)
            block = column.rsplit("_", 1)[0]
            blocks.setdefault(block, len(blocks) + 2)
            texts.append(f"{block} - {item.text.de if item.text else target.item}")
            entry = {"ImportId": f"QID{blocks[block]}_{column.rsplit('_', 1)[1]}"}
        import_ids.append(json.dumps(entry, separators=(",", ":")))
    return out, [list(out.columns), texts, import_ids]


CONTAINERS = ("csv", "xlsx", "sav")


def _spss_name(column: str) -> str:
    """A column name as SPSS allows it (``WHO5[SQ001]`` → ``WHO5_SQ001``)."""
    return re.sub(r"[^A-Za-z0-9_]+", "_", column).strip("_")


def _write_xlsx(out: pd.DataFrame, path: Path, header_rows: list[list[str]] | None) -> None:
    """An Excel export: numbers as number cells, blanks empty; the tool's extra header rows
    (Qualtrics) as the first rows under the column names."""
    cells = out.apply(lambda column: pd.to_numeric(column, errors="coerce").where(column.ne("")))
    cells = cells.astype(object).where(cells.notna(), out.astype(object))
    cells = cells.where(out.astype(str).ne(""), None)
    if header_rows:
        extra = pd.DataFrame(header_rows[1:], columns=out.columns)
        cells = pd.concat([extra, cells], ignore_index=True)
    try:
        import xlsxwriter  # noqa: F401  (several times faster than openpyxl for large files)
    except ImportError:
        cells.to_excel(path, index=False, engine="openpyxl")
    else:  # a URL stays text, as the survey tools export it
        options = {"options": {"strings_to_urls": False}}
        cells.to_excel(path, index=False, engine="xlsxwriter", engine_kwargs=options)


def _write_sav(out: pd.DataFrame, path: Path) -> None:
    """An SPSS export: numeric columns as numbers (blank → system-missing), the rest text."""
    import pyreadstat

    frame = pd.DataFrame(index=out.index)
    for column in out.columns:
        text = out[column].astype(str)
        numbers = pd.to_numeric(text.where(text.ne("")), errors="coerce")
        numeric = numbers.notna().eq(text.ne("")).all()
        frame[_spss_name(column)] = numbers.astype(float) if numeric else text.astype(object)
    pyreadstat.write_sav(frame, str(path))


def _write_export(
    table: pd.DataFrame,
    path: Path,
    survey: Survey,
    file: ExportFile,
    number: int,
    rng: np.random.Generator,
    instruments: dict[str, Instrument],
    container: str = "csv",
) -> None:
    """Write one wave's SoSci-shaped table as the tool named in the survey definition."""
    header_rows = None
    if file.format == "limesurvey":
        out, _ = _limesurvey(table, survey, file, rng)
        if container == "csv":
            _write_csv(out, path, delimiter=",", bom=False, quoting=csv.QUOTE_ALL)
    elif file.format == "qualtrics":
        out, header_rows = _qualtrics(table, survey, file, rng, instruments)
        if container == "csv":
            _write_csv(out, path, delimiter=",", bom=True, header_rows=header_rows)
    else:
        out = table
        if container == "csv":
            _write_csv(table, path, delimiter=";" if number == 0 else "\t", bom=number == 0)
    if container == "xlsx":
        _write_xlsx(out, path, header_rows)
    elif container == "sav":
        _write_sav(out, path)


def _scaled_definition(survey_path: Path, out: Path, container: str) -> Path:
    """The demo's survey definition in ``out``, its exports renamed for the container."""
    import yaml

    text = survey_path.read_text(encoding="utf-8")
    if container == "csv":
        target = out / "survey.yml"
        target.write_text(text, encoding="utf-8")
        return target
    definition = yaml.safe_load(text)
    for wave in definition["waves"]:
        for file in wave["files"]:
            file["path"] = str(Path(file["path"]).with_suffix(f".{container}"))
            if container == "sav" and "key_column" in file:
                file["key_column"] = _spss_name(file["key_column"])
    if container == "sav":  # SPSS variable names cannot hold brackets or spaces
        for name, mapping in definition["mappings"].items():
            if isinstance(mapping, dict) and "columns" in mapping:
                mapping["key"] = _spss_name(mapping["key"])
                mapping["columns"] = {_spss_name(c): v for c, v in mapping["columns"].items()}
            else:
                definition["mappings"][name] = {_spss_name(c): v for c, v in mapping.items()}
    target = out / "survey.yml"
    header = "# SYNTHETIC: a scaled copy of the demo programme written by impact.demo.generate.\n"
    target.write_text(
        header + yaml.safe_dump(definition, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return target


def generate(
    survey_path: str | Path = DEMO_SURVEY,
    *,
    seed: int = SEED,
    participants: int | None = None,
    out: str | Path | None = None,
    container: str = "csv",
) -> list[Path]:
    """Write the demo registry and raw exports beside ``survey_path``, or a scaled copy.

    Parameters
    ----------
    survey_path : str or Path
        The demo survey definition; the files named in it are (re)written.
    seed : int
        Seed of the random generator; the same seed writes the same bytes.
    participants : int, optional
        Size of the cohort. Default: the demo's 52 people. With any size the cohort keeps
        the demo's structure: the same sectors (in proportion), tandems, waves, tools,
        instruments, attrition shares, and its mess once every ``MESS_STRIDE`` rows.
    out : str or Path, optional
        Write a complete programme folder here (``survey.yml``, registry, ``raw/``)
        instead of beside ``survey_path``.
    container : {"csv", "xlsx", "sav"}
        The exports as each tool's CSV (the demo), or the same tables as Excel
        workbooks or SPSS files (``survey.yml`` in ``out`` names them).

    Returns
    -------
    list of Path
        The files written (with ``out``: ``survey.yml`` last).

    Examples
    --------
    >>> import tempfile
    >>> from impact.pipeline import load_programme
    >>> folder = tempfile.mkdtemp()
    >>> written = generate(participants=120, out=folder, seed=7)
    >>> [p.name for p in written]
    ['kickoff.csv', 'milestone-1.csv', 'milestone-2.csv', 'final.csv', 'registry.csv', 'survey.yml']
    >>> len(load_programme(written[-1]).registry)
    120
    """
    check_choice(container, CONTAINERS, argument="container")
    if container != "csv" and out is None:
        raise ArgumentError("write an Excel or SPSS copy to a folder of its own: pass `out`")
    if participants is not None and participants < 2:
        raise ArgumentError(f"`participants` must be at least 2; got {participants}")
    survey_path = Path(survey_path)
    survey, instruments = load_survey(survey_path)
    rng = np.random.default_rng(seed)
    people = _cohort(rng, participants)
    present = _attendance(len(people), survey.wave_ids, rng)
    frames = _responses(people, present, survey, instruments, rng)

    tables: dict[str, pd.DataFrame] = {}
    case = 1
    sosci = _sosci_columns(survey)
    for wave in survey.waves:
        frame = frames[wave.id].sample(frac=1, random_state=int(rng.integers(2**31)))
        targets = item_targets(survey, wave.files[0].mapping)
        columns = {column: sosci[target] for column, target in targets.items()}
        tables[wave.id] = _sosci_table(
            frame.reset_index(drop=True), wave.date, rng, case, columns=columns
        )
        case += len(frame) + 10
    _add_mess(tables, rng)

    base = survey_path.parent if out is None else Path(out)
    written = []
    for number, wave in enumerate(survey.waves):
        target = (base / wave.files[0].path).with_suffix(f".{container}")
        target.parent.mkdir(parents=True, exist_ok=True)
        table = tables[wave.id].sort_values("STARTED", kind="stable")
        _write_export(table, target, survey, wave.files[0], number, rng, instruments, container)
        written.append(target)

    registry = pd.DataFrame(
        {
            "code": [p.code for p in people],
            "first_name": [p.first_name for p in people],
            "last_name": [p.last_name for p in people],
            "email": [
                f"{p.first_name.lower()}.{p.last_name.lower()}@example.org".replace("ß", "ss")
                for p in people
            ],
            "sector": [p.sector for p in people],
            "role": [p.role for p in people],
            "tandem": [p.tandem for p in people],
            "site": [p.site for p in people],
        }
    ).sort_values(["tandem", "role"], kind="stable")
    registry_path = base / survey.registry.file
    _write_csv(registry, registry_path, delimiter=",", bom=False)
    written.append(registry_path)
    if out is not None:
        written.append(_scaled_definition(survey_path, base, container))
    return written


DEMO_FOLDER = "programme"


def write_demo_programme(folder: str | Path, *, seed: int = SEED) -> Path:
    """Write the demo programme into ``folder``: its definition copied from the package,
    its synthetic registry and raw exports generated there.

    A working copy made this way can be checked, imported, analysed and reported like any
    programme, from any folder; the package's own copy is never written to.

    Parameters
    ----------
    folder : str or Path
        The programme folder to write (created if missing). A folder that holds another
        programme's ``survey.yml`` is refused.
    seed : int
        Seed of the generator; the default writes the files shipped with the package.

    Returns
    -------
    Path
        The copy's ``survey.yml``.

    Raises
    ------
    OutputError
        When ``folder`` holds a ``survey.yml`` that is not the demo's.

    Examples
    --------
    >>> import tempfile
    >>> survey = write_demo_programme(Path(tempfile.mkdtemp()) / "demo")
    >>> sorted(p.name for p in (survey.parent / "raw").iterdir())
    ['final.csv', 'kickoff.csv', 'milestone-1.csv', 'milestone-2.csv']
    """
    import shutil

    from impact.errors import OutputError

    folder = Path(folder)
    target = folder / DEMO_SURVEY.name
    if target.exists() and target.read_bytes() != DEMO_SURVEY.read_bytes():
        raise OutputError(
            f"{str(target)!r} is not the demo programme's definition: impact writes the demo "
            "only into a new folder or over an earlier copy (choose another --out)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    # the evaluator's commentary comes along, so the copy's final report shows it too
    commentary = sorted(p.name for p in DEMO_SURVEY.parent.glob("commentary-*.md"))
    for name in (DEMO_SURVEY.name, "README.md", *commentary):
        shutil.copyfile(DEMO_SURVEY.parent / name, folder / name)
    generate(target, seed=seed)
    return target
