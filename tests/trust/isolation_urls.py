"""The URL tables of the isolation proof, the URLconf walk and the text extraction of downloaded files.

Every URL pattern of the project must be in exactly one of:
- ``PAGE_IDS``: the pattern names an object; each parameter is filled from B (a key of ``IsoWorld.b_ids``, or a
  ``Lit`` value for a parameter that is not an object id, like a format). Every A persona must get 404.
- ``PAGE_SCANS``: no object id; GET as every A persona (with the listed query strings) and B's marker must not appear.
- ``ADMIN``/``API``: the Django admin and the ninja API, proven by their own tests (see ``test_isolation.py``).
- ``NOT_APPLICABLE``: with the reason.
A pattern in none of them fails ``test_every_url_pattern_is_covered`` with its name.
"""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from tests.trust.isolation_world import MARKER, IsoWorld


@dataclass(frozen=True)
class Lit:
    """A parameter value that is not an object id (``str(value)`` goes into the URL)."""

    value: Any


class FY:
    """The current fiscal year."""


class Year:
    """Today's year."""


class Month:
    """Today's month."""


Param = str | Lit | type[FY] | type[Year] | type[Month]

# URL name → {parameter → B object (key of IsoWorld.b_ids) or a literal}.
PAGE_IDS: dict[str, dict[str, Param]] = {
    "tenancy_import:result": {"pk": "people_import"},
    "tenancy:unit_detail": {"pk": "unit"},
    "tenancy:unit_edit": {"pk": "unit"},
    "tenancy:unit_move": {"pk": "unit"},
    "tenancy:unit_deactivate": {"pk": "unit"},
    "tenancy:person_detail": {"pk": "person"},
    "tenancy:person_edit": {"pk": "person"},
    "tenancy:assignment_create": {"pk": "person"},
    "tenancy:assignment_end": {"pk": "assignment"},
    "tenancy:work_edit": {"pk": "work"},
    "tenancy:work_deactivate": {"pk": "work"},
    "tenancy:party_edit": {"pk": "party"},
    "tenancy:user_detail": {"pk": "user"},
    "tenancy:user_edit": {"pk": "user"},
    "tenancy:user_deactivate": {"pk": "user"},
    "tenancy:role_grant": {"pk": "user"},
    "tenancy:role_revoke": {"pk": "role_grant"},
    "assessments:detail": {"pk": "report"},
    "assessments:diff": {"pk": "report"},
    "assessments:export": {"pk": "report", "fmt": Lit("xlsx")},
    "assessments:commitment_edit": {"pk": "commitment"},
    "assessments:commitment_split": {"pk": "commitment"},
    "assessments:commitment_merge": {"pk": "item"},
    "findings:detail": {"pk": "finding"},
    "findings:plan": {"pk": "finding"},
    "findings:progress": {"pk": "finding"},
    "findings:complete": {"pk": "finding"},
    "findings:accept": {"pk": "finding"},
    "findings:reopen": {"pk": "finding"},
    "selfcheck:template": {"pk": "template"},
    "selfcheck:template_item_add": {"pk": "template"},
    "selfcheck:template_item_edit": {"pk": "template_item"},
    "selfcheck:template_item_remove": {"pk": "template_item"},
    "selfcheck:campaign": {"pk": "campaign"},
    "selfcheck:campaign_launch": {"pk": "campaign"},
    "selfcheck:campaign_close": {"pk": "campaign"},
    "selfcheck:campaign_copy": {"pk": "campaign"},
    "selfcheck:campaign_targets": {"pk": "campaign"},
    "selfcheck:results": {"pk": "campaign"},
    "selfcheck:rating": {"pk": "campaign"},
    "selfcheck:campaign_job_start": {"pk": "campaign", "what": Lit("zip")},
    "jobs:detail": {"pk": "job"},
    "jobs:result": {"pk": "job"},
    "selfcheck:campaign_summary": {"pk": "campaign"},
    "selfcheck:checklist": {"pk": "checklist"},
    "selfcheck:checklist_submit": {"pk": "checklist"},
    "selfcheck:checklist_accept": {"pk": "checklist"},
    "selfcheck:checklist_return": {"pk": "checklist"},
    "selfcheck:checklist_reopen": {"pk": "checklist"},
    "selfcheck:evidence_upload": {"pk": "checklist"},
    "selfcheck:checklist_xlsx": {"pk": "checklist"},
    "selfcheck:checklist_upload": {"pk": "checklist"},
    "selfcheck:evidence": {"pk": "selfcheck_evidence"},
    "audits:programme": {"pk": "programme"},
    "audits:programme_approve": {"pk": "programme"},
    "audits:programme_propose": {"pk": "programme"},
    "audits:audit_new": {"pk": "programme"},
    "audits:audit": {"pk": "audit"},
    "audits:audit_delete": {"pk": "audit"},
    "audits:audit_start": {"pk": "audit"},
    "audits:audit_complete": {"pk": "audit"},
    "audits:item_record": {"pk": "audit", "item_pk": "audit_item"},
    "audits:item_evidence": {"pk": "audit", "item_pk": "audit_item"},
    "audits:item_correct": {"pk": "audit", "item_pk": "audit_item"},
    "audits:reaudit": {"pk": "audit", "finding_pk": "finding"},
    "audits:audit_reopen": {"pk": "audit"},
    "audits:report_file": {"pk": "audit_report", "fmt": Lit("pdf")},
    "audits:report_receive": {"pk": "audit_report"},
    "audits:report_return": {"pk": "audit_report"},
    "audits:report_reopen": {"pk": "audit_report"},
    "training:roster": {"unit_id": "unit"},
    "training:person": {"person_id": "person"},
    "training:course": {"course_id": "course"},
    "training:course_edit": {"course_id": "course"},
    "training:requirement_edit": {"requirement_id": "requirement"},
    "assurance:party_detail": {"pk": "party"},
    "assurance:contract_create": {"party_pk": "party"},
    "assurance:contract_detail": {"pk": "contract"},
    "assurance:contract_edit": {"pk": "contract"},
    "assurance:subcontract_create": {"contract_pk": "contract"},
    "assurance:subcontract_edit": {"pk": "subcontract"},
    "assurance:obligation_detail": {"pk": "obligation"},
    "assurance:obligation_edit": {"pk": "obligation"},
    "assurance:evidence_submit": {"pk": "obligation"},
    "assurance:evidence_review": {"pk": "assurance_evidence"},
    "assurance:evidence_download": {"pk": "assurance_evidence"},
    "assurance:cloud_service_edit": {"pk": "cloud_service"},
    "assurance:ismap_snapshot": {"pk": "ismap_snapshot"},
    "assurance:ismap_alert_acknowledge": {"pk": "ismap_alert"},
    "assurance:matrix_row_edit": {"pk": "responsibility"},
    "assurance:matrix_row_delete": {"pk": "responsibility"},
    "incidents:detail": {"pk": "incident"},
    "incidents:edit": {"pk": "incident"},
    "incidents:note": {"pk": "incident"},
    "incidents:transition": {"pk": "incident", "name": Lit("close")},
    "incidents:route": {"pk": "incident"},
    "incidents:consultation": {"pk": "incident"},
    "incidents:ppc": {"pk": "incident"},
    "areas:detail": {"pk": "area"},
    "areas:edit": {"pk": "area"},
    "areas:authorization_add": {"pk": "area"},
    "areas:visit_add": {"pk": "area"},
    "areas:import": {"pk": "area"},
    "areas:review": {"pk": "area", "year": Year, "month": Month},
    "areas:review_comment": {"pk": "area", "year": Year, "month": Month},
    "areas:review_sign": {"pk": "area", "year": Year, "month": Month},
    "areas:review_reopen": {"pk": "area", "year": Year, "month": Month},
    "reviews:detail": {"pk": "review"},
    "reviews:figures": {"pk": "review"},
    "reviews:refresh": {"pk": "review"},
    "reviews:decide": {"pk": "review", "candidate_pk": "review_candidate"},
    "reviews:sign": {"pk": "review"},
    "reviews:reopen": {"pk": "review"},
    "reports:section4": {"pk": "report"},
    "reports:section4_job": {"pk": "report"},
    "reports:section4_audit_rating": {"pk": "report"},
    "reports:periodic": {"pk": "report"},
    "reports:periodic_job": {"pk": "report"},
    "reports:oscal": {"pk": "report", "model": Lit("catalog")},
    "calendarfeed:revoke": {"pk": "calendar_token"},
    "api:revoke": {"pk": "api_token"},
}

