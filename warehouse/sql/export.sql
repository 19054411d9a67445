-- The warehouse as partitioned Parquet (espejo.warehouse.export). Each `-- name:` section is the rows
-- of one exported table. Tables about articles carry their article's direction and the year and month
-- of its publication (else of its fetch) as hive partition columns, so a reader that filters on them
-- opens only those folders: `read_parquet('DIR/mentions/**/*.parquet', hive_partitioning = true)`.
-- A LEFT JOIN keeps rows whose article is missing; they land in the NULL partition, never lost.

-- name: article_keys
CREATE OR REPLACE TEMP VIEW export_article_keys AS
SELECT article_id,
       direction,
       year(coalesce(published, CAST(fetched_at AS DATE))) AS year,
       month(coalesce(published, CAST(fetched_at AS DATE))) AS month
FROM articles

-- name: articles
SELECT a.*, k.year, k.month
FROM articles a LEFT JOIN export_article_keys k USING (article_id)

-- name: appearances
SELECT t.*, k.direction, k.year, k.month
FROM appearances t LEFT JOIN export_article_keys k USING (article_id)

-- name: sentences
SELECT t.*, k.direction, k.year, k.month
FROM sentences t LEFT JOIN export_article_keys k USING (article_id)

-- name: mentions
SELECT t.*, k.direction, k.year, k.month
FROM mentions t LEFT JOIN export_article_keys k USING (article_id)

-- name: sentiment_scores
SELECT t.*, k.direction, k.year, k.month
FROM sentiment_scores t
LEFT JOIN mentions m USING (mention_id)
LEFT JOIN export_article_keys k ON k.article_id = m.article_id

-- name: frame_scores
SELECT t.*, k.direction, k.year, k.month
FROM frame_scores t LEFT JOIN export_article_keys k USING (article_id)

-- name: analyses
SELECT t.*, k.direction, k.year, k.month
FROM analyses t LEFT JOIN export_article_keys k USING (article_id)

-- name: latest_run
SELECT run_id FROM runs ORDER BY started_at DESC, run_id DESC LIMIT 1
