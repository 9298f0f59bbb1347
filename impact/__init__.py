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
