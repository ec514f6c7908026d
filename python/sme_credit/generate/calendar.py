"""Business calendar of the invoice period: day weights, months, VAT periods, epidemic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

EPOCH = date(1970, 1, 1)

# Chinese New Year's day; activity nearly stops for about a week before and two after.
CHINESE_NEW_YEAR = {
    2015: date(2015, 2, 19), 2016: date(2016, 2, 8), 2017: date(2017, 1, 28), 2018: date(2018, 2, 16),
    2019: date(2019, 2, 5), 2020: date(2020, 1, 25), 2021: date(2021, 2, 12), 2022: date(2022, 2, 1),
}
# Year-end peak and spring recovery (calendar month 1..12); CNY and holidays come from day weights.
MONTH_SHAPE = np.array([1.12, 1.05, 0.90, 0.92, 0.95, 0.96, 0.98, 1.00, 1.05, 1.05, 1.10, 1.30])
# Epidemic hit by month (fraction of activity lost at sensitivity 1).
EPIDEMIC_HIT = {
    (2020, 1): 0.15, (2020, 2): 0.75, (2020, 3): 0.45, (2020, 4): 0.25, (2020, 5): 0.15,
    **{(2020, m): 0.08 for m in range(6, 13)}, **{(2021, m): 0.04 for m in range(1, 13)},
}
EPIDEMIC_START = date(2020, 1, 23)  # Wuhan lockdown
# VAT rate periods: 17/11% until 2018-04-30, 16/10% until 2019-03-31, 13/9% after;
# small-scale taxpayers 3%, reduced to 1% from 2020-03-01 (epidemic relief, through 2021).
VAT_PERIOD_STARTS = (date(2018, 5, 1), date(2019, 4, 1), date(2020, 3, 1))
VAT_CLASSES = ("exempt", "small", "goods", "basic", "service")
VAT_RATES = np.array([  # class x period, per cent
    [0, 0, 0, 0],
    [3, 3, 3, 1],
    [17, 16, 13, 13],
    [11, 10, 9, 9],
    [6, 6, 6, 6],
], dtype=np.int64)


DAY_TABLE_SIZE = 4096


def to_days(d: date) -> int:
    """Days since 1970-01-01 (Arrow date32)."""
    return (d - EPOCH).days


@dataclass(frozen=True)
class Calendar:
    """Daily weights and month boundaries between start and end (inclusive)."""

    day0: int  # epoch day of the first day
    n_days: int
    cum_weight: np.ndarray  # len n_days + 1, cumulative day weights
    month_first: np.ndarray  # index (from day0) of each month's first day, len n_months + 1
    month_year: np.ndarray
    month_num: np.ndarray  # 1..12
    month_factor: np.ndarray  # seasonality of invoice counts per month (mean 1)
    month_time: np.ndarray  # years from 2019-01-01 at mid-month (trend)
    epidemic_hit: np.ndarray  # per month
    day_year: np.ndarray  # calendar year of each day
    day_table: np.ndarray  # (months, DAY_TABLE_SIZE) inverse CDF of the day within each month

    @property
    def n_months(self) -> int:
        return len(self.month_year)

    def month_of_day(self, day_idx: np.ndarray) -> np.ndarray:
        """Month index of day indices (from day0)."""
        return np.searchsorted(self.month_first, day_idx, side="right") - 1

    def sample_days(self, month: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Day index within each given month, drawn with the day weights.

        A tabulated inverse CDF (a gather, not a search): quantiles at 1/4096 resolution.
        """
        return self.day_table[month, (u * DAY_TABLE_SIZE).astype(np.int64)]

    def vat_period(self, day_idx: np.ndarray) -> np.ndarray:
        """VAT period 0..3 of day indices."""
        starts = np.array([to_days(d) - self.day0 for d in VAT_PERIOD_STARTS])
        return np.searchsorted(starts, day_idx, side="right")


def build_calendar(start: date, end: date) -> Calendar:
    """Weekdays 1, Saturday 0.35, Sunday 0.2, CNY window 0.15, National Day week 0.3."""
    day0, day1 = to_days(start), to_days(end)
    days = np.arange(day0, day1 + 1)
    dt = days.astype("datetime64[D]")
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    weight = np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.35, 0.2))
    for cny in CHINESE_NEW_YEAR.values():
        c = to_days(cny)
        weight[(days >= c - 7) & (days <= c + 10)] *= 0.15
        weight[(days > c + 10) & (days <= c + 17)] *= 0.7
    years = dt.astype("datetime64[Y]").astype(int) + 1970
    months = dt.astype("datetime64[M]").astype(int) % 12 + 1
    day_of_month = (dt - dt.astype("datetime64[M]")).astype(int) + 1
    october_holiday = (months == 10) & (day_of_month <= 7)
    weight[october_holiday] *= 0.3
    month_key = dt.astype("datetime64[M]").astype(int)
    first = np.flatnonzero(np.r_[True, month_key[1:] != month_key[:-1]])
    month_first = np.r_[first, len(days)]
    month_year = years[first]
    month_num = months[first]
    cum = np.r_[0.0, np.cumsum(weight)]
    month_weight = np.diff(cum[month_first]) / np.diff(month_first) * 30.4  # full-month equivalent
    factor = MONTH_SHAPE[month_num - 1] * month_weight
    factor = factor / factor.mean()
    mid = (days[first] + np.diff(month_first) / 2.0 - to_days(date(2019, 1, 1))) / 365.25
    hit = np.array([EPIDEMIC_HIT.get((int(y), int(m)), 0.0) for y, m in zip(month_year, month_num)])
    # Inverse CDF per month at bucket mid-points.
    lo, hi = cum[month_first[:-1]], cum[month_first[1:]]
    probe = lo[:, None] + (np.arange(DAY_TABLE_SIZE) + 0.5)[None, :] / DAY_TABLE_SIZE * (hi - lo)[:, None]
    table = np.searchsorted(cum, probe, side="right") - 1
    table = np.clip(table, month_first[:-1, None], month_first[1:, None] - 1).astype(np.int32)
    return Calendar(day0, len(days), cum, month_first, month_year, month_num, factor, mid, hit, years, table)
