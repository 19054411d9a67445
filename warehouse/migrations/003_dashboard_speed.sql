-- 003: the dashboard's per-article tables, rebuilt so that every page reads one sorted table without
-- joining the million-row base tables at query time (issue 4: p95 < 300 ms at 1M articles on 2 cores).
-- They hold derived data only, rebuilt by `rebuild_aggregates` after each run
-- (warehouse/sql/aggregate_dashboard.sql), so they are dropped and created again here.
--
-- No primary keys: rows are unique by construction, and the ART indexes cost build and publish time
-- without serving any dashboard query. Rows are inserted sorted by (model_version, day, article_id), so
-- DuckDB's per-row-group min/max (zone maps) skip what a model version or date range leaves out.

DROP TABLE IF EXISTS agg_article_frames;
DROP TABLE IF EXISTS agg_article_facts;

CREATE TABLE agg_article_facts (
    article_id      VARCHAR NOT NULL,
    model_version   VARCHAR NOT NULL,
    direction       VARCHAR NOT NULL,
    day             DATE NOT NULL,             -- publication date, else the fetch date
    source_key      VARCHAR NOT NULL,          -- the first outlet it was seen at
    outlets         VARCHAR[] NOT NULL,        -- every outlet that ran the story
    language        VARCHAR NOT NULL,          -- 'und' when unknown
    stance          DOUBLE NOT NULL,           -- mean of P(pos) - P(neg) over its mentions of the other country
    mentions        INTEGER NOT NULL,          -- scored mentions of the other country
    negative        INTEGER NOT NULL,          -- of those, labelled negative
    frames          VARCHAR[] NOT NULL,        -- the frames it leads with (as agg_article_frames), by name
    topics          VARCHAR[] NOT NULL,        -- the topics whose terms it matches (agg_article_topics)
    sample_key      UBIGINT NOT NULL,          -- hash(article_id): the order of the bootstrap sample cap
    -- Numbers for the lists above (agg_outlet_sets, agg_frame_sets, agg_topic_sets): charts group the
    -- filtered rows by these integers first and expand the few distinct lists after, where grouping by
    -- each list member would unnest millions of strings.
    outlet_set      INTEGER NOT NULL,
    frame_set       INTEGER NOT NULL,
    topic_set       INTEGER NOT NULL,
    title           VARCHAR,
    url             VARCHAR NOT NULL,
    analysis_run_id VARCHAR NOT NULL,          -- the run that analysed it with this model version
    -- its strongest-scored mention (largest |P(pos) - P(neg)|, then the earliest): the evidence lists' sentence
    top_surface     VARCHAR,
    top_label       VARCHAR,
    top_p_negative  DOUBLE,
    top_p_neutral   DOUBLE,
    top_p_positive  DOUBLE,
    top_run_id      VARCHAR,
    top_sentence    VARCHAR                    -- NULL when the sentence row is missing
);

-- Every distinct list of outlets / leading frames / topics in agg_article_facts, one row per member (an
-- empty list has a number and no rows).
CREATE TABLE agg_outlet_sets (outlet_set INTEGER NOT NULL, outlet VARCHAR NOT NULL);
CREATE TABLE agg_frame_sets (frame_set INTEGER NOT NULL, frame VARCHAR NOT NULL);
CREATE TABLE agg_topic_sets (topic_set INTEGER NOT NULL, topic VARCHAR NOT NULL);

-- The frames an article leads with (score ≥ threshold and among its top k, as agg_frames_monthly),
-- with the filter columns repeated so frame charts need no join.
CREATE TABLE agg_article_frames (
    article_id      VARCHAR NOT NULL,
    model_version   VARCHAR NOT NULL,
    frame           VARCHAR NOT NULL,
    score           DOUBLE NOT NULL,
    evidence_sentence_index INTEGER NOT NULL,
    direction       VARCHAR NOT NULL,
    day             DATE NOT NULL,
    source_key      VARCHAR NOT NULL,
    language        VARCHAR NOT NULL,
    stance          DOUBLE NOT NULL
);

-- Topic membership, matched once per rebuild instead of on every page view: each article whose
-- lower-cased title + ' ' + text matches a topic's regex (dashboards/topics.toml, `Topic.pattern`).
CREATE TABLE agg_article_topics (
    topic           VARCHAR NOT NULL,
    article_id      VARCHAR NOT NULL
);

-- The topics agg_article_topics was built with: the dashboard uses the table only for a topic whose
-- key and pattern are listed here, and matches the text itself for a topic edited since.
CREATE TABLE agg_topic_terms (
    topic           VARCHAR PRIMARY KEY,
    pattern         VARCHAR NOT NULL
);

-- One row per scored mention of an article in agg_article_facts, with its sentence: what the export
-- page writes, sorted by (model_version, day, article_id, start_char) as the export orders it.
CREATE TABLE agg_mention_facts (
    mention_id      VARCHAR NOT NULL,
    article_id      VARCHAR NOT NULL,
    model_version   VARCHAR NOT NULL,
    direction       VARCHAR NOT NULL,
    day             DATE NOT NULL,
    sentence_index  INTEGER NOT NULL,
    start_char      INTEGER NOT NULL,
    surface         VARCHAR NOT NULL,
    target          VARCHAR NOT NULL,
    label           VARCHAR NOT NULL,
    p_negative      DOUBLE NOT NULL,
    p_neutral       DOUBLE NOT NULL,
    p_positive      DOUBLE NOT NULL,
    sentence        VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL
);
