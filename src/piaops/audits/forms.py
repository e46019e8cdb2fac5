"""The forms of the audit pages: one per action. A form parses what was posted (dates by the one date reader,
``piaops.lib.fields.ReadDateField``); the rules of the audit programme and work stay in ``services``, which
raise ``ValidationError`` with the reason the page shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from piaops.audits.models import AuditType, ItemResult, ReportKind
from piaops.core.forms import ConfirmForm
from piaops.lib.fields import GuardedFormCharField, ReadDateField
from piaops.lib.fiscal import FIRST_YEAR, LAST_YEAR, date_in_range
from piaops.lib.picklist import searchable
from piaops.tenancy.access import scoped
from piaops.tenancy.models import OrgUnit, User, Work, unit_label

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(label: str, **kwargs: Any) -> GuardedFormCharField:
    """An optional text (the services decide when it is required, with their own message)."""
    return GuardedFormCharField(label=label, required=False, strip=False, **kwargs)


class ProgrammeNewForm(forms.Form):
    fiscal_year = forms.IntegerField(
        label="年度",
        error_messages={"required": "年度を数字で入力してください。", "invalid": "年度を数字で入力してください。"},
    )
    copy = forms.BooleanField(label="前年度の監査計画を複写して始める", required=False)


class AuditAddForm(forms.Form):
    """An audit added to a draft programme: unit, works and auditors of the user's municipality."""

    unit = forms.ModelChoiceField(
        label="監査対象所属",
        queryset=OrgUnit.objects.none(),
        error_messages=dict.fromkeys(("required", "invalid_choice"), "監査対象所属を選んでください。"),
    )
    works = forms.ModelMultipleChoiceField(
        label="対象事務",
        queryset=Work.objects.none(),
        help_text="複数選択可",
        error_messages={"required": "対象事務を1つ以上選んでください。"},
    )
    audit_type = forms.ChoiceField(
        label="種別",
        choices=AuditType.choices,
        error_messages={"required": "監査の種別を選んでください。", "invalid_choice": "監査の種別を選んでください。"},
    )
    planned_start = ReadDateField(
        label="開始日", widget=_DATE, error_messages={"required": "開始日を入力してください。"}
    )
    planned_end = ReadDateField(label="終了日", widget=_DATE, required=False, help_text="空欄は開始日と同じ日")
    auditors = forms.ModelMultipleChoiceField(
        label="監査人", queryset=User.objects.none(), required=False, help_text="複数選択可"
    )
    exception_reason = _text(
        "独立性の例外の理由", widget=forms.Textarea(attrs={"rows": 2}), help_text="監査人が対象所属に属する場合のみ"
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scoped(user, OrgUnit)  # type: ignore[attr-defined]
        searchable(self.fields["unit"])
        self.fields["unit"].label_from_instance = unit_label  # type: ignore[attr-defined]
        self.fields["works"].queryset = scoped(user, Work)  # type: ignore[attr-defined]
        searchable(self.fields["works"])
        self.fields["auditors"].queryset = scoped(user, User)  # type: ignore[attr-defined]
        searchable(self.fields["auditors"])

    def clean_planned_end(self) -> dt.date | None:
        end: dt.date | None = self.cleaned_data.get("planned_end")
        return end or self.cleaned_data.get("planned_start")


class AuditCompleteForm(ConfirmForm):
    summary = _text("総括")


class ItemRecordForm(forms.Form):
    result = forms.ChoiceField(
        label="結果",
        choices=[("", "—"), *ItemResult.choices],
        required=False,
        error_messages={"invalid_choice": "結果を選んでください。"},
    )
    notes = _text("所見")
    working_paper = _text("監査調書")


class ItemCorrectForm(ItemRecordForm):
    reason = _text("訂正の理由")


class EvidenceForm(forms.Form):
    file = forms.FileField(label="証跡ファイル", error_messages={"required": "ファイルを選んでください。"})


class ReauditForm(forms.Form):
    planned_start = ReadDateField(
        label="再監査の予定日", error_messages={"required": "再監査の予定日を入力してください。"}
    )
    exception_reason = _text("独立性の例外の理由")


def _in_range(day: dt.date | None) -> dt.date | None:
    if day is not None and not date_in_range(day):
        raise forms.ValidationError(f"基準日は {FIRST_YEAR}年から{LAST_YEAR}年までの日付で入力してください。")
    return day


class ReportDraftForm(forms.Form):
    """The query of a draft report's download: its kind, format and 基準日 (empty: the end of the 年度, or today)."""

    kind = forms.ChoiceField(choices=ReportKind.choices)
    format = forms.ChoiceField(choices=[("pdf", "PDF"), ("xlsx", "Excel")], required=False)
    as_of = ReadDateField(label="基準日", required=False)

    def clean_format(self) -> str:
        return str(self.cleaned_data.get("format") or "pdf")

    def clean_as_of(self) -> dt.date | None:
        return _in_range(self.cleaned_data.get("as_of"))


class ReportSubmitForm(ConfirmForm):
    kind = forms.ChoiceField(
        label="種類",
        choices=ReportKind.choices,
        error_messages={"required": "報告書の種類が不正です。", "invalid_choice": "報告書の種類が不正です。"},
    )
    as_of = ReadDateField(label="基準日", required=False)

    def clean_as_of(self) -> dt.date | None:
        return _in_range(self.cleaned_data.get("as_of"))


class ReportReturnForm(forms.Form):
    comment = _text("コメント")


class ReportReceiveForm(ConfirmForm):
    comment = _text("コメント")
