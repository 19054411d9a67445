"""What the dashboard shows, read from the published snapshot. Plain Python: no Streamlit here.

Every function reads the published snapshot through `espejo.warehouse.dashboard_queries` (a cursor of its
own on a read-only connection that is kept open for as long as that snapshot is the published one: a newly
published file gets a new connection, so an old snapshot is never read; opening the file for each query
cost 50–200 ms). The working warehouse file is never opened: it cannot be while a run writes it. Figures
are derived only from the aggregate tables and named queries in `warehouse/sql/read.sql` and
`warehouse/sql/dashboard.sql`, so each one traces back to them; this module names the query and shapes
what it returns, and holds no SQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from espejo.dashboards.filters import Filters, Topic
from espejo.warehouse import dashboard_queries
from espejo.warehouse.db import snapshot_path


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


def model_versions(data_dir: Path) -> list[str]:
    """Model versions with analysed articles, the most recently used first."""
    return [str(v) for v in dashboard_queries.read(data_dir, "model_versions")["model_version"]]


def latest_run(data_dir: Path) -> RunInfo | None:
    runs = dashboard_queries.read(data_dir, "runs")
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
    monthly = dashboard_queries.read(data_dir, "monthly_series", [model_version])
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
    frames = dashboard_queries.read(data_dir, "frame_shares", [model_version])
    frames["share"] = pd.to_numeric(frames["share"])
    return frames


def evidence(data_dir: Path, model_version: str, direction: str, limit: int = EVIDENCE_ROWS) -> pd.DataFrame:
    """The newest articles of a direction with the sentence behind their strongest-scored mention."""
    return dashboard_queries.read(data_dir, "evidence", [model_version, model_version, direction, limit])


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


# --- the filtered pages (warehouse/sql/dashboard.sql) ----------------------------------------------

class DashboardTablesMissing(RuntimeError):
    """The snapshot predates migration 002: the next run (or `rebuild_aggregates`) builds the tables."""


def read_filtered(data_dir: Path, name: str, filters: Filters, *, order: str | None = None,
                  **params) -> pd.DataFrame:
    return dashboard_queries.read_filtered(data_dir, name, filters.params(), order=order, **params)


def has_dashboard_tables(data_dir: Path) -> bool:
    return int(dashboard_queries.read_plain(data_dir, "has_dashboard_tables").iloc[0, 0]) == 8


@dataclass(frozen=True)
class FilterOptions:
    first_day: date | None
    last_day: date | None
    outlets: pd.DataFrame  # source_key, name, country, language
    languages: list[str]
    frames: list[str]


def filter_options(data_dir: Path, model_version: str) -> FilterOptions:
    with dashboard_queries.reader(data_dir) as r:
        bounds = r.plain("date_bounds", model_version=model_version).iloc[0]
        first, last = bounds["first_day"], bounds["last_day"]
        return FilterOptions(
            first_day=None if pd.isna(first) else pd.Timestamp(first).date(),
            last_day=None if pd.isna(last) else pd.Timestamp(last).date(),
            outlets=r.plain("outlet_options"),
            languages=[str(v) for v in r.plain("language_options", model_version=model_version)["language"]],
            frames=[str(v) for v in r.plain("frame_options", model_version=model_version)["frame"]],
        )


def direction_summaries(data_dir: Path, filters: Filters) -> dict[str, DirectionSummary]:
    """Headline figures per direction (always both keys; zero articles when none match)."""
    rows = read_filtered(data_dir, "direction_summary", filters).set_index("direction")
    found = {}
    for direction in (d.key for d in DIRECTIONS):
        if direction not in rows.index or int(rows.loc[direction, "articles"]) == 0:
            found[direction] = DirectionSummary(direction, 0, 0, None, None, None, None, None, None, None)
            continue
        row = rows.loc[direction]
        n = int(row["articles"])
        sd = None if pd.isna(row["stance_sd"]) else float(row["stance_sd"])
        mean = float(row["mean_stance"])
        low, high = _interval(mean, _half_width(sd, n))
        found[direction] = DirectionSummary(
            direction=direction,
            articles=n,
            mentions=int(row["mentions"]),
            mean_stance=mean,
            stance_sd=sd,
            ci_low=low,
            ci_high=high,
            share_negative=None if pd.isna(row["share_negative"]) else float(row["share_negative"]),
            first_month=pd.Timestamp(row["first_day"]),
            last_month=pd.Timestamp(row["last_day"]),
        )
    return found


def period_series(data_dir: Path, filters: Filters, grain: str = "month") -> pd.DataFrame:
    """Per direction and period (day, week or month), with a t-interval around the mean stance."""
    if grain not in ("day", "week", "month"):
        raise ValueError(grain)
    series = read_filtered(data_dir, "period_series", filters, grain=grain)
    series = series.rename(columns={"period": "month"})
    series = with_stance_interval(series).rename(columns={"month": "period"})
    return series


def article_stances(data_dir: Path, filters: Filters, max_rows: int = 200_000) -> pd.DataFrame:
    with dashboard_queries.reader(data_dir) as r:
        stances = r.filtered("article_stances_bounded", filters.params(), max_rows=max_rows)
        if not stances["complete"].all():  # too few rows under the bound (practically never): sort them all
            stances = r.filtered("article_stances", filters.params(), max_rows=max_rows)
    stances = stances[["direction", "day", "stance"]].copy()
    stances["day"] = pd.to_datetime(stances["day"])
    return stances


def leading_frames(data_dir: Path, filters: Filters) -> pd.DataFrame:
    frames = read_filtered(data_dir, "leading_frames", filters)
    frames["share"] = pd.to_numeric(frames["share"])
    return frames


def frame_series(data_dir: Path, filters: Filters, grain: str = "month") -> pd.DataFrame:
    frames = read_filtered(data_dir, "frame_series", filters, grain=grain)
    frames["period"] = pd.to_datetime(frames["period"])
    frames["share"] = pd.to_numeric(frames["share"])
    return frames


def frame_outlet(data_dir: Path, filters: Filters) -> pd.DataFrame:
    table = read_filtered(data_dir, "frame_outlet", filters)
    table["share"] = pd.to_numeric(table["share"])
    return table


def outlet_summary(data_dir: Path, filters: Filters) -> pd.DataFrame:
    table = read_filtered(data_dir, "outlet_summary_filtered", filters)
    half = [_half_width(None if pd.isna(sd) else sd, int(n)) for sd, n in zip(table["stance_sd"], table["articles"])]
    bounds = [_interval(m, h) for m, h in zip(table["mean_stance"], half)]
    table["ci_low"] = pd.Series([b[0] for b in bounds], index=table.index, dtype="float64")
    table["ci_high"] = pd.Series([b[1] for b in bounds], index=table.index, dtype="float64")
    return table


ORDERS = ("newest", "most_negative", "most_positive")


def article_list(
    data_dir: Path,
    filters: Filters,
    *,
    direction: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    frame: str | None = None,
    order: str = "newest",
    limit: int = EVIDENCE_ROWS,
) -> pd.DataFrame:
    """Filtered articles with the sentence behind each one's strongest-scored mention."""
    if order not in ORDERS:
        raise ValueError(order)
    return read_filtered(
        data_dir, "article_list", filters,
        direction=direction, from2=date_from or filters.date_from, to2=date_to or filters.date_to,
        only_frame=frame, order=f"article_order_{order}", limit=int(limit),
    )


