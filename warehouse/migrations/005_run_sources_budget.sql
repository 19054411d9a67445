-- 005: which per-source budget (pages, minutes) ended an outlet's crawl early, if any, so a crawl cut
-- short by its budget is visible on the health page rather than looking like a quiet night.
ALTER TABLE run_sources ADD COLUMN stopped_by VARCHAR;
