"""Two tenants full of real data for the isolation proof (``test_isolation.py``).

- **A** is the demo municipality (札幌市, every demo step), plus the four personas the proof acts as:
  ``admin_a``, ``head_a`` (所属長 of 税政課), ``auditor_a`` and ``viewer_a``, each with a read and a read-write API
  token.
- **B** (大阪市) is built by the same demo steps, so it holds an object of every kind; then a few kinds the demo does
  not make are added through the services (an evidence file of a checklist, API tokens, audit-trail entries), and
  every text field of every B row is prefixed with ``MARKER``. Any page, file or API answer that A's personas get
  and that contains ``MARKER`` shows B's data: a leak.

``build`` runs once per test module inside a transaction the module fixture rolls back (the audit trail's
triggers refuse the DELETE a cleanup would need).
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

from piaops.api.models import Scope
from piaops.api.services import token_create
from piaops.audittrail.context import Actor, acting_as
from piaops.audittrail.models import Action, AuditEntry
from piaops.audittrail.services import record
from piaops.calendarfeed.services import token_create as calendar_token_create
from piaops.core.demo import DEMO_STEPS
from piaops.lib.checkdigits import local_government_code_check_digit
from piaops.lib.fields import GuardedCharField, GuardedTextField
from piaops.tenancy import demo as tenancy_demo
from piaops.tenancy.models import Municipality, OrgUnit, Role, User
from tests import factories as f

MARKER = "ZZB-MARKER"
PEOPLE = 24
PERSONAS = ("admin_a", "head_a", "auditor_a", "viewer_a")

# Models whose rows cannot or need not be rewritten: the append-only audit trail (its triggers refuse UPDATE; B's
# entries get marked summaries through ``record`` instead).
UNMARKED_MODELS = frozenset({"audittrail.AuditEntry"})


@dataclass
class IsoWorld:
    a: Municipality
    b: Municipality
    personas: dict[str, User]
    admin_b: User
    b_ids: dict[str, int]
    fy: int
    today: dt.date
    # persona → {"read": raw token, "read_write": raw token}
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)


def _code(base5: str) -> str:
    return base5 + str(local_government_code_check_digit(base5))


def _run_demo_steps(municipality: Municipality, today: dt.date) -> None:
    for step in DEMO_STEPS:
        importlib.import_module(step).build(municipality=municipality, people=PEOPLE, today=today)


def tenant_models() -> list[type[models.Model]]:
    """Every model with a ``municipality`` foreign key (the rows a tenant owns)."""
    return [
        m for m in apps.get_models() if any(f.name == "municipality" and f.is_relation for f in m._meta.concrete_fields)
    ]


def _mark(b: Municipality) -> None:
    """Prefix every human-text field of every B row with MARKER (where it fits).

    Human text is what the project stores in ``GuardedCharField``/``GuardedTextField`` (names, titles, notes, ...);
    plain ``CharField``s hold codes, states and digests that the code matches on, and keep their values.
    """
    for model in tenant_models():
        if model._meta.label in UNMARKED_MODELS:
            continue
        text_fields = [
            fld
            for fld in model._meta.concrete_fields
            if isinstance(fld, GuardedCharField | GuardedTextField) and not fld.choices
        ]
        if not text_fields:
            continue
        rows = list(model._default_manager.filter(municipality=b))
        for row in rows:
            for fld in text_fields:
                value = getattr(row, fld.attname) or ""
                if value.startswith(MARKER):
                    continue
                marked = f"{MARKER} {value}" if value else MARKER
                if fld.max_length and len(marked) > fld.max_length:
                    marked = marked[: fld.max_length]
                setattr(row, fld.attname, marked)
        if rows:
            model._default_manager.bulk_update(rows, [fld.attname for fld in text_fields], batch_size=500)


def _first(model_label: str, m: Municipality) -> int | None:
    model = apps.get_model(model_label)
    pk = model._default_manager.filter(municipality=m).order_by("pk").values_list("pk", flat=True).first()
    return None if pk is None else int(pk)


def _b_job(b: Municipality, admin_b: User) -> None:
    """A finished background job of B with a result file (the job pages and the download)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from piaops.jobs.models import Job, JobStatus

    job = Job.objects.create(
        municipality=b, user=admin_b, kind="selfcheck_zip", title="ZIP", status=JobStatus.SUCCEEDED
    )
    job.result_name = default_storage.save(f"jobs/{job.pk}/result.txt", ContentFile(f"{MARKER} result".encode()))
    job.result_filename, job.message = "result.txt", "done"
    job.save()


