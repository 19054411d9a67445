-- Stories (migration 008; espejo.warehouse.stories). A run clusters the articles that have no story yet,
-- reading only the stories active around their days, so a night's cost follows its new articles.

-- name: articles_without_story_ids
-- The ids and days of the articles no story holds yet, in the order the rule takes them. Only the
-- narrow columns: the texts of these few are read next, by id.
SELECT a.article_id,
       coalesce(a.published, CAST(a.fetched_at AS DATE), CAST(r.started_at AS DATE), current_date) AS day
FROM articles a
LEFT JOIN runs r ON r.run_id = a.first_run_id
WHERE NOT EXISTS (SELECT 1 FROM story_articles s WHERE s.article_id = a.article_id)
ORDER BY day, a.article_id;

-- name: articles_by_id
-- $ids: article ids. What the rule needs of each: title, text (for the lead), outlet country, language,
-- and the vector and names already computed, if any (an article whose write failed keeps them).
SELECT a.article_id, coalesce(a.title, '') AS title, a.text, a.source_country, coalesce(a.language, 'und') AS language,
       v.embed_model, v.vector, v.names
FROM articles a
LEFT JOIN article_vectors v USING (article_id)
WHERE a.article_id IN (SELECT unnest($ids));

-- name: stories_active
-- The stories an article of a day in [$from_day, $to_day] may join: their articles reach into that range,
-- and their vectors come from the same encoder ($embed_model).
SELECT story_id, first_day, last_day, articles, us_articles, mx_articles, languages, centroid, names,
       formed_run_id, updated_run_id, embed_model, rules_sha256, title
FROM stories
WHERE last_day >= $from_day AND first_day <= $to_day AND embed_model = $embed_model
ORDER BY story_id;

-- name: story_name_counts
-- $story_ids: how often each name occurs among each story's articles (the order of stories.names).
SELECT sa.story_id, n.name, count(*) AS articles
FROM story_articles sa
JOIN (SELECT article_id, unnest(names) AS name FROM article_vectors) n USING (article_id)
WHERE sa.story_id IN (SELECT unnest($story_ids))
GROUP BY ALL;

-- name: insert_article_vectors
INSERT OR REPLACE INTO article_vectors
SELECT unnest($article_ids), unnest($embed_models), unnest($vectors)::FLOAT[384], unnest($names), unnest($days);

-- name: insert_story_articles
-- An article joins one story, once: a second pass over it changes nothing.
INSERT INTO story_articles
SELECT unnest($article_ids), unnest($story_ids), unnest($similarities), unnest($run_ids)
ON CONFLICT DO NOTHING;

-- name: upsert_stories
INSERT OR REPLACE INTO stories
SELECT unnest($story_ids), unnest($first_days), unnest($last_days), unnest($articles), unnest($us_articles),
       unnest($mx_articles), unnest($languages), unnest($centroids)::FLOAT[384], unnest($names),
       unnest($formed_run_ids), unnest($updated_run_ids), unnest($embed_models), unnest($rules_sha256s),
       unnest($titles);

-- name: story_counts
-- `espejo stats`: stories of two or more articles, and those with articles from both countries.
SELECT count(*) FILTER (WHERE articles >= 2) AS stories,
       count(*) FILTER (WHERE us_articles > 0 AND mx_articles > 0) AS cross_country_stories
FROM stories;

-- name: story_of_urls
-- `espejo eval stories`: each article's story, language, title and day, with every URL it appeared at.
SELECT a.article_id, coalesce(a.language, 'und') AS language, coalesce(a.title, '') AS title,
       coalesce(a.published, CAST(a.fetched_at AS DATE)) AS day, sa.story_id,
       list(DISTINCT ap.url ORDER BY ap.url) AS urls
FROM articles a
LEFT JOIN story_articles sa USING (article_id)
LEFT JOIN appearances ap USING (article_id)
GROUP BY ALL
ORDER BY a.article_id;
