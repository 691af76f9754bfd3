"""The whole HTTP surface fuzzed from its own OpenAPI document with Schemathesis, over the fake
assistant (a bounded run: ``EXAMPLES`` per operation; ``evals/bench/embed.py`` runs a long one):
no 5xx, every response matches its documented status, schema, content type and headers, and
keys and origins are enforced on every route that needs them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, settings
from hypothesis.configuration import set_hypothesis_home_dir
from pydantic import SecretStr
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assistant.settings import PublishableKey, Settings
from assistant.testing import fake_services
from assistant.web.app_factory import create_app
from assistant.web.publishable import READ_ONLY_ROUTES

# Examples per operation: a bounded run here; evals/bench/embed.py sets FUZZ_EXAMPLES for a
# long one.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
SECRET = "sk_fuzz_secret_0123456789"
PUBLISHABLE = "pk_fuzz_page_0123456789"
PAGE = "https://intranet.example.org"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]
OPEN_PATHS = {"/healthz", "/readyz", "/widget.js"}
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases every run: a failure is reproducible
    suppress_health_check=list(HealthCheck),
)


def keyed_app() -> FastAPI:
    """The app over the fake assistant with a secret key and a publishable key, as an intranet
    deploys it. Built at import, as Schemathesis reads the schema at collection; the fake index
    is built on the first question, in a private folder."""
    configured = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="assistant-fuzz-")),
        api_keys=[SecretStr(SECRET)],
        # Rate limits are tested elsewhere; here a 429 would hide what the request got.
        rate_limit_per_minute=10**9,
        publishable_rate_limit_per_minute=10**9,
        publishable_client_rate_limit_per_minute=10**9,
        publishable_keys=[PublishableKey(key=SecretStr(PUBLISHABLE), origins=[PAGE])],
        _env_file=None,  # type: ignore[call-arg]
    )
    services = fake_services(configured)
    services.index.ensure()
    return create_app(services, with_ui=False)


def openapi_schema(mode: GenerationMode) -> Any:
    """The app's schema; requests in ``mode``, and no generated Authorization header (each
    test sends its own key)."""
    loaded = schemathesis.openapi.from_asgi("/openapi.json", keyed_app())
    loaded.config.generation.update(modes=[mode], with_security_parameters=False, database="none")
    # A body over ASSISTANT_MAX_REQUEST_BYTES is refused with 413 before it is read.
    rejection = loaded.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]
    return loaded


# Hypothesis's own cache goes to a temporary folder, not the work tree.
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="assistant-hypothesis-"))
schema = openapi_schema(GenerationMode.POSITIVE)
broken = openapi_schema(GenerationMode.NEGATIVE)


def as_sent_by(case: schemathesis.Case) -> schemathesis.Case:
    """The case without the Authorization and Origin headers Schemathesis may have generated
    (they would win over the ones a test sends), so each call carries exactly the test's."""
    case.headers = {
        name: value
        for name, value in (case.headers or {}).items()
        if name.lower() not in ("authorization", "origin")
    }
    return case


@schema.parametrize()
@FUZZ
def test_every_operation_keeps_its_documented_contract(case: schemathesis.Case) -> None:
    response = as_sent_by(case).call_and_validate(
        headers={"Authorization": f"Bearer {SECRET}"}, checks=CHECKS
    )
    assert response.status_code not in (401, 403), response.text


@schema.parametrize()
@settings(FUZZ, phases=[Phase.generate])  # the explicit phase drops headers, tries other methods
def test_keys_and_origins_enforced_on_every_route(case: schemathesis.Case) -> None:
    route = (case.method.upper(), case.path)
    no_key = as_sent_by(case).call()
    if case.path in OPEN_PATHS:
        assert no_key.status_code != 401
        return
    assert no_key.status_code in (401, 413), no_key.text
    wrong_origin = case.call(
        headers={"Authorization": f"Bearer {PUBLISHABLE}", "Origin": "https://evil.example"}
    )
    assert wrong_origin.status_code in (403, 413), wrong_origin.text
    from_page = case.call(headers={"Authorization": f"Bearer {PUBLISHABLE}", "Origin": PAGE})
    if route in READ_ONLY_ROUTES:
        assert from_page.status_code != 403, from_page.text
        case.validate_response(from_page, checks=CHECKS)
    else:
        assert from_page.status_code in (403, 413), from_page.text
        if from_page.status_code == 403:
            assert from_page.json()["error"]["code"] == "route_not_allowed"


@broken.parametrize()
@FUZZ
def test_requests_that_break_the_schema_get_a_documented_4xx(case: schemathesis.Case) -> None:
    """Bodies, queries and paths that violate the schema: refused with a documented 4xx in the
    error shape, never a 5xx."""
    response = as_sent_by(case).call_and_validate(
        headers={"Authorization": f"Bearer {SECRET}"},
        checks=[*CHECKS, negative_data_rejection],
    )
    if response.status_code >= 400 and case.path not in OPEN_PATHS:
        assert set(response.json()["error"]) == {"code", "message"}