def _b_report_change(b: Municipality) -> None:
    """A 別添3 row on B's first report (the demo's reports have no 別添3)."""
    from piaops.assessments.models import AssessmentReport, ReportChange

    report = AssessmentReport.objects.filter(municipality=b).order_by("pk").first()
    assert report is not None, "the assessments demo no longer makes a report"
    ReportChange.objects.create(
        municipality=b,
        report=report,
        changed_on=dt.date(2025, 9, 1),
        item="Ⅳ-1",
        before="年1回",
        after="年2回",
        timing="事後",
        explanation="文言整理",
    )


def _b_extras(b: Municipality, admin_b: User, today: dt.date) -> None:
    """Kinds the demo steps do not make: an evidence file on a checklist answer, audit-trail entries with MARKER."""
    from piaops.selfcheck.evidence import evidence_add
    from piaops.selfcheck.models import Answer

    answer = next(
        a
        for a in Answer.objects.filter(municipality=b, checklist__campaign__status="launched").select_related(
            "checklist__campaign"
        )
        if a.checklist.is_editable
    )
    upload = SimpleUploadedFile(f"{MARKER}-evidence.txt", f"{MARKER} 証跡".encode(), content_type="text/plain")
    evidence_add(answer=answer, upload=upload, by=admin_b)
    unit = OrgUnit.objects.filter(municipality=b).order_by("pk").first()
    record(action=Action.UPDATE, municipality_id=b.pk, obj=unit, summary=f"{MARKER} 監査証跡（B の記録）")
    token_create(user=admin_b, name=f"{MARKER} token", scope=Scope.READ_WRITE)
    calendar_token_create(user=admin_b)
    _b_ratings_and_reviews(b, admin_b, today)


def _b_ratings_and_reviews(b: Municipality, admin_b: User, today: dt.date) -> None:
    """The three Ⅳ ratings (and a report's own Ⅳ-1②), a monthly door-log review with a comment, ISMAP settings
    and an audit evidence file."""
    from piaops.areas import services as areas_services
    from piaops.areas.models import Area
    from piaops.assessments.models import AssessmentReport
    from piaops.assurance.services import ismap_settings_save
    from piaops.audits import rating as audit_rating
    from piaops.audits import services as audit_services
    from piaops.audits.models import AuditItem, AuditStatus
    from piaops.lib.fiscal import fiscal_year
    from piaops.reports.services import section4_audit_decide
    from piaops.selfcheck import results as selfcheck_results
    from piaops.selfcheck import services as selfcheck_services
    from piaops.selfcheck.models import Campaign, Checklist, ChecklistStatus
    from piaops.training import services as training_services

    fy = fiscal_year(today)
    campaign = Campaign.objects.filter(municipality=b).order_by("pk").first()
    assert campaign is not None
    reason = f"{MARKER} 評価の理由"
    selfcheck_results.rating_decide(campaign=campaign, chosen="sufficient", reason=reason, today=today, by=admin_b)
    audit_rating.rating_decide(
        municipality=b, fiscal_year=fy, chosen="sufficient", reason=reason, today=today, by=admin_b
    )
    report = AssessmentReport.objects.filter(municipality=b).order_by("pk").first()
    assert report is not None
    section4_audit_decide(  # the report's own Ⅳ-1② decision (its Section Ⅳ page)
        report=report, fiscal_year=fy, chosen="sufficient", reason=reason, today=today, by=admin_b
    )
    training_services.rating_decide(
        municipality=b, fiscal_year=fy, as_of=today, suggested=1, rating=1, reason=reason, figures={"note": reason},
        decided_by=admin_b,
    )  # fmt: skip
    area = Area.objects.filter(municipality=b).order_by("pk").first()
    assert area is not None
    review = areas_services.review_for(area=area, month=today)
    areas_services.review_comment(review=review, user=admin_b, exception_key="zzb", comment=f"{MARKER} 確認結果")
    ismap_settings_save(municipality=b, mapping={}, warn_days=60)
    item = AuditItem.objects.filter(municipality=b, audit__status=AuditStatus.IN_PROGRESS).order_by("pk").first()
    assert item is not None, "the audits demo no longer leaves an audit in progress"
    upload = SimpleUploadedFile(f"{MARKER}-audit.txt", f"{MARKER} 監査証跡".encode(), content_type="text/plain")
    audit_services.evidence_add(item=item, upload=upload, by=admin_b)
    from piaops.selfcheck import baseline
    from piaops.selfcheck.models import Category

    carried = baseline.current(b.pk, fy)
    assert carried is not None, "the self-inspection demo no longer makes the 年度's 安全管理措置 baseline"
    selfcheck_services.template_item_add(template=carried, text=f"{MARKER} 基準の項目", category=Category.PHYSICAL)
    submitted = Checklist.objects.filter(municipality=b, status=ChecklistStatus.SUBMITTED).order_by("pk").first()
    assert submitted is not None, "the self-inspection demo no longer leaves a submitted checklist"
    item_id = submitted.answers.order_by("pk").values_list("item_id", flat=True)[0]
    selfcheck_services.checklist_review(
        checklist=submitted, accept=False, comments={item_id: f"{MARKER} 差し戻し"}, by=admin_b
    )


