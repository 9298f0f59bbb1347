"""The instruments table and the reference list of a report, from the definitions.

Each instrument of the programme with its number of items, its score range, its source,
its licence and whether it is validated; then the APA references of the instruments and
of the methods the report's sections use (only those it contains).
"""

from __future__ import annotations

import pandas as pd

from impact import fmt
from impact.pipeline import Programme
from impact.sections.common import scale_range
from impact.sections.norms import norm_references
from impact.sections.plan import includes

# The methods each section rests on, as APA references.
METHOD_REFERENCES: dict[str, tuple[str, ...]] = {
    "change": (
        "Holm, S. (1979). A simple sequentially rejective multiple test procedure. "
        "Scandinavian Journal of Statistics, 6(2), 65–70.",
        "Lakens, D. (2013). Calculating and reporting effect sizes to facilitate cumulative "
        "science: A practical primer for t-tests and ANOVAs. Frontiers in Psychology, 4, 863. "
        "https://doi.org/10.3389/fpsyg.2013.00863",
        "Barnett, A. G., van der Pols, J. C., & Dobson, A. J. (2005). Regression to the mean: "
        "What it is and how to deal with it. International Journal of Epidemiology, 34(1), "
        "215–220. https://doi.org/10.1093/ije/dyh299",
    ),
    "meaningful": (
        "Wilson, E. B. (1927). Probable inference, the law of succession, and statistical "
        "inference. Journal of the American Statistical Association, 22(158), 209–212. "
        "https://doi.org/10.1080/01621459.1927.10502953",
    ),
    "evidence": (
        "Lakens, D. (2017). Equivalence tests: A practical primer for t tests, correlations, "
        "and meta-analyses. Social Psychological and Personality Science, 8(4), 355–362. "
        "https://doi.org/10.1177/1948550617697177",
        "Rouder, J. N., Speckman, P. L., Sun, D., Morey, R. D., & Iverson, G. (2009). Bayesian "
        "t tests for accepting and rejecting the null hypothesis. Psychonomic Bulletin & "
        "Review, 16(2), 225–237. https://doi.org/10.3758/PBR.16.2.225",
    ),
    "reliable_change": (
        "Jacobson, N. S., & Truax, P. (1991). Clinical significance: A statistical approach to "
        "defining meaningful change in psychotherapy research. Journal of Consulting and "
        "Clinical Psychology, 59(1), 12–19. https://doi.org/10.1037/0022-006X.59.1.12",
    ),
    "response_shift": (
        "Howard, G. S. (1980). Response-shift bias: A problem in evaluating interventions "
        "with pre/post self-reports. Evaluation Review, 4(1), 93–106. "
        "https://doi.org/10.1177/0193841X8000400105",
    ),
    "tandems": (
        "Kenny, D. A., Kashy, D. A., & Cook, W. L. (2006). Dyadic data analysis. Guilford Press.",
    ),
}


def instruments_table(programme: Programme, language: str) -> pd.DataFrame:
    """The programme's instruments: items, score range, source, licence and status."""
    t = fmt.texts(language)
    rows = []
    for instrument in programme.instruments.values():
        scored = instrument.kind in ("scale", "single")
        if instrument.validated:
            status = t["instrument_validated"]
        else:
            status = t["instrument_own" if scored else "instrument_record"]
        low_high = fmt.DASH
        if scored:
            scale = instrument.id if instrument.kind == "scale" else None
            low, high = instrument.score_range()
            low_high = (
                scale_range(programme, scale, language)
                if scale is not None
                else f"{fmt.number(low, 0, language)}–{fmt.number(high, 0, language)}"
            )
        rows.append(
            {
                t["col_instrument"]: (instrument.short or instrument.name)[language],
                t["col_items"]: len(instrument.items),
                t["col_range"]: low_high,
                t["col_source"]: instrument.citation or fmt.DASH,
                t["col_licence"]: instrument.licence,
                t["col_status"]: status,
            }
        )
    return pd.DataFrame(rows)


def references(programme: Programme, milestone: str) -> list[str]:
    """The APA reference list: the instruments' references, those of the norms the report
    shows and those of the methods the report's sections use, in alphabetical order, each
    once."""
    entries = {r for i in programme.instruments.values() for r in i.references}
    if includes(programme, milestone, "norms"):
        entries.update(norm_references(programme))
    for section, cited in METHOD_REFERENCES.items():
        if includes(programme, milestone, section):
            entries.update(cited)
    return sorted(entries, key=str.casefold)
