from __future__ import annotations

import copy
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from trestle.oscal import assessment_plan, assessment_results, catalog, poam

from piaops.assessments.questions import as_question
from piaops.audittrail.models import AuditEntry
from piaops.cli import _resolve
from piaops.core.demo import DEMO_CODE
from piaops.reports.oscal import MODELS, NothingToExport, build, stable_uuid, to_json
from piaops.reports.oscal.common import unit_uuid
from tests import factories as f
from tests.conftest import World, login
from tests.reports.oscal_data import AUDIT_NOTES, NO_COMMENT, Year, build_year

NOW = dt.datetime(2027, 1, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
READERS = {
    "catalog": catalog.Model,
    "assessment-plan": assessment_plan.Model,
    "assessment-results": assessment_results.Model,
    "poam": poam.Model,
}


def read_with_trestle(model: str, doc: dict[str, Any]) -> Any:
    """Read the document with compliance-trestle's OSCAL 1.1.3 models (an independent reader), through JSON.

    trestle 3.x models are pydantic.v1 models (``parse_obj``); a refusal is a ValidationError, a ValueError."""
    return READERS[model].parse_obj(json.loads(to_json(doc)))


def walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield k, v
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def docs(year: Year) -> dict[str, dict[str, Any]]:
    return {m: build(year.report, model=m, fiscal_year=2026, now=NOW) for m in MODELS}


@pytest.fixture
def year(world: World) -> Year:
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 0, tzinfo=NOW.tzinfo), tick=False):
        return build_year(world)


def test_every_model_reads_with_trestle_and_its_uuids_are_unique(year: Year) -> None:
    for model, doc in docs(year).items():
        root = next(iter(doc))
        parsed = getattr(read_with_trestle(model, doc), root.replace("-", "_"))
        assert str(parsed.uuid) == doc[root]["uuid"] and parsed.metadata.oscal_version.__root__ == "1.1.3"
        own = [v for k, v in walk(doc) if k == "uuid"]
        assert len(own) == len(set(own)), model


def test_a_year_without_campaigns_audits_or_findings_still_reads(world: World) -> None:
    from tests.selfcheck.helpers import make_report

    report = make_report(world.a)
    for model in ("catalog", "assessment-plan", "assessment-results"):
        read_with_trestle(model, build(report, model=model, fiscal_year=2030, now=NOW))
    # OSCAL requires at least one POA&M item: without an open finding there is no POA&M, and the user is told so.
    with pytest.raises(NothingToExport, match="未完了の指摘事項がない"):
        build(report, model="poam", fiscal_year=2030, now=NOW)
    with pytest.raises(CommandError, match="未完了の指摘事項がない"):
        call_command("oscal_export", assessment=report.pk, fy=2030, model="poam", out="/nonexistent/x.json")
    url = reverse("reports:oscal", args=[report.pk, "poam"])
    page = login(world.admin_a).get(url, {"fy": "2030"}, follow=True)
    assert page.status_code == 200 and "未完了の指摘事項がないため" in page.content.decode()


def test_a_broken_document_fails_validation(year: Year) -> None:
    d = docs(year)
    no_id = copy.deepcopy(d["catalog"])
    del no_id["catalog"]["groups"][0]["groups"][0]["controls"][0]["id"]
    bad_uuid = copy.deepcopy(d["assessment-results"])
    bad_uuid["assessment-results"]["results"][0]["observations"][0]["uuid"] = "not-a-uuid"
    no_status = copy.deepcopy(d["poam"])
    del no_status["plan-of-action-and-milestones"]["risks"][0]["status"]
    no_ssp = copy.deepcopy(d["assessment-plan"])
    del no_ssp["assessment-plan"]["import-ssp"]
    cases = [
        ("catalog", no_id, "id"),
        ("assessment-results", bad_uuid, "uuid"),
        ("poam", no_status, "status"),
        ("assessment-plan", no_ssp, "import-ssp"),
    ]
    for model, broken, field in cases:
        with pytest.raises(ValueError, match=field):
            read_with_trestle(model, broken)


