-- Named queries of the codings store, codings.duckdb (espejo.warehouse.codings; schema in
-- warehouse/codings_migrations). Values are always bound as named parameters ($name).

-- name: samples
SELECT name, created_at, model_version, design, filters, n_mentions, n_articles, snapshot_run_id
FROM samples WHERE $name IS NULL OR name = $name ORDER BY created_at, name;

-- name: insert_sample
INSERT INTO samples (name, created_at, model_version, design, filters, snapshot_run_id, n_mentions, n_articles)
VALUES ($name, $created_at, $model_version, $design, $filters, $snapshot_run_id, $n_mentions, $n_articles);

-- name: insert_item
INSERT INTO sample_items (sample, item_id, kind, position, overlap, stratum, article_id, direction, language,
                          source_key, outlet, day, title, url, sentence, target_start, target_end, surface, target,
                          article_text, predicted_label, p_negative, p_neutral, p_positive, predicted_frames, stance)
VALUES ($sample, $item_id, $kind, $position, $overlap, $stratum, $article_id, $direction, $language,
        $source_key, $outlet, $day, $title, $url, $sentence, $target_start, $target_end, $surface, $target,
        $article_text, $predicted_label, $p_negative, $p_neutral, $p_positive, CAST($predicted_frames AS VARCHAR[]),
        $stance);

-- name: sample_items
SELECT * FROM sample_items WHERE sample = $sample AND ($kind IS NULL OR kind = $kind) ORDER BY kind DESC, position;

-- name: item_kinds
-- Every item of the samples $samples, with its kind (to check codings against).
SELECT sample, item_id, kind FROM sample_items WHERE list_contains($samples, sample);

-- name: coder_queue
-- The coder's queue of one kind: items they have not coded, of which the overlap items (coded by every
-- coder) and the others nobody has coded yet (a non-overlap item coded by another coder is theirs); the
-- items they skipped last, in the order they skipped them; the rest in coding order.
SELECT i.*, coalesce(c.skipped, FALSE) AS skipped_before
FROM sample_items i
LEFT JOIN codings c ON c.sample = i.sample AND c.item_id = i.item_id AND c.coder = $coder
WHERE i.sample = $sample AND i.kind = $kind
  AND (c.coder IS NULL OR c.skipped)
  AND (i.overlap OR NOT EXISTS (
      SELECT 1 FROM codings o
      WHERE o.sample = i.sample AND o.item_id = i.item_id AND o.coder <> $coder AND NOT o.skipped))
ORDER BY coalesce(c.skipped, FALSE), c.seq NULLS FIRST, i.position;

-- name: coded_count
SELECT count(*) FROM codings c JOIN sample_items i ON i.sample = c.sample AND i.item_id = c.item_id
WHERE c.sample = $sample AND c.coder = $coder AND i.kind = $kind AND NOT c.skipped;

-- name: upsert_coding
-- A later coding or skip of the same item by the same coder replaces the earlier one (and moves to the
-- end of the coder's undo order).
INSERT INTO codings (sample, item_id, coder, label, frames, skipped, coded_at, origin, seq)
VALUES ($sample, $item_id, $coder, $label, CAST($frames AS VARCHAR[]), $skipped, $coded_at, $origin,
        nextval('coding_seq'))
ON CONFLICT (sample, item_id, coder) DO UPDATE SET
    label = excluded.label, frames = excluded.frames, skipped = excluded.skipped, coded_at = excluded.coded_at,
    origin = excluded.origin, seq = excluded.seq;

-- name: existing_coding_count
SELECT count(*) FROM codings WHERE sample = $sample AND item_id = $item_id AND coder = $coder;

-- name: last_coding
SELECT item_id FROM codings WHERE sample = $sample AND coder = $coder ORDER BY seq DESC LIMIT 1;

-- name: delete_coding
DELETE FROM codings WHERE sample = $sample AND item_id = $item_id AND coder = $coder;

-- name: codings
-- The sample's codings (skips left out), in the order they were made.
SELECT c.item_id, i.kind, c.coder, c.label, c.frames, c.coded_at, c.origin
FROM codings c JOIN sample_items i ON i.sample = c.sample AND i.item_id = c.item_id
WHERE c.sample = $sample AND NOT c.skipped
ORDER BY c.seq;

-- name: coders
SELECT DISTINCT coder FROM codings WHERE sample = $sample ORDER BY coder;

-- name: upsert_training_use
INSERT INTO training_uses (artifact_version, kind, sample, item_id, role, recorded_at)
VALUES ($artifact_version, $kind, $sample, $item_id, $role, $recorded_at)
ON CONFLICT (artifact_version, sample, item_id) DO UPDATE SET
    kind = excluded.kind, role = excluded.role, recorded_at = excluded.recorded_at;

-- name: training_roles
-- An item trained on by any of the $versions counts as 'train', even where another held it out.
SELECT item_id, CASE WHEN bool_or(role = 'train') THEN 'train' ELSE 'holdout' END AS role
FROM training_uses WHERE sample = $sample AND list_contains($versions, artifact_version)
GROUP BY item_id ORDER BY item_id;
