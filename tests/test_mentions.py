"""Country mentions: the gazetteer's hard cases in both languages, its validation, the helpers."""

import time

import pytest

from espejo.nlp.mentions import (
    GazetteerError,
    count_by_target,
    find_mentions,
    is_about,
    load_gazetteer,
    mentions_of,
    parse_gazetteer,
    sentences_and_mentions,
)
from espejo.nlp.scoring import mark_target
from espejo.nlp.sentences import split_sentences


def found(text: str, language: str) -> list[tuple[str, str, str]]:
    """(surface, target, kind) of every mention, checking the offsets on the way."""
    mentions = find_mentions(text, split_sentences(text, language), language)
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.surface
    return [(m.surface, m.target, m.kind) for m in mentions]


def targets(text: str, language: str) -> list[str]:
    return [target for _, target, _ in found(text, language)]


# --- the two countries' names -------------------------------------------------------------


@pytest.mark.parametrize(
    "surface",
    ["EE.UU.", "EE. UU.", "EEUU", "EUA", "E.U.", "Estados Unidos", "Estados Unidos de América"],
)
def test_spanish_names_of_the_united_states(surface):
    assert found(f"El gobierno de {surface} respondió.", "es") == [(surface, "US", "country")]


def test_los_estados_unidos():
    assert found("Los Estados Unidos respondieron.", "es") == [("Estados Unidos", "US", "country")]


@pytest.mark.parametrize("surface", ["U.S.", "US", "U.S.A.", "USA", "United States", "America"])
def test_english_names_of_the_united_states(surface):
    assert found(f"Officials in {surface} reacted", "en") == [(surface, "US", "country")]


def test_the_states_only_as_a_proper_noun():
    assert found("She moved back to the States last year.", "en") == [
        ("the States", "US", "country")
    ]
    assert found("Several of the states sued the agency.", "en") == []


def test_us_pronoun_is_not_a_country():
    assert found("Let us say it plainly: the US told us no.", "en") == [("US", "US", "country")]


def test_hyphenated_bilateral_forms_count_both_countries():
    assert targets("The U.S.-Mexico border and the US-Mexico trade deal.", "en") == [
        "US", "MX", "US", "MX",
    ]


@pytest.mark.parametrize(
    ("text", "language", "surface"),
    [
        ("México respondió.", "es", "México"),
        ("Mexico respondió sin acento.", "es", "Mexico"),
        ("Mexico's president spoke.", "en", "Mexico"),
        ("Los Estados Unidos Mexicanos firmaron.", "es", "Estados Unidos Mexicanos"),
    ],
)
def test_names_of_mexico(text, language, surface):
    assert found(text, language) == [(surface, "MX", "country")]


@pytest.mark.parametrize(
    ("text", "language", "surface"),
    [
        ("Protests in Mexico City grew.", "en", "Mexico City"),
        ("Marcharon en la Ciudad de México.", "es", "Ciudad de México"),
        ("Marcharon en la Ciudad de Mexico.", "es", "Ciudad de Mexico"),
        ("Marcharon en la CDMX.", "es", "CDMX"),
        ("Habló desde Palacio Nacional.", "es", "Palacio Nacional"),
        ("Antes despachaba en Los Pinos.", "es", "Los Pinos"),
    ],
)
def test_mexican_capital_and_its_metonyms(text, language, surface):
    assert found(text, language) == [(surface, "MX", "capital")]


@pytest.mark.parametrize(
    ("text", "language", "surface"),
    [
        ("Washington said no.", "en", "Washington"),
        ("The White House said no.", "en", "White House"),
        ("La Casa Blanca dijo que no.", "es", "Casa Blanca"),
        ("Lo anunció Washington.", "es", "Washington"),
    ],
)
def test_us_capital_and_its_metonyms(text, language, surface):
    assert found(text, language) == [(surface, "US", "capital")]


def test_capital_metonyms_need_their_capitals():
    assert found("Vive en una casa blanca de dos pisos.", "es") == []
    assert found("They painted the white house again.", "en") == []


def test_washington_as_a_name_or_newspaper_is_not_the_capital():
    assert found("The Washington Post reported it.", "en") == []
    assert found("A portrait of George Washington hung there.", "en") == []


