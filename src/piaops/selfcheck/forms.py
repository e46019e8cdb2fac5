from __future__ import annotations

from typing import Any

from django import forms

from piaops.assessments.models import AssessmentReport
from piaops.assessments.vocab import SectionIVRating
from piaops.lib.fields import GuardedFormCharField
from piaops.selfcheck.models import Category, ChecklistTemplate
from piaops.tenancy.models import Municipality


class TemplateForm(forms.Form):
    title = GuardedFormCharField(label="自己点検票の名称", max_length=200)
    report = forms.ModelChoiceField(
        label="評価書（約束を点検項目にする）", queryset=AssessmentReport.objects.none(), required=False
    )
    include_general = forms.BooleanField(label="一般的な安全管理措置の項目を含める", required=False, initial=True)

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["report"].queryset = AssessmentReport.objects.current().for_municipality(municipality)  # type: ignore[attr-defined]


class ItemForm(forms.Form):
    category = forms.ChoiceField(label="区分", choices=Category.choices, initial=Category.ADDED)
    text = GuardedFormCharField(label="点検項目", widget=forms.Textarea(attrs={"rows": 2}))
    guidance = GuardedFormCharField(label="説明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CampaignForm(forms.Form):
    fiscal_year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = GuardedFormCharField(label="名称", max_length=200)
    templates = forms.ModelMultipleChoiceField(
        label="自己点検票（複数選べます。評価書のもの、一般的な安全管理措置のものなど）",
        queryset=ChecklistTemplate.objects.none(),
    )
    deadline = forms.DateField(label="提出期限（開庁日）", widget=forms.DateInput(attrs={"type": "date"}))
    reminder_office_days = forms.IntegerField(
        label="期限の何開庁日前に通知するか", min_value=0, max_value=60, initial=5
    )
    instructions = GuardedFormCharField(label="実施要領", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["templates"].queryset = ChecklistTemplate.objects.filter(municipality=municipality)  # type: ignore[attr-defined]

    def clean_templates(self) -> list[ChecklistTemplate]:
        """The chosen templates in checklist order: report-derived ones first, then by code."""
        chosen = list(self.cleaned_data["templates"])
        return sorted(chosen, key=lambda t: (t.report_id is None, t.code, -t.version))


class RatingForm(forms.Form):
    chosen = forms.ChoiceField(label="採用する評価", choices=SectionIVRating.choices)
    reason = GuardedFormCharField(
        label="理由（提案と異なる場合は必須）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class UploadForm(forms.Form):
    file = forms.FileField(label="ファイル")
