"""Forms of third-party assurance. Choices of related rows are always limited to the user's municipality."""

from __future__ import annotations

from typing import Any

from django import forms

from piaops.assessments.vocab import CommitmentKind
from piaops.assurance.ismap_list import DEFAULT_MAPPING, FIELD_LABELS
from piaops.assurance.models import CloudService, Contract, Obligation, Responsibility, Subcontract
from piaops.lib import cadence as cadence_grammar
from piaops.lib.fields import GuardedFormCharField
from piaops.lib.formtypes import ModelForm
from piaops.lib.picklist import searchable
from piaops.tenancy.models import Municipality, Party, Work


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _dates(*names: str) -> dict[str, forms.Widget]:
    return {name: DateInput() for name in names}


class ContractForm(ModelForm):
    class Meta:
        model = Contract
        fields = ["title", "number", "start_date", "end_date", "scope", "works", "data_concerned", "note"]
        widgets = {**_dates("start_date", "end_date"), "works": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["works"].queryset = Work.objects.for_municipality(municipality)  # type: ignore[attr-defined]
        searchable(self.fields["works"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("end_date") and data.get("start_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", "契約期間の終了日は開始日以降の日付を入力してください。")
        return data


class SubcontractForm(ModelForm):
    class Meta:
        model = Subcontract
        fields = ["parent", "name", "scope", "approval", "approved_on", "approval_reference", "approved_by"]
        widgets = _dates("approved_on")

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = Subcontract.objects.filter(municipality_id=contract.municipality_id, contract=contract)
        if self.instance.pk:
            choices = choices.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = choices  # type: ignore[attr-defined]
        self.fields["parent"].empty_label = f"（委託先 {contract.party} から直接）"  # type: ignore[attr-defined]


OBLIGATION_KIND_CHOICES = [
    (k.value, k.label)
    for k in (
        CommitmentKind.THIRD_PARTY,
        CommitmentKind.AUDIT,
        CommitmentKind.SELF_INSPECTION,
        CommitmentKind.TRAINING,
        CommitmentKind.OTHER,
    )
]


class ObligationForm(ModelForm):
    kind = forms.ChoiceField(label="種類", choices=OBLIGATION_KIND_CHOICES)
    cadence = forms.ChoiceField(label="頻度", choices=cadence_grammar.PERIODIC_CHOICES, initial="annual")
    nominal_due = forms.DateField(
        label="次回期限",
        required=False,
        widget=DateInput(),
        help_text="空欄なら現在の年度（半期・四半期・月）の末日。開庁日でない日は次の開庁日になります。",
    )

    class Meta:
        model = Obligation
        fields = ["party", "contract", "title", "kind", "cadence", "evidence_expected", "nominal_due", "is_active"]

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = Party.objects.for_municipality(municipality)  # type: ignore[attr-defined]
        self.fields["contract"].queryset = Contract.objects.for_municipality(municipality)  # type: ignore[attr-defined]
        current = self.instance.cadence if self.instance.pk else ""
        if current and current not in dict(cadence_grammar.PERIODIC_CHOICES):
            # A cadence read from a report (e.g. 年6回) stays choosable on its obligation.
            self.fields["cadence"].choices = [  # type: ignore[attr-defined]
                (current, cadence_grammar.label(current)),
                *cadence_grammar.PERIODIC_CHOICES,
            ]
        if self.instance.pk:
            self.fields["nominal_due"].required = True
            self.fields["nominal_due"].help_text = "開庁日でない日は次の開庁日になります。"
        else:
            del self.fields["is_active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        contract = data.get("contract")
        if contract is not None and data.get("party") is not None and contract.party_id != data["party"].pk:
            self.add_error("contract", "選んだ措置主体の契約を選んでください。")
        return data


class EvidenceForm(forms.Form):
    file = forms.FileField(label="証跡ファイル")
    period_from = forms.DateField(label="対象期間（開始）", widget=DateInput())
    period_to = forms.DateField(label="対象期間（終了）", widget=DateInput())
    received_on = forms.DateField(label="受領日", widget=DateInput())
    summary = GuardedFormCharField(label="内容の説明", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(f"ファイルが大きすぎます（上限 {self.max_bytes // (1024 * 1024)} MB）。")
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period_from") and data.get("period_to") and data["period_to"] < data["period_from"]:
            self.add_error("period_to", "対象期間の終了日は開始日以降の日付を入力してください。")
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="結論",
        choices=[("accept", "受理する（次回期限を更新）"), ("return", "不十分として再提出を依頼する")],
        widget=forms.RadioSelect,
    )
    note = GuardedFormCharField(label="確認の所見", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CloudServiceForm(ModelForm):
    class Meta:
        model = CloudService
        fields = [
            "party",
            "provider",
            "service_name",
            "used_by",
            "program",
            "registration_number",
            "registered_on",
            "audit_period_start",
            "audit_period_end",
            "renewal_applied_on",
            "auditor",
            "auditor_listed",
            "delisted_on",
            "note",
        ]
        widgets = _dates("registered_on", "audit_period_start", "audit_period_end", "renewal_applied_on", "delisted_on")

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = Party.objects.for_municipality(municipality)  # type: ignore[attr-defined]


class IsmapImportForm(forms.Form):
    file = forms.FileField(label="ISMAPクラウドサービスリスト（CSV または XLSX）")
    list_date = forms.DateField(label="リストの日付（公表日・更新日）", widget=DateInput())
    dry_run = forms.BooleanField(label="確認のみ（保存しない）", required=False)


class MappingForm(forms.Form):
    """One text box per list field: the header names to look for, separated by commas."""

    warn_days = forms.IntegerField(label="有効期限の何日前から知らせるか", min_value=1, max_value=730)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in DEFAULT_MAPPING:
            self.fields[name] = GuardedFormCharField(
                label=f"{FIELD_LABELS[name]} の列名", max_length=500, required=name != "program"
            )

    def mapping(self) -> dict[str, list[str]]:
        return {
            name: [v.strip() for v in self.cleaned_data.get(name, "").replace("、", ",").split(",") if v.strip()]
            for name in DEFAULT_MAPPING
        }


class ResponsibilityForm(ModelForm):
    class Meta:
        model = Responsibility
        fields = [
            "layer",
            "responsibility",
            "municipality_share",
            "digital_agency_share",
            "csp_share",
            "asp_share",
            "operator_share",
            "source_text",
            "note",
            "order",
        ]
