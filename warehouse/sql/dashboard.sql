-- Named queries of the dashboard's filtered pages. Values are always bound as named parameters
-- ($name), never formatted in. Most queries read the CTE `filtered` (the section below of that name),
-- which `espejo.warehouse.dashboard_queries` puts in front of them, so every page applies the same filters:
--   $model_version, $date_from, $date_to          always set
--   $outlets (list or NULL), $languages (list or NULL), $frame (or NULL),
--   $topic_key (a topic materialised in agg_article_topics, or NULL)
-- and, only for a topic edited since the aggregates were built, the clause `topic_text_match` with
-- $topic_pattern (its regex, matched against the text). Every other filter reads a column of
-- agg_article_facts (sorted by model version and day, see migration 003): no other table is joined.

-- name: filtered
SELECT f.*
FROM agg_article_facts f
WHERE f.model_version = $model_version
  AND f.day BETWEEN $date_from AND $date_to
  AND ($outlets IS NULL OR list_has_any(f.outlets, $outlets))
  AND ($languages IS NULL OR list_contains($languages, f.language))
  AND ($frame IS NULL OR list_contains(f.frames, $frame))
  AND ($topic_key IS NULL OR list_contains(f.topics, $topic_key))

-- name: topic_text_match
-- Appended to `filtered` for a topic that agg_article_topics does not hold as it is now written.
EXISTS (
    SELECT 1 FROM articles a
    WHERE a.article_id = f.article_id
      AND regexp_matches(lower(coalesce(a.title, '') || ' ' || a.text), $topic_pattern))

-- name: has_dashboard_tables
-- migration 003's tables (a snapshot published before it has only the first two, with other columns)
SELECT count(*) FROM duckdb_tables()
WHERE table_name IN ('agg_article_facts', 'agg_article_frames', 'agg_article_topics', 'agg_topic_terms',
                     'agg_mention_facts', 'agg_outlet_sets', 'agg_frame_sets', 'agg_topic_sets');

-- name: materialised_topics
SELECT topic, pattern FROM agg_topic_terms;

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
-- The stance of every filtered article (for bootstrap intervals), capped by $max_rows per direction: the
-- $max_rows smallest sample_key (= hash(article_id), stored).
SELECT direction, day, stance FROM (
    SELECT direction, day, stance, row_number() OVER (PARTITION BY direction ORDER BY sample_key) AS k
    FROM filtered
) WHERE k <= $max_rows;

-- name: article_stances_bounded
-- The same rows as article_stances, sorting fewer: hashes are uniform over UBIGINT, so the $max_rows
-- smallest of n lie below about 2^64·$max_rows/n; rows over 1.1 times that bound are dropped before the
-- window. `complete` says whether enough rows stayed below it (else the caller runs article_stances).
WITH c AS (SELECT direction, day, stance, sample_key FROM filtered),
n AS (SELECT direction, count(*) AS n FROM c GROUP BY direction),
bounds AS (
    SELECT direction, n, CASE WHEN n <= $max_rows OR 1.1 * $max_rows / n + 0.001 >= 1.0 THEN NULL
           ELSE CAST((1.1 * $max_rows / n + 0.001) * 18446744073709551615.0 AS UBIGINT) END AS bound
    FROM n
),
reduced AS (
    SELECT c.direction, c.day, c.stance, c.sample_key, b.n FROM c JOIN bounds b ON b.direction = c.direction
    WHERE b.bound IS NULL OR c.sample_key <= b.bound
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY direction ORDER BY sample_key) AS k,
           count(*) OVER (PARTITION BY direction) AS kept
    FROM reduced
)
SELECT direction, day, stance, kept >= least(n, $max_rows) AS complete FROM ranked WHERE k <= $max_rows;

