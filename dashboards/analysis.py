"""Statistics behind the trend, vocabulary and data-health views. Plain functions of DataFrames.

- bootstrap intervals of a period's mean stance (percentile, fixed seed, so a page is reproducible);
- change points in a series (ruptures, PELT with an L2 cost on the standardised series, penalty 2·ln n);
- distinctive words (weighted log-odds ratio with an informative Dirichlet prior, Monroe, Colaresi &
  Quinn 2008, "Fightin' Words", Political Analysis 16(4));
- unusual volumes (robust z-score: (x − median) / (1.4826 · MAD)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BOOTSTRAP_RESAMPLES = 400
BOOTSTRAP_MAX_N = 2_000  # above this the t-interval and the bootstrap agree to the third decimal
SEED = 20260611


def bootstrap_series(stances: pd.DataFrame, grain: str = "W") -> pd.DataFrame:
    """Per direction and period: n, mean stance and a 95% percentile-bootstrap interval.

    `stances` has direction, day, stance (one row per article). Periods with more than BOOTSTRAP_MAX_N
    articles get the normal-theory interval instead (method column says which).
    """
    columns = ["direction", "period", "articles", "mean_stance", "ci_low", "ci_high", "method"]
    if stances.empty:
        return pd.DataFrame(columns=columns)
    rng = np.random.default_rng(SEED)
    frame = stances.assign(period=stances["day"].dt.to_period(grain).dt.start_time)
    rows = []
    for (direction, period), group in frame.groupby(["direction", "period"], sort=True):
        values = group["stance"].to_numpy(dtype=float)
        n = len(values)
        mean = float(values.mean())
        if n < 2:
            low = high = np.nan
            method = "n < 2"
        elif n <= BOOTSTRAP_MAX_N:
            means = values[rng.integers(0, n, size=(BOOTSTRAP_RESAMPLES, n))].mean(axis=1)
            low, high = np.percentile(means, [2.5, 97.5])
            method = f"bootstrap ({BOOTSTRAP_RESAMPLES} resamples)"
        else:
            half = 1.96 * values.std(ddof=1) / np.sqrt(n)
            low, high = mean - half, mean + half
            method = "normal (n > 2000)"
        rows.append((direction, period, n, mean, low, high, method))
    return pd.DataFrame(rows, columns=columns)


def rolling_mean(series: pd.DataFrame, value: str, window: int, weight: str = "articles") -> pd.Series:
    """Article-weighted rolling mean of `value` over `window` periods, per direction (trailing)."""
    def one(group: pd.DataFrame) -> pd.Series:
        w = group[weight].astype(float)
        num = (group[value].astype(float) * w).rolling(window, min_periods=1).sum()
        den = w.rolling(window, min_periods=1).sum()
        return num / den

    return series.groupby("direction", group_keys=False)[[value, weight]].apply(one)


def change_points(values: np.ndarray, min_size: int = 3, penalty: float | None = None) -> list[int]:
    """Indices where a new segment starts (PELT, L2 cost on the standardised series, penalty 2·ln n). Empty for short or flat series."""
    import ruptures

    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)] if np.isnan(values).any() else values
    n = len(values)
    if n < 2 * min_size or np.nanstd(values) == 0:
        return []
    signal = ((values - values.mean()) / values.std()).reshape(-1, 1)
    pen = penalty if penalty is not None else 2.0 * np.log(n)
    breaks = ruptures.Pelt(model="l2", min_size=min_size, jump=1).fit(signal).predict(pen=pen)
    return [b for b in breaks if b < n]


def series_change_points(series: pd.DataFrame, value: str, keys: list[str], min_size: int = 3) -> pd.DataFrame:
    """Change points of `value` over `period` within each group of `keys`; before/after segment means."""
    rows = []
    for key, group in series.sort_values("period").groupby(keys, sort=True):
        group = group.dropna(subset=[value])
        values = group[value].to_numpy(dtype=float)
        periods = list(group["period"])
        bounds = [0, *change_points(values, min_size=min_size), len(values)]
        for i in range(1, len(bounds) - 1):
            start, cut, end = bounds[i - 1], bounds[i], bounds[i + 1]
            record = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
            record.update(
                period=periods[cut],
                segment_end=periods[end - 1],
                before=float(values[start:cut].mean()),
                after=float(values[cut:end].mean()),
            )
            rows.append(record)
    return pd.DataFrame(rows, columns=[*keys, "period", "segment_end", "before", "after"])


def weighted_log_odds(counts: pd.DataFrame, group_a: str, group_b: str, prior_scale: float = 1.0) -> pd.DataFrame:
    """Monroe et al. (2008) log-odds of each word in group_a vs group_b, with an informative Dirichlet prior.

    counts: grp, word, n. The prior is the pooled word distribution of both groups times
    `prior_scale` × the pooled vocabulary size (α_w = α0 · p_w). Returns word, n_a, n_b, delta, z
    (z > 0: distinctive of group_a), sorted by z.
    """
    wide = counts.pivot_table(index="word", columns="grp", values="n", aggfunc="sum", fill_value=0)
    for g in (group_a, group_b):
        if g not in wide:
            wide[g] = 0
    y_a = wide[group_a].to_numpy(dtype=float)
    y_b = wide[group_b].to_numpy(dtype=float)
    pooled = y_a + y_b
    if pooled.sum() == 0:
        return pd.DataFrame(columns=["word", "n_a", "n_b", "delta", "z"])
    alpha0 = prior_scale * len(pooled)
    alpha = alpha0 * pooled / pooled.sum()
    n_a, n_b = y_a.sum(), y_b.sum()
    log_odds_a = np.log((y_a + alpha) / (n_a + alpha0 - y_a - alpha))
    log_odds_b = np.log((y_b + alpha) / (n_b + alpha0 - y_b - alpha))
    delta = log_odds_a - log_odds_b
    variance = 1.0 / (y_a + alpha) + 1.0 / (y_b + alpha)
    result = pd.DataFrame(
        {"word": wide.index, "n_a": y_a.astype(int), "n_b": y_b.astype(int), "delta": delta,
         "z": delta / np.sqrt(variance)}
    )
    return result.sort_values("z", ascending=False, ignore_index=True)


def robust_z(values: pd.Series) -> pd.Series:
    """(x − median) / (1.4826 · MAD); NaN when the MAD is zero (no spread to compare against)."""
    median = values.median()
    mad = (values - median).abs().median() * 1.4826
    if not mad or np.isnan(mad):
        return pd.Series(np.nan, index=values.index)
    return (values - median) / mad


def unusual_volumes(weekly: pd.DataFrame, threshold: float = 3.5, min_weeks: int = 6) -> pd.DataFrame:
    """Per outlet: its latest week's articles against its earlier weeks (robust z); flagged when |z| ≥ threshold."""
    rows = []
    for source, group in weekly.sort_values("week").groupby("source_key"):
        # Weeks with no articles count as zero between the outlet's first and last week.
        full = group.set_index("week")["articles"].asfreq("W-MON", fill_value=0) if len(group) > 1 else group.set_index("week")["articles"]
        history, latest = full.iloc[:-1], full.iloc[-1]
        if len(history) < min_weeks:
            rows.append((source, full.index[-1], int(latest), float(history.median()) if len(history) else np.nan,
                         np.nan, "too little history"))
            continue
        median = history.median()
        mad = (history - median).abs().median() * 1.4826
        z = np.nan if mad == 0 else (latest - median) / mad
        if np.isnan(z):
            status = "no spread" if latest == median else ("high" if latest > median else "low")
        else:
            status = "high" if z >= threshold else "low" if z <= -threshold else "usual"
        rows.append((source, full.index[-1], int(latest), float(median), z, status))
    return pd.DataFrame(rows, columns=["source_key", "latest_week", "articles", "median_before", "robust_z", "status"])


