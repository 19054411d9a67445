"""Scrapy settings for Espejo's crawls: one flat, commented module, polite by default.

`crawl.py` starts from these and overrides a few per source (the crawl budget, the output file).
"""

from espejo.spiders.registry import user_agent

BOT_NAME = "espejo"
SPIDER_MODULES = ["espejo.spiders"]

# Politeness: obey robots.txt, name ourselves, one or two requests at a time per site, adapt the pace.
ROBOTSTXT_OBEY = True
USER_AGENT = user_agent()
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Failures: retry what is worth retrying; give up on slow or huge responses.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 30
# Also caps the decompressed size (Scrapy's HttpCompressionMiddleware checks it): a gzip bomb stops here.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5

# What Scrapy ignores: robots.txt Crawl-delay and Retry-After (see espejo.spiders.middlewares).
DOWNLOADER_MIDDLEWARES = {
    "espejo.spiders.middlewares.PoliteWaitMiddleware": 110,  # after RobotsTxtMiddleware (100)
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "espejo.spiders.middlewares.RetryAfterMiddleware": 550,
}
ESPEJO_MAX_CRAWL_DELAY = 60.0  # seconds; a longer Crawl-delay is capped (and the cap recorded)
ESPEJO_MAX_RETRY_AFTER = 120.0  # seconds; a server asking a longer wait is not retried in this run

# Budgets: a runaway crawl stops. CLOSESPIDER_PAGECOUNT and CLOSESPIDER_TIMEOUT are set per source by
# crawl.py from the registry's max_pages and max_minutes (their defaults: espejo.records.Source).

# Spiders yield ArticleItems; pipelines filter and persist them (order matters: cheap checks first).
ITEM_PIPELINES = {
    "espejo.spiders.pipelines.RelevancePipeline": 100,
    "espejo.spiders.pipelines.DuplicatesPipeline": 200,
    "espejo.spiders.pipelines.JsonLinesPipeline": 900,
}

TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"

# The bundled offline news web answers on loopback in milliseconds: no need to wait between requests.
LOOPBACK_OVERRIDES = {
    "DOWNLOAD_DELAY": 0.0,
    "AUTOTHROTTLE_START_DELAY": 0.01,
    "AUTOTHROTTLE_MAX_DELAY": 1.0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 4.0,
    "DOWNLOAD_TIMEOUT": 10,
}
