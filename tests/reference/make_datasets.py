"""Write the small, deterministic fixture datasets used for R cross-checks.

Run from this folder:  python make_datasets.py && Rscript make_reference.R

Every dataset is generated from a fixed numpy seed, so re-running this script
reproduces the committed CSVs byte for byte (checked with numpy 2.x; the
``numpy.random.default_rng`` PCG64 stream is stable across numpy versions).
Values are written with explicit formatting so the files do not depend on
float printing details.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20240611


def _write(name: str, header: list[str], rows: list[list[str]]) -> None:
    with open(HERE / name, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _fmt_step(v: float, decimals: int) -> str:
    return f"{v:.{decimals}f}"


def make_paired(rng: np.random.Generator) -> None:
    """40 participants, well-being-like 0-100 score in steps of 4, pre/post correlated."""
    n = 40
    pre_latent = rng.normal(55, 18, n)
    post_latent = 0.6 * pre_latent + 0.4 * 55 + 8 + rng.normal(0, 12, n)

    def to_scale(x: np.ndarray) -> np.ndarray:
        return np.clip(np.rint(x / 4) * 4, 0, 100).astype(int)

    pre, post = to_scale(pre_latent), to_scale(post_latent)
    rows = [
        [f"P{i + 1:02d}", str(a), str(b)] for i, (a, b) in enumerate(zip(pre, post, strict=True))
    ]
    _write("paired.csv", ["participant", "pre", "post"], rows)


def make_paired_ties(rng: np.random.Generator) -> None:
    """25 participants, Likert scale means (1-5 in steps of 0.2) with ties and zero differences."""
    n = 25
    pre_latent = rng.normal(3.0, 0.7, n)
    post_latent = pre_latent + rng.normal(0.25, 0.35, n)

    def to_scale(x: np.ndarray) -> np.ndarray:
        # work in integer "fifths" so the step grid is exact, then divide when formatting
        return np.clip(np.rint(x * 5), 5, 25).astype(int)

    pre, post = to_scale(pre_latent), to_scale(post_latent)
    rows = [
        [f"T{i + 1:02d}", _fmt_step(a / 5, 1), _fmt_step(b / 5, 1)]
        for i, (a, b) in enumerate(zip(pre, post, strict=True))
    ]
    _write("paired_ties.csv", ["participant", "pre", "post"], rows)


def _likert_items(rng: np.random.Generator) -> np.ndarray:
    """120 x 6 Likert (1-5) responses from one latent factor with unequal loadings."""
    n = 120
    loadings = np.array([0.80, 0.72, 0.65, 0.55, 0.45, 0.35])
    thresholds = np.array([-1.6, -0.6, 0.3, 1.2])
    shifts = np.array([0.0, 0.2, -0.1, 0.3, -0.2, 0.1])
    eta = rng.normal(0, 1, n)
    eps = rng.normal(0, 1, (n, loadings.size))
    cont = eta[:, None] * loadings + eps * np.sqrt(1 - loadings**2) + shifts
    return 1 + (cont[:, :, None] > thresholds).sum(axis=2)


def make_items(rng: np.random.Generator) -> None:
    items = _likert_items(rng)
    header = [f"i{j + 1}" for j in range(items.shape[1])]
    _write("items.csv", header, [[str(v) for v in row] for row in items])

    # same responses with ~3% of the cells blanked (22 of 720), never a whole row
    n_cells = items.size
    n_missing = round(0.03 * n_cells)
    flat = rng.choice(n_cells, size=n_missing, replace=False)
    mask = np.zeros(n_cells, dtype=bool)
    mask[flat] = True
    mask = mask.reshape(items.shape)
    assert not mask.all(axis=1).any()
    rows = [
        ["" if m else str(v) for v, m in zip(row, mrow, strict=True)]
        for row, mrow in zip(items, mask, strict=True)
    ]
    _write("items_missing.csv", header, rows)


def make_long(rng: np.random.Generator) -> None:
    """50 participants x 4 waves, random intercept, wave effects 0/+2/+4/+8, ~15% rows missing."""
    waves = ["kickoff", "milestone-1", "milestone-2", "final"]
    effects = np.array([0.0, 2.0, 4.0, 8.0])
    n = 50
    u = rng.normal(0, 8, n)
    e = rng.normal(0, 6, (n, len(waves)))
    score = 50 + u[:, None] + effects + e

    present = np.ones((n, len(waves)), dtype=bool)
    # drop-outs: 4 participants leave before milestone-2, 4 before final
    ids = rng.permutation(n)
    for p in ids[:4]:
        present[p, 2:] = False
    for p in ids[4:8]:
        present[p, 3:] = False
    # intermittent skips: 18 further cells, among the others, kickoff kept
    candidates = [(p, w) for p in ids[8:] for w in range(1, len(waves))]
    pick = rng.choice(len(candidates), size=18, replace=False)
    for k in pick:
        p, w = candidates[k]
        present[p, w] = False

    rows = []
    for p in range(n):
        for w, wave in enumerate(waves):
            if present[p, w]:
                rows.append([f"L{p + 1:02d}", wave, f"{score[p, w]:.1f}"])
    _write("long.csv", ["participant", "wave", "score"], rows)


def make_paired_small(rng: np.random.Generator) -> None:
    """12 participants, one-decimal scores, no zero and no tied |differences|.

    The only fixture on which R's ``wilcox.test`` uses the exact distribution of V.
    """
    n = 12
    while True:
        pre = np.round(rng.normal(20, 4, n), 1)
        post = np.round(pre + rng.normal(1.5, 2.5, n), 1)
        diff = np.abs(np.round(post - pre, 1))
        if (diff > 0).all() and len(np.unique(diff)) == n:
            break
    rows = [
        [f"S{i + 1:02d}", f"{a:.1f}", f"{b:.1f}"]
        for i, (a, b) in enumerate(zip(pre, post, strict=True))
    ]
    _write("paired_small.csv", ["participant", "pre", "post"], rows)


def make_dyads(rng: np.random.Generator) -> None:
    """32 mentor-mentee tandems x 4 waves, with a shared tandem level, a site per tandem.

    The partners' changes are correlated (a shared tandem slope), the final wave depends on
    one's own and the partner's kick-off score (actor and partner effects), and 9 rows are
    missing: one mentee and two mentors miss the final wave, six other waves are skipped.
    """
    waves = ["kickoff", "milestone-1", "milestone-2", "final"]
    n = 32
    sites = rng.choice(["north", "south", "west"], size=n, p=[0.4, 0.35, 0.25])
    tandem_level = rng.normal(0, 4, n)
    tandem_slope = rng.normal(0, 1.2, n)
    roles = ["mentor", "mentee"]
    gains = {"mentor": np.array([0.0, 0.5, 1.0, 2.0]), "mentee": np.array([0.0, 1.5, 3.0, 5.0])}
    person = rng.normal(0, 6, (n, 2))
    noise = rng.normal(0, 4, (n, 2, len(waves)))
    score = np.zeros((n, 2, len(waves)))
    for r, role in enumerate(roles):
        score[:, r, :] = (
            50
            + tandem_level[:, None]
            + person[:, r, None]
            + gains[role]
            + tandem_slope[:, None] * np.arange(len(waves))
            + noise[:, r, :]
        )
    # final: own start (actor) and the partner's start (partner effect), a shared tandem part
    shared = rng.normal(0, 3, n)
    for r in range(2):
        own, partner = score[:, r, 0], score[:, 1 - r, 0]
        score[:, r, 3] = (
            12
            + 0.55 * own
            + (0.3 if r == 1 else 0.1) * partner
            + shared
            + 3 * tandem_slope
            + rng.normal(0, 4, n)
        )
    present = np.ones_like(score, dtype=bool)
    present[rng.choice(n, 1), 1, 3] = False
    present[rng.choice(n, 2, replace=False), 0, 3] = False
    cells = [(t, r, w) for t in range(n) for r in range(2) for w in (1, 2)]
    for k in rng.choice(len(cells), size=6, replace=False):
        t, r, w = cells[k]
        present[t, r, w] = False
    rows = []
    for t in range(n):
        for r, role in enumerate(roles):
            for w, wave in enumerate(waves):
                if present[t, r, w]:
                    participant = f"D{t + 1:02d}{'a' if r == 0 else 'b'}"
                    tandem = f"T{t + 1:02d}"
                    rows.append(
                        [participant, tandem, role, sites[t], wave, f"{score[t, r, w]:.1f}"]
                    )
    _write("dyads.csv", ["participant", "tandem", "role", "site", "wave", "score"], rows)


def make_then(rng: np.random.Generator) -> None:
    """30 participants rating pre (kick-off), post and then (retrospective, at the end) on a
    1-5 mean score; 3 miss the then rating, 2 the post, 1 the pre: 24 have all three."""
    n = 30
    pre = rng.normal(3.0, 0.5, n)
    then = pre - 0.3 + rng.normal(0, 0.25, n)
    post = then + 0.8 + rng.normal(0, 0.3, n)

    def fmt(values: np.ndarray, missing: np.ndarray) -> list[str]:
        return [
            "" if m else f"{np.clip(v, 1, 5):.2f}" for v, m in zip(values, missing, strict=True)
        ]

    order = rng.permutation(n)
    miss_then = np.isin(np.arange(n), order[:3])
    miss_post = np.isin(np.arange(n), order[3:5])
    miss_pre = np.isin(np.arange(n), order[5:6])
    columns = [fmt(pre, miss_pre), fmt(post, miss_post), fmt(then, miss_then)]
    rows = [[f"R{i + 1:02d}", *(c[i] for c in columns)] for i in range(n)]
    _write("then.csv", ["participant", "pre", "post", "then"], rows)


def make_pvalues() -> None:
    # fixed, hand-picked values: one tie, a mix of significant / borderline / null
    p = ["0.0004", "0.008", "0.012", "0.03", "0.03", "0.049", "0.21", "0.74"]
    _write("pvalues.csv", ["p"], [[v] for v in p])


def main() -> None:
    rng = np.random.default_rng(SEED)
    # one generator per dataset, spawned in a fixed order, so editing one dataset
    # does not shift the random streams of the others
    # (spawn(5) gives the same first four children as spawn(4) did: the older datasets stay)
    # (spawn(7) gives the same first five children as spawn(5))
    r_paired, r_ties, r_items, r_long, r_small, r_dyads, r_then = rng.spawn(7)
    make_paired(r_paired)
    make_paired_ties(r_ties)
    make_items(r_items)
    make_long(r_long)
    make_paired_small(r_small)
    make_dyads(r_dyads)
    make_then(r_then)
    make_pvalues()


if __name__ == "__main__":
    main()
