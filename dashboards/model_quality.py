"""How good the model on screen is on real news: the figures `espejo eval ... --record` measured for its version.

The figures live in the quality file (`espejo.settings.quality_file()`: `nlp/models/quality.json` unless
`$ESPEJO_QUALITY_FILE` names another) and are read by `espejo.quality`, keyed by each component's model
version, so a figure is only ever shown for the model it was measured on. Plain Python: no Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from espejo.quality import QualityFileError, quality_for

REALNEWS_DEV = "realnews-dev"
# The sentiment figures Two mirrors states per direction, in this order: macro-F1 over sentences, and the
# Spearman correlation of article stance with the annotated article tone.
HEADLINE_METRICS = ("macro_f1", "stance_spearman")
COLUMNS = ["component", "model_version", "dataset", "direction", "language", "metric", "value", "n", "unit",
           "measured", "command"]
# What measures a model that has no figures yet (the realnews files of ../shared/data; README "Models").
MEASURE_SENTIMENT = ("espejo eval sentiment --data ../shared/data/realnews/dev_sentences.jsonl --format realnews "
                     "--record")
MEASURE_FRAMES = "espejo eval frames --data ../shared/data/realnews/dev_passages.jsonl --record"
# Table order: sentiment before frames, U.S. outlets before Mexican ones (as on every page), headline figures first.
_ORDER = {
    "component": ("sentiment", "frames"),
    "direction": ("us->mx", "mx->us"),
    "metric": (*HEADLINE_METRICS, "ece", "micro_f1"),
}


@dataclass(frozen=True)
class ModelQuality:
    model_version: str  # as on screen: the run's components joined by "+"
    path: Path  # the quality file read
    rows: pd.DataFrame  # COLUMNS; one row per measured figure of the version's components
    error: str | None = None  # why the quality file could not be read

    def headline(self) -> dict[str, dict[str, tuple[float, int, str]]]:
        """{direction: {metric: (value, n, unit)}} of the realnews-dev sentiment figures in HEADLINE_METRICS."""
        rows = self.rows[(self.rows["component"] == "sentiment") & (self.rows["dataset"] == REALNEWS_DEV)
                         & self.rows["metric"].isin(HEADLINE_METRICS)]
        found: dict[str, dict[str, tuple[float, int, str]]] = {}
        for row in rows.itertuples():
            if pd.notna(row.value) and pd.notna(row.n):
                found.setdefault(row.direction, {}).setdefault(row.metric, (float(row.value), int(row.n), row.unit))
        return found

    def measured_on(self) -> str | None:
        """The latest date among the headline figures' measurements."""
        rows = self.rows[(self.rows["component"] == "sentiment") & (self.rows["dataset"] == REALNEWS_DEV)]
        dates = [d for d in rows["measured"] if isinstance(d, str) and d]
        return max(dates) if dates else None


def _sort_key(column: pd.Series) -> pd.Series:
    order = _ORDER.get(str(column.name))
    if order is None:
        return column
    # Known values in their order, then the rest alphabetically.
    return column.map(lambda v: (order.index(v), "") if v in order else (len(order), str(v)))


def file_stamp(path: Path) -> int | None:
    """When the quality file last changed (ns), or None: a new value means new figures."""
    try:
        return Path(path).stat().st_mtime_ns
    except FileNotFoundError:
        return None


def read_model_quality(model_version: str, path: Path) -> ModelQuality:
    """Every measured row for `model_version`'s components; an unreadable file gives no rows and the reason."""
    try:
        rows = quality_for(model_version, path=path)
    except QualityFileError as error:
        return ModelQuality(model_version, Path(path), pd.DataFrame(columns=COLUMNS), error=str(error))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if not frame.empty:
        frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
        frame["n"] = pd.to_numeric(frame["n"], errors="coerce").astype("Int64")
        frame = frame.sort_values(["component", "dataset", "direction", "metric"], key=_sort_key,
                                  kind="stable").reset_index(drop=True)
    return ModelQuality(model_version, Path(path), frame)