-- name: leading_frames
-- Per direction and frame: articles leading with it, as a share of the direction's filtered articles.
-- Counted per distinct list of leading frames (frame_set) first, then per frame (agg_frame_sets).
WITH by_set AS (SELECT direction, frame_set, count(*) AS n FROM filtered GROUP BY ALL),
totals AS (SELECT direction, CAST(sum(n) AS BIGINT) AS n FROM by_set GROUP BY direction),
counts AS (
    SELECT b.direction, s.frame, CAST(sum(b.n) AS BIGINT) AS articles
    FROM by_set b JOIN agg_frame_sets s ON s.frame_set = b.frame_set GROUP BY ALL
)
SELECT c.direction, c.frame, c.articles, c.articles / t.n AS share
FROM counts c JOIN totals t ON t.direction = c.direction
ORDER BY c.direction, c.articles DESC, c.frame;

-- name: frame_series
-- $grain = 'week' | 'month'. Per direction, period and frame: articles leading with it and their share.
WITH by_set AS (
    SELECT direction, CAST(date_trunc($grain, day) AS DATE) AS period, frame_set, count(*) AS n
    FROM filtered GROUP BY ALL
),
totals AS (SELECT direction, period, CAST(sum(n) AS BIGINT) AS n FROM by_set GROUP BY ALL),
counts AS (
    SELECT b.direction, b.period, s.frame, CAST(sum(b.n) AS BIGINT) AS articles
    FROM by_set b JOIN agg_frame_sets s ON s.frame_set = b.frame_set GROUP BY ALL
)
SELECT c.direction, c.period, c.frame, c.articles, c.articles / t.n AS share, t.n AS period_articles
FROM counts c JOIN totals t ON t.direction = c.direction AND t.period = c.period
ORDER BY c.direction, c.period, c.frame;

-- name: frame_outlet
-- Per outlet and frame: articles that ran at the outlet leading with the frame, share of the outlet's articles.
WITH by_set AS (SELECT direction, outlet_set, frame_set, count(*) AS n FROM filtered GROUP BY ALL),
per_outlet AS (
    SELECT o.outlet, b.direction, b.frame_set, b.n FROM by_set b JOIN agg_outlet_sets o ON o.outlet_set = b.outlet_set
),
totals AS (SELECT outlet, CAST(sum(n) AS BIGINT) AS n FROM per_outlet GROUP BY outlet),
counts AS (
    SELECT p.outlet, any_value(p.direction) AS direction, s.frame, CAST(sum(p.n) AS BIGINT) AS articles
    FROM per_outlet p JOIN agg_frame_sets s ON s.frame_set = p.frame_set GROUP BY p.outlet, s.frame
)
SELECT c.outlet, c.direction, c.frame, c.articles, c.articles / t.n AS share, t.n AS outlet_articles
FROM counts c JOIN totals t ON t.outlet = c.outlet
ORDER BY c.outlet, c.articles DESC, c.frame;

-- name: outlet_summary_filtered
-- Per outlet (every appearance counts: a wire story counts at each outlet that ran it).
-- The outlets come from agg_outlet_sets, joined on the integer outlet_set (no unnest of strings).
SELECT o.outlet AS source_key, coalesce(s.name, o.outlet) AS name, s.country, f.direction,
       count(*) AS articles, sum(f.mentions) AS mentions, avg(f.stance) AS mean_stance,
       stddev_samp(f.stance) AS stance_sd, sum(f.negative) / nullif(sum(f.mentions), 0) AS share_negative
FROM filtered f
JOIN agg_outlet_sets o ON o.outlet_set = f.outlet_set
LEFT JOIN sources s ON s.source_key = o.outlet
GROUP BY ALL ORDER BY f.direction, articles DESC, o.outlet;

-- name: article_list
-- Filtered articles of a direction (or both: $direction NULL) within [$from2, $to2], with the sentence
-- behind each one's strongest-scored mention (the top_* columns, chosen at aggregate time).
-- ORDER BY is one of the `article_order_*` sections below, put in by the caller: plain columns (not a
-- CASE on a parameter) let DuckDB's top-N skip row groups by their min/max day (0.8 s -> 0.01 s at 1M).
SELECT c.day, c.direction, c.title, c.source_key AS outlet, array_to_string(c.outlets, ', ') AS outlets,
       c.stance, c.mentions, c.top_label AS label, c.top_p_negative AS p_negative, c.top_p_neutral AS p_neutral,
       c.top_p_positive AS p_positive, c.top_surface AS target_as_written, c.top_sentence AS sentence, c.url,
       c.article_id, c.top_run_id AS run_id, c.model_version
