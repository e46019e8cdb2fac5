"""Forms of the 見直し pages: every POST goes through one of these."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from piaops.assessments.models import AssessmentReport
from piaops.lib.fields import GuardedFormCharField
from piaops.reviews.models import Decision
from piaops.tenancy.models import Municipality

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OpenForm(forms.Form):
    report = forms.ModelChoiceField(label="評価書", queryset=AssessmentReport.objects.none())
    fiscal_year = forms.IntegerField(label="年度", min_value=2014, max_value=2200)

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["report"].queryset = AssessmentReport.objects.filter(municipality=municipality).current()  # type: ignore[attr-defined]


class FiguresForm(forms.Form):
    subjects = forms.IntegerField(label="対象人数", min_value=0, max_value=1_000_000_000)
    handlers = forms.IntegerField(label="取扱者数（委託先の従業者を含む）", min_value=0, max_value=10_000_000)
    figures_source = GuardedFormCharField(
        label="人数の出典", max_length=200, required=False, help_text="例：令和8年4月1日現在の住民基本台帳人口"
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="判断", choices=Decision.choices, widget=forms.RadioSelect)
    reason = GuardedFormCharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}))
    reassessment_due = forms.DateField(
        label="再評価の期限（重要な変更のとき）", required=False, widget=_DATE, help_text="変更を行う前の日付"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        due: dt.date | None = data.get("reassessment_due")
        if data.get("decision") == Decision.SIGNIFICANT and due is None:
            self.add_error("reassessment_due", "重要な変更には、変更前に行う再評価の期限を入れてください。")
        return data


class SignForm(forms.Form):
    confirm = forms.BooleanField(label="すべての候補の判断と、しきい値判断の結果を確認しました", required=True)


class ReopenForm(forms.Form):
    reason = GuardedFormCharField(label="再開の理由", widget=forms.Textarea(attrs={"rows": 2}))
