"""HTTP(S) fetching that is safe to point at the open web: size limits, timeouts, no private addresses.

MINIMAL FIRST VERSION (foundation): the articles issue hardens it (retries with backoff, robots.txt,
per-host delay, redirect checks at every hop, content-type checks, conditional requests, a pool).
The API below is the contract the rest of ingest codes against.
"""
from __future__ import annotations

import ipaddress
import socket
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from clout.config import Settings

from .errors import IngestError


class FetchError(IngestError):
    """A URL could not be fetched: unreachable, refused, too large, wrong type, an HTTP error."""


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
    def etag(self) -> str:
        return self.headers.get("etag", "")

    @property
    def last_modified(self) -> str:
        return self.headers.get("last-modified", "")


def check_address(url: str, allow_private: bool) -> None:
    """Refuse URLs that are not http(s), or whose host resolves to a non-public address."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, "only http(s) URLs can be fetched")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as e:
        raise FetchError(url, f"cannot resolve {parts.hostname} ({e.strerror})") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise FetchError(
                url,
                f"{parts.hostname} resolves to a private address ({address}); set CLOUT_ALLOW_PRIVATE_URLS=1 to allow it",
            )


class Fetcher:
    """One client per batch: it holds the per-host politeness state and the robots.txt cache."""

    def __init__(self, settings: Settings):
        self.settings = settings

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
        check_address(url, self.settings.allow_private_urls)
        limit = max_bytes or self.settings.max_page_bytes
        headers = {"User-Agent": self.settings.user_agent}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.settings.http_timeout) as r:
                body = r.read(limit + 1)
                response = Response(r.geturl(), r.status, {k.lower(): v for k, v in r.headers.items()}, body)
        except urllib.error.HTTPError as e:
            if e.code == 304:
                return Response(url, 304, {k.lower(): v for k, v in e.headers.items()}, not_modified=True)
            raise FetchError(url, f"the server answered {e.code} {e.reason}") from None
        except (urllib.error.URLError, OSError) as e:
            raise FetchError(url, f"cannot connect ({getattr(e, 'reason', e)})") from None
        if len(response.body) > limit:
            raise FetchError(url, f"the response is larger than {limit / 2**20:.0f} MB")
        if accept and response.content_type and not any(a in response.content_type for a in accept):
            raise FetchError(url, f"expected {' or '.join(accept)}, got {response.content_type}")
        return response

    def download(
        self,
        url: str,
        dest: Path,
        *,
        max_bytes: int | None = None,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> Path:
        """Stream a URL to `dest` (resuming a partial `dest.part`), refusing bodies over max_bytes."""
        check_address(url, self.settings.allow_private_urls)
        limit = max_bytes or self.settings.max_audio_bytes
        part = dest.with_name(dest.name + ".part")
        have = part.stat().st_size if part.exists() else 0
        headers = {"User-Agent": self.settings.user_agent}
        if have:
            headers["Range"] = f"bytes={have}-"  # resume what an interrupted run left
        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.settings.http_timeout) as r:
                resumed = have and r.status == 206
                done = have if resumed else 0
                total = int(r.headers.get("content-length") or 0) + done or None
                with open(part, "ab" if resumed else "wb") as out:
                    while chunk := r.read(1 << 16):
                        done += len(chunk)
                        if done > limit:
                            out.truncate(0)
                            raise FetchError(url, f"the download is larger than {limit / 2**20:.0f} MB")
                        out.write(chunk)
                        if progress:
                            progress(done, total)
        except urllib.error.HTTPError as e:
            if have and e.code == 416:  # the partial file was already complete
                part.replace(dest)
                return dest
            raise FetchError(url, f"the server answered {e.code} {e.reason}") from None
        except (urllib.error.URLError, OSError) as e:
            raise FetchError(url, f"cannot connect ({getattr(e, 'reason', e)})") from None
        part.replace(dest)
        return dest
