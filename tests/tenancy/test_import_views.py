from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from pytest_django.fixtures import Settings

from piaops.audittrail.models import Action, AuditEntry
from piaops.tenancy.models import Person
from piaops.tenancy.people_import.staging import STAGING
from tests.conftest import World
from tests.jobs.runner import run_jobs

HEADER = "職員番号,氏名,雇用形態,所属組織コード,職名,配属開始日,特定個人情報取扱"
GOOD = f"{HEADER}\n9101,岩見沢 一,正規職員,A210,主事,2026/4/1,有\n9102,岩見沢 二,会計年度任用職員,A300,,R8.4.1,無\n"
BAD = f"{HEADER}\n9101,岩見沢 一,正規職員,A210,主事,2026/4/1,有\n9102,岩見沢 二,臨時,A999,,R8.4.31,無\n"


def staged() -> list[str]:
    """The staged uploads (folders of the default storage)."""
    try:
        return default_storage.listdir(STAGING)[0]
    except FileNotFoundError:
        return []


def confirm(client: Client, token: str) -> HttpResponse:
    """Post the confirm form, then run the background job it started (as ``piaops worker`` would)."""
    response = client.post("/tenancy/import/confirm/", {"token": token})
    run_jobs()
    return response


def upload(client: Client, text: str, name: str = "people.csv", encoding: str = "utf-8") -> str:
    response = client.post(
        "/tenancy/import/", {"people_file": SimpleUploadedFile(name, text.encode(encoding), "text/csv")}
    )
    assert response.status_code == 200
    return response.content.decode()