FROM filtered c
WHERE ($direction IS NULL OR c.direction = $direction)
  AND c.day BETWEEN $from2 AND $to2
  AND ($only_frame IS NULL OR list_contains(c.frames, $only_frame))
ORDER BY ORDER_CLAUSE
LIMIT $limit;

-- name: article_order_newest
c.day DESC, c.article_id

-- name: article_order_most_negative
c.stance, c.day DESC, c.article_id

-- name: article_order_most_positive
c.stance DESC, c.day DESC, c.article_id

-- name: search_articles
-- Full-text search without the fts extension: a case-insensitive substring match of $q (bound, taken
-- literally) over title and text: contains(lower(..)) is what ILIKE '%q%' does, without its per-character
-- pattern matcher (ILIKE ... ESCAPE took 2 s at 1M articles, this ~0.1 s).
-- The newest $limit matches are picked on (day, article_id) alone; only those rows' titles and URLs are read.
SELECT f.day, f.direction, f.title, f.source_key AS outlet, f.stance, f.mentions, f.article_id, f.url
FROM filtered f
WHERE f.article_id IN (
    SELECT g.article_id FROM filtered g
    WHERE g.article_id IN (
        SELECT a.article_id FROM articles a
        WHERE contains(lower(a.title), lower($q)) OR contains(lower(a.text), lower($q)))
    ORDER BY g.day DESC, g.article_id
    LIMIT $limit)
ORDER BY f.day DESC, f.article_id;

-- name: article_header
SELECT a.article_id, a.title, a.canonical_url AS url, a.source_key, s.name AS outlet_name, a.direction,
       a.published, a.fetched_at, a.language, a.author, a.first_run_id,
       (SELECT string_agg(p.source_key, ', ' ORDER BY p.source_key) FROM appearances p
        WHERE p.article_id = $article_id) AS outlets,
       x.model_version, x.run_id AS analysis_run_id, x.stance, x.mentions_other, x.relevant
FROM articles a
LEFT JOIN sources s ON s.source_key = a.source_key
-- each base table is filtered by the id itself before any join: a join would hash the whole table
LEFT JOIN (SELECT * FROM analyses WHERE article_id = $article_id AND model_version = $model_version) x
       ON x.article_id = a.article_id
WHERE a.article_id = $article_id;

-- name: article_sentences
-- Each sentence with its scored mentions of the other country (NULL label when it has none).
WITH m AS (SELECT * FROM mentions WHERE article_id = $article_id),
s AS (SELECT * FROM sentiment_scores
      WHERE model_version = $model_version AND mention_id IN (SELECT mention_id FROM m))
SELECT t.sentence_index, t.text, m.surface, m.start_char - t.start_char AS start_in_sentence,
       m.end_char - t.start_char AS end_in_sentence, s.label, s.p_negative, s.p_neutral, s.p_positive, s.run_id
FROM (SELECT * FROM sentences WHERE article_id = $article_id) t
LEFT JOIN m ON m.sentence_index = t.sentence_index
LEFT JOIN s ON s.mention_id = m.mention_id
ORDER BY t.sentence_index, m.start_char;

-- name: article_frames
SELECT f.frame, f.score, f.evidence_sentence_index, t.text AS evidence, f.run_id,
       f.frame IN (SELECT g.frame FROM agg_article_frames g
                   WHERE g.article_id = $article_id AND g.model_version = $model_version) AS leading
FROM (SELECT * FROM frame_scores WHERE article_id = $article_id AND model_version = $model_version) f
LEFT JOIN (SELECT * FROM sentences WHERE article_id = $article_id) t
       ON t.sentence_index = f.evidence_sentence_index
