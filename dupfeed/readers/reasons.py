"""Why a record is skipped: every reason the readers give, as a named constant.

A reason is the short text the summary counts ("empty text", "boost") and a flag: ``left_out``
reasons are records left out by design, counted but not a fault of the input (the exit status
stays 0); every other reason is a fault, warned about with its file and line.
"""

from __future__ import annotations

from ..records import Reason

# Left out by design: not the author's own text, never public, or deleted by the platform
REPOST_WITHOUT_TEXT = Reason("repost without text", left_out=True)
REPOST = Reason("repost", left_out=True)
BOOST = Reason("boost", left_out=True)
DRAFT_ARTICLE = Reason("draft article", left_out=True)
DIRECT_MESSAGE = Reason("direct message", left_out=True)
DELETED = Reason("deleted", left_out=True)
REMOVED = Reason("removed", left_out=True)
SAME_POST_TWICE = Reason("same post twice", left_out=True)
MEDIA_WITHOUT_TEXT = Reason("media without text", left_out=True)
"""A photo-only tweet, a media-only toot: the platform allows a post with no text."""
SHARE_WITHOUT_TEXT = Reason("share without text", left_out=True)
"""A LinkedIn share of a link or picture with no commentary."""
POST_WITHOUT_TEXT = Reason("post without text", left_out=True)
"""A Facebook post with no text of its own (a photo, a check-in, a life event)."""
HIDDEN_FILE = Reason("hidden file", left_out=True)
"""A file whose name starts with a dot (``.DS_Store``) in a folder of exports."""

# Texts
EMPTY_TEXT = Reason("empty text")
MISSING_TEXT = Reason("missing text")
TEXT_TOO_LONG = Reason("text too long")
TEXT_NOT_A_STRING = Reason("text is not a string")
INVALID_UNICODE = Reason("invalid Unicode")
NO_MAIN_TEXT = Reason("no main text")
UNREADABLE_HTML = Reason("unreadable HTML")
# Fields
MISSING_FIELD = Reason("missing field")
FIELD_NOT_A_STRING = Reason("field is not a string")
EMPTY_ID = Reason("empty id")
MISSING_ID = Reason("missing id")
DUPLICATE_ID = Reason("duplicate id")
LINKS_NOT_URLS = Reason("links is not a list of URLs")
# Dates
NO_DATE = Reason("no date")
UNREADABLE_DATE = Reason("unreadable date")
UNREADABLE_CREATED_AT = Reason("unreadable created_at")
UNREADABLE_TIMESTAMP = Reason("unreadable timestamp")
# Records that are not posts
NOT_A_POST = Reason("not a post")
NOT_A_TWEET = Reason("not a tweet")
NOT_AN_ACTIVITY = Reason("not an activity")
NOT_A_RECORD = Reason("not a record")
NOT_A_FEED = Reason("not a feed")
# File formats
MALFORMED_JSON = Reason("malformed JSON")
NOT_A_JSON_OBJECT = Reason("not a JSON object")
MALFORMED_CSV = Reason("malformed CSV")
MORE_CELLS_THAN_COLUMNS = Reason("more cells than columns")
WRONG_NUMBER_OF_CELLS = Reason("wrong number of cells")
MALFORMED_BLOCK = Reason("malformed block")
# Exports and archives
UNSAFE_MEMBER_NAME = Reason("unsafe member name")
LINK_OUT_OF_FOLDER = Reason("link out of the folder")
MISSING_EXPORT = Reason("missing export")
UNREADABLE_EXPORT = Reason("unreadable export")
UNREADABLE_SOURCES = Reason("unreadable sources")
NOT_A_POSTS_FILE = Reason("not a posts file")
"""A file in a folder of exports that no reader reads and no export claims."""


def fetch_failed(reason: str) -> Reason:
    """The reason of a source page that could not be fetched (one of :mod:`dupfeed.fetch.failures`,
    or ``HTTP <status>``): always a fault."""
    return Reason(reason)
