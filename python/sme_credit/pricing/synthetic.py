"""A reproducible synthetic enterprise frame for examples, tests and docs (not real data)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .parameters import seeds_dir

_FALLBACK_INDUSTRIES = [
    "construction", "manufacturing", "technology", "trade", "transport_logistics", "catering",
    "tourism_hospitality", "medical_pharma", "online_services", "culture_media", "business_services",
    "property_services", "agriculture", "energy_environment", "sole_proprietor", "unknown",
]


def synthetic_enterprises(n: int = 300, seed: int = 0, rated_share: float = 0.4) -> pd.DataFrame:
    """``n`` enterprises shaped like the CUMCM 2020 C sample, in the pricing input format.

    PD = logistic(−3.4 + 1.2·z), z ~ N(0, 1) (median ≈ 3%); a ``rated_share`` of them carry a bank
    rating A–D that agrees with PD up to noise (CUMCM att1 has A 22%, B 31%, C 28%, D 20%);
    annual sales log-normal with median 3 million yuan (10% unknown); 20% carry an LGD from a
    guarantee method, the rest use the default; ``grade`` is a placeholder master-scale label.
    """
    rng = np.random.default_rng(seed)
    path = seeds_dir() / "industries.csv"
    industries = pd.read_csv(path)["industry"].tolist() if path.exists() else _FALLBACK_INDUSTRIES
    z = rng.standard_normal(n)
    pd_ = 1.0 / (1.0 + np.exp(-(-3.4 + 1.2 * z)))
    noisy = z + 0.5 * rng.standard_normal(n)
    # cut points at the CUMCM rating shares (22/31/28/20%) of the noisy score
    rating = np.array(["A", "B", "C", "D"], dtype=object)[np.digitize(noisy, np.quantile(noisy, [0.22, 0.53, 0.81]))]
    rated = rng.random(n) < rated_share
    sales = np.exp(np.log(3e6) + 1.2 * rng.standard_normal(n))
    sales[rng.random(n) < 0.10] = np.nan
    lgd = rng.choice([0.45, 0.35, 0.30, 0.25], size=n)
    lgd[rng.random(n) >= 0.20] = np.nan
    bucket = np.clip(np.floor(np.log(pd_ / 0.0003) / np.log(2.0)).astype(int) + 1, 1, 12)
    return pd.DataFrame(
        {
            "enterprise_id": [f"S{i + 1:04d}" for i in range(n)],
            "pd": pd_,
            "grade": [f"G{b:02d}" for b in bucket],
            "credit_rating": np.where(rated, rating, None),
            "industry": rng.choice(industries, size=n),
            "annual_sales": sales,
            "lgd": lgd,
        }
    )
