-- Rebuilds the tables the dashboard reads. Run inside one transaction after each night's scoring.
-- An article's month is its publication month, or the month it was fetched when the page gave no date.

-- name: clear_aggregates
DELETE FROM agg_monthly;
DELETE FROM agg_outlet_monthly;
DELETE FROM agg_frames_monthly;

-- name: fill_agg_monthly
INSERT INTO agg_monthly
WITH scored AS (
    SELECT a.article_id, a.direction,
           date_trunc('month', coalesce(a.published, CAST(a.fetched_at AS DATE))) AS month,
           x.model_version, x.stance
    FROM articles a JOIN analyses x USING (article_id)
    WHERE x.relevant AND x.stance IS NOT NULL
),
mention_labels AS (
    SELECT m.article_id, s.model_version,
           count(*) AS mentions,
           count(*) FILTER (WHERE s.label = 'negative') AS negative
    FROM mentions m JOIN sentiment_scores s USING (mention_id)
    GROUP BY ALL
)
SELECT sc.direction, sc.month, sc.model_version,
       count(*) AS articles,
       sum(ml.mentions) AS mentions,
       avg(sc.stance) AS mean_stance,
       stddev_samp(sc.stance) AS stance_sd,
       sum(ml.negative) / sum(ml.mentions) AS share_negative
FROM scored sc JOIN mention_labels ml
  ON ml.article_id = sc.article_id AND ml.model_version = sc.model_version
GROUP BY ALL;

-- name: fill_agg_outlet_monthly
INSERT INTO agg_outlet_monthly
SELECT a.direction, p.source_key,
       date_trunc('month', coalesce(p.published, a.published, CAST(a.fetched_at AS DATE))) AS month,
       x.model_version, count(*) AS articles, avg(x.stance) AS mean_stance
FROM appearances p
JOIN articles a USING (article_id)
JOIN analyses x USING (article_id)
WHERE x.relevant AND x.stance IS NOT NULL
GROUP BY ALL;

-- name: fill_agg_frames_monthly
-- An article counts as using a frame when the frame's score reaches the threshold (first two ?) and
-- the frame is among the article's top-k frames (third ?): scores of a zero-shot scorer run high
-- across the board, and "leading frames" is what researchers read these shares as.
INSERT INTO agg_frames_monthly
WITH scored AS (
    SELECT a.article_id, a.direction,
           date_trunc('month', coalesce(a.published, CAST(a.fetched_at AS DATE))) AS month,
           x.model_version
    FROM articles a JOIN analyses x USING (article_id)
    WHERE x.relevant AND x.stance IS NOT NULL
),
totals AS (
    SELECT direction, month, model_version, count(*) AS n FROM scored GROUP BY ALL
),
ranked AS (
    SELECT f.*, row_number() OVER (PARTITION BY f.article_id, f.model_version ORDER BY f.score DESC, f.frame) AS rank
    FROM frame_scores f
)
SELECT sc.direction, sc.month, f.frame, sc.model_version,
       count(*) FILTER (WHERE f.score >= ? AND f.rank <= ?) AS articles,
       count(*) FILTER (WHERE f.score >= ? AND f.rank <= ?) / any_value(t.n) AS share
FROM scored sc
JOIN ranked f ON f.article_id = sc.article_id AND f.model_version = sc.model_version
JOIN totals t ON t.direction = sc.direction AND t.month = sc.month AND t.model_version = sc.model_version
GROUP BY ALL;
