-- Named read queries used by the CLI and the dashboard. Values are always bound (?), never formatted in.

-- name: model_versions
-- The version the nightly runs use comes first (the dashboard opens on it); a version added by
-- `espejo rescore` is listed after it, for comparison, even when the rescore ran later.
SELECT x.model_version, count(*) AS articles, arg_max(x.run_id, r.started_at) AS last_run_id
FROM analyses x JOIN runs r USING (run_id)
GROUP BY x.model_version
ORDER BY max(r.started_at) FILTER (WHERE coalesce(r.notes, '') NOT LIKE 'rescore %') DESC NULLS LAST,
         max(r.started_at) DESC;

-- name: monthly_series
-- ? = model version
SELECT direction, month, articles, mentions, mean_stance, stance_sd, share_negative
FROM agg_monthly WHERE model_version = ? ORDER BY direction, month;

-- name: frame_shares
-- ? = model version
SELECT direction, frame, sum(articles) AS articles,
       sum(articles) / (SELECT sum(m.articles) FROM agg_monthly m
                        WHERE m.direction = f.direction AND m.model_version = f.model_version) AS share
FROM agg_frames_monthly f WHERE model_version = ?
GROUP BY direction, frame, model_version ORDER BY direction, share DESC;

-- name: outlet_summary
-- ? = model version
SELECT o.direction, o.source_key, s.name, s.language, sum(o.articles) AS articles,
       sum(o.mean_stance * o.articles) / sum(o.articles) AS mean_stance
FROM agg_outlet_monthly o JOIN sources s USING (source_key)
WHERE o.model_version = ? GROUP BY ALL ORDER BY o.direction, articles DESC;

-- name: evidence
-- For each article of a direction: its stance and the sentence behind its strongest-scored mention.
-- ? = model version, ? = direction, ? = row limit
WITH ranked AS (
    SELECT m.article_id, m.sentence_index, m.surface, s.label, s.p_negative, s.p_neutral, s.p_positive,
           s.run_id,
           row_number() OVER (PARTITION BY m.article_id
                              ORDER BY abs(s.p_positive - s.p_negative) DESC, m.start_char) AS rank
    FROM mentions m JOIN sentiment_scores s USING (mention_id)
    WHERE s.model_version = ?
)
SELECT a.published, a.title, a.source_key AS outlet,
       (SELECT string_agg(p.source_key, ', ' ORDER BY p.source_key) FROM appearances p
        WHERE p.article_id = a.article_id) AS outlets,
       x.stance, r.label, r.p_negative, r.p_neutral, r.p_positive, r.surface AS target_as_written,
       t.text AS sentence, a.canonical_url AS url, a.article_id, r.run_id, x.model_version
FROM ranked r
JOIN articles a USING (article_id)
JOIN analyses x ON x.article_id = a.article_id AND x.model_version = ?
JOIN sentences t ON t.article_id = r.article_id AND t.sentence_index = r.sentence_index
WHERE r.rank = 1 AND x.relevant AND a.direction = ?
ORDER BY a.published DESC NULLS LAST, a.article_id
LIMIT ?;

-- name: runs
SELECT run_id, started_at, finished_at, status, sources_ok, sources_failed, items_crawled,
       articles_new, mentions_scored, frames_scored, total_seconds, model_version, code_version
FROM runs ORDER BY started_at DESC;

-- name: articles_by_country_language
SELECT s.country AS source_country, coalesce(a.language, 'und') AS language, count(*) AS articles
FROM articles a JOIN sources s ON s.source_key = a.source_key
GROUP BY ALL ORDER BY ALL;

-- name: scored_mentions_by_direction
SELECT a.direction, count(*) AS mentions
FROM sentiment_scores s JOIN mentions m USING (mention_id) JOIN articles a USING (article_id)
GROUP BY ALL ORDER BY ALL;

-- name: frames_scored
SELECT count(*) FROM frame_scores;

-- name: runs_recorded
SELECT count(*) FROM runs;

-- name: analysed_by_version
-- ? = model version. Articles that model version has analysed (a rescore counts what it added).
SELECT count(*) FROM analyses WHERE model_version = ?;
