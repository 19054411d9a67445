"""Espejo's text analysis: language, sentences, country mentions, sentiment and frames."""
