"""Which Bot Framework service URLs AssureBot will talk to, and where the local mode may listen.

An activity names the service URL that replies go to. Microsoft's token binds it for Teams, but
a reply, a member look-up and every later reminder go to that URL, so AssureBot also keeps its
own list: an activity from anywhere else is refused before it is read, and a stored conversation
that points anywhere else is never sent to.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit


def is_loopback_host(host: str | None) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    host = (host or "").strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class TrustedServiceUrls:
    """Service URL prefixes AssureBot talks to; loopback ones only in the local mode."""

    prefixes: tuple[str, ...]
    allow_loopback: bool = False

    @classmethod
    def from_setting(cls, value: str, *, allow_loopback: bool) -> TrustedServiceUrls:
        """From TEAMS_SERVICE_URLS: https prefixes separated by commas or spaces."""
        prefixes = []
        for prefix in value.replace(",", " ").split():
            parts = urlsplit(prefix)
            if parts.scheme != "https" or not parts.hostname:
                raise ValueError(f"TEAMS_SERVICE_URLS takes https addresses, not {prefix!r}.")
            # The closing slash stops https://smba.trafficmanager.net.example.com from passing.
            prefixes.append(prefix.lower() if prefix.endswith("/") else prefix.lower() + "/")
        return cls(prefixes=tuple(prefixes), allow_loopback=allow_loopback)

    def __contains__(self, url: object) -> bool:
        if not isinstance(url, str) or not url:
            return False
        return _admits(self, url)


@lru_cache(maxsize=256)
def _admits(trusted: TrustedServiceUrls, url: str) -> bool:
    """Whether `trusted` admits the URL: worked out once per URL (a reminder run asks for every message)."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        return False
    if not hostname or parts.username or parts.password:
        return False
    if trusted.allow_loopback and parts.scheme in ("http", "https") and is_loopback_host(hostname):
        return True
    if parts.scheme != "https":
        return False
    normal = f"https://{parts.netloc.lower()}{parts.path or '/'}"
    normal = normal if normal.endswith("/") else normal + "/"
    return any(normal.startswith(prefix) for prefix in trusted.prefixes)
