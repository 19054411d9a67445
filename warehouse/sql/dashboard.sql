-- Named queries of the dashboard's filtered pages. Values are always bound as named parameters
-- ($name), never formatted in. Most queries read the CTE `filtered` (the section below of that
-- name), which `espejo.dashboards.data` puts in front of them, so every page applies the same filters:
--   $model_version, $date_from, $date_to          always set
--   $outlets (list or NULL), $languages (list or NULL), $frame (or NULL), $topic_pattern (regex or NULL)

-- name: filtered
SELECT f.*
FROM agg_article_facts f
WHERE f.model_version = $model_version
  AND f.day BETWEEN $date_from AND $date_to
  AND ($outlets IS NULL OR list_has_any(f.outlets, $outlets))
  AND ($languages IS NULL OR list_contains($languages, f.language))
  AND ($frame IS NULL OR EXISTS (
        SELECT 1 FROM agg_article_frames g
        WHERE g.article_id = f.article_id AND g.model_version = f.model_version AND g.frame = $frame))
  AND ($topic_pattern IS NULL OR EXISTS (
        SELECT 1 FROM articles a
        WHERE a.article_id = f.article_id
          AND regexp_matches(lower(coalesce(a.title, '') || ' ' || a.text), $topic_pattern)))

-- name: has_dashboard_tables
SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('agg_article_facts', 'agg_article_frames');

-- name: date_bounds
SELECT min(day) AS first_day, max(day) AS last_day FROM agg_article_facts WHERE model_version = $model_version;

-- name: outlet_options
SELECT s.source_key, s.name, s.country, s.language FROM sources s ORDER BY s.country DESC, s.name;

-- name: language_options
SELECT DISTINCT language FROM agg_article_facts WHERE model_version = $model_version ORDER BY language;

-- name: frame_options
SELECT frame, count(*) AS articles FROM agg_article_frames WHERE model_version = $model_version
GROUP BY frame ORDER BY articles DESC, frame;

-- name: direction_summary
-- Per direction: n, mean and sample SD of article stance, mentions and the share labelled negative.
SELECT direction, count(*) AS articles, sum(mentions) AS mentions, avg(stance) AS mean_stance,
       stddev_samp(stance) AS stance_sd, sum(negative) / nullif(sum(mentions), 0) AS share_negative,
       min(day) AS first_day, max(day) AS last_day
FROM filtered GROUP BY direction ORDER BY direction;

-- name: period_series
-- $grain = 'day' | 'week' | 'month'
SELECT direction, CAST(date_trunc($grain, day) AS DATE) AS period, count(*) AS articles,
       sum(mentions) AS mentions, avg(stance) AS mean_stance, stddev_samp(stance) AS stance_sd,
       sum(negative) / nullif(sum(mentions), 0) AS share_negative
FROM filtered GROUP BY ALL ORDER BY direction, period;

-- name: article_stances
-- The stance of every filtered article (for bootstrap intervals), capped by $max_rows per direction.
SELECT direction, day, stance FROM (
    SELECT direction, day, stance, row_number() OVER (PARTITION BY direction ORDER BY hash(article_id)) AS k
    FROM filtered
) WHERE k <= $max_rows;

-- name: leading_frames
-- Per direction and frame: articles leading with it, as a share of the direction's filtered articles.
WITH totals AS (SELECT direction, count(*) AS n FROM filtered GROUP BY direction)
SELECT g.direction, g.frame, count(*) AS articles, count(*) / any_value(t.n) AS share
FROM agg_article_frames g
JOIN filtered f ON f.article_id = g.article_id AND f.model_version = g.model_version
JOIN totals t ON t.direction = g.direction
GROUP BY g.direction, g.frame ORDER BY g.direction, articles DESC, g.frame;

-- name: frame_series
-- $grain = 'week' | 'month'. Per direction, period and frame: articles leading with it and their share.
WITH totals AS (
    SELECT direction, CAST(date_trunc($grain, day) AS DATE) AS period, count(*) AS n FROM filtered GROUP BY ALL
)
SELECT g.direction, CAST(date_trunc($grain, g.day) AS DATE) AS period, g.frame, count(*) AS articles,
       count(*) / any_value(t.n) AS share, any_value(t.n) AS period_articles
FROM agg_article_frames g
JOIN filtered f ON f.article_id = g.article_id AND f.model_version = g.model_version
JOIN totals t ON t.direction = g.direction AND t.period = CAST(date_trunc($grain, g.day) AS DATE)
GROUP BY ALL ORDER BY g.direction, period, g.frame;

-- name: frame_outlet
-- Per outlet and frame: articles that ran at the outlet leading with the frame, share of the outlet's articles.
WITH per_outlet AS (
    SELECT f.article_id, f.model_version, f.direction, unnest(f.outlets) AS outlet FROM filtered f
),
totals AS (SELECT outlet, count(*) AS n FROM per_outlet GROUP BY outlet)
SELECT p.outlet, any_value(p.direction) AS direction, g.frame, count(*) AS articles,
       count(*) / any_value(t.n) AS share, any_value(t.n) AS outlet_articles
