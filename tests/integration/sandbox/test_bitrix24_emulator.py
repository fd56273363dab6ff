"""The emulated portal answers with Bitrix24's shapes over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from sandbox.bitrix24.app import create_emulator
from sandbox.bitrix24.state import LeakyBucket, PortalState
from tests.loopback import serve


@pytest.fixture
def portal() -> PortalState:
    return PortalState(bucket=LeakyBucket(burst=5, drain=0.0001))


@pytest.fixture
def url(portal: PortalState) -> Iterator[str]:
    with serve(create_emulator(portal)) as base:
        yield f"{base}/"


def _call(url: str, method: str, **params: object) -> requests.Response:
    return requests.post(f"{url}rest/{method}", json=params, timeout=10)


def test_calls_beyond_the_burst_get_503_query_limit_exceeded(portal: PortalState, url: str) -> None:
    token = portal.issue_tokens()["access_token"]
    answers = [_call(url, "profile", auth=token) for _ in range(6)]

    assert [a.status_code for a in answers] == [200] * 5 + [503]
    assert answers[-1].json()["error"] == "QUERY_LIMIT_EXCEEDED"


def test_a_limited_stretch_refuses_every_call_then_ends() -> None:
    portal = PortalState()
    with serve(create_emulator(portal)) as base:
        token = portal.issue_tokens()["access_token"]
        requests.post(f"{base}/_portal/control", json={"limit_for": 0.5, "limit_after": 1},
                      timeout=10)  # fmt: skip
        first, refused = (_call(f"{base}/", "profile", auth=token) for _ in range(2))
        time.sleep(0.6)
        after = _call(f"{base}/", "profile", auth=token)

    assert first.status_code == 200
    assert refused.status_code == 503
    # b24restdocs _includes/system-errors.md: 503 QUERY_LIMIT_EXCEEDED "Too many requests"
    assert refused.json() == {
        "error": "QUERY_LIMIT_EXCEEDED",
        "error_description": "Too many requests",
    }
    assert after.status_code == 200
    assert portal.limited == 1


def test_an_expired_token_gets_401_expired_token(portal: PortalState, url: str) -> None:
    token = portal.issue_tokens()["access_token"]
    portal.expire_access_tokens()

    answer = _call(url, "profile", auth=token)

    assert answer.status_code == 401
    assert answer.json()["error"] == "expired_token"


def test_a_call_without_auth_gets_401_no_auth_found(url: str) -> None:
    answer = _call(url, "profile")
    assert (answer.status_code, answer.json()["error"]) == (401, "NO_AUTH_FOUND")


def test_the_refresh_rotates_and_the_old_refresh_token_dies(portal: PortalState, url: str) -> None:
    old = portal.issue_tokens()["refresh_token"]
    query = {"grant_type": "refresh_token", "client_id": portal.client_id,
             "client_secret": portal.client_secret, "refresh_token": old}  # fmt: skip

    first = requests.get(f"{url}oauth/token/", params=query, timeout=10)
    again = requests.get(f"{url}oauth/token/", params=query, timeout=10)

    assert first.status_code == 200
    assert first.json()["refresh_token"] != old
    assert first.json()["member_id"] == portal.member_id
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_batch_with_halt_stops_at_the_first_error(portal: PortalState, url: str) -> None:
    token = portal.issue_tokens()["access_token"]
    cmd = {"a": "crm.item.get?entityTypeId=2&id=1", "b": "profile"}

    halted = _call(url, "batch", auth=token, halt=1, cmd=cmd).json()["result"]
    full = _call(url, "batch", auth=token, halt=0, cmd=cmd).json()["result"]

    assert halted["result"] == []
    assert halted["result_error"]["a"]["error"] == "NOT_FOUND"
    assert full["result"]["b"]["ID"] == "1"


def test_batch_refuses_more_than_50_commands(portal: PortalState, url: str) -> None:
    token = portal.issue_tokens()["access_token"]
    cmd = {f"c{i}": "profile" for i in range(51)}

    answer = _call(url, "batch", auth=token, cmd=cmd)

    assert (answer.status_code, answer.json()["error"]) == (400, "ERROR_BATCH_LENGTH_EXCEEDED")


def test_batch_commands_can_use_earlier_results(portal: PortalState, url: str) -> None:
    token = portal.issue_tokens()["access_token"]
    cmd = {
        "new": "crm.item.add?entityTypeId=2&fields[title]=Первая",
        "read": "crm.item.get?entityTypeId=2&id=$result[new][item][id]",
    }

    answer = _call(url, "batch", auth=token, cmd=cmd).json()["result"]

    assert answer["result"]["read"]["item"]["title"] == "Первая"


def test_lists_page_by_50_with_total_and_next(portal: PortalState, url: str) -> None:
    token = portal.issue_tokens()["access_token"]
    for _ in range(60):
        portal.add_deal({})

    first = _call(url, "crm.item.list", auth=token, entityTypeId=2).json()
    last = _call(url, "crm.item.list", auth=token, entityTypeId=2, start=50).json()

    assert (len(first["result"]["items"]), first["total"], first["next"]) == (50, 60, 50)
    assert len(last["result"]["items"]) == 10
    assert "next" not in last


def test_an_app_closes_a_task_with_a_pinned_comment_and_the_portal_tells_it_after(
    portal: PortalState, url: str
) -> None:
    """b24restdocs tasks/comment-item/task-comment-item-add, result/tasks-task-result-add-from-
    comment, status/tasks-task-complete and -start (400 error "0" "Action on the task is not
    allowed" for a task gone or in no state for the action), events-tasks/on-task-update."""
    from flask import Flask, request

    events: list[dict[str, str]] = []
    hook = Flask("rentflow")

    @hook.post("/events")
    def received() -> str:
        events.append(request.form.to_dict())
        return "ok"

    portal.bucket = LeakyBucket(burst=50, drain=50)
    with serve(hook) as app_url:
        portal.app_url, portal.installed = app_url, True
        token = portal.issue_tokens()["access_token"]
        _call(url, "event.bind", auth=token, event="ONTASKUPDATE", handler=f"{app_url}/events")
        added = _call(url, "tasks.task.add", auth=token,
                      fields={"TITLE": "Заявка № 1", "RESPONSIBLE_ID": "7"})  # fmt: skip
        task_id = added.json()["result"]["task"]["id"]
        comment = _call(url, "task.commentitem.add", auth=token, TASKID=task_id,
                        FIELDS={"POST_MESSAGE": "Кран заменён"})  # fmt: skip
        pinned = _call(url, "tasks.task.result.addFromComment", auth=token,
                       commentId=comment.json()["result"])  # fmt: skip
        twice = _call(url, "tasks.task.result.addFromComment", auth=token,
                      commentId=comment.json()["result"])  # fmt: skip
        assert events == []  # a comment is no task update here
        done = _call(url, "tasks.task.complete", auth=token, taskId=task_id)
        delivered = list(events)
        again = _call(url, "tasks.task.complete", auth=token, taskId=task_id)
        start_closed = _call(url, "tasks.task.start", auth=token, taskId=task_id)
        gone = _call(url, "tasks.task.complete", auth=token, taskId=999)
        no_comment = _call(url, "task.commentitem.add", auth=token, TASKID=999,
                           FIELDS={"POST_MESSAGE": "x"})  # fmt: skip
        results = _call(url, "tasks.task.result.list", auth=token, taskId=task_id)

    assert isinstance(comment.json()["result"], int)
    assert pinned.json()["result"]["text"] == "Кран заменён"
    assert twice.json() == {"error": "0", "error_description": "Result already exists."}
    assert done.json()["result"]["task"]["status"] == "5"
    assert [(e["event"], e["data[FIELDS_AFTER][ID]"]) for e in delivered] == [
        ("ONTASKUPDATE", task_id)
    ]
    not_allowed = {"error": "0", "error_description": "Action on the task is not allowed"}
    for refused in (again, start_closed, gone):
        assert (refused.status_code, refused.json()) == (400, not_allowed)
    assert no_comment.status_code == 400
    assert no_comment.json()["error"] == "ERROR_CORE"
    assert [(r["text"], r["status"]) for r in results.json()["result"]] == [("Кран заменён", 1)]
    page = requests.get(f"{url}_portal/tasks", timeout=10).text
    assert f'<li class="task done" data-id="{task_id}">' in page
    assert "✔ Кран заменён" in page
