"""The dashboard against a small real warehouse: built with DuckDB, aggregated and published as the
pipeline does, then read back through the Streamlit app (AppTest) and the plain data module."""

from __future__ import annotations

import hashlib
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from espejo.dashboards import data
from espejo.flows.runs import rebuild_dashboard_tables
from espejo.settings import DATA_DIR_ENV
from espejo.warehouse.dashboard_queries import SnapshotMissing
from espejo.warehouse.db import connect, publish_snapshot
from espejo.warehouse.load import mention_id

APP = Path(__file__).resolve().parents[1] / "dashboards" / "streamlit_app.py"
APP_TIMEOUT_S = 60

MODEL = "sentiment-test-2"
OLD_MODEL = "sentiment-test-1"
RUN = "2026-09-01T020000-test"
OLD_RUN = "2026-08-01T020000-test"

SOURCES = [
    ("us_wire", "U.S. Wire", "US", "en", "https://wire.example.com"),
    ("us_daily", "U.S. Daily", "US", "en", "https://daily.example.com"),
    ("mx_diario", "Diario MX", "MX", "es", "https://diario.example.mx"),
    ("mx_nacional", "Nacional MX", "MX", "es", "https://nacional.example.mx"),
]


@dataclass
class FixtureArticle:
    article_id: str
    source_key: str
    country: str
    published: str | None
    fetched_at: str
    title: str
    sentences: list[str]
    # (sentence index, surface as written, (p_negative, p_neutral, p_positive)); all of the other country
    mentions: list[tuple[int, str, tuple[float, float, float]]]
    frames: dict[str, float] = field(default_factory=dict)
    also_at: list[str] = field(default_factory=list)  # further outlets that ran the same story
    relevant: bool = True

    @property
    def direction(self) -> str:
        return "us->mx" if self.country == "US" else "mx->us"

    @property
    def stance(self) -> float | None:
        values = [p_pos - p_neg for _, _, (p_neg, _, p_pos) in self.mentions]
        return sum(values) / len(values) if values else None


ARTICLES = [
    FixtureArticle(
        "us1", "us_wire", "US", "2026-07-10", "2026-07-10 08:00:00", "Border plan draws fire",
        ["Officials met on Tuesday.", "Mexico's new security plan drew sharp criticism from border sheriffs.",
         "Talks with Mexico will continue."],
        [(1, "Mexico", (0.82, 0.13, 0.05)), (2, "Mexico", (0.10, 0.70, 0.20))],
        frames={"security": 0.9, "economy": 0.2},
        also_at=["us_daily"],
    ),
    FixtureArticle(
        "us2", "us_daily", "US", "2026-08-03", "2026-08-03 09:00:00", "Peso rallies",
        ["The Mexican peso rallied as investors cheered the central bank."],
        [(0, "Mexican", (0.05, 0.25, 0.70))],
        frames={"economy": 0.8},
    ),
    FixtureArticle(
        "us3", "us_wire", "US", "2026-08-20", "2026-08-20 10:00:00", "Migrants wait in Tijuana",
        ["Thousands wait in Tijuana.", "Mexican authorities struggled to shelter the new arrivals."],
        [(0, "Tijuana", (0.30, 0.60, 0.10)), (1, "Mexican authorities", (0.60, 0.30, 0.10))],
        frames={"security": 0.7, "migration": 0.6},
    ),
    FixtureArticle(
        "us4", "us_daily", "US", "2026-08-21", "2026-08-21 10:00:00", "Baseball scores",
        ["The home team won again."], [], relevant=False,
    ),
    FixtureArticle(
        "mx1", "mx_diario", "MX", "2026-07-15", "2026-07-15 07:00:00", "Aranceles al aguacate",
        ["Estados Unidos anunció aranceles que golpean a los exportadores de aguacate."],
        [(0, "Estados Unidos", (0.75, 0.20, 0.05))],
        frames={"trade": 0.9},
    ),
    FixtureArticle(
        "mx2", "mx_nacional", "MX", None, "2026-08-05 12:00:00", "Cooperación en salud",
        ["Washington donó vacunas a clínicas rurales.", "La embajada de EE.UU. elogió la cooperación."],
        [(0, "Washington", (0.05, 0.35, 0.60)), (1, "EE.UU.", (0.02, 0.28, 0.70))],
        frames={"migration": 0.55, "trade": 0.3},
    ),
]


