"""Page problems: what went wrong with one page of a crawl, named by a short kind, logged and recorded.

A crawl writes one JSON line per problem to `problems.jsonl` (flushed per line, like items, so a
killed crawl keeps what it saw); the loader stores them in `crawl_problems`. Each problem also gets
one WARNING line in the crawl log: ``page problem [kind] url: detail``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from espejo.records import CrawlProblem

T = TypeVar("T")

if TYPE_CHECKING:
    from twisted.python.failure import Failure

PROBLEMS_FILE = "problems.jsonl"
logger = logging.getLogger("espejo.problems")


class ProblemLog:
    """Appends problems to a JSON-lines file (when given one) and logs each once."""

    def __init__(self, source_key: str, path: Path | None):
        self.source_key = source_key
        self.path = path
        self.file = None
        self.seen: set[tuple[str, str]] = set()
        self.count = 0

    def report(self, url: str, kind: str, detail: str = "") -> None:
        if (url, kind) in self.seen:  # one page, one record per kind (a retried request fails once)
            return
        self.seen.add((url, kind))
        self.count += 1
        logger.warning("page problem [%s] %s: %s", kind, url, detail)
        if self.path is None:
            return
        if self.file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.file = self.path.open("a", encoding="utf-8")
        problem = CrawlProblem(self.source_key, url, kind, detail)
        self.file.write(json.dumps(problem.to_dict(), ensure_ascii=False) + "\n")
        self.file.flush()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def read_jsonl(path: Path, from_dict: Callable[[dict], T]) -> list[T]:
    """Records from a JSON-lines file the crawl writes; a line cut short by a killed crawl is ignored."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(from_dict(json.loads(line)))
        except (json.JSONDecodeError, TypeError):
            continue
    return records


def read_problems(path: Path) -> list[CrawlProblem]:
    return read_jsonl(path, CrawlProblem.from_dict)


def classify_failure(failure: Failure) -> tuple[str, str]:
    """(kind, detail) for a request that failed after its retries."""
    # Imported here: the flow's process reads problem files without loading Scrapy.
    from scrapy.exceptions import (
        CannotResolveHostError,
        DownloadCancelledError,
        DownloadConnectionRefusedError,
        DownloadFailedError,
        DownloadTimeoutError,
        IgnoreRequest,
        ResponseDataLossError,
    )
    from twisted.internet import error as net_error

    exc = failure.value
    request = getattr(failure, "request", None)  # Scrapy sets it on errback failures
    meta = request.meta if request is not None else {}
    response = getattr(exc, "response", None)
    if response is not None:  # HttpError: a status the spider does not handle
        detail = f"HTTP {response.status}"
        wait = meta.get("espejo_retry_after_refused")
        if wait is not None:
            detail += f" with Retry-After {wait:g} s, longer than the crawler waits; not retried"
        elif response.status in (429, 500, 502, 503, 504):
            detail += f" after {meta.get('retry_times', 0)} retries"
        return f"http_{response.status}", detail
    message = failure.getErrorMessage()
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in message:
            return "robots_disallowed", "robots.txt disallows this URL; not fetched"
        if "redirect" in message:
            return "redirect_loop", f"{message} (after {len(meta.get('redirect_urls', []))} redirects)"
        if "max size" in message or "DOWNLOAD_MAXSIZE" in message:
            return "too_large", message
        return "ignored", message
    if isinstance(exc, DownloadCancelledError):
        # Scrapy cancels a body mid-stream only when it passes DOWNLOAD_MAXSIZE (it logs the size, the
        # exception carries no message); a Content-Length over the cap is refused with one.
        return "too_large", message or "the body grew past DOWNLOAD_MAXSIZE while downloading; cancelled"
    if isinstance(exc, DownloadTimeoutError | net_error.TimeoutError):
        return "timeout", message
    if isinstance(exc, ResponseDataLossError):
        return "truncated", "the connection closed before the announced Content-Length arrived"
    if isinstance(exc, DownloadConnectionRefusedError | net_error.ConnectionRefusedError):
        return "connection_refused", message
    if isinstance(exc, CannotResolveHostError | net_error.DNSLookupError):
        return "dns", message
    if isinstance(exc, DownloadFailedError | net_error.ConnectionLost | net_error.ConnectionDone):
        return "reset", f"{type(exc).__name__}: {message}"
    return "download_error", f"{type(exc).__name__}: {message}"
