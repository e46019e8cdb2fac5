"""Incident pages. Reading: ``Incident.objects.visible_to(user)`` (admin, auditor and viewer every incident of the
municipality; unit roles those their subtree reported; a 事業者担当 those routed to their party). Recording and
notes: Perm.INCIDENT_REPORT. Facts, transitions, routing, consultations and PPC dates: Perm.INCIDENT_MANAGE
(番号制度総括部門)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from piaops.audittrail.services import last_change
from piaops.incidents import routing, services
from piaops.incidents.forms import ConsultationForm, IncidentForm, NoteForm, PpcReportForm, RoutingForm, TransitionForm
from piaops.incidents.models import Incident, Status
from piaops.tenancy import access
from piaops.tenancy.access import Perm, tenant_object, tenant_view
from piaops.tenancy.models import User


def _user(request: HttpRequest) -> User:
    """The logged-in user (the decorators let no anonymous request through)."""
    return request.user  # type: ignore[return-value]


@tenant_view(Perm.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    incidents = Incident.objects.visible_to(_user(request)).select_related("routed_party", "reporting_unit")
    status = request.GET.get("status", "open")
    if status == "open":
        incidents = incidents.open()
    elif status in Status.values:
        incidents = incidents.filter(status=status)
    return render(
        request,
        "incidents/index.html",
        {
            "incidents": incidents[:500],
            "status": status,
            "statuses": Status.choices,
            "ppc_overdue_ids": set(incidents.ppc_overdue(today).values_list("pk", flat=True)),
            "can_report": access.has_perm_somewhere(request.user, Perm.INCIDENT_REPORT),
        },
    )


@tenant_view(Perm.INCIDENT_REPORT)
def create(request: HttpRequest) -> HttpResponse:
    municipality = access.municipality_of(request.user)
    form = IncidentForm(request.POST if request.method == "POST" else None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        incident = services.incident_record(
            municipality=municipality,
            user=_user(request),
            works=data.pop("works"),
            **{k: v for k, v in data.items() if k != "version"},
        )
        messages.success(request, "事故を記録しました。")
        return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/form.html", {"form": form, "incident": None})


@tenant_object(Incident, perm=Perm.VIEW)
def detail(request: HttpRequest, incident: Incident) -> HttpResponse:
    can_manage = access.has_perm(request.user, Perm.INCIDENT_MANAGE)
    route = routing.ROUTING_TABLE.get(incident.cause)
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "events": incident.events.select_related("actor"),
            "consultations": incident.consultations.all(),
            "works": incident.works.all(),
            "route": route,
            "transitions": services.available_transitions(incident) if can_manage else [],
            "can_manage": can_manage,
            "can_note": access.has_perm_somewhere(request.user, Perm.INCIDENT_REPORT),
            "note_form": NoteForm(),
            "routing_form": RoutingForm(initial={"cause": incident.cause}),
            "consultation_form": ConsultationForm(),
            "ppc_form": PpcReportForm(initial={"reported_on": timezone.localdate()}),
            "today": timezone.localdate(),
        },
    )


@tenant_object(Incident, perm=Perm.INCIDENT_MANAGE)
def edit(request: HttpRequest, incident: Incident) -> HttpResponse:
    form = IncidentForm(
        request.POST if request.method == "POST" else None, instance=incident, municipality=incident.municipality
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        works = data.pop("works")
        fields = {k: v for k, v in data.items() if k in services.UPDATABLE_FIELDS}
        try:
            services.incident_update(
                incident=Incident.objects.get(pk=incident.pk),
                user=_user(request),
                expected_version=version,
                works=works,
                **fields,
            )
        except services.ConflictError as exc:
            current = Incident.objects.get(pk=incident.pk)
            form.add_error(None, str(exc))
            ctx = {"form": form, "incident": incident, "current": current, "last": last_change(current)}
            return render(request, "incidents/form.html", ctx, status=409)
        messages.success(request, "事故の内容を更新しました。")
        return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/form.html", {"form": form, "incident": incident})


def _post_action(request: HttpRequest, incident: Incident, action: Callable[[], Any]) -> HttpResponse:
    try:
        action()
    except services.IncidentError as exc:
        messages.error(request, str(exc))
    return redirect("incidents:detail", pk=incident.pk)


@require_POST
@tenant_object(Incident, perm=Perm.INCIDENT_REPORT)
def add_note(request: HttpRequest, incident: Incident) -> HttpResponse:
    form = NoteForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("text", []):
            messages.error(request, str(error))
        return redirect("incidents:detail", pk=incident.pk)
    return _post_action(
        request,
        incident,
        lambda: services.incident_add_note(
            incident=incident,
            user=_user(request),
            text=form.cleaned_data["text"],
        ),
    )


@require_POST
@tenant_object(Incident, perm=Perm.INCIDENT_MANAGE)
def transition(request: HttpRequest, incident: Incident, name: str) -> HttpResponse:
    form = TransitionForm(request.POST)
    form.is_valid()
    return _post_action(
        request,
        incident,
        lambda: services.incident_transition(
            incident=incident,
            user=_user(request),
            name=name,
            note=form.cleaned_data.get("note", ""),
            expected_version=form.cleaned_data.get("version"),
        ),
    )


def _invalid(request: HttpRequest, incident: Incident, form: forms.Form) -> HttpResponse:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else str(error))
    return redirect("incidents:detail", pk=incident.pk)


def _form_action(
    request: HttpRequest, incident: Incident, form_class: type[forms.Form], action: Callable[..., Any]
) -> HttpResponse:
    """Validate ``form_class`` from the POST, then ``action(incident=…, user=…, **cleaned_data)``; either way back to
    the incident's page, with the form's or the service's errors as messages (nothing saved then)."""
    form = form_class(request.POST)
    if not form.is_valid():
        return _invalid(request, incident, form)
    return _post_action(request, incident, lambda: action(incident=incident, user=_user(request), **form.cleaned_data))


@require_POST
@tenant_object(Incident, perm=Perm.INCIDENT_MANAGE)
def route(request: HttpRequest, incident: Incident) -> HttpResponse:
    return _form_action(request, incident, RoutingForm, services.incident_route)


@require_POST
@tenant_object(Incident, perm=Perm.INCIDENT_MANAGE)
def consultation(request: HttpRequest, incident: Incident) -> HttpResponse:
    return _form_action(request, incident, ConsultationForm, services.consultation_record)


@require_POST
@tenant_object(Incident, perm=Perm.INCIDENT_MANAGE)
def ppc_report(request: HttpRequest, incident: Incident) -> HttpResponse:
    return _form_action(request, incident, PpcReportForm, services.ppc_report_record)