# --- New Mexico, Nuevo León, the Gulf ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "surface"),
    [
        ("Llegaron a Nuevo México.", "es", "Nuevo México"),
        ("Llegaron a Nuevo Mexico.", "es", "Nuevo Mexico"),
        ("They reached New Mexico.", "en", "New Mexico"),
    ],
)
def test_new_mexico_is_a_us_state_never_mexico(text, language, surface):
    assert found(text, language) == [(surface, "US", "state")]


def test_new_mexicans_are_from_the_united_states():
    assert targets("New Mexicans voted.", "en") == ["US"]


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("Monterrey es la capital de Nuevo León.", "Nuevo León"),
        ("Ocurrió en el Estado de México.", "Estado de México"),
        ("Ocurrió en el estado de México.", "estado de México"),
        ("Llegaron a Baja California Sur.", "Baja California Sur"),
    ],
)
def test_mexican_states(text, surface):
    assert (surface, "MX", "state") in found(text, "es")
    assert "US" not in targets(text, "es")


def test_mexiquense_is_mexico():
    assert found("Los mexiquenses votaron.", "es") == [("mexiquenses", "MX", "demonym")]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("A storm formed in the Gulf of Mexico.", "en", []),
        ("Se formó una tormenta en el Golfo de México.", "es", []),
        ("Trump renamed it the Gulf of America.", "en", ["US"]),  # Trump only
    ],
)
def test_the_gulf_is_geography_not_a_country(text, language, expected):
    assert targets(text, language) == expected


# --- demonyms ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    ["estadounidense", "estadounidenses", "norteamericano", "norteamericanos", "norteamericana",
     "norteamericanas"],
)
def test_spanish_us_demonyms(word):
    assert found(f"Un grupo {word} llegó.", "es") == [(word, "US", "demonym")]


@pytest.mark.parametrize("word", ["gringo", "gringos", "gringa", "gringas", "yanquis"])
def test_colloquial_us_demonyms_are_flagged(word):
    assert found(f"Los {word} llegaron.", "es") == [(word, "US", "demonym_colloquial")]


@pytest.mark.parametrize("word", ["mexicano", "mexicanos", "mexicana", "mexicanas"])
def test_spanish_mexican_demonyms(word):
    assert found(f"Un grupo {word} llegó.", "es") == [(word, "MX", "demonym")]


def test_english_demonyms():
    assert found("Mexicans and the Mexican government met Americans.", "en") == [
        ("Mexicans", "MX", "demonym"),
        ("Mexican", "MX", "demonym"),
        ("Americans", "US", "demonym"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "El gobierno americano impuso aranceles.",
        "Los americanos votaron ayer.",
        "El ejército americano llegó.",
        "Un turista americano fue detenido.",
        "Crece el sentimiento anti-americano.",
    ],
)
def test_americano_means_the_united_states(text):
    assert targets(text, "es") == ["US"]


@pytest.mark.parametrize(
    "text",
    [
        "Es el país más grande del continente americano.",
        "Los pueblos americanos resistieron.",
        "La Organización de los Estados Americanos sesionó.",
        "Crece la economía de América Latina.",
        "Un latinoamericano y un iberoamericano conversan.",
        "México ganó la Copa América.",
        "El América venció a Chivas.",
        "Pidió un café americano.",
        "Es fan del fútbol americano.",
        "Un líder afroamericano y una activista afro-americana.",
    ],
)
def test_continental_americano_and_america_are_not_the_united_states(text):
    assert "US" not in targets(text, "es")


@pytest.mark.parametrize(
    "text",
    [
        "Migrants from Latin America and Central America arrived.",
        "Latin American leaders met in the Americas.",
        "She played in the Copa America final.",
        "Bank of America raised rates.",
    ],
)
def test_regional_america_is_not_the_united_states(text):
    assert targets(text, "en") == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("A Mexican-American family and a Mexican American lawyer.", "en"),
        ("Una familia méxico-americana y un activista mexicoamericano.", "es"),
        ("El movimiento chicano marchó.", "es"),
    ],
)
def test_mexican_american_identity_is_neither_country(text, language):
    assert targets(text, language) == []


# --- leaders, institutions, states and cities ----------------------------------------------


