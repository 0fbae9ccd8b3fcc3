"""The system interface end to end over HTTP: keys and scopes, catalog search and compilation with located
problems, aggregation registrations and idempotent event pushes, sharing reads, open data without a key, KPIs,
problem documents in the client's language, and the audit trail naming the client."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from models import AuditEvent, CatalogEntry
from models.aggregation import DataUpdate
from services.administration import api_clients
from services.core.db import read_session
from services.core.timeutil import local_date
from tests.services.catalog_fixtures import published_entry

V1 = "/api/v1"


def _events(client_id: int | None = None) -> list[AuditEvent]:
    with read_session() as session:
        return list(session.exec(select(AuditEvent).order_by(AuditEvent.seq)).all())


def test_a_call_without_a_key_or_with_a_wrong_one_is_401_as_a_problem_document(api):
    for headers in ({}, {"Authorization": "Bearer gdh_not-a-key"}, {"Authorization": "Basic eDp5"}):
        response = api.http.get(f"{V1}/catalog/entries", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == 401 and body["title"] and "Traceback" not in response.text


def test_a_revoked_key_is_refused_at_the_next_call_and_a_rotated_one_too(api):
    assert api.http.get(f"{V1}/catalog/entries", headers=api.auth()).status_code == 200
    new_key = api_clients.rotate_key(api.world["sysadmin"], api.client_id)
    assert api.http.get(f"{V1}/catalog/entries", headers=api.auth()).status_code == 401
    assert api.http.get(f"{V1}/catalog/entries", headers=api.auth(new_key)).status_code == 200
    api_clients.revoke_client(api.world["sysadmin"], api.client_id)
    assert api.http.get(f"{V1}/catalog/entries", headers=api.auth(new_key)).status_code == 401


def test_a_scope_the_key_lacks_is_403(api):
    response = api.http.get(f"{V1}/kpi", headers=api.auth())  # the police client has no kpi:read
    assert response.status_code == 403
    response = api.http.post(f"{V1}/aggregation/events", headers=api.auth(api.kpi_key),
                             json={"event_id": "e1", "resource_code": "X", "updated_at": "2025-01-01",
                                   "record_count": 1})
    assert response.status_code == 403


def test_search_and_read_the_published_catalog(api):
    entry_id = published_entry(api.world, "civil", name="婚姻登记信息")
    response = api.http.get(f"{V1}/catalog/entries", params={"q": "婚姻"}, headers=api.auth())
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1 and body["entries"][0]["id"] == entry_id
    one = api.http.get(f"{V1}/catalog/entries/{entry_id}", headers=api.auth()).json()
    assert one["name"] == "婚姻登记信息" and [i["name"] for i in one["data_items"]] == ["公民身份号码", "姓名", "住址"]
    assert api.http.get(f"{V1}/catalog/entries/999999", headers=api.auth()).status_code == 404


def _record(code: str, **overrides) -> dict:
    record = {"resource_code": code, "name": "出入境证件信息", "summary": "出入境证件的签发信息",
              "classification": "department", "resource_format": "database", "share_type": "unconditional",
              "share_method": "interface", "share_scope": "全市政务部门", "open_attribute": "not_open",
              "restriction_basis": "《中华人民共和国个人信息保护法》第三十四条", "update_frequency": "daily",
              "security_level": "internal",
              "data_items": [{"name": "证件号码", "data_type": "string", "length": 18, "is_source": True},
                             {"name": "签发日期", "data_type": "date"}]}
    record.update(overrides)
    return record


def test_entries_are_written_all_or_nothing_with_problems_located_by_entry_and_field(api):
    bad = api.http.post(f"{V1}/catalog/entries", headers=api.auth(language="en"), json={"entries": [
        _record("API-0001"),
        _record("API-0002", share_type="no-such-type",
                data_items=[{"name": "证件号码", "data_type": "blob"}])]})
    assert bad.status_code == 422
    problem = bad.json()
    pointers = {e["pointer"] for e in problem["errors"]}
    assert "/entries/1/share_type" in pointers and "/entries/1/data_items/0/data_type" in pointers
    assert all(e["entry"] == 1 for e in problem["errors"])
    assert problem["detail"].endswith("nothing was written.")  # English, as asked
    with read_session() as session:
        assert session.exec(select(CatalogEntry).where(CatalogEntry.resource_code == "API-0001")).first() is None

    good = api.http.post(f"{V1}/catalog/entries", headers=api.auth(),
                         json={"entries": [_record("API-0001"), _record("API-0002")], "submit": True})
    assert good.status_code == 200, good.text
    assert good.json()["created"] == 2 and good.json()["submitted"] == 2
    with read_session() as session:
        rows = session.exec(select(CatalogEntry).where(CatalogEntry.resource_code.in_(["API-0001", "API-0002"]))).all()
    assert {r.status for r in rows} == {"submitted"}
    assert {r.provider_unit_id for r in rows} == {api.world.units["police"]}  # defaults to the client's unit
    audit = [e for e in _events() if e.action == "catalog.import"]
    assert audit[-1].username == "api:公安局数据前置机" and audit[-1].result == "success"


def test_another_units_entry_is_refused(api):
    from services.administration import orgs

    unit_code = orgs.get_unit(api.world.units["civil"]).uscc
    response = api.http.post(f"{V1}/catalog/entries", headers=api.auth(),
                             json={"entries": [_record("API-0003", provider_uscc=unit_code)]})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["pointer"] == "/entries/0/provider_uscc" and error["resource_code"] == "API-0003"
    assert "own unit" in error["detail"] or "本单位" in error["detail"] or error["detail"]


def _mounted(api) -> tuple[int, str]:
    entry_id = published_entry(api.world, "police", name="机动车登记信息")
    response = api.http.put(f"{V1}/aggregation/registrations/{entry_id}", headers=api.auth(),
                            json={"mode": "database_push", "source_system": "交管前置机", "expected_records": 100})
    assert response.status_code == 200, response.text
    with read_session() as session:
        code = session.get(CatalogEntry, entry_id).resource_code
    return entry_id, code


def test_registration_and_a_stale_version_is_409(api):
    entry_id, _code = _mounted(api)
    rows = api.http.get(f"{V1}/aggregation/registrations", headers=api.auth()).json()
    row = next(r for r in rows if r["entry_id"] == entry_id)
    assert row["state"] == "active" and row["version"] == 1
    ok = api.http.put(f"{V1}/aggregation/registrations/{entry_id}", headers=api.auth(),
                      json={"mode": "file_upload", "source_system": "文件交换", "version": 1})
    assert ok.status_code == 200
    stale = api.http.put(f"{V1}/aggregation/registrations/{entry_id}", headers=api.auth(),
                         json={"mode": "file_upload", "source_system": "文件交换", "version": 1})
    assert stale.status_code == 409 and stale.json()["status"] == 409
    invalid = api.http.put(f"{V1}/aggregation/registrations/{entry_id}", headers=api.auth(),
                           json={"mode": "carrier-pigeon"})
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["pointer"] == "/mode"


def test_a_retried_push_never_counts_twice(api):
    entry_id, code = _mounted(api)
    today = local_date()
    events = [{"event_id": f"ev-{n}", "resource_code": code, "updated_at": (today - timedelta(days=n)).isoformat(),
               "record_count": 100 + n, "added": n} for n in range(3)]
    first = api.http.post(f"{V1}/aggregation/events/batch", headers=api.auth(), json={"events": events})
    assert first.status_code == 200, first.text
    assert first.json() == {"received": 3, "written": 3, "duplicates": 0, "entries": 1}
    again = api.http.post(f"{V1}/aggregation/events/batch", headers=api.auth(),
                          json={"events": events + [{**events[0], "event_id": "ev-9"}]})
    assert again.json() == {"received": 4, "written": 1, "duplicates": 3, "entries": 1}
    single = api.http.post(f"{V1}/aggregation/events", headers=api.auth(), json=events[1])
    assert single.json()["duplicates"] == 1 and single.json()["written"] == 0
    with read_session() as session:
        rows = session.exec(select(DataUpdate).where(DataUpdate.entry_id == entry_id)).all()
        entry = session.get(CatalogEntry, entry_id)
    assert len(rows) == 4 and {r.client_id for r in rows} == {api.client_id}
    assert entry.data_updated_at is not None and local_date(entry.data_updated_at) == today
    pushes = [e for e in _events() if e.action == "aggregation.push_updates"]
    assert len(pushes) == 3 and pushes[0].username == "api:公安局数据前置机"


def test_a_batch_with_one_bad_event_writes_nothing_and_says_which(api):
    _entry_id, code = _mounted(api)
    future = (local_date() + timedelta(days=3)).isoformat()
    response = api.http.post(f"{V1}/aggregation/events/batch", headers=api.auth(), json={"events": [
        {"event_id": "a", "resource_code": code, "updated_at": local_date().isoformat(), "record_count": 5},
        {"event_id": "b", "resource_code": code, "updated_at": future, "record_count": 5},
        {"event_id": "c", "resource_code": "NOPE", "updated_at": local_date().isoformat(), "record_count": 5}]})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["event"], e["pointer"]) for e in errors] == [(1, "/events/1/updated_at"), (2, "/events/2/resource_code")]
    assert response.json()["title"] == "输入的内容无效。" or response.json()["title"]
    with read_session() as session:
        assert session.exec(select(DataUpdate)).first() is None


def test_open_data_needs_no_key_and_an_unknown_code_is_404(api):
    response = api.http.get(f"{V1}/open/catalog")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.json()["@type"] == "dcat:Catalog"
    missing = api.http.get(f"{V1}/open/requests/NOSUCHCODE", headers={"Accept-Language": "en"})
    assert missing.status_code == 404 and missing.json()["detail"] == "The record does not exist or was removed."


def test_kpis_for_a_period_match_the_cli_bundle(api):
    from services import kpi
    from services.kpi import cli as kpi_cli

    today = local_date()
    response = api.http.get(f"{V1}/kpi", params={"from": today.replace(day=1).isoformat(), "to": today.isoformat()},
                            headers=api.auth(api.kpi_key))
    assert response.status_code == 200, response.text
    period = kpi_cli.parse_period(today.replace(day=1).isoformat(), today.isoformat())
    expected = kpi_cli.as_json(kpi.compute(kpi_cli.CLI_ACTOR, period), period)
    assert set(response.json()) == set(expected)
    bad = api.http.get(f"{V1}/kpi", params={"region": "000000"}, headers=api.auth(api.kpi_key))
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/region"


def test_sharing_reads_the_units_grants_and_refuses_anothers_request(api):
    response = api.http.get(f"{V1}/sharing/grants", headers=api.auth())
    assert response.status_code == 200 and response.json() == []
    assert api.http.get(f"{V1}/sharing/requests/12345", headers=api.auth()).status_code == 404


def test_problem_documents_follow_accept_language(api):
    zh = api.http.get(f"{V1}/catalog/entries", params={"page": 0}, headers=api.auth())
    en = api.http.get(f"{V1}/catalog/entries", params={"page": 0}, headers=api.auth(language="en-US,en;q=0.9"))
    assert zh.status_code == en.status_code == 422
    assert zh.json()["title"] != en.json()["title"]
    assert en.json()["title"] == "The input is not valid."
    assert en.json()["errors"][0]["pointer"] == "query:page"
    broken = api.http.post(f"{V1}/aggregation/events", headers={**api.auth(), "Content-Type": "application/json"},
                           content=b"{not json")
    assert broken.status_code == 400


def test_an_unexpected_error_is_a_generic_500_with_an_incident_id(api, monkeypatch, caplog):
    from services import catalog

    def crash(*_a, **_k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(catalog, "search_published", crash)
    response = api.http.get(f"{V1}/catalog/entries", headers=api.auth())
    assert response.status_code == 500
    body = response.json()
    assert body["incident"] and "secret internals" not in response.text and "Traceback" not in response.text
    assert any(body["incident"] in r.getMessage() for r in caplog.records)


def test_the_rate_limit_answers_429_with_retry_after(api):
    from services.administration.api_clients import ClientInput

    _id, key = api_clients.register_client(api.world["sysadmin"], ClientInput(
        "限流测试", api.world.units["civil"], ["catalog:read"], rate_limit=2))
    codes = [api.http.get(f"{V1}/catalog/entries", headers=api.auth(key)).status_code for _ in range(5)]
    assert codes[0] == 200 and 429 in codes  # (five calls: a minute boundary in between cannot hide the limit)
    limited = api.http.get(f"{V1}/catalog/entries", headers=api.auth(key, "en"))
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["detail"].startswith("Too many calls with this key")


def test_a_change_with_a_stale_version_is_409_and_writes_nothing(api):
    created = api.http.post(f"{V1}/catalog/entries", headers=api.auth(), json={"entries": [_record("API-0100")]})
    assert created.status_code == 200, created.text
    with read_session() as session:
        entry = session.exec(select(CatalogEntry).where(CatalogEntry.resource_code == "API-0100")).one()
    seen = api.http.get(f"{V1}/catalog/entries/{entry.id}", headers=api.auth()).json()["version"]
    changed = api.http.post(f"{V1}/catalog/entries", headers=api.auth(),
                            json={"entries": [_record("API-0100", name="出入境证件签发信息", version=seen)]})
    assert changed.status_code == 200 and changed.json()["updated"] == 1
    stale = api.http.post(f"{V1}/catalog/entries", headers=api.auth(language="en"),
                          json={"entries": [_record("API-0100", name="又一次修改", version=seen)]})
    assert stale.status_code == 409 and stale.json()["title"] == "The record was changed by someone else."
    with read_session() as session:
        assert session.get(CatalogEntry, entry.id).name == "出入境证件签发信息"


def test_open_data_is_rate_limited_per_client_address_in_the_database(api, monkeypatch):
    from models.api import ApiAddressWindow
    from services.core.settings import get_settings

    monkeypatch.setattr(get_settings(), "api_public_rate_limit", 3)
    codes = [api.http.get(f"{V1}/open/requests/GUESS{i:04d}").status_code for i in range(8)]
    assert codes[0] == 404 and 429 in codes  # (eight calls: a minute boundary in between cannot hide the limit)
    limited = api.http.get(f"{V1}/open/catalog", headers={"Accept-Language": "en"})
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["detail"].startswith("Too many calls from your address")
    with read_session() as session:  # counted in the database (every server process sees it), never the address
        rows = session.exec(select(ApiAddressWindow)).all()
        assert rows and sum(r.calls for r in rows) == 9 and all("testclient" not in r.client_hash for r in rows)
    # another address has its own count; keyed endpoints are not counted here
    api_clients.count_anonymous("198.51.100.7")
    assert api.http.get(f"{V1}/catalog/entries", headers=api.auth()).status_code == 200


def test_a_refused_scope_is_audited_as_denied_under_the_client_and_a_bad_key_is_not(api):
    before = len(_events())
    assert api.http.get(f"{V1}/kpi", headers=api.auth()).status_code == 403
    assert api.http.get(f"{V1}/kpi", headers={"Authorization": "Bearer gdh_not-a-key"}).status_code == 401
    new = _events()[before:]
    assert [(e.action, e.result, e.username) for e in new] == [("api.scope", "denied", "api:公安局数据前置机")]
    assert "kpi:read" in new[0].detail and "/api/v1/kpi" in new[0].detail
