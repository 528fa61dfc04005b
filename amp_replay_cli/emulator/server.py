"""Serving the emulator over HTTP: threaded, loopback by default, stoppable."""

from __future__ import annotations

import socket
import struct
import sys
import threading
from dataclasses import dataclass
from socketserver import TCPServer, ThreadingMixIn
from wsgiref.handlers import BaseHandler
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from amp_replay_cli.emulator.faults import ResetConnection


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def server_bind(self) -> None:
        # As WSGIServer.server_bind, minus socket.getfqdn(): a DNS lookup, stalling without network.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]
        self.setup_environ()


class _Handler(ServerHandler):
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

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536 or not self.parse_request():
            return
        handler = _Handler(
            self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True
        )
        handler.request_handler = self
        try:
            handler.run(self.server.get_app())
        except ResetConnection:
            # SO_LINGER with a zero timeout makes close() send a TCP reset.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)


@dataclass
class RunningEmulator:
    server: _ThreadingServer
    thread: threading.Thread

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def make_server(
    app, host: str = "127.0.0.1", port: int = 0, quiet: bool = True
) -> _ThreadingServer:
    server_class = _ThreadingServer
    if ":" in host:
        server_class = type(
            "_ThreadingServer6", (_ThreadingServer,), {"address_family": socket.AF_INET6}
        )
    handler = type("_Handler", (_RequestHandler,), {"quiet": quiet})
    server = server_class((host, port), handler)
    server.set_app(app)
    return server


def start_in_background(app, host: str = "127.0.0.1", port: int = 0) -> RunningEmulator:
    """Serve in a daemon thread (tests, `demo`); stop with `.stop()`."""
    server = make_server(app, host, port)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return RunningEmulator(server, thread)
