"""Serving the emulator over HTTP: threaded, loopback by default, stoppable."""

from __future__ import annotations

import socket
import struct
import sys
import threading
from dataclasses import dataclass
from socketserver import TCPServer, ThreadingMixIn
from typing import IO, TYPE_CHECKING, Any, cast
from wsgiref.handlers import BaseHandler
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from amp_replay_cli.emulator.faults import ResetConnection

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


IDLE_TIMEOUT_SECONDS = 30.0  # a connection that sends nothing for this long is closed
MAX_CONNECTIONS = 64  # one thread each; more are closed at once instead of piling up threads


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True
    idle_timeout = IDLE_TIMEOUT_SECONDS

    def __init__(self, *args: Any, max_connections: int = MAX_CONNECTIONS, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._slots = threading.BoundedSemaphore(max_connections)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)  # over the cap: refuse rather than hold a thread
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def server_bind(self) -> None:
        # As WSGIServer.server_bind, minus socket.getfqdn(): a DNS lookup, stalling without network.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]
        self.setup_environ()


class _ThreadingServer6(_ThreadingServer):
    address_family = socket.AF_INET6


def base_url(server: _ThreadingServer) -> str:
    host, port = server.server_name, server.server_port
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


class _Handler(ServerHandler):
    # wsgiref sets both; its type stubs do not declare them.
    status: str | None
    request_handler: WSGIRequestHandler

    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], ResetConnection):
            raise  # to the request handler, which drops the connection
        super().handle_error()

    def close(self) -> None:
        if self.status is None:  # a reset: nothing was answered, so there is nothing to log
            BaseHandler.close(self)
            return
        super().close()


class _RequestHandler(WSGIRequestHandler):
    quiet = True
    server: WSGIServer  # the stubs say BaseServer; make_server always gives a WSGIServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(getattr(self.server, "idle_timeout", IDLE_TIMEOUT_SECONDS))

    def handle(self) -> None:
        try:
            self._handle_one()
        except TimeoutError:
            self.close_connection = True  # idle (or half-open): free the thread

    def _handle_one(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536 or not self.parse_request():
            return
        # As WSGIRequestHandler.handle passes them; the stubs type wfile as a BufferedIOBase.
        wfile = cast(IO[bytes], self.wfile)
        handler = _Handler(
            self.rfile, wfile, self.get_stderr(), self.get_environ(), multithread=True
        )
        handler.request_handler = self
        app = self.server.get_app()
        assert app is not None, "make_server sets the application before serving"
        try:
            handler.run(app)
        except ResetConnection:
            # SO_LINGER with a zero timeout makes close() send a TCP reset.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)


class _LoggingRequestHandler(_RequestHandler):
    quiet = False


@dataclass
class RunningEmulator:
    server: _ThreadingServer
    thread: threading.Thread

    @property
    def base_url(self) -> str:
        return base_url(self.server)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def make_server(
    app: WSGIApplication, host: str = "127.0.0.1", port: int = 0, quiet: bool = True
) -> _ThreadingServer:
    server_class = _ThreadingServer6 if ":" in host else _ThreadingServer
    handler = _RequestHandler if quiet else _LoggingRequestHandler
    server = server_class((host, port), handler)
    server.set_app(app)
    return server


def start_in_background(
    app: WSGIApplication, host: str = "127.0.0.1", port: int = 0
) -> RunningEmulator:
    """Serve in a daemon thread (tests, `demo`); stop with `.stop()`."""
    server = make_server(app, host, port)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return RunningEmulator(server, thread)
