"""Obligor defaults: the raw `default_events` table and the enterprise-month oracle.

An enterprise (the obligor) defaults at D = min(T, D_own), the earlier of
  * its distress time T (enterprises.py): payments stop, sales fade over the lead L before it;
  * the first month any of its loans reaches 90 days past due through that loan's own,
    idiosyncratic default: D_own = the month of (own delinquency start + 90 days), the
    Basel obligor rule that the warehouse applies to loan_performance.

`true_pd_12m` at a month start a is P(a <= D < a + 12 months | not in default at a, latent
state at a): the enterprise's hazard h, whether its deterioration has begun (T - L <= a, or
a loan's own delinquency started before a) and the idiosyncratic law of each loan applied for
before a. With L ~ U(Lmin, Lmax) independent of T ~ h (memoryless from the horizon start s):
  P_T = E_L[S(max(a+L, s)) - S(max(a12, s))]+ / E_L[S(max(a+L, s))],   S(t) = exp(-h (t - s))
and a loan whose own start is uniform on [w0, w1) with probability q, not started by a:
  P_i = q |[max(a, w0), min(a12 - 90, w1))| / (w1 - w0) / (1 - q |[w0, min(a, w1))| / (w1 - w0)).
Loans not yet applied for at a arrive at the enterprise's application rate lam (a Poisson
process, loans.py) with the enterprise's mean own-default probability q_e; one applied on day u
(own delinquency from u + 35 days, uniform over a window of W days) defaults in the window with
probability q_e clip((a12 - 125 - u) / W, 0, 1), so
  P_future = 1 - exp(-lam q_e ∫_a^a12 clip((a12 - 125 - u) / W, 0, 1) du).
true_pd_12m = 1 - (1 - P_T) (1 - P_future) prod_i (1 - P_i), and 1 once deterioration has begun.
(W is the mean own-default window of the generated loans: the one approximation.)
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .calendar import to_days
from .config import GeneratorConfig
from .enterprises import Enterprises, enterprise_ids
from .loans import loan_window
from .rng import stream
from .schema import DEFAULT_EVENTS
from .strings import take_strings

STREAM_DEFAULTS = 6
DAYS_PER_YEAR = 365.25
DISTRESS_TYPES = ("bankruptcy", "restructuring", "write_off", "other")
DISTRESS_TYPE_SHARES = (0.45, 0.30, 0.10, 0.15)
SOURCE_BY_TYPE = {"dpd90": "core_banking", "bankruptcy": "court_register", "restructuring": "credit_committee",
                  "write_off": "credit_committee", "other": "relationship_manager"}
EVENT_MISSING_SHARE = 0.03  # defaults the bank flagged (has_defaulted) but never dated
GAUSS_NODES = 16



def month_start(day: np.ndarray) -> np.ndarray:
    """Epoch day of the first of the month of each epoch day."""
    return np.asarray(day, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def obligor_default_day(ent: Enterprises, loans: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """(D, through_loan): the obligor default day per enterprise and whether a loan's 90 DPD set it."""
    t_day = np.floor(ent.default_time)
    own = loans.column("idiosyncratic_start")
    valid = np.asarray(own.is_valid())
    idx = _enterprise_index(loans)[valid]
    d_own = month_start(np.asarray(own.drop_null().cast(pa.int32())).astype(np.int64) + 90).astype(np.float64)
    first_own = np.full(ent.n, np.inf)
    np.minimum.at(first_own, idx, d_own)
    return np.minimum(t_day, first_own), first_own < t_day


def default_events(ent: Enterprises, cfg: GeneratorConfig, seed: int, d_day: np.ndarray,
                   through_loan: np.ndarray) -> pa.Table:
    """The bank's dated defaults: its borrowers (credit record) defaulted by the end date."""
    rng = stream(seed, STREAM_DEFAULTS)
    observed = ent.has_record & (d_day <= to_days(cfg.end_date))
    kind = np.searchsorted(np.cumsum(DISTRESS_TYPE_SHARES)[:-1], rng.random(ent.n), side="right")
    missing = rng.random(ent.n) < EVENT_MISSING_SHARE
    keep = np.flatnonzero(observed & ~missing)
    types = ["dpd90", *DISTRESS_TYPES]
    code = np.where(through_loan, 0, kind + 1)[keep]
    type_arr = take_strings(types, code)
    return pa.table({
        "enterprise_id": enterprise_ids(keep),
        "default_date": pa.array(d_day[keep].astype(np.int64).astype("datetime64[D]")),
        "default_type": type_arr,
        "source": take_strings([SOURCE_BY_TYPE[t] for t in types], code),
    }, schema=DEFAULT_EVENTS)


def enterprise_months(ent: Enterprises, cfg: GeneratorConfig, loans: pa.Table, d_day: np.ndarray,
                      application_rate_scale: float = 0.0) -> pa.Table:
    """Oracle: every enterprise at every month start of the data span, with true_pd_12m."""
    start = np.datetime64(cfg.start_date, "M") + np.timedelta64(1, "M")
    months = np.arange(start, np.datetime64(cfg.end_date, "M") + np.timedelta64(2, "M"))
    a = months.astype("datetime64[D]").astype(np.int64).astype(np.float64)
    a12 = (months + np.timedelta64(12, "M")).astype("datetime64[D]").astype(np.int64).astype(np.float64)
    p_t, fade_begun = _distress_probability(ent, cfg, a, a12)
    p_own_free, own_started = _loan_probability(ent, loans, a, a12)
    p_future = _future_loan_probability(ent, cfg, loans, a, a12, application_rate_scale)
    in_default = d_day[:, None] < a[None, :]
    begun = fade_begun | own_started
    pd12 = np.where(begun, 1.0, 1.0 - (1.0 - p_t) * (1.0 - p_future) * p_own_free)
    n, m = in_default.shape
    return pa.table({
        "enterprise_id": enterprise_ids(np.repeat(np.arange(n), m)),
        "as_of_date": pa.array(np.tile(a.astype(np.int64), n).astype("datetime64[D]")),
        "in_default": pa.array(in_default.ravel()),
        "deterioration_begun": pa.array((begun & ~in_default).ravel()),
        "true_pd_12m": pa.array(pd12.ravel(), mask=in_default.ravel()),
        "hazard_per_year": pa.array(np.repeat(ent.hazard, m)),
        "has_credit_record": pa.array(np.repeat(ent.has_record, m)),
    })