def search_articles(data_dir: Path, filters: Filters, text: str, limit: int = EVIDENCE_ROWS) -> pd.DataFrame:
    # The text is bound and matched literally (no wildcards), case-insensitively, as ILIKE '%text%' was.
    return read_filtered(data_dir, "search_articles", filters, q=text.strip(), limit=int(limit))


@dataclass(frozen=True)
class ArticleDetail:
    header: pd.Series | None
    sentences: pd.DataFrame
    frames: pd.DataFrame


def article_detail(data_dir: Path, article_id: str, model_version: str) -> ArticleDetail:
    with dashboard_queries.reader(data_dir) as r:
        header = r.plain("article_header", article_id=article_id, model_version=model_version)
        return ArticleDetail(
            header=None if header.empty else header.iloc[0],
            sentences=r.plain("article_sentences", article_id=article_id, model_version=model_version),
            frames=r.plain("article_frames", article_id=article_id, model_version=model_version),
        )


def topic_series(data_dir: Path, filters: Filters, topics: list[Topic], grain: str = "month") -> pd.DataFrame:
    if not topics:
        return pd.DataFrame(columns=["topic", "direction", "period", "articles", "mean_stance", "stance_sd",
                                     "share_negative"])
    with dashboard_queries.reader(data_dir) as r:
        stored = [t.key for t in topics if r.is_materialised(t.key, t.pattern)]
        # Materialised topics: one query over the per-article topic lists.
        found = r.filtered("topic_series_materialised", filters.params(), grain=grain, topics=stored) if stored else None
        parts = []
        for t in topics:
            if t.key in stored:
                parts.append(found[found["topic"] == t.key])
            else:
                # A topic edited since the last rebuild: one query each, matching the text. A bound constant
                # pattern is compiled once per query, where one joined in from a list would be compiled per row.
                parts.append(r.filtered("topic_series", filters.params(), grain=grain, topic=t.key, pattern=t.pattern))
    table = pd.concat(parts, ignore_index=True)
    table["period"] = pd.to_datetime(table["period"])
    return table


