"""What the dashboard shows, read from the published snapshot. Plain Python: no Streamlit here.

Every function opens the snapshot read-only for one query and closes it again (see
`espejo.warehouse.db.open_snapshot`): a long-lived connection would pin an old snapshot, and the
working warehouse file cannot be opened while a run writes it. Figures are derived only from the
aggregate tables and named queries in `warehouse/sql/read.sql`, so each one traces back to them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from espejo.warehouse import queries
from espejo.warehouse.db import open_snapshot, snapshot_path


@dataclass(frozen=True)
class Direction:
    key: str  # as stored in the warehouse
    title: str  # how the dashboard names it
    source_country: str
    target_country: str


US_ON_MEXICO = Direction("us->mx", "U.S. media on Mexico", "US", "MX")
MEXICO_ON_US = Direction("mx->us", "Mexican media on the U.S.", "MX", "US")
DIRECTIONS: tuple[Direction, ...] = (US_ON_MEXICO, MEXICO_ON_US)

EVIDENCE_ROWS = 200


class SnapshotMissing(RuntimeError):
    """Nothing has been published yet: run `espejo run` or `espejo demo` first."""


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    started_at: pd.Timestamp
    finished_at: pd.Timestamp | None
    status: str
    model_version: str | None


@dataclass(frozen=True)
class DirectionSummary:
    """Headline figures for one direction, pooled from its monthly aggregates."""

    direction: str
    articles: int
    mentions: int
    mean_stance: float | None
    stance_sd: float | None
    ci_low: float | None  # 95% interval of the mean stance
    ci_high: float | None
    share_negative: float | None
    first_month: pd.Timestamp | None
    last_month: pd.Timestamp | None


def snapshot_stamp(data_dir: Path) -> int | None:
    """When the snapshot was last published (ns), or None; a new value means new data."""
    try:
        return snapshot_path(data_dir).stat().st_mtime_ns
    except FileNotFoundError:
        return None


def _read(data_dir: Path, name: str, params: list | None = None) -> pd.DataFrame:
    with open_snapshot(data_dir) as con:
        if con is None:
            raise SnapshotMissing(str(snapshot_path(data_dir)))
        return queries.read(con, name, params)


def model_versions(data_dir: Path) -> list[str]:
    """Model versions with analysed articles, the most recently used first."""
    return [str(v) for v in _read(data_dir, "model_versions")["model_version"]]


def latest_run(data_dir: Path) -> RunInfo | None:
    runs = _read(data_dir, "runs")
    if runs.empty:
        return None
    row = runs.iloc[0]
    return RunInfo(
        run_id=str(row["run_id"]),
        started_at=row["started_at"],
        finished_at=None if pd.isna(row["finished_at"]) else row["finished_at"],
        status=str(row["status"]),
        model_version=None if pd.isna(row["model_version"]) else str(row["model_version"]),
    )


def monthly_series(data_dir: Path, model_version: str) -> pd.DataFrame:
    """One row per direction and month, with a 95% interval around the mean stance."""
    monthly = _read(data_dir, "monthly_series", [model_version])
    return with_stance_interval(monthly)


def with_stance_interval(monthly: pd.DataFrame) -> pd.DataFrame:
    """Add ci_low/ci_high: mean ± t(0.975, n−1)·sd/√n, within [−1, 1]; missing for one-article months."""
    monthly = monthly.copy()
    monthly["month"] = pd.to_datetime(monthly["month"])
    half_widths = [
        _half_width(sd, int(n)) for sd, n in zip(monthly["stance_sd"], monthly["articles"], strict=True)
    ]
    intervals = [_interval(m, h) for m, h in zip(monthly["mean_stance"], half_widths, strict=True)]
    monthly["ci_low"] = pd.Series([low for low, _ in intervals], index=monthly.index, dtype="float64")
    monthly["ci_high"] = pd.Series([high for _, high in intervals], index=monthly.index, dtype="float64")
    return monthly


def summarize_direction(monthly: pd.DataFrame, direction: str) -> DirectionSummary:
    """Pool a direction's months into overall figures.

    The monthly rows keep n, mean and sample SD of article stance, which is enough to recover the
    overall mean and SD exactly (between- plus within-month sums of squares), so the headline agrees
    with the chart underneath it without a second query.
    """
    rows = monthly[monthly["direction"] == direction]
    articles = int(rows["articles"].sum())
    mentions = int(rows["mentions"].sum())
    if articles == 0:
        return DirectionSummary(direction, 0, mentions, None, None, None, None, None, None, None)
    n = rows["articles"].astype(float)
    means = rows["mean_stance"].astype(float)
    mean = float((n * means).sum() / articles)
    # A one-article month has no sample SD; it adds nothing within the month.
    within = ((n - 1) * rows["stance_sd"].astype(float).fillna(0.0) ** 2).sum()
    between = (n * (means - mean) ** 2).sum()
    sd = math.sqrt((within + between) / (articles - 1)) if articles > 1 else None
    ci_low, ci_high = _interval(mean, _half_width(sd, articles))
    share_negative = (
        float((rows["share_negative"].astype(float) * rows["mentions"]).sum() / mentions) if mentions else None
    )
    months = pd.to_datetime(rows["month"])
    return DirectionSummary(
        direction=direction,
        articles=articles,
        mentions=mentions,
        mean_stance=mean,
        stance_sd=sd,
        ci_low=ci_low,
        ci_high=ci_high,
        share_negative=share_negative,
        first_month=months.min(),
        last_month=months.max(),
    )


def frame_shares(data_dir: Path, model_version: str) -> pd.DataFrame:
    """Per direction and frame: articles using it and their share of the direction's scored articles."""
    frames = _read(data_dir, "frame_shares", [model_version])
    frames["share"] = pd.to_numeric(frames["share"])
    return frames


def evidence(data_dir: Path, model_version: str, direction: str, limit: int = EVIDENCE_ROWS) -> pd.DataFrame:
    """The newest articles of a direction with the sentence behind their strongest-scored mention."""
    return _read(data_dir, "evidence", [model_version, model_version, direction, limit])


def _interval(mean: float, half_width: float | None) -> tuple[float | None, float | None]:
    """mean ± half width, cut to [−1, 1]: stance cannot leave that range, so neither can its mean."""
    if half_width is None:
        return None, None
    return max(mean - half_width, -1.0), min(mean + half_width, 1.0)


def _half_width(sd: float | None, n: int) -> float | None:
    if n < 2 or sd is None or pd.isna(sd):
        return None
    return _t_975(n - 1) * float(sd) / math.sqrt(n)


# Student's t, 97.5th percentile, for 1–30 degrees of freedom (standard tables); months often
# hold only a handful of articles, where the normal 1.96 would make the band far too narrow.
_T_975_TABLE = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)


def _t_975(df: int) -> float:
    if df <= len(_T_975_TABLE):
        return _T_975_TABLE[df - 1]
    # Cornish–Fisher expansion around the normal quantile: within 0.001 of the exact value for df > 30.
    z = 1.959964
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )
