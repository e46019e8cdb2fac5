from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from piaops.assessments.models import AssessmentReport
from piaops.audittrail.models import Action, AuditEntry
from tests import factories as f
from tests.conftest import World

REFERENCE = Path(__file__).parents[2] / "src/piaops/assessments/data/sapporo_local_tax_section_iv.md"


def upload(client: Client, work_id: int, data: bytes, **extra: str) -> str:
    response = client.post(
        "/assessments/import/",
        {"file": SimpleUploadedFile("hyoukasho.md", data), "works": [work_id], "tier": "full", **extra},
    )
    return response.content.decode()


def test_the_admin_previews_then_saves_a_report(world: World, as_admin: Client) -> None:
    work = f.work(world.a)
    assert "評価書ファイル" in as_admin.get("/assessments/import/").content.decode()
    body = upload(as_admin, work.pk, REFERENCE.read_bytes(), published_on="2023-03-27")
    assert "まだ保存していません" in body
    assert "第1版" in body and "2023-03-27（令和5年3月27日）" in body
    assert "Ⅳ-1-② 監査" in body and "十分に行っている</td>" in body
    assert "<td>現地監査を定期的に行う。</td><td>監査</td><td>定期的に</td>" in body
    assert "未登録（記載のまま保存します）" in body
    assert not AssessmentReport.objects.exists()

    token = body.split('name="token" value="')[1].split('"')[0]
    response = as_admin.post("/assessments/import/save/", {"token": token})
    report = AssessmentReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assessments/{report.pk}/"
    assert (report.version, str(report.published_on), report.imported_by) == (1, "2023-03-27", world.admin_a)
    assert AuditEntry.objects.filter(action=Action.IMPORT, object_id=str(report.pk)).exists()
    page = as_admin.get(response["Location"]).content.decode()
    assert "2028-03-27（令和10年3月27日）" in page
    assert "現地監査を定期的に行う。" in page


def test_saving_twice_from_one_preview_saves_once(world: World, as_admin: Client) -> None:
    work = f.work(world.a)
    body = upload(as_admin, work.pk, REFERENCE.read_bytes())
    token = body.split('name="token" value="')[1].split('"')[0]
    as_admin.post("/assessments/import/save/", {"token": token})
    again = as_admin.post("/assessments/import/save/", {"token": token}, follow=True)
    assert "確認中の取込が見つかりません" in again.content.decode()
    assert AssessmentReport.objects.count() == 1


def test_a_file_that_is_not_a_report_gets_a_japanese_error_and_nothing_is_kept(world: World, as_admin: Client) -> None:
    work = f.work(world.a)
    body = upload(as_admin, work.pk, "会議録\n本日は以上です。\n".encode())
    assert 'role="alert"' in body and "評価書" in body
    assert "assessments_upload" not in as_admin.session
    assert not AssessmentReport.objects.exists()


def test_the_preview_shows_warnings_with_line_numbers(world: World, as_admin: Client) -> None:
    work = f.work(world.a)
    text = REFERENCE.read_text(encoding="utf-8").replace(
        "| ②監査 | <p>[十分に行っている]", "| ②監査 | <p>[十分にやっている]"
    )
    body = upload(as_admin, work.pk, text.encode())
    assert "警告" in body and "9行目" in body


def test_a_work_of_another_municipality_cannot_be_chosen(world: World, as_admin: Client) -> None:
    other = f.work(world.b)
    body = upload(as_admin, other.pk, REFERENCE.read_bytes())
    assert 'class="error-summary"' in body and 'id="id_works_error"' in body and not AssessmentReport.objects.exists()


def test_a_my_number_in_the_upload_is_refused_without_echoing_it(world: World, as_admin: Client) -> None:
    work = f.work(world.a)
    text = REFERENCE.read_text(encoding="utf-8").replace(
        "現地監査を定期的に行う。", "現地監査を定期的に行う(548836529885)。"
    )
    body = upload(as_admin, work.pk, text.encode())
    assert "10行目に個人番号と思われる12桁の数字があります" in body and "548836529885" not in body
    assert not AssessmentReport.objects.exists() and "assessments_upload" not in as_admin.session


def test_the_upload_page_says_when_no_work_is_registered(world: World, as_admin: Client) -> None:
    body = as_admin.get("/assessments/import/").content.decode()
    assert "個人番号利用事務がまだ登録されていません" in body
    f.work(world.a)
    assert "まだ登録されていません" not in as_admin.get("/assessments/import/").content.decode()
