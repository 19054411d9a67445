-- 001: the first schema. Every score carries the model version that made it and the run that stored it,
-- so any figure on the dashboard traces back to articles, sentences, a model version and a run.

CREATE TABLE sources (
    source_key      VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL,
    country         VARCHAR NOT NULL CHECK (country IN ('US', 'MX')),
    language        VARCHAR NOT NULL,
    homepage        VARCHAR NOT NULL,
    demo            BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE runs (
    run_id          VARCHAR PRIMARY KEY,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    status          VARCHAR NOT NULL,          -- running | completed | completed_with_failures | failed
    code_version    VARCHAR NOT NULL,
    model_version   VARCHAR,
    sources_ok      INTEGER,
    sources_failed  INTEGER,
    items_crawled   INTEGER,
    articles_new    INTEGER,
    appearances_new INTEGER,
    mentions_scored INTEGER,
    frames_scored   INTEGER,
    crawl_seconds   DOUBLE,
    load_seconds    DOUBLE,
    score_seconds   DOUBLE,
    total_seconds   DOUBLE,
    notes           VARCHAR
);

-- One row per outlet per run: how its crawl went.
CREATE TABLE run_sources (
    run_id          VARCHAR NOT NULL,
    source_key      VARCHAR NOT NULL,
    status          VARCHAR NOT NULL,          -- ok | failed
    items           INTEGER NOT NULL DEFAULT 0,
    pages_fetched   INTEGER,
    http_errors     INTEGER,
    skipped_irrelevant INTEGER,
    skipped_known   INTEGER,
    error           VARCHAR,
    seconds         DOUBLE,
    PRIMARY KEY (run_id, source_key)
);

-- An article is a story, identified by its content fingerprint: a wire story republished by
-- several outlets is one article with several appearances.
CREATE TABLE articles (
    article_id      VARCHAR PRIMARY KEY,
    canonical_url   VARCHAR NOT NULL,
    source_key      VARCHAR NOT NULL,          -- the first outlet it was seen at
    source_country  VARCHAR NOT NULL,
    direction       VARCHAR NOT NULL,          -- us->mx | mx->us
    title           VARCHAR,
    text            VARCHAR NOT NULL,
    published       DATE,
    language        VARCHAR,
    author          VARCHAR,
    first_run_id    VARCHAR NOT NULL,
    fetched_at      TIMESTAMP
);

CREATE TABLE appearances (
    article_id      VARCHAR NOT NULL,
    source_key      VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    published       DATE,
    first_run_id    VARCHAR NOT NULL,
    PRIMARY KEY (article_id, source_key)
);

CREATE TABLE sentences (
    article_id      VARCHAR NOT NULL,
    sentence_index  INTEGER NOT NULL,
    start_char      INTEGER NOT NULL,
    end_char        INTEGER NOT NULL,
    text            VARCHAR NOT NULL,
    PRIMARY KEY (article_id, sentence_index)
);

CREATE TABLE mentions (
    mention_id      VARCHAR PRIMARY KEY,       -- article_id:start:end
    article_id      VARCHAR NOT NULL,
    sentence_index  INTEGER NOT NULL,
    start_char      INTEGER NOT NULL,
    end_char        INTEGER NOT NULL,
    surface         VARCHAR NOT NULL,
    target          VARCHAR NOT NULL CHECK (target IN ('US', 'MX')),
    kind            VARCHAR NOT NULL
);

CREATE TABLE sentiment_scores (
    mention_id      VARCHAR NOT NULL,
    model_version   VARCHAR NOT NULL,
    label           VARCHAR NOT NULL CHECK (label IN ('negative', 'neutral', 'positive')),
    p_negative      DOUBLE NOT NULL,
    p_neutral       DOUBLE NOT NULL,
    p_positive      DOUBLE NOT NULL,
    run_id          VARCHAR NOT NULL,
    PRIMARY KEY (mention_id, model_version)
);

CREATE TABLE frame_scores (
    article_id      VARCHAR NOT NULL,
    frame           VARCHAR NOT NULL,
    model_version   VARCHAR NOT NULL,
    score           DOUBLE NOT NULL,
    evidence_sentence_index INTEGER NOT NULL,
    run_id          VARCHAR NOT NULL,
    PRIMARY KEY (article_id, frame, model_version)
);

-- Which articles each model version has analysed (including those with nothing to score),
-- so a rerun scores only what is new.
CREATE TABLE analyses (
    article_id      VARCHAR NOT NULL,
    model_version   VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL,
    relevant        BOOLEAN NOT NULL,
    mentions_other  INTEGER NOT NULL,
    stance          DOUBLE,                    -- mean of P(pos) - P(neg) over its mentions of the other country
    PRIMARY KEY (article_id, model_version)
);

-- What the dashboard reads, rebuilt after each run (see warehouse/sql/aggregate.sql).
-- Per direction and month: a republished story counts once.
CREATE TABLE agg_monthly (
    direction       VARCHAR NOT NULL,
    month           DATE NOT NULL,
    model_version   VARCHAR NOT NULL,
    articles        INTEGER NOT NULL,          -- relevant articles with at least one scored mention
    mentions        INTEGER NOT NULL,
    mean_stance     DOUBLE,                    -- mean article stance, in [-1, 1]
    stance_sd       DOUBLE,
    share_negative  DOUBLE,                    -- of scored mentions labelled negative
    PRIMARY KEY (direction, month, model_version)
);

-- Per outlet and month: every appearance counts (the wire story counts at each outlet that ran it).
CREATE TABLE agg_outlet_monthly (
    direction       VARCHAR NOT NULL,
    source_key      VARCHAR NOT NULL,
    month           DATE NOT NULL,
    model_version   VARCHAR NOT NULL,
    articles        INTEGER NOT NULL,
    mean_stance     DOUBLE,
    PRIMARY KEY (direction, source_key, month, model_version)
);

CREATE TABLE agg_frames_monthly (
    direction       VARCHAR NOT NULL,
    month           DATE NOT NULL,
    frame           VARCHAR NOT NULL,
    model_version   VARCHAR NOT NULL,
    articles        INTEGER NOT NULL,          -- articles whose score for the frame reaches the threshold
    share           DOUBLE NOT NULL,           -- of the direction's scored articles that month
    PRIMARY KEY (direction, month, frame, model_version)
);
