from __future__ import annotations

from typing import Any

from django import forms

from piaops.assessments.models import Commitment
from piaops.assessments.vocab import CommitmentKind
from piaops.lib.fields import GuardedFormCharField
from piaops.lib.fiscal import FIRST_YEAR, LAST_YEAR, date_in_range
from piaops.lib.formtypes import ModelForm
from piaops.lib.picklist import searchable
from piaops.tenancy.models import EmploymentType, Municipality, OrgUnit, Party, Role, Work, unit_label
from piaops.training.models import Course, Rating, Requirement, Result, Session, Topic


class DateInput(forms.DateInput):
    input_type = "date"


class AsOfForm(forms.Form):
    as_of = forms.DateField(label="基準日", required=False, widget=DateInput)

    def clean_as_of(self) -> Any:
        value = self.cleaned_data.get("as_of")
        if value is not None and not date_in_range(value):
            raise forms.ValidationError(f"基準日は {FIRST_YEAR}年から{LAST_YEAR}年までの日付で入力してください。")
        return value


class CourseForm(ModelForm):
    topics = forms.MultipleChoiceField(
        label="内容", choices=Topic.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Course
        fields = [
            "code",
            "title",
            "topics",
            "description",
            "material_title",
            "material_version",
            "material_source",
            "material_date",
            "delivery",
            "duration_minutes",
            "has_test",
            "pass_mark",
            "is_active",
        ]
        widgets = {"material_date": DateInput}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("has_test") and data.get("pass_mark") is None:
            self.add_error("pass_mark", "理解度テストがある研修は合格点を入力してください。")
        return data


class SessionForm(ModelForm):
    class Meta:
        model = Session
        fields = ["date", "end_date", "place", "trainer", "note"]
        widgets = {"date": DateInput, "end_date": DateInput}


class RequirementForm(ModelForm):
    courses = forms.ModelMultipleChoiceField(
        label="対象研修（いずれかの修了で充足）", queryset=Course.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    employment_types = forms.MultipleChoiceField(
        label="雇用形態（選ばなければすべて）",
        choices=EmploymentType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    roles = forms.MultipleChoiceField(
        label="役割（選ばなければすべて）", choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Requirement
        fields = [
            "name",
            "courses",
            "trigger",
            "within_days",
            "every_months",
            "times_per_year",
            "grace_days",
            "handling_only",
            "employment_types",
            "roles",
            "unit",
            "work",
            "party",
            "commitment",
            "is_active",
        ]

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["courses"].queryset = Course.objects.for_municipality(municipality)  # type: ignore[attr-defined]
        searchable(self.fields["courses"])
        self.fields["unit"].queryset = OrgUnit.objects.for_municipality(municipality)  # type: ignore[attr-defined]
        searchable(self.fields["unit"])
        self.fields["unit"].label_from_instance = unit_label  # type: ignore[attr-defined]
        self.fields["work"].queryset = Work.objects.for_municipality(municipality)  # type: ignore[attr-defined]
        self.fields["party"].queryset = Party.objects.for_municipality(municipality)  # type: ignore[attr-defined]
        # The report's 教育・啓発 promises in force (and the one already linked, even from an older version).
        commitments = Commitment.objects.filter(municipality=municipality).current().of_kind(CommitmentKind.TRAINING)
        if self.instance.commitment_id:
            commitments = commitments | Commitment.objects.filter(pk=self.instance.commitment_id)
        self.fields["commitment"].queryset = commitments.select_related("item")  # type: ignore[attr-defined]
        self.fields["commitment"].label_from_instance = lambda c: f"{c.item.number_path} {c.text[:60]}"  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial["courses"] = list(self.instance.courses.all())

    def clean_times_per_year(self) -> int:
        value = int(self.cleaned_data["times_per_year"])
        if value not in (1, 2, 3, 4, 6, 12):
            raise forms.ValidationError(
                "年度内の回数は 1・2・3・4・6・12 のいずれかにしてください（年度を等分します）。"
            )
        return value


class RecordForm(forms.Form):
    staff_number = GuardedFormCharField(label="職員番号", max_length=30)
    course = forms.ModelChoiceField(label="研修", queryset=Course.objects.none())
    session = forms.ModelChoiceField(label="実施回（任意）", queryset=Session.objects.none(), required=False)
    completed_on = forms.DateField(label="受講日", widget=DateInput)
    result = forms.ChoiceField(
        label="結果", choices=[("", "（得点と合格点から判定／修了）"), *Result.choices], required=False
    )
    score = forms.IntegerField(label="得点", min_value=0, max_value=1000, required=False)
    evidence = GuardedFormCharField(label="証跡（受講票・修了証の保管場所など）", max_length=300, required=False)

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        courses = Course.objects.for_municipality(municipality).filter(is_active=True)
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]
        sessions = Session.objects.for_municipality(municipality).select_related("course")
        self.fields["session"].queryset = sessions  # type: ignore[attr-defined]


class ImportForm(forms.Form):
    file = forms.FileField(label="ファイル（CSV：UTF-8/Shift_JIS、または XLSX）")
    dry_run = forms.BooleanField(label="検査のみ（登録しない）", required=False, initial=True)


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(label="採用する評価", choices=Rating.choices, coerce=int)
    reason = GuardedFormCharField(
        label="理由（提案と異なる評価のときは必須）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
