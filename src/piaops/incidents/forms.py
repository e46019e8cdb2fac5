from __future__ import annotations

from typing import Any

from django import forms

from piaops.incidents.models import Cause, Incident
from piaops.incidents.services import UPDATABLE_FIELDS
from piaops.lib.fields import GuardedFormCharField
from piaops.lib.formtypes import ModelForm
from piaops.lib.picklist import searchable
from piaops.tenancy.models import Municipality, OrgUnit, Work, unit_label

_DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class IncidentForm(ModelForm):
    """The facts of an incident. Choice lists are limited to the user's municipality."""

    works = forms.ModelMultipleChoiceField(
        label="影響を受けた事務", queryset=Work.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Incident
        fields = [*UPDATABLE_FIELDS, "reporting_unit"]
        widgets = {"occurred_at": _DT, "detected_at": _DT, "description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["works"].queryset = Work.objects.for_municipality(municipality).filter(is_active=True)  # type: ignore[attr-defined]
        searchable(self.fields["works"])
        self.fields["reporting_unit"].queryset = OrgUnit.objects.for_municipality(municipality).active()  # type: ignore[attr-defined]
        searchable(self.fields["reporting_unit"])
        self.fields["reporting_unit"].label_from_instance = unit_label  # type: ignore[attr-defined]
        for name in ("occurred_at", "detected_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["works"].initial = list(self.instance.works.all())
            self.fields["version"].initial = self.instance.version
            del self.fields["reporting_unit"]


class NoteForm(forms.Form):
    text = GuardedFormCharField(label="経過の内容", widget=forms.Textarea(attrs={"rows": 3}))


class TransitionForm(forms.Form):
    note = GuardedFormCharField(label="補足（任意）", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RoutingForm(forms.Form):
    cause = forms.ChoiceField(label="原因の所在", choices=[c for c in Cause.choices if c[0] != Cause.UNDETERMINED])
    rationale = GuardedFormCharField(label="判断の理由", widget=forms.Textarea(attrs={"rows": 3}))
    contract_clause = GuardedFormCharField(label="根拠となる契約条項（例：保守契約書 第12条）", required=False)


class ConsultationForm(forms.Form):
    held_on = forms.DateField(label="協議日", widget=forms.DateInput(attrs={"type": "date"}))
    participants = GuardedFormCharField(label="参加者（当団体・デジタル庁・関係事業者）")
    record_text = GuardedFormCharField(label="協議の記録", widget=forms.Textarea(attrs={"rows": 4}))
    agreed_cause = forms.ChoiceField(
        label="合意した原因の所在", choices=[c for c in Cause.choices if c[0] != Cause.UNDETERMINED]
    )
    outcome = GuardedFormCharField(label="結論", required=False)


class PpcReportForm(forms.Form):
    kind = forms.ChoiceField(label="報告の種類", choices=[("prompt", "速報"), ("final", "確報")])
    reported_on = forms.DateField(label="報告日", widget=forms.DateInput(attrs={"type": "date"}))
