"""Fixtures of the interface tests: the app under FastAPI's TestClient over the `world` of tests/factories.py,
with a registered client system of the police bureau (every unit scope) and one of the data bureau (KPIs)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from api.app import app
from models.api import ApiScope
from services.administration import api_clients
from services.administration.api_clients import ClientInput

UNIT_SCOPES = [ApiScope.CATALOG_READ, ApiScope.CATALOG_WRITE, ApiScope.AGGREGATION_WRITE, ApiScope.SHARING_READ]


@dataclass
class Api:
    http: TestClient
    world: object
    client_id: int
    key: str
    kpi_key: str

    def auth(self, key: str | None = None, language: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {key or self.key}"}
        if language:
            headers["Accept-Language"] = language
        return headers


@pytest.fixture
def api(world):
    client_id, key = api_clients.register_client(
        world["sysadmin"], ClientInput("公安局数据前置机", world.units["police"], [str(s) for s in UNIT_SCOPES]))
    _kpi_id, kpi_key = api_clients.register_client(
        world["sysadmin"], ClientInput("领导驾驶舱大屏", world.units["bureau"], ["kpi:read", "catalog:read"]))
    with TestClient(app, raise_server_exceptions=False) as http:
        yield Api(http, world, client_id, key, kpi_key)