ORDER BY f.score DESC;

-- name: topic_series_materialised
-- Every topic in $topics (keys materialised in agg_article_topics) at once: per topic, direction and period.
SELECT t.topic, f.direction, CAST(date_trunc($grain, f.day) AS DATE) AS period, count(*) AS articles,
       avg(f.stance) AS mean_stance, stddev_samp(f.stance) AS stance_sd,
       sum(f.negative) / nullif(sum(f.mentions), 0) AS share_negative
FROM filtered f
JOIN agg_topic_sets t ON t.topic_set = f.topic_set
WHERE list_contains($topics, t.topic)
GROUP BY ALL ORDER BY t.topic, f.direction, period;

-- name: topic_series
-- One topic ($topic, its terms as one regex $pattern) that is not materialised: per direction and period.
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
-- A sentence counts once, and only if it holds a scored mention of the other country (this model version):
-- agg_mention_facts carries the sentence, sorted by version and day, so neither 5M-row table is joined.
scored_sentences AS (
    SELECT DISTINCT p.grp, m.article_id, m.sentence_index, m.sentence
    FROM picked p JOIN agg_mention_facts m ON m.article_id = p.article_id
    WHERE p.k <= $sample AND m.model_version = $model_version AND m.day BETWEEN $date_from AND $date_to
),
words AS (
    SELECT grp, unnest(regexp_split_to_array(lower(sentence), '[^a-záéíóúüñ]+')) AS word FROM scored_sentences
)
SELECT grp, word, count(*) AS n FROM words
WHERE length(word) >= 3 AND NOT list_contains($stopwords, word)
GROUP BY ALL;

-- name: recent_runs
SELECT run_id, started_at, finished_at, status, sources_ok, sources_failed, items_crawled, articles_new,
       mentions_scored, frames_scored, articles_failed, total_seconds, model_version, code_version, notes
FROM runs ORDER BY started_at DESC LIMIT $limit;

-- name: run_sources_recent
SELECT r.started_at, rs.run_id, rs.source_key, s.name, s.country, rs.status, rs.items, rs.pages_fetched,
       rs.http_errors, rs.skipped_irrelevant, rs.skipped_known, rs.error, rs.stopped_by, rs.seconds
FROM run_sources rs JOIN runs r USING (run_id) LEFT JOIN sources s USING (source_key)
WHERE rs.run_id IN (SELECT run_id FROM runs ORDER BY started_at DESC LIMIT $limit)
ORDER BY r.started_at DESC, rs.source_key;

-- name: has_frame_labels
SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'frame_labels';

-- name: frame_labels
-- The codebook's labels (migration 006), as the last run stored them.
SELECT frame, label_en, label_es FROM frame_labels ORDER BY frame;

-- name: has_crawl_problems
SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'crawl_problems';

-- name: crawl_problems_latest
-- Page problems of the latest run that recorded its outlets (a run still crawling has none yet).
SELECT p.run_id, p.source_key, s.name, p.kind, p.url, p.detail
FROM crawl_problems p LEFT JOIN sources s USING (source_key)
WHERE p.run_id = (SELECT r.run_id FROM runs r WHERE r.run_id IN (SELECT run_id FROM run_sources)
                  ORDER BY r.started_at DESC LIMIT 1)
ORDER BY p.source_key, p.kind, p.url;

-- name: has_score_failures
SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'score_failures';

-- name: score_failures_open
-- Articles a model version could not score and has not scored since (migration 007), each with its
-- latest failed attempt: attempt 1 is tried again by the next run, the last (load.SCORE_ATTEMPTS) is left.
SELECT f.run_id, f.failed_at, a.source_key, a.title, a.canonical_url AS url, f.attempt, f.error_type, f.error,
       f.location, f.model_version, f.article_id