# URL name → (parameters that are not object ids, query strings to GET). Search pages are asked for "MARKER", which
# B's rows contain but the scan's needle ("ZZB-MARKER") does not, so the echoed search box is no false alarm.
SEARCH = "MARKER"
assert SEARCH in MARKER and MARKER not in SEARCH
PAGE_SCANS: dict[str, tuple[dict[str, Param], list[str]]] = {
    "home": ({}, [""]),
    "tenancy_import:upload": ({}, [""]),
    "tenancy_import:confirm": ({}, [""]),
    "tenancy:index": ({}, [""]),
    "tenancy:municipality": ({}, [""]),
    "tenancy:municipality_edit": ({}, [""]),
    "tenancy:units": ({}, ["", "?all=1"]),
    "tenancy:unit_create": ({}, [""]),
    "tenancy:people": ({}, ["", f"?q={SEARCH}"]),
    "tenancy:person_create": ({}, [""]),
    "tenancy:works": ({}, ["", "?all=1"]),
    "tenancy:work_create": ({}, [""]),
    "tenancy:parties": ({}, [""]),
    "tenancy:party_create": ({}, [""]),
    "tenancy:users": ({}, ["", f"?q={SEARCH}"]),
    "tenancy:user_create": ({}, [""]),
    "audittrail:index": ({}, ["", f"?q={SEARCH}"]),
    "audittrail:export_csv": ({}, ["", f"?q={SEARCH}"]),
    "assessments:index": ({}, [""]),
    "assessments:upload": ({}, [""]),
    "assessments:upload_save": ({}, [""]),
    "assessments:upload_batch": ({}, [""]),
    "assessments:upload_batch_save": ({}, [""]),
    "findings:index": ({}, ["", "?status=open", "?status=closed"]),
    "selfcheck:index": ({}, [""]),
    "selfcheck:template_create": ({}, [""]),
    "selfcheck:baseline": ({}, ["", "?fy=2025"]),
    "selfcheck:baseline_create": ({}, [""]),
    "selfcheck:campaign_create": ({}, [""]),
    "audits:index": ({}, [""]),
    "audits:programme_new": ({}, [""]),
    "audits:reports": ({"fy": FY}, [""]),
    "audits:download": (
        {"fy": FY},
        [f"?kind={kind}&format=xlsx" for kind in ("results", "followup")],
    ),
    "audits:draft_job": ({"fy": FY}, [""]),
    "audits:submit": ({"fy": FY}, [""]),
    "audits:rating": ({"fy": FY}, [""]),
    "training:index": ({}, [""]),
    "training:who": ({}, ["", "?show=soon", "?show=untrained"]),
    "training:courses": ({}, [""]),
    "training:course_new": ({}, [""]),
    "training:requirements": ({}, [""]),
    "training:requirement_new": ({}, [""]),
    "training:records": ({}, [""]),
    "training:record_new": ({}, [""]),
    "training:record_import": ({}, [""]),
    "training:rating": ({}, [""]),
    "assurance:index": ({}, [""]),
    "assurance:obligation_list": ({}, ["", "?state=overdue"]),
    "assurance:obligation_create": ({}, [""]),
    "assurance:obligations_sync": ({}, [""]),
    "assurance:ismap_register": ({}, [""]),
    "assurance:cloud_service_create": ({}, [""]),
    "assurance:ismap_import": ({}, [""]),
    "assurance:ismap_mapping": ({}, [""]),
    "assurance:matrix": ({}, [""]),
    "assurance:matrix_row_create": ({}, [""]),
    "assurance:matrix_prefill": ({}, [""]),
    "assurance:matrix_export_csv": ({}, [""]),
    "assurance:matrix_export_xlsx": ({}, [""]),
    "incidents:index": ({}, ["", "?status=all", "?status=closed"]),
    "incidents:create": ({}, [""]),
    "areas:index": ({}, [""]),
    "areas:create": ({}, [""]),
    "areas:cards": ({}, [""]),
    "areas:mappings": ({}, [""]),
    "reviews:index": ({}, ["", "?fy=2025"]),
    "reviews:open": ({}, [""]),
    "reports:index": ({}, [""]),
    "accounts:index": ({}, [""]),
    "accounts:otp_verify": ({}, [""]),
    "accounts:otp_setup": ({}, [""]),
    "accounts:recovery_codes": ({}, [""]),
    "accounts:otp_remove": ({}, [""]),
    "accounts:password_change": ({}, [""]),
    "api:index": ({}, [""]),
    "api_docs": ({}, [""]),
    "calendarfeed:index": ({}, [""]),
    # The 操作マニュアル: the same pages for every logged-in user of any municipality (no tenant data, like api_docs).
    "manual:index": ({}, [""]),
    "manual:chapter": ({"slug": Lit("selfcheck")}, [""]),
    "manual:image": ({"name": Lit("dashboard.png")}, [""]),
}

