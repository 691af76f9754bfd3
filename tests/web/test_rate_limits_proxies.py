"""Rate limits per key and per client behind proxies, over the fake assistant (hashing
embedder, in-memory store; the guard in front is the real one): a key may have its own limit,
and X-Forwarded-For counts only when the connection comes from a configured proxy."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError

from assistant.services import Services
from assistant.settings import PublishableKey, SecretKey, Settings
from assistant.web.app_factory import create_app

ASK = {"question": "How should governments justify funding for digital projects?"}
PROXY = "10.1.2.3"
PORTAL_KEY = "sk_portal_0123456789abcdef"
SCRIPT_KEY = "sk_script_0123456789abcdef"
PAGE = "https://intranet.example.org"
PK = "pk_test_intranet_0123456789"


def client_for(services: Services, peer: str = PROXY, **update: object) -> TestClient:
    settings = services.settings.model_copy(update=update)
    parts = {"embeddings": services.embeddings, "store": services.store}
    app = create_app(Services.with_components(settings, **parts), with_ui=False)
    return TestClient(app, raise_server_exceptions=False, client=(peer, 40000))


def statuses(client: TestClient, count: int, **headers: str) -> list[int]:
    return [client.post("/v1/ask", json=ASK, headers=headers).status_code for _ in range(count)]


def test_without_trusted_proxies_a_forwarded_address_is_ignored(fake_index: Services) -> None:
    """A client cannot get a fresh bucket by writing another address in the header."""
    client = client_for(fake_index, rate_limit_per_minute=2)
    codes = [
        client.post("/v1/ask", json=ASK, headers={"X-Forwarded-For": f"192.0.2.{i}"}).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket(
    fake_index: Services,
) -> None:
    client = client_for(fake_index, rate_limit_per_minute=2, trusted_proxies=["10.1.2.0/24"])
    assert statuses(client, 3, **{"X-Forwarded-For": "192.0.2.10"}) == [200, 200, 429]
    assert statuses(client, 2, **{"X-Forwarded-For": "192.0.2.11"}) == [200, 200]
    # A client's own forged entry is on the left; the proxy appends the real address.
    forged = {"X-Forwarded-For": "198.51.100.7, 192.0.2.10"}
    assert statuses(client, 1, **forged) == [429]
    # Proxies in a chain are skipped from the right: the first address not a proxy counts.
    chained = {"X-Forwarded-For": "192.0.2.12, 10.1.2.9"}
    assert statuses(client, 3, **chained) == [200, 200, 429]


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(fake_index: Services) -> None:
    client = client_for(
        fake_index, peer="172.16.0.9", rate_limit_per_minute=2, trusted_proxies=[PROXY]
    )
    codes = [
        client.post("/v1/ask", json=ASK, headers={"X-Forwarded-For": f"192.0.2.{i}"}).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]


def test_a_key_with_its_own_limit_is_not_throttled_by_the_default(fake_index: Services) -> None:
    """An intranet portal asking for everyone gets its own, larger bucket; other keys keep
    the default, and the 429 names the limit that applied."""
    keys = [SecretKey(key=SecretStr(PORTAL_KEY), rate_limit_per_minute=5), SecretStr(SCRIPT_KEY)]
    client = client_for(fake_index, rate_limit_per_minute=2, api_keys=keys)
    portal = {"Authorization": f"Bearer {PORTAL_KEY}"}
    script = {"Authorization": f"Bearer {SCRIPT_KEY}"}
    assert statuses(client, 6, **portal) == [200] * 5 + [429]
    assert statuses(client, 3, **script) == [200, 200, 429]
    over = client.post("/v1/ask", json=ASK, headers=portal)
    assert "5 per minute" in over.json()["error"]["message"] and over.headers["Retry-After"]


def test_publishable_keys_count_visitors_by_their_forwarded_address(
    fake_index: Services,
) -> None:
    client = client_for(
        fake_index,
        trusted_proxies=[PROXY],
        publishable_keys=[PublishableKey(key=SecretStr(PK), origins=[PAGE])],
        publishable_client_rate_limit_per_minute=1,
    )
    page = {"Authorization": f"Bearer {PK}", "Origin": PAGE}
    assert statuses(client, 2, **page, **{"X-Forwarded-For": "192.0.2.1"}) == [200, 429]
    assert statuses(client, 1, **page, **{"X-Forwarded-For": "192.0.2.2"}) == [200]


def test_settings_read_keys_with_limits_and_refuse_bad_proxy_addresses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "ASSISTANT_API_KEYS",
        f'["{SCRIPT_KEY}", {{"key": "{PORTAL_KEY}", "rate_limit_per_minute": 6000}}]',
    )
    monkeypatch.setenv("ASSISTANT_TRUSTED_PROXIES", '["10.0.0.0/8", "::1"]')
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert isinstance(settings.api_keys[1], SecretKey)
    assert settings.api_keys[1].rate_limit_per_minute == 6000
    assert settings.trusted_proxies == ["10.0.0.0/8", "::1"]
    with pytest.raises(ValidationError, match="not an address"):
        Settings(trusted_proxies=["proxy.example.org"], _env_file=None)  # type: ignore[call-arg]
