"""Espejo: how U.S. news media portray Mexico, and how Mexican news media portray the United States."""

__version__ = "0.1.0"
