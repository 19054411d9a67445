-- Rebuilds the dashboard's per-article tables (migrations 002 and 003). Run by `rebuild_aggregates`, in the
-- same transaction as aggregate.sql, so the two never disagree. Each table is inserted sorted (see 003).

-- name: clear_dashboard_aggregates
DELETE FROM agg_article_facts;
DELETE FROM agg_article_frames;
DELETE FROM agg_article_topics;
DELETE FROM agg_topic_terms;
DELETE FROM agg_mention_facts;
DELETE FROM agg_outlet_sets;
DELETE FROM agg_frame_sets;
DELETE FROM agg_topic_sets;

-- name: fill_agg_article_topics
-- ? = topic key, ? = its regex (`Topic.pattern`), bound once per topic so RE2 compiles it once.
INSERT INTO agg_article_topics
SELECT ?, a.article_id FROM articles a
WHERE regexp_matches(lower(coalesce(a.title, '') || ' ' || a.text), ?);

-- name: fill_agg_topic_terms
INSERT INTO agg_topic_terms VALUES (?, ?);

-- name: clear_frame_labels
DELETE FROM frame_labels;

-- name: fill_frame_labels
-- ? = frame key, ? = English label, ? = Spanish label (migration 006).
INSERT INTO frame_labels VALUES (?, ?, ?);

-- name: fill_leading_frames
-- ? = frame score threshold, ? = top k. A temporary table: both frame tables below read it.
CREATE OR REPLACE TEMP TABLE leading_frames AS
WITH ranked AS (
    SELECT f.*, row_number() OVER (PARTITION BY f.article_id, f.model_version ORDER BY f.score DESC, f.frame) AS rank
    FROM frame_scores f
)
SELECT article_id, model_version, frame, score, evidence_sentence_index FROM ranked
WHERE score >= ? AND rank <= ?;

-- name: fill_list_sets
-- Each article's outlets, leading frames (per model version) and topics as sorted lists, and a number for
-- every distinct list (temporary: fill_agg_article_facts reads them).
CREATE OR REPLACE TEMP TABLE outlet_lists AS
SELECT article_id, list(source_key ORDER BY source_key) AS outlets FROM appearances GROUP BY article_id;
CREATE OR REPLACE TEMP TABLE frame_lists AS
SELECT article_id, model_version, list(frame ORDER BY frame) AS frames FROM leading_frames GROUP BY ALL;
CREATE OR REPLACE TEMP TABLE topic_lists AS
SELECT article_id, list(topic ORDER BY topic) AS topics FROM agg_article_topics GROUP BY article_id;
-- (an article without appearances counts at its own outlet, hence the second half of the union)
CREATE OR REPLACE TEMP TABLE outlet_set_ids AS
SELECT outlets, CAST(row_number() OVER (ORDER BY outlets) AS INTEGER) AS outlet_set FROM (
    SELECT DISTINCT outlets FROM outlet_lists
    UNION SELECT [source_key] FROM articles);
CREATE OR REPLACE TEMP TABLE frame_set_ids AS
SELECT frames, CAST(row_number() OVER (ORDER BY frames) AS INTEGER) AS frame_set FROM (
    SELECT DISTINCT frames FROM frame_lists UNION SELECT []::VARCHAR[]);
CREATE OR REPLACE TEMP TABLE topic_set_ids AS
SELECT topics, CAST(row_number() OVER (ORDER BY topics) AS INTEGER) AS topic_set FROM (
    SELECT DISTINCT topics FROM topic_lists UNION SELECT []::VARCHAR[]);
INSERT INTO agg_outlet_sets SELECT outlet_set, unnest(outlets) FROM outlet_set_ids;
INSERT INTO agg_frame_sets SELECT frame_set, unnest(frames) FROM frame_set_ids;
INSERT INTO agg_topic_sets SELECT topic_set, unnest(topics) FROM topic_set_ids;

