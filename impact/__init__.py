"""impact: evaluate what a mentoring or training programme achieved.

The package turns survey-tool exports into clean, scored, analysed data and renders
parameterized milestone reports. The public API is re-exported here; each concept lives
in its own module.
"""

from impact.change import paired_change
from impact.clean import accounting, clean
from impact.definitions import Instrument, Survey, load_instrument, load_survey
from impact.errors import DefinitionError, ImpactError, InputError, ReportError
from impact.pipeline import Programme, load_programme
from impact.score import score

__all__ = [
    "DefinitionError",
    "ImpactError",
    "InputError",
    "Instrument",
    "Programme",
    "ReportError",
    "Survey",
    "accounting",
    "clean",
    "load_instrument",
    "load_programme",
    "load_survey",
    "paired_change",
    "score",
]

__version__ = "0.1.0"

# The modules the docs use as ``impact.<module>`` (``impact.sections.html_table``, …) load
# on first use: importing the report's sections, figures and rendering eagerly would double
# the time of ``import impact`` for code that only computes statistics.


def __getattr__(name: str):
    import importlib
    import importlib.util

    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    import pkgutil

    return sorted({*globals(), *(m.name for m in pkgutil.iter_modules(__path__))})
