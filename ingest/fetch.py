"""HTTP(S) fetching that is safe to point at the open web: size limits, timeouts, no private addresses.

Every hop of a redirect chain is resolved once, checked, and then connected to at exactly the address
that was checked (no second DNS lookup an attacker could answer differently). Bodies are read and
decompressed by Clout in bounded steps, so neither a huge body nor a gzip bomb can exhaust memory.
Politeness lives here too: a descriptive User-Agent, robots.txt, a delay between requests to one host,
and bounded retries with backoff for answers that say "try again later".
"""
from __future__ import annotations

import email.utils
import ipaddress
import socket
import threading
import time
import urllib.parse
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import urllib3
from protego import Protego

from clout.settings import Settings

from .errors import IngestError

RETRY_STATUSES = {429, 500, 502, 503, 504}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
MAX_ROBOTS_BYTES = 512 * 1024
MAX_RETRY_AFTER = 30.0
MAX_CRAWL_DELAY = 10.0


class FetchError(IngestError):
    """A URL could not be fetched: unreachable, refused, too large, wrong type, an HTTP error."""

    def __init__(self, source: str, reason: str, status: int = 0):
        super().__init__(source, reason)
        self.status = status  # the HTTP status when the server answered with an error


@dataclass
class Response:
    url: str  # the final URL, after redirects
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    not_modified: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "charset":
                return value.strip().strip("\"'")
        return ""

    @property
    def etag(self) -> str:
        return self.headers.get("etag", "")

    @property
    def last_modified(self) -> str:
        return self.headers.get("last-modified", "")