def test_the_catalog_keeps_the_japanese_text_and_the_source_reference(year: Year) -> None:
    doc = docs(year)["catalog"]
    raw = to_json(doc).decode("utf-8")
    assert year.mfa.text in raw  # as written, not \u escapes
    [section] = doc["catalog"]["groups"]
    assert section["title"] == "Ⅳ その他のリスク対策"
    [item] = section["groups"]
    assert item["title"] == "Ⅳ-1-① 自己点検" and len(item["controls"]) == 4
    control = next(c for c in item["controls"] if c["id"] == f"cmt-{year.mfa.pk}")
    assert control["parts"][0] == {"id": f"cmt-{year.mfa.pk}_smt", "name": "statement", "prose": year.mfa.text}
    refs = {p["name"]: p["value"] for p in control["props"]}
    assert refs["source-section"] == "Ⅳ" and refs["source-item"] == "Ⅳ-1-①" and refs["source-lines"] == "44-45"
    assert refs["kind"] == "運用" and refs["party"] == "札幌市"
    [resource] = doc["catalog"]["back-matter"]["resources"]
    assert control["links"][0]["href"] == f"#{resource['uuid']}"
    assert "Ⅳ-1-① 約束2（44-45行）" in control["links"][0]["text"]
    assert resource["title"] == "地方税に関する事務 全項目評価書（第1版）"
    parsed = read_with_trestle("catalog", doc)
    assert parsed.catalog.groups[0].groups[0].controls[1].parts[0].prose == year.mfa.text


def test_the_plan_has_the_campaign_and_the_audit_with_their_units_and_dates(year: Year, world: World) -> None:
    plan = docs(year)["assessment-plan"]["assessment-plan"]
    titles = [t["title"] for t in plan["tasks"]]
    assert titles[0] == "2026年度 令和8年度 自己点検"
    assert "監査：税政課（現地監査）" in titles and "監査：保険年金課（書面監査）" in titles
    campaign_task = plan["tasks"][0]
    assert campaign_task["timing"]["within-date-range"]["end"] == "2026-12-11T23:59:59+09:00"
    subjects = campaign_task["associated-activities"][0]["subjects"][0]["include-subjects"]
    assert {s["subject-uuid"] for s in subjects} == {unit_uuid(world.tax_a), unit_uuid(world.other_a)}
    parties = {p["uuid"]: p["name"] for p in plan["metadata"]["parties"]}
    assert parties[unit_uuid(world.tax_a)] == "税政課" and "札幌市" in parties.values()
    reviewed = plan["reviewed-controls"]["control-selections"][0]["include-controls"]
    assert {"control-id": f"cmt-{year.mfa.pk}"} in reviewed
    steps = plan["local-definitions"]["activities"][0]["steps"]
    assert any(as_question(year.mfa.text) == s["description"] for s in steps)  # the checklist item, as asked


def test_the_results_hold_the_answers_the_audit_results_and_the_findings(year: Year) -> None:
    [result] = docs(year)["assessment-results"]["assessment-results"]["results"]
    observations = {o["uuid"]: o for o in result["observations"]}
    no = next(o for o in observations.values() if NO_COMMENT in o["description"])
    assert "回答：いいえ" in no["description"] and no["methods"] == ["INTERVIEW"]
    major = next(o for o in observations.values() if AUDIT_NOTES in o["description"])
    assert "結果：重大な不適合" in major["description"] and major["methods"] == ["EXAMINE", "INTERVIEW"]
    by_title = {f["title"]: f for f in result["findings"]}
    sc = by_title[year.selfcheck_finding.title]
    assert sc["target"] == {
        "type": "statement-id",
        "target-id": f"cmt-{year.mfa.pk}_smt",
        "title": year.mfa.text,
        "status": {"state": "not-satisfied"},
    }
    assert sc["related-observations"] == [{"observation-uuid": no["uuid"]}]
    au = by_title[year.audit_finding.title]
    assert au["target"]["status"]["state"] == "satisfied"  # verified after its follow-up
    assert au["related-observations"] == [{"observation-uuid": major["uuid"]}]
    assert {p["name"]: p["value"] for p in au["props"]}["status"] == "確認済（完了）"


def test_the_poam_has_the_open_findings_with_their_plans_and_milestones(year: Year) -> None:
    body = docs(year)["poam"]["plan-of-action-and-milestones"]
    [item] = body["poam-items"]  # the verified audit finding is closed
    assert item["title"] == year.selfcheck_finding.title
    [risk] = body["risks"]
    assert item["related-risks"] == [{"risk-uuid": risk["uuid"]}]
    assert risk["status"] == "remediating" and risk["deadline"] == "2027-01-29T23:59:59+09:00"
    [remediation] = risk["remediations"]
    assert remediation["description"] == "全職員に二要素認証を設定する。" and remediation["lifecycle"] == "planned"
    milestones = [(t["title"], t["timing"]["on-date"]["date"][:10]) for t in remediation["tasks"]]
    assert milestones == [("進捗報告 2027-01-08", "2027-01-08"), ("完了予定日 2027-01-29", "2027-01-29")]
    assert remediation["tasks"][0]["description"] == "対象職員の半数に設定済み。"
    [observation] = body["observations"]
    assert NO_COMMENT in observation["description"]


