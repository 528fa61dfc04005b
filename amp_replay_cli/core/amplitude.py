"""Talking to Amplitude: which host serves what in each zone,
and a client that retries the way the SDKs do.

Retried: 5xx, 408, 429, 499, timeouts and broken connections (spec/sdk/SPEC.md §4.5), with
exponential backoff and jitter, `Retry-After` honoured, and a budget of retries for the whole
run so a dead service ends the run instead of stalling it. Everything else goes back to the
caller, which knows what a 413 or a 400 means for its request. `sleep`, `now` and `random` are
injected so tests never wait. Keys travel only in headers and bodies, never in URLs.
"""

from __future__ import annotations

import base64
import email.utils
import ipaddress
import json
import random as random_module
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from amp_replay_cli.core.errors import AuthError, NetworkError, UsageError

ZONES = ("US", "EU")
_HOSTS = {
    "US": {
        "track": "https://api-sr.amplitude.com",
        "ingest": "https://api2.amplitude.com",
        "rest": "https://amplitude.com",
    },
    "EU": {
        "track": "https://api-sr.eu.amplitude.com",
        "ingest": "https://api.eu.amplitude.com",
        "rest": "https://analytics.eu.amplitude.com",
    },
}
TRACK_PATH = "/sessions/v2/track"
HTTPAPI_PATH = "/2/httpapi"
RETRIED_STATUSES = frozenset({408, 429, 499})


@dataclass(frozen=True)
class Endpoints:
    """Where each API lives: per zone, or every one under a single `--server-url`
    (emulator, proxy)."""

    zone: str
    server_url: str | None = None

    @classmethod
    def resolve(cls, zone: str | None, server_url: str | None) -> Endpoints:
        name = (zone or "US").strip().upper()
        if name not in ZONES:
            raise UsageError(f"unknown server zone {zone!r}", hint="use US or EU")
        if server_url:
            server_url = server_url.strip().rstrip("/")
            _check_server_url(server_url)
        return cls(name, server_url or None)

    def base(self, api: str) -> str:
        return self.server_url or _HOSTS[self.zone][api]

    @property
    def track(self) -> str:
        return self.base("track") + TRACK_PATH

    @property
    def httpapi(self) -> str:
        return self.base("ingest") + HTTPAPI_PATH

    def rest(self, path: str) -> str:
        return self.base("rest") + path

    def other_zone(self) -> Endpoints | None:
        """The same endpoints in the other zone; None behind --server-url."""
        if self.server_url:
            return None
        return Endpoints("EU" if self.zone == "US" else "US")

    def describe(self) -> str:
        return self.server_url or f"zone {self.zone}"

    @property
    def loopback(self) -> bool:
        """Whether every request goes to this machine (the emulator, a local proxy)."""
        host = urlsplit(self.server_url).hostname if self.server_url else None
        return host is not None and is_loopback(host)


def _check_server_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--server-url {url!r} is not an http(s) URL",
            hint="for the emulator: http://127.0.0.1:8787",
        )
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked for it
    except ValueError:
        raise UsageError(
            f"--server-url {url!r} has an invalid port", hint="a port is a number up to 65535"
        ) from None
    if parts.query or parts.fragment or parts.username or parts.password:
        raise UsageError("--server-url must be a base URL without query, fragment or credentials")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise UsageError(
            f"plain http is allowed only to this machine, not to {parts.hostname}",
            hint="use https, or an emulator on 127.0.0.1",
        )


def check_key(value: str, name: str) -> str:
    """A key as Amplitude takes it; whitespace or control characters (a newline pasted along)
    are a usage error now, not forty seconds of retried 401s later. The key is never quoted."""
    if any(char.isspace() or not char.isprintable() for char in value):
        raise UsageError(
            f"{name} contains whitespace or control characters",
            hint=f"set {name} to the key alone (a trailing newline from a file or a paste?)",
        )
    return value


def secret_forms(api_key: str, secret_key: str | None = None) -> set[str]:
    """Every way a server could echo the credentials back: as given, URL-encoded, and the HTTP
    Basic value of the pair, so that redaction finds them in any output."""
    keys = [key for key in (api_key, secret_key) if key]
    forms = set(keys) | {quote(key, safe="") for key in keys}
    if secret_key:
        forms.add(base64.b64encode(f"{api_key}:{secret_key}".encode()).decode())
    return forms


LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 300.0
    # A 6 MB batch on a slow uplink takes a while; the SDK's 10 s is for small ones.
    timeout: float = 60.0
    # A server that refuses or never answers connections is down or not there (a stopped
    # emulator, a wrong --server-url): a few quick tries, not the minute of backoff a busy
    # server gets.
    connect_attempts: int = 3
    connect_timeout: float = 5.0


