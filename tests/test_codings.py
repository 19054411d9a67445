"""The codings store (espejo.warehouse.codings) against a small real published snapshot: samples, the coder's
queue, imports and exports, the `espejo codings` commands, and coding while other processes write."""

from __future__ import annotations

import json
import math
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from espejo.cli import main
from espejo.flows.runs import rebuild_dashboard_tables
from espejo.warehouse import codings as c
from espejo.warehouse.db import connect, publish_snapshot, snapshot_path, warehouse_path

from test_dashboard import MODEL, OLD_MODEL, SOURCES, FixtureArticle, _insert_article, build_warehouse

FRAME_KEYS = ["economic", "security_defense", "political", "legality", "security", "economy", "trade", "migration"]
# (p_negative, p_neutral, p_positive) profiles the extra articles' mentions cycle through
PROFILES = [(0.80, 0.15, 0.05), (0.10, 0.75, 0.15), (0.05, 0.20, 0.75), (0.55, 0.35, 0.10), (0.20, 0.30, 0.50)]


def extra_articles() -> list[FixtureArticle]:
    """36 more articles of two mentions each over three months and the four outlets, so strata have choice."""
    found = []
    for i in range(36):
        source_key, _, country, _, _ = SOURCES[i % 4]
        day = f"2026-{7 + i % 3:02d}-{1 + i % 27:02d}"
        if country == "US":
            sentences = [f"Our desk filed dispatch number {i} this morning.",
                         f"Mexico announced water measure {i} for the northern states.",
                         f"Analysts expect Mexican growers to adapt within weeks {i}."]
            mentions = [(1, "Mexico", PROFILES[i % 5]), (2, "Mexican", PROFILES[(i + 2) % 5])]
        else:
            sentences = [f"La redacción publicó la nota {i} por la mañana.",
                         f"Estados Unidos revisó la medida {i} sobre el agua del norte.",
                         f"Washington respondió a la propuesta número {i}."]
            mentions = [(1, "Estados Unidos", PROFILES[i % 5]), (2, "Washington", PROFILES[(i + 3) % 5])]
        found.append(FixtureArticle(f"x{i:02d}", source_key, country, day, f"{day} 08:00:00", f"Nota {i}",
                                    sentences, mentions, frames={"economic": 0.8, "political": 0.6}))
    return found


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    """A published snapshot: test_dashboard's warehouse plus 36 articles (80 scored mentions, 41 articles)."""
    data_dir = tmp_path_factory.mktemp("codings-warehouse")
    build_warehouse(data_dir)
    with connect(data_dir) as con:
        for article in extra_articles():
            _insert_article(con, article)
        rebuild_dashboard_tables(con)
        publish_snapshot(con, data_dir)
    return snapshot_path(data_dir)