def ids_of(b: Municipality, *, every_kind: bool = True) -> dict[str, int]:
    """One object of ``b`` of each kind a URL names (``isolation_urls.PAGE_IDS`` and ``API_PARAMS`` use the keys).

    With ``every_kind`` a missing kind fails (B must have them all); else it is left out.
    """
    found = {
        "unit": _first("tenancy.OrgUnit", b),
        "person": _first("tenancy.Person", b),
        "assignment": _first("tenancy.Assignment", b),
        "work": _first("tenancy.Work", b),
        "party": _first("tenancy.Party", b),
        "user": _first("tenancy.User", b),
        "role_grant": _first("tenancy.RoleGrant", b),
        "report": _first("assessments.AssessmentReport", b),
        "commitment": _first("assessments.Commitment", b),
        "item": _first("assessments.Item", b),
        "template": _first("selfcheck.ChecklistTemplate", b),
        "template_item": _first("selfcheck.TemplateItem", b),
        "campaign": _first("selfcheck.Campaign", b),
        "checklist": _first("selfcheck.Checklist", b),
        "selfcheck_evidence": _first("selfcheck.Evidence", b),
        "programme": _first("audits.AuditProgramme", b),
        "audit": _first("audits.Audit", b),
        "audit_report": _first("audits.AuditReport", b),
        "finding": _first("findings.Finding", b),
        "course": _first("training.Course", b),
        "requirement": _first("training.Requirement", b),
        "contract": _first("assurance.Contract", b),
        "subcontract": _first("assurance.Subcontract", b),
        "obligation": _first("assurance.Obligation", b),
        "assurance_evidence": _first("assurance.Evidence", b),
        "cloud_service": _first("assurance.CloudService", b),
        "ismap_snapshot": _first("assurance.IsmapSnapshot", b),
        "ismap_alert": _first("assurance.IsmapAlert", b),
        "responsibility": _first("assurance.Responsibility", b),
        "incident": _first("incidents.Incident", b),
        "area": _first("areas.Area", b),
        "review": _first("reviews.Review", b),
        "review_candidate": _first("reviews.Candidate", b),
        "api_token": _first("api.ApiToken", b),
        "calendar_token": _first("calendarfeed.CalendarToken", b),
        "audit_item": _first("audits.AuditItem", b),
        "followup": _first("findings.FollowUp", b),
        "training_session": _first("training.Session", b),
        "training_record": _first("training.Record", b),
        "job": _first("jobs.Job", b),
    }
    found["people_import"] = (
        AuditEntry.objects.filter(municipality_id=b.pk, action=Action.IMPORT, object_type="tenancy.PeopleImport")
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    missing = sorted(key for key, pk in found.items() if pk is None)
    assert not (every_kind and missing), f"{b} has no {missing}: build them in tests/trust/isolation_world.py"
    return {key: int(pk) for key, pk in found.items() if pk is not None}


def build(today: dt.date) -> IsoWorld:
    from piaops.lib.fiscal import fiscal_year

    with acting_as(Actor(user=None, name="isolation test")):
        b = Municipality.objects.create(name=f"{MARKER} 大阪市", code=_code("27100"))
        _run_demo_steps(b, today)
        for user in User.objects.filter(municipality=b):
            user.username = f"{MARKER}-{user.username}"
            user.save(update_fields=["username"])
        admin_b = f.user(b, f"{MARKER}-user_b", Role.ADMIN)

        a = tenancy_demo.create_municipality()
        _run_demo_steps(a, today)
        tax = OrgUnit.objects.get(municipality=a, code="310100")
        personas = {
            "admin_a": f.user(a, "admin_a", Role.ADMIN),
            "head_a": f.user(a, "head_a", Role.UNIT_HEAD, unit=tax),
            "auditor_a": f.user(a, "auditor_a", Role.AUDITOR),
            "viewer_a": f.user(a, "viewer_a", Role.VIEWER),
        }
        _b_extras(b, admin_b, today)
        _b_job(b, admin_b)
        _b_report_change(b)
        _mark(b)
        world = IsoWorld(
            a=a, b=b, personas=personas, admin_b=admin_b, b_ids=ids_of(b), fy=fiscal_year(today), today=today
        )
        for name, user in personas.items():
            world.tokens[name] = {
                scope: token_create(user=user, name=f"isolation {scope}", scope=scope)[1]
                for scope in (Scope.READ, Scope.READ_WRITE)
            }
        world.tokens["admin_b"] = {Scope.READ: token_create(user=admin_b, name="b", scope=Scope.READ)[1]}
    return world