def test_leaders_in_both_languages():
    text = "Sheinbaum y López Obrador respondieron a Trump y a Marco Rubio; AMLO calló."
    assert found(text, "es") == [
        ("Sheinbaum", "MX", "leader"),
        ("López Obrador", "MX", "leader"),
        ("Trump", "US", "leader"),
        ("Marco Rubio", "US", "leader"),
        ("AMLO", "MX", "leader"),
    ]
    assert found("Ebrard met Biden.", "en") == [
        ("Ebrard", "MX", "leader"),
        ("Biden", "US", "leader"),
    ]


def test_rubio_the_adjective_is_not_the_secretary():
    assert found("Tiene el cabello rubio.", "es") == []


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Congress passed the bill.", "en", [("Congress", "US", "institution")]),
        ("The party congress met.", "en", []),
        ("The Pentagon and ICE agents.", "en",
         [("Pentagon", "US", "institution"), ("ICE", "US", "institution")]),
        ("Put ice on it.", "en", []),
        ("Lo aprobó el Congreso de EE.UU.", "es",
         [("Congreso de EE.UU.", "US", "institution")]),
        ("El Pentágono y la Patrulla Fronteriza.", "es",
         [("Pentágono", "US", "institution"), ("Patrulla Fronteriza", "US", "institution")]),
        ("Lo dijo el Departamento de Estado.", "es",
         [("Departamento de Estado", "US", "institution")]),
        ("Sedena, Pemex, Banxico y la SRE.", "es",
         [("Sedena", "MX", "institution"), ("Pemex", "MX", "institution"),
          ("Banxico", "MX", "institution"), ("SRE", "MX", "institution")]),
        ("Llegó la Guardia Nacional.", "es", [("Guardia Nacional", "MX", "institution")]),
        ("Llegó la Guardia Nacional de Texas.", "es",
         [("Guardia Nacional de Texas", "US", "institution")]),
        ("The National Guard was deployed.", "en", [("National Guard", "US", "institution")]),
        ("Mexico’s National Guard was deployed.", "en",
         [("Mexico’s National Guard", "MX", "institution")]),
    ],
)
def test_institutions(text, language, expected):
    assert found(text, language) == expected


def test_states_and_cities():
    assert found("De Tijuana a Texas y de El Paso a Ciudad Juárez.", "es") == [
        ("Tijuana", "MX", "city"),
        ("Texas", "US", "state"),
        ("El Paso", "US", "city"),
        ("Ciudad Juárez", "MX", "city"),
    ]


def test_state_names_that_are_also_common_words_need_capitals():
    assert found("Una nevada florida en el cerro colorado.", "es") == []
    assert found("Viajó a Nevada y Colorado.", "es") == [
        ("Nevada", "US", "state"),
        ("Colorado", "US", "state"),
    ]


def test_undetermined_language_uses_both_vocabularies():
    assert targets("EE.UU. and the States; México y Mexicans.", "und") == ["US", "US", "MX", "MX"]


