from pathlib import Path

import pytest

from espejo.spiders.registry import RegistryError, load_sources, parse_sources


def test_shipped_registry_is_valid_and_covers_both_countries():
    sources = load_sources()
    demo = [s for s in sources if s.demo]
    real = [s for s in sources if not s.demo]
    assert {(s.country, s.language) for s in demo} == {("US", "en"), ("MX", "es"), ("US", "es")}
    assert sum(s.country == "US" for s in demo if s.language == "en") >= 4
    assert sum(s.country == "MX" for s in demo) >= 4
    assert sum(s.country == "US" for s in real) >= 15
    assert sum(s.country == "MX" for s in real) >= 15
    # Feeds written from here could not be checked: the registry must say so.
    assert all(not s.verified for s in real)
    assert len({s.key for s in sources}) == len(sources)


def test_every_problem_is_reported_with_its_entry(tmp_path: Path):
    bad = tmp_path / "sources.toml"
    bad.write_text(
        '[[source]]\nkey = "Bad Key"\nname = "X"\ncountry = "CA"\nlanguage = "fr"\nhomepage = "ftp://x"\n'
        '[[source]]\nkey = "ok"\nname = "Ok"\ncountry = "US"\nlanguage = "en"\nhomepage = "https://ok.example/"\n'
        'feeds = ["https://ok.example/rss"]\ncolour = "red"\n',
        encoding="utf-8",
    )
    with pytest.raises(RegistryError) as err:
        load_sources(bad)
    message = str(err.value)
    for expected in ("source #1 (Bad Key)", "lowercase", 'country must be "US" or "MX"', "language must be",
                     "not an http(s) URL", "needs at least one feed or sitemap", "source #2 (ok)", "unknown field"):
        assert expected in message


def test_not_toml_and_missing_file_give_clear_errors(tmp_path: Path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[[source]\nkey=", encoding="utf-8")
    with pytest.raises(RegistryError, match="not valid TOML"):
        load_sources(broken)
    with pytest.raises(RegistryError, match="no such registry file"):
        load_sources(tmp_path / "absent.toml")


def test_duplicate_keys_are_rejected():
    entry = {"key": "a", "name": "A", "country": "MX", "language": "es", "homepage": "https://a.mx/",
             "feeds": ["https://a.mx/rss"]}
    with pytest.raises(RegistryError, match="duplicate key 'a'"):
        parse_sources({"source": [entry, dict(entry)]})
