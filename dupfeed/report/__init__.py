"""Findings to text: the scan formats (table, JSON Lines, CSV, Markdown, HTML) and the
nightly report, on one shared HTML base."""
