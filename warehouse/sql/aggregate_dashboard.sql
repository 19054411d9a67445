-- Rebuilds the dashboard's per-article tables (migration 002). Run by `rebuild_aggregates`, in the same
-- transaction as aggregate.sql, so the two never disagree.

-- name: clear_dashboard_aggregates
DELETE FROM agg_article_facts;
DELETE FROM agg_article_frames;

-- name: fill_agg_article_facts
INSERT INTO agg_article_facts
WITH mention_labels AS (
    SELECT m.article_id, s.model_version,
           count(*) AS mentions,
           count(*) FILTER (WHERE s.label = 'negative') AS negative
    FROM mentions m JOIN sentiment_scores s USING (mention_id)
    GROUP BY ALL
),
outlets AS (
    SELECT article_id, list(source_key ORDER BY source_key) AS outlets FROM appearances GROUP BY article_id
)
SELECT a.article_id, x.model_version, a.direction,
       coalesce(a.published, CAST(a.fetched_at AS DATE)) AS day,
       a.source_key, coalesce(o.outlets, [a.source_key]), coalesce(a.language, 'und'),
       x.stance, ml.mentions, ml.negative
FROM articles a
JOIN analyses x USING (article_id)
JOIN mention_labels ml ON ml.article_id = a.article_id AND ml.model_version = x.model_version
LEFT JOIN outlets o ON o.article_id = a.article_id
WHERE x.relevant AND x.stance IS NOT NULL AND coalesce(a.published, CAST(a.fetched_at AS DATE)) IS NOT NULL;

-- name: fill_agg_article_frames
-- ? = frame score threshold, ? = top k
INSERT INTO agg_article_frames
WITH ranked AS (
    SELECT f.*, row_number() OVER (PARTITION BY f.article_id, f.model_version ORDER BY f.score DESC, f.frame) AS rank
    FROM frame_scores f
)
SELECT r.article_id, r.model_version, r.frame, r.score, r.evidence_sentence_index,
       t.direction, t.day, t.source_key, t.language, t.stance
FROM ranked r
JOIN agg_article_facts t ON t.article_id = r.article_id AND t.model_version = r.model_version
WHERE r.score >= ? AND r.rank <= ?;