def vocabulary_counts(
    data_dir: Path, filters: Filters, stopwords: list[str], *, by_period: bool = False,
    direction: str | None = None, sample: int = 5_000,
) -> pd.DataFrame:
    """Word counts per group: the two directions, or (by_period) the period vs the one before it."""
    if by_period:
        # One query over both periods: the filters widened back to the previous period's start.
        wide = replace(filters, date_from=filters.previous().date_from)
        return read_filtered(data_dir, "vocabulary_counts", wide, by_period=True, split_day=filters.date_from,
                             direction=direction, sample=int(sample), stopwords=stopwords)
    return read_filtered(data_dir, "vocabulary_counts", filters, by_period=False, split_day=filters.date_from,
                         direction=direction, sample=int(sample), stopwords=stopwords)


def recent_runs(data_dir: Path, limit: int = 30) -> pd.DataFrame:
    return dashboard_queries.read_plain(data_dir, "recent_runs", limit=int(limit))


def run_sources(data_dir: Path, runs: int = 30) -> pd.DataFrame:
    return dashboard_queries.read_plain(data_dir, "run_sources_recent", limit=int(runs))


def frame_labels(data_dir: Path) -> dict[str, tuple[str, str]]:
    """Frame key -> (English label, Spanish label), from the codebook as the last run stored it; none for a
    snapshot from before migration 006 (frames are then shown by key)."""
    with dashboard_queries.reader(data_dir) as r:
        if int(r.plain("has_frame_labels")["n"].iloc[0]) == 0:
            return {}
        rows = r.plain("frame_labels")
    return {frame: (en, es) for frame, en, es in zip(rows["frame"], rows["label_en"], rows["label_es"], strict=True)}


CRAWL_PROBLEM_COLUMNS = ["run_id", "source_key", "name", "kind", "url", "detail"]


def crawl_problems(data_dir: Path) -> pd.DataFrame:
    """The latest run's page problems (empty for a snapshot from before migration 004)."""
    if int(dashboard_queries.read_plain(data_dir, "has_crawl_problems")["n"].iloc[0]) == 0:
        return pd.DataFrame(columns=CRAWL_PROBLEM_COLUMNS)
    return dashboard_queries.read_plain(data_dir, "crawl_problems_latest")


SCORE_FAILURE_COLUMNS = ["run_id", "failed_at", "source_key", "title", "url", "attempt", "error_type", "error",
                         "location", "model_version", "article_id"]


def score_failures(data_dir: Path, limit: int = 500) -> pd.DataFrame:
    """Articles left unscored by a failure, latest attempt each, newest first (empty before migration 007)."""
    if int(dashboard_queries.read_plain(data_dir, "has_score_failures")["n"].iloc[0]) == 0:
        return pd.DataFrame(columns=SCORE_FAILURE_COLUMNS)
    return dashboard_queries.read_plain(data_dir, "score_failures_open", limit=int(limit))


def source_weekly_volume(data_dir: Path) -> pd.DataFrame:
    table = dashboard_queries.read_plain(data_dir, "source_weekly_volume")
    table["week"] = pd.to_datetime(table["week"])
    return table


EXPORT_ROWS = 500_000  # rows one exported file holds at most
EXPORT_PAGE_ROWS = 1_000  # rows the export page shows at a time


def export_articles(data_dir: Path, filters: Filters, limit: int = EXPORT_ROWS, offset: int = 0) -> pd.DataFrame:
    return read_filtered(data_dir, "export_articles", filters, limit=int(limit), offset=int(offset))


def export_mentions(data_dir: Path, filters: Filters, limit: int = EXPORT_ROWS, offset: int = 0) -> pd.DataFrame:
    return read_filtered(data_dir, "export_mentions", filters, limit=int(limit), offset=int(offset))


