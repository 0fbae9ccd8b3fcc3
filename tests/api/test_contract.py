"""Contract test: every operation of the OpenAPI document is called with requests generated from its own schemas
(hypothesis; mostly well-formed, sometimes out of bounds or of the wrong shape, with and without a key), and no
answer is a 500; every error is a problem document. The whole walk stays well under a minute."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import app
from services.administration import api_clients
from services.administration.api_clients import ClientInput
from tests.api.conftest import UNIT_SCOPES
from tests.services.catalog_fixtures import published_entry

EXAMPLES = 20  # per operation
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                      max_size=3), max_leaves=6)


def from_schema(schema: dict, components: dict, depth: int = 0) -> st.SearchStrategy:
    if "$ref" in schema:
        return from_schema(components[schema["$ref"].rsplit("/", 1)[-1]], components, depth)
    if "anyOf" in schema:
        return st.one_of([from_schema(s, components, depth) for s in schema["anyOf"]])
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") == "date":
            return st.dates().map(str) | st.text(max_size=12)
        low = schema.get("minLength", 0)
        return st.text(min_size=low, max_size=max(low, min(schema.get("maxLength", 40), 40)))
    if kind == "integer":
        low, high = schema.get("minimum", -(2 ** 40)), schema.get("maximum", 2 ** 40)
        return st.integers(low - 2, high + 2) | st.integers(1, 5)
    if kind == "number":
        return st.floats(allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        items = from_schema(schema.get("items", {}), components, depth + 1) if depth < 4 else json_values
        return st.lists(items, min_size=min(schema.get("minItems", 0), 2), max_size=3)
    if kind == "object" and "properties" in schema and depth < 4:
        props = {k: from_schema(v, components, depth + 1) for k, v in schema["properties"].items()}
        required = set(schema.get("required", []))
        return st.fixed_dictionaries({k: v for k, v in props.items() if k in required},
                                     optional={k: v for k, v in props.items() if k not in required})
    return json_values


def _operations(document: dict) -> list[tuple[str, str, dict]]:
    return [(method.upper(), path, op) for path, item in document["paths"].items()
            for method, op in item.items() if method in ("get", "put", "post", "delete", "patch")]


def test_no_operation_answers_500(api):
    _id, bureau_key = api_clients.register_client(api.world["sysadmin"], ClientInput(
        "fuzz", api.world.units["bureau"], ["kpi:read"], rate_limit=100_000))
    _id, key = api_clients.register_client(api.world["sysadmin"], ClientInput(
        "fuzz-police", api.world.units["police"], [str(s) for s in UNIT_SCOPES], rate_limit=100_000))
    for name in ("人口信息", "法人信息"):
        published_entry(api.world, "police", name=name)
    document = app.openapi()
    components = document.get("components", {}).get("schemas", {})
    operations = _operations(document)
    assert len(operations) >= 11
    seen: dict[str, set[int]] = {}

    for method, path, op in operations:
        params = op.get("parameters", [])
        path_params = {p["name"]: from_schema(p["schema"], components) for p in params if p["in"] == "path"}
        query = {p["name"]: from_schema(p["schema"], components) for p in params if p["in"] == "query"}
        body_schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        body = (from_schema(body_schema, components) | json_values) if body_schema else st.none()

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                         HealthCheck.filter_too_much])
        @given(path_values=st.fixed_dictionaries(path_params), query_values=st.fixed_dictionaries({}, optional=query),
               payload=body, with_key=st.sampled_from([True, True, True, False]),
               language=st.sampled_from(["zh-CN", "en", "fr", ""]))
        def call(path_values, query_values, payload, with_key, language):
            url = path  # noqa: B023 - called before the loop moves on
            for name, value in path_values.items():
                url = url.replace("{" + name + "}", quote(str(value), safe="") or "x")  # noqa: B023
            headers = {"Accept-Language": language}
            if with_key:
                headers["Authorization"] = f"Bearer {bureau_key if '/kpi' in path else key}"  # noqa: B023
            params = {k: v for k, v in query_values.items() if v is not None}
            kwargs = {"json": payload} if body_schema else {}  # noqa: B023
            response = api.http.request(method, url, params=params, headers=headers, **kwargs)  # noqa: B023
            seen.setdefault(f"{method} {path}", set()).add(response.status_code)  # noqa: B023
            assert response.status_code < 500, (method, url, params, payload, response.text[:500])  # noqa: B023
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith("application/problem+json")
                assert "Traceback" not in response.text

        call()
    successes = [op for op, codes in seen.items() if any(c < 300 for c in codes)]
    assert len(successes) >= 6, seen  # the generated calls reach the services, not only the validation


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_the_document_and_the_interactive_docs_are_served(api, path):
    assert api.http.get(path).status_code == 200
