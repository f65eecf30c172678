"""Settings: the one place that decides defaults, limits and where data lives.

Defaults work with no setup; `CLOUT_*` environment variables override them, and CLI flags override
those. Packages receive the values they need as arguments; nothing reads the environment elsewhere.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import CloutError

MB = 1024 * 1024


class SettingsError(CloutError, ValueError):
    """A CLOUT_* environment variable holds a value that cannot be used; the message names it."""


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return int(value) if value else default
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {value!r}") from None


def _env_list(name: str) -> tuple[str, ...]:
    value = os.environ.get(name, "")
    return tuple(item.strip() for item in value.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    # Local files larger than this are refused rather than read into memory.
    max_file_bytes: int = 20 * MB
    # Downloads of HTML pages and feeds stop at this size.
    max_page_bytes: int = 5 * MB
    # Audio downloads stop at this size (an hour of 128 kbit/s MP3 is ~60 MB).
    max_audio_bytes: int = 500 * MB
    # Longer audio is refused before it is transcribed (decoding stops at this length).
    max_audio_seconds: float = 6 * 3600
    allow_private_urls: bool = False
    user_agent: str = "CloutBot/0.1 (+https://github.com/clout-search/clout; knowledge-base indexer)"
    http_timeout: float = 20.0
    per_host_delay: float = 0.5
    respect_robots: bool = True
    # Web fetching: bounded retries (doubling from retry_backoff seconds), redirects, parallel downloads.
    http_retries: int = 2
    retry_backoff: float = 1.0
    max_redirects: int = 5
    download_workers: int = 4
    whisper_model: str = "tiny.en"
    whisper_device: str = "auto"
    whisper_compute_type: str = "default"
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)
    rate_limit_per_minute: int = 0
    # Loopback clients (the person on this machine, a local proxy) are not limited unless this is set.
    rate_limit_loopback: bool = False
    # Every search route asks for an API key (also switched on per data directory: `clout keys require on`).
    require_key: bool = False
    # Searches, clicks and plays are recorded in DATA_DIR/analytics.db and kept this many days.
    analytics: bool = True
    analytics_days: int = 90
    # Where `clout serve` listens, and the Host names the web app answers to (empty: that address and
    # the localhost names). Any other Host gets a 400, so a DNS-rebinding page cannot read the API.
    host: str = "127.0.0.1"
    allowed_hosts: tuple[str, ...] = field(default_factory=tuple)

    def read_limit(self, what: str) -> tuple[int, str]:
        """The one size policy, for local and remote input alike: the most bytes read of a `file`
        (local text), a `page` (pages, feeds, sitemaps after decompression, transcripts, chapters)
        or `audio`, and the setting that says so. Readers enforce it while reading, not from a size
        they were told beforehand."""
        return {
            "file": (self.max_file_bytes, "CLOUT_MAX_FILE_MB"),
            "page": (self.max_page_bytes, "CLOUT_MAX_PAGE_MB"),
            "audio": (self.max_audio_bytes, "CLOUT_MAX_AUDIO_MB"),
        }[what]

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        base = cls(
            data_dir=Path(os.environ.get("CLOUT_DATA_DIR") or "data"),
            max_file_bytes=_env_int("CLOUT_MAX_FILE_MB", 20) * MB,
            max_page_bytes=_env_int("CLOUT_MAX_PAGE_MB", 5) * MB,
            max_audio_bytes=_env_int("CLOUT_MAX_AUDIO_MB", 500) * MB,
            max_audio_seconds=_env_int("CLOUT_MAX_AUDIO_HOURS", 6) * 3600,
            allow_private_urls=_env_bool("CLOUT_ALLOW_PRIVATE_URLS"),
            respect_robots=not _env_bool("CLOUT_IGNORE_ROBOTS"),
            http_timeout=float(_env_int("CLOUT_HTTP_TIMEOUT", 20)),
            per_host_delay=_env_int("CLOUT_PER_HOST_DELAY_MS", 500) / 1000,
            download_workers=max(1, _env_int("CLOUT_DOWNLOAD_WORKERS", 4)),
            http_retries=max(0, _env_int("CLOUT_HTTP_RETRIES", 2)),
            whisper_model=os.environ.get("CLOUT_WHISPER_MODEL") or "tiny.en",
            whisper_device=os.environ.get("CLOUT_WHISPER_DEVICE") or "auto",
            whisper_compute_type=os.environ.get("CLOUT_WHISPER_COMPUTE_TYPE") or "default",
            allowed_origins=_env_list("CLOUT_ALLOWED_ORIGINS"),
            rate_limit_per_minute=_env_int("CLOUT_RATE_LIMIT", 0),
            rate_limit_loopback=_env_bool("CLOUT_RATE_LIMIT_LOOPBACK"),
            require_key=_env_bool("CLOUT_REQUIRE_KEY"),
            analytics=(os.environ.get("CLOUT_ANALYTICS") or "on").strip().lower() not in {"0", "off", "false", "no"},
            analytics_days=max(1, _env_int("CLOUT_ANALYTICS_DAYS", 90)),
            host=os.environ.get("CLOUT_HOST") or "127.0.0.1",
            allowed_hosts=_env_list("CLOUT_ALLOWED_HOSTS"),
        )
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})