def token_in(body: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', body)
    assert match, "no confirm form"
    return match.group(1)


def test_the_admin_previews_then_confirms_and_sees_the_result(as_admin: Client, world: World) -> None:
    body = upload(as_admin, GOOD, encoding="cp932")

    assert "問題は見つかりませんでした" in body and "Shift_JIS" in body
    assert "氏名: 岩見沢 二、雇用形態: 会計年度任用職員、所属組織コード: A300、配属開始日: 2026-04-01" in body
    assert not Person.objects.exists()  # the preview saves nothing
    response = as_admin.post("/tenancy/import/confirm/", {"token": token_in(body)})
    assert response.status_code == 302
    queued = as_admin.get(response["Location"]).content.decode()
    assert "待機中" in queued and not Person.objects.exists()  # enqueued: the worker commits it
    run_jobs()

    job_page = as_admin.get(response["Location"]).content.decode()
    assert "完了" in job_page and "取り込みました（職員 新規 2 件" in job_page
    result_url = re.search(r'href="(/tenancy/import/result/\d+/)"', job_page)
    assert result_url, "no link to the result"
    assert "9101、9102" in as_admin.get(result_url.group(1)).content.decode()
    assert set(Person.objects.filter(municipality=world.a).values_list("staff_number", flat=True)) == {"9101", "9102"}
    entry = AuditEntry.objects.get(action=Action.IMPORT)
    assert entry.actor == world.admin_a and entry.after["files"][0]["name"] == "people.csv"
    assert staged() == []  # the staged upload is gone


def test_a_bad_file_shows_every_issue_by_line_and_offers_no_confirm(as_admin: Client) -> None:
    body = upload(as_admin, BAD)

    assert "問題が 3 件あります。何も登録していません。" in body
    rows = re.findall(r"<tr><td>people\.csv</td><td class=\"num\">(\d+)</td><td>([^<]+)</td>", body)
    assert rows == [("3", "雇用形態"), ("3", "所属組織コード"), ("3", "配属開始日")]  # in the file's column order
    assert 'name="token"' not in body and staged() == []


def test_a_my_number_is_reported_by_line_and_never_shown(as_admin: Client) -> None:
    body = upload(as_admin, f"{HEADER}\n9101,岩見沢 一,正規職員,A210,123456789018,2026/4/1,有\n")

    assert "個人番号と思われる" in body and "123456789018" not in body


def test_a_second_preview_after_someone_else_imported_the_same_file_is_refused_on_confirm(
    as_admin: Client, world: World
) -> None:
    first, second = token_in(upload(as_admin, GOOD)), token_in(upload(as_admin, GOOD))
    confirm(as_admin, first)

    response = confirm(as_admin, second)
    response = as_admin.get(response["Location"])

    assert "に取り込み済みです" in response.content.decode()
    assert Person.objects.filter(municipality=world.a).count() == 2
    assert AuditEntry.objects.filter(action=Action.IMPORT).count() == 1


def test_a_tampered_or_reused_token_saves_nothing(as_admin: Client, world: World) -> None:
    before = set(staged())  # the in-memory storage outlives a test: find this upload's folder, not another test's
    token = token_in(upload(as_admin, GOOD))
    (folder,) = set(staged()) - before
    name = f"{STAGING}/{folder}/0"
    default_storage.delete(name)
    default_storage.save(name, ContentFile(GOOD.replace("岩見沢 一", "書換 一").encode()))

    response = as_admin.post("/tenancy/import/confirm/", {"token": token}, follow=True)

    assert "もう一度アップロードしてください" in response.content.decode()
    assert as_admin.post("/tenancy/import/confirm/", {"token": token + "x"}).status_code == 302
    assert not Person.objects.exists()


def test_too_big_a_file_is_refused_with_a_reason(as_admin: Client, settings: Settings) -> None:
    settings.PIAOPS_MAX_UPLOAD_BYTES = 50

    response = as_admin.post("/tenancy/import/", {"people_file": SimpleUploadedFile("big.csv", GOOD.encode())})

    assert "「big.csv」は大きすぎます" in response.content.decode()


def test_the_example_files_can_be_downloaded(as_admin: Client) -> None:
    response = as_admin.get("/tenancy/import/example/people-example.csv")

    assert response.status_code == 200 and "職員番号" in response.content.decode("utf-8-sig")
    assert as_admin.get("/tenancy/import/example/settings.py").status_code == 404


@pytest.mark.parametrize("persona", ["as_viewer", "as_head", "as_auditor"])
def test_roles_other_than_admin_may_not_import(persona: str, request: pytest.FixtureRequest, world: World) -> None:
    client: Client = request.getfixturevalue(persona)
    admin = Client()
    admin.force_login(world.admin_a)
    token = token_in(upload(admin, GOOD))
    confirm(admin, token_in(upload(admin, GOOD)))
    entry = AuditEntry.objects.get(action=Action.IMPORT)

    assert client.get("/tenancy/import/").status_code == 403
    assert (
        client.post("/tenancy/import/", {"people_file": SimpleUploadedFile("p.csv", GOOD.encode())}).status_code == 403
    )
    assert client.post("/tenancy/import/confirm/", {"token": token}).status_code == 403
    assert client.get(f"/tenancy/import/result/{entry.pk}/").status_code == 403


def test_another_municipality_cannot_see_or_replay_an_import(
    as_admin: Client, as_outsider: Client, world: World
) -> None:
    pending = token_in(upload(as_admin, GOOD))
    confirm(as_admin, token_in(upload(as_admin, GOOD)))
    entry = AuditEntry.objects.get(action=Action.IMPORT)

    assert as_outsider.get(f"/tenancy/import/result/{entry.pk}/").status_code == 404
    assert as_outsider.post("/tenancy/import/confirm/", {"token": pending}).status_code == 404
    assert not Person.objects.filter(municipality=world.b).exists()
    assert "岩見沢" not in as_outsider.get("/tenancy/import/").content.decode()


def test_anonymous_visitors_are_sent_to_login(db: None) -> None:
    response = Client().get("/tenancy/import/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_confirmed_import_whose_files_are_gone_fails_with_the_reason_and_saves_nothing(as_admin: Client) -> None:
    response = as_admin.post("/tenancy/import/confirm/", {"token": token_in(upload(as_admin, GOOD))})
    for key in staged():  # swept (older than an hour) before a worker took the job
        default_storage.delete(f"{STAGING}/{key}/0")

    run_jobs()

    page = as_admin.get(response["Location"]).content.decode()
    assert "失敗" in page and "取り込むファイルが見つからないか" in page and 'role="alert"' in page
    assert not Person.objects.exists() and not AuditEntry.objects.filter(action=Action.IMPORT).exists()
