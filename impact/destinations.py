"""Where a report may go and in which language: checks made before anything is rendered.

An output folder is an explicitly given folder that is neither the programme's folder nor
a folder holding its raw data, so outputs can never overwrite or mix with raw exports; a
language is one the programme offers and the toolkit has texts for. The command line, the
notebooks (:func:`impact.notebook.parameters`) and :func:`impact.report.check_parameters`
all use these; they live apart from the rendering so that a notebook's kernel checks its
parameters without loading papermill, nbconvert and WeasyPrint.
"""

from __future__ import annotations

from pathlib import Path

from impact.definitions import Survey, load_survey
from impact.errors import ReportError, choice_hint
from impact.fmt import LOCALES


def survey_definition(survey: str | Path | Survey) -> tuple[Survey, Path]:
    """A survey definition as loaded, and the file it came from: loaded here only when a
    path is given.

    Examples
    --------
    >>> from impact.demo import DEMO_SURVEY
    >>> definition, path = survey_definition(DEMO_SURVEY)
    >>> definition.languages, path.name
    (['de', 'en'], 'survey.yml')
    """
    if isinstance(survey, Survey):
        if survey.source is None:
            raise ReportError("the survey definition was not loaded from a file (load_survey)")
        return survey, survey.source
    return load_survey(survey)[0], Path(survey)


def check_language(definition: Survey, survey: str | Path, language: str) -> None:
    """Fail unless ``language`` is offered by the programme and has the toolkit's texts.

    Examples
    --------
    >>> from impact.demo import DEMO_SURVEY
    >>> survey, _ = load_survey(DEMO_SURVEY)
    >>> check_language(survey, DEMO_SURVEY, "fr")
    Traceback (most recent call last):
    impact.errors.ReportError: ... key 'languages': language 'fr' is not offered ... ['de', 'en'])
    """
    if language not in definition.languages or language not in LOCALES:
        raise ReportError(
            f"language {language!r} is not offered by this programme",
            file=survey,
            key="languages",
            hint=choice_hint(language, definition.languages),
        )


def _raw_folders(survey: Path, definition: Survey) -> set[Path]:
    """The programme's folder and every folder that holds one of its raw files."""
    base = survey.resolve().parent
    files = [base / definition.registry.file]
    files += [base / file.path for wave in definition.waves for file in wave.files]
    return {base, *(path.resolve().parent for path in files)}


def check_output_dir(output_dir: str | Path, survey: str | Path | Survey) -> Path:
    """The resolved output folder, once it is known not to endanger raw data.

    ``survey`` is the programme's ``survey.yml`` or its definition as loaded.

    Examples
    --------
    >>> from impact.demo import DEMO_SURVEY
    >>> check_output_dir(DEMO_SURVEY.parent / "raw" / "reports", DEMO_SURVEY)
    Traceback (most recent call last):
    impact.errors.ReportError: the output folder ... lies inside ... outputs never go there ...
    """
    target = Path(output_dir).resolve()
    if target.exists() and not target.is_dir():
        raise ReportError(f"the output folder {str(target)!r} is a file, not a folder")
    definition, survey = survey_definition(survey)
    for folder in sorted(_raw_folders(survey, definition)):
        if target == folder or folder in target.parents:
            raise ReportError(
                f"the output folder {str(target)!r} lies inside {str(folder)!r}, which holds "
                "the programme's definition or raw data; outputs never go there "
                "(choose another folder with --out)"
            )
    return target
