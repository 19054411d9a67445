-- 002: what the dashboard's filtered pages read, rebuilt after each run with the other aggregates
-- (warehouse/sql/aggregate_dashboard.sql). One row per scored article and model version carries
-- everything the global filters need (day, outlets, language) and what the charts sum (stance,
-- mentions, negative mentions), so a page never joins the 5-million-row mention tables.

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
    PRIMARY KEY (article_id, model_version)
);

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
    stance          DOUBLE NOT NULL,
    PRIMARY KEY (article_id, model_version, frame)
);