@pytest.fixture
def data_dir(snapshot, tmp_path) -> Path:
    """A data folder of its own holding a copy of the snapshot (and no codings yet)."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(snapshot, snapshot_path(folder))
    return folder


def filters(**overrides) -> dict:
    from datetime import date

    return {"model_version": MODEL, "date_from": date(2026, 7, 1), "date_to": date(2026, 9, 30), "outlets": None,
            "languages": None, "frame": None, "topic_key": None, "topic_pattern": None, **overrides}


def draw(data_dir, name="s", *, mentions=20, articles=6, **design) -> c.SampleInfo:
    return c.draw_sample(data_dir, c.SampleDesign(name, mentions, articles, **design), filters(),
                         frame_keys=FRAME_KEYS)


def snapshot_rows(data_dir, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(snapshot_path(data_dir)), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def code_everything(data_dir, name, coder, kind="mention", label="neutral", frames=()) -> list[str]:
    coded = []
    while (item := c.next_item(data_dir, name, coder, kind)) is not None:
        c.record_coding(data_dir, name, item["item_id"], coder, label=label, frames=frames)
        coded.append(item["item_id"])
    return coded


# --- drawing samples --------------------------------------------------------------------------------


def test_same_seed_draws_the_same_items_and_another_seed_others(data_dir, tmp_path, snapshot):
    first = c.sample_items(data_dir, draw(data_dir, "a").name)
    again = c.sample_items(data_dir, draw(data_dir, "b").name)
    other = c.sample_items(data_dir, draw(data_dir, "c", seed=14).name)
    columns = ["item_id", "kind", "position", "overlap", "stratum"]
    assert first[columns].equals(again[columns])
    assert set(first["item_id"]) != set(other["item_id"])
    # another data folder with the same snapshot: the same items, whatever order SQL returns rows in
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(snapshot, snapshot_path(elsewhere))
    assert c.sample_items(elsewhere, draw(elsewhere, "a").name)[columns].equals(first[columns])
    assert len(first) == 26 and first["kind"].tolist() == ["mention"] * 20 + ["article"] * 6
    assert sorted(first.loc[first["kind"] == "mention", "position"]) == list(range(1, 21))


def test_allocation_is_proportional_and_the_design_is_stored(data_dir):
    per_direction = dict(snapshot_rows(data_dir, "SELECT direction, count(*) FROM agg_mention_facts "
                                                 "WHERE model_version = ? GROUP BY direction", [MODEL]))
    info = c.draw_sample(data_dir, c.SampleDesign("strat", 30, 10, strata=("direction", "month"), overlap=0.25,
                                                  seed=5), filters(), frame_keys=FRAME_KEYS)
    items = c.sample_items(data_dir, "strat")
    design = info.design
    assert design["strata"] == ["direction", "month"] and design["seed"] == 5 and design["overlap"] == 0.25
    assert design["frame_keys"] == FRAME_KEYS
    assert info.model_version == MODEL and info.filters["model_version"] == MODEL
    assert info.filters["date_from"] == "2026-07-01" and info.snapshot_run_id is not None
    for kind, n in (("mention", 30), ("article", 10)):
        candidates, allocation = design["candidates"][kind], design["allocation"][kind]
        total = sum(candidates.values())
        assert sum(allocation.values()) == n
        drawn = Counter(items.loc[items["kind"] == kind, "stratum"])
        assert dict(drawn) == {s: k for s, k in allocation.items() if k}
        for stratum, count in candidates.items():  # largest remainder: floor or ceil of the exact share
            assert math.floor(n * count / total) <= allocation[stratum] <= math.ceil(n * count / total)
        assert items.loc[items["kind"] == kind, "overlap"].sum() == math.floor(0.25 * n + 0.5)  # half up
    mention_candidates = design["candidates"]["mention"]
    for direction, count in per_direction.items():
        assert sum(k for s, k in mention_candidates.items() if s.startswith(direction + " |")) == count
    assert (info.n_mentions, info.n_articles) == (30, 10)
    assert c.allocate({"a": 5, "b": 3, "c": 2}, 5) == {"a": 3, "b": 1, "c": 1}


def test_filters_and_stored_texts(data_dir):
    info = c.draw_sample(data_dir, c.SampleDesign("us", 200, 200, strata=("outlet", "predicted")),
                         filters(outlets=["us_daily"], languages=["en"]), frame_keys=FRAME_KEYS)
    items = c.sample_items(data_dir, "us")
    ran_at_us_daily = {row[0] for row in snapshot_rows(
        data_dir, "SELECT article_id FROM appearances WHERE source_key = 'us_daily'")}
    assert set(items["article_id"]) <= ran_at_us_daily and set(items["language"]) == {"en"}
    assert info.filters["outlets"] == ["us_daily"]
    mentions = items[items["kind"] == "mention"]
    assert len(mentions) == info.n_mentions > 0
    for row in mentions.itertuples():
        assert row.sentence[row.target_start:row.target_end] == row.surface
        assert row.sentence in row.article_text and row.predicted_label in c.TONES
    articles = items[items["kind"] == "article"]
    assert all(len(frames) for frames in articles["predicted_frames"]) and articles["stance"].notna().all()


def test_bad_designs_and_taken_names(data_dir):
    draw(data_dir, "taken")
    with pytest.raises(c.SampleExists, match="taken"):
        draw(data_dir, "taken")
    with pytest.raises(c.CodingsError, match="no scored mentions match the filters"):
        c.draw_sample(data_dir, c.SampleDesign("future", 5, 0), filters(date_from="2030-01-01", date_to="2030-02-01"),
                      frame_keys=FRAME_KEYS)
    with pytest.raises(c.CodingsError, match="unknown strata"):
        draw(data_dir, "x", strata=("weather",))
    with pytest.raises(c.CodingsError, match="overlap"):
        draw(data_dir, "x", overlap=1.5)
    with pytest.raises(c.UnknownSample, match="'nope'.*taken"):
        c.sample_info(data_dir, "nope")
    assert [s.name for s in c.list_samples(data_dir)] == ["taken"]
    with pytest.raises(c.CodingsError, match="nothing published"):
        draw(data_dir.parent / "empty", "x")


# --- coding ----------------------------------------------------------------------------------------------


def test_overlap_items_go_to_everyone_and_the_others_to_one_coder(data_dir):
    draw(data_dir, "q", mentions=10, articles=0, overlap=0.3)
    items = c.sample_items(data_dir, "q")
    overlap = set(items.loc[items["overlap"], "item_id"])
    assert len(overlap) == 3
    ana = [c.next_item(data_dir, "q", "ana", "mention")["item_id"]]
    c.record_coding(data_dir, "q", ana[0], "ana", label="negative")
    assert c.coder_progress(data_dir, "q", "ana")["mention"] == (1, 10)
    # What the coding page reads per click: the same progress and next item, from one read of the store.
    assert c.coding_state(data_dir, "q", "ana", "mention") == (c.coder_progress(data_dir, "q", "ana"),
                                                                c.next_item(data_dir, "q", "ana", "mention"))
    bob = code_everything(data_dir, "q", "bob")
    assert set(bob) == set(items["item_id"]) - ({ana[0]} - overlap)  # ana's non-overlap item is hers
    assert bob == sorted(bob, key=lambda i: int(items.set_index("item_id").loc[i, "position"]))  # coding order
    assert set(code_everything(data_dir, "q", "ana")) == overlap - {ana[0]}
    assert c.coder_progress(data_dir, "q", "ana")["mention"] == (1 + len(overlap - {ana[0]}),) * 2
    coded = c.codings(data_dir, "q")
    per_item = Counter(coded["item_id"])
    assert all(per_item[i] == 2 for i in overlap) and all(per_item[i] == 1 for i in set(items["item_id"]) - overlap)
    assert c.coders(data_dir, "q") == ["ana", "bob"]


def test_skip_goes_to_the_end_undo_brings_back_and_resume(data_dir):
    draw(data_dir, "k", mentions=5, articles=0)
    order = c.sample_items(data_dir, "k")["item_id"].tolist()
    first = c.next_item(data_dir, "k", "eva", "mention")
    assert first["item_id"] == order[0] and "predicted_label" not in first and "p_negative" not in first
    c.record_skip(data_dir, "k", order[0], "eva")
    c.record_skip(data_dir, "k", order[1], "eva")
    assert c.next_item(data_dir, "k", "eva", "mention")["item_id"] == order[2]
    c.record_coding(data_dir, "k", order[2], "eva", label="positive")
    c.record_coding(data_dir, "k", order[3], "eva", label="n/a")
    assert c.undo_last(data_dir, "k", "eva") == order[3]
    assert c.next_item(data_dir, "k", "eva", "mention")["item_id"] == order[3]  # resume: where she left off
    c.record_coding(data_dir, "k", order[3], "eva", label="neutral")
    c.record_coding(data_dir, "k", order[4], "eva", label="neutral")
    came_back = c.next_item(data_dir, "k", "eva", "mention")
    assert came_back["item_id"] == order[0] and came_back["skipped_before"]  # skipped ones last, in skip order
    c.record_coding(data_dir, "k", order[0], "eva", label="negative")
    assert c.next_item(data_dir, "k", "eva", "mention")["item_id"] == order[1]
    c.record_coding(data_dir, "k", order[2], "eva", label="negative")  # a second coding replaces the first
    coded = c.codings(data_dir, "k").set_index("item_id")
    assert len(coded) == 4 and coded.loc[order[2], "label"] == "negative" and coded.loc[order[3], "label"] == "neutral"
    assert c.undo_last(data_dir, "k", "eva") == order[2]
    assert c.undo_last(data_dir, "k", "nobody") is None


def test_record_coding_says_what_is_wrong_and_writes_nothing(data_dir):
    draw(data_dir, "v", mentions=2, articles=2)
    items = c.sample_items(data_dir, "v")
    mention = items.loc[items["kind"] == "mention", "item_id"].iloc[0]
    article = items.loc[items["kind"] == "article", "item_id"].iloc[0]
    bad = [
        (mention, "postive", (), "unknown label 'postive'"),
        (mention, "neutral", ("economic",), "only articles take frames"),
        (article, "n/a", ("economic",), "unknown tone 'n/a'"),
        (article, "negative", (), "0 frames"),
        (article, "negative", ("economic", "political", "legality", "trade"), "4 frames"),
        (article, "negative", ("economic", "weather"), "unknown frame 'weather'"),
        ("no-such-item", "neutral", (), "unknown item 'no-such-item'"),
    ]
    for item_id, label, frames, message in bad:
        with pytest.raises(c.CodingsError, match=message):
            c.record_coding(data_dir, "v", item_id, "ana", label=label, frames=frames)
    with pytest.raises(c.CodingsError, match="coder"):
        c.record_coding(data_dir, "v", mention, "  ", label="neutral")
    with pytest.raises(c.UnknownSample):
        c.record_coding(data_dir, "other", mention, "ana", label="neutral")
    assert c.codings(data_dir, "v").empty
    c.record_coding(data_dir, "v", article, "ana", label="Negative", frames=["economic", "political", "economic"])
    assert c.codings(data_dir, "v").iloc[0][["label", "frames"]].tolist() == ["negative", ["economic", "political"]]


def test_two_coders_in_two_threads_lose_nothing(data_dir):
    draw(data_dir, "t", mentions=15, articles=0, overlap=1.0)
    with ThreadPoolExecutor(2) as pool:
        coded = list(pool.map(lambda coder: code_everything(data_dir, "t", coder), ["ana", "bob"]))
    assert [len(x) for x in coded] == [15, 15]
    assert Counter(c.codings(data_dir, "t")["coder"]) == {"ana": 15, "bob": 15}


# --- other processes ---------------------------------------------------------------------------------------

CODER_PROCESS = """
import sys
from espejo.warehouse import codings as c
data_dir, name, coder = sys.argv[1:4]
while (item := c.next_item(data_dir, name, coder, "mention")) is not None:
    c.record_coding(data_dir, name, item["item_id"], coder, label="negative")
    print(item["item_id"], flush=True)  # after the commit: this coding is saved