def _resolve(url: str, allow_private: bool) -> str:
    """The address to connect to for `url`'s host, after refusing non-public ones."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, "only http(s) URLs can be fetched")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError(url, "the URL has an invalid port") from None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise FetchError(url, f"cannot resolve {parts.hostname} ({getattr(e, 'strerror', None) or e})") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not allow_private:
        for address in addresses:
            # A host with any non-public address is refused: which one a client uses is not ours to pick.
            if not address.is_global or address.is_multicast:
                raise FetchError(
                    url,
                    f"{parts.hostname} resolves to a private address ({address}); "
                    "set CLOUT_ALLOW_PRIVATE_URLS=1 to allow it",
                )
    return str(addresses[0])


def check_address(url: str, allow_private: bool) -> None:
    """Refuse URLs that are not http(s), or whose host resolves to a non-public address."""
    _resolve(url, allow_private)


def _wrapped(head: bytes) -> bool:
    """Whether a deflate body starts with a zlib (RFC 1950) or gzip header rather than raw deflate."""
    if head[:2] == b"\x1f\x8b":
        return True
    return len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0


class _Body:
    """Reads a response body in bounded steps, decompressing gzip/deflate ourselves with a cap."""

    def __init__(self, raw: urllib3.BaseHTTPResponse, encoding: str, limit: int, url: str):
        self.raw, self.limit, self.url, self.done = raw, limit, url, 0
        encoding = encoding.strip().lower()
        # wbits 47 accepts both gzip and zlib headers. "deflate" means zlib-wrapped (RFC 9110), but
        # some servers send raw deflate: its first two bytes decide which, once they have arrived.
        self.decoder = zlib.decompressobj(47) if encoding in ("gzip", "x-gzip") else None
        self.head = b"" if encoding == "deflate" else None

    def chunks(self, size: int = 1 << 16):
        while True:
            data = self.raw.read(size, decode_content=False)
            if not data:
                break
            yield from self._decoded(data)
        if self.head:  # a deflate body shorter than a header
            yield from self._decoded(b"", end=True)
        if self.decoder is not None:
            yield from self._count(self.decoder.flush())

    def _decoded(self, data: bytes, end: bool = False):
        if self.head is not None:
            data, self.head = self.head + data, b""
            if len(data) < 2 and not end:
                self.head = data
                return
            self.head = None
            self.decoder = zlib.decompressobj(47 if _wrapped(data) else -zlib.MAX_WBITS)
        if self.decoder is None:
            yield from self._count(data)
            return
        while data:
            try:
                out = self.decoder.decompress(data, max(1, self.limit - self.done + 1))
            except zlib.error:
                raise FetchError(self.url, "the server sent a corrupt compressed body") from None
            yield from self._count(out)
            data = self.decoder.unconsumed_tail

    def _count(self, data: bytes):
        self.done += len(data)
        if self.done > self.limit:
            raise FetchError(self.url, f"the response is larger than {_mb(self.limit)}")
        if data:
            yield data


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n // 1024} KB"


class Fetcher:
    """One client per batch: it holds the per-host politeness state and the robots.txt cache.

    Safe to share between the threads of a download pool.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._pools: dict[tuple, urllib3.HTTPConnectionPool] = {}
        self._next_slot: dict[str, float] = {}
        self._delays: dict[str, float] = {}  # per host, from robots.txt Crawl-delay
        self._robots: dict[str, Protego | None] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self.stopping = threading.Event()  # set on Ctrl-C: waits and retries end early

    # -- public API ---------------------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        max_bytes: int | None = None,
        accept: tuple[str, ...] = (),
        etag: str = "",
        last_modified: str = "",
        check_robots: bool = True,
    ) -> Response:
        """GET a URL into memory; a 304 comes back with not_modified=True and no body."""
        if check_robots:
            self.check_robots(url)
        limit = max_bytes or self.settings.max_page_bytes
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = ", ".join(accept) + ", */*;q=0.1"
        final, raw = self._open(url, headers)
        try:
            response_headers = {k.lower(): v for k, v in raw.headers.items()}
            if raw.status == 304:
                return Response(final, 304, response_headers, not_modified=True)
            response = Response(final, raw.status, response_headers)
            _check_type(url, response.content_type, accept)
            declared = response_headers.get("content-length", "")
            if declared.isdigit() and not response_headers.get("content-encoding") and int(declared) > limit:
                raise FetchError(url, f"the response is {int(declared) / 2**20:.1f} MB, over the {_mb(limit)} limit")
            body = _Body(raw, response_headers.get("content-encoding", ""), limit, url)
            response.body = b"".join(self._reading(body, url))
            return response
        finally:
            raw.release_conn()

    def download(
        self,
        url: str,
        dest: Path,
        *,
        max_bytes: int | None = None,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> Path:
        """Stream a URL to `dest` (resuming a partial `dest.part`), refusing bodies over max_bytes."""
        self.check_robots(url)
        limit = max_bytes or self.settings.max_audio_bytes
        part = dest.with_name(dest.name + ".part")
        have = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        try:
            final, raw = self._open(url, headers)
        except FetchError as e:
            if have and getattr(e, "status", None) == 416:  # the partial file was already complete
                part.replace(dest)
                return dest
            raise
        try:
            resumed = raw.status == 206 and have > 0
            done = have if resumed else 0
            length = raw.headers.get("content-length", "")
            total = (int(length) + done) if length.isdigit() else None
            if total and total > limit:
                raise FetchError(url, f"the download is {total / 2**20:.0f} MB, over the {_mb(limit)} limit")
            body = _Body(raw, raw.headers.get("content-encoding", ""), limit - done, url)
            with open(part, "ab" if resumed else "wb") as out:
                for chunk in self._reading(body, url):
                    out.write(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
        finally:
            raw.release_conn()
        part.replace(dest)
        return dest

    def check_robots(self, url: str) -> None:
        """FetchError if the site's robots.txt disallows Clout from fetching `url`."""
        if not self.settings.respect_robots:
            return
        _resolve(url, self.settings.allow_private_urls)  # the page's own address is the first question
        try:
            rules = self.robots(url)
        except FetchError as e:
            raise FetchError(url, f"cannot read the site's robots.txt ({e.reason})") from None
        if rules is not None and not rules.can_fetch(url, self.settings.user_agent):
            raise FetchError(url, "the site's robots.txt disallows fetching it (set CLOUT_IGNORE_ROBOTS=1 to override)")

    def robots(self, url: str) -> Protego | None:
        """The parsed robots.txt of `url`'s site, fetched once per batch; None when the site has none."""
        parts = urllib.parse.urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:
            if origin not in self._robots:
                self._robots[origin] = self._fetch_robots(origin)
            return self._robots[origin]

    # -- internals ----------------------------------------------------------------------------------

    def _fetch_robots(self, origin: str) -> Protego | None:
        """RFC 9309 rules (protego: the longest matching path wins, `*` and `$` wildcards)."""
        url = origin + "/robots.txt"
        try:
            response = self.get(url, max_bytes=MAX_ROBOTS_BYTES, check_robots=False)
        except FetchError as e:
            if 400 <= e.status < 500 or "larger than" in e.reason:
                return None  # no usable robots.txt (RFC 9309: 4xx means no restrictions)
            if e.status >= 500:
                # RFC 9309: a server error on robots.txt means "assume complete disallow".
                return Protego.parse("User-agent: *\nDisallow: /\n")
            raise
        rules = Protego.parse(response.body.decode("utf-8", errors="replace"))
        delay = rules.crawl_delay(self.settings.user_agent)
        if delay:
            with self._lock:
                self._delays[urllib.parse.urlsplit(origin).netloc] = min(MAX_CRAWL_DELAY, float(delay))
        return rules

    def _open(self, url: str, headers: dict) -> tuple[str, urllib3.BaseHTTPResponse]:
        """(final URL, open response) after following redirects ourselves, checking every hop."""
        current = url
        for _ in range(self.settings.max_redirects + 1):
            raw = self._request(current, headers)
            location = raw.headers.get("location")
            if raw.status not in REDIRECT_STATUSES or not location:
                return current, raw
            raw.drain_conn()
            raw.release_conn()
            target = urllib.parse.urljoin(current, location.strip())
            if urllib.parse.urlsplit(target).scheme not in ("http", "https"):
                raise FetchError(url, f"redirected to a non-HTTP URL ({target})")
            current = target
        raise FetchError(url, f"more than {self.settings.max_redirects} redirects")

    def _request(self, url: str, headers: dict) -> urllib3.BaseHTTPResponse:
        """One GET with bounded retries; HTTP errors other than redirects and 304 become FetchError."""
        attempts = self.settings.http_retries + 1
        for attempt in range(attempts):
            address = _resolve(url, self.settings.allow_private_urls)  # on every hop and every try
            parts = urllib.parse.urlsplit(url)
            self._wait_for_host(parts.netloc, url)
            path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
            try:
                raw = self._pool(parts, address).urlopen(
                    "GET",
                    path,
                    headers={
                        "Host": parts.netloc,
                        "User-Agent": self.settings.user_agent,
                        "Accept-Encoding": "gzip, deflate",
                        **headers,
                    },
                    redirect=False,
                    retries=False,
                    preload_content=False,
                    decode_content=False,
                    timeout=urllib3.Timeout(connect=self.settings.http_timeout, read=self.settings.http_timeout),
                )
            except urllib3.exceptions.HTTPError as e:
                if attempt + 1 < attempts and self._backoff(attempt):
                    continue
                raise FetchError(url, f"cannot connect ({_reason(e)})") from None
            if raw.status < 400 or raw.status in (304,):
                return raw
            retry_after = raw.headers.get("retry-after", "")
            raw.drain_conn()
            raw.release_conn()
            if raw.status in RETRY_STATUSES and attempt + 1 < attempts and self._backoff(attempt, retry_after):
                continue
            raise FetchError(url, f"the server answered {raw.status} {raw.reason or ''}".rstrip(), raw.status)
        raise AssertionError("unreachable")  # pragma: no cover

    def _pool(self, parts: urllib.parse.SplitResult, address: str) -> urllib3.HTTPConnectionPool:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (parts.scheme, parts.hostname, port, address)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                if parts.scheme == "https":
                    # Connect to the checked address; certificate and SNI still use the host name.
                    pool = urllib3.HTTPSConnectionPool(
                        address, port, server_hostname=parts.hostname, assert_hostname=parts.hostname, maxsize=4
                    )
                else:
                    pool = urllib3.HTTPConnectionPool(address, port, maxsize=4)
                self._pools[key] = pool
            return pool

    def _wait_for_host(self, host: str, url: str) -> None:
        """Space requests to one host at least per_host_delay apart (or its robots.txt Crawl-delay)."""
        with self._lock:
            delay = max(self.settings.per_host_delay, self._delays.get(host, 0.0))
            now = time.monotonic()
            slot = max(now, self._next_slot.get(host, 0.0))
            self._next_slot[host] = slot + delay
        if slot > now:
            self.stopping.wait(slot - now)
        if self.stopping.is_set():
            raise FetchError(url, "stopped")

    def _backoff(self, attempt: int, retry_after: str = "") -> bool:
        """Sleep before retry `attempt + 1`; False when stopping (no retry then)."""
        delay = self.settings.retry_backoff * (2**attempt)
        if retry_after:
            delay = max(delay, min(MAX_RETRY_AFTER, _retry_after_seconds(retry_after)))
        return not self.stopping.wait(delay)

    def _reading(self, body: _Body, url: str):
        for chunk in body.chunks():
            if self.stopping.is_set():
                raise FetchError(url, "stopped")
            yield chunk


def _check_type(url: str, content_type: str, accept: tuple[str, ...]) -> None:
    if accept and content_type and not any(a in content_type for a in accept):
        raise FetchError(url, f"unsupported content type {content_type}")


def _retry_after_seconds(value: str) -> float:
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, when.timestamp() - time.time())


def _reason(error: Exception) -> str:
    text = str(getattr(error, "reason", None) or error)
    if "timed out" in text.lower() or isinstance(error, urllib3.exceptions.TimeoutError):
        return "timed out"
    return text.split(": ", 1)[-1][:200]

