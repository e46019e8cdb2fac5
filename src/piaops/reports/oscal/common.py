"""Pieces shared by the OSCAL documents: stable UUIDs, metadata, properties, parties, dates and the back-matter
resource that stands for the assessment report (特定個人情報保護評価書).

Everything is a plain ``dict`` with OSCAL 1.1.x field names (hyphenated JSON keys), ready for ``json.dumps``.
UUIDs are version 5, derived from one fixed namespace, the municipality and the kind and id of the object, so a
re-export of the same data gives the same UUIDs and another municipality's objects never share one.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from django.utils import timezone

from piaops.assessments.models import AssessmentReport
from piaops.tenancy.models import Municipality, OrgUnit

OSCAL_VERSION = "1.1.3"
# The namespace of piaops' own property and part names. OSCAL readers want an http(s) URI here (trestle refuses a
# URN); ``.invalid`` is reserved (RFC 2606), so the name can never point anywhere and nothing is fetched from it.
NS = "https://piaops.invalid/ns/oscal"
# Fixed once for piaops; changing it would change every exported UUID.
_NAMESPACE = uuid.UUID("3b0e7a52-2c4e-5f7e-9a51-6d1f0c2a8e31")

Doc = dict[str, Any]


class NothingToExport(ValueError):
    """The document would be empty where OSCAL requires at least one entry (a POA&M without any item)."""


def stable_uuid(municipality_id: int, kind: str, *key: object) -> str:
    """A version-5 UUID for ``kind`` + ``key`` of one municipality: the same inputs always give the same UUID."""
    name = "/".join([str(municipality_id), kind, *(str(k) for k in key)])
    return str(uuid.uuid5(_NAMESPACE, name))


_SPACE = re.compile(r"\s+")


def line(text: object, *, limit: int = 0) -> str:
    """``text`` as one line (OSCAL titles and property values may not hold a line break nor start or end with a
    space), shortened to ``limit`` characters with "…" when ``limit`` is given."""
    flat = _SPACE.sub(" ", str(text)).strip()
    if limit and len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat


def prop(name: str, value: object, *, cls: str = "") -> Doc | None:
    """A piaops property (in ``NS``); ``None`` when the value is empty (OSCAL refuses an empty value)."""
    text = line(value) if value is not None else ""
    if not text:
        return None
    out: Doc = {"name": name, "ns": NS, "value": text}
    if cls:
        out["class"] = cls
    return out


def props(*items: Doc | None) -> list[Doc]:
    return [p for p in items if p is not None]


def with_list(doc: Doc, key: str, values: list[Any]) -> Doc:
    """Set ``doc[key]`` only when ``values`` is not empty (OSCAL arrays hold at least one member)."""
    if values:
        doc[key] = values
    return doc


def stamp(moment: dt.datetime) -> str:
    """An aware datetime in the local time zone, as OSCAL's date-time-with-timezone."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment).isoformat(timespec="seconds")


def day_start(day: dt.date) -> str:
    return stamp(dt.datetime.combine(day, dt.time.min))


def day_end(day: dt.date) -> str:
    return stamp(dt.datetime.combine(day, dt.time(23, 59, 59)))


def source_lines(start: int, end: int) -> str:
    """The line span in the imported text ("12-15"), "" when it is not known."""
    if not start:
        return ""
    return f"{start}-{end}" if end and end != start else str(start)


def municipality_party(m: Municipality) -> Doc:
    return {
        "uuid": stable_uuid(m.pk, "municipality"),
        "type": "organization",
        "name": line(m.name),
        "props": props(prop("local-government-code", m.code)),
    }


def unit_uuid(unit: OrgUnit) -> str:
    return stable_uuid(unit.municipality_id, "unit", unit.pk)


def unit_party(unit: OrgUnit) -> Doc:
    return {
        "uuid": unit_uuid(unit),
        "type": "organization",
        "name": line(unit.name),
        "props": props(prop("unit-code", unit.code), prop("unit-kind", unit.get_kind_display())),
        "member-of-organizations": [stable_uuid(unit.municipality_id, "municipality")],
    }


def unit_subject(unit: OrgUnit) -> Doc:
    return {"subject-uuid": unit_uuid(unit), "type": "party"}


def report_resource_uuid(report: AssessmentReport) -> str:
    return stable_uuid(report.municipality_id, "report-resource", report.pk)


def report_resource(report: AssessmentReport) -> Doc:
    """The assessment report as a back-matter resource: what source references link to."""
    citation = line(f"{report.title}（第{report.version}版）")
    return {
        "uuid": report_resource_uuid(report),
        "title": citation,
        "description": "特定個人情報保護評価書（piaops に取り込んだ版）",
        "props": props(
            prop("series", report.series),
            prop("version", report.version),
            prop("report-number", report.report_number),
            prop("tier", report.get_tier_display()),
            prop("form-version", report.form_version),
            prop("published", report.published_on.isoformat() if report.published_on else ""),
            prop("source-file", report.source_name),
        ),
        "citation": {"text": citation},
    }


def metadata(
    *,
    title: str,
    now: dt.datetime,
    version: str,
    municipality: Municipality,
    units: list[OrgUnit] | None = None,
    extra_props: list[Doc] | None = None,
    remarks: str = "",
) -> Doc:
    """The document's metadata: title, last-modified (the export time), version, oscal-version, and the
    municipality and its units as organisation parties."""
    parties = [municipality_party(municipality)]
    seen: set[int] = set()
    for u in sorted(units or [], key=lambda u: (u.path, u.pk)):
        if u.pk not in seen:
            seen.add(u.pk)
            parties.append(unit_party(u))
    out: Doc = {
        "title": line(title),
        "last-modified": stamp(now),
        "version": version,
        "oscal-version": OSCAL_VERSION,
        "parties": parties,
    }
    with_list(out, "props", extra_props or [])
    if remarks:
        out["remarks"] = remarks
    return out
