"""Forms of the tenancy pages. Each takes the acting municipality and scopes every choice to it, so an id of another
tenant is refused as an invalid choice. Forms check input; the rules that must hold for every caller live in
``services`` (views attach a service's ``ValidationError`` to the form with :func:`attach_errors`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from piaops.lib.fields import GuardedFormCharField
from piaops.lib.formtypes import ModelChoiceField, ModelForm, ModelMultipleChoiceField
from piaops.lib.picklist import searchable
from piaops.tenancy import services
from piaops.tenancy.models import (
    Assignment,
    EmploymentType,
    Municipality,
    OrgUnit,
    Party,
    Person,
    RoleGrant,
    User,
    Work,
    unit_label,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def attach_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's error on the form: on its field when the form has that field, else at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class UnitChoiceField(ModelChoiceField):
    """Units shown with their place in the tree, so that two 庶務係 can be told apart; the list is searchable."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        searchable(self)

    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{'　' * obj.depth}{unit_label(obj)}"


class UnitMultipleChoiceField(ModelMultipleChoiceField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        searchable(self)  # a <select> or, once long, a list of checkboxes

    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{'　' * obj.depth}{unit_label(obj)}"


def _units(municipality: Municipality) -> Any:
    return OrgUnit.objects.for_municipality(municipality).filter(is_active=True).order_by("path")


class MunicipalityForm(ModelForm):
    class Meta:
        model = Municipality
        fields = ["name", "code", "onsite_audit_cycle_years"]
        help_texts = {
            "code": "6桁（最後の1桁は検査数字）。例：札幌市 011002",
            "onsite_audit_cycle_years": "各所属に現地監査を行う周期（年度数）",
        }


class UnitForm(ModelForm):
    """Create a unit (with its parent) or edit one (without: moving is its own page)."""

    parent = UnitChoiceField(
        queryset=OrgUnit.objects.none(), required=False, label="上位組織", empty_label="（最上位）"
    )

    class Meta:
        model = OrgUnit
        fields = ["parent", "name", "code", "kind", "is_governance", "is_it"]
        help_texts = {
            "code": "団体内で重複しない組織コード",
            "is_governance": "番号制度総括部門は1つだけです。指定すると、これまでの部門の指定は外れます。",
        }

    def __init__(self, *args: Any, municipality: Municipality, with_parent: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_parent:
            self.fields["parent"].queryset = _units(municipality)  # type: ignore[attr-defined]
        else:
            del self.fields["parent"]


class UnitMoveForm(forms.Form):
    # Every active unit is offered, the unit's own subtree too: the service refuses those with a clear message.
    parent = UnitChoiceField(
        queryset=OrgUnit.objects.none(), required=False, label="移動先の上位組織", empty_label="（最上位）"
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = _units(municipality)  # type: ignore[attr-defined]


class PersonForm(ModelForm):
    class Meta:
        model = Person
        fields = [
            "staff_number",
            "name",
            "name_kana",
            "employment_type",
            "party",
            "email",
            "employed_from",
            "employed_to",
        ]
        widgets = {"employed_from": DATE, "employed_to": DATE}
        help_texts = {"party": "委託先従業者・派遣職員の場合の所属事業者"}

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = Party.objects.for_municipality(municipality).filter(  # type: ignore[attr-defined]
            is_active=True
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("employed_from"), data.get("employed_to")
        if start and end and end < start:
            self.add_error("employed_to", "任用終了日は任用開始日以降の日付を入力してください。")
        return data


class PersonFilterForm(forms.Form):
    """The people list's search box and filters (GET). Unit filter covers the unit's subtree."""

    q = GuardedFormCharField(label="氏名・カナ・職員番号", required=False, max_length=100)
    unit = UnitChoiceField(
        queryset=OrgUnit.objects.none(), required=False, label="所属（下位組織を含む）", empty_label="すべて"
    )
    employment_type = forms.ChoiceField(
        label="雇用形態", required=False, choices=[("", "すべて"), *EmploymentType.choices]
    )
    handles = forms.ChoiceField(
        label="特定個人情報の取扱い",
        required=False,
        choices=[("", "すべて"), ("yes", "取り扱う"), ("no", "取り扱わない")],
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class AssignmentForm(ModelForm):
    unit = UnitChoiceField(queryset=OrgUnit.objects.none(), label="所属")

    class Meta:
        model = Assignment
        fields = ["unit", "title", "start_date", "end_date", "handles_specific_personal_info"]
        widgets = {"start_date": DATE, "end_date": DATE}
        help_texts = {"end_date": "最後の勤務日。未定の場合は空欄"}

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(municipality)  # type: ignore[attr-defined]


class AssignmentEndForm(ModelForm):
    class Meta:
        model = Assignment
        fields = ["end_date"]
        widgets = {"end_date": DATE}
        help_texts = {"end_date": "配属の最後の日（開始日以降）"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["end_date"].required = True


class WorkForm(ModelForm):
    units = UnitMultipleChoiceField(
        queryset=OrgUnit.objects.none(),
        required=False,
        label="担当組織",
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Work
        fields = ["name", "legal_basis"]
        widgets = {"legal_basis": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = _units(municipality)  # type: ignore[attr-defined]
        if self.instance.pk and not self.is_bound:
            self.initial["units"] = [wu.unit_id for wu in self.instance.work_units.all()]


class PartyForm(ModelForm):
    class Meta:
        model = Party
        fields = ["name", "kind", "corporate_number", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"corporate_number": "13桁（先頭の1桁は検査用数字）。不明な場合は空欄"}


class UserCreateForm(ModelForm):
    password = forms.CharField(
        label="初期パスワード",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="10文字以上。ユーザー名に似たもの、よく使われるもの、数字だけのものは使えません。",
    )
    password_confirm = forms.CharField(
        label="初期パスワード（確認）", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    class Meta:
        model = User
        fields = ["username", "display_name", "email", "person"]
        field_classes = {"username": GuardedFormCharField}  # the log-in name is stored: no 個人番号 in it

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.fields["person"].queryset = Person.objects.for_municipality(municipality)  # type: ignore[attr-defined]
        searchable(self.fields["person"])
        self.fields["person"].help_text = "この利用者に対応する職員等（任意）"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        password, confirm = data.get("password"), data.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", "確認用のパスワードが一致しません。")
        elif password:
            probe = User(
                username=data.get("username", ""),
                display_name=data.get("display_name", ""),
                email=data.get("email", ""),
            )
            try:
                validate_password(password, probe)
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class UserEditForm(ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "email", "person"]

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.for_municipality(municipality)  # type: ignore[attr-defined]
        searchable(self.fields["person"])


class RoleGrantForm(ModelForm):
    unit = UnitChoiceField(
        queryset=OrgUnit.objects.none(),
        required=False,
        label="対象組織",
        empty_label="（なし）",
        help_text="所属長・所属担当者の場合（下位組織を含む）",
    )

    class Meta:
        model = RoleGrant
        fields = ["role", "unit", "party"]
        help_texts = {"party": "事業者担当の場合"}

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(municipality)  # type: ignore[attr-defined]
        self.fields["party"].queryset = Party.objects.for_municipality(municipality).filter(  # type: ignore[attr-defined]
            is_active=True
        )
        self.fields["party"].empty_label = "（なし）"  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        # The service owns the rule; checking here too keeps the model's bare constraint message off the page.
        super().clean()
        data = self.cleaned_data
        if "role" in data:
            try:
                services.check_role_scope(role=data["role"], unit=data.get("unit"), party=data.get("party"))
            except ValidationError as exc:
                attach_errors(self, exc)
        return data
