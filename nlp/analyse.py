"""From stored article to analysed article: language, sentences, mentions, sentiment, frames.

Pure: text in, records out. Mentions of both countries are kept; only mentions of the *other*
country (Mexico in U.S. media, the U.S. in Mexican media) are scored, because that is the portrayal
Espejo measures. An article's stance is the mean over those scored mentions of P(positive) - P(negative)
(computed where it is stored, from `SentimentScore.value`).

`analyse_isolated` is what the runs call: one article that breaks the analysis costs that article, not
its chunk or the run (see `ScoreFailure`).
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path

from espejo.nlp.language import detect_language
from espejo.nlp.mentions import sentences_and_mentions
from espejo.nlp.scoring import FrameInput, MentionInput, Scorer
from espejo.records import AnalysedArticle, Mention, ScoredMention, ScoreFailure, StoredArticle, other_country


# Articles are scored in chunks, so progress shows and each chunk is stored as soon as it is done. Every
# scoring path (in process, on Dask) uses these same chunks: equal chunks give equal batches, equal scores.
SCORE_CHUNK = 32


# Frames read an article's first sentences only, at most this many: embedding every sentence of a
# pathological body (20,000 sentences: minutes on two cores) would hold up the run for one article.
# The lead is where news puts what frames a story, and real bodies are shorter: 28 sentences at the
# median, 243 at the 99th percentile (the 181 pages of the extraction benchmark). Sentiment is not
# capped: it reads only the sentences that mention the other country. A capped article says so in
# its `notes`, which the run logs.
MAX_FRAME_SENTENCES = 200
# ... and each of them (and the title) up to this many characters. The frame models read the first 128
# tokens of a text, some 600 characters of prose (4,000 hold them unless the text is padded with characters
# the tokenizer drops), but the tokenizer would split all of it first: a 1 MB line cost seconds.
MAX_FRAME_TEXT_CHARS = 4_000

# How much of an error message a failure keeps (a message can quote a whole article).
FAILURE_MESSAGE_CHARS = 500

# A short article every working scorer analyses: when every article of a chunk fails on its own, this
# tells a broken scorer (raise: the articles are not to blame) from a chunk of broken articles.
_PROBE = StoredArticle(article_id="probe", source_country="US", title="",
                       text="Officials in Mexico and the United States met to talk about water.", language_hint="en")


@dataclass(frozen=True)
class ChunkResult:
    analysed: list[AnalysedArticle]
    failures: list[ScoreFailure]


def chunks_of(articles: list[StoredArticle], size: int = SCORE_CHUNK) -> list[list[StoredArticle]]:
    return [articles[first:first + size] for first in range(0, len(articles), size)]


def analyse_isolated(articles: list[StoredArticle], scorer: Scorer) -> ChunkResult:
    """Analyse a chunk in one batch; if the batch fails, each article alone, so only the bad ones fail.

    An article analysed alone gets the scores it gets in any batch, up to float rounding: inputs are
    padded per batch and padding is masked. Raises when every article fails and so does the probe.
    """
    try:
        return ChunkResult(analyse_articles(articles, scorer), [])
    except Exception as error:  # noqa: BLE001 (any error of one article must cost that article only)
        if len(articles) == 1:
            return ChunkResult([], [_failure(articles[0], error)])
    analysed, failures = [], []
    for article in articles:
        try:
            analysed.extend(analyse_articles([article], scorer))
        except Exception as error:  # noqa: BLE001
            failures.append(_failure(article, error))
    if not analysed:
        _check_scorer(scorer, failures)
    return ChunkResult(analysed, failures)


def _failure(article: StoredArticle, error: Exception) -> ScoreFailure:
    frames = traceback.extract_tb(error.__traceback__)
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno} in {frames[-1].name}" if frames else ""
    message = str(error)
    if len(message) > FAILURE_MESSAGE_CHARS:
        message = message[:FAILURE_MESSAGE_CHARS] + "…"
    return ScoreFailure(article.article_id, type(error).__name__, message, where)


def _check_scorer(scorer: Scorer, failures: list[ScoreFailure]) -> None:
    try:
        analyse_articles([_PROBE], scorer)
    except Exception as error:
        first = failures[0]
        raise RuntimeError(
            f"the scorer fails on a plain probe article too ({type(error).__name__}: {error}), so the "
            f"{len(failures)} failed articles are not recorded as bad; the first failed with "
            f"{first.error_type}: {first.message}"
        ) from error


def analyse_articles(articles: list[StoredArticle], scorer: Scorer) -> list[AnalysedArticle]:
    """Analyse a batch; the scorer sees all mentions of the batch at once so it can batch by length."""
    prepared = []
    mention_inputs: list[MentionInput] = []
    owners: list[tuple[int, Mention]] = []
    for position, article in enumerate(articles):
        language = detect_language(f"{article.title}\n{article.text}", hint=article.language_hint)
        if language not in ("en", "es"):
            language = article.language_hint if article.language_hint in ("en", "es") else "en"
        sentences, mentions = sentences_and_mentions(article.text, language)
        target = other_country(article.source_country)
        for mention in mentions:
            if mention.target != target:
                continue
            sentence = sentences[mention.sentence_index]
            mention_inputs.append(
                MentionInput(
                    sentence=sentence.text,
                    start=mention.start - sentence.start,
                    end=mention.end - sentence.start,
                    target=target,
                    language=language,
                )
            )
            owners.append((position, mention))
        prepared.append((article, language, sentences, mentions))

    sentiments = scorer.score_mentions(mention_inputs) if mention_inputs else []
    scored: list[list[ScoredMention]] = [[] for _ in articles]
    for (position, mention), sentiment in zip(owners, sentiments, strict=True):
        scored[position].append(ScoredMention(mention, sentiment))

    relevant_positions = [i for i, s in enumerate(scored) if s]
    frame_inputs = [
        FrameInput(
            title=articles[i].title[:MAX_FRAME_TEXT_CHARS],
            # A prefix of the sentences, so evidence indices still point into the article's own.
            sentences=[s.text[:MAX_FRAME_TEXT_CHARS] for s in prepared[i][2][:MAX_FRAME_SENTENCES]],
            language=prepared[i][1],
            source_country=articles[i].source_country,
        )
        for i in relevant_positions
    ]
    frame_results = scorer.score_frames(frame_inputs) if frame_inputs else []
    frames_by_position = dict(zip(relevant_positions, frame_results, strict=True))

    results = []
    for position, (article, language, sentences, mentions) in enumerate(prepared):
        capped = position in frames_by_position and len(sentences) > MAX_FRAME_SENTENCES
        results.append(
            AnalysedArticle(
                article_id=article.article_id,
                language=language,
                sentences=sentences,
                mentions=mentions,
                scored=scored[position],
                frames=frames_by_position.get(position, []),
                model_version=scorer.model_version,
                relevant=bool(scored[position]),
                notes=[f"frames read the first {MAX_FRAME_SENTENCES} of its {len(sentences)} sentences"]
                if capped else [],
            )
        )
    return results