FROM score_failures f JOIN articles a USING (article_id)
WHERE NOT EXISTS (SELECT 1 FROM analyses x WHERE x.article_id = f.article_id AND x.model_version = f.model_version)
QUALIFY row_number() OVER (PARTITION BY f.article_id, f.model_version ORDER BY f.attempt DESC) = 1
ORDER BY f.failed_at DESC, f.article_id
LIMIT $limit;

-- name: source_weekly_volume
-- Articles first seen at each outlet per week (by publication date, else fetch date), all model versions.
SELECT a.source_key, CAST(date_trunc('week', coalesce(a.published, CAST(a.fetched_at AS DATE))) AS DATE) AS week,
       count(*) AS articles
FROM articles a
WHERE coalesce(a.published, CAST(a.fetched_at AS DATE)) IS NOT NULL
GROUP BY ALL ORDER BY a.source_key, week;

-- name: export_articles
SELECT f.article_id, f.direction, f.day, f.source_key, array_to_string(f.outlets, ';') AS outlets, f.language,
       f.title, f.url, f.stance, f.mentions, f.negative, f.model_version, f.analysis_run_id
FROM filtered f
ORDER BY f.day, f.article_id
LIMIT $limit OFFSET $offset;

-- name: export_counts
-- Rows each export holds: the export page shows these and one page of rows; the whole file is only
-- read when a download is asked for.
SELECT (SELECT count(*) FROM filtered) AS articles,
       (SELECT count(*) FROM agg_mention_facts m
        WHERE m.model_version = $model_version AND m.day BETWEEN $date_from AND $date_to
          AND m.article_id IN (SELECT article_id FROM filtered)) AS mentions;

-- name: export_mentions
-- From agg_mention_facts, sorted as exported: the date range prunes it to the period's row groups.
SELECT m.mention_id, m.article_id, m.direction, m.day, m.sentence_index, m.surface, m.target, m.label,
       m.p_negative, m.p_neutral, m.p_positive, m.sentence, m.model_version, m.run_id
FROM agg_mention_facts m
WHERE m.model_version = $model_version AND m.day BETWEEN $date_from AND $date_to
  AND m.article_id IN (SELECT article_id FROM filtered)
ORDER BY m.day, m.article_id, m.start_char
LIMIT $limit OFFSET $offset;

-- Validation samples (espejo.warehouse.codings): candidates are the filtered articles and their scored
-- mentions; only the columns strata are made of are read for all of them, the texts only for those drawn.

-- name: sample_mention_candidates
SELECT m.mention_id AS item_id, m.article_id, f.direction, f.source_key, f.day, m.label AS predicted
FROM filtered f JOIN agg_mention_facts m ON m.article_id = f.article_id
WHERE m.model_version = $model_version AND m.day BETWEEN $date_from AND $date_to;

-- name: sample_article_candidates
SELECT f.article_id AS item_id, f.article_id, f.direction, f.source_key, f.day, f.stance
FROM filtered f;

