"""Prefect flows: the nightly run that wires spiders, nlp and the warehouse together."""