def export_counts(data_dir: Path, filters: Filters) -> dict[str, int]:
    """Rows in the articles and mentions exports for these filters (before the EXPORT_ROWS cap)."""
    row = read_filtered(data_dir, "export_counts", filters).iloc[0]
    return {"articles": int(row["articles"]), "mentions": int(row["mentions"])}


EXPORTS = {"articles": export_articles, "mentions": export_mentions}


def export_page(data_dir: Path, filters: Filters, name: str, page: int) -> pd.DataFrame:
    """Rows of one page (1-based) of an export, in the file's order."""
    return EXPORTS[name](data_dir, filters, limit=EXPORT_PAGE_ROWS, offset=(int(page) - 1) * EXPORT_PAGE_ROWS)


# --- stories (migration 008) ----------------------------------------------------------------------------

STORY_MIN_ARTICLES = 2  # a "story" of one article is just that article: stories are listed and linked from two
STORY_ROWS = 50  # stories the page lists at most
STORY_SIDES = ("all", "both", "one")  # every story, those both countries' media covered, those one side only


def has_stories(data_dir: Path) -> bool:
    """Whether the snapshot has the story tables (migration 008); an older one is told the next run builds them."""
    with dashboard_queries.reader(data_dir) as r:
        return _story_tables_present(r)


def _story_tables_present(reader) -> bool:
    # has_stories counts which of migration 008's three tables the snapshot holds
    return int(reader.plain("has_stories")["n"].iloc[0]) == 3


def stories_stored(data_dir: Path) -> int:
    """Stories of at least STORY_MIN_ARTICLES articles in the snapshot, whatever the filters."""
    return int(dashboard_queries.read_plain(data_dir, "stories_stored", min_articles=STORY_MIN_ARTICLES)["n"].iloc[0])


STORY_COVERAGE = ("both", "us_only", "mx_only")


def story_list(data_dir: Path, filters: Filters, sides: str = "all", limit: int = STORY_ROWS) -> pd.DataFrame:
    """The biggest stories with any article under the filters; `coverage` is both / us_only / mx_only, and
    n_both / n_us_only / n_mx_only count every story under the filters (before `sides` and `limit`)."""
    if sides not in STORY_SIDES:
        raise ValueError(sides)
    return read_filtered(data_dir, "story_list", filters, sides=sides, min_articles=STORY_MIN_ARTICLES,
                         limit=int(limit))


def story_counts(data_dir: Path, filters: Filters) -> pd.DataFrame:
    """Stories with any article under the filters, per coverage (both / us_only / mx_only)."""
    return read_filtered(data_dir, "story_counts", filters, min_articles=STORY_MIN_ARTICLES)


@dataclass(frozen=True)
class StoryOverview:
    stories: pd.DataFrame  # the listed stories, biggest first (story_list without its count columns)
    counts: dict[str, int]  # stories under the filters per coverage, whichever `sides` is listed


def story_overview(data_dir: Path, filters: Filters, sides: str = "all", limit: int = STORY_ROWS) -> StoryOverview:
    """The Stories page's list and counts, in one pass over the story memberships where it can be (joining
    every filtered article to its story is the page's whole cost)."""
    listed = story_list(data_dir, filters, sides, limit)
    if not listed.empty:
        counts = {c: int(listed[f"n_{c}"].iloc[0]) for c in STORY_COVERAGE}
    elif sides == "all":
        counts = dict.fromkeys(STORY_COVERAGE, 0)
    else:  # none with this coverage: the others are counted apart
        rows = story_counts(data_dir, filters).set_index("coverage")["stories"]
        counts = {c: int(rows.get(c, 0)) for c in STORY_COVERAGE}
    return StoryOverview(stories=listed.drop(columns=[f"n_{c}" for c in STORY_COVERAGE]), counts=counts)


@dataclass(frozen=True)
class StorySide:
    """One country's media in a story: how much they ran, their stance toward the other country, their
    leading frames and one sentence that stands for them."""

    direction: str
    articles: int  # the story's articles from this side's outlets (a wire copy counts once)
    scored: int  # of those, scored by the model version on screen
    mean_stance: float | None
    ci_low: float | None
    ci_high: float | None
    outlets: pd.DataFrame  # name, source_key, direction, articles: every outlet that ran one counts
    frames: pd.DataFrame  # frame, articles, share of the side's scored articles
    representative: pd.Series | None  # the scored article closest to the story's centroid, with its top sentence


