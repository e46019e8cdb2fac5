"""Pages of third-party assurance. Thin: parse, fetch through ``access``, call a service, render.

Who sees what (``models.sees_every_party`` and the ``visible_to`` of contracts, obligations and evidence): any role
but 事業者担当 sees everything of their municipality; a user whose only grants are 事業者担当 sees only the parties,
contracts, obligations and evidence of their own parties (another party's answer 403) and not the ISMAP register
nor the responsibility matrix (403). Writes need ``ASSURANCE_MANAGE``, except evidence submission
(``ASSURANCE_CONTRIBUTE``, for the contractor's own party).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from piaops.assurance import matrix, services
from piaops.assurance.forms import (
    CloudServiceForm,
    ContractForm,
    EvidenceForm,
    IsmapImportForm,
    MappingForm,
    ObligationForm,
    ResponsibilityForm,
    ReviewForm,
    SubcontractForm,
)
from piaops.assurance.ismap_list import DEFAULT_MAPPING, IsmapListError, normalise_mapping
from piaops.assurance.models import (
    MATRIX_PARTIES,
    CloudService,
    Contract,
    Evidence,
    IsmapAlert,
    IsmapSnapshot,
    Obligation,
    Responsibility,
    Subcontract,
    sees_every_party,
    visible_parties,
)
from piaops.audittrail.models import Action
from piaops.audittrail.services import record
from piaops.core.forms import confirmation_error
from piaops.jobs.services import job_enqueue
from piaops.tenancy import access
from piaops.tenancy.access import Perm, scoped, tenant_object, tenant_view
from piaops.tenancy.models import Party, User


def _user(request: HttpRequest) -> User:
    """The logged-in user (the decorators let no anonymous request through)."""
    return request.user  # type: ignore[return-value]


def _require_every_party(user: User) -> None:
    """403 for a user who reads only their own parties (the ISMAP register and the responsibility matrix)."""
    if not sees_every_party(user):
        raise PermissionDenied("この画面を表示する権限がありません。")


def _can_manage(user: User) -> bool:
    return access.has_perm_somewhere(user, Perm.ASSURANCE_MANAGE)


def _today() -> dt.date:
    return timezone.localdate()


def _service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


def _form_page(request: HttpRequest, *, form: forms.BaseForm, heading: str, back: str, **extra: Any) -> HttpResponse:
    return render(request, "assurance/form.html", {"form": form, "heading": heading, "back": back, **extra})


# ---------------------------------------------------------------------------------------------------------------
# Overview, parties, contracts


@tenant_view(Perm.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    user, today = _user(request), _today()
    full_view = sees_every_party(user)
    obligations = Obligation.objects.visible_to(user).active().select_related("party")
    parties = visible_parties(user).filter(is_active=True)
    context: dict[str, Any] = {
        "overdue": obligations.overdue(today),
        "due_soon": obligations.due_within(today, 30),
        "parties": parties.exclude(kind=Party.Kind.MUNICIPALITY),
        "can_manage": _can_manage(user),
        "full_view": full_view,
    }
    if full_view:
        latest = scoped(user, IsmapSnapshot).first()
        context["latest_snapshot"] = latest
        context["ismap_alerts"] = latest.alerts.open().select_related("service") if latest else []
        context["service_count"] = scoped(user, CloudService).count()
        context["matrix_rows"] = scoped(user, Responsibility).count()
    return render(request, "assurance/index.html", context)


@tenant_object(Party, perm=Perm.VIEW)
def party_detail(request: HttpRequest, party: Party) -> HttpResponse:
    if not visible_parties(_user(request)).filter(pk=party.pk).exists():  # Party is tenancy's: no visible_to
        raise PermissionDenied("この操作を行う権限がありません。")
    return render(
        request,
        "assurance/party_detail.html",
        {
            "party": party,
            "contracts": scoped(request.user, Contract).filter(party=party).prefetch_related("works"),
            "obligations": scoped(request.user, Obligation).filter(party=party),
            "services": scoped(request.user, CloudService).filter(party=party),
            "can_manage": _can_manage(_user(request)),
            "today": _today(),
        },
    )


@tenant_object(Party, perm=Perm.ASSURANCE_MANAGE, url_kwarg="party_pk")
def contract_create(request: HttpRequest, party: Party) -> HttpResponse:
    municipality = access.municipality_of(request.user)
    form = ContractForm(request.POST if request.method == "POST" else None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        contract = form.save(commit=False)
        contract.municipality, contract.party = municipality, party
        try:
            services.contract_save(contract=contract, works=form.cleaned_data["works"])
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, "委託契約を登録しました。")
            return redirect("assurance:contract_detail", pk=contract.pk)
    return _form_page(request, form=form, heading=f"委託契約の登録（{party}）", back=_party_url(party))


def _party_url(party: Party) -> str:
    return reverse("assurance:party_detail", args=[party.pk])


@tenant_object(Contract, perm=Perm.ASSURANCE_MANAGE)
def contract_edit(request: HttpRequest, contract: Contract) -> HttpResponse:
    form = ContractForm(
        request.POST if request.method == "POST" else None, instance=contract, municipality=contract.municipality
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_save(contract=form.save(commit=False), works=form.cleaned_data["works"])
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, "委託契約を更新しました。")
            return redirect("assurance:contract_detail", pk=contract.pk)
    back = reverse("assurance:contract_detail", args=[contract.pk])
    return _form_page(request, form=form, heading=f"委託契約の編集（{contract}）", back=back)


@tenant_object(Contract, perm=Perm.VIEW)
def contract_detail(request: HttpRequest, contract: Contract) -> HttpResponse:
    subcontracts = list(scoped(request.user, Subcontract).filter(contract=contract))
    by_parent: dict[int | None, list[Subcontract]] = {}
    for s in subcontracts:
        by_parent.setdefault(s.parent_id, []).append(s)
    chain: list[tuple[int, Subcontract]] = []

    def walk(parent: int | None, depth: int) -> None:
        for s in by_parent.get(parent, []):
            chain.append((depth, s))
            walk(s.pk, depth + 1)

    walk(None, 1)
    return render(
        request,
        "assurance/contract_detail.html",
        {
            "contract": contract,
            "chain": chain,
            "obligations": contract.obligations.all(),
            "can_manage": _can_manage(_user(request)),
        },
    )


@tenant_object(Contract, perm=Perm.ASSURANCE_MANAGE, url_kwarg="contract_pk")
def subcontract_create(request: HttpRequest, contract: Contract) -> HttpResponse:
    form = SubcontractForm(request.POST if request.method == "POST" else None, contract=contract)
    return _subcontract_form(request, form, contract, heading=f"再委託の登録（{contract}）")


@tenant_object(Subcontract, perm=Perm.ASSURANCE_MANAGE, select=("contract",))
def subcontract_edit(request: HttpRequest, subcontract: Subcontract) -> HttpResponse:
    form = SubcontractForm(
        request.POST if request.method == "POST" else None, instance=subcontract, contract=subcontract.contract
    )
    return _subcontract_form(request, form, subcontract.contract, heading=f"再委託の編集（{subcontract}）")


def _subcontract_form(request: HttpRequest, form: SubcontractForm, contract: Contract, *, heading: str) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        subcontract = form.save(commit=False)
        subcontract.municipality_id, subcontract.contract = contract.municipality_id, contract
        try:
            services.subcontract_save(subcontract=subcontract)
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, "再委託を保存しました。")
            return redirect("assurance:contract_detail", pk=contract.pk)
    return _form_page(
        request, form=form, heading=heading, back=reverse("assurance:contract_detail", args=[contract.pk])
    )


# ---------------------------------------------------------------------------------------------------------------
# Obligations and evidence


@tenant_view(Perm.VIEW)
def obligation_list(request: HttpRequest) -> HttpResponse:
    today = _today()
    qs = Obligation.objects.visible_to(_user(request)).select_related("party", "contract")
    state = request.GET.get("state", "")
    if state == "overdue":
        qs = qs.overdue(today)
    elif state == "active":
        qs = qs.active()
    return render(
        request,
        "assurance/obligation_list.html",
        {"obligations": qs, "state": state, "today": today, "can_manage": _can_manage(_user(request))},
    )


@tenant_view(Perm.ASSURANCE_MANAGE)
def obligation_create(request: HttpRequest) -> HttpResponse:
    municipality = access.municipality_of(request.user)
    initial = {"party": request.GET.get("party")} if request.GET.get("party") else None
    form = ObligationForm(
        request.POST if request.method == "POST" else None, municipality=municipality, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            obligation = services.obligation_create(
                municipality=municipality,
                party=data["party"],
                contract=data["contract"],
                title=data["title"],
                kind=data["kind"],
                cadence=data["cadence"],
                evidence_expected=data["evidence_expected"],
                nominal_due=data["nominal_due"],
                today=_today(),
                actor=_user(request),
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, "保証義務を登録しました。")
            return redirect("assurance:obligation_detail", pk=obligation.pk)
    return _form_page(request, form=form, heading="保証義務の登録", back=reverse("assurance:obligation_list"))


@tenant_object(Obligation, perm=Perm.ASSURANCE_MANAGE)
def obligation_edit(request: HttpRequest, obligation: Obligation) -> HttpResponse:
    form = ObligationForm(
        request.POST if request.method == "POST" else None, instance=obligation, municipality=obligation.municipality
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.obligation_update(
                obligation=form.save(commit=False),
                actor=_user(request),
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, "保証義務を更新しました。")
            return redirect("assurance:obligation_detail", pk=obligation.pk)
    back = reverse("assurance:obligation_detail", args=[obligation.pk])
    return _form_page(request, form=form, heading=f"保証義務の編集（{obligation}）", back=back)


@tenant_object(Obligation, perm=Perm.VIEW, select=("party", "contract"))
def obligation_detail(request: HttpRequest, obligation: Obligation) -> HttpResponse:
    return render(
        request,
        "assurance/obligation_detail.html",
        {
            "obligation": obligation,
            "evidence": obligation.evidence.select_related("submitted_by", "reviewer"),
            "events": obligation.events.select_related("actor"),
            "can_manage": _can_manage(_user(request)),
            "can_submit": access.has_perm_somewhere(request.user, Perm.ASSURANCE_CONTRIBUTE),
            "review_form": ReviewForm(),
            "today": _today(),
        },
    )


@require_POST
@tenant_view(Perm.ASSURANCE_MANAGE)
def obligations_sync(request: HttpRequest) -> HttpResponse:
    created = services.obligations_from_commitments(
        municipality=access.municipality_of(request.user),
        today=_today(),
        actor=_user(request),
    )
    messages.success(request, f"評価書の約束から保証義務を{len(created)}件作成しました。")
    return redirect("assurance:obligation_list")


@tenant_object(Obligation, perm=Perm.ASSURANCE_CONTRIBUTE, select=("party", "contract"))
def evidence_submit(request: HttpRequest, obligation: Obligation) -> HttpResponse:
    initial = {"received_on": _today()}
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = EvidenceForm(data, files, initial=initial, max_bytes=settings.PIAOPS_MAX_UPLOAD_BYTES)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.evidence_submit(
                obligation=obligation,
                file_name=upload.name,
                content=upload.read(),
                period_from=form.cleaned_data["period_from"],
                period_to=form.cleaned_data["period_to"],
                received_on=form.cleaned_data["received_on"],
                summary=form.cleaned_data["summary"],
                submitted_by=_user(request),
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, "証跡を提出しました。総括部門の確認後に期限が更新されます。")
            return redirect("assurance:obligation_detail", pk=obligation.pk)
    back = reverse("assurance:obligation_detail", args=[obligation.pk])
    return _form_page(request, form=form, heading=f"証跡の提出（{obligation}）", back=back, multipart=True)


@require_POST
@tenant_object(Evidence, perm=Perm.ASSURANCE_MANAGE)
def evidence_review(request: HttpRequest, evidence: Evidence) -> HttpResponse:
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.evidence_review(
                evidence=evidence,
                accept=form.cleaned_data["decision"] == "accept",
                note=form.cleaned_data["note"],
                reviewer=_user(request),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "証跡の確認結果を記録しました。")
    else:
        messages.error(request, "結論を選んでください。")
    return redirect("assurance:obligation_detail", pk=evidence.obligation_id)


@tenant_object(Evidence, perm=Perm.VIEW)
def evidence_download(request: HttpRequest, evidence: Evidence) -> FileResponse:
    # Streamed from the storage (a file in the database is read chunk by chunk, README "複数ノード").
    response = FileResponse(evidence.file.open("rb"), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=evidence.file_name) or ""
    return response


# ---------------------------------------------------------------------------------------------------------------
# ISMAP register, list import, snapshots


@tenant_view(Perm.VIEW)
def ismap_register(request: HttpRequest) -> HttpResponse:
    _require_every_party(_user(request))
    today = _today()
    municipality = access.municipality_of(request.user)
    warn_days = services.ismap_settings_for(municipality).warn_days
    rows = []
    for service in scoped(request.user, CloudService).select_related("party"):
        if service.delisted_on is not None:  # whatever its date: the register never contradicts the alert
            state, css = f"リストから削除（{service.delisted_on.isoformat()}・無効）", "bad"
        elif not service.is_valid(today):
            state, css = "有効期限切れ", "bad"
        elif service.renewal_pending(today):
            state, css = "更新審査中（有効）", "warn"
        elif service.expires_on and (service.expires_on - today).days <= warn_days:
            state, css = f"期限まで{(service.expires_on - today).days}日", "warn"
        else:
            state, css = "有効", "ok"
        rows.append((service, state, css))
    return render(
        request,
        "assurance/ismap_register.html",
        {
            "rows": rows,
            "snapshots": scoped(request.user, IsmapSnapshot)[:10],
            "can_manage": _can_manage(_user(request)),
            "warn_days": warn_days,
        },
    )


@tenant_view(Perm.ASSURANCE_MANAGE)
def cloud_service_create(request: HttpRequest) -> HttpResponse:
    municipality = access.municipality_of(request.user)
    form = CloudServiceForm(request.POST if request.method == "POST" else None, municipality=municipality)
    return _cloud_service_form(request, form, municipality_id=municipality.pk, heading="クラウドサービスの登録")


@tenant_object(CloudService, perm=Perm.ASSURANCE_MANAGE)
def cloud_service_edit(request: HttpRequest, service: CloudService) -> HttpResponse:
    form = CloudServiceForm(
        request.POST if request.method == "POST" else None, instance=service, municipality=service.municipality
    )
    return _cloud_service_form(request, form, municipality_id=service.municipality_id, heading=f"{service} の編集")


def _cloud_service_form(
    request: HttpRequest, form: CloudServiceForm, *, municipality_id: int, heading: str
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        service = form.save(commit=False)
        service.municipality_id = municipality_id
        try:
            services.cloud_service_save(service=service)
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, "クラウドサービスを保存しました。有効期限はISMAPの規程により計算しました。")
            return redirect("assurance:ismap_register")
    return _form_page(request, form=form, heading=heading, back=reverse("assurance:ismap_register"))


@tenant_view(Perm.ASSURANCE_MANAGE)
def ismap_import(request: HttpRequest) -> HttpResponse:
    municipality = access.municipality_of(request.user)
    form = IsmapImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"list_date": _today()},
    )
    errors: list[str] = []
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.PIAOPS_MAX_UPLOAD_BYTES:
            errors = ["ファイルが大きすぎます。"]
        else:
            content = upload.read()
            try:
                # Checked here (every problem on this page); the import itself is a background job, which checks
                # again inside its transaction.
                result = services.ismap_import(
                    municipality=municipality,
                    content=content,
                    file_name=upload.name,
                    list_date=form.cleaned_data["list_date"],
                    dry_run=True,
                    imported_by=_user(request),
                )
            except IsmapListError as exc:
                errors = exc.errors
            else:
                if not form.cleaned_data["dry_run"]:
                    job = job_enqueue(
                        municipality=municipality,
                        user=_user(request),
                        kind="ismap_import",
                        title=f"ISMAPリストの取込: {upload.name}",
                        params={"list_date": form.cleaned_data["list_date"].isoformat()},
                        uploads={"upload": (upload.name, content)},
                    )
                    return redirect("jobs:detail", pk=job.pk)
    return render(request, "assurance/ismap_import.html", {"form": form, "errors": errors, "result": result})


@tenant_view(Perm.ASSURANCE_MANAGE)
def ismap_mapping(request: HttpRequest) -> HttpResponse:
    municipality = access.municipality_of(request.user)
    current = services.ismap_settings_for(municipality)
    mapping = normalise_mapping(current.mapping)
    initial: dict[str, Any] = {name: "、".join(mapping[name]) for name in DEFAULT_MAPPING}
    initial["warn_days"] = current.warn_days
    form = MappingForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.ismap_settings_save(
            municipality=municipality, mapping=form.mapping(), warn_days=form.cleaned_data["warn_days"]
        )
        messages.success(request, "列の対応を保存しました。")
        return redirect("assurance:ismap_register")
    return _form_page(request, form=form, heading="ISMAPリストの列の対応", back=reverse("assurance:ismap_register"))


@tenant_object(IsmapSnapshot, perm=Perm.VIEW)
def ismap_snapshot(request: HttpRequest, snap: IsmapSnapshot) -> HttpResponse:
    _require_every_party(_user(request))
    return render(
        request,
        "assurance/ismap_snapshot.html",
        {
            "snapshot": snap,
            "alerts": snap.alerts.select_related("service"),
            "entries": snap.entries.all()[:500],
            "can_manage": _can_manage(_user(request)),
        },
    )


@require_POST
@tenant_object(IsmapAlert, perm=Perm.ASSURANCE_MANAGE)
def ismap_alert_acknowledge(request: HttpRequest, alert: IsmapAlert) -> HttpResponse:
    services.ismap_alert_acknowledge(alert=alert)
    messages.success(request, "照合結果を確認済みにしました。")
    return redirect("assurance:ismap_snapshot", pk=alert.snapshot_id)


# ---------------------------------------------------------------------------------------------------------------
# Responsibility matrix


@tenant_view(Perm.VIEW)
def matrix_view(request: HttpRequest) -> HttpResponse:
    _require_every_party(_user(request))
    municipality = access.municipality_of(request.user)
    names = matrix.party_names(municipality)
    columns = [(heading, names[kind]) for _, heading, kind in MATRIX_PARTIES]
    return render(
        request,
        "assurance/matrix.html",
        {"rows": scoped(request.user, Responsibility), "columns": columns, "can_manage": _can_manage(_user(request))},
    )


@tenant_view(Perm.ASSURANCE_MANAGE)
def matrix_row_create(request: HttpRequest) -> HttpResponse:
    form = ResponsibilityForm(request.POST if request.method == "POST" else None)
    return _matrix_form(request, form, heading="責任分界の行を追加")


@tenant_object(Responsibility, perm=Perm.ASSURANCE_MANAGE)
def matrix_row_edit(request: HttpRequest, row: Responsibility) -> HttpResponse:
    form = ResponsibilityForm(request.POST if request.method == "POST" else None, instance=row)
    return _matrix_form(request, form, heading=f"{row} の編集")


def _matrix_form(request: HttpRequest, form: ResponsibilityForm, *, heading: str) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        row = form.save(commit=False)
        row.municipality = access.municipality_of(request.user)
        try:
            services.responsibility_save(row=row)
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, "責任分界を保存しました。")
            return redirect("assurance:matrix")
    return _form_page(request, form=form, heading=heading, back=reverse("assurance:matrix"))


@require_POST
@tenant_object(Responsibility, perm=Perm.ASSURANCE_MANAGE)
def matrix_row_delete(request: HttpRequest, row: Responsibility) -> HttpResponse:
    if error := confirmation_error(request.POST):
        messages.error(request, error)
        return redirect("assurance:matrix")
    services.responsibility_delete(row=row)
    messages.success(request, "行を削除しました。")
    return redirect("assurance:matrix")


@require_POST
@tenant_view(Perm.ASSURANCE_MANAGE)
def matrix_prefill(request: HttpRequest) -> HttpResponse:
    created = services.matrix_prefill(municipality=access.municipality_of(request.user))
    if created:
        messages.success(request, f"評価書の記載から{len(created)}行を作成しました。")
    else:
        messages.error(request, "責任分界表にすでに行があるため、作成しませんでした。")
    return redirect("assurance:matrix")


@tenant_view(Perm.VIEW)
def matrix_export(request: HttpRequest, fmt: str) -> HttpResponse:
    _require_every_party(_user(request))
    municipality = access.municipality_of(request.user)
    if fmt == "csv":
        body, content_type = matrix.to_csv(municipality), "text/csv; charset=utf-8"
    else:
        body = matrix.to_xlsx(municipality)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    record(
        action=Action.EXPORT,
        municipality_id=municipality.pk,
        object_type="assurance.Responsibility",
        summary=f"責任分界表を出力（{fmt.upper()}）",
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="responsibility-matrix.{fmt}"'
    return response