FROM per_outlet p
JOIN agg_article_frames g ON g.article_id = p.article_id AND g.model_version = p.model_version
JOIN totals t ON t.outlet = p.outlet
GROUP BY p.outlet, g.frame ORDER BY p.outlet, articles DESC;

-- name: outlet_summary_filtered
-- Per outlet (every appearance counts: a wire story counts at each outlet that ran it).
SELECT o.outlet AS source_key, coalesce(s.name, o.outlet) AS name, s.country, o.direction,
       count(*) AS articles, sum(o.mentions) AS mentions, avg(o.stance) AS mean_stance,
       stddev_samp(o.stance) AS stance_sd, sum(o.negative) / nullif(sum(o.mentions), 0) AS share_negative
FROM (SELECT f.*, unnest(f.outlets) AS outlet FROM filtered f) o
LEFT JOIN sources s ON s.source_key = o.outlet
GROUP BY ALL ORDER BY o.direction, articles DESC;

-- name: article_list
-- Filtered articles of a direction (or both: $direction NULL) within [$from2, $to2], with the sentence
-- behind each one's strongest-scored mention. $order = 'newest' | 'most_negative' | 'most_positive'.
WITH chosen AS (
    SELECT * FROM filtered f
    WHERE ($direction IS NULL OR f.direction = $direction)
      AND f.day BETWEEN $from2 AND $to2
      AND ($only_frame IS NULL OR EXISTS (
            SELECT 1 FROM agg_article_frames g
            WHERE g.article_id = f.article_id AND g.model_version = f.model_version AND g.frame = $only_frame))
    ORDER BY CASE WHEN $order = 'most_negative' THEN f.stance
                  WHEN $order = 'most_positive' THEN -f.stance END NULLS LAST,
             f.day DESC, f.article_id
    LIMIT $limit
),
ranked AS (
    SELECT m.article_id, m.sentence_index, m.surface, s.label, s.p_negative, s.p_neutral, s.p_positive, s.run_id,
           row_number() OVER (PARTITION BY m.article_id
                              ORDER BY abs(s.p_positive - s.p_negative) DESC, m.start_char) AS rank
    FROM mentions m JOIN sentiment_scores s USING (mention_id)
    WHERE s.model_version = $model_version AND m.article_id IN (SELECT article_id FROM chosen)
)
SELECT c.day, c.direction, a.title, c.source_key AS outlet, array_to_string(c.outlets, ', ') AS outlets,
       c.stance, c.mentions, r.label, r.p_negative, r.p_neutral, r.p_positive, r.surface AS target_as_written,
       t.text AS sentence, a.canonical_url AS url, c.article_id, r.run_id, c.model_version
FROM chosen c
JOIN articles a ON a.article_id = c.article_id
LEFT JOIN ranked r ON r.article_id = c.article_id AND r.rank = 1
LEFT JOIN sentences t ON t.article_id = r.article_id AND t.sentence_index = r.sentence_index
ORDER BY CASE WHEN $order = 'most_negative' THEN c.stance
              WHEN $order = 'most_positive' THEN -c.stance END NULLS LAST,
         c.day DESC, c.article_id;

-- name: search_articles
-- Full-text search without the fts extension: a case-insensitive substring match ($q, bound, with
-- LIKE wildcards escaped by the caller) over title and text.
SELECT f.day, f.direction, a.title, f.source_key AS outlet, f.stance, f.mentions, a.article_id,
       a.canonical_url AS url
FROM filtered f JOIN articles a ON a.article_id = f.article_id
WHERE a.title ILIKE $q ESCAPE '\' OR a.text ILIKE $q ESCAPE '\'
ORDER BY f.day DESC, a.article_id
LIMIT $limit;

-- name: article_header
SELECT a.article_id, a.title, a.canonical_url AS url, a.source_key, s.name AS outlet_name, a.direction,
       a.published, a.fetched_at, a.language, a.author, a.first_run_id,
       (SELECT string_agg(p.source_key, ', ' ORDER BY p.source_key) FROM appearances p
        WHERE p.article_id = a.article_id) AS outlets,
       x.model_version, x.run_id AS analysis_run_id, x.stance, x.mentions_other, x.relevant
FROM articles a
LEFT JOIN sources s ON s.source_key = a.source_key
LEFT JOIN analyses x ON x.article_id = a.article_id AND x.model_version = $model_version
WHERE a.article_id = $article_id;

-- name: article_sentences
-- Each sentence with its scored mentions of the other country (NULL label when it has none).
SELECT t.sentence_index, t.text, m.surface, m.start_char - t.start_char AS start_in_sentence,
       m.end_char - t.start_char AS end_in_sentence, s.label, s.p_negative, s.p_neutral, s.p_positive, s.run_id
FROM sentences t
LEFT JOIN mentions m ON m.article_id = t.article_id AND m.sentence_index = t.sentence_index
LEFT JOIN sentiment_scores s ON s.mention_id = m.mention_id AND s.model_version = $model_version
WHERE t.article_id = $article_id
ORDER BY t.sentence_index, m.start_char;