def _insert_article(con, art: FixtureArticle) -> None:
    text = " ".join(art.sentences)
    con.execute(
        "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [art.article_id, f"https://{art.source_key}.example/{art.article_id}", art.source_key, art.country,
         art.direction, art.title, text, art.published, "en" if art.country == "US" else "es", None, RUN,
         art.fetched_at],
    )
    for outlet in [art.source_key, *art.also_at]:
        con.execute(
            "INSERT INTO appearances VALUES (?, ?, ?, ?, ?)",
            [art.article_id, outlet, f"https://{outlet}.example/{art.article_id}", art.published, RUN],
        )
    starts = []
    offset = 0
    for index, sentence in enumerate(art.sentences):
        starts.append(offset)
        con.execute("INSERT INTO sentences VALUES (?, ?, ?, ?, ?)",
                    [art.article_id, index, offset, offset + len(sentence), sentence])
        offset += len(sentence) + 1
    target = "MX" if art.country == "US" else "US"
    for sentence_index, surface, (p_neg, p_neu, p_pos) in art.mentions:
        start = starts[sentence_index] + art.sentences[sentence_index].index(surface)
        end = start + len(surface)
        mid = mention_id(art.article_id, start, end)
        con.execute("INSERT INTO mentions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [mid, art.article_id, sentence_index, start, end, surface, target, "country"])
        label = max(zip((p_neg, p_neu, p_pos), ("negative", "neutral", "positive")))[1]
        con.execute("INSERT INTO sentiment_scores VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [mid, MODEL, label, p_neg, p_neu, p_pos, RUN])
    for frame, score in art.frames.items():
        con.execute("INSERT INTO frame_scores VALUES (?, ?, ?, ?, ?, ?)",
                    [art.article_id, frame, MODEL, score, 0, RUN])
    con.execute("INSERT INTO analyses VALUES (?, ?, ?, ?, ?, ?)",
                [art.article_id, MODEL, RUN, art.relevant, len(art.mentions), art.stance])


def _insert_old_model_scores(con) -> None:
    """An earlier model version that scored only the first U.S. article, as one mention."""
    art = ARTICLES[0]
    start = len(art.sentences[0]) + 1
    mid = mention_id(art.article_id, start, start + len("Mexico"))
    con.execute("INSERT INTO sentiment_scores VALUES (?, ?, 'neutral', 0.2, 0.6, 0.2, ?)", [mid, OLD_MODEL, OLD_RUN])
    con.execute("INSERT INTO analyses VALUES (?, ?, ?, TRUE, 1, 0.0)", [art.article_id, OLD_MODEL, OLD_RUN])


def story_id(first_article: str) -> str:
    return "story-" + hashlib.sha256(first_article.encode()).hexdigest()[:16]


EMBED_MODEL = "e5fixture001"
STORY_RULES_SHA = "5" * 64
# (articles, first one first; {article: its title+lead vector as a few non-zero dimensions}). Stories as the
# clustering would store them: a two-sided one (U.S. and Mexican media), one only U.S. media covered (us4 is in
# it though unscored), and a story of one article (mx1), which is no story to list or link.
STORY_MEMBERS = {
    story_id("us2"): {"us2": {0: 1.0}, "mx2": {1: 1.0}, "us3": {0: 0.7071, 1: 0.7071}},
    story_id("us1"): {"us1": {2: 1.0}, "us4": {2: 0.8, 3: 0.6}},
    story_id("mx1"): {"mx1": {4: 1.0}},
}
TWO_SIDED, US_ONLY, SINGLE = STORY_MEMBERS


def _vector(dims: dict[int, float]) -> list[float]:
    vector = [0.0] * 384
    for i, x in dims.items():
        vector[i] = x
    return vector


def _insert_stories(con) -> None:
    by_id = {a.article_id: a for a in ARTICLES}
    for story, members in STORY_MEMBERS.items():
        arts = [by_id[a] for a in members]
        days = [a.published or a.fetched_at[:10] for a in arts]
        centroid = [sum(column) for column in zip(*(_vector(d) for d in members.values()), strict=True)]
        for art, day in zip(arts, days, strict=True):
            vector = _vector(members[art.article_id])
            con.execute("INSERT INTO article_vectors VALUES (?, ?, ?, [], ?)",
                        [art.article_id, EMBED_MODEL, vector, day])
            cosine = sum(x * y for x, y in zip(vector, centroid, strict=True)) / math.sqrt(sum(x * x for x in centroid))
            con.execute("INSERT INTO story_articles VALUES (?, ?, ?, ?)",
                        [art.article_id, story, 1.0 if art is arts[0] else round(cosine, 4), RUN])
        con.execute(
            "INSERT INTO stories VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [story, min(days), max(days), len(arts), sum(a.country == "US" for a in arts),
             sum(a.country == "MX" for a in arts), sorted({"en" if a.country == "US" else "es" for a in arts}),
             centroid, ["tijuana"], OLD_RUN, RUN, EMBED_MODEL, STORY_RULES_SHA, arts[0].title],
        )


def build_warehouse(data_dir: Path) -> None:
    with connect(data_dir) as con:
        con.executemany("INSERT INTO sources VALUES (?, ?, ?, ?, ?, TRUE)", SOURCES)
        for run_id, model, started in ((OLD_RUN, OLD_MODEL, "2026-08-01 02:00:00"),
                                       (RUN, MODEL, "2026-09-01 02:00:00")):
            con.execute(
                "INSERT INTO runs (run_id, started_at, finished_at, status, code_version, model_version)"
                " VALUES (?, ?, CAST(? AS TIMESTAMP) + INTERVAL 10 MINUTE, 'completed', '0.1.0', ?)",
                [run_id, started, started, model],
            )
            con.executemany("INSERT INTO run_sources (run_id, source_key, status, items) VALUES (?, ?, 'ok', 3)",
                            [(run_id, s[0]) for s in SOURCES])
        for art in ARTICLES:
            _insert_article(con, art)
        _insert_old_model_scores(con)
        _insert_stories(con)
        rebuild_dashboard_tables(con)  # as a run does: the topics file and the codebook's labels
        publish_snapshot(con, data_dir)


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("espejo-data")
    build_warehouse(data_dir)
    return data_dir


def counted(direction: str) -> list[FixtureArticle]:
    return [a for a in ARTICLES if a.direction == direction and a.relevant and a.mentions]


def run_app(data_dir: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv(DATA_DIR_ENV, str(data_dir))
    at = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT_S)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def mirror_metrics(at: AppTest) -> dict[str, dict[str, str]]:
    """{mirror title: {metric label: value}}, read from the two top-level columns."""
    found = {}
    for column in at.main.columns:
        if column.subheader:
            found[column.subheader[0].value] = {m.label: m.value for m in column.metric}
    return found


# --- the plain data module -------------------------------------------------------------------------


def test_headline_figures_match_the_articles_they_come_from(warehouse_dir):
    monthly = data.monthly_series(warehouse_dir, MODEL)
    for direction in ("us->mx", "mx->us"):
        articles = counted(direction)
        stances = [a.stance for a in articles]
        labels = [p.index(max(p)) for a in articles for _, _, p in a.mentions]
        summary = data.summarize_direction(monthly, direction)
        assert summary.articles == len(articles)
        assert summary.mentions == len(labels)
        assert summary.mean_stance == pytest.approx(statistics.mean(stances))
        assert summary.stance_sd == pytest.approx(statistics.stdev(stances))
        assert summary.share_negative == pytest.approx(labels.count(0) / len(labels))
        assert -1.0 <= summary.ci_low < summary.mean_stance < summary.ci_high <= 1.0


def test_month_falls_back_to_fetch_date_and_single_article_months_have_no_interval(warehouse_dir):
    monthly = data.monthly_series(warehouse_dir, MODEL)
    mx = monthly[monthly["direction"] == "mx->us"].set_index("month")
    assert list(mx.index) == [pd.Timestamp("2026-07-01"), pd.Timestamp("2026-08-01")]  # mx2 is undated
    assert mx["ci_low"].isna().all()  # one article each month: no interval rather than a fake one
    us_august = monthly[(monthly["direction"] == "us->mx") & (monthly["month"] == "2026-08-01")].iloc[0]
    assert us_august["articles"] == 2
    assert us_august["ci_low"] < us_august["mean_stance"] < us_august["ci_high"]


def test_model_versions_newest_first_and_latest_run(warehouse_dir):
    assert data.model_versions(warehouse_dir) == [MODEL, OLD_MODEL]
    run = data.latest_run(warehouse_dir)
    assert run.run_id == RUN and run.model_version == MODEL and run.status == "completed"


def test_evidence_gives_the_sentence_behind_the_strongest_mention(warehouse_dir):
    rows = data.evidence(warehouse_dir, MODEL, "us->mx").set_index("article_id")
    assert set(rows.index) == {"us1", "us2", "us3"}
    assert rows.loc["us1", "sentence"] == "Mexico's new security plan drew sharp criticism from border sheriffs."
    assert rows.loc["us1", "outlets"] == "us_daily, us_wire"  # the wire story, at both outlets
    assert rows.loc["us1", "run_id"] == RUN and rows.loc["us1", "model_version"] == MODEL
    assert rows.loc["us3", "target_as_written"] == "Mexican authorities"


def test_frame_labels_are_the_codebooks_as_the_run_stored_them(warehouse_dir):
    from espejo.dashboards.charts import frame_label

    labels = data.frame_labels(warehouse_dir)
    assert labels["economic"] == ("Economic", "Económico")  # nlp/frames.toml, through the snapshot
    assert frame_label("economic", "es", labels) == "Económico"
    assert frame_label("security", "es", labels) == "security"  # a key the codebook lacks is shown as it is


def test_missing_snapshot_is_reported_not_guessed(tmp_path):
    assert data.snapshot_stamp(tmp_path) is None
    with pytest.raises(SnapshotMissing):
        data.model_versions(tmp_path)


# --- the Streamlit app -----------------------------------------------------------------------------


def test_two_mirrors_page(warehouse_dir, monkeypatch):
    at = run_app(warehouse_dir, monkeypatch)
    metrics = mirror_metrics(at)
    us, mx = metrics["U.S. media on Mexico"], metrics["Mexican media on the U.S."]
    assert us["Articles"] == str(len(counted("us->mx")))
    assert mx["Articles"] == str(len(counted("mx->us")))
    assert us["Scored mentions"] == "5" and mx["Scored mentions"] == "3"
    assert mx["Mean stance"] == f"{statistics.mean(a.stance for a in counted('mx->us')):+.2f}"

    sentences = pd.concat([frame.value["sentence"] for frame in at.dataframe])
    assert "Mexico's new security plan drew sharp criticism from border sheriffs." in set(sentences)
    assert "La embajada de EE.UU. elogió la cooperación." in set(sentences)
    assert len(at.get("vega_lite_chart")) == 6, "the mirrors draw their charts"
    captions = " ".join(c.value for c in at.caption)
    assert "P(positive) − P(negative)" in captions and MODEL in captions

    sidebar_text = " ".join(m.value for m in at.sidebar.markdown)
    assert RUN in sidebar_text
    assert str(warehouse_dir) in " ".join(c.value for c in at.sidebar.caption)


def test_choosing_another_model_version(warehouse_dir, monkeypatch):
    at = run_app(warehouse_dir, monkeypatch)
    assert at.sidebar.selectbox[0].value == MODEL
    at.sidebar.selectbox[0].select(OLD_MODEL).run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = mirror_metrics(at)
    assert metrics["U.S. media on Mexico"]["Articles"] == "1"
    assert metrics["Mexican media on the U.S."]["Articles"] == "0"


def test_snapshot_without_analysed_articles(tmp_path, monkeypatch):
    with connect(tmp_path) as con:
        publish_snapshot(con, tmp_path)
    at = run_app(tmp_path, monkeypatch)
    assert "no analysed articles" in " ".join(i.value for i in at.info)


def test_empty_data_folder_explains_what_to_run(tmp_path, monkeypatch):
    at = run_app(tmp_path, monkeypatch)
    message = " ".join(i.value for i in at.info)
    assert "espejo run" in message and "espejo demo" in message
    assert not at.dataframe and not at.metric
