from __future__ import annotations

from typing import Any

from django import forms

from piaops.areas.models import Area, Authorization, Card, DoorLogMapping, Visit
from piaops.core.forms import ConfirmForm
from piaops.lib.fields import GuardedFormCharField
from piaops.lib.formtypes import ModelForm
from piaops.lib.picklist import searchable
from piaops.tenancy.models import Municipality, OrgUnit, Person, unit_label

_DATE = forms.DateInput(attrs={"type": "date"})
_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
_DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class TenantModelForm(ModelForm):
    """A ModelForm whose foreign-key choices are limited to one municipality (a forged id is refused)."""

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset.model, "municipality"):
                field.queryset = queryset.filter(municipality=municipality)  # type: ignore[attr-defined]
        self.instance.municipality = municipality


class AreaForm(TenantModelForm):
    class Meta:
        model = Area
        fields = ["name", "code", "location", "managing_unit", "hours_start", "hours_end", "is_active"]
        widgets = {"hours_start": _TIME, "hours_end": _TIME}

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, municipality=municipality, **kwargs)
        self.fields["managing_unit"].queryset = OrgUnit.objects.for_municipality(municipality).active()  # type: ignore[attr-defined]
        searchable(self.fields["managing_unit"])
        self.fields["managing_unit"].label_from_instance = unit_label  # type: ignore[attr-defined]


class AuthorizationForm(TenantModelForm):
    class Meta:
        model = Authorization
        fields = ["person", "valid_from", "valid_to", "purpose", "hours_start", "hours_end"]
        widgets = {"valid_from": _DATE, "valid_to": _DATE, "hours_start": _TIME, "hours_end": _TIME}


class CardForm(TenantModelForm):
    class Meta:
        model = Card
        fields = ["card_id", "person", "label", "valid_from", "valid_to"]
        widgets = {"valid_from": _DATE, "valid_to": _DATE}


class VisitForm(TenantModelForm):
    class Meta:
        model = Visit
        fields = ["visitor_name", "organization", "purpose", "escort", "card_id", "entered_at", "exited_at"]
        widgets = {"entered_at": _DT, "exited_at": _DT}

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, municipality=municipality, **kwargs)
        self.fields["escort"].queryset = Person.objects.for_municipality(municipality)  # type: ignore[attr-defined]
        searchable(self.fields["escort"])
        for name in ("entered_at", "exited_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]  # type: ignore[attr-defined]


class MappingForm(TenantModelForm):
    class Meta:
        model = DoorLogMapping
        fields = [
            "name",
            "timestamp_column",
            "date_column",
            "time_column",
            "card_column",
            "direction_column",
            "in_values",
            "out_values",
        ]


class DoorLogUploadForm(forms.Form):
    """A door log to import; ``dry_run`` is the 検証のみ button (validate every row, save nothing)."""

    file = forms.FileField(label="入退室ログ（CSV、UTF-8 または Shift_JIS）")
    mapping = forms.ModelChoiceField(label="列の対応", queryset=DoorLogMapping.objects.none(), required=False)
    dry_run = forms.BooleanField(required=False)

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mapping"].queryset = DoorLogMapping.objects.for_municipality(municipality)  # type: ignore[attr-defined]


class CommentForm(forms.Form):
    exception_key = forms.CharField(widget=forms.HiddenInput)
    comment = GuardedFormCharField(label="確認結果")


class SignOffForm(ConfirmForm):
    """Sign the month off: irreversible, so the confirmation box (drawn by ``core/confirm.html``) must be ticked."""

    summary = GuardedFormCharField(label="所見", widget=forms.Textarea(attrs={"rows": 3}), required=False)
