"""HTML to text: article main text (trafilatura), page metadata and encodings, post HTML.

Shared by the readers (HTML files and post bodies) and the fetcher (pages from the web).
"""
