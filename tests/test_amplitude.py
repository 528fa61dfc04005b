"""The HTTP client: hosts per zone, the SDK's retry classes, backoff, Retry-After
and the retry budget."""

import httpx
import pytest

from amp_replay_cli.core.amplitude import Client, Endpoints, RetryBudget, RetryPolicy, auth_failure
from amp_replay_cli.core.errors import NetworkError, UsageError

DEFAULT_POLICY = RetryPolicy()


def client_with(replies, budget=100, policy=DEFAULT_POLICY, now=lambda: 1_000_000.0):
    """A client whose server answers from `replies` (statuses, exceptions or responses) in turn."""
    seen, slept = [], []
    answers = iter(replies)

    def handler(request):
        seen.append(request)
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(answer, text="{}")

    client = Client(
        Endpoints("US"),
        RetryBudget(budget),
        policy,
        httpx.MockTransport(handler),
        sleep=slept.append,
        now=now,
        random=lambda: 0.5,
    )
    return client, seen, slept


def send(client):
    return client.send(
        "POST",
        "https://api-sr.amplitude.com/sessions/v2/track",
        [("Authorization", "Bearer k")],
        b"{}",
    )


def test_endpoints_per_zone_and_behind_one_server_url():
    us, eu = Endpoints.resolve(None, None), Endpoints.resolve("eu", None)
    assert us.track == "https://api-sr.amplitude.com/sessions/v2/track"
    assert eu.track == "https://api-sr.eu.amplitude.com/sessions/v2/track"
    assert (
        us.httpapi == "https://api2.amplitude.com/2/httpapi"
        and eu.httpapi == "https://api.eu.amplitude.com/2/httpapi"
    )
    assert eu.rest("/api/2/usersearch") == "https://analytics.eu.amplitude.com/api/2/usersearch"
    local = Endpoints.resolve("US", "http://127.0.0.1:8787/")
    assert (
        local.track == "http://127.0.0.1:8787/sessions/v2/track"
        and local.httpapi == "http://127.0.0.1:8787/2/httpapi"
    )
    assert local.other_zone() is None and us.other_zone().zone == "EU"


@pytest.mark.parametrize(
    "zone, url, words",
    [
        ("APAC", None, "unknown server zone"),
        ("US", "http://proxy.example.com", "plain http is allowed only"),
        ("US", "ftp://127.0.0.1", "not an http(s) URL"),
        ("US", "https://user:pw@proxy.example", "without query"),
    ],
)
def test_bad_zones_and_server_urls_are_usage_errors(zone, url, words):
    with pytest.raises(UsageError) as caught:
        Endpoints.resolve(zone, url)
    assert words in caught.value.message


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 429, 499])
def test_retried_statuses_are_retried_with_backoff(status):
    client, seen, slept = client_with([status, status, 200])
    reply = send(client)
    assert (reply.status, reply.retries, len(seen)) == (200, 2, 3)
    assert slept == [0.375, 0.75]  # base 0.5 * 2^(n-1), jitter over the upper half (random() = 0.5)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 302])
def test_other_statuses_come_back_at_once(status):
    client, seen, slept = client_with([status])
    assert send(client).status == status and slept == [] and len(seen) == 1


def test_timeouts_and_broken_connections_are_retried():
    request = httpx.Request("POST", "https://x")
    client, seen, slept = client_with(
        [
            httpx.ReadTimeout("slow", request=request),
            httpx.RemoteProtocolError("closed", request=request),
            200,
        ]
    )
    assert send(client).retries == 2
    assert len(seen) == 3 and slept == [0.375, 0.75]  # the same backoff as for a retried status


def test_retry_after_in_seconds_and_as_a_date_is_honoured_and_capped():
    date = "Mon, 12 Jan 1970 13:46:50 GMT"  # 10 s after now=1_000_000
    client, _, slept = client_with(
        [
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(503, headers={"Retry-After": date}),
            httpx.Response(503, headers={"Retry-After": "86400"}),
            200,
        ]
    )
    send(client)
    assert slept == [7.0, 10.0, 300.0]


def test_attempts_run_out_with_a_network_error_and_a_hint():
    client, seen, _ = client_with([503] * 8, policy=RetryPolicy(max_attempts=3))
    with pytest.raises(NetworkError) as caught:
        send(client)
    assert len(seen) == 3
    assert caught.value.message == "POST /sessions/v2/track to zone US: HTTP 503 (after 3 attempts)"
    assert "already delivered are not sent again" in caught.value.hint


def test_the_run_wide_budget_stops_retries():
    client, seen, _ = client_with([500, 500, 500, 500], budget=2)
    with pytest.raises(NetworkError):
        send(client)
    assert len(seen) == 3 and client.budget.used == 2


def test_connection_failures_name_the_host():
    request = httpx.Request("POST", "https://x")
    client, _, _ = client_with(
        [httpx.ConnectError("refused", request=request)] * 2, policy=RetryPolicy(max_attempts=2)
    )
    with pytest.raises(NetworkError) as caught:
        send(client)
    assert "cannot connect" in caught.value.message and "api-sr.amplitude.com" in caught.value.hint


def test_auth_failures_point_at_the_other_zone():
    from amp_replay_cli.core.amplitude import Reply

    error = auth_failure(Reply(401, {}, b"", 0), Endpoints("EU"), "API key", "AMPLITUDE_API_KEY")
    assert error.exit_code == 3
    assert error.message == "Amplitude refused the API key (HTTP 401) at zone EU"
    assert error.hint == (
        "check AMPLITUDE_API_KEY belongs to a project in zone EU; for a project in US, use "
        "--server-zone US"
    )
