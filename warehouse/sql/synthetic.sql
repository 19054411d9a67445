-- The synthetic warehouse of the dashboard's query bench (`python -m espejo.dashboards.bench`), filled by
-- espejo.warehouse.synthetic.fill_synthetic: $n articles over $days days from 2024-11-01, $mentions scored
-- mentions each under model version $model, frames drawn from the list $frames. Everything derives from
-- the row number i with hash(), so it is deterministic.

-- name: generate
INSERT INTO sources
SELECT 'outlet_' || i, 'Outlet ' || i, CASE WHEN i < 10 THEN 'US' ELSE 'MX' END,
       CASE WHEN i < 8 THEN 'en' ELSE 'es' END, 'https://outlet' || i || '.example', FALSE
FROM range(20) t(i);

INSERT INTO runs (run_id, started_at, finished_at, status, code_version, model_version, sources_ok, sources_failed,
                  items_crawled, articles_new)
SELECT 'run_' || lpad(i::VARCHAR, 3, '0'), TIMESTAMP '2026-01-01 02:00:00' + INTERVAL (i) DAY,
       TIMESTAMP '2026-01-01 02:30:00' + INTERVAL (i) DAY, 'completed', 'bench', $model, 20, 0, 1000, 1000
FROM range(60) t(i);

INSERT INTO run_sources (run_id, source_key, status, items, pages_fetched, http_errors, seconds)
SELECT 'run_' || lpad(r::VARCHAR, 3, '0'), 'outlet_' || s, CASE WHEN hash(r, s) % 50 = 0 THEN 'failed' ELSE 'ok' END,
       40 + hash(r, s) % 20, 60, 0, 30.0
FROM range(60) a(r), range(20) b(s);

CREATE TEMP TABLE gen AS
SELECT i, 'a' || i AS article_id, (hash(i) % 20)::INTEGER AS s,
       (hash(i, 1) % $days)::INTEGER AS d, (hash(i, 2) % 100)::INTEGER AS topic_roll
FROM range($n) t(i);

INSERT INTO articles
SELECT article_id, 'https://outlet' || s || '.example/' || article_id, 'outlet_' || s,
       CASE WHEN s < 10 THEN 'US' ELSE 'MX' END, CASE WHEN s < 10 THEN 'us->mx' ELSE 'mx->us' END,
       CASE WHEN s < 10 THEN 'Story ' || i || ' on Mexico' ELSE 'Nota ' || i || ' sobre Estados Unidos' END,
       CASE WHEN s < 8 THEN
            ['Officials met to discuss trade and tariffs.', 'Migrants waited at the border crossing.',
             'The World Cup will open in Mexico City.', 'Sister cities renewed their ties.',
             'Cartel violence worried security officials.', 'An exchange program sent students abroad.'][1 + topic_roll % 6]
            || ' Mexico said the talks would continue. Analysts expect more news.'
            ELSE
            ['Funcionarios hablaron de comercio y aranceles.', 'Los migrantes esperaron en la frontera.',
             'El Mundial se inaugurará en la Ciudad de México.', 'Las ciudades hermanas renovaron sus lazos.',
             'La violencia del cártel preocupa a la seguridad.', 'Un programa de intercambio envió estudiantes.'][1 + topic_roll % 6]
            || ' Estados Unidos dijo que las pláticas seguirán. Se esperan más noticias.' END,
       DATE '2024-11-01' + d, CASE WHEN s < 8 THEN 'en' ELSE 'es' END, NULL, 'run_000', NULL
FROM gen;

INSERT INTO appearances
SELECT article_id, 'outlet_' || s, 'https://outlet' || s || '.example/' || article_id, DATE '2024-11-01' + d, 'run_000'
FROM gen;
INSERT INTO appearances  -- one story in ten also ran at a second outlet of the same country
SELECT article_id, 'outlet_' || ((s + 1) % 10 + CASE WHEN s < 10 THEN 0 ELSE 10 END),
       'https://wire.example/' || article_id, DATE '2024-11-01' + d, 'run_000'
FROM gen WHERE i % 10 = 0;

INSERT INTO sentences
SELECT g.article_id, k, k * 60, k * 60 + 55,
       CASE k WHEN 0 THEN split_part(a.text, '.', 1) || '.' WHEN 1 THEN split_part(a.text, '.', 2) || '.'
              ELSE split_part(a.text, '.', 3) || '.' END
FROM gen g JOIN articles a USING (article_id), range(3) r(k);