# --- names are not countries (issue 9) ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # treaties named after their parties
        ("Lawyers argued over the U.S.-Mexico-Canada Agreement for a week.", "en"),
        ("Lawyers argued over the United States–Mexico–Canada Agreement for a week.", "en"),
        ("El Tratado entre México, Estados Unidos y Canadá entró en vigor.", "es"),
        # the currency
        ("El boleto costó 80 dólares estadounidenses.", "es"),
        ("Cada dólar estadounidense se vendió a 19 pesos.", "es"),
        ("The loan was priced in U.S. dollars.", "en"),
        # centres, museums and associations outside the country or shared by both
        ("Researchers at the Texas Mexico Center published a survey.", "en"),
        ("A fellow at the Lakeside Mexico Center wrote the report.", "en"),
        ("The Mexico Institute hosted a panel on energy.", "en"),
        ("The National Museum of Mexican Art opened a new gallery.", "en"),
        ("Preside la Asociación de Abogados México-Estados Unidos.", "es"),
        # geography
        ("Volcanoes of the Trans-Mexican Volcanic Belt rumbled.", "en"),
        # clubs named after a city or state
        ("Los Arizona Cardinals recibirán a los 49ers de San Francisco.", "es"),
        ("Los Rayados de Monterrey vencieron a los Xolos de Tijuana.", "es"),
        ("The Kansas City Chiefs beat the Los Angeles Chargers.", "en"),
        # news outlets and companies
        ("The story first ran in Mexico News Daily.", "en"),
        ("Lo publicó Los Angeles Times y lo retomó El Paso Times.", "es"),
        ("Shares of Grupo Mexico rose.", "en"),
        ("Se reunieron en la Torre Trump.", "es"),
        # people and bands who share a place's or a leader's name
        ("El analista Luis Rubio publicó una columna.", "es"),
        ("A statue of Miguel Hidalgo stands in the square.", "en"),
        ("Tocaron Los Ángeles Azules en la feria.", "es"),
        # a cuisine label
        ("A Mexican restaurant opened downtown in Toronto.", "en"),
        # a common phrase, not a city
        ("El gobierno dio el paso decisivo.", "es"),
    ],
)
def test_a_country_word_inside_a_name_is_not_a_mention(text, language):
    assert found(text, language) == []


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # the name goes, the country around it stays
        ("Mexico signed the agreement.", "en", [("Mexico", "MX", "country")]),
        ("Mexico's Senate ratified the U.S.-Mexico-Canada Agreement.", "en",
         [("Mexico's Senate", "MX", "institution")]),
        ("Mexico signed the U.S.-Mexico-Canada Agreement.", "en", [("Mexico", "MX", "country")]),
        # described, not named: the parties count
        ("The U.S.-Mexico trade pact was revised.", "en",
         [("U.S.", "US", "country"), ("Mexico", "MX", "country")]),
        ("El gobierno estadounidense envió 300 millones de dólares.", "es",
         [("estadounidense", "US", "demonym")]),
        ("Las remesas desde Estados Unidos sumaron 500 millones de dólares.", "es",
         [("Estados Unidos", "US", "country")]),
        ("El gobierno estadunidense respondió.", "es", [("estadunidense", "US", "demonym")]),
        ("The Mexican government and the U.S. Border Patrol met in Mexico City.", "en",
         [("Mexican", "MX", "demonym"), ("U.S.", "US", "country"),
          ("Border Patrol", "US", "institution"), ("Mexico City", "MX", "capital")]),
        ("EE.UU. y la Casa Blanca callaron.", "es",
         [("EE.UU.", "US", "country"), ("Casa Blanca", "US", "capital")]),
        # the country's own institutions named for it still count
        ("The Mexican Football Federation fined the club.", "en", [("Mexican", "MX", "demonym")]),
        ("A new exhibit opened at the Museum of Mexico City.", "en",
         [("Mexico City", "MX", "capital")]),
        ("The Mexican peso gained 2% on Friday.", "en", [("Mexican", "MX", "demonym")]),
        ("Critics praised Mexican cuisine at the fair.", "en", [("Mexican", "MX", "demonym")]),
        # lower case: not the name, the place
        ("Los padres de San Diego protestaron.", "es", [("San Diego", "US", "city")]),
        ("Los gigantes tecnológicos de San Francisco crecieron.", "es",
         [("San Francisco", "US", "city")]),
        ("The Mexico center of the company closed.", "en", [("Mexico", "MX", "country")]),
        ("Llegó a El Paso de noche.", "es", [("El Paso", "US", "city")]),
        # the person, the place and the leader next to their namesakes
        ("Luis Rubio criticó a Marco Rubio.", "es", [("Marco Rubio", "US", "leader")]),
        ("Miguel Hidalgo nació lejos de Hidalgo.", "es", [("Hidalgo", "MX", "state")]),
        ("Trump habló desde la Torre Trump.", "es", [("Trump", "US", "leader")]),
        ("Fue deportado por San Luis Río Colorado, Sonora.", "es",
         [("San Luis Río Colorado", "MX", "city"), ("Sonora", "MX", "state")]),
    ],
)
def test_near_misses_of_names_still_count(text, language, expected):
    assert found(text, language) == expected


def test_new_mexico_is_never_mexico_for_us_outlets():
    """Documented choice kept: New Mexico is a U.S. state, so a U.S. outlet's "New Mexico" is not
    a mention of Mexico (and a Mexican outlet's "Nuevo México" is one of the United States)."""
    assert targets("A rancher from New Mexico crossed into Mexico.", "en") == ["US", "MX"]
    assert targets("Un ranchero de Nuevo México cruzó a México.", "es") == ["US", "MX"]