# Not requested, with the reason.
NOT_APPLICABLE: dict[str, str] = {
    "login": "the log-in form: no tenant data (the personas are logged in already)",
    "healthz": "the load balancer's check: answers ok, no data, no log-in",
    "readyz": "the load balancer's check: answers ok / not ready, no data, no log-in",
    "logout": "logs the persona out (POST); shows no data",
    "tenancy_import:example": "the example CSV files shipped with the app (操作マニュアル), the same for every tenant",
    "api-v1:api-root": "django-ninja's root (its docs page is off; ours is api_docs): no operation",
    "api/^v1/(?P<rest>.*)$": "the API's catch-all: the JSON 404 for any URL under /api/v1/ that no operation answers",
    "api/^(?!tokens(/|$))(?P<rest>.*)$": "the JSON 404 for /api/ itself and any other version (/api/v2/…): no data",
    "calendarfeed:feed": "the token in the URL is the credential (no session): whoever holds a user's token reads that"
    " user's feed by design; unknown, revoked and other tenants' events are proven in tests/calendarfeed",
}

# The Django admin and the ninja API: every pattern under these namespaces is proven by their own tests.
ADMIN_NAMESPACE = "admin"
API_NAMESPACE = "api-v1"


@dataclass(frozen=True)
class Pattern:
    route: str  # the full route, as Django prints it (e.g. ``tenancy/units/<int:pk>/``)
    key: str  # ``namespace:name`` (or the route when the pattern has no name)
    namespace: str
    params: tuple[str, ...]
    pattern: URLPattern


