"""Serve the offline news web: one ThreadingHTTPServer per outlet on 127.0.0.1.

Each outlet's folder is served as written by `generate.build_site`, with three behaviours a static
file server lacks and a crawler must cope with:

- query strings are ignored when mapping a URL to a file, so ``?utm_source=rss`` links still work;
- per-file headers (charset, feed and sitemap media types) and 301 redirects come from the
  outlet's ``_server.json``; anything else that is missing answers a real 404;
- an outlet listed in ``broken`` answers HTTP 500 to every request.

If an outlet is served on another port than it was built for, absolute URLs inside pages, feeds
and sitemaps are rewritten on the fly, so a built site can be served on free ports.

Shell: ``python -m espejo.newsweb.server --site DIR [--build] [--broken KEY ...]`` serves in the
foreground until Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import posixpath
import re
import signal
import threading
from collections.abc import Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .outlets import OUTLETS_BY_KEY, base_url, default_ports

HOST = "127.0.0.1"
DEFAULT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}
# Bodies of these types may hold absolute URLs that need the serving port.
REWRITABLE = ("text/", "application/xml", "application/rss+xml", "application/atom+xml")
LOOPBACK_URL = re.compile(rb"(http://127\.0\.0\.1:)(\d+)")

NOT_FOUND_PAGE = (b"<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
                  b"<body><h1>Page not found</h1><p>The page you requested does not exist "
                  b"or has been removed.</p></body></html>")
SERVER_ERROR_PAGE = (b"<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>"
                     b"<body><h1>Internal Server Error</h1><p>The server is temporarily unable "
                     b"to service your request.</p></body></html>")


class _OutletServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int]):
        super().__init__(address, _OutletHandler)
        # Until configured, a server has no folder and answers 500, like a broken outlet.
        self.root: Path | None = None
        self.broken = True
        self.port_map: dict[bytes, bytes] = {}  # built port -> serving port, only where they differ
        self.headers_by_file: dict[str, dict[str, str]] = {}
        self.redirects: dict[str, str] = {}

    def configure(self, root: Path, port_map: dict[bytes, bytes], broken: bool) -> None:
        self.root, self.port_map, self.broken = root, port_map, broken
        config_file = root / "_server.json"
        if config_file.exists():
            config = json.loads(config_file.read_text("utf-8"))
            self.headers_by_file = config.get("headers", {})
            self.redirects = config.get("redirects", {})


class _OutletHandler(BaseHTTPRequestHandler):
    server: _OutletServer
    server_version = "EspejoNewsWeb/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # quiet: tests and the demo run many requests
        pass

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def _respond(self, send_body: bool) -> None:
        srv = self.server
        if srv.broken or srv.root is None:
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, SERVER_ERROR_PAGE, "text/html; charset=utf-8", send_body)
            return
        path = unquote(urlsplit(self.path).path) or "/"
        if path in srv.redirects:
            host = self.headers.get("Host") or f"{HOST}:{srv.server_address[1]}"
            self._send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/html; charset=utf-8", send_body,
                       extra={"Location": f"http://{host}{srv.redirects[path]}"})
            return
        rel = _file_for(path)
        target = srv.root / rel if rel is not None else None
        if target is None or not target.is_file():
            self._send(HTTPStatus.NOT_FOUND, NOT_FOUND_PAGE, "text/html; charset=utf-8", send_body)
            return
        headers = dict(srv.headers_by_file.get(rel, {}))
        content_type = headers.pop("Content-Type", None) or DEFAULT_TYPES.get(target.suffix, "application/octet-stream")
        body = target.read_bytes()
        if srv.port_map and content_type.startswith(REWRITABLE):
            body = LOOPBACK_URL.sub(lambda m: _moved(m, srv.port_map), body)
        self._send(HTTPStatus.OK, body, content_type, send_body, extra=headers)

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, send_body: bool,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)


def _moved(match: re.Match, port_map: dict[bytes, bytes]) -> bytes:
    return match.group(1) + port_map.get(match.group(2), match.group(2))


def _file_for(path: str) -> str | None:
    """Relative file for a URL path, or None when the path tries to leave the outlet folder."""
    if not path.startswith("/"):
        return None
    clean = posixpath.normpath(path)
    if ".." in clean.split("/"):
        return None
    rel = clean.lstrip("/")
    if any(part.startswith(("_", ".")) for part in rel.split("/") if part):
        return None  # _server.json and hidden files are configuration, not content
    if rel in ("", "."):
        return "index.html"
    if path.endswith("/"):
        return rel + "/index.html"
    if "." in rel.rsplit("/", 1)[-1]:
        return rel
    return rel + "/index.html"  # /world/2026/03/03/slug is served from slug/index.html


class NewsWeb:
    """Handle on the running outlet servers."""

    def __init__(self) -> None:
        self._servers: dict[str, _OutletServer] = {}
        self._threads: list[threading.Thread] = []

    def _start(self, key: str, server: _OutletServer) -> None:
        self._servers[key] = server
        # A short poll interval keeps stop() quick: shutdown() waits for the next poll of each server.
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  name=f"newsweb-{key}", daemon=True)
        thread.start()
        self._threads.append(thread)

    @property
    def ports(self) -> dict[str, int]:
        return {key: srv.server_address[1] for key, srv in self._servers.items()}

    def base_url(self, key: str) -> str:
        return base_url(self._servers[key].server_address[1])

    def url(self, key: str, path: str = "/") -> str:
        return self.base_url(key) + path

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> "NewsWeb":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _built_ports(site_dir: Path) -> dict[str, int]:
    manifest = site_dir / "manifest.json"
    if not manifest.exists():
        return default_ports()
    return {o["key"]: o["port"] for o in json.loads(manifest.read_text("utf-8"))["outlets"]}


def serve(site_dir: Path, ports: dict[str, int] | None = None, *, broken: Iterable[str] = (),
          only: Iterable[str] | None = None) -> NewsWeb:
    """Start one background server per outlet and return a handle (`.stop()`, `.base_url(key)`).

    ports: outlet key -> port; defaults to the ports the site was built with (manifest.json).
        Port 0 picks a free port (see `handle.ports`); URLs inside the pages are rewritten to it.
    broken: outlet keys whose server answers HTTP 500 to every request.
    only: serve just these outlets (default: all nine).
    """
    site_dir = Path(site_dir)
    built = _built_ports(site_dir)
    wanted = {**built, **(ports or {})}
    keys = list(only) if only is not None else list(built)
    broken = set(broken)
    unknown = (broken | set(keys)) - set(OUTLETS_BY_KEY)
    if unknown:
        raise KeyError(f"unknown outlet keys: {sorted(unknown)}")

    servers: dict[str, _OutletServer] = {}
    try:
        for key in keys:
            servers[key] = _OutletServer((HOST, wanted[key]))
    except OSError:
        for srv in servers.values():
            srv.server_close()
        raise
    # Ports are known only once every socket is bound (port 0), so rewrites are set afterwards.
    actual = {key: srv.server_address[1] for key, srv in servers.items()}
    port_map = {str(built[k]).encode(): str(actual[k]).encode()
                for k in keys if k in built and built[k] != actual[k]}
    web = NewsWeb()
    for key, srv in servers.items():
        srv.configure(site_dir / key, port_map, broken=key in broken)
        web._start(key, srv)
    return web


def serve_broken(port: int = 0) -> NewsWeb:
    """A lone outlet-like server that answers HTTP 500 to everything (key "broken")."""
    web = NewsWeb()
    web._start("broken", _OutletServer((HOST, port)))
    return web


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve Espejo's offline news web on 127.0.0.1.")
    parser.add_argument("--site", type=Path, required=True, help="folder written by build_site")
    parser.add_argument("--build", action="store_true", help="(re)generate the site first")
    parser.add_argument("--broken", action="append", default=[], metavar="KEY",
                        help="outlet that answers HTTP 500 to everything (repeatable)")
    args = parser.parse_args(argv)
    if args.build or not (args.site / "manifest.json").exists():
        from .generate import build_site

        build_site(args.site)
    web = serve(args.site, broken=args.broken)
    for key, port in web.ports.items():
        state = "  (broken: HTTP 500)" if key in args.broken else ""
        print(f"{key:22s} {base_url(port)}/{state}")
    print("Serving the offline news web; press Ctrl-C to stop.", flush=True)
    stop = threading.Event()
    # SIGTERM (process managers) and SIGINT (Ctrl-C) both stop cleanly.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        web.stop()


if __name__ == "__main__":
    main()
