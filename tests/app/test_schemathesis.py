"""Property-based run over the service's own OpenAPI document: no generated request gets a server error.

In-process through ASGI, bounded to 20 examples per operation, with an admin token so the write operations are
exercised past authentication (a new one per case: `DELETE /v1/tokens/{id}` may revoke an earlier one), on a
temporary SQLite catalog holding the shop definitions.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from app.main import create_app
from tests.accounts import token_of
from tests.app.conftest import settings_for, shop_files


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    app = create_app(settings_for(tmp_path_factory.mktemp("schemathesis"), max_body_bytes=64 * 1024))
    repo = app.state.repo
    repo.upgrade()
    repo.publish(shop_files(), author="fixture")
    return app


@pytest.fixture(scope="module")
def api(service: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", service)


schema = schemathesis.pytest.from_fixture("api")


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case: schemathesis.Case, service: FastAPI) -> None:
    token = token_of(service.state.repo, "admin", "schemathesis")
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error])


def test_every_operation_is_documented_with_examples_and_problems(service: FastAPI) -> None:
    document = service.openapi()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if path != "/healthz":
                assert "application/problem+json" in responses["422"]["content"], (method, path)
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    problem_errors = schemas["Problem"]["properties"]["errors"]
    assert problem_errors["items"] == {"$ref": "#/components/schemas/ProblemError"}
    assert schemas["MetricSummary"]["properties"]["key"]["examples"] == ["finance.gmv"]
    assert document["paths"]["/v1/compile"]["post"]["requestBody"]["content"]["application/json"]["examples"]
