"""Cleaning in stages, a module each; :func:`impact.clean.clean` runs them in order.

- :mod:`~impact.cleaning.files`: the raw files a definition names, checked;
- :mod:`~impact.cleaning.registry`: the registry read, export keys matched to it;
- :mod:`~impact.cleaning.keys`: keys normalised, one-edit typos and look-alikes found;
- :mod:`~impact.cleaning.exports`: one export read and cleaned (:class:`CleanedExport`);
- :mod:`~impact.cleaning.cells`: cells parsed as numbers or response labels;
- :mod:`~impact.cleaning.times`: start and submit times parsed;
- :mod:`~impact.cleaning.item_rules`: missing codes, recodes, ranges, reverse keying;
- :mod:`~impact.cleaning.quality`: the quality policy (exclusions and flags);
- :mod:`~impact.cleaning.pseudonyms`: keys replaced by pseudonyms;
- :mod:`~impact.cleaning.log`: the cleaning log's rows;
- :mod:`~impact.cleaning.cleaned`: what cleaning returns (:class:`Cleaned`);
- :mod:`~impact.cleaning.accounting`: raw rows = kept + excluded, and what to review.

What a survey tool writes (its columns, codes and metadata) is in :mod:`impact.tools`.
"""
