"""A notebook's parameters, resolved and checked in its first cell, wherever it runs.

JupyterLab starts a notebook's kernel in the notebook's folder, papermill in the folder it
is told, a shell in any: :func:`parameters` makes a notebook independent of that. A
relative ``survey`` path is looked up in the working folder and then in each folder above
it (so ``surveys/NAME/survey.yml`` is found from ``notebooks/`` as from the project), an
empty one is the demo programme; the wave, milestone, instrument and language are checked
against the definition with the errors and "did you mean" of the command line; and an
empty ``output_dir`` is a new temporary folder, so running a notebook never overwrites
rendered reports unless a folder is named.

Examples
--------
>>> from impact.notebook import parameters
>>> checked = parameters("", milestone="final", language="en", output_dir="")
>>> checked.survey.name, checked.milestone, checked.output_dir.is_dir()
('survey.yml', 'final', True)
>>> parameters("", wave="kickof")
Traceback (most recent call last):
impact.errors.DefinitionError: ...: there is no wave 'kickof' (did you mean 'kickoff'?)
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from impact.definitions import Instrument, Survey, load_survey
from impact.errors import DefinitionError, ReportError, choice_hint


@dataclass(frozen=True)
class Parameters:
    """A notebook's parameters once resolved and checked (see :func:`parameters`).

    Attributes
    ----------
    survey : Path
        The programme's ``survey.yml``, absolute.
    definitions : (Survey, dict of Instrument)
        The definition as :func:`impact.definitions.load_survey` returns it: pass it to
        ``load_programme(checked.survey, definitions=checked.definitions)`` so the
        definition is read once.
    wave, milestone, instrument, language, breakdown : str or None
        As given, each checked (``None`` when not given).
    output_dir : Path or None
        Absolute; a new temporary folder when ``output_dir`` was empty; ``None`` when the
        notebook writes nothing.
    """

    survey: Path
    definitions: tuple[Survey, dict[str, Instrument]] = field(repr=False)
    wave: str | None = None
    milestone: str | None = None
    instrument: str | None = None
    language: str | None = None
    breakdown: str | None = None
    output_dir: Path | None = None

    @property
    def definition(self) -> Survey:
        """The survey definition (``definitions[0]``)."""
        return self.definitions[0]

    @property
    def instruments(self) -> dict[str, Instrument]:
        """The programme's instruments by id (``definitions[1]``)."""
        return self.definitions[1]


def resolve_survey(survey: str | Path | None, *, start: str | Path | None = None) -> Path:
    """The absolute path of a programme's ``survey.yml``, found wherever the caller runs.

    Parameters
    ----------
    survey : str or Path, optional
        Empty or ``None``: the demo programme (``impact.demo.DEMO_SURVEY``). An absolute
        path is taken as it is; a relative one is looked up in ``start`` and then in each
        folder above it, the first that exists wins.
    start : str or Path, optional
        Where a relative path is looked up first; default the working folder.

    Returns
    -------
    Path

    Raises
    ------
    DefinitionError
        When no such file exists, naming the folders searched.

    Examples
    --------
    >>> from pathlib import Path
    >>> resolve_survey("impact/demo_programme/survey.yml", start=Path("notebooks")).is_file()
    True
    """
    if survey is None or str(survey).strip() == "":
        from impact.demo import DEMO_SURVEY

        return Path(DEMO_SURVEY).resolve()
    path = Path(survey).expanduser()
    if path.is_absolute():
        candidates = [path]
    else:
        folder = Path(start if start is not None else Path.cwd()).resolve()
        candidates = [base / path for base in (folder, *folder.parents)]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    searched = candidates[0].parent if path.is_absolute() else Path(start or Path.cwd()).resolve()
    raise DefinitionError(
        "the definition file does not exist",
        file=survey,
        hint=(
            f"looked in {str(searched)!r}"
            + ("" if path.is_absolute() else " and every folder above it")
            + "; give the path of the programme's survey.yml, or leave it empty for the demo"
        ),
    )


def parameters(
    survey: str | Path | Survey | None = "",
    *,
    wave: str | None = None,
    milestone: str | None = None,
    instrument: str | None = None,
    language: str | None = None,
    breakdown: str | None = None,
    output_dir: str | Path | None = None,
) -> Parameters:
    """Resolve and check a notebook's parameters; the first cell of every notebook calls it.

    Parameters
    ----------
    survey : str, Path or Survey
        The programme's ``survey.yml`` (see :func:`resolve_survey`; empty: the demo), or a
        definition already loaded.
    wave : str, optional
        A wave id of the survey.
    milestone : str, optional
        A wave id of the survey that a report is made for.
    instrument : str, optional
        An instrument the survey uses.
    language : str, optional
        A language the survey offers (and the toolkit has texts for).
    breakdown : str, optional
        A registry attribute or derived group to compare groups by; empty: the
        programme's first declared breakdown.
    output_dir : str or Path, optional
        Where the notebook writes. ``""``: a new temporary folder (a notebook run never
        overwrites rendered reports unless a folder is named); ``None``: the notebook
        writes nothing. A named folder is checked as ``impact report --out`` checks it:
        never the programme's folder or one that holds its raw data.

    Returns
    -------
    Parameters

    Raises
    ------
    DefinitionError
        For a survey that does not exist or load, an unknown wave, milestone, instrument
        or breakdown (with the nearest valid one).
    ReportError
        For a language the programme does not offer, or an output folder that endangers
        raw data.

    Examples
    --------
    >>> parameters("", instrument="WHO5")
    Traceback (most recent call last):
    impact.errors.DefinitionError: ...: ... no instrument 'WHO5' (did you mean 'who5'?)
    >>> parameters("", milestone="Final")
    Traceback (most recent call last):
    impact.errors.DefinitionError: ...: there is no milestone 'Final' (did you mean 'final'?)
    """
    if isinstance(survey, Survey):
        if survey.source is None:
            raise ReportError("the survey definition was not loaded from a file (load_survey)")
        path = Path(survey.source).resolve()
        definitions = (survey, {})
        definitions = load_survey(path) if instrument else definitions
    else:
        path = resolve_survey(survey)
        definitions = load_survey(path)
    definition = definitions[0]
    if wave:
        definition.wave(wave)
    if milestone:
        definition.wave(milestone, what="milestone")
    if instrument and instrument not in definition.instruments:
        raise DefinitionError(
            f"the programme has no instrument {instrument!r}",
            file=path,
            key="instruments",
            hint=choice_hint(instrument, definition.instruments, listing="it uses"),
        )
    if breakdown:
        attributes = definition.registry.attributes
        if breakdown not in attributes:
            raise DefinitionError(
                f"there is no registry attribute {breakdown!r} to break down by",
                file=path,
                key="registry",
                hint=choice_hint(breakdown, attributes),
            )
    elif breakdown is not None and definition.registry.change_breakdowns:
        breakdown = definition.registry.change_breakdowns[0]
    if language:
        from impact.destinations import check_language

        check_language(definition, path, language)
    target = None
    if output_dir is not None:
        if str(output_dir).strip() == "":
            target = Path(tempfile.mkdtemp(prefix="impact-notebook-")).resolve()
        else:
            from impact.destinations import check_output_dir

            target = check_output_dir(Path(output_dir).expanduser(), definition)
    return Parameters(
        survey=path,
        definitions=definitions,
        wave=wave or None,
        milestone=milestone or None,
        instrument=instrument or None,
        language=language or None,
        breakdown=breakdown or None,
        output_dir=target,
    )