@pytest.mark.parametrize("reverse", [False, True])
def test_a_case_sensitive_name_beats_a_shorter_term_whatever_the_file_order(reverse):
    data = {
        "MX": {"en": {"country": ["Mexico", "Mexico City"]}},
        "US": {"en": {"country": ["US"]}},
        "names": {"en": ["Mexico Center"]},
        "exclude": {"en": ["US dollar{,s}"]},
    }
    if reverse:
        data = dict(reversed(data.items()))
    gazetteer = parse_gazetteer(data)
    text = "The Mexico Center, the Mexico center, Mexico City, 10 US dollars and the US."
    mentions = find_mentions(text, [], "en", gazetteer)
    assert [m.surface for m in mentions] == ["Mexico", "Mexico City", "US"]
    assert [text[m.start : m.end] for m in mentions] == [m.surface for m in mentions]


def test_names_validation():
    with pytest.raises(GazetteerError, match="unknown language 'fr'"):
        parse_gazetteer({"names": {"fr": ["Le Mexique"]}})
    with pytest.raises(GazetteerError, match="'exclude', 'names' and 'matching'"):
        parse_gazetteer({"nicknames": {}})


# --- structure of the result -------------------------------------------------------------

ARTICLE = (
    "La presidenta Claudia Sheinbaum afirmó que el gobierno de EE.UU. no ha notificado a México "
    "sobre nuevos aranceles. En Palacio Nacional dijo que la relación con Estados Unidos es de "
    "respeto.\nEl secretario de Estado, Marco Rubio, viajará a la Ciudad de México. Los "
    "norteamericanos y los mexicanos comparten la frontera de Nuevo México a Tamaulipas."
)


def test_mentions_are_ordered_disjoint_and_in_their_sentences():
    sentences = split_sentences(ARTICLE, "es")
    mentions = find_mentions(ARTICLE, sentences, "es")
    assert len(mentions) == 11
    for previous, current in zip(mentions, mentions[1:]):
        assert previous.end <= current.start
    for mention in mentions:
        sentence = sentences[mention.sentence_index]
        assert sentence.start <= mention.start and mention.end <= sentence.end
    assert [m.sentence_index for m in mentions_of(mentions, "MX")] == [0, 0, 1, 2, 3, 3]


def test_counts_and_filters():
    mentions = find_mentions(ARTICLE, split_sentences(ARTICLE, "es"), "es")
    assert count_by_target(mentions) == {"US": 5, "MX": 6}
    assert count_by_target([]) == {"US": 0, "MX": 0}
    assert {m.target for m in mentions_of(mentions, "US")} == {"US"}


def test_is_about():
    assert is_about(ARTICLE, "US", "es")
    assert is_about(ARTICLE, "US", "es", min_mentions=5)
    assert not is_about(ARTICLE, "US", "es", min_mentions=6)
    assert not is_about("Una nota sobre el clima en Madrid.", "US", "es", min_mentions=1)
    assert is_about("", "MX", "es", min_mentions=0)
    with pytest.raises(ValueError):
        is_about(ARTICLE, "CA", "es")