@dataclass(frozen=True)
class StoryDetail:
    header: pd.Series | None
    members: pd.DataFrame  # every article of the story (story_members), oldest first
    timeline: pd.DataFrame  # day, direction, articles
    sides: dict[str, StorySide]


def story_detail(data_dir: Path, story_id: str, model_version: str) -> StoryDetail:
    """A story whole, whatever the filters: its header (None for an unknown id), every article with what
    `model_version` says of it, its articles per day and country, and each country's side."""
    with dashboard_queries.reader(data_dir) as r:
        header = r.plain("story_header", story_id=story_id)
        if header.empty:
            return StoryDetail(header=None, members=pd.DataFrame(), timeline=pd.DataFrame(), sides={})
        head = header.iloc[0]
        ids = r.plain("story_member_ids", story_id=story_id)["article_id"].tolist()
        # A day's margin either side: the story's days and the aggregates' are both publication, else fetch date.
        members = r.plain("story_members", story_id=story_id, model_version=model_version, ids=ids,
                          first_day=pd.Timestamp(head["first_day"]).date() - timedelta(days=1),
                          last_day=pd.Timestamp(head["last_day"]).date() + timedelta(days=1))
    members["day"] = pd.to_datetime(members["day"])
    # How near each article is to the story's centroid now; else how near when it joined (1.0 for the first).
    members["closeness"] = members["closeness"].astype(float).fillna(members["similarity"].astype(float))
    timeline = (members.groupby(["day", "direction"]).size().rename("articles").reset_index()
                if not members.empty else pd.DataFrame(columns=["day", "direction", "articles"]))
    return StoryDetail(header=head, members=members, timeline=timeline,
                       sides={d.key: story_side(members, d.key) for d in DIRECTIONS})


def _as_list(value) -> list:
    """A list column's value as a list (DuckDB hands lists to pandas as arrays; a missing one as None)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return list(value)


def story_side(members: pd.DataFrame, direction: str) -> StorySide:
    own = members[members["direction"] == direction]
    scored = own.dropna(subset=["stance"])
    n = len(scored)
    mean = float(scored["stance"].mean()) if n else None
    sd = float(scored["stance"].std()) if n > 1 else None
    low, high = _interval(mean, _half_width(sd, n)) if mean is not None else (None, None)
    ran = [(key, name) for keys, names in zip(own["outlets"], own["outlet_names"], strict=True)
           for key, name in zip(_as_list(keys), _as_list(names), strict=True)]
    outlets = (pd.DataFrame(ran, columns=["source_key", "name"]).value_counts().rename("articles").reset_index()
               .assign(direction=direction).sort_values(["articles", "name"], ascending=[False, True],
                                                        ignore_index=True)
               if ran else pd.DataFrame(columns=["source_key", "name", "articles", "direction"]))
    used = [frame for frames in scored["frames"] for frame in _as_list(frames)]
    frames = (pd.Series(used, name="frame").value_counts().rename("articles").reset_index()
              .sort_values(["articles", "frame"], ascending=[False, True], ignore_index=True)
              if used else pd.DataFrame(columns=["frame", "articles"]))
    frames["share"] = frames["articles"].astype(float) / n if n else pd.Series(dtype="float64")
    # The side's voice: its scored article nearest the story's centroid now (else nearest when it joined;
    # the story's first article joined at 1.0), earliest on a tie.
    candidates = scored.dropna(subset=["sentence"])
    representative = None
    if not candidates.empty:
        order = candidates.assign(_near=-candidates["closeness"]).sort_values(["_near", "day", "article_id"])
        representative = order.drop(columns="_near").iloc[0]
    return StorySide(direction=direction, articles=len(own), scored=n, mean_stance=mean, ci_low=low, ci_high=high,
                     outlets=outlets, frames=frames, representative=representative)


def article_stories(data_dir: Path, article_ids: list[str]) -> dict[str, str] | None:
    """{article id: story id} for those of `article_ids` in a story of at least STORY_MIN_ARTICLES articles;
    None for a snapshot without the story tables."""
    with dashboard_queries.reader(data_dir) as r:
        if not _story_tables_present(r):
            return None
        if not article_ids:
            return {}
        rows = r.plain("article_stories", ids=list(article_ids), min_articles=STORY_MIN_ARTICLES)
    return dict(zip(rows["article_id"], rows["story_id"], strict=True))
