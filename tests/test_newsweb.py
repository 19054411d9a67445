"""The offline news web: generator output, manifest ground truth, and the loopback servers."""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from espejo.newsweb import DEMO_OUTLETS, build_site, default_ports, serve
from espejo.newsweb.server import serve_broken

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM_NS = "{http://www.w3.org/2005/Atom}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


NO_REDIRECT = urllib.request.build_opener(_NoRedirect)


def _free_ports(count: int) -> list[int]:
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    ports = [s.getsockname()[1] for s in sockets]
    for sock in sockets:
        sock.close()
    return ports


def _get(url: str, opener=None):
    """(status, headers, body) for a GET, without raising on HTTP errors."""
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("newsweb")
    ports = dict(zip([o.key for o in DEMO_OUTLETS], _free_ports(len(DEMO_OUTLETS))))
    build_site(out, ports)
    return out


@pytest.fixture(scope="module")
def manifest(site) -> dict:
    return json.loads((site / "manifest.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def web(site):
    handle = serve(site)
    yield handle
    handle.stop()


def _feed_links(xml_bytes: bytes) -> list[str]:
    root = ET.fromstring(xml_bytes)
    if root.tag == "rss":
        return [item.findtext("link") for item in root.iter("item")]
    return [link.get("href") for entry in root.iter(f"{ATOM_NS}entry") for link in entry.iter(f"{ATOM_NS}link")]


def _sitemap_locs(xml_bytes: bytes) -> list[str]:
    return [loc.text for loc in ET.fromstring(xml_bytes).iter(f"{SITEMAP_NS}loc")]


# ----------------------------------------------------------------------------- generator

def test_outlets_and_default_ports():
    assert [o.key for o in DEMO_OUTLETS] == [
        "harbor-courier", "midwest-ledger", "capital-dispatch", "sunbelt-times", "heraldo-del-valle",
        "voz-de-la-republica", "diario-del-norte", "cronica-capitalina", "noticias-frontera"]
    assert default_ports() == {o.key: 8731 + i for i, o in enumerate(DEMO_OUTLETS)}
    frontera = next(o for o in DEMO_OUTLETS if o.key == "noticias-frontera")
    assert (frontera.country, frontera.language, frontera.target) == ("US", "es", "MX")


def test_generation_is_deterministic(tmp_path, site, manifest):
    build_site(tmp_path, {o["key"]: o["port"] for o in manifest["outlets"]})
    assert (tmp_path / "manifest.json").read_bytes() == (site / "manifest.json").read_bytes()
    page = "harbor-courier/feed.xml"
    assert (tmp_path / page).read_bytes() == (site / page).read_bytes()


def test_manifest_corpus_shape(manifest):
    articles = manifest["articles"]
    assert len(articles) >= 300
    per_outlet = Counter(a["outlet"] for a in articles)
    assert set(per_outlet) == {o.key for o in DEMO_OUTLETS}
    assert min(per_outlet.values()) >= 25
    months = {a["published"][:7] for a in articles}
    assert len(months) >= 12
    assert min(a["published"] for a in articles) >= "2025-11-01"
    assert max(a["published"] for a in articles) <= "2026-10-31"
    targets = Counter(a["target"] for a in articles)
    assert targets["MX"] > 100 and targets["US"] > 100
    assert targets[None] >= 0.10 * len(articles)
    assert len({a["url"] for a in articles}) == len(articles)
    for a in articles:
        if a["target"] is None:
            assert a["theme"] is None and a["tone"] is None
        else:
            assert a["theme"] in {"trade", "migration", "security", "remittances", "culture_tourism",
                                  "exchanges", "sister_cities", "world_cup", "energy", "water", "diplomacy"}
            assert a["tone"] in (-1, 0, 1) and a["frames"]
            assert len(a["target_sentences"]) >= 3


def test_offtopic_articles_never_name_the_other_country(manifest, site):
    mexico = re.compile(r"Mexic|México|Sheinbaum|USMCA|T-MEC")
    usa = re.compile(r"Estados Unidos|EE\.UU|EUA|estadounidense|Washington|Casa Blanca|Trump|Texas|americ")
    offtopic = [a for a in manifest["articles"] if a["target"] is None]
    for a in offtopic:
        pattern = mexico if a["source_country"] == "US" else usa
        text = " ".join([a["title"], a["first_sentence"]])
        assert not pattern.search(text), a["id"]


def test_planted_shift(manifest):
    shift = manifest["shift"]
    assert (shift["direction"], shift["theme"], shift["month"]) == ("mx->us", "security", "2026-05")
    on_theme = [a for a in manifest["articles"] if a["source_country"] == "MX" and a["theme"] == "security"]
    before = [a["tone"] for a in on_theme if a["published"] < "2026-05-01"]
    after = [a["tone"] for a in on_theme if a["published"] >= "2026-05-01"]
    assert len(before) >= 15 and len(after) >= 15
    assert sum(before) / len(before) > 0.4 and sum(after) / len(after) < -0.4
    assert shift["tone_before"] == round(sum(before) / len(before), 2)


def test_wire_story_republished_by_three_us_outlets(manifest):
    wire = [a for a in manifest["articles"] if a["wire"]]
    assert len(wire) >= 3
    assert {a["source_country"] for a in wire} == {"US"}
    assert len({a["outlet"] for a in wire}) == len(wire)
    assert len({a["first_sentence"] for a in wire}) == 1
    assert len({a["url"] for a in wire}) == len(wire)
    for a in wire:
        assert set(a["also_at"]) == {w["outlet"] for w in wire} - {a["outlet"]}


def _event_stories(manifest) -> dict[str, list[dict]]:
    stories: dict[str, list[dict]] = {}
    for a in manifest["articles"]:
        if a["event"] is not None:
            stories.setdefault(a["event"], []).append(a)
    return stories


def test_planted_events_are_told_by_several_outlets_in_both_languages(manifest):
    events, stories = manifest["events"], _event_stories(manifest)
    assert set(stories) == {e["id"] for e in events}
    cross = [e for e in events if e["cross_border"]]
    assert len(cross) >= 12 and len([e for e in events if not e["cross_border"]]) >= 5
    # The U.S. outlet that writes in Spanish tells several of the cross-border events.
    assert len([e for e in cross if any(s["side"] == "us_es" for s in e["sides"])]) >= 6
    assert {"US", "MX"} == {e["countries"][0] for e in events if not e["cross_border"]}
    for e in events:
        told = stories[e["id"]]
        assert sorted(a["id"] for a in told) == e["articles"]
        assert (3 if e["cross_border"] else 2) <= len(told) <= 6, e["id"]
        assert len({a["outlet"] for a in told}) == len(told)  # one story per outlet
        assert {a["source_country"] for a in told} == set(e["countries"])
        sides = {(s["country"], s["language"]) for s in e["sides"]}
        assert {(a["source_country"], a["language"]) for a in told} == sides
        assert e["cross_border"] == (set(e["countries"]) == {"US", "MX"})
        for a in told:  # within three days of the event, inside the web's date range
            assert e["day"] <= a["published"] <= (date.fromisoformat(e["day"]) + timedelta(days=2)).isoformat()
            assert "2025-11-01" <= a["published"] <= "2026-10-31"
            # A relevant story like the others, so the pipeline scores it.
            assert a["target"] and a["theme"] == e["theme"] and a["tone"] in (-1, 0, 1) and a["frames"]
            assert len(a["target_sentences"]) >= 3 and not a["wire"]
        # Each outlet's own headline and lead.
        assert len({a["title"] for a in told}) == len({a["first_sentence"] for a in told}) == len(told)


def test_look_alike_events_share_kind_and_place_but_not_week_or_people(manifest):
    events = {e["id"]: e for e in manifest["events"]}
    stories = _event_stories(manifest)
    pairs = [(e, events[e["look_alike_of"]]) for e in events.values() if e["look_alike_of"]]
    assert len(pairs) >= 4
    for e, twin in pairs:
        assert (e["kind"], e["place"]) == (twin["kind"], twin["place"])
        assert abs((date.fromisoformat(e["day"]) - date.fromisoformat(twin["day"])).days) >= 7
        leads = {a["first_sentence"] for a in stories[e["id"]]}
        assert not leads & {a["first_sentence"] for a in stories[twin["id"]]}


def test_event_stories_are_not_copies_of_each_other(site, manifest):
    """Different outlets' stories of one event are different articles: neither the crawl's fingerprint nor the
    warehouse's near-duplicate rule may merge them as it merges a wire story."""
    from espejo.newsweb.generate import file_for
    from espejo.spiders.extraction import extract_article, fingerprint, normalized_words
    from espejo.warehouse.load import NEAR_DUPLICATE_JACCARD

    bases = {o["key"]: o["base_url"] for o in manifest["outlets"]}
    texts = {}
    for a in manifest["articles"]:
        if a["event"] is not None:
            page = (site / a["outlet"] / file_for(a["url"].removeprefix(bases[a["outlet"]]))).read_text("utf-8")
            texts[a["id"]] = extract_article(page, a["url"]).text
    assert len({fingerprint(t) for t in texts.values()}) == len(texts)

    def shingles(text: str) -> set[tuple[str, ...]]:
        words = normalized_words(text)
        return {tuple(words[i:i + 5]) for i in range(len(words) - 4)}

    for told in _event_stories(manifest).values():
        for i, a in enumerate(told):
            for b in told[i + 1:]:
                one, two = shingles(texts[a["id"]]), shingles(texts[b["id"]])
                assert len(one & two) / len(one | two) < NEAR_DUPLICATE_JACCARD / 2, (a["id"], b["id"])


def test_event_stories_come_after_the_regular_ones(manifest):
    """The events were added without renumbering the rest: per outlet, the regular stories keep ids 1..n in
    time order and the events' stories follow."""
    for outlet in manifest["outlets"]:
        mine = [a for a in manifest["articles"] if a["outlet"] == outlet["key"]]
        numbers = [int(a["id"].rsplit("-", 1)[1]) for a in mine]
        assert numbers == list(range(1, len(mine) + 1))
        regular = [a for a in mine if a["event"] is None]
        assert mine[:len(regular)] == regular
        assert [a["published_at"] for a in regular] == sorted(a["published_at"] for a in regular)


def test_special_urls_and_latin1_flag(manifest):
    special = manifest["special"]
    for key in ("redirect_from", "redirect_to", "not_found", "tracking_url", "latin1_url"):
        assert special[key].startswith("http://127.0.0.1:")
    assert "utm_source=" in special["tracking_url"]
    assert [a["url"] for a in manifest["articles"] if a["latin1"]] == [special["latin1_url"]]


# ----------------------------------------------------------------------------- servers

@pytest.mark.parametrize("outlet", [o.key for o in DEMO_OUTLETS])
def test_outlet_serves_robots_feed_and_sitemaps(web, manifest, outlet):
    base = web.base_url(outlet)
    status, headers, robots = _get(base + "/robots.txt")
    assert status == 200 and b"Disallow: /admin/" in robots
    assert f"Sitemap: {base}/sitemap.xml".encode() in robots

    status, headers, feed = _get(base + "/feed.xml")
    assert status == 200
    assert headers["Content-Type"].split(";")[0] in ("application/rss+xml", "application/atom+xml")
    links = _feed_links(feed)
    assert 25 <= len(links) <= 32 and all(link.startswith(base) for link in links)

    status, headers, index = _get(base + "/sitemap.xml")
    assert status == 200 and headers["Content-Type"].startswith("application/xml")
    child_maps = _sitemap_locs(index)
    article_urls, page_urls = set(), set()
    for child in child_maps:
        status, _, body = _get(child)
        assert status == 200
        (article_urls if b"sitemap-news" in body else page_urls).update(_sitemap_locs(body))
    expected = {a["url"] for a in manifest["articles"] if a["outlet"] == outlet}
    assert article_urls == expected  # the news sitemaps list every article and nothing else
    assert page_urls and not page_urls & expected  # section fronts and tag pages are not articles
    for url in sorted(page_urls)[:3]:
        assert _get(url)[0] == 200


def test_articles_resolve(web, manifest):
    for a in manifest["articles"][::7]:
        status, headers, body = _get(a["url"])
        assert status == 200, a["url"]
        charset = "iso-8859-1" if a["latin1"] else "utf-8"
        assert f'rel="canonical" href="{a["url"]}"' in body.decode(charset)


def test_tracking_parameters_are_ignored(web, manifest):
    special = manifest["special"]
    status, _, body = _get(special["tracking_url"])
    assert status == 200
    assert special["tracking_canonical"].encode() in body


def test_redirect_and_not_found(web, manifest):
    special = manifest["special"]
    status, headers, _ = _get(special["redirect_from"], NO_REDIRECT)
    assert status == 301 and headers["Location"] == special["redirect_to"]
    assert _get(special["redirect_from"])[0] == 200  # followed by urllib
    assert _get(special["not_found"])[0] == 404
    assert _get(web.base_url("midwest-ledger") + "/no/such/page.html")[0] == 404
    assert _get(web.base_url("midwest-ledger") + "/_server.json")[0] == 404
    assert _get(web.base_url("midwest-ledger") + "/../manifest.json")[0] == 404
    feed = _get(web.base_url("harbor-courier") + "/feed.xml")[2]
    assert special["redirect_from"] in _feed_links(feed)
    feed = _get(web.base_url("capital-dispatch") + "/feed.xml")[2]
    assert special["not_found"] in _feed_links(feed)


def test_latin1_page_decodes_with_declared_charset(web, manifest):
    article = next(a for a in manifest["articles"] if a["latin1"])
    status, headers, body = _get(article["url"])
    assert status == 200
    assert headers.get_content_charset() == "iso-8859-1"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode(headers.get_content_charset())
    assert 'charset="iso-8859-1"' in text.lower() or "charset=iso-8859-1" in text.lower()
    assert article["first_sentence"] in text.replace("&quot;", '"')
    assert re.search("[áéíóúñ]", text)


def test_trafilatura_extracts_the_body(web, manifest):
    trafilatura = pytest.importorskip("trafilatura")
    articles = manifest["articles"]
    sample = [a for a in articles if a["latin1"] or a["wire"]] + articles[::23]
    for a in sample:
        status, headers, body = _get(a["url"])
        html_text = body.decode(headers.get_content_charset() or "utf-8")
        text = trafilatura.extract(html_text, url=a["url"]) or ""
        assert a["first_sentence"] in text, a["id"]


def test_served_on_other_ports_rewrites_urls(site, manifest):
    handle = serve(site, {o.key: 0 for o in DEMO_OUTLETS}, only=["sunbelt-times"])
    try:
        base = handle.base_url("sunbelt-times")
        built = next(o["base_url"] for o in manifest["outlets"] if o["key"] == "sunbelt-times")
        assert base != built
        links = _feed_links(_get(base + "/feed.xml")[2])
        assert links and all(link.startswith(base + "/") for link in links)
    finally:
        handle.stop()


def test_broken_outlet_answers_500(site):
    handle = serve(site, {o.key: 0 for o in DEMO_OUTLETS}, broken={"voz-de-la-republica"},
                   only=["voz-de-la-republica", "diario-del-norte"])
    lone = serve_broken()
    try:
        for path in ("/", "/robots.txt", "/feed.xml", "/sitemap.xml"):
            assert _get(handle.base_url("voz-de-la-republica") + path)[0] == 500
            assert _get(lone.base_url("broken") + path)[0] == 500
        assert _get(handle.base_url("diario-del-norte") + "/feed.xml")[0] == 200
    finally:
        handle.stop()
        lone.stop()
