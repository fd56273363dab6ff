"""The amoCRM adapter and client against the emulator over real HTTP on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from backend.bootstrap import Container
from backend.db.tables import PortalRow
from backend.services.portals import install_portal
from crm_mappings.amocrm.adapter import AmoCrm, ensure_fields
from crm_mappings.amocrm.client import AmoClient, exchange_code, tokens_from_grant
from crm_mappings.amocrm.hosts import AccountHosts
from crm_mappings.port import (
    CrmAuthLost,
    CrmError,
    CrmNotFound,
    CrmTask,
    CrmUnavailable,
    DealComment,
    DealUpdate,
    LeaseField,
    NewDeal,
    StageSemantics,
)
from crm_mappings.ratelimit import LeakyBucket
from crm_mappings.tokens import MemoryTokenStore, TokenStore
from sandbox.amocrm.app import create_emulator
from sandbox.amocrm.state import AmoAccount
from tests.loopback import serve


@pytest.fixture
def account() -> AmoAccount:
    return AmoAccount(rate_limit=1000)


@pytest.fixture
def base_url(account: AmoAccount) -> Iterator[str]:
    with serve(create_emulator(account)) as url:
        yield url


def _hosts(base_url: str) -> AccountHosts:
    """The emulator is the one API base, as in the sandbox."""
    return AccountHosts(("*.amocrm.ru",), sandbox_base=base_url)


def _install(account: AmoAccount, base_url: str, store: TokenStore) -> None:
    answer = exchange_code(
        base_url,
        client_id=account.client_id,
        client_secret=account.client_secret,
        redirect_uri=account.redirect_uri,
        code=account.issue_code(),
        hosts=_hosts(base_url),
    )
    store.save(tokens_from_grant(answer, datetime.now(UTC), {"base_url": base_url}))


def _client(account: AmoAccount, store: TokenStore, **kw: object) -> AmoClient:
    return AmoClient(
        store,
        client_id=account.client_id,
        client_secret=account.client_secret,
        redirect_uri=account.redirect_uri,
        hosts=_hosts(store.load().extra["base_url"]),
        limiter=LeakyBucket(burst=1, drain=1000),
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def store(account: AmoAccount, base_url: str) -> MemoryTokenStore:
    memory = MemoryTokenStore()
    _install(account, base_url, memory)
    return memory


@pytest.fixture
def crm(account: AmoAccount, store: MemoryTokenStore) -> AmoCrm:
    return AmoCrm(_client(account, store))


def test_fields_are_created_once_and_reused_on_reinstall(account: AmoAccount, crm: AmoCrm) -> None:
    first = ensure_fields(crm.client)
    again = ensure_fields(crm.client)
    assert first == again
    assert len(account.custom_fields) == len(LeaseField)
    assert account.custom_fields[first[LeaseField.INVOICE_URL]]["type"] == "url"


def test_120_lead_updates_go_out_as_three_patches(account: AmoAccount, crm: AmoCrm) -> None:
    ids = crm.field_ids
    leads = [account.add_lead(f"L{n}") for n in range(120)]
    before = len(account.calls)
    crm.update_deals(
        [DealUpdate(str(i), stage_id="10004", fields={LeaseField.DEBT: "10.00"}) for i in leads]
    )
    patches = [c for c in account.calls[before:] if c[0] == "PATCH"]
    assert len(patches) == 3
    assert all(account.leads[i]["status_id"] == 10004 for i in leads)
    assert account.field_value(leads[-1], ids[LeaseField.DEBT]) == "10.00"


def test_get_deal_reads_stage_and_our_fields(account: AmoAccount, crm: AmoCrm) -> None:
    lead = account.add_lead("Офис 5", status_id=10002)
    crm.update_deals([DealUpdate(str(lead), fields={LeaseField.LEASE_STATUS: "booked"})])
    deal = crm.get_deal(str(lead))
    assert (deal.title, deal.stage_id, deal.pipeline_id) == ("Офис 5", "10002", "7001")
    assert deal.fields[LeaseField.LEASE_STATUS] == "booked"
    with pytest.raises(CrmNotFound):
        crm.get_deal("1")


def test_get_deal_asks_for_the_contacts_and_names_company_and_contacts(
    account: AmoAccount, crm: AmoCrm
) -> None:
    lead = account.add_lead("Офис 6")
    company = account.link_company(lead, 'ООО "Василёк"')
    main = account.link_contact(lead, "Орлова Мария")
    deal = crm.get_deal(str(lead))
    assert (deal.company_id, deal.contact_ids) == (str(company), (str(main),))


def test_the_tenant_comes_from_the_company_s_legal_entity_and_the_contacts(
    account: AmoAccount, crm: AmoCrm
) -> None:
    lead = account.add_lead("Офис 7")
    account.link_company(lead, 'ООО "Василёк"', legal_entity={"name": 'ООО "Василёк"',
                         "vat_id": "7728168971", "kpp": "772801001"},
                         EMAIL="office@vasilek.example")  # fmt: skip
    account.link_contact(lead, "Сидоров", main=False, EMAIL="sidorov@vasilek.example")
    account.link_contact(lead, "Орлова", EMAIL="buh@vasilek.example")
    tenant = crm.tenant(str(lead))
    assert (tenant.name, tenant.inn, tenant.kpp) == ('ООО "Василёк"', "7728168971", "772801001")
    assert tenant.emails == (
        "office@vasilek.example", "buh@vasilek.example", "sidorov@vasilek.example",
    )  # fmt: skip


def test_a_tenant_with_plain_inn_fields_or_only_a_contact(account: AmoAccount, crm: AmoCrm) -> None:
    plain = account.add_lead("Офис 8")
    account.link_company(plain, "ИП Петров", INN="500100732259")
    person = account.add_lead("Офис 9")
    account.link_contact(person, "Петров Пётр", EMAIL="petrov@example.org")
    found = crm.tenant(str(plain))
    assert (found.name, found.inn) == ("ИП Петров", "500100732259")
    assert crm.tenant(str(person)).as_lease_json() == {
        "name": "Петров Пётр", "inn": "", "kpp": "", "emails": ["petrov@example.org"],
    }  # fmt: skip


def test_pipelines_mark_142_won_and_143_lost(crm: AmoCrm) -> None:
    stages = {s.id: s.semantics for s in crm.list_pipelines()[0].stages}
    assert stages["142"] is StageSemantics.SUCCESS
    assert stages["143"] is StageSemantics.FAILURE
    assert stages["10002"] is StageSemantics.PROCESS


def test_notes_tasks_and_new_leads_reach_the_account(account: AmoAccount, crm: AmoCrm) -> None:
    lead = account.add_lead("L")
    crm.add_comments([DealComment(str(lead), "Счёт № 7 выставлен")])
    crm.add_tasks(
        [CrmTask(str(lead), "9001", "Позвонить", "долг", datetime(2026, 3, 1, tzinfo=UTC))]
    )
    new_id = crm.create_deal(NewDeal("Счёт за март", "7001", "10005"))
    assert account.notes[0]["params"]["text"] == "Счёт № 7 выставлен"
    assert account.tasks[0]["responsible_user_id"] == 9001
    assert account.leads[int(new_id)]["status_id"] == 10005


def test_expired_access_token_is_refreshed_once_and_the_call_succeeds(
    account: AmoAccount, crm: AmoCrm, store: MemoryTokenStore
) -> None:
    old = store.load()
    account.expire_access_tokens()
    assert crm.list_pipelines()
    assert store.load().refresh_token != old.refresh_token
    assert [c[2] for c in account.calls if c[1] == "/oauth2/access_token"] == [200, 200]


def test_429_is_retried_until_it_passes() -> None:
    strict = AmoAccount(rate_limit=2)
    with serve(create_emulator(strict)) as url:
        memory = MemoryTokenStore()
        _install(strict, url, memory)
        client = _client(strict, memory, backoff=0.3)
        answers = [client.request("GET", "/api/v4/account") for _ in range(5)]
    assert all(a["subdomain"] == strict.subdomain for a in answers)
    assert any(code == 429 for _, _, code in strict.calls)


def test_unreachable_account_raises_unavailable(account: AmoAccount) -> None:
    store = MemoryTokenStore()
    with serve(create_emulator(account)) as url:
        _install(account, url, store)
    client = _client(account, store, attempts=2, sleep=lambda _s: None)
    with pytest.raises(CrmUnavailable):
        client.request("GET", "/api/v4/account")


def _db_portal(container: Container) -> int:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="amocrm", external_id="30000001")
        uow.commit()
    assert portal.id is not None
    return portal.id


def test_two_concurrent_refreshes_leave_a_working_pair(
    container: Container, account: AmoAccount, base_url: str
) -> None:
    store = container.token_store(_db_portal(container))
    _install(account, base_url, store)
    stale = store.load().access_token
    account.expire_access_tokens()
    clients = [_client(account, container.token_store(store.portal_id)) for _ in range(2)]
    errors: list[BaseException] = []

    def refresh(client: AmoClient) -> None:
        try:
            client.refresh(stale)
        except BaseException as exc:  # the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=refresh, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    grants = [c for c in account.calls if c[1] == "/oauth2/access_token"]
    assert [c[2] for c in grants] == [200, 200]  # install + exactly one refresh
    assert clients[0].request("GET", "/api/v4/account")["id"] == account.account_id


def test_a_refused_refresh_marks_the_portal_auth_lost(
    container: Container, account: AmoAccount, base_url: str
) -> None:
    portal_id = _db_portal(container)
    store = container.token_store(portal_id)
    _install(account, base_url, store)
    account.revoke_all()
    with pytest.raises(CrmAuthLost):
        _client(account, store).request("GET", "/api/v4/account")
    with container.uow.session_factory() as session:
        row = session.get(PortalRow, portal_id)
        assert row is not None
        assert row.status == "auth_lost"


def test_5xx_answers_are_retried_and_no_update_is_lost(
    account: AmoAccount, store: MemoryTokenStore
) -> None:
    crm = AmoCrm(_client(account, store, sleep=lambda _s: None))
    crm.field_ids  # noqa: B018 - fields looked up before the faults
    leads = [account.add_lead(f"L{n}") for n in range(60)]
    account.faults.extend([503, 502, 500])
    crm.update_deals([DealUpdate(str(i), stage_id="10003") for i in leads])
    assert all(account.leads[i]["status_id"] == 10003 for i in leads)
    assert [c[2] for c in account.calls if c[0] == "PATCH"] == [503, 502, 500, 200, 200]


def test_a_400_is_an_error_not_a_retry(crm: AmoCrm, account: AmoAccount) -> None:
    lead = account.add_lead("L")
    with pytest.raises(CrmError, match="400"):
        crm.update_deals([DealUpdate(str(lead), stage_id="1")])
    assert [c[2] for c in account.calls if c[0] == "PATCH"] == [400]


def test_users_are_the_active_ones_with_their_e_mails(account: AmoAccount, crm: AmoCrm) -> None:
    account.users.append({"id": 9003, "name": "Уволенный", "email": "gone@amo.example",
                          "rights": {"is_active": False}})  # fmt: skip
    users = {u.id: u for u in crm.list_users()}
    assert users["9002"].name == "Михаил Менеджеров"
    assert users["9002"].email == "manager@amo.example"
    assert "9003" not in users


def test_a_task_completes_with_its_result_and_a_gone_one_is_not_found(
    account: AmoAccount, crm: AmoCrm
) -> None:
    lead = account.add_lead("L")
    task = CrmTask(str(lead), "9001", "Заявка № 1", "Течёт кран", datetime(2026, 3, 1, tzinfo=UTC))
    task_id = crm.create_task(task)
    assert crm.start_task(task_id) is False  # amoCRM has no "in progress"
    crm.complete_task(task_id, "Кран заменён")

    assert (account.tasks[0]["is_completed"], account.tasks[0]["result"]) == (
        True, {"text": "Кран заменён"},
    )  # fmt: skip
    with pytest.raises(CrmNotFound):
        crm.complete_task("999", "Кран заменён")
