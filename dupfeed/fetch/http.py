"""The polite HTTP client every fetch goes through: pages, feeds, sitemaps and robots.txt.

Standard library only (``urllib.request``), with automatic redirects switched off so that each
hop is checked against robots.txt, throttled per host and counted. Failures become a
:class:`FetchFailure` with a short reason ("timeout", "HTTP 404", "page too large"…) that the
summary counts and the store keeps.

Rate limits are honoured as the platforms announce them: a 429 (or 503) waits what
``Retry-After`` asks, else until the reset its rate-limit headers give (Mastodon's
``X-RateLimit-Reset``, an ISO 8601 time; Bluesky's ``RateLimit-Reset``, Unix seconds); and a
response saying no request is left in the window (``X-RateLimit-Remaining: 0``,
``RateLimit-Remaining: 0``) holds that host until the reset. Every wait is capped by
``max_wait``.
"""

from __future__ import annotations

import email.message
import email.utils
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from ..urls import is_web_url
from .failures import (
    BAD_ENCODING,
    BAD_REDIRECT,
    BAD_URL,
    CONNECTION,
    INTERRUPTED,
    NO_HOST,
    NOT_HTML,
    REFUSED,
    TIMEOUT,
    TLS,
    TOO_LARGE,
    TOO_MANY_REDIRECTS,
    FetchFailure,
)
from .options import FetchOptions
from .robots import MAX_ROBOTS_BYTES, ROBOTS_ACCEPT, RobotsCache

HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
HTML_TYPES = ("text/html", "application/xhtml+xml")
_REDIRECTS = {301, 302, 303, 307, 308}
_CHUNK = 64 * 1024
_ERROR_BODY_BYTES = 64 * 1024
"""Most bytes read of an error response (APIs explain a 4xx in a small JSON body)."""
_REMAINING = ("X-RateLimit-Remaining", "RateLimit-Remaining")
_RESET = ("X-RateLimit-Reset", "RateLimit-Reset")


class _Retry(Exception):
    """A failure worth another attempt (timeout, dropped connection, 429, 5xx)."""

    def __init__(self, reason: str, detail: str = "", retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.detail, self.retry_after = reason, detail, retry_after


@dataclass(frozen=True)
class _Request:
    """What one GET asks for: the same on every attempt and at every redirect hop."""

    accept: str
    headers: Mapping[str, str]
    types: tuple[str, ...] | None
    max_bytes: int
    check_robots: bool


@dataclass(frozen=True)
class Response:
    """A final response (200 with its body, or 304 with none) after redirects."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    attempts: int = 1

    @property
    def media_type(self) -> str | None:
        """The ``Content-Type`` without parameters, lower-cased; None when the header is absent."""
        return content_type(self.headers.get("Content-Type"))[0]

    @property
    def charset(self) -> str | None:
        """The charset declared in the ``Content-Type`` header, if any."""
        return content_type(self.headers.get("Content-Type"))[1]


def content_type(value: str | None) -> tuple[str | None, str | None]:
    """``(media type, charset)`` of a ``Content-Type`` header value; Nones when absent."""
    if not value:
        return None, None
    message = email.message.Message()
    message["Content-Type"] = value
    charset = message.get_param("charset")
    return message.get_content_type(), (charset.strip().lower() if isinstance(charset, str) else None)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or HTTP date); None if unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def reset_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds until a rate-limit window resets, from a ``*RateLimit-Reset`` header: an ISO 8601
    time (Mastodon), Unix seconds (Bluesky; any number past 10**9), or seconds from now (the
    IETF draft). None if unreadable."""
    if not value:
        return None
    value = value.strip()
    now = now or datetime.now(UTC)
    try:
        number = float(value)
    except ValueError:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - now).total_seconds())
    if number > 1e9:
        return max(0.0, number - now.timestamp())
    return max(0.0, number)


