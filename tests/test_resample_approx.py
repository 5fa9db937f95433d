"""The normal approximation of large strata in the bootstrap (assessment.scoring.approx)."""

from __future__ import annotations

import numpy as np
import pytest

from assessment import load_dataset, score
from assessment.scoring.approx import normal_sums
from assessment.scoring.resample import percentile_interval, resample
from tests.test_resample import long_frame, random_people

B = 4000


def big_company(n: int = 600, seed: int = 5) -> list[dict]:
    """``n`` customers of one company, three correlated cells, about 12 % not kept, plus
    a few staff (a small stratum resampled exactly either way)."""
    rng = np.random.default_rng(seed)
    base = rng.normal(3.2, 0.6, n)
    people = []
    for k in range(n):
        scores = [base[k] + rng.normal(0, 0.4), base[k] + rng.normal(0.4, 0.5),
                  rng.choice([1.0, 2.0, 4.0, 5.0])]
        scores = [float(np.clip(np.round(s, 2), 1, 5)) if rng.random() > 0.12 else np.nan
                  for s in scores]
        people.append({"company_id": "big", "respondent_id": f"c{k:04d}",
                       "perspective": "customer", "scores": scores})
    for k in range(12):
        people.append({"company_id": "big", "respondent_id": f"s{k:02d}",
                       "perspective": "internal", "department": "Ops",
                       "scores": list(np.round(rng.uniform(1, 5, 3), 2))})
    return people


@pytest.fixture(scope="module")
def both():
    long = long_frame(big_company())
    return resample(long, B, seed=3), resample(long, B, seed=3, exact_max=500)


def test_approximate_replicates_agree_with_the_exact_bootstrap(both):
    """Per cell of the 600 customers (and of the company total, which mixes an approximated
    and an exact stratum): the replicates' mean, SD and 95% percentile interval agree within
    Monte Carlo error. With B = 4000 independent replicates on each side, the difference
    of two replicate means has SD sqrt(2 / B) SD ~ 0.022 SD, of two SDs about
    sqrt(1 / B) ~ 1.6 % of it, of two 2.5 % (97.5 %) quantiles about
    sqrt(2 * 0.025 * 0.975 / B) / phi(1.96) SD ~ 0.06 SD: the tolerances are 4 to 5 of these
    (0.1 SD, 8 %, 0.3 SD), loose enough never to fail by chance and tight enough to catch
    a wrong centre, a wrong spread (a covariance off by a factor n, or by missing answers
    weighed otherwise) or a skew the normal law cannot follow."""
    exact, approx = both
    for persp in ("customer", "all"):
        e = exact.of("w1", "big", persp)
        a = approx.of("w1", "big", persp)
        sd = e.std(axis=0)
        assert (sd > 0.005).all()
        np.testing.assert_array_less(np.abs(a.mean(axis=0) - e.mean(axis=0)), 0.1 * sd)
        np.testing.assert_array_less(np.abs(a.std(axis=0) / sd - 1), 0.08)
        for qe, qa in zip(percentile_interval(e), percentile_interval(a), strict=True):
            np.testing.assert_array_less(np.abs(qa - qe), 0.3 * sd)
    # the exact stratum (the department) draws from the company's stream as if the
    # approximated customers were not there
    staff = long_frame([p for p in big_company() if p["perspective"] == "internal"])
    np.testing.assert_array_equal(resample(staff, B, seed=3).of("w1", "big", "internal", "Ops"),
                                  approx.of("w1", "big", "internal", "Ops"))


def test_a_verdicts_confidence_agrees(both):
    """A verdict's confidence is the share of replicates reproducing it; here "cell 1 leads
    cell 0 by at least a margin" with the margin set so that about 85 % of the exact
    replicates reproduce it. Two independent shares near 0.85 differ with SD
    sqrt(2 * 0.85 * 0.15 / B) ~ 0.008: tolerance 0.035 (about 4.4 SD)."""
    exact, approx = both
    e, a = exact.of("w1", "big", "customer"), approx.of("w1", "big", "customer")
    margin = float(np.quantile(e[:, 1] - e[:, 0], 0.15))
    share_e = float(np.mean(e[:, 1] - e[:, 0] >= margin))
    share_a = float(np.mean(a[:, 1] - a[:, 0] >= margin))
    assert 0.8 < share_e < 0.9
    assert abs(share_a - share_e) < 0.035


