-- 008: stories, the articles about one event across outlets, countries and languages (issue 11).
-- Written incrementally by the clustering task of each run (espejo.flows.stories.cluster_stories, rule in
-- nlp/stories.toml): a run reads only the stories active around its new articles' days and adds to them,
-- so these tables are appended to and updated, never rebuilt. Membership is per article, independent of
-- the sentiment model version.

-- What the clustering knows of each article it has seen: its title + lead embedding and names. Kept so
-- an article is embedded once, whatever happens to its story.
CREATE TABLE article_vectors (
    article_id      VARCHAR PRIMARY KEY,
    embed_model     VARCHAR NOT NULL,          -- backbone weights sha256, first 12 hex
    vector          FLOAT[384] NOT NULL,       -- L2-normalised e5 embedding of "title\nlead"
    names           VARCHAR[] NOT NULL,        -- folded capitalised names of title + lead (nlp.stories.article_names)
    day             DATE NOT NULL              -- published, else the fetch date
);

CREATE TABLE stories (
    story_id        VARCHAR PRIMARY KEY,       -- "story-" + sha256(first article id)[:16]: stable across runs
    first_day       DATE NOT NULL,
    last_day        DATE NOT NULL,
    articles        INTEGER NOT NULL,
    us_articles     INTEGER NOT NULL,          -- articles of U.S. outlets (direction us->mx)
    mx_articles     INTEGER NOT NULL,          -- articles of Mexican outlets (direction mx->us)
    languages       VARCHAR[] NOT NULL,
    centroid        FLOAT[384] NOT NULL,       -- sum of member vectors (normalised when compared)
    names           VARCHAR[] NOT NULL,        -- members' names, most frequent first, at most 30
    formed_run_id   VARCHAR NOT NULL,
    updated_run_id  VARCHAR NOT NULL,
    embed_model     VARCHAR NOT NULL,
    rules_sha256    VARCHAR NOT NULL,          -- sha256 of the rule's values (nlp/stories.toml) when it formed
    title           VARCHAR                    -- title of its first article
);

CREATE TABLE story_articles (
    article_id      VARCHAR PRIMARY KEY,
    story_id        VARCHAR NOT NULL,
    similarity      DOUBLE NOT NULL,           -- cosine to the centroid when it joined; 1.0 for the first
    joined_run_id   VARCHAR NOT NULL
);

-- The Stories page lists a story's articles; the clustering reads stories by date range, which the
-- zone maps of last_day serve (stories are inserted roughly in day order), so no index there.
CREATE INDEX story_articles_story ON story_articles (story_id);