-- name: sample_mention_items
-- The drawn mentions ($ids, of the articles $article_ids) with the sentence, the target's span inside it
-- (mentions and sentences hold offsets in the article's text) and the article.
SELECT m.mention_id AS item_id, m.article_id, f.direction, f.language, f.source_key, src.name AS outlet, f.day,
       f.title, f.url, m.sentence, mm.start_char - t.start_char AS target_start,
       mm.end_char - t.start_char AS target_end, m.surface, m.target, a.text AS article_text,
       m.label AS predicted_label, m.p_negative, m.p_neutral, m.p_positive
FROM filtered f
JOIN agg_mention_facts m ON m.article_id = f.article_id
-- each base table is filtered by the ids before any join: a join would hash the whole table
JOIN (SELECT * FROM mentions WHERE list_contains($ids, mention_id)) mm ON mm.mention_id = m.mention_id
JOIN (SELECT * FROM sentences WHERE list_contains($article_ids, article_id)) t
  ON t.article_id = m.article_id AND t.sentence_index = m.sentence_index
JOIN (SELECT * FROM articles WHERE list_contains($article_ids, article_id)) a ON a.article_id = m.article_id
LEFT JOIN sources src ON src.source_key = f.source_key
WHERE m.model_version = $model_version AND m.day BETWEEN $date_from AND $date_to
  AND list_contains($ids, m.mention_id);

-- name: sample_article_items
SELECT f.article_id AS item_id, f.article_id, f.direction, f.language, f.source_key, src.name AS outlet, f.day,
       f.title, f.url, a.text AS article_text, f.frames AS predicted_frames, f.stance
FROM filtered f
JOIN (SELECT * FROM articles WHERE list_contains($ids, article_id)) a ON a.article_id = f.article_id
LEFT JOIN sources src ON src.source_key = f.source_key
WHERE list_contains($ids, f.article_id);

-- name: sample_mention_predictions
-- What $model_version says of the sample's mentions $ids (absent: that version has not scored them).
SELECT mention_id AS item_id, label AS predicted_label, p_negative, p_neutral, p_positive
FROM agg_mention_facts WHERE model_version = $model_version AND list_contains($ids, mention_id);

-- name: sample_article_predictions
SELECT article_id AS item_id, frames AS predicted_frames, stance
FROM agg_article_facts WHERE model_version = $model_version AND list_contains($ids, article_id);

-- name: latest_run_id
-- The snapshot's latest run: which published state a sample was drawn from.
SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1;

-- Stories (migration 008): the articles about one event across outlets, countries and languages. Membership
-- is per article and independent of the model version; what a model version says of an article comes from
-- agg_article_facts, so an article it did not score is in its story but outside `filtered`.

-- name: has_stories
-- 3 from migration 008 on; an older snapshot has none of them.
SELECT count(*) AS n FROM duckdb_tables() WHERE table_name IN ('stories', 'story_articles', 'article_vectors');

-- name: stories_stored
SELECT count(*) AS n FROM stories WHERE articles >= $min_articles;

-- name: story_list
-- The stories of at least $min_articles articles of which any article passes the filters, biggest first.
-- Size, days and sides are the whole story's (an event is not cut by an outlet filter); `matched` counts
-- its filtered articles. $sides: 'all', 'both' (articles of both countries' media) or 'one' (of one only).
-- Each row also carries how many stories pass the filters per coverage (n_both, n_us_only, n_mx_only),
-- counted before $sides and $limit: the page's counts cost no second pass over story_articles.
WITH hits AS (
    SELECT m.story_id, count(*) AS matched
    FROM filtered f JOIN story_articles m ON m.article_id = f.article_id
    GROUP BY m.story_id
),
listed AS MATERIALIZED (
    SELECT s.story_id, s.title, s.first_day, s.last_day, s.articles, s.us_articles, s.mx_articles,
           s.languages, h.matched,
           CASE WHEN s.us_articles > 0 AND s.mx_articles > 0 THEN 'both'
                WHEN s.us_articles > 0 THEN 'us_only' ELSE 'mx_only' END AS coverage
    FROM hits h JOIN stories s ON s.story_id = h.story_id
    WHERE s.articles >= $min_articles
),
-- (an aggregate joined on, not a window: DuckDB's filtered window count over all rows took seconds)
totals AS (
    SELECT count(*) FILTER (WHERE coverage = 'both') AS n_both,
           count(*) FILTER (WHERE coverage = 'us_only') AS n_us_only,
           count(*) FILTER (WHERE coverage = 'mx_only') AS n_mx_only
    FROM listed
)
SELECT l.story_id, l.title, l.first_day, l.last_day, l.articles, l.us_articles, l.mx_articles,
       array_to_string(l.languages, ', ') AS languages, l.matched, l.coverage, t.n_both, t.n_us_only, t.n_mx_only
FROM listed l CROSS JOIN totals t
WHERE $sides = 'all' OR ($sides = 'both') = (l.coverage = 'both')
ORDER BY l.articles DESC, l.matched DESC, l.last_day DESC, l.story_id
LIMIT $limit;

-- name: story_counts
-- Stories of at least $min_articles articles with any filtered article, per coverage (as story_list).
WITH hits AS (
    SELECT DISTINCT m.story_id FROM filtered f JOIN story_articles m ON m.article_id = f.article_id
)
SELECT CASE WHEN s.us_articles > 0 AND s.mx_articles > 0 THEN 'both'
            WHEN s.us_articles > 0 THEN 'us_only' ELSE 'mx_only' END AS coverage,
       count(*) AS stories
FROM hits h JOIN stories s ON s.story_id = h.story_id
WHERE s.articles >= $min_articles
GROUP BY ALL ORDER BY coverage;

-- name: story_header
SELECT story_id, title, first_day, last_day, articles, us_articles, mx_articles, languages, names, formed_run_id,
       updated_run_id, embed_model, rules_sha256
FROM stories WHERE story_id = $story_id;

-- name: story_member_ids
SELECT article_id FROM story_articles WHERE story_id = $story_id ORDER BY article_id;

-- name: story_members
-- Every article of story $story_id (the sidebar's filters chose the story, not its articles): $ids, from
-- story_member_ids, with what $model_version says of each (NULL where it did not score it) and its cosine to
-- the story's centroid now (`closeness`; NULL without a stored vector). Each base table is cut to the bound ids
-- before any join, and agg_article_facts to the story's days [$first_day, $last_day] too: bound dates prune its
-- row groups (sorted by version and day), which ids alone cannot.
WITH m AS (SELECT * FROM story_articles WHERE story_id = $story_id),
a AS (SELECT * FROM articles WHERE article_id IN (SELECT unnest($ids))),
o AS (SELECT p.article_id, list(p.source_key ORDER BY p.source_key) AS outlets,
             list(coalesce(n.name, p.source_key) ORDER BY p.source_key) AS outlet_names
      FROM (SELECT * FROM appearances WHERE article_id IN (SELECT unnest($ids))) p
      LEFT JOIN sources n ON n.source_key = p.source_key
      GROUP BY p.article_id),
v AS (SELECT article_id, vector FROM article_vectors WHERE article_id IN (SELECT unnest($ids))),
c AS (SELECT centroid FROM stories WHERE story_id = $story_id),
f AS (SELECT * FROM agg_article_facts
      WHERE model_version = $model_version AND day BETWEEN $first_day AND $last_day
        AND article_id IN (SELECT unnest($ids)))
SELECT a.article_id, a.direction, coalesce(a.published, CAST(a.fetched_at AS DATE)) AS day,
       a.source_key AS outlet, coalesce(src.name, a.source_key) AS outlet_name,
       coalesce(o.outlets, [a.source_key]) AS outlets,
       coalesce(o.outlet_names, [coalesce(src.name, a.source_key)]) AS outlet_names,
       coalesce(a.language, 'und') AS language, a.title,
       a.canonical_url AS url, m.similarity, m.joined_run_id,
       array_cosine_similarity(v.vector, (SELECT centroid FROM c)) AS closeness,
       f.stance, f.mentions, f.frames, f.top_sentence AS sentence, f.top_surface AS target_as_written,
       f.top_label AS label, f.top_p_negative AS p_negative, f.top_p_neutral AS p_neutral,
       f.top_p_positive AS p_positive, f.top_run_id AS run_id, f.model_version
FROM m
JOIN a ON a.article_id = m.article_id
LEFT JOIN o ON o.article_id = m.article_id
LEFT JOIN v ON v.article_id = m.article_id
LEFT JOIN f ON f.article_id = m.article_id
LEFT JOIN sources src ON src.source_key = a.source_key
ORDER BY day, a.article_id;

-- name: article_stories
-- The stories of at least $min_articles articles that the articles $ids belong to (links from evidence lists).
SELECT m.article_id, m.story_id
FROM (SELECT * FROM story_articles WHERE article_id IN (SELECT unnest($ids))) m
JOIN stories s ON s.story_id = m.story_id
WHERE s.articles >= $min_articles;