"""


def start_coder(data_dir, name, coder) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CODER_PROCESS, str(data_dir), name, coder],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_two_coders_in_two_processes_lose_nothing(data_dir):
    draw(data_dir, "p", mentions=20, articles=0, overlap=1.0)
    processes = [start_coder(data_dir, "p", coder) for coder in ("ana", "bob")]
    outputs = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], [err for _, err in outputs]
    assert [len(out.split()) for out, _ in outputs] == [20, 20]
    coded = c.codings(data_dir, "p")
    assert Counter(coded["coder"]) == {"ana": 20, "bob": 20} and set(coded["label"]) == {"negative"}


@pytest.mark.slow
def test_a_killed_coder_loses_nothing_it_had_saved(data_dir):
    draw(data_dir, "kill", mentions=60, articles=0)
    process = start_coder(data_dir, "kill", "ana")
    printed = []
    while len(printed) < 8:
        line = process.stdout.readline()
        assert line, process.stderr.read()
        printed.append(line.strip())
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    process.stdout.close()
    process.stderr.close()
    coded = c.codings(data_dir, "kill")
    assert set(printed) <= set(coded["item_id"])
    assert len(coded) < 60  # it was killed part-way
    # resuming: the next item is the first in coding order that the killed process had not saved
    order = c.sample_items(data_dir, "kill")["item_id"].tolist()
    assert c.next_item(data_dir, "kill", "ana", "mention")["item_id"] == order[len(coded)]
    c.record_coding(data_dir, "kill", order[len(coded)], "ana", label="neutral")


HOLD_WAREHOUSE = """
import sys, time
import duckdb
con = duckdb.connect(sys.argv[1])  # as a nightly run holds espejo.duckdb for its whole length
con.execute("CREATE TABLE IF NOT EXISTS night (x INTEGER)")
con.execute("INSERT INTO night VALUES (1)")
print("holding", flush=True)
time.sleep(60)
"""


@pytest.mark.slow
def test_a_nightly_run_holding_the_warehouse_does_not_block_coding(data_dir):
    night = subprocess.Popen([sys.executable, "-c", HOLD_WAREHOUSE, str(warehouse_path(data_dir))],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert night.stdout.readline().strip() == "holding", night.stderr.read()
        with pytest.raises(duckdb.IOException):  # the warehouse is held indeed
            duckdb.connect(str(warehouse_path(data_dir)))
        started = time.monotonic()
        draw(data_dir, "night", mentions=4, articles=2)
        item = c.next_item(data_dir, "night", "ana", "mention")
        c.record_coding(data_dir, "night", item["item_id"], "ana", label="positive")
        assert len(c.codings(data_dir, "night")) == 1
        assert c.report(data_dir, "night")["mentions"]["coded_items"] == 1
        assert time.monotonic() - started < 10  # nothing waited for the run's lock
    finally:
        night.kill()
        night.communicate(timeout=10)


# --- export and import ---------------------------------------------------------------------------------


def write_sheet(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_malformed_sheet_names_every_bad_row_and_writes_nothing(data_dir, tmp_path):
    draw(data_dir, "imp", mentions=3, articles=2)
    items = c.sample_items(data_dir, "imp")
    m0, m1, m2 = items.loc[items["kind"] == "mention", "item_id"]
    a0, a1 = items.loc[items["kind"] == "article", "item_id"]
    c.record_coding(data_dir, "imp", m2, "ana", label="neutral")
    sheet = write_sheet(tmp_path / "sheet.csv", [
        "sample,item_id,coder,label,frames",
        f"imp,{m0},ana,negative,",                    # row 2: good
        f"imp,{m1},ana,postive,",                     # row 3: unknown label
        f"imp,{a0},ana,negative,economic;weather",    # row 4: unknown frame
        "imp,no-such-item,ana,neutral,",              # row 5: unknown item
        f"imp,{m0},ana,neutral,",                     # row 6: duplicate of row 2
        f"gone,{m0},ana,neutral,",                    # row 7: unknown sample
        f"imp,{a1},ana,positive,",                    # row 8: an article without frames
        f"imp,{m1},,neutral,",                        # row 9: no coder
        f"imp,{m1},bob,,",                            # row 10: no label: not a coding, passed over
    ])
    with pytest.raises(c.ImportRejected) as rejected:
        c.import_codings(data_dir, sheet, frame_keys=FRAME_KEYS)
    problems = rejected.value.problems
    assert [p.split(":")[0] for p in problems] == [f"row {n}" for n in (3, 4, 5, 6, 7, 8, 9)]
    assert "unknown label 'postive'" in problems[0] and "'weather'" in problems[1]
    assert "unknown item 'no-such-item'" in problems[2] and "duplicate of row 2" in problems[3]
    assert "unknown sample 'gone'" in problems[4] and "0 frames" in problems[5] and "coder" in problems[6]
    assert c.codings(data_dir, "imp")["item_id"].tolist() == [m2]  # nothing written
    missing = write_sheet(tmp_path / "missing.csv", ["sample,item_id,label", f"imp,{m0},negative"])
    with pytest.raises(c.ImportRejected, match="missing column coder"):
        c.import_codings(data_dir, missing, frame_keys=FRAME_KEYS)
    good = write_sheet(tmp_path / "good.csv", [
        "sample,item_id,coder,label,frames", f"imp,{m0},ana,Negative,", f"imp,{m2},ana,positive,",
        f"imp,{a0},bob,neutral,economic;political", f"imp,{a1},ana,negative,legality"])
    assert c.import_codings(data_dir, good, frame_keys=FRAME_KEYS) == {
        "imported": 4, "replaced": 1, "without_label": 0, "samples": {"imp": 4}}
    coded = c.codings(data_dir, "imp").set_index(["item_id", "coder"])
    assert coded.loc[(m2, "ana"), "label"] == "positive" and coded.loc[(m2, "ana"), "origin"] == "import:good.csv"
    assert coded.loc[(a0, "bob"), "frames"] == ["economic", "political"]


def test_export_then_import_round_trip(data_dir, tmp_path, snapshot):
    draw(data_dir, "rt", mentions=6, articles=3, overlap=0.5)
    items = c.sample_items(data_dir, "rt")
    for coder, label in (("ana", "negative"), ("bob", "n/a")):
        code_everything(data_dir, "rt", coder, label=label)
    code_everything(data_dir, "rt", "ana", kind="article", label="positive", frames=["economic", "trade"])
    c.record_skip(data_dir, "rt", items["item_id"].iloc[0], "cy")  # a skip is no coding: not exported
    csv_path, jsonl_path = c.export_sample(data_dir, "rt", tmp_path / "out")
    header = json.loads(jsonl_path.read_text(encoding="utf-8").splitlines()[0])["sample"]
    assert header["design"]["seed"] == 13 and header["model_version"] == MODEL and header["filters"]["outlets"] is None
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[:4] == ["sample", "item_id", "kind", "direction"]
    expected = c.codings(data_dir, "rt")[["item_id", "coder", "label", "frames"]]

    def same_codings(folder) -> bool:
        got = c.codings(folder, "rt")[["item_id", "coder", "label", "frames"]]
        key = ["item_id", "coder"]
        return got.sort_values(key).reset_index(drop=True).equals(expected.sort_values(key).reset_index(drop=True))

    for sheet in (csv_path, jsonl_path):  # the same sample drawn again elsewhere takes either sheet
        elsewhere = tmp_path / sheet.suffix[1:]
        elsewhere.mkdir()
        shutil.copy(snapshot, snapshot_path(elsewhere))
        draw(elsewhere, "rt", mentions=6, articles=3, overlap=0.5)
        counts = c.import_codings(elsewhere, sheet, frame_keys=FRAME_KEYS)
        assert counts["imported"] == len(expected) and counts["replaced"] == 0
        assert same_codings(elsewhere)
    assert c.import_codings(data_dir, csv_path, frame_keys=FRAME_KEYS)["replaced"] == len(expected)
    assert same_codings(data_dir)


# --- predictions, training uses, the report --------------------------------------------------------------


def test_model_predictions_training_roles_and_report(data_dir):
    info = draw(data_dir, "all", mentions=500, articles=500, overlap=0.5)
    assert (info.n_mentions, info.n_articles) == (80, 41)
    own = c.model_predictions(data_dir, "all", MODEL)
    assert len(own) == 121 and set(own.loc[own["kind"] == "mention", "predicted_label"]) <= set(c.TONES)
    old = c.model_predictions(data_dir, "all", OLD_MODEL)  # it scored one mention, of us1
    assert old.loc[old["kind"] == "mention", "item_id"].str.startswith("us1:").tolist() == [True]
    assert old.loc[old["kind"] == "mention", "predicted_label"].tolist() == ["neutral"]
    items = c.sample_items(data_dir, "all")
    mentions = items.loc[items["kind"] == "mention", "item_id"].tolist()
    c.record_training_use(data_dir, "sent-new", [("mention", "all", i, "train") for i in mentions[:10]]
                          + [("mention", "all", i, "holdout") for i in mentions[10:15]])
    roles = c.training_roles(data_dir, "all", "sent-new+frames-old")
    assert Counter(roles.values()) == {"train": 10, "holdout": 5}
    assert c.training_roles(data_dir, "all", MODEL) == {}
    with pytest.raises(c.CodingsError, match="role"):
        c.record_training_use(data_dir, "sent-new", [("mention", "all", mentions[0], "test")])
    truth = dict(zip(items["item_id"], items["predicted_label"], strict=True))
    sheet = write_sheet(data_dir / "both.csv", ["sample,item_id,coder,label"]
                        + [f"all,{i},{coder},{truth[i]}" for coder in ("ana", "bob") for i in mentions])
    assert c.import_codings(data_dir, sheet, frame_keys=FRAME_KEYS)["imported"] == 160
    result = c.report(data_dir, "all")
    json.dumps(result)
    assert result["model_version"] == MODEL and result["coders"] == ["ana", "bob"]
    assert result["mentions"]["coded_items"] == 80 and result["mentions"]["alpha"]["all"]["alpha"] == 1.0
    assert result["mentions"]["model"]["all"]["accuracy"] == 1.0 and result["articles"]["coded_items"] == 0
    assert c.report(data_dir, "all", "sent-new+frames-old")["training"] == {"train": 10, "holdout": 5}


# --- the commands ------------------------------------------------------------------------------------------


def test_codings_commands(data_dir, tmp_path):
    runner = CliRunner()

    def run(*args, code=0):
        result = runner.invoke(main, ["codings", *args, "--data-dir", str(data_dir)])
        assert result.exit_code == code, result.output
        return result.output

    out = run("sample", "--name", "cli", "--mentions", "8", "--articles", "4", "--strata", "direction,predicted",
              "--overlap", "0.5", "--seed", "3", "--from", "2026-07-01", "--to", "2026-09-30")
    assert "sample cli: 8 mentions, 4 articles" in out and f"model {MODEL}" in out
    assert "exists already" in run("sample", "--name", "cli", code=1)
    assert "unknown strata" in run("sample", "--name", "x", "--strata", "colour", code=1)
    code_everything(data_dir, "cli", "ana", label="negative")
    code_everything(data_dir, "cli", "ana", kind="article", label="negative", frames=["economic"])
    assert "cli: 8 mentions, 4 articles" in run("list") and "coders: ana" in run("list")
    report = json.loads(run("report", "cli", "--json").strip().splitlines()[-1])
    assert report["mentions"]["coded_items"] == 8 and report["articles"]["coded_items"] == 4
    assert "alpha" in run("report", "cli")
    exported = run("export", "cli", "--out", str(tmp_path / "x")).split()
    assert [Path(p).name for p in exported] == ["cli.csv", "cli.jsonl"]
    assert "imported 12 codings (12 replaced" in run("import", exported[0])
    bad = write_sheet(tmp_path / "bad.csv", ["sample,item_id,coder,label", "cli,nope,ana,neutral"])
    assert "row 2: unknown item 'nope'" in run("import", str(bad), code=1)
    assert "unknown sample 'nope'" in run("report", "nope", code=1)


def test_the_store_is_a_file_of_its_own_with_its_own_migrations(data_dir):
    draw(data_dir, "m", mentions=2, articles=0)
    assert not warehouse_path(data_dir).exists()  # drawing reads the snapshot only
    con = duckdb.connect(str(c.codings_path(data_dir)), read_only=True)
    try:
        tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        applied = con.execute("SELECT version, name FROM codings_migrations").fetchall()
    finally:
        con.close()
    assert tables == {"samples", "sample_items", "codings", "training_uses", "codings_migrations"}
    assert applied == [(1, "codings")]
