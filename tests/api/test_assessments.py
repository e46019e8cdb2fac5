"""Assessment reports over the API, tenant-isolated; a report imported from its text, with a preview."""

from __future__ import annotations

from pathlib import Path

from piaops.api.models import Scope
from piaops.assessments.models import AssessmentReport
from piaops.audittrail.models import Action, AuditEntry
from tests import factories as f
from tests.api.conftest import TokenFor
from tests.conftest import World


def test_reports_are_read_and_an_outsider_sees_none(world: World, token_for: TokenFor) -> None:
    report = AssessmentReport.objects.create(municipality=world.a, series="税", title="地方税に関する事務 全項目評価書")
    viewer = token_for(world.viewer_a)
    assert [r["title"] for r in viewer.get("/assessments/reports").json()["items"]] == [report.title]
    assert viewer.get(f"/assessments/reports/{report.pk}").json()["series"] == "税"
    assert viewer.get(f"/assessments/reports/{report.pk}/commitments").json() == {"items": [], "next_cursor": None}
    outsider = token_for(world.user_b)
    assert outsider.get("/assessments/reports").json()["items"] == []
    assert outsider.get(f"/assessments/reports/{report.pk}").status_code == 404
    assert outsider.get(f"/assessments/reports/{report.pk}/commitments").status_code == 404
    assert outsider.get(f"/assessments/reports/{report.pk}/fields").status_code == 404


def test_a_reports_fields_are_read(world: World, token_for: TokenFor) -> None:
    """Issue 18 §2/§5: Ⅰ/Ⅱ/Ⅴ/Ⅵ as structured data, for a machine as on the report page."""
    from piaops.assessments.services import report_import

    source = Path(__file__).parents[2] / "src/piaops/assessments/data/residents_registry_full.md"
    report = report_import(
        municipality=world.a, works=[f.work(world.a)], data=source.read_bytes(), filename="r.md", user=None
    )
    listed = token_for(world.viewer_a).get(f"/assessments/reports/{report.pk}/fields").json()
    assert len(listed) == report.fields.count() > 20
    subjects = next(x for x in listed if x["key"] == "subjects")
    assert (subjects["section"], subjects["label"], subjects["value"]) == ("Ⅰ", "対象人数", "30万人以上")
    assert subjects["choices"][0].startswith("1,000人未満")


REFERENCE = Path(__file__).parents[2] / "src/piaops/assessments/data/sapporo_local_tax_section_iv.md"
MY_NUMBER = "123456789018"  # published test vector (valid check digit)


def _import(work_id: int, **extra: object) -> dict[str, object]:
    return {"text": REFERENCE.read_text(encoding="utf-8"), "work_ids": [work_id], "file_name": "hyoukasho.md"} | extra


def test_a_report_is_previewed_then_imported_as_the_next_version(world: World, token_for: TokenFor) -> None:
    work = f.work(world.a)
    admin = token_for(world.admin_a)
    preview = admin.post("/assessments/reports/import", _import(work.pk, dry_run=True, published_on="2023-03-27"))
    assert preview.status_code == 200, preview.content
    plan = preview.json()
    assert (plan["version"], plan["previous_id"], plan["published_on"]) == (1, None, "2023-03-27")
    assert plan["counts"]["items"] > 0 and plan["counts"]["commitments"] > 0
    assert not AssessmentReport.objects.exists()
    saved = admin.post("/assessments/reports/import", _import(work.pk, published_on="2023-03-27"))
    assert saved.status_code == 201
    first = AssessmentReport.objects.get(pk=saved.json()["id"])
    assert (first.version, first.imported_by) == (1, world.admin_a)
    assert AuditEntry.objects.filter(action=Action.IMPORT, object_id=str(first.pk)).exists()
    commitments = admin.get(f"/assessments/reports/{first.pk}/commitments", limit=200).json()["items"]
    assert "現地監査を定期的に行う。" in {c["text"] for c in commitments}
    again = admin.post("/assessments/reports/import", _import(work.pk, dry_run=True)).json()
    assert (again["version"], again["previous_id"]) == (2, first.pk)
    assert again["changes"]["unchanged"] == plan["counts"]["commitments"]


def test_a_text_that_is_not_a_report_is_refused_in_japanese_and_nothing_is_saved(
    world: World, token_for: TokenFor
) -> None:
    work = f.work(world.a)
    admin = token_for(world.admin_a)
    minutes = admin.post("/assessments/reports/import", _import(work.pk, text="会議録\n本日は以上です。\n"))
    assert minutes.status_code == 422
    assert minutes.json()["error"]["code"] == "import_rejected" and "評価" in minutes.json()["error"]["message"]
    text = REFERENCE.read_text(encoding="utf-8").replace("札幌市で毎年実施", f"{MY_NUMBER} 札幌市で毎年実施", 1)
    line = next(n for n, s in enumerate(text.splitlines(), start=1) if MY_NUMBER in s)
    numbered = admin.post("/assessments/reports/import", _import(work.pk, text=text))
    assert numbered.status_code == 422
    detail = numbered.json()["error"]["details"][0]
    assert detail["line"] == line and f"{line}行目" in detail["message"] and "個人番号" in detail["message"]
    assert MY_NUMBER not in numbered.content.decode()
    assert not AssessmentReport.objects.exists()


def test_report_import_refuses_outsiders_read_only_personas_and_read_scope_tokens(
    world: World, token_for: TokenFor
) -> None:
    work = f.work(world.a)
    outsider = token_for(world.user_b).post("/assessments/reports/import", _import(work.pk))
    assert outsider.status_code == 404 and outsider.json()["error"]["code"] == "not_found"
    for api in (token_for(world.viewer_a), token_for(world.admin_a, Scope.READ), token_for(world.head_a)):
        response = api.post("/assessments/reports/import", _import(work.pk))
        assert response.status_code == 403
    assert not AssessmentReport.objects.exists()


def test_a_report_file_is_imported_from_base64_and_text_or_file_is_required(world: World, token_for: TokenFor) -> None:
    import base64

    from tests.assessments.report_files import docx_of, parts_of

    work = f.work(world.a)
    admin = token_for(world.admin_a)
    document = docx_of(parts_of(REFERENCE.read_text(encoding="utf-8")))
    body = {"content_base64": base64.b64encode(document).decode(), "work_ids": [work.pk], "file_name": "r.docx"}
    saved = admin.post("/assessments/reports/import", body)
    assert saved.status_code == 201, saved.content
    report = AssessmentReport.objects.get(pk=saved.json()["id"])
    assert report.source_encoding == "docx" and report.commitments.count() > 0
    neither = admin.post("/assessments/reports/import", {"work_ids": [work.pk], "file_name": "r.docx"})
    assert neither.status_code == 400 and "どちらか一方" in neither.json()["error"]["message"]
    garbage = admin.post("/assessments/reports/import", body | {"content_base64": "@@@"})
    assert garbage.status_code == 400
    assert AssessmentReport.objects.count() == 1