def test_a_5000_character_article_takes_a_few_milliseconds():
    text = (ARTICLE + "\n") * (5000 // len(ARTICLE) + 1)
    sentences = split_sentences(text, "es")
    find_mentions(text, sentences, "es")  # compile the pattern first
    runs = 50
    began = time.perf_counter()
    for _ in range(runs):
        find_mentions(text, sentences, "es")
    assert (time.perf_counter() - began) / runs < 0.02  # measured ~1-2 ms; loose for slow CI


# --- names that a line break runs through ------------------------------------------------
# A page that wraps its lines can break a name ("EE.\nUU."). The splitter ends a paragraph at every line
# break, so such a mention used to run across two sentences, and the scorer raised on it, failing the run.


@pytest.mark.parametrize(
    ("text", "language", "surface"),
    [
        ("El gobierno de EE.\nUU. anunció aranceles al acero. La respuesta llegó el lunes.", "es", "EE.\nUU."),
        ("The U.\nS. Treasury announced new rules. Markets barely moved.", "en", "U.\nS."),
        ("El acuerdo con EE.\r\nUU. sigue vigente. Nadie lo discute.", "es", "EE.\r\nUU."),
        ("Los agentes de E.\nU.\nA. revisaron la carga. Nada faltaba.", "es", "E.\nU.\nA."),
        ("La delegación viajó a Estados\nUnidos el martes. Volvió el jueves.", "es", "Estados\nUnidos"),
        ("A rancher from New\nMexico crossed the river. Nobody stopped him.", "en", "New\nMexico"),
    ],
)
def test_a_name_broken_by_a_line_break_is_one_mention_in_one_sentence(text, language, surface):
    sentences, mentions = sentences_and_mentions(text, language)
    assert [(m.surface, m.target) for m in mentions] == [(surface, "US")]
    mention = mentions[0]
    sentence = sentences[mention.sentence_index]
    assert sentence.start <= mention.start and mention.end <= sentence.end
    assert text[sentence.start : sentence.end] == sentence.text
    # The two lines are one sentence; the next sentence is still its own.
    assert [s.text for s in sentences] == [text[: sentence.end], text[sentence.end :].strip()]
    # What the scorer does with it no longer raises: the span lies inside its sentence.
    marked, _, _ = mark_target(sentence.text, mention.start - sentence.start, mention.end - sentence.start, "[", "]")
    assert f"[{surface}]" in marked


def test_only_a_line_break_joins_an_acronym():
    """A wrapped acronym is the page's doing; "U. S." with a space is left alone, as before."""
    assert targets("The U.\nS. economy grew.", "en") == []  # split_sentences' own sentences cut it (next test)
    assert sentences_and_mentions("The U. S. economy grew.", "en")[1] == []
    assert [m.surface for m in sentences_and_mentions("The U.\n  S. economy grew.", "en")[1]] == ["U.\n  S."]


def test_find_mentions_drops_a_match_that_a_sentence_boundary_cuts():
    """Given sentences that cut a name, find_mentions leaves it out rather than hand the scorer a span
    that runs out of its sentence; every mention it returns lies inside the sentence it names."""
    text = "El gobierno de EE.\nUU. anunció aranceles. México respondió el lunes."
    plain = split_sentences(text, "es")
    assert [s.text for s in plain][:2] == ["El gobierno de EE.", "UU. anunció aranceles."]
    mentions = find_mentions(text, plain, "es")
    assert [m.surface for m in mentions] == ["México"]
    for mention in mentions:
        sentence = plain[mention.sentence_index]
        assert sentence.start <= mention.start and mention.end <= sentence.end
    # The pipeline's way keeps it, in a sentence that holds both lines.
    sentences, kept = sentences_and_mentions(text, "es")
    assert [m.surface for m in kept] == ["EE.\nUU.", "México"]
    assert sentences[kept[0].sentence_index].text == "El gobierno de EE.\nUU. anunció aranceles."


# --- the gazetteer file ------------------------------------------------------------------


def test_the_packaged_gazetteer_loads():
    gazetteer = load_gazetteer()
    assert gazetteer.terms_for("es")


def test_a_custom_gazetteer_expands_braces_and_is_used():
    gazetteer = parse_gazetteer(
        {"MX": {"es": {"demonym": ["chilang{o,a}{,s}"]}}, "exclude": {"es": ["chilango style"]}}
    )
    text = "Las chilangas y los chilangos; chilango style."
    mentions = find_mentions(text, [], "es", gazetteer)
    assert [m.surface for m in mentions] == ["chilangas", "chilangos"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"CA": {"en": {"country": ["Canada"]}}}, "unknown country 'CA'"),
        ({"US": {"en": {"planet": ["Earth"]}}}, "unknown kind 'planet'"),
        ({"US": {"fr": {"country": ["États-Unis"]}}}, "unknown language 'fr'"),
        ({"US": {"en": {"country": ["USA", "  "]}}}, r"US.en.country\[1\]: empty"),
        ({"US": {"en": {"country": "USA"}}}, "expected a list"),
        ({"US": {"en": {"country": ["U{S"]}}}, "unbalanced braces"),
        ({"US": {"en": {"country": ["¿USA"]}}}, "must start with a letter"),
        ({"exclude": {"xx": ["a"]}}, "unknown language 'xx'"),
        ({"matching": {"case_sensitive": ["Nope"]}}, "not a term"),
        (
            {"US": {"en": {"country": ["Texas"]}}, "MX": {"all": {"state": ["Texas"]}}},
            "listed twice",
        ),
    ],
)
def test_gazetteer_validation_errors(data, message):
    with pytest.raises(GazetteerError, match=message):
        parse_gazetteer(data)
