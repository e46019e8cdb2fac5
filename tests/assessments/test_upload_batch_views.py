"""The web import takes several report files at once, each matched to its work, with the same preview (§3)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from piaops.assessments.models import AssessmentReport
from piaops.audittrail.models import Action, AuditEntry
from tests import factories as f
from tests.assessments.report_files import docx_of, parts_of, pdf_of
from tests.assessments.test_import_dir import report_text
from tests.conftest import World


def test_several_files_are_previewed_each_with_its_commitments_then_saved(world: World, as_admin: Client) -> None:
    tax = f.work(world.a, "地方税賦課徴収事務")
    f.work(world.b, "国民健康保険に関する事務")  # another municipality's work never matches
    files = [
        SimpleUploadedFile("tax.pdf", pdf_of(parts_of(report_text("地方税の賦課徴収に関する事務")))),
        SimpleUploadedFile("kokuho.docx", docx_of(parts_of(report_text("国民健康保険に関する事務")))),
        SimpleUploadedFile("minutes.txt", "会議録\n本日は以上です。\n".encode()),
    ]
    assert "複数選択できます" in as_admin.get("/assessments/import/batch/").content.decode()
    body = as_admin.post("/assessments/import/batch/", {"reports": files}).content.decode()
    assert "まだ保存していません" in body
    assert "取込予定（確認のみ）" in body and "事務が未登録" in body and "取り込めない" in body
    assert "事務「国民健康保険に関する事務」が登録されていません" in body
    # The preview of the single import, per file: every commitment with party, kind and cadence.
    assert "<td>現地監査を定期的に行う。</td><td>監査</td><td>定期的に</td>" in body
    assert not AssessmentReport.objects.exists()

    token = body.split('name="token" value="')[1].split('"')[0]
    saved = as_admin.post("/assessments/import/batch/save/", {"token": token}).content.decode()
    report = AssessmentReport.objects.get()
    assert (report.source_name, list(report.works.all()), report.imported_by) == ("tax.pdf", [tax], world.admin_a)
    assert "取込済" in saved and f"/assessments/{report.pk}/" in saved
    assert AuditEntry.objects.filter(action=Action.IMPORT, object_id=str(report.pk)).exists()
    again = as_admin.post("/assessments/import/batch/save/", {"token": token}, follow=True).content.decode()
    assert "確認中の取込が見つかりません" in again and AssessmentReport.objects.count() == 1


def test_nothing_to_save_is_said_and_no_form_offered(world: World, as_admin: Client) -> None:
    unknown = SimpleUploadedFile("kokuho.docx", docx_of(parts_of(report_text("国民健康保険に関する事務"))))
    body = as_admin.post("/assessments/import/batch/", {"reports": [unknown]}).content.decode()
    assert "保存できるファイルがありません" in body and "upload_batch_save" not in body
    assert 'action="/assessments/import/batch/save/"' not in body


def test_an_admin_of_another_municipality_never_reaches_our_works(world: World, as_outsider: Client) -> None:
    f.work(world.a, "地方税賦課徴収事務")
    tax = SimpleUploadedFile("tax.docx", docx_of(parts_of(report_text("地方税の賦課徴収に関する事務"))))
    body = as_outsider.post("/assessments/import/batch/", {"reports": [tax]}).content.decode()
    assert "事務が未登録" in body and "保存できるファイルがありません" in body
    assert not AssessmentReport.objects.exists()


@pytest.mark.parametrize("persona", ["as_viewer", "as_auditor", "as_head"])
def test_read_only_roles_cannot_import(request: pytest.FixtureRequest, persona: str) -> None:
    client: Client = request.getfixturevalue(persona)
    assert client.get("/assessments/import/batch/").status_code == 403
    assert client.post("/assessments/import/batch/save/", {"token": "x"}).status_code == 403
