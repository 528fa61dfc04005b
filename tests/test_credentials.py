"""Keys never leak: not in any output when a server echoes them back, not in clear through a
proxy, and a key that cannot work is refused before any request."""

import base64
import io
from urllib.parse import quote

import httpx
import pytest

from amp_replay_cli.core.amplitude import Endpoints, secret_forms
from amp_replay_cli.core.check import CheckSettings, check
from amp_replay_cli.core.errors import UsageError
from amp_replay_cli.output import OutputSettings, render

API_KEY = "0123456789abcdef0123456789abcdef"
SECRET_KEY = "s3cr3t/+=key&with?odd-characters"


def echoing_transport():
    """A server whose error page quotes the request: its URL, headers and body."""

    def handler(request: httpx.Request) -> httpx.Response:
        echoed = f"bad request: {request.url} {dict(request.headers)} {request.content!r}"
        echoed += f" user={quote(API_KEY, safe='')} secret={quote(SECRET_KEY, safe='')}"
        return httpx.Response(400, text=echoed)

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("output_format", ["text", "json", "github", "junit"])
def test_an_echoed_request_shows_no_credential_in_any_format(output_format):
    settings = CheckSettings(API_KEY, SECRET_KEY, Endpoints.resolve("US", None), user_id="u1")
    report = check(settings, transport=echoing_transport(), sleep=lambda _: None)
    stdout, stderr = io.StringIO(), io.StringIO()
    render(report, OutputSettings(format=output_format, verbosity=2), stdout, stderr)
    printed = stdout.getvalue() + stderr.getvalue()
    assert "400" in printed  # the echo was reported...
    basic = base64.b64encode(f"{API_KEY}:{SECRET_KEY}".encode()).decode()
    for form in (API_KEY, SECRET_KEY, quote(SECRET_KEY, safe=""), basic):
        assert form not in printed  # ...with every credential masked


def test_secret_forms_cover_raw_url_encoded_and_basic_values():
    forms = secret_forms("key-1", "a b/c")
    assert {"key-1", "a b/c", "a%20b%2Fc", base64.b64encode(b"key-1:a b/c").decode()} <= forms


def test_a_loopback_server_url_ignores_proxies_from_the_environment(emulator, monkeypatch, run):
    # A proxy that would see a bearer key in clear (plain http): it must never be used.
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("AMPLITUDE_API_KEY", emulator.api_key)
    result = run(
        "upload",
        "tests/data/recordings/amplitude-settings-modal.json",
        "--server-url",
        emulator.base_url,
        "--no-journal",
    )
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999", "http://127.0.0.1:port"])
def test_an_invalid_port_is_a_usage_error_at_once(url):
    with pytest.raises(UsageError, match="invalid port"):
        Endpoints.resolve("US", url)


@pytest.mark.parametrize("key", [API_KEY + "\n", " " + API_KEY, API_KEY[:16] + "\t" + API_KEY[16:]])
def test_a_key_with_whitespace_is_refused_without_quoting_it(run, key, monkeypatch):
    monkeypatch.setenv("AMPLITUDE_API_KEY", key)
    result = run("upload", "tests/data/recordings/amplitude-settings-modal.json", expect=2)
    assert "contains whitespace or control characters" in result.stderr
    assert API_KEY not in result.stdout + result.stderr


def test_a_secret_key_file_that_is_not_utf8_is_an_input_error(run, write, monkeypatch):
    monkeypatch.setenv("AMPLITUDE_API_KEY", API_KEY)
    path = write("secret.bin", b"\xff\xfe\x00bad")
    result = run("check", "--user-id", "u1", "--secret-key-file", path, expect=2)
    assert "is not UTF-8 text" in result.stderr