def _distress_probability(ent: Enterprises, cfg: GeneratorConfig, a: np.ndarray, a12: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P_T per enterprise × month (Gauss–Legendre over the lead L), and whether the fade has begun."""
    im = cfg.invoice_model
    lo, hi = im.lead_months_min * 30.44, im.lead_months_max * 30.44
    x, w = np.polynomial.legendre.leggauss(GAUSS_NODES)
    lead = lo + (hi - lo) * (x + 1.0) / 2.0
    weight = w / 2.0
    h = ent.hazard[:, None, None] / DAYS_PER_YEAR
    s = ent.horizon_start.astype(np.float64)[:, None, None]

    def survival(t: np.ndarray) -> np.ndarray:
        return np.exp(-h * (np.maximum(t, s) - s))

    after_lead = survival(a[None, :, None] + lead[None, None, :])
    at_end = survival(a12[None, :, None])
    num = (np.clip(after_lead - at_end, 0.0, None) * weight).sum(axis=2)
    den = (after_lead * weight).sum(axis=2)
    p_t = np.where(den > 0, num / np.maximum(den, 1e-300), 1.0)
    began = ent.defaulted[:, None] & (ent.default_time[:, None] - ent.params["lead_days"][:, None] <= a[None, :])
    return p_t, began


def _loan_probability(ent: Enterprises, loans: pa.Table, a: np.ndarray, a12: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """prod_i (1 - P_i) over the loans applied for before each month, and whether one's delinquency began."""
    n, m = ent.n, a.size
    survive = np.ones((n, m))
    started = np.zeros((n, m), dtype=bool)
    if loans.num_rows == 0:
        return survive, started
    day = lambda c: np.asarray(loans.column(c).cast(pa.int32()).fill_null(0)).astype(np.float64)  # noqa: E731
    e = _enterprise_index(loans)
    app, w0, w1 = day("application_date"), day("idiosyncratic_window_start"), day("idiosyncratic_window_end")
    q = np.asarray(loans.column("p_idiosyncratic"))
    own = np.asarray(loans.column("idiosyncratic_start").is_valid())
    own_start = day("idiosyncratic_start")
    for j in range(m):  # one vectorised pass over all loans per month (72 months)
        known = app < a[j]
        span = np.maximum(w1 - w0, 1.0)
        before = np.clip(np.minimum(a[j], w1) - w0, 0.0, None) / span
        ahead = np.clip(np.minimum(a12[j] - 90.0, w1) - np.maximum(a[j], w0), 0.0, None) / span
        began = known & own & (own_start < a[j])
        p_i = np.where(known & ~began, q * ahead / np.maximum(1.0 - q * before, 1e-12), 0.0)
        np.multiply.at(survive[:, j], e, 1.0 - p_i)
        np.logical_or.at(started[:, j], e, began)
    return survive, started


def _future_loan_probability(ent: Enterprises, cfg: GeneratorConfig, loans: pa.Table, a: np.ndarray,
                             a12: np.ndarray, rate_scale: float) -> np.ndarray:
    """P_future per enterprise × month: own defaults of loans applied for in [a, a12)."""
    if loans.num_rows == 0 or rate_scale <= 0:
        return np.zeros((ent.n, a.size))
    first, last = loan_window(ent, cfg)
    lam = rate_scale * np.exp(0.4 * ent.strength + 0.3 * ent.eta) * ent.has_record  # applications per day
    e = _enterprise_index(loans)
    q = np.asarray(loans.column("p_idiosyncratic"))
    n_loans = np.bincount(e, minlength=ent.n)
    q_e = np.where(n_loans > 0, np.bincount(e, weights=q, minlength=ent.n) / np.maximum(n_loans, 1), q.mean())
    day = lambda c: np.asarray(loans.column(c).cast(pa.int32())).astype(np.float64)  # noqa: E731
    window = float(np.mean(day("idiosyncratic_window_end") - day("idiosyncratic_window_start")))
    c = a12[None, :] - 125.0  # the last application day whose own default can still fall in the window
    u0 = np.clip(a[None, :], first[:, None], last[:, None])
    u1 = np.clip(a12[None, :], first[:, None], last[:, None])

    def antiderivative(u):  # of clip((c - u) / window, 0, 1), zero at u = c - window
        x = u - (c - window)
        return np.where(x <= 0, x, np.where(x < window, x - x * x / (2 * window), window / 2))

    exposure = antiderivative(u1) - antiderivative(u0)
    return 1.0 - np.exp(-(lam * q_e)[:, None] * exposure)


def _enterprise_index(loans: pa.Table) -> np.ndarray:
    """0-based enterprise index from the 'E<n>' ids."""
    ids = loans.column("enterprise_id").combine_chunks()
    return np.asarray(pc.cast(pc.utf8_slice_codeunits(ids, 1), pa.int64())) - 1