def test_re_exports_keep_their_uuids_and_tenants_never_share_one(year: Year, world: World) -> None:
    first = docs(year)
    later = {m: build(year.report, model=m, fiscal_year=2026, now=NOW + dt.timedelta(days=3)) for m in MODELS}
    for m in MODELS:
        assert [v for k, v in walk(first[m]) if k == "uuid"] == [v for k, v in walk(later[m]) if k == "uuid"]
    assert stable_uuid(world.a.pk, "finding", 1) != stable_uuid(world.b.pk, "finding", 1)
    assert stable_uuid(world.a.pk, "finding", 1) == stable_uuid(world.a.pk, "finding", 1)


def test_the_cli_writes_the_file(year: Year, tmp_path: Path) -> None:
    assert _resolve(["oscal", "export", "--model", "poam"])[0] == "oscal_export"
    for model in MODELS:
        out = tmp_path / f"{model}.json"
        call_command("oscal_export", assessment=year.report.pk, fy=2026, model=model, out=str(out))
        read_with_trestle(model, json.loads(out.read_text(encoding="utf-8")))
    assert NO_COMMENT in (tmp_path / "assessment-results.json").read_text(encoding="utf-8")


def test_the_download_is_for_the_roles_that_see_the_section_iv_page(year: Year, world: World) -> None:
    url = reverse("reports:oscal", args=[year.report.pk, "assessment-results"])
    before = AuditEntry.objects.filter(object_type="export").count()
    response = login(world.admin_a).get(url, {"fy": "2026"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert f'filename="assessment-results-{year.report.pk}-2026.json"' in response["Content-Disposition"]
    read_with_trestle("assessment-results", json.loads(response.content))
    assert NO_COMMENT in response.content.decode("utf-8")
    assert AuditEntry.objects.filter(object_type="export").count() == before + 1
    assert login(world.viewer_a).get(url).status_code == 200  # read-only municipality-wide role reads reports
    assert login(world.head_a).get(url).status_code == 403  # a unit role does not see the whole municipality
    staff = f.user(world.a, "staff_a", f.Role.UNIT_STAFF, unit=world.tax_a)
    assert login(staff).get(url).status_code == 403  # no reports at all
    assert login(world.user_b).get(url).status_code == 404  # another tenant's assessment
    assert login(world.admin_a).get(reverse("reports:oscal", args=[year.report.pk, "profile"])).status_code == 404
    page = login(world.admin_a).get(reverse("reports:section4", args=[year.report.pk]), {"fy": "2026"})
    assert reverse("reports:oscal", args=[year.report.pk, "poam"]) + "?fy=2026" in page.content.decode()


@pytest.mark.slow
def test_the_demo_exports_read_with_trestle(db: None, tmp_path: Path) -> None:
    """The demo (the reference report as parsed, a campaign in every state, audits, findings, follow-ups)."""
    from piaops.assessments.models import AssessmentReport

    call_command("demo", people=60, today="2026-11-25", stdout=io.StringIO())
    report = AssessmentReport.objects.filter(municipality__code=DEMO_CODE).order_by("-version").first()
    assert report is not None
    for model in MODELS:
        out = tmp_path / f"{model}.json"
        call_command("oscal_export", assessment=report.pk, fy=2026, model=model, out=str(out), stdout=io.StringIO())
        doc = json.loads(out.read_text(encoding="utf-8"))
        read_with_trestle(model, doc)
        values = [v for k, v in walk(doc) if k == "value"]
        assert values and all(v == v.strip() and "\n" not in v for v in values)
        if model == "catalog":
            lines = [p["value"] for k, v in walk(doc) if k == "props" for p in v if p["name"] == "source-lines"]
            assert lines and "Ⅳ-1-①" in out.read_text(encoding="utf-8")
        elif model == "assessment-results":
            [result] = doc["assessment-results"]["results"]
            assert any("回答：いいえ" in o["description"] for o in result["observations"])
            assert any("監査項目" in o["title"] for o in result["observations"]) and result["findings"]
        elif model == "poam":
            body = doc["plan-of-action-and-milestones"]
            assert body["poam-items"] and any("remediations" in r for r in body["risks"])


def test_nothing_of_another_tenant_appears(year: Year, world: World) -> None:
    from piaops.findings.services import finding_create
    from tests.selfcheck.helpers import make_campaign

    marker = "東京都だけの記録B"
    make_campaign(world.b, [world.root_b])
    finding_create(unit=world.root_b, fiscal_year=2026, title=marker, description=marker, source="audit")
    for model, doc in docs(year).items():
        text = to_json(doc).decode("utf-8")
        assert marker not in text and "東京都" not in text, model
        assert unit_uuid(world.root_b) not in text, model


def _control_ids(doc: dict[str, Any]) -> set[str]:
    return {v for k, v in walk(doc) if k == "id" and str(v).startswith("cmt-") and not str(v).endswith("_smt")}


def _referenced(doc: dict[str, Any]) -> set[str]:
    """Every control a document points at: included controls, ``control-id`` properties and finding targets."""
    out = {v for k, v in walk(doc) if k == "control-id"}
    out |= {p["value"] for k, v in walk(doc) if k == "props" for p in v if p["name"] == "control-id"}
    out |= {v.removesuffix("_smt") for k, v in walk(doc) if k == "target-id" and v.startswith("cmt-")}
    return out


def test_after_a_new_version_the_exports_point_at_its_catalog_or_name_the_version_that_has_the_control(
    year: Year, world: World
) -> None:
    """The 年度's findings, answers and audit items were made with version 1's commitments. Exported with version
    2, each points at its counterpart in version 2's catalog (followed through ``previous``); a commitment that
    version 2 dropped keeps its id, and the export says it is version 1's and not a control of this catalog."""
    from tests.selfcheck.helpers import COMMITMENTS, make_report

    kept = tuple(c for c in COMMITMENTS if not c[0].startswith("特定個人情報を扱う端末"))
    v2 = make_report(world.a, version=2, previous=year.report, commitments=kept)
    exported = {m: build(v2, model=m, fiscal_year=2026, now=NOW) for m in MODELS}
    for model, doc in exported.items():
        read_with_trestle(model, doc)
    in_catalog = _control_ids(exported["catalog"])
    mfa = f"cmt-{year.mfa.pk}"  # version 1's; version 2 has no counterpart
    assert mfa not in in_catalog
    # Version 1's commitments version 2 does not carry on: the MFA one, and the J-LIS one the helper never links.
    dropped = {f"cmt-{c.pk}" for c in year.report.commitments.filter(successors__isnull=True)}
    assert mfa in dropped and len(dropped) < year.report.commitments.count()
    for model in ("assessment-results", "poam"):  # the self-inspection finding points at version 1's control
        assert mfa in _referenced(exported[model]) - in_catalog <= dropped, model
    for model in ("assessment-plan", "assessment-results"):
        assert _referenced(exported[model]) & in_catalog, model  # the others were mapped, not dropped
    plan_step = next(
        step
        for step in exported["assessment-plan"]["assessment-plan"]["local-definitions"]["activities"][0]["steps"]
        if step["description"] == as_question(year.mfa.text)
    )
    assert plan_step["reviewed-controls"]["control-selections"] == [
        {
            "description": "この点検項目で確かめる約束",
            "remarks": f"この版のカタログにない約束：{mfa}（地方税に関する事務 全項目評価書（第1版））",
        }
    ]

    [result] = exported["assessment-results"]["assessment-results"]["results"]
    finding = next(f for f in result["findings"] if f["title"] == year.selfcheck_finding.title)
    assert finding["target"]["target-id"] == f"{mfa}_smt"
    assert finding["target"]["status"]["remarks"] == (
        "地方税に関する事務 全項目評価書（第1版）の約束です（この版のカタログに対応する約束はありません）。"
    )
    named = {p["name"]: p["value"] for p in finding["props"]}
    assert named["control-catalog"] == "地方税に関する事務 全項目評価書（第1版）"
    assert named["control-catalog-uuid"] == docs(year)["catalog"]["catalog"]["uuid"]
    [selection] = result["reviewed-controls"]["control-selections"]
    assert {"control-id": mfa} not in selection["include-controls"]
    assert f"{mfa}（地方税に関する事務 全項目評価書（第1版））" in selection["remarks"]

    # The audit's commitments were all kept: its observations point at version 2's controls.
    audit_finding = next(f for f in result["findings"] if f["title"] == year.audit_finding.title)
    assert audit_finding["target"]["target-id"].removesuffix("_smt") in in_catalog
    assert "remarks" not in audit_finding["target"]["status"]

    # Exported with version 1 (a past 年度's view), version 1's own ids stay as they were.
    assert _referenced(docs(year)["assessment-results"]) <= _control_ids(docs(year)["catalog"])