# Function words of both languages (and the words that name the two countries, which every article has).
STOPWORDS = tuple(sorted(set("""
the and for that with from this have has had was were are been will would could should their they them his her
its our you your not but who what when where which while about after before into over under than then there these
those also more most some such only other said says say one two three new can may just very all any each many much
out off per via year years week weeks day days time mr ms mrs
los las del por con para una uno unos unas que como más pero sus fue han sido ser son está están este esta estos
estas ese esa eso esos esas entre sobre sin hasta desde donde cuando muy también porque cual cuales quien quienes
dijo dice según hay fueron será sería tiene tienen había año años día días otro otra otros otras todo toda todos
todas ante tras cada mismo misma lo le les se su al el la en es ya yo tu nos
""".split())))


def complete_frame_series(frames: pd.DataFrame, periods: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add the periods in which a direction had articles but none led with a frame (share 0)."""
    if frames.empty:
        return frames
    frames = frames.copy()
    frames["period"] = pd.to_datetime(frames["period"])
    totals = frames.groupby(["direction", "period"], as_index=False)["period_articles"].first()
    filled = []
    for direction, group in frames.groupby("direction"):
        own_totals = totals[totals["direction"] == direction]
        grid = pd.MultiIndex.from_product([own_totals["period"], group["frame"].unique()], names=["period", "frame"])
        wide = group.set_index(["period", "frame"]).reindex(grid).reset_index()
        wide["direction"] = direction
        wide = wide.drop(columns="period_articles").merge(own_totals[["period", "period_articles"]], on="period")
        wide["articles"] = wide["articles"].fillna(0).astype(int)
        wide["share"] = wide["share"].fillna(0.0)
        filled.append(wide)
    return pd.concat(filled, ignore_index=True)[["direction", "period", "frame", "articles", "share", "period_articles"]]
