"""pytest-socket keeps the suite offline: tests reach loopback and nothing else."""

import socket

import httpx
import pytest
from pytest_socket import SocketBlockedError, SocketConnectBlockedError

BLOCKED = (SocketBlockedError, SocketConnectBlockedError)
pytestmark = pytest.mark.filterwarnings("ignore:A test tried to use socket:UserWarning")


@pytest.mark.parametrize(
    "address", [("203.0.113.7", 443), ("2001:db8::1", 443), ("example.com", 80)]
)
def test_connections_beyond_this_machine_are_refused(address):
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock, pytest.raises(BLOCKED):
        sock.connect(address)


def test_an_http_client_cannot_reach_the_internet():
    with httpx.Client(timeout=2) as client, pytest.raises(BLOCKED):
        client.get("http://203.0.113.7/")


def test_loopback_is_allowed(emulator):
    assert emulator.base_url.startswith("http://127.0.0.1:")
    assert emulator.client.get("/_emulator/events").status_code == 200
