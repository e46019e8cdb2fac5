from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from piaops.assessments.models import AssessmentReport, Commitment
from piaops.audittrail.models import Action, AuditEntry
from tests import factories as f
from tests.assessments import builders as b
from tests.conftest import World


@pytest.fixture
def versions(world: World) -> tuple[AssessmentReport, AssessmentReport]:
    work = f.work(world.a)
    v1 = b.save(world.a, [work], b.reference())
    v2 = b.save(world.a, [work], b.reference(audit_rating="特に力を入れて行っている", audit_texts=(b.AUDIT_ALL,)))
    v1.refresh_from_db()
    return v1, v2


READ_PAGES = ["detail", "diff"]


@pytest.mark.parametrize("page", READ_PAGES)
@pytest.mark.parametrize("persona", ["as_admin", "as_head", "as_auditor", "as_viewer"])
def test_every_role_of_the_municipality_reads_report_pages(
    request: pytest.FixtureRequest, versions: tuple[AssessmentReport, AssessmentReport], page: str, persona: str
) -> None:
    client: Client = request.getfixturevalue(persona)
    response = client.get(f"/assessments/{versions[1].pk}/" + ("" if page == "detail" else "diff/"))
    assert response.status_code == 200
    assert "地方税賦課徴収事務 全項目評価書" in response.content.decode()


@pytest.mark.parametrize("suffix", ["", "diff/", "export/json/", "export/xlsx/"])
def test_an_outsider_gets_404_for_report_pages(
    as_outsider: Client, versions: tuple[AssessmentReport, AssessmentReport], suffix: str
) -> None:
    assert as_outsider.get(f"/assessments/{versions[1].pk}/{suffix}").status_code == 404


def test_the_index_lists_versions_per_work_and_nothing_for_outsiders(
    as_viewer: Client, as_outsider: Client, versions: tuple[AssessmentReport, AssessmentReport]
) -> None:
    body = as_viewer.get("/assessments/").content.decode()
    assert "地方税賦課徴収事務" in body and "第2版" in body and "第1版" in body and "旧版" in body
    assert "評価書を取り込む" not in body
    outsider = as_outsider.get("/assessments/").content.decode()
    assert "地方税賦課徴収事務" not in outsider and "取り込まれた評価書はまだありません" in outsider


def test_the_tree_shows_ratings_commitments_marks_and_the_reassessment_date(
    as_admin: Client, versions: tuple[AssessmentReport, AssessmentReport]
) -> None:
    body = as_admin.get(f"/assessments/{versions[1].pk}/").content.decode()
    assert "[特に力を入れて行っている]" in body
    assert b.AUDIT_ALL in body and b.AUDIT_ONSITE not in body
    assert "変更なし" in body
    assert "2028-03-01（令和10年3月1日）" in body
    assert "約束一覧（Excel）を出力" in body


def test_the_diff_page_shows_the_rating_change_and_the_removed_promise(
    as_viewer: Client, versions: tuple[AssessmentReport, AssessmentReport]
) -> None:
    body = as_viewer.get(f"/assessments/{versions[1].pk}/diff/").content.decode()
    assert "第1版 → 第2版" in body
    assert "<del>十分に行っている</del> → <ins>特に力を入れて行っている</ins>" in body
    assert "削除" in body and b.AUDIT_ONSITE in body


def test_the_diff_page_refuses_a_version_of_another_municipality(
    world: World, as_admin: Client, versions: tuple[AssessmentReport, AssessmentReport]
) -> None:
    other = b.save(world.b, [f.work(world.b)], b.reference())
    assert as_admin.get(f"/assessments/{versions[1].pk}/diff/?against={other.pk}").status_code == 404


@pytest.mark.parametrize("persona", ["as_viewer", "as_auditor", "as_head"])
def test_read_only_roles_cannot_export_or_write(
    request: pytest.FixtureRequest, versions: tuple[AssessmentReport, AssessmentReport], persona: str
) -> None:
    client: Client = request.getfixturevalue(persona)
    c = versions[1].commitments.first()
    assert c is not None
    item = c.item_id
    assert client.get(f"/assessments/{versions[1].pk}/export/xlsx/").status_code == 403
    assert client.get("/assessments/import/").status_code == 403
    assert client.post("/assessments/import/save/", {"token": "x"}).status_code == 403
    assert client.post(f"/assessments/commitments/{c.pk}/edit/", {"text": "x", "kind": "other"}).status_code == 403
    assert client.post(f"/assessments/commitments/{c.pk}/split/", {"texts": "a\nb"}).status_code == 403
    assert client.post(f"/assessments/items/{item}/merge/", {}).status_code == 403
    c.refresh_from_db()
    assert not c.refined
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()


def test_an_outsider_cannot_reach_commitments(
    as_outsider: Client, versions: tuple[AssessmentReport, AssessmentReport]
) -> None:
    c = versions[1].commitments.first()
    assert c is not None
    assert as_outsider.get(f"/assessments/commitments/{c.pk}/edit/").status_code == 404
    assert as_outsider.post(f"/assessments/commitments/{c.pk}/split/", {"texts": "a\nb"}).status_code == 404
    assert as_outsider.post(f"/assessments/items/{c.item_id}/merge/", {}).status_code == 404


