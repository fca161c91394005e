"""Fetch other people's public posts: Mastodon accounts and hashtags, Bluesky accounts, feeds.

    from dupfeed.fetch.posts import fetch_posts
    report = fetch_posts(["https://mastodon.social/@alice", "https://bsky.app/profile/bob.example"],
                         out="posts.jsonl")

Posts are appended to a JSON Lines file with the columns ``dupfeed scan`` reads; each URL's
cursor is kept beside it, so that the next run asks only for what is new. Requests go through
the polite fetcher (:class:`dupfeed.fetch.http.HttpClient`): robots.txt, a delay per host,
bounded retries, size caps, and the platforms' rate-limit headers.
"""

from .run import DEFAULT_MAX_PAGES, PostsReport, fetch_posts
from .store import cursors_path, read_cursors
from .targets import Target, target_of
from .web import default_posts_cache, web_posts

__all__ = [
    "DEFAULT_MAX_PAGES",
    "PostsReport",
    "Target",
    "cursors_path",
    "default_posts_cache",
    "fetch_posts",
    "read_cursors",
    "target_of",
    "web_posts",
]
