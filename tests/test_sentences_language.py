"""Sentence splitting (offsets, abbreviations, quotes) and language detection."""

import pytest

from espejo.nlp.language import detect_language
from espejo.nlp.sentences import split_sentences


def texts(text: str, language: str) -> list[str]:
    return [sentence.text for sentence in split_sentences(text, language)]


def test_offsets_point_to_the_stripped_sentence():
    text = "  First one.   Second one!\n\n  Third   \n"
    sentences = split_sentences(text, "en")
    assert [s.text for s in sentences] == ["First one.", "Second one!", "Third"]
    assert [s.index for s in sentences] == [0, 1, 2]
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text


def test_paragraph_break_always_ends_a_sentence():
    assert texts("A title without a period\nThe body starts here", "en") == [
        "A title without a period",
        "The body starts here",
    ]


def test_kept_spans_are_never_cut():
    text = "Una línea que termina en EE.\nUU. y sigue. Otra frase.\nOtro párrafo."
    kept = (text.index("EE."), text.index("EE.") + len("EE.\nUU."))
    assert texts(text, "es")[:2] == ["Una línea que termina en EE.", "UU. y sigue."]
    sentences = split_sentences(text, "es", keep_together=[kept])
    assert [s.text for s in sentences] == ["Una línea que termina en EE.\nUU. y sigue.", "Otra frase.", "Otro párrafo."]
    assert all(text[s.start : s.end] == s.text for s in sentences)
    # A span across several boundaries joins all of them; spans within one sentence change nothing.
    assert len(split_sentences(text, "es", keep_together=[(0, len(text))])) == 1
    assert split_sentences(text, "es", keep_together=[(0, 3)]) == split_sentences(text, "es")


def test_empty_text_has_no_sentences():
    assert split_sentences("", "es") == []
    assert split_sentences(" \n \n", "en") == []


@pytest.mark.parametrize(
    "text",
    [
        "El gobierno de EE.UU. anunció aranceles al acero.",
        "El gobierno de EE. UU. anunció aranceles al acero.",
        "La embajada de E.U. en Monterrey cerró sus puertas.",
        "La Sra. Pérez y el Lic. Gómez hablaron con el Dr. Ruiz y la Dra. Soto.",
        "El Sr. López y el Sen. Monreal llegaron a las 10 a.m. al recinto.",
        "El expediente núm. 45 sigue abierto.",
        "Tiene un valor de 1.500 millones de pesos y creció 3.5 por ciento.",
    ],
)
def test_spanish_abbreviations_and_numbers_do_not_split(text):
    assert texts(text, "es") == [text]


@pytest.mark.parametrize(
    "text",
    [
        "Mr. Smith and Mrs. Jones met Dr. Brown in St. Louis.",
        "Gov. Greg Abbott spoke with Sen. Ted Cruz and Rep. Tony Gonzales.",
        "The U.S. economy grew 3.5 percent, the U.S.A. team said.",
        "J. Smith and John F. Kennedy are on list No. 5 today.",
        "The plant in Washington, D.C. closed on Jan. 6 last year.",
    ],
)
def test_english_abbreviations_initials_and_numbers_do_not_split(text):
    assert texts(text, "en") == [text]


def test_country_abbreviation_can_still_end_a_sentence():
    assert texts("He moved to the U.S. The next day he left.", "en") == [
        "He moved to the U.S.",
        "The next day he left.",
    ]
    assert texts("Viajó a EE.UU. Después volvió a México.", "es") == [
        "Viajó a EE.UU.",
        "Después volvió a México.",
    ]


def test_a_number_with_a_decimal_point_can_end_a_sentence():
    assert texts("Inflation was 3.5. Mexico responded.", "en") == [
        "Inflation was 3.5.",
        "Mexico responded.",
    ]


def test_spanish_questions_exclamations_and_dialogue():
    text = "¿Qué pasará con el T-MEC? ¡Nadie lo sabe! —dijo el Sr. López. Luego se fue."
    assert texts(text, "es") == [
        "¿Qué pasará con el T-MEC?",
        "¡Nadie lo sabe! —dijo el Sr. López.",
        "Luego se fue.",
    ]


def test_quotes_stay_with_their_sentence():
    text = 'He said, "We will not pay." Then he left. "Why?" she asked.'
    assert texts(text, "en") == [
        'He said, "We will not pay."',
        "Then he left.",
        '"Why?" she asked.',
    ]
    spanish = "Sólo dijo: «¿Vendrás?», y se fue... Luego volvió. «No lo sé». Y calló."
    assert texts(spanish, "es") == [
        "Sólo dijo: «¿Vendrás?», y se fue...",
        "Luego volvió.",
        "«No lo sé».",
        "Y calló.",
    ]


def test_spanish_no_is_a_word_unless_a_number_follows():
    assert texts("¿Vienes? No. Mañana lo veremos.", "es") == [
        "¿Vienes?",
        "No.",
        "Mañana lo veremos.",
    ]


def test_numbered_list_item_is_not_a_sentence_of_its_own():
    assert texts("1. Introducción a la relación bilateral", "es") == [
        "1. Introducción a la relación bilateral"
    ]


def test_offsets_hold_on_a_long_mixed_article():
    text = (
        "WASHINGTON — El Departamento de Estado de EE. UU. emitió una alerta.\n"
        "  La Sra. Rodríguez dijo: «Es grave». Los datos de 2024 muestran un alza de 3.5%.\n"
        'Mr. Landau said the U.S. "will act." Officials declined to comment.'
    )
    sentences = split_sentences(text, "es")
    assert len(sentences) == 5
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip()


ENGLISH_NEWS = (
    "The Biden administration said on Monday that it would send more agents to the southern "
    "border, as Mexican officials pledged to step up enforcement against smuggling networks."
)
SPANISH_NEWS = (
    "La presidenta Claudia Sheinbaum afirmó que el gobierno de EE.UU. no ha notificado a México "
    "sobre nuevos aranceles al acero y que su gobierno mantendrá el diálogo."
)


def test_detects_english_and_spanish_news():
    assert detect_language(ENGLISH_NEWS) == "en"
    assert detect_language(SPANISH_NEWS) == "es"


def test_text_beats_a_wrong_hint():
    assert detect_language(ENGLISH_NEWS, hint="es") == "en"
    assert detect_language(SPANISH_NEWS, hint="en-US") == "es"


def test_mixed_text_with_spanish_abbreviations_keeps_its_language():
    english = (
        "Officials in Washington said EE.UU. and Mexico had agreed on new security measures, "
        "according to a statement released Tuesday by the State Department."
    )
    spanish = (
        "El Departamento de Estado de EE.UU. informó que Washington y la Ciudad de México "
        "firmaron un acuerdo de seguridad, según un comunicado del Homeland Security."
    )
    assert detect_language(english) == "en"
    assert detect_language(spanish) == "es"


def test_other_languages_are_undetermined():
    portuguese = (
        "O presidente brasileiro disse nesta segunda-feira que o governo não vai aceitar as "
        "novas tarifas impostas pelos Estados Unidos."
    )
    assert detect_language(portuguese, hint="es") == "und"


def test_short_text_falls_back_to_the_hint():
    assert detect_language("EE.UU.", hint="es-MX") == "es"
    assert detect_language("Trump y AMLO", hint="EN") == "en"
    assert detect_language("EE.UU.") == "und"
    assert detect_language("", hint="fr") == "und"