def rate_limit_wait(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds a response asks to wait before the next request: its ``Retry-After``, else the
    time to its rate-limit reset; None when it asks nothing."""
    wait = retry_after_seconds(headers.get("Retry-After"), now)
    if wait is None:
        wait = next((w for w in (reset_seconds(headers.get(h), now) for h in _RESET) if w is not None), None)
    return wait


def _exhausted(headers: Mapping[str, str]) -> bool:
    """Whether a response says no request is left in its rate-limit window."""
    return any((headers.get(h) or "").strip() == "0" for h in _REMAINING)


class _PassThrough(urllib.request.HTTPErrorProcessor):
    """Hands every response back as is: redirects and errors are the client's to handle."""

    def http_response(self, request, response):
        return response

    https_response = http_response


class HostThrottle:
    """Spaces the starts of requests to one host by at least ``delay`` seconds."""

    def __init__(self) -> None:
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str, delay: float, sleep: Callable[[float], object]) -> None:
        """Block until this host may be asked again, and book the next slot."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + delay
        if start > now:
            sleep(start - now)

    def hold(self, host: str, seconds: float) -> None:
        """Ask nothing of this host for ``seconds`` (its rate-limit window is spent)."""
        with self._lock:
            until = time.monotonic() + seconds
            self._next[host] = max(self._next.get(host, until), until)


def to_uri(url: str) -> str:
    """An IRI as a URI that can go on the wire: an IDNA host, a percent-encoded path and query.

    ``https://fr.example/été?q=ça`` becomes ``https://fr.example/%C3%A9t%C3%A9?q=%C3%A7a``;
    characters already percent-encoded are left alone, so a URI is returned unchanged.
    """
    parts = urlsplit(url)
    netloc = parts.netloc
    host = parts.hostname or ""
    if not host.isascii():
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise FetchFailure(BAD_URL, url) from None
        netloc = netloc.lower().replace(host, ascii_host)
    path = quote(parts.path, safe="/%:@!$&'()*+,;=~-._")
    query = quote(parts.query, safe="/%:@!$&'()*+,;=~-._?")
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _classify(err: BaseException) -> Exception:
    """A network exception as a retryable ``_Retry`` or a final ``FetchFailure``."""
    if isinstance(err, urllib.error.URLError) and not isinstance(err.reason, str):
        err = err.reason
    if isinstance(err, (TimeoutError, socket.timeout)):
        return _Retry(TIMEOUT)
    if isinstance(err, ConnectionRefusedError):
        return _Retry(REFUSED)
    if isinstance(err, socket.gaierror):
        return FetchFailure(NO_HOST, str(err))
    if isinstance(err, (ssl.SSLError, ssl.CertificateError)):
        return FetchFailure(TLS, str(err))
    if isinstance(err, (urllib.error.URLError, ValueError, http.client.InvalidURL)):
        return FetchFailure(BAD_URL, str(getattr(err, "reason", err)))
    if isinstance(err, (OSError, http.client.HTTPException)):
        return _Retry(CONNECTION, f"{type(err).__name__}: {err}".rstrip(": "))
    return FetchFailure(CONNECTION, f"{type(err).__name__}: {err}")


class HttpClient:
    """GET with timeouts, bounded retries, per-host delay, robots.txt, size and redirect caps.

    One client is shared by the worker threads of a run: it holds the per-host throttle and
    the robots.txt cache. ``sleep`` waits between retries and for the throttle (tests pass a
    recorder); by default it waits on ``stop``, so that setting ``stop`` ends the waits at once.
    """

    def __init__(
        self,
        options: FetchOptions | None = None,
        *,
        sleep: Callable[[float], object] | None = None,
        stop: threading.Event | None = None,
    ):
        self.options = options or FetchOptions()
        self.stop = stop or threading.Event()
        self._sleep = sleep if sleep is not None else self.stop.wait
        self._throttle = HostThrottle()
        self.robots = RobotsCache(self.robots_txt, self.options.user_agent)
        # Loopback hosts never go through a proxy (a test server, a local mirror).
        self._direct = urllib.request.build_opener(_PassThrough, urllib.request.ProxyHandler({}))
        self._proxied = urllib.request.build_opener(_PassThrough)

    def get(
        self,
        url: str,
        *,
        accept: str = HTML_ACCEPT,
        headers: Mapping[str, str] | None = None,
        types: tuple[str, ...] | None = None,
        max_bytes: int | None = None,
    ) -> Response:
        """Fetch ``url``, following redirects, once robots.txt allows each hop; a 200 with its
        body, or a 304.

        Args:
            headers: extra request headers (``If-None-Match``, ``If-Modified-Since``).
            types: media types accepted; another declared type fails as "not HTML" before
                the body is read. None accepts any.
            max_bytes: overrides ``options.max_bytes`` (sitemaps may be larger than pages).

        Raises:
            FetchFailure: no usable response after the allowed attempts.
        """
        return self._get(url, _Request(accept, headers or {}, types, max_bytes or self.options.max_bytes, check_robots=True))

    def robots_txt(self, url: str) -> bytes:
        """The body of the robots.txt at ``url``: fetched as a page is (throttle, retries, limits),
        but not checked against robots.txt itself. The client's :class:`RobotsCache` calls it.

        Raises:
            FetchFailure: no usable response after the allowed attempts.
        """
        return self._get(url, _Request(ROBOTS_ACCEPT, {}, None, MAX_ROBOTS_BYTES, check_robots=False)).body

    def _get(self, url: str, request: _Request) -> Response:
        attempts = 0
        while True:
            attempts += 1
            try:
                response = self._follow(url, request)
                return Response(response.url, response.status, response.headers, response.body, attempts)
            except FetchFailure as err:
                err.attempts = attempts
                raise
            except _Retry as err:
                if attempts > self.options.retries or self.stop.is_set():
                    raise FetchFailure(err.reason, err.detail, attempts=attempts) from None
                wait = self.options.backoff * 2 ** (attempts - 1)
                if err.retry_after is not None:
                    wait = err.retry_after
                self._sleep(min(wait, self.options.max_wait))

    def _follow(self, url: str, request: _Request) -> Response:
        seen = [url]
        current = url
        for _hop in range(self.options.max_redirects + 1):
            parts = urlsplit(current)
            if not is_web_url(current) or not parts.hostname:
                raise FetchFailure(BAD_URL, current)
            delay = self.options.delay
            if request.check_robots:
                delay = max(delay, self.robots.check(current))
            self._throttle.wait(parts.netloc.lower(), delay, self._sleep)
            if self.stop.is_set():
                raise FetchFailure(INTERRUPTED)
            reply = self._open(current, request.accept, request.headers, parts.hostname)
            try:
                status = reply.status
                if _exhausted(reply.headers) and status != 429:
                    self._throttle.hold(parts.netloc.lower(), min(rate_limit_wait(reply.headers) or 0.0, self.options.max_wait))
                if status in _REDIRECTS:
                    location = (reply.headers.get("Location") or "").strip()
                    if not location:
                        raise FetchFailure(BAD_REDIRECT, f"HTTP {status} without Location")
                    current = urljoin(current, location)
                    if current in seen:
                        raise FetchFailure(TOO_MANY_REDIRECTS, "redirect loop: " + " -> ".join([*seen, current]))
                    seen.append(current)
                    continue
                if status == 304:
                    return Response(current, 304, reply.headers, b"")
                if status in (200, 203):
                    media = content_type(reply.headers.get("Content-Type"))[0]
                    if request.types is not None and media is not None and media not in request.types:
                        raise FetchFailure(NOT_HTML, media)
                    return Response(current, 200, reply.headers, self._read(reply, request.max_bytes))
                if status in (408, 429) or (500 <= status < 600 and status not in (501, 505)):
                    raise _Retry(f"HTTP {status}", reply.reason or "", rate_limit_wait(reply.headers))
                raise FetchFailure(f"HTTP {status}", reply.reason or "", status=status, body=self._error_body(reply))
            finally:
                reply.close()
        raise FetchFailure(TOO_MANY_REDIRECTS, f"more than {self.options.max_redirects}")

    def _open(self, url: str, accept: str, headers: Mapping[str, str], host: str):
        request = urllib.request.Request(
            to_uri(url),
            headers={"User-Agent": self.options.user_agent, "Accept": accept, "Accept-Encoding": "gzip, deflate", **headers},
        )
        opener = self._direct if _is_loopback(host) else self._proxied
        try:
            return opener.open(request, timeout=self.options.timeout)
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as err:
            raise _classify(err) from None

    def _error_body(self, reply) -> bytes:
        """The start of an error response's body (an API's explanation), or nothing."""
        try:
            return self._read(reply, _ERROR_BODY_BYTES)
        except (FetchFailure, _Retry):
            return b""

    def _read(self, reply, max_bytes: int) -> bytes:
        """The body, decompressed, stopping as soon as it passes ``max_bytes``."""
        encoding = (reply.headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding in ("gzip", "x-gzip"):
            decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            decoder = zlib.decompressobj()
        elif encoding == "identity":
            decoder = None
            declared = (reply.headers.get("Content-Length") or "").strip()
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchFailure(TOO_LARGE, f"{int(declared)} bytes declared, limit {max_bytes}")
        else:
            raise FetchFailure(BAD_ENCODING, encoding)
        deadline = time.monotonic() + self.options.total_timeout
        body = bytearray()
        try:
            while True:
                if time.monotonic() > deadline:
                    raise _Retry(TIMEOUT, f"response took over {self.options.total_timeout:g} s")
                chunk = reply.read(_CHUNK)
                if not chunk:
                    break
                if decoder is not None:
                    chunk = decoder.decompress(chunk, max_bytes + 1 - len(body))
                body += chunk
                if len(body) > max_bytes:
                    raise FetchFailure(TOO_LARGE, f"over {max_bytes} bytes")
        except zlib.error as err:
            raise FetchFailure(BAD_ENCODING, f"{encoding}: {err}") from None
        except (OSError, http.client.HTTPException, ValueError) as err:
            raise _classify(err) from None
        return bytes(body)
