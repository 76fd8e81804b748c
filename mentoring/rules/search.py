"""How posts are indexed and searched: one text-search configuration for writes and reads."""

SEARCH_CONFIG = "english"