def _params(route: str) -> tuple[str, ...]:
    found = re.findall(r"<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)
    return tuple(found)


def url_patterns() -> list[Pattern]:
    """Every pattern of the root URLconf, resolvers walked recursively."""

    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[Pattern]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or route)
                yield Pattern(route=route, key=name, namespace=namespace, params=_params(route), pattern=p)

    return list(walk(get_resolver().url_patterns, "", ""))


def fill(spec: dict[str, Param], world: IsoWorld) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for param, source in spec.items():
        if isinstance(source, Lit):
            values[param] = source.value
        elif source is FY:
            values[param] = world.fy
        elif source is Year:
            values[param] = world.today.year
        elif source is Month:
            values[param] = world.today.month
        else:
            assert isinstance(source, str)
            values[param] = world.b_ids[source]
    return values


# --- what a response says, as text ------------------------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "file.pdf"
        path.write_bytes(data)
        done = subprocess.run(["pdftotext", "-q", str(path), "-"], capture_output=True, timeout=120, check=True)
    return done.stdout.decode("utf-8", "replace")


def texts(data: bytes) -> str:
    """The text a user could read in ``data``: HTML/CSV/JSON as is, ZIP (and so XLSX/DOCX) member by member, PDF
    through ``pdftotext`` (poppler-utils), recursively."""
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(name + "\n" + texts(archive.read(name)) for name in archive.namelist())
    if data.startswith(b"%PDF"):
        return _pdf_text(data)
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def body_of(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)
