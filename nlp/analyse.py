"""From stored article to analysed article: language, sentences, mentions, sentiment, frames.

Pure: text in, records out. Mentions of both countries are kept; only mentions of the *other*
country (Mexico in U.S. media, the U.S. in Mexican media) are scored, because that is the portrayal
Espejo measures. An article's stance is the mean over those scored mentions of P(positive) - P(negative)
(computed where it is stored, from `SentimentScore.value`).
"""

from __future__ import annotations

from espejo.nlp.language import detect_language
from espejo.nlp.mentions import find_mentions
from espejo.nlp.scoring import FrameInput, MentionInput, Scorer
from espejo.nlp.sentences import split_sentences
from espejo.records import AnalysedArticle, Mention, ScoredMention, StoredArticle, other_country


# Articles are scored in chunks, so progress shows and each chunk is stored as soon as it is done. Every
# scoring path (in process, on Dask) uses these same chunks: equal chunks give equal batches, equal scores.
SCORE_CHUNK = 32


def chunks_of(articles: list[StoredArticle], size: int = SCORE_CHUNK) -> list[list[StoredArticle]]:
    return [articles[first:first + size] for first in range(0, len(articles), size)]


def analyse_articles(articles: list[StoredArticle], scorer: Scorer) -> list[AnalysedArticle]:
    """Analyse a batch; the scorer sees all mentions of the batch at once so it can batch by length."""
    prepared = []
    mention_inputs: list[MentionInput] = []
    owners: list[tuple[int, Mention]] = []
    for position, article in enumerate(articles):
        language = detect_language(f"{article.title}\n{article.text}", hint=article.language_hint)
        if language not in ("en", "es"):
            language = article.language_hint if article.language_hint in ("en", "es") else "en"
        sentences = split_sentences(article.text, language)
        mentions = find_mentions(article.text, sentences, language)
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
            title=articles[i].title,
            sentences=[s.text for s in prepared[i][2]],
            language=prepared[i][1],
            source_country=articles[i].source_country,
        )
        for i in relevant_positions
    ]
    frame_results = scorer.score_frames(frame_inputs) if frame_inputs else []
    frames_by_position = dict(zip(relevant_positions, frame_results, strict=True))

    results = []
    for position, (article, language, sentences, mentions) in enumerate(prepared):
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
            )
        )
    return results
