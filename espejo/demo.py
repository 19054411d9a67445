"""The demo: build the offline news web, serve it on loopback, run the nightly flow over it once.

Also used by the tests, with free ports instead of the default ones.
"""

from __future__ import annotations

import socket
from contextlib import contextmanager
from pathlib import Path

from espejo.newsweb.generate import build_site
from espejo.newsweb.outlets import DEMO_OUTLETS, FEED_PATH, SITEMAP_PATH, default_ports
from espejo.newsweb.server import serve


def registry_toml(ports: dict[str, int], extra: str = "") -> str:
    """A source registry listing the demo outlets at the given loopback ports."""
    blocks = []
    for outlet in DEMO_OUTLETS:
        port = ports[outlet.key]
        base = f"http://127.0.0.1:{port}"
        blocks.append(
            "[[source]]\n"
            f'key = "{outlet.key}"\nname = "{outlet.name}"\ncountry = "{outlet.country}"\n'
            f'language = "{outlet.language}"\nhomepage = "{base}/"\n'
            f'feeds = ["{base}{FEED_PATH}"]\nsitemaps = ["{base}{SITEMAP_PATH}"]\n'
            'allowed_domains = ["127.0.0.1"]\ndemo = true\nverified = true\n'
        )
    return "\n".join(blocks) + extra


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def ports_in_use(ports: dict[str, int]) -> list[int]:
    busy = []
    for port in ports.values():
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                busy.append(port)
    return busy


@contextmanager
def running_newsweb(data_dir: Path, ports: dict[str, int] | None = None, broken: set[str] | None = None):
    """Build (once) and serve the offline news web; yields (site_dir, registry_path)."""
    ports = ports or default_ports()
    busy = ports_in_use(ports)
    if busy:
        raise RuntimeError(
            f"ports {busy} on 127.0.0.1 are taken; stop whatever serves them (another `espejo demo`?)"
        )
    site_dir = Path(data_dir) / "newsweb"
    if not (site_dir / "manifest.json").exists():
        build_site(site_dir)
    registry = Path(data_dir) / "demo-sources.toml"
    registry.write_text(registry_toml(ports), encoding="utf-8")
    handle = serve(site_dir, ports, broken=broken or set())
    try:
        yield site_dir, registry
    finally:
        handle.stop()
