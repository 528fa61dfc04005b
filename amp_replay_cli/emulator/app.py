"""The emulator as one WSGI app: each Amplitude endpoint amp-replay uses, on one base URL."""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from amp_replay_cli.core.wire import SKIP_HEADER
from amp_replay_cli.emulator import analytics, replay, rest
from amp_replay_cli.emulator.faults import ACK_LOST, FaultPlan, ResetConnection
from amp_replay_cli.emulator.store import Store

MAX_BODY_BYTES = 64 * 1024 * 1024
_REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_FAULT_BODIES = {
    "500": (500, {"code": 500, "error": "Internal server error"}),
    "502": (502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
    "503": (503, {"code": 503, "error": "Service unavailable"}),
    "504": (504, "<html><body><h1>504 Gateway Time-out</h1></body></html>"),
}


@dataclass(frozen=True)
class Project:
    api_key: str
    secret_key: str


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


Response = tuple[int, Any, dict[str, str]]


@dataclass
class Emulator:
    store: Store
    projects: list[Project]
    faults: FaultPlan = field(default_factory=FaultPlan)
    sample_rate: float = 1.0
    capture_enabled: bool = True
    eps_limits: dict[str, int] = field(
        default_factory=dict
    )  # endpoint name -> events/s; 0 = no throttling
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        for project in self.projects:
            self.store.ensure_project(
                project.api_key, project.secret_key, self.sample_rate, self.capture_enabled
            )
        self.throttle = analytics.Throttle()
        self.skips = replay.SkipDirectives()
        self.endpoints = {
            name: analytics.Endpoint(
                endpoint.name,
                endpoint.max_bytes,
                endpoint.max_events,
                self.eps_limits.get(name, endpoint.eps_limit),
            )
            for name, endpoint in (("httpapi", analytics.HTTP_API), ("batch", analytics.BATCH))
        }

    # -- WSGI --------------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = _read(environ)
        if request is None:
            status, body, headers = 413, replay.WAF_BODY, {"Content-Type": "text/plain"}
        else:
            status, body, headers = self.respond(request)
            origin = request.headers.get("origin")
            if origin:
                headers = {**headers, **_cors(origin, request)}
        if isinstance(body, (dict, list)):
            payload = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            payload = str(body).encode()
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        headers["Content-Length"] = str(len(payload))
        start_response(f"{status} {_REASONS.get(status, 'Status')}", list(headers.items()))
        return [payload]

    def respond(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return 204, "", {}
        if request.path.startswith("/_emulator/"):
            return self.introspect(request)
        route = self.route(request)
        if route is None:
            return 404, {"code": 404, "error": "Invalid request path"}, {}
        fault = self.faults.pick()
        if fault == ACK_LOST:
            status, body, headers = route(request)
            if 200 <= status < 300:
                raise ResetConnection()  # applied, but the client never hears so
            return status, body, headers
        if fault is not None:
            return self.fault(fault, request)
        return route(request)

    def route(self, request: Request) -> Callable[[Request], Response] | None:
        path, method = request.path, request.method
        if method == "POST":
            return {
                "/sessions/v2/track": self.track,
                "/2/httpapi": self.httpapi,
                "/batch": self.batch,
            }.get(path)
        if method == "GET":
            if path in ("/api/2/usersearch", "/api/2/useractivity", "/api/2/events/segmentation"):
                return self.dashboard
            if path == "/config" or path.startswith("/config/"):
                return self.remote_config
        return None

    def fault(self, kind: str, request: Request) -> Response:
        if kind == "reset":
            raise ResetConnection()
        if kind == "slow":
            self.sleep(self.faults.slow_seconds)
            return 504, _FAULT_BODIES["504"][1], {}
        if kind == "413":
            return 413, replay.WAF_BODY, {"Content-Type": "text/plain"}
        if kind == "429":
            body: Any = {
                "code": 429,
                "error": "Too many requests for some devices and users",
                "eps_threshold": 30,
                "throttled_devices": {},
                "throttled_users": {},
                "throttled_events": [],
            }
            return 429, body, {"Retry-After": str(self.faults.retry_after_seconds)}
        status, body = _FAULT_BODIES[kind]
        return status, body, {}

    # -- endpoints ---------------------------------------------------------------------------
    def track(self, request: Request) -> Response:
        authorization = request.headers.get("authorization", "")
        key = (
            authorization[7:].strip()
            if authorization.lower().startswith("bearer ")
            else request.query.get("api_key")
        )
        project = self.store.project_by_key(key) if key else None
        if project is None:
            return 401, {"error": "Invalid API key"}, {}
        return replay.track(
            self.store,
            self.skips,
            project,
            request.query,
            request.headers,
            request.body,
            self.clock,
        )

    def httpapi(self, request: Request) -> Response:
        return self._ingest(request, self.endpoints["httpapi"])

    def batch(self, request: Request) -> Response:
        return self._ingest(request, self.endpoints["batch"])

    def _ingest(self, request: Request, endpoint: analytics.Endpoint) -> Response:
        try:
            body = replay.inflate(request.body, request.headers.get("content-encoding", ""))
        except ValueError:
            return 400, {"code": 400, "error": "Invalid JSON request body"}, {}
        status, reply = analytics.ingest(self.store, self.throttle, endpoint, body, self.clock)
        return status, reply, {}

    def dashboard(self, request: Request) -> Response:
        project = self._basic_auth(request)
        if project is None:
            return (
                401,
                {"error": "Invalid API key or secret key"},
                {"WWW-Authenticate": 'Basic realm="Amplitude"'},
            )
        handler = {
            "/api/2/usersearch": rest.usersearch,
            "/api/2/useractivity": rest.useractivity,
            "/api/2/events/segmentation": rest.segmentation,
        }[request.path]
        status, body = handler(self.store, project["id"], request.query)
        return status, body, {}

    def _basic_auth(self, request: Request) -> sqlite3.Row | None:
        authorization = request.headers.get("authorization", "")
        if not authorization.lower().startswith("basic "):
            return None
        try:
            key, _, secret = (
                base64.b64decode(authorization[6:].strip(), validate=True).decode().partition(":")
            )
        except (binascii.Error, UnicodeDecodeError):
            return None
        project = self.store.project_by_key(key)
        return project if project is not None and project["secret_key"] == secret else None

    def remote_config(self, request: Request) -> Response:
        key = (
            unquote(request.path[len("/config/") :])
            if request.path.startswith("/config/")
            else request.query.get("api_key", "")
        )
        project = self.store.project_by_key(key) if key else None
        if project is None:
            return 401, {"error": "Invalid API key"}, {}
        sampling = {
            "sample_rate": project["sample_rate"],
            "capture_enabled": bool(project["capture_enabled"]),
        }
        return 200, {"configs": {"sessionReplay": {"sr_sampling_config": sampling}}}, {}

    # -- introspection -----------------------------------------------------------------------
    def introspect(self, request: Request) -> Response:
        parts = [unquote(part) for part in request.path.split("/")[2:]]
        if request.method == "GET" and parts == ["replays"]:
            return 200, {"replays": replay.replay_rows(self.store)}, {}
        if request.method == "GET" and len(parts) == 3 and parts[0] == "replays":
            kind = request.query.get("type", "replay")
            unpacked = request.query.get("unpack", "").lower() in ("1", "true", "yes")
            return 200, replay.read_back(self.store, parts[1], parts[2], kind, unpacked), {}
        if request.method == "GET" and parts == ["events"]:
            return 200, {"events": self._events(request.query)}, {}
        if request.method == "GET" and parts == ["health"]:
            return 200, {"ok": True}, {}
        if request.method == "POST" and parts == ["reset"]:
            self.store.reset()
            return 200, {"reset": True}, {}
        if request.method == "POST" and parts == ["config"]:
            return self._set_config(request)
        if request.method == "POST" and parts == ["skip"]:
            return self._set_skip(request)
        return 404, {"error": "unknown emulator endpoint"}, {}

    def _events(self, query: dict[str, str]) -> list[dict[str, Any]]:
        sql, parameters = "SELECT * FROM events WHERE 1 = 1", []
        for field_name in ("user_id", "device_id", "event_type"):
            if field_name in query:
                sql += f" AND {field_name} = ?"
                parameters.append(query[field_name])
        rows = self.store.query(sql + " ORDER BY id", tuple(parameters))
        return [
            {
                **json.loads(row["document"]),
                "amplitude_id": row["amplitude_id"],
                "uuid": row["uuid"],
                "server_upload_time": row["server_upload_ms"],
            }
            for row in rows
        ]

    def _set_config(self, request: Request) -> Response:
        settings = _json_body(request)
        if settings is None:
            return 400, {"error": "body must be a JSON object"}, {}
        key = settings.get("api_key") or self.projects[0].api_key
        project = self.store.project_by_key(key)
        if project is None:
            return 404, {"error": "no such project"}, {}
        self.store.set_remote_config(
            project["id"], settings.get("sample_rate"), settings.get("capture_enabled")
        )
        return 200, {"updated": True}, {}

    def _set_skip(self, request: Request) -> Response:
        settings = _json_body(request)
        if settings is None:
            return 400, {"error": "body must be a JSON object"}, {}
        code = settings.get("code")
        self.skips.set(
            settings.get("device_id"),
            settings.get("session_id"),
            None if code is None else str(code),
        )
        return 200, {"updated": True}, {}


def _json_body(request: Request) -> dict | None:
    try:
        value = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _read(environ: dict) -> Request | None:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return None
    body = environ["wsgi.input"].read(length) if length else b""
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    path = environ.get("PATH_INFO", "/") or "/"
    return Request(environ.get("REQUEST_METHOD", "GET").upper(), path, query, headers, body)


def _cors(origin: str, request: Request) -> dict[str, str]:
    """What a browser needs, including credentials for the SDK's page-exit beacons."""
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": request.headers.get("access-control-request-headers", "*"),
        "Access-Control-Expose-Headers": SKIP_HEADER,
        "Vary": "Origin",
    }