-- name: fill_agg_article_facts
INSERT INTO agg_article_facts
WITH mention_stats AS (
    SELECT m.article_id, s.model_version,
           count(*) AS mentions,
           count(*) FILTER (WHERE s.label = 'negative') AS negative,
           -- the strongest-scored mention; ties on strength go to the earliest
           arg_max({'sentence_index': m.sentence_index, 'surface': m.surface, 'label': s.label,
                    'p_negative': s.p_negative, 'p_neutral': s.p_neutral, 'p_positive': s.p_positive,
                    'run_id': s.run_id},
                   {'strength': abs(s.p_positive - s.p_negative), 'earlier': -m.start_char}) AS top
    FROM mentions m JOIN sentiment_scores s USING (mention_id)
    GROUP BY ALL
),
lists AS (
    SELECT a.article_id, x.model_version, coalesce(o.outlets, [a.source_key]) AS outlets,
           coalesce(fr.frames, []::VARCHAR[]) AS frames, coalesce(tp.topics, []::VARCHAR[]) AS topics
    FROM articles a
    JOIN analyses x USING (article_id)
    LEFT JOIN outlet_lists o ON o.article_id = a.article_id
    LEFT JOIN frame_lists fr ON fr.article_id = a.article_id AND fr.model_version = x.model_version
    LEFT JOIN topic_lists tp ON tp.article_id = a.article_id
    WHERE x.relevant AND x.stance IS NOT NULL
)
SELECT a.article_id, x.model_version, a.direction,
       coalesce(a.published, CAST(a.fetched_at AS DATE)) AS day,
       a.source_key, l.outlets, coalesce(a.language, 'und'),
       x.stance, ms.mentions, ms.negative,
       l.frames, l.topics, hash(a.article_id), os.outlet_set, fs.frame_set, ts.topic_set,
       a.title, a.canonical_url, x.run_id,
       ms.top.surface, ms.top.label, ms.top.p_negative, ms.top.p_neutral, ms.top.p_positive, ms.top.run_id,
       t.text
FROM articles a
JOIN analyses x USING (article_id)
JOIN mention_stats ms ON ms.article_id = a.article_id AND ms.model_version = x.model_version
JOIN lists l ON l.article_id = a.article_id AND l.model_version = x.model_version
JOIN outlet_set_ids os ON os.outlets = l.outlets
JOIN frame_set_ids fs ON fs.frames = l.frames
JOIN topic_set_ids ts ON ts.topics = l.topics
LEFT JOIN sentences t ON t.article_id = a.article_id AND t.sentence_index = ms.top.sentence_index
WHERE x.relevant AND x.stance IS NOT NULL AND coalesce(a.published, CAST(a.fetched_at AS DATE)) IS NOT NULL
ORDER BY x.model_version, day, a.article_id;

-- name: fill_agg_article_frames
INSERT INTO agg_article_frames
SELECT r.article_id, r.model_version, r.frame, r.score, r.evidence_sentence_index,
       t.direction, t.day, t.source_key, t.language, t.stance
FROM leading_frames r
JOIN agg_article_facts t ON t.article_id = r.article_id AND t.model_version = r.model_version
ORDER BY r.model_version, t.day, r.article_id, r.frame;

-- name: fill_agg_mention_facts
INSERT INTO agg_mention_facts
SELECT m.mention_id, m.article_id, s.model_version, f.direction, f.day, m.sentence_index, m.start_char, m.surface,
       m.target, s.label, s.p_negative, s.p_neutral, s.p_positive, t.text, s.run_id
FROM agg_article_facts f
JOIN mentions m ON m.article_id = f.article_id
JOIN sentiment_scores s ON s.mention_id = m.mention_id AND s.model_version = f.model_version
JOIN sentences t ON t.article_id = m.article_id AND t.sentence_index = m.sentence_index
ORDER BY s.model_version, f.day, m.article_id, m.start_char;

-- name: drop_leading_frames
DROP TABLE leading_frames;
DROP TABLE outlet_lists;
DROP TABLE frame_lists;
DROP TABLE topic_lists;
DROP TABLE outlet_set_ids;
DROP TABLE frame_set_ids;
DROP TABLE topic_set_ids;
