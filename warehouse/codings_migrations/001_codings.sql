-- 001: the researchers' own codings (espejo.warehouse.codings), in codings.duckdb beside the warehouse:
-- never the published snapshot (read-only) nor espejo.duckdb (held by a run for its whole length).

-- A drawn sample: its design (JSON: sizes, strata, overlap share, seed, candidates and allocation per
-- stratum, the codebook's frame keys) and the dashboard filters it was drawn under (JSON, dates as ISO).
CREATE TABLE samples (
    name            VARCHAR PRIMARY KEY,
    created_at      TIMESTAMP NOT NULL,
    model_version   VARCHAR NOT NULL,
    design          VARCHAR NOT NULL,
    filters         VARCHAR NOT NULL,
    snapshot_run_id VARCHAR,                   -- the latest run of the snapshot it was drawn from
    n_mentions      INTEGER NOT NULL,
    n_articles      INTEGER NOT NULL
);

-- The items of a sample with their texts and the model's answer copied in, so a sample outlives the runs
-- and rescores after it. A mention's item_id is its mention_id, an article's its article_id.
CREATE TABLE sample_items (
    sample          VARCHAR NOT NULL,
    item_id         VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL CHECK (kind IN ('mention', 'article')),
    position        INTEGER NOT NULL,          -- coding order within the kind, random by the seed
    overlap         BOOLEAN NOT NULL,          -- coded by every coder (reliability) rather than by one
    stratum         VARCHAR NOT NULL,
    article_id      VARCHAR NOT NULL,
    direction       VARCHAR NOT NULL,
    language        VARCHAR,
    source_key      VARCHAR,
    outlet          VARCHAR,                   -- the outlet's name
    day             DATE,
    title           VARCHAR,
    url             VARCHAR,
    sentence        VARCHAR,                   -- mentions: the sentence that holds the target
    target_start    INTEGER,                   -- the target's span inside `sentence`
    target_end      INTEGER,
    surface         VARCHAR,
    target          VARCHAR,
    article_text    VARCHAR,
    predicted_label VARCHAR,                   -- mentions: what the sample's model version said
    p_negative      DOUBLE,
    p_neutral       DOUBLE,
    p_positive      DOUBLE,
    predicted_frames VARCHAR[],                -- articles: the frames it leads with
    stance          DOUBLE,
    PRIMARY KEY (sample, item_id)
);

-- Global order of codings and skips: a coder's undo removes their latest.
CREATE SEQUENCE coding_seq;

-- One row per coder and item: a later coding (or skip) of the same item by the same coder replaces it.
CREATE TABLE codings (
    sample          VARCHAR NOT NULL,
    item_id         VARCHAR NOT NULL,
    coder           VARCHAR NOT NULL,
    label           VARCHAR,                   -- NULL for a skip
    frames          VARCHAR[] NOT NULL,        -- articles: 1-3 codebook keys; mentions: empty
    skipped         BOOLEAN NOT NULL,
    coded_at        TIMESTAMP NOT NULL,
    origin          VARCHAR NOT NULL,          -- 'dashboard' | 'import:<file name>'
    seq             BIGINT NOT NULL,
    PRIMARY KEY (sample, item_id, coder)
);

-- Which coded items a trained artifact (a model version's part) used, and how: kept apart from the
-- shipped data, so agreement on training items is reported as such and not as a test.
CREATE TABLE training_uses (
    artifact_version VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL CHECK (kind IN ('mention', 'article')),
    sample          VARCHAR NOT NULL,
    item_id         VARCHAR NOT NULL,
    role            VARCHAR NOT NULL CHECK (role IN ('train', 'holdout')),
    recorded_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (artifact_version, sample, item_id)
);