class RetryBudget:
    """Retries left for the whole run, shared by every worker."""

    def __init__(self, retries: int):
        self.left = retries
        self.used = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.left <= 0:
                return False
            self.left -= 1
            self.used += 1
            return True


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    retries: int

    def text(self, limit: int = 300) -> str:
        text = self.body[:limit].decode("utf-8", "replace").strip()
        return text + ("…" if len(self.body) > limit else "")

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class Client:
    """One connection pool, the retry policy, and the run's retry budget."""

    def __init__(
        self,
        endpoints: Endpoints,
        budget: RetryBudget,
        policy: RetryPolicy = RetryPolicy(),
        transport: Any = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
        random: Callable[[], float] = random_module.random,
        connections: int = 4,
    ):
        import httpx

        self.endpoints = endpoints
        self.budget = budget
        self.policy = policy
        self.sleep = sleep
        self.now = now
        self.random = random
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(
                policy.timeout, connect=min(policy.connect_timeout, policy.timeout)
            ),
            limits=limits,
            follow_redirects=False,
            # A proxy from the environment never sees requests to this machine: plain http, which
            # only loopback may use, would show it the keys in clear.
            trust_env=not endpoints.loopback,
        )
        self._httpx = httpx

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def send(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes | None = None,
        auth: tuple[str, str] | None = None,
        stop: threading.Event | None = None,
    ) -> Reply:
        """Send until a reply that is not worth retrying;
        NetworkError when attempts or the budget run out."""
        retries = 0
        connect_failures = 0
        httpx = self._httpx
        while True:
            delay: float | None = None
            try:
                response = self._http.request(method, url, headers=headers, content=body, auth=auth)
            except httpx.TimeoutException as error:
                failure = "timed out"
                connect_failures += isinstance(error, httpx.ConnectTimeout)
            except httpx.TransportError as error:
                failure = _transport_failure(error)
                connect_failures += isinstance(error, httpx.ConnectError)
            else:
                if not _is_retried(response.status_code):
                    return Reply(
                        response.status_code, dict(response.headers), response.content, retries
                    )
                failure = f"HTTP {response.status_code}"
                delay = self._retry_after(response.headers.get("retry-after"))
            if (
                retries + 1 >= self.policy.max_attempts
                or connect_failures >= self.policy.connect_attempts
                or (stop is not None and stop.is_set())
                or not self.budget.take()
            ):
                raise NetworkError(
                    f"{method} {urlsplit(url).path} to {self.endpoints.describe()}: {failure} "
                    f"(after {retries + 1} attempt{'s' if retries else ''})",
                    hint=self._hint(failure),
                )
            retries += 1
            self.sleep(self.backoff(retries) if delay is None else delay)

    def backoff(self, retry: int) -> float:
        """Exponential, with jitter over its upper half so that parallel workers spread out."""
        ceiling = min(self.policy.max_delay, self.policy.base_delay * 2 ** (retry - 1))
        return ceiling * (0.5 + self.random() / 2)

    def _retry_after(self, value: str | None) -> float | None:
        if not value:
            return None
        value = value.strip()
        if value.isdigit():
            seconds = float(value)
        else:
            try:
                moment = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                return None
            seconds = moment.timestamp() - self.now()
        return min(self.policy.max_retry_after, max(0.0, seconds))

    def _hint(self, failure: str) -> str:
        if self.endpoints.server_url:
            return (
                f"is the server at {self.endpoints.server_url} running? "
                "(amp-replay emulator starts one)"
            )
        if failure.startswith("HTTP"):
            return (
                "Amplitude kept failing; run again later: "
                "batches already delivered are not sent again"
            )
        host = urlsplit(self.endpoints.base("track")).hostname
        return f"your network may block {host}; set --server-url for a proxy"


def _is_retried(status: int) -> bool:
    return status >= 500 or status in RETRIED_STATUSES


def _transport_failure(error: Exception) -> str:
    name = type(error).__name__
    described = {
        "ConnectError": "cannot connect",
        "ReadError": "connection broken while reading",
        "WriteError": "connection broken while sending",
        "RemoteProtocolError": "connection closed early",
    }
    return described.get(name, name)


def auth_failure(reply: Reply, endpoints: Endpoints, what: str, key_names: str) -> AuthError:
    """The error for a 401/403, naming the zone,
    since a key of the other zone is the usual cause."""
    other = endpoints.other_zone()
    hint = (
        f"check {key_names} belong{'s' if ' and ' not in key_names else ''} "
        f"to a project in zone {endpoints.zone}"
    )
    if other is not None:
        hint += f"; for a project in {other.zone}, use --server-zone {other.zone}"
    return AuthError(
        f"Amplitude refused the {what} (HTTP {reply.status}) at {endpoints.describe()}", hint=hint
    )