-- name: article_frames
SELECT f.frame, f.score, f.evidence_sentence_index, t.text AS evidence, f.run_id,
       EXISTS (SELECT 1 FROM agg_article_frames g WHERE g.article_id = f.article_id
               AND g.model_version = f.model_version AND g.frame = f.frame) AS leading
FROM frame_scores f
LEFT JOIN sentences t ON t.article_id = f.article_id AND t.sentence_index = f.evidence_sentence_index
WHERE f.article_id = $article_id AND f.model_version = $model_version
ORDER BY f.score DESC;

-- name: topic_series
-- One topic ($topic, its terms as one regex $pattern): per direction and period.
SELECT $topic AS topic, f.direction, CAST(date_trunc($grain, f.day) AS DATE) AS period, count(*) AS articles,
       avg(f.stance) AS mean_stance, stddev_samp(f.stance) AS stance_sd,
       sum(f.negative) / nullif(sum(f.mentions), 0) AS share_negative
FROM filtered f JOIN articles a ON a.article_id = f.article_id
WHERE regexp_matches(lower(coalesce(a.title, '') || ' ' || a.text), $pattern)
GROUP BY ALL ORDER BY f.direction, period;

-- name: vocabulary_counts
-- Word counts in the scored sentences of up to $sample filtered articles per group. Groups: the two
-- directions within [$date_from, $date_to], or ($by_period) a direction's current period vs the previous one.
WITH grouped AS (
    SELECT f.article_id,
           CASE WHEN $by_period THEN (CASE WHEN f.day >= $split_day THEN 'current' ELSE 'previous' END)
                ELSE f.direction END AS grp
    FROM filtered f
    WHERE ($direction IS NULL OR f.direction = $direction)
),
picked AS (
    SELECT article_id, grp, row_number() OVER (PARTITION BY grp ORDER BY hash(article_id)) AS k FROM grouped
),
scored_sentences AS (
    SELECT DISTINCT p.grp, m.article_id, m.sentence_index
    FROM picked p JOIN mentions m ON m.article_id = p.article_id
    WHERE p.k <= $sample
),
words AS (
    SELECT s.grp, unnest(regexp_split_to_array(lower(t.text), '[^a-záéíóúüñ]+')) AS word
    FROM scored_sentences s JOIN sentences t ON t.article_id = s.article_id AND t.sentence_index = s.sentence_index
)
SELECT grp, word, count(*) AS n FROM words
WHERE length(word) >= 3 AND NOT list_contains($stopwords, word)
GROUP BY ALL;

-- name: recent_runs
SELECT run_id, started_at, finished_at, status, sources_ok, sources_failed, items_crawled, articles_new,
       mentions_scored, frames_scored, total_seconds, model_version, code_version, notes
FROM runs ORDER BY started_at DESC LIMIT $limit;

-- name: run_sources_recent
SELECT r.started_at, rs.run_id, rs.source_key, s.name, s.country, rs.status, rs.items, rs.pages_fetched,
       rs.http_errors, rs.skipped_irrelevant, rs.skipped_known, rs.error, rs.seconds
FROM run_sources rs JOIN runs r USING (run_id) LEFT JOIN sources s USING (source_key)
WHERE rs.run_id IN (SELECT run_id FROM runs ORDER BY started_at DESC LIMIT $limit)
ORDER BY r.started_at DESC, rs.source_key;

-- name: source_weekly_volume
-- Articles first seen at each outlet per week (by publication date, else fetch date), all model versions.
SELECT a.source_key, CAST(date_trunc('week', coalesce(a.published, CAST(a.fetched_at AS DATE))) AS DATE) AS week,
       count(*) AS articles
FROM articles a
WHERE coalesce(a.published, CAST(a.fetched_at AS DATE)) IS NOT NULL
GROUP BY ALL ORDER BY a.source_key, week;

-- name: export_articles
SELECT f.article_id, f.direction, f.day, f.source_key, array_to_string(f.outlets, ';') AS outlets, f.language,
       a.title, a.canonical_url AS url, f.stance, f.mentions, f.negative, f.model_version, x.run_id AS analysis_run_id
FROM filtered f JOIN articles a ON a.article_id = f.article_id
JOIN analyses x ON x.article_id = f.article_id AND x.model_version = f.model_version
ORDER BY f.day, f.article_id
LIMIT $limit;

-- name: export_mentions
SELECT m.mention_id, m.article_id, f.direction, f.day, m.sentence_index, m.surface, m.target, s.label,
       s.p_negative, s.p_neutral, s.p_positive, t.text AS sentence, s.model_version, s.run_id
FROM filtered f
JOIN mentions m ON m.article_id = f.article_id
JOIN sentiment_scores s ON s.mention_id = m.mention_id AND s.model_version = f.model_version
JOIN sentences t ON t.article_id = m.article_id AND t.sentence_index = m.sentence_index
ORDER BY f.day, m.article_id, m.start_char
LIMIT $limit;
