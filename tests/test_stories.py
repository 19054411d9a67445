"""Stories (issue 11): the rule on hand-made vectors, the scores it is measured by, the warehouse round
trip, the run's clustering task on a small warehouse, and `espejo eval stories` on the offline web."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from espejo.cli import main
from espejo.flows import stories_eval
from espejo.flows.stories import cluster_new_articles, cluster_stories
from espejo.nlp import stories as rule
from espejo.nlp.backbone import BACKBONE_DIRNAME
from espejo.warehouse import db
from espejo.warehouse import stories as store
from test_dashboard import ARTICLES, RUN, FixtureArticle, _insert_article, build_warehouse

RULES = rule.StoryRules(window_days=3, min_similarity=0.9, min_similarity_with_names=0.8, min_shared_names=2,
                        max_story_days=10)
DAY = date(2026, 6, 1)


def unit(*weights: float) -> np.ndarray:
    """A 384-d unit vector with these first components."""
    vector = np.zeros(384, np.float32)
    vector[:len(weights)] = weights
    return vector / np.linalg.norm(vector)


def at_cosine(cosine: float) -> np.ndarray:
    """A unit vector whose cosine with unit(1) is `cosine`."""
    return unit(cosine, (1 - cosine ** 2) ** 0.5)


def article(article_id: str, days: int, vector: np.ndarray, names=(), country="US", language="en"):
    return rule.StoryArticle(article_id, DAY + timedelta(days=days), vector, tuple(sorted(names)), country, language,
                             title=f"title of {article_id}")


def stories_of(memberships) -> dict[str, str]:
    return {m.article_id: m.story_id for m in memberships}


# --- the rule --------------------------------------------------------------------------------------------


def test_an_article_joins_a_story_within_the_window_and_not_outside_it():
    memberships, stories = rule.assign([article("a", 0, unit(1)), article("b", 3, unit(1)),
                                        article("c", 7, unit(1))], [], RULES)
    placed = stories_of(memberships)
    assert placed["a"] == placed["b"] == rule.story_id_for("a")  # three days after: within the window
    assert placed["c"] == rule.story_id_for("c")  # four days after the story's last article: a story of its own
    joined = next(m for m in memberships if m.article_id == "b")
    assert joined.similarity == pytest.approx(1.0)
    two = next(s for s in stories if s.story_id == rule.story_id_for("a"))
    assert (two.first_day, two.last_day, two.articles, two.us_articles, two.mx_articles) == (DAY, DAY + timedelta(3), 2, 2, 0)


def test_shared_names_let_a_lower_similarity_join():
    story = [article("a", 0, unit(1), names={"reynosa", "tamaulipas", "metros"})]
    below = at_cosine(0.85)  # under min_similarity, over min_similarity_with_names
    with_names = rule.assign(story + [article("b", 1, below, names={"reynosa", "tamaulipas"}, language="es")], [], RULES)
    one_name = rule.assign(story + [article("b", 1, below, names={"reynosa"}, language="es")], [], RULES)
    too_far = rule.assign(story + [article("b", 1, at_cosine(0.75), names={"reynosa", "tamaulipas"})], [], RULES)
    assert stories_of(with_names[0])["b"] == rule.story_id_for("a")
    assert with_names[1][0].languages == ("en", "es")
    assert stories_of(one_name[0])["b"] == rule.story_id_for("b")
    assert stories_of(too_far[0])["b"] == rule.story_id_for("b")


def story(story_id: str, centroid: np.ndarray, names=(), days: int = 0) -> rule.Story:
    day = DAY + timedelta(days=days)
    return rule.Story(story_id, day, day, 1, 1, 0, ("en",), centroid, dict.fromkeys(names, 1), "r0", "r0", "m", "h")


def test_the_most_similar_story_wins_and_a_tie_goes_to_the_smaller_id():
    twins = [story("story-b", unit(1)), story("story-a", unit(1))]  # the article is as close to both
    assert rule.assign([article("n", 1, unit(1))], twins, RULES)[0][0].story_id == "story-a"
    closer = story("story-c", unit(1, 0.5))
    best = rule.assign([article("n", 1, unit(1, 0.6))], [*twins, closer], RULES)
    assert best[0][0].story_id == "story-c"
    assert [s.story_id for s in best[1]] == ["story-c"]  # the only story that changed
    assert best[1][0].articles == 2 and closer.articles == 1  # a copy changed, not the candidate given


def test_a_story_stops_taking_articles_after_max_story_days():
    chain = [article(f"a{day}", day, unit(1)) for day in (0, 3, 6, 9, 12)]
    placed = stories_of(rule.assign(chain, [], RULES)[0])
    assert {placed[f"a{day}"] for day in (0, 3, 6, 9)} == {rule.story_id_for("a0")}  # spans 9 days
    assert placed["a12"] == rule.story_id_for("a12")  # would span 12 > max_story_days


def test_order_of_input_does_not_matter_and_ids_come_from_the_first_article():
    articles = [article(f"a{i}", i % 3, unit(1, i % 2 * 0.1), names={"x", "y"}) for i in range(8)]
    articles += [article(f"b{i}", i % 3, unit(0, 1, i % 2 * 0.1)) for i in range(8)]
    shuffled = articles[:]
    random.Random(4).shuffle(shuffled)
    assert stories_of(rule.assign(articles, [], RULES)[0]) == stories_of(rule.assign(shuffled, [], RULES)[0])
    assert set(stories_of(rule.assign(articles, [], RULES)[0]).values()) == {rule.story_id_for("a0"),
                                                                             rule.story_id_for("b0")}


def test_two_nights_give_the_stories_of_one_pass_and_a_second_pass_adds_nothing():
    articles = [article(f"a{i}", i, unit(1, 0.05 * i), names={"juarez"}) for i in range(6)]
    articles += [article(f"m{i}", i, unit(0.3, 1, 0.1 * i), country="MX", language="es") for i in range(6)]
    one_pass, all_stories = rule.assign(articles, [], RULES, run_id="r1")
    night1 = [a for a in articles if a.day < DAY + timedelta(3)]
    night2 = [a for a in articles if a.day >= DAY + timedelta(3)]
    first, stories1 = rule.assign(night1, [], RULES, run_id="r1")
    second, stories2 = rule.assign(night2, stories1, RULES, run_id="r2")
    assert stories_of(first + second) == stories_of(one_pass)
    assert {s.story_id: s.formed_run_id for s in stories2} == {s.story_id: "r1" for s in stories2}
    assert all(s.updated_run_id == "r2" for s in stories2)
    # The inputs are not modified: the stories of night 1 are as night 1 left them.
    assert all(s.updated_run_id == "r1" for s in stories1)
    # Nothing new: nothing changes.
    assert rule.assign([], all_stories, RULES) == ([], [])


# --- what an article brings -------------------------------------------------------------------------------


def test_the_lead_skips_the_title_a_kicker_and_a_dateline():
    text = ("Masacre en Reynosa\nMundo\nPublicado: 02/11/2025\n"
            "Autoridades de Tamaulipas atribuyeron a Los Metros el ataque del martes en Reynosa.\nSegundo párrafo.")
    assert rule.lead(text, "Masacre en Reynosa") == (
        "Autoridades de Tamaulipas atribuyeron a Los Metros el ataque del martes en Reynosa.")
    assert len(rule.lead("word " * 200, max_chars=400)) <= 400
    assert rule.lead("Short.") == "Short."


def test_names_are_capitalised_words_without_country_words_or_sentence_starts():
    names = rule.article_names(
        "Firefighters from San Diego visit Hermosillo",
        "Mexican officials and the Sheinbaum government thanked Mayor Ana Ruiz in Hermosillo on Tuesday. "
        "Officials said the United States would send more.")
    assert names == ("ana", "diego", "hermosillo", "ruiz", "san")
    spanish = rule.article_names("Estados Unidos y México firman acuerdo en Ciudad Juárez",
                                 "El gobierno de Trump y la alcaldesa de Ciudad Juárez, Cruz Pérez, firmaron.")
    assert spanish == ("cruz", "juarez", "perez")
    # Title Case headlines say nothing by their capitals: only names the lead confirms count.
    assert rule.article_names("Mexico Raises Tariffs On Steel From Monterrey",
                              "The duty hits mills in Monterrey.") == ("monterrey",)


def test_the_rules_file_is_valid_and_a_bad_one_is_refused(tmp_path):
    rules = rule.load_story_rules()
    assert rules.min_similarity_with_names <= rules.min_similarity
    assert len(rules.sha256) == 64
    bad = tmp_path / "stories.toml"
    text = rule.STORIES_CONFIG.read_text(encoding="utf-8")
    bad.write_text(text.replace("min_shared_names = ", "min_shared_names = 0 #"), encoding="utf-8")
    with pytest.raises(rule.StoryRulesError, match="min_shared_names"):
        rule.load_story_rules(bad)
    bad.write_text(text.replace("[text]", "[text]\nunknown = 1"), encoding="utf-8")
    with pytest.raises(rule.StoryRulesError, match="unknown"):
        rule.load_story_rules(bad)


# --- the measures ------------------------------------------------------------------------------------------


def test_b_cubed_against_hand_computed_values():
    truth = {"a": "E1", "b": "E1", "c": "E1", "d": "alone-d"}
    predicted = {"a": "s1", "b": "s1", "c": "s2", "d": "s2"}
    # precision: a 2/2, b 2/2, c 1/2, d 1/2 -> 3/4; recall: a 2/3, b 2/3, c 1/3, d 1/1 -> 2/3
    scores = rule.b_cubed(truth, predicted)
    assert scores["precision"] == pytest.approx(0.75)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert scores["f1"] == pytest.approx(2 * 0.75 * (2 / 3) / (0.75 + 2 / 3))
    assert rule.b_cubed(truth, {k: k for k in truth}) == pytest.approx(
        {"precision": 1.0, "recall": (1 / 3 * 3 + 1) / 4, "f1": 2 * 0.5 / 1.5})
    assert rule.b_cubed(truth, {}) == rule.b_cubed(truth, {k: k for k in truth})  # unplaced: alone
    # Over the articles of the event only: a, b, c as above, d's cluster still counted in c's precision.
    assert rule.b_cubed(truth, predicted, over=["a", "b", "c"]) == pytest.approx(
        {"precision": (1 + 1 + 0.5) / 3, "recall": 5 / 9, "f1": 2 * (2.5 / 3) * (5 / 9) / (2.5 / 3 + 5 / 9)})


def test_cross_language_pairs_linked():
    truth = {"en1": "E", "es1": "E", "es2": "E", "en2": "F", "es3": "F", "x": "alone"}
    languages = {"en1": "en", "es1": "es", "es2": "es", "en2": "en", "es3": "es", "x": "en"}
    predicted = {"en1": "s", "es1": "s", "es2": "t", "en2": "u", "es3": "u", "x": "s"}
    # pairs: (en1, es1) linked, (en1, es2) not, (en2, es3) linked; (es1, es2) is one language
    assert rule.cross_language_linked(truth, predicted, languages) == pytest.approx(2 / 3)
    assert rule.cross_language_linked({"a": "E"}, {"a": "s"}, {"a": "en"}) is None


# --- the warehouse -----------------------------------------------------------------------------------------


def test_stories_round_trip_through_a_duckdb_file(tmp_path):
    articles = [article("a", 0, unit(1), names={"juarez", "paso"}), article("b", 1, unit(1, 0.1), names={"juarez"},
                                                                              country="MX", language="es")]
    memberships, stories = rule.assign(articles, [], RULES, run_id="r1", embed_model="e5test")
    vectors = [{"article_id": a.article_id, "embed_model": "e5test", "vector": a.vector, "names": a.names,
                "day": a.day} for a in articles]
    with db.connect(tmp_path) as con:
        store.write_stories(con, vectors, [{**m.__dict__, "joined_run_id": "r1"} for m in memberships],
                            [_row(s) for s in stories])
        assert store.story_counts(con) == (1, 1)
    with db.connect(tmp_path) as con:  # read back after the file was closed
        read = store.stories_active(con, DAY + timedelta(1), DAY + timedelta(5), "e5test")
        assert store.stories_active(con, DAY + timedelta(2), DAY + timedelta(5), "another-model") == []
        assert store.stories_active(con, DAY + timedelta(2), DAY + timedelta(5), "e5test") == []
        rows = con.execute("SELECT article_id, story_id, similarity, joined_run_id FROM story_articles "
                           "ORDER BY 1").fetchall()
    assert len(read) == 1
    story = read[0]
    assert story["name_counts"] == {"juarez": 2, "paso": 1}
    assert story["names"] == ["juarez", "paso"]
    assert (story["articles"], story["us_articles"], story["mx_articles"], story["languages"]) == (2, 1, 1, ["en", "es"])
    assert np.allclose(story["centroid"], stories[0].centroid, atol=1e-6)
    assert rows == [("a", rule.story_id_for("a"), 1.0, "r1"),
                    ("b", rule.story_id_for("a"), pytest.approx(memberships[1].similarity), "r1")]


def _row(story: rule.Story) -> dict:
    return {**{k: v for k, v in story.__dict__.items() if k not in ("name_counts", "match_names")},
            "names": story.names}


# --- the run's task on a small warehouse ---------------------------------------------------------------------


def _clear_stories(data_dir: Path) -> None:
    with db.connect(data_dir) as con:
        for table in ("story_articles", "stories", "article_vectors"):
            con.execute(f"DELETE FROM {table}")


def _tables(data_dir: Path) -> tuple:
    with db.connect(data_dir) as con:
        return (con.execute("SELECT * EXCLUDE (centroid) FROM stories ORDER BY 1").fetchall(),
                con.execute("SELECT * FROM story_articles ORDER BY 1").fetchall(),
                con.execute("SELECT article_id, names FROM article_vectors ORDER BY 1").fetchall())


def test_the_run_task_places_new_articles_once_and_keeps_ids(tmp_path, models_dir):
    build_warehouse(tmp_path)
    _clear_stories(tmp_path)
    outcome = cluster_stories.fn(tmp_path, "run-1")
    assert outcome.error is None and outcome.articles == len(ARTICLES)
    first = _tables(tmp_path)
    stories, members, _ = first
    assert {m[0] for m in members} == {a.article_id for a in ARTICLES}
    # Each story is named after one of its articles (its first).
    assert all(s[0] in {rule.story_id_for(m[0]) for m in members if m[1] == s[0]} for s in stories)
    with db.connect(tmp_path) as con:
        assert con.execute("SELECT DISTINCT formed_run_id, embed_model, rules_sha256 FROM stories").fetchall() == [
            ("run-1", rule.embed_model_id(models_dir / BACKBONE_DIRNAME), rule.load_story_rules().sha256)]

    # A second run over the same content changes nothing.
    again = cluster_stories.fn(tmp_path, "run-2")
    assert (again.error, again.articles, again.stories_new, again.stories_grown) == (None, 0, 0, 0)
    assert _tables(tmp_path) == first

    # A new article retelling us1 joins us1's story: one article read, the story's id kept.
    us1 = ARTICLES[0]
    with db.connect(tmp_path) as con:
        _insert_article(con, FixtureArticle("us1-b", "us_daily", "US", "2026-07-11", "2026-07-11 08:00:00", us1.title,
                                            us1.sentences, []))
    later = cluster_stories.fn(tmp_path, "run-3")
    assert (later.articles, later.stories_new, later.stories_grown) == (1, 0, 1)
    with db.connect(tmp_path) as con:
        story = con.execute("SELECT story_id FROM story_articles WHERE article_id = 'us1'").fetchone()[0]
        assert con.execute("SELECT story_id, joined_run_id FROM story_articles WHERE article_id = 'us1-b'"
                           ).fetchone() == (story, "run-3")
        assert con.execute("SELECT articles, formed_run_id, updated_run_id FROM stories WHERE story_id = ?",
                           [story]).fetchone()[1:] == ("run-1", "run-3")


def test_a_failure_in_clustering_is_returned_not_raised(tmp_path, monkeypatch):
    build_warehouse(tmp_path)
    _clear_stories(tmp_path)

    def broken(*args, **kwargs):
        raise RuntimeError("encoder on fire")

    monkeypatch.setattr(rule, "embed_articles", broken)
    outcome = cluster_stories.fn(tmp_path, "run-1", model="no-such-model")
    assert outcome.articles == 0
    assert outcome.note() and "could not be embedded" in outcome.note()
    monkeypatch.setattr("espejo.flows.stories.store.articles_without_story", broken)
    outcome = cluster_stories.fn(tmp_path, "run-1", model="no-such-model")
    assert outcome.error == "RuntimeError: encoder on fire"
    assert outcome.note() == "stories not updated: RuntimeError: encoder on fire"


def test_chunks_give_the_stories_of_one_pass_and_stored_vectors_are_reused(tmp_path, models_dir, monkeypatch):
    build_warehouse(tmp_path)
    _clear_stories(tmp_path)
    cluster_new_articles(tmp_path, "run-1", chunk=2)
    chunked = _tables(tmp_path)
    with db.connect(tmp_path) as con:  # forget the stories, keep the articles' vectors
        con.execute("DELETE FROM story_articles")
        con.execute("DELETE FROM stories")
    monkeypatch.setattr(rule, "embed_articles", lambda *args, **kwargs: pytest.fail("embedded again"))
    outcome = cluster_new_articles(tmp_path, "run-1")
    assert outcome.articles == len(ARTICLES)
    assert [row[:2] for row in _tables(tmp_path)[1]] == [row[:2] for row in chunked[1]]
    assert _tables(tmp_path)[2] == chunked[2]


# --- espejo eval stories and espejo stats ---------------------------------------------------------------------


def test_eval_on_a_warehouse_matches_articles_by_url(tmp_path):
    build_warehouse(tmp_path)
    _clear_stories(tmp_path)
    vectors = {"us1": unit(1), "mx1": unit(1, 0.1), "us2": unit(0, 1), "us3": unit(0, 0, 1), "mx2": unit(0, 0, 0, 1),
               "us4": unit(0, 0, 0, 0, 1)}
    by_id = {a.article_id: a for a in ARTICLES}
    articles = [article(i, (date.fromisoformat((by_id[i].published or by_id[i].fetched_at)[:10]) - DAY).days, v,
                        country=by_id[i].country, language="en" if by_id[i].country == "US" else "es")
                for i, v in vectors.items()]
    memberships, stories = rule.assign(articles, [], replace(RULES, window_days=10), run_id="r", embed_model="m")
    with db.connect(tmp_path) as con:
        store.write_stories(con, [], [{**m.__dict__, "joined_run_id": "r"} for m in memberships],
                            [_row(s) for s in stories])
        db.publish_snapshot(con, tmp_path)
    (tmp_path / "newsweb").mkdir()
    entries = [{"id": a.article_id, "url": f"https://{a.source_key}.example/{a.article_id}", "published": "2026-07-10",
                "language": "en" if a.country == "US" else "es", "source_country": a.country,
                "event": "tariff" if a.article_id in ("us1", "mx1", "us2") else None} for a in ARTICLES]
    (tmp_path / "newsweb" / "manifest.json").write_text(json.dumps({"articles": entries}), encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "stories", "--json", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["articles"] == len(ARTICLES) and figures["events"] == 1
    # us1 and mx1 are one story, us2 of the event is alone: recall is short, precision whole.
    assert figures["stories"]["precision"] == pytest.approx(1.0)
    assert figures["stories"]["recall"] == pytest.approx((2 / 3 * 2 + 1 / 3 + 3) / 6, abs=1e-4)
    assert figures["stories"]["cross_language_linked"] == pytest.approx(1 / 2)
    assert figures["baselines"]["alone"]["precision"] == 1.0

    stats = CliRunner().invoke(main, ["stats", "--json", "--data-dir", str(tmp_path)])
    counts = json.loads(stats.output)
    assert (counts["stories"], counts["cross_country_stories"]) == (1, 1)


@pytest.mark.slow
def test_eval_stories_on_the_offline_web_meets_the_issue_thresholds(models_dir):
    result = CliRunner().invoke(main, ["eval", "stories", "--json", "--models-dir", str(models_dir)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["events"] >= 10 and figures["cross_language_pairs"] >= 20
    assert figures["stories"]["f1"] >= 0.85
    assert figures["stories"]["cross_language_linked"] >= 0.8
    assert figures["stories"]["f1"] > figures["baselines"]["title_words"]["f1"]
    # Over the articles of events, where putting every article alone no longer looks good.
    assert figures["stories"]["event_articles"]["f1"] > figures["baselines"]["title_words"]["event_articles"]["f1"]
    assert figures["stories"]["cross_language_linked"] > figures["baselines"]["title_words"]["cross_language_linked"]
