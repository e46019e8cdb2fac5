"""A campaign with several templates: one checklist per unit holding every template's items, end to end."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import zipfile

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from piaops.assessments.questions import as_question
from piaops.audittrail.models import AuditEntry
from piaops.selfcheck import services
from piaops.selfcheck.errors import ChecklistInvalid
from piaops.selfcheck.models import Campaign, CampaignTemplate, Checklist, ChecklistTemplate
from piaops.selfcheck.results import shares, suggest_rating
from piaops.selfcheck.xlsx import FIRST_ROW, META, SHEET
from tests.conftest import World
from tests.jobs.runner import job_result
from tests.selfcheck.helpers import COMMITMENTS, DEADLINE, make_report

GENERAL_EXTRA = ["執務室の施錠を終業時に確認している。", "USBメモリの持出し簿を備えている。"]


def _templates(world: World) -> tuple[ChecklistTemplate, ChecklistTemplate]:
    report = make_report(world.a)
    from_report = services.template_create(
        municipality=world.a, title="評価書の自己点検票", report=report, include_general=False
    )
    general = services.template_create(
        municipality=world.a,
        title="一般的な安全管理措置",
        code="general",
        include_general=False,
        extra_items=GENERAL_EXTRA,
    )
    return from_report, general


def _campaign(world: World, *, general_first: bool = False) -> Campaign:
    from_report, general = _templates(world)
    chosen = [general, from_report] if general_first else [from_report, general]
    campaign = services.campaign_create(
        municipality=world.a,
        fiscal_year=2026,
        title="令和8年度 自己点検",
        templates=chosen,
        deadline=DEADLINE,
        units=[world.tax_a, world.other_a],
    )
    services.campaign_launch(campaign=campaign)
    return campaign


def _texts(checklist: Checklist) -> list[str]:
    return [a.item.text for a in checklist.campaign.sort_answers(checklist.answers.select_related("item"))]


REPORT_TEXTS = [
    as_question(COMMITMENTS[0][0]),
    as_question(COMMITMENTS[1][0]),
]  # the audit and J-LIS commitments are not unit-checkable


def test_each_unit_gets_one_checklist_with_every_templates_items_in_order(world: World) -> None:
    campaign = _campaign(world)
    assert campaign.checklists.count() == 2
    checklist = campaign.checklists.get(unit=world.tax_a)
    assert _texts(checklist) == REPORT_TEXTS + GENERAL_EXTRA
    assert all(t.is_locked for t in ChecklistTemplate.objects.filter(municipality=world.a))
    entry = AuditEntry.objects.filter(object_type="selfcheck.Campaign", summary__startswith="自己点検を開始").get()
    assert entry.after["answers"] == 2 * 4 and entry.after["items"] == 4


def test_the_submit_errors_number_items_across_the_templates(world: World) -> None:
    campaign = _campaign(world)
    checklist = campaign.checklists.get(unit=world.tax_a)
    answers = checklist.campaign.sort_answers(checklist.answers.select_related("item"))
    services.checklist_save_answers(
        checklist=checklist, answers={a.item_id: services.AnswerInput("yes") for a in answers[:3]}
    )
    with pytest.raises(ChecklistInvalid) as exc:
        services.checklist_submit(checklist=checklist)
    assert [p.where for p in exc.value.problems] == ["項目4"]


def test_two_versions_of_one_template_or_no_template_are_refused(world: World) -> None:
    from_report, _ = _templates(world)
    services.campaign_create(
        municipality=world.a, fiscal_year=2026, title="x", template=from_report, deadline=DEADLINE, units=[world.tax_a]
    )
    services.campaign_launch(campaign=Campaign.objects.get(title="x"))
    from_report.refresh_from_db()
    newer = services.template_item_add(template=from_report, text="追加").template
    assert newer.version == 2
    with pytest.raises(ValidationError, match="別の版"):
        services.campaign_create(
            municipality=world.a, fiscal_year=2026, title="y", templates=[from_report, newer], deadline=DEADLINE
        )
    with pytest.raises(ValidationError, match="1つ以上"):
        services.campaign_create(municipality=world.a, fiscal_year=2026, title="z", templates=[], deadline=DEADLINE)


def _download(client: Client, checklist: Checklist) -> bytes:
    response = client.get(f"/selfcheck/checklists/{checklist.pk}/checklist.xlsx")
    assert response.status_code == 200
    return response.content


def _save(wb: object) -> bytes:
    out = io.BytesIO()
    wb.save(out)  # type: ignore[attr-defined]
    return out.getvalue()


def test_the_workbook_names_every_template_and_version_and_round_trips(world: World, as_head: Client) -> None:
    campaign = _campaign(world)
    from_report, general = campaign.template_list()
    checklist = campaign.checklists.get(unit=world.tax_a)
    wb = load_workbook(io.BytesIO(_download(as_head, checklist)))
    meta = {r[0]: r[1] for r in wb[META].iter_rows(max_row=7, max_col=2, values_only=True)}
    assert meta["templates"] == f"{from_report.pk}:1,{general.pk}:1"
    rows = list(wb[META].iter_rows(min_row=10, max_col=4, values_only=True))
    assert [(r[2], r[3]) for r in rows] == [(from_report.pk, 1)] * 2 + [(general.pk, 1)] * 2
    ws = wb[SHEET]
    assert [ws[f"A{FIRST_ROW + n}"].value for n in range(4)] == [1, 2, 3, 4]
    assert ws[f"C{FIRST_ROW + 3}"].value == GENERAL_EXTRA[1]
    for n in range(4):
        ws[f"D{FIRST_ROW + n}"] = "はい"
    response = as_head.post(
        f"/selfcheck/checklists/{checklist.pk}/upload/", {"file": SimpleUploadedFile("a.xlsx", _save(wb))}
    )
    assert response.status_code == 302
    assert checklist.answers.filter(value="yes").count() == 4


def test_a_row_of_another_template_version_is_refused_at_its_cell(world: World, as_head: Client) -> None:
    campaign = _campaign(world)
    checklist = campaign.checklists.get(unit=world.tax_a)
    wb = load_workbook(io.BytesIO(_download(as_head, checklist)))
    wb[META]["D12"] = 0  # the third row: the general template's first item
    wb[SHEET][f"D{FIRST_ROW}"] = "はい"
    response = as_head.post(
        f"/selfcheck/checklists/{checklist.pk}/upload/", {"file": SimpleUploadedFile("a.xlsx", _save(wb))}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert f"a.xlsx!{SHEET}!A{FIRST_ROW + 2}" in body
    assert "No.3 の様式「一般的な安全管理措置」の版が違います（ファイル: 第0版、現在: 第1版）" in body
    assert not checklist.answers.exclude(value="").exists()


def test_the_zip_holds_one_workbook_per_unit_with_all_items(world: World, as_admin: Client) -> None:
    campaign = _campaign(world)
    data = job_result(as_admin, f"/selfcheck/campaigns/{campaign.pk}/jobs/zip/").getvalue()
    z = zipfile.ZipFile(io.BytesIO(data))
    assert len(z.namelist()) == 2
    for name in z.namelist():
        ws = load_workbook(io.BytesIO(z.read(name)))[SHEET]
        assert [ws[f"C{FIRST_ROW + n}"].value for n in range(4)] == REPORT_TEXTS + GENERAL_EXTRA


def test_results_and_the_rating_count_every_template_whatever_its_position(world: World) -> None:
    campaign = _campaign(world, general_first=True)
    for checklist in campaign.checklists.all():
        services.checklist_save_answers(
            checklist=checklist,
            answers={a.item_id: services.AnswerInput("yes") for a in checklist.answers.all()},
        )
        services.checklist_submit(checklist=checklist)
        services.checklist_review(checklist=checklist, accept=True)
    by_item, by_unit = shares(campaign)
    assert [i.text for i, _ in by_item] == GENERAL_EXTRA + REPORT_TEXTS
    assert all(s.yes == 2 for _, s in by_item) and all(s.yes == 4 for _, s in by_unit)
    suggestion = suggest_rating(campaign, today=dt.date(2027, 3, 1))
    assert suggestion.numbers["report_items"] == 2 and suggestion.label == "特に力を入れて行っている"


def test_next_year_takes_each_templates_newest_version_and_marks_changed_commitments(world: World) -> None:
    campaign = _campaign(world)
    from_report, general = campaign.template_list()
    services.template_item_add(template=general, text="来年度から追加する項目")
    old = from_report.report
    assert old is not None
    make_report(
        world.a,
        version=2,
        previous=old,
        commitments=(COMMITMENTS[0], ("マイナンバー利用事務の端末は顔認証でログインする。", "operations")),
    )
    new = services.campaign_copy_to_next_year(campaign=campaign)
    t_report, t_general = new.template_list()
    assert (t_report.code, t_report.version, t_general.code, t_general.version) == (
        from_report.code,
        2,
        "general",
        2,
    )
    assert new.template == t_report
    changes = dict(t_report.items.values_list("text", "change"))
    assert changes == {
        as_question(COMMITMENTS[0][0]): "unchanged",
        "マイナンバー利用事務の端末は顔認証でログインしているか。": "new",
    }
    assert "来年度から追加する項目" in set(t_general.items.values_list("text", flat=True))


def test_the_admin_creates_a_campaign_with_two_templates(world: World, as_admin: Client) -> None:
    from_report, general = _templates(world)
    response = as_admin.post(
        "/selfcheck/campaigns/new/",
        {
            "fiscal_year": 2026,
            "title": "二つの様式",
            "templates": [general.pk, from_report.pk],
            "deadline": DEADLINE.isoformat(),
            "reminder_office_days": 5,
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(title="二つの様式")
    # The report's items come first; the 年度's 安全管理措置 baseline, made on the page, comes last.
    *chosen, carried = campaign.template_list()
    assert chosen == [from_report, general] and carried.baseline_year == 2026
    page = as_admin.get(f"/selfcheck/campaigns/{campaign.pk}/").content.decode()
    assert "評価書の自己点検票（第1版）" in page and "一般的な安全管理措置（第1版）" in page


def test_the_migration_links_existing_single_template_campaigns(world: World) -> None:
    from_report, _ = _templates(world)
    campaign = services.campaign_create(
        municipality=world.a, fiscal_year=2026, title="旧", template=from_report, deadline=DEADLINE, units=[world.tax_a]
    )
    CampaignTemplate.objects.filter(campaign=campaign).delete()  # as before the migration
    migration = importlib.import_module("piaops.selfcheck.migrations.0002_campaigntemplate")
    migration.link_existing(apps, None)
    link = CampaignTemplate.objects.get(campaign=campaign)
    assert (link.template_id, link.position, link.municipality_id) == (from_report.pk, 0, world.a.pk)
    services.campaign_launch(campaign=Campaign.objects.get(pk=campaign.pk))
    assert Checklist.objects.get(campaign=campaign).answers.count() == 2
