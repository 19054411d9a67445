-- 004: page problems. One row per page (or feed, sitemap, robots.txt) that went wrong in a run's crawl
-- of an outlet, by kind: http_500, timeout, reset, truncated, too_large, redirect_loop,
-- robots_disallowed, crawl_delay, retry_after, not_html, malformed_feed, malformed_sitemap,
-- date_in_future, date_missing, charset_fallback, ... (see espejo.spiders.problems). Outlet-level
-- failures stay in run_sources; these say which pages were lost or stored with a caveat, and why.
CREATE TABLE crawl_problems (
    run_id          VARCHAR NOT NULL,
    source_key      VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,
    detail          VARCHAR,
    PRIMARY KEY (run_id, source_key, url, kind)
);