def test_the_admin_edits_a_commitment_and_sets_its_owner(
    world: World, as_admin: Client, versions: tuple[AssessmentReport, AssessmentReport]
) -> None:
    c = versions[1].commitments.get(text=b.TRAINING)
    response = as_admin.post(
        f"/assessments/commitments/{c.pk}/edit/",
        {"text": "初任時に研修を実施する。", "kind": "training", "cadence": "initial", "owner_unit": world.tax_a.pk},
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert (c.text, c.owner_unit, c.refined, c.source_text) == (
        "初任時に研修を実施する。",
        world.tax_a,
        True,
        b.TRAINING,
    )
    assert AuditEntry.objects.filter(action=Action.UPDATE, object_id=str(c.pk)).exists()


def test_the_edit_form_refuses_a_unit_of_another_municipality(
    world: World, as_admin: Client, versions: tuple[AssessmentReport, AssessmentReport]
) -> None:
    c = versions[1].commitments.get(text=b.TRAINING)
    response = as_admin.post(
        f"/assessments/commitments/{c.pk}/edit/", {"text": "x", "kind": "training", "owner_unit": world.root_b.pk}
    )
    assert response.status_code == 400
    c.refresh_from_db()
    assert c.owner_unit is None and not c.refined


def test_the_admin_splits_and_merges_commitments(
    as_admin: Client, versions: tuple[AssessmentReport, AssessmentReport]
) -> None:
    c = versions[1].commitments.get(text=b.TRAINING)
    form = as_admin.get(f"/assessments/commitments/{c.pk}/split/").content.decode()
    assert "原文" in form
    response = as_admin.post(
        f"/assessments/commitments/{c.pk}/split/", {"texts": "初任時に研修を実施する。\n記録を残す。"}
    )
    assert response.status_code == 302
    pieces = list(Commitment.objects.filter(item=c.item).order_by("order"))
    assert [p.text for p in pieces] == ["初任時に研修を実施する。", "記録を残す。"]
    response = as_admin.post(
        f"/assessments/items/{c.item_id}/merge/", {"commitments": [p.pk for p in pieces], "text": "研修と記録"}
    )
    assert response.status_code == 302
    [merged] = Commitment.objects.filter(item=c.item)
    assert merged.text == "研修と記録" and merged.source_text == b.TRAINING


def test_a_superseded_version_shows_no_refine_links_and_refuses_edits(
    as_admin: Client, versions: tuple[AssessmentReport, AssessmentReport]
) -> None:
    old = versions[0]
    body = as_admin.get(f"/assessments/{old.pk}/").content.decode()
    assert "分割</a>" not in body
    c = old.commitments.first()
    assert c is not None
    response = as_admin.post(f"/assessments/commitments/{c.pk}/edit/", {"text": "x", "kind": "other"})
    assert response.status_code == 400 and "旧版" in response.content.decode()


def test_exports_download_and_are_in_the_audit_trail(
    as_admin: Client, versions: tuple[AssessmentReport, AssessmentReport]
) -> None:
    report = versions[1]
    xlsx = as_admin.get(f"/assessments/{report.pk}/export/xlsx/")
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content))["約束"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("ID", "項目番号", "項目名", "評価", "措置主体", "約束の内容")
    assert [r[5] for r in rows[1:]] == list(report.commitments.order_by("order").values_list("text", flat=True))
    data = as_admin.get(f"/assessments/{report.pk}/export/json/").json()
    assert data["version"] == 2 and data["previous_id"] == versions[0].pk
    assert data["sections"][0]["items"][1]["selected"] == "特に力を入れて行っている"
    assert as_admin.get(f"/assessments/{report.pk}/export/pdf/").status_code == 404
    exports = AuditEntry.objects.filter(action=Action.EXPORT, object_id=str(report.pk))
    assert sorted(e.after["format"] for e in exports) == ["json", "xlsx"]


def test_the_tree_page_makes_the_same_number_of_queries_for_a_bigger_report(
    world: World, as_viewer: Client, versions: tuple[AssessmentReport, AssessmentReport]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    parsed = b.reference(extra_training="eラーニングによる研修を毎年度実施する。")
    for n in range(10):
        parsed.sections[0].items.append(
            b.item(
                f"Ⅳ-9-{n}",
                f"追加項目{n}",
                "十分に行っている",
                [b.block("札幌市における措置", "札幌市", [(f"約束{n}。", "other", "")], 50 + n)],
                50 + n,
            )
        )
    big = b.save(world.a, [f.work(world.a, "住民基本台帳に関する事務")], parsed)
    with CaptureQueriesContext(connection) as small_run:
        assert as_viewer.get(f"/assessments/{versions[1].pk}/").status_code == 200
    with CaptureQueriesContext(connection) as big_run:
        assert as_viewer.get(f"/assessments/{big.pk}/").status_code == 200
    assert len(big_run.captured_queries) == len(small_run.captured_queries)


def test_text_that_looks_like_a_formula_stays_text_in_the_xlsx(
    as_admin: Client, versions: tuple[AssessmentReport, AssessmentReport]
) -> None:
    c = versions[1].commitments.order_by("order").first()
    assert c is not None
    Commitment.objects.filter(pk=c.pk).update(text='=HYPERLINK("http://example.invalid","x")')
    xlsx = as_admin.get(f"/assessments/{versions[1].pk}/export/xlsx/")
    cell = load_workbook(io.BytesIO(xlsx.content))["約束"]["F2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://example.invalid","x")'