CREATE TEMP TABLE gen_mentions AS
SELECT g.article_id, g.i, m, g.article_id || ':' || m || ':' || (m + 6) AS mention_id,
       (0.3 + 0.4 * ((hash(g.i, m) % 1000) / 1000.0)) - CASE WHEN g.s < 10 THEN 0.05 ELSE 0.0 END
       + 0.1 * sin(g.d / 60.0) AS p_raw
FROM gen g, range($mentions) r(m);

INSERT INTO mentions
SELECT mention_id, article_id, m % 3, m * 60, m * 60 + 6, 'Mexico', 'MX', 'country' FROM gen_mentions;

INSERT INTO sentiment_scores
SELECT mention_id, $model,
       CASE WHEN p_raw < 0.42 THEN 'negative' WHEN p_raw > 0.58 THEN 'positive' ELSE 'neutral' END,
       greatest(0.0, 0.6 - p_raw), 0.4, greatest(0.0, p_raw - 0.4), 'run_000'
FROM gen_mentions;

INSERT INTO analyses
SELECT article_id, $model, 'run_000', TRUE, $mentions, avg(greatest(0.0, p_raw - 0.4) - greatest(0.0, 0.6 - p_raw))
FROM gen_mentions GROUP BY article_id;

INSERT INTO frame_scores
SELECT g.article_id, ($frames)[(1 + (hash(g.i) + k) % 10)::INTEGER], $model,
       0.9 - 0.15 * k + 0.05 * ((hash(g.i, k) % 10) / 10.0), k % 3, 'run_000'
FROM gen g, range(5) r(k);

-- name: generate_stories
-- Stories for the synthetic articles (migration 008), as the clustering would have stored them: the
-- articles of a day in groups of about $story_size, one-hot vectors (mostly zeros, so a million of them
-- compress), a few names each. Used by the stories bench (`python -m espejo.flows.stories_bench`).
CREATE TEMP TABLE gen_story_members AS
SELECT a.article_id, a.published AS day, a.source_country, coalesce(a.language, 'und') AS language,
       'story-' || substr(md5(a.published::VARCHAR || ':'
                              || (hash(a.article_id) % greatest(1, c.per_day // $story_size))::VARCHAR), 1, 12) AS story_id
FROM articles a
JOIN (SELECT published, count(*) AS per_day FROM articles GROUP BY published) c USING (published);

INSERT INTO article_vectors
SELECT article_id, $embed_model,
       list_transform(range(384), lambda k: CASE WHEN k = hash(story_id) % 384 THEN 1.0 ELSE 0.0 END)::FLOAT[384],
       ['name' || hash(story_id) % 997, 'name' || hash(article_id) % 997], day
FROM gen_story_members;

INSERT INTO story_articles
SELECT article_id, story_id, 0.95, 'run_000' FROM gen_story_members;

INSERT INTO stories
SELECT story_id, first_day, last_day, n, us, mx, languages,
       list_transform(range(384), lambda k: CASE WHEN k = hash(story_id) % 384 THEN n ELSE 0 END)::FLOAT[384],
       ['name' || hash(story_id) % 997], 'run_000', 'run_000', $embed_model, 'bench', title
FROM (SELECT story_id, min(day) AS first_day, max(day) AS last_day, count(*) AS n,
             count(*) FILTER (WHERE source_country = 'US') AS us, count(*) FILTER (WHERE source_country = 'MX') AS mx,
             list(DISTINCT language ORDER BY language) AS languages, min(article_id) AS title
      FROM gen_story_members GROUP BY story_id);

DROP TABLE gen_story_members;

-- name: add_articles
-- New articles for the stories bench, one night's: $ids, $titles, $texts, all published on $day at outlet_0
-- and outlet_10 alternately (a U.S. and a Mexican outlet).
INSERT INTO articles
SELECT id, 'https://bench.example/' || id, CASE WHEN k % 2 = 0 THEN 'outlet_0' ELSE 'outlet_10' END,
       CASE WHEN k % 2 = 0 THEN 'US' ELSE 'MX' END, CASE WHEN k % 2 = 0 THEN 'us->mx' ELSE 'mx->us' END,
       title, text, $day, CASE WHEN k % 2 = 0 THEN 'en' ELSE 'es' END, NULL, 'run_new', NULL
FROM (SELECT unnest($ids) AS id, unnest($titles) AS title, unnest($texts) AS text,
             generate_subscripts($ids, 1) AS k);
