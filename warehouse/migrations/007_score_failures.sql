-- 007: articles the analysis could not score. One row per article, model version and run in which its
-- analysis raised (the scorer's counterpart of crawl_problems): the rest of the run goes on, and the
-- next run tries the article once more (attempt 2); after that it is left here, on the health page,
-- until the model version changes. An article scored on its retry keeps its failed attempt as history.
CREATE TABLE score_failures (
    article_id      VARCHAR NOT NULL,
    model_version   VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL,
    attempt         INTEGER NOT NULL,          -- 1: retried next run; 2 (load.SCORE_ATTEMPTS): left
    error_type      VARCHAR NOT NULL,          -- the exception's class, e.g. ValueError
    error           VARCHAR NOT NULL,          -- its message, cut to 500 characters
    location        VARCHAR,                   -- where it was raised: "scoring.py:236 in mark_target"
    failed_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, model_version, run_id)
);

-- Articles a run could not score, beside the outlets that failed, so the runs table shows both.
ALTER TABLE runs ADD COLUMN articles_failed INTEGER;