def test_strata_up_to_the_threshold_keep_their_exact_draws():
    """Companies without a large stratum get bit for bit the replicates of the exact
    bootstrap, whoever else is in the portfolio; the large stratum's replicates differ."""
    rng = np.random.default_rng(8)
    small = random_people(rng)
    long = long_frame(small + big_company(n=120))
    exact = resample(long, 300, seed=1)
    at_max = resample(long, 300, seed=1, exact_max=120)
    np.testing.assert_array_equal(exact.means, at_max.means)
    mixed = resample(long, 300, seed=1, exact_max=100)
    big = [i for i, c in enumerate(mixed.groups["company_id"]) if c == "big"]
    rest = [i for i in range(len(mixed.groups)) if i not in big]
    np.testing.assert_array_equal(exact.means[:, rest], mixed.means[:, rest])
    assert not np.array_equal(exact.of("w1", "big", "customer"),
                              mixed.of("w1", "big", "customer"))
    np.testing.assert_array_equal(exact.point, mixed.point)


def test_normal_sums_constant_columns_and_moments():
    """A column the same for everyone sums to n times it in every replicate (no rounding
    noise: a cell nobody kept stays 0 / 0); the others have mean n * mu and covariance
    n * Sigma (divisor n), checked on 20000 draws within 4 standard errors."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(50, 2))
    rows = np.column_stack([x[:, 0], x[:, 0] + x[:, 1], np.ones(50), np.zeros(50)])
    s = normal_sums(rows, 20000, np.random.default_rng(4))
    assert (s[:, 2] == 50.0).all() and (s[:, 3] == 0.0).all()
    mu, cov = rows[:, :2].mean(axis=0), np.cov(rows[:, :2].T, ddof=0)
    se_mean = np.sqrt(50 * np.diag(cov) / 20000)
    np.testing.assert_array_less(np.abs(s[:, :2].mean(axis=0) - 50 * mu), 4 * se_mean)
    np.testing.assert_allclose(np.cov(s[:, :2].T), 50 * cov, rtol=0.06)


def test_no_stratum_of_the_sample_reaches_the_threshold():
    """The sample's outputs are those of the exact bootstrap: its largest stratum is far
    below the instrument's ``bootstrap_exact_max``."""
    s = score(load_dataset("data/sample"))
    sizes = s.respondents.drop_duplicates(["wave", "company_id", "respondent_id"]).groupby(
        ["wave", "company_id", "perspective", "department"]).size()
    assert sizes.max() <= s.thresholds.bootstrap_exact_max


def _normal_sums_by_the_formula(rows: np.ndarray, B: int, rng: np.random.Generator):
    """normal_sums written out plainly: the varying columns picked out every time."""
    n, d = rows.shape
    mu = rows.mean(axis=0)
    out = np.repeat((n * mu)[None, :], B, axis=0)
    varies = np.flatnonzero(rows.min(axis=0) < rows.max(axis=0))
    z = rng.standard_normal((B, d))
    if len(varies):
        centred = rows[:, varies] - mu[varies]
        w, v = np.linalg.eigh(centred.T @ centred / n)
        root = v * np.sqrt(np.clip(w, 0.0, None))
        out[:, varies] += np.sqrt(n) * (z[:, varies] @ root.T)
    return out


@pytest.mark.parametrize("constant", [[], [1], [0, 3], [0, 1, 2, 3]])
def test_normal_sums_equal_the_formula_bit_for_bit(constant):
    """Every column varying (no columns picked out), some or none: the same numbers as the
    plain formula, to the last bit (the replicates do not change with the shortcut)."""
    rng = np.random.default_rng(11)
    rows = np.round(rng.uniform(0, 5, size=(700, 4)), 3)
    rows[:, constant] = 2.5
    np.testing.assert_array_equal(normal_sums(rows, 300, np.random.default_rng(5)),
                                  _normal_sums_by_the_formula(rows, 300,
                                                              np.random.default_rng(5)))
