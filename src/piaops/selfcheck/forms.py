from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from piaops.assessments.models import AssessmentReport
from piaops.lib.dates import DateReadError, read_date
from piaops.lib.fields import GuardedFormCharField
from piaops.lib.picklist import searchable
from piaops.selfcheck.errors import Problem
from piaops.selfcheck.models import Answer, Category, ChecklistTemplate
from piaops.selfcheck.services import AnswerInput
from piaops.tenancy.models import Municipality, OrgUnit, unit_label


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


class UploadForm(forms.Form):
    file = forms.FileField(label="ファイル", allow_empty_file=True)  # an empty workbook is the importer's to refuse


# One item's answer as the checklist form shows it: value, comment, improvement plan, target date (as typed, or "").
Typed = tuple[str, str, str, str]


class AnswersForm(forms.Form):
    """The answers of a checklist page (draft save, and save and submit). Per item ``i`` of the checklist: ``v{i}``
    (はい・いいえ・該当なし or empty), ``c{i}`` comment, ``p{i}`` improvement plan, ``d{i}`` target date (read by
    :func:`piaops.lib.dates.read_date`); ``version`` is the checklist version the page was loaded at.

    Only the items the form carries (their ``v{i}``) are answers: an old page with fewer items changes nothing of
    the others. What lies in the values (allowed choices, a 個人番号 in the text) is judged by the services, which
    list every problem at once; this form reports the dates it cannot read (:meth:`problems`).
    """

    version = forms.CharField(required=False)

    def __init__(self, data: Any = None, *, answers: list[Answer]) -> None:
        super().__init__(data)
        self.rows = answers  # in checklist order, each with its ``number``
        for a in answers:
            i = a.item_id
            self.fields[f"v{i}"] = forms.CharField(required=False, strip=False)
            self.fields[f"c{i}"] = GuardedFormCharField(required=False, strip=False)
            self.fields[f"p{i}"] = GuardedFormCharField(required=False, strip=False)
            self.fields[f"d{i}"] = forms.CharField(required=False)
        self._problems: list[Problem] = []

    def carries(self, item_id: int) -> bool:
        """Whether the posted form carries the item (its answer field)."""
        return self.is_bound and f"v{item_id}" in self.data

    def clean_version(self) -> int | None:
        """The version the form was loaded at; None when the form carries none (e.g. an old page)."""
        raw: str = self.cleaned_data.get("version") or ""
        return int(raw) if raw.isdigit() else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._problems = []
        for a in self.rows:
            i = a.item_id
            if not self.carries(i):
                continue
            try:
                cleaned[f"d{i}"] = read_date(cleaned.get(f"d{i}", ""))
            except DateReadError as exc:
                cleaned[f"d{i}"] = None
                self._problems.append(Problem(f"項目{a.number}", f"改善予定日: {exc}"))
        return cleaned

    def problems(self) -> list[Problem]:
        """The items whose target date cannot be read, and any field the form refused (e.g. a NUL character);
        valid only after ``is_valid()``."""
        numbers = {f"{k}{a.item_id}": a.number for a in self.rows for k in "vcpd"}
        refused = [
            Problem(f"項目{numbers[name]}" if name in numbers else "", str(e))
            for name, errs in self.errors.items()
            for e in errs
        ]
        return [*self._problems, *refused]

    def answers(self) -> dict[int, AnswerInput]:
        """The answers the form carries, by item id (valid only after ``is_valid()``)."""
        data = self.cleaned_data
        return {
            a.item_id: AnswerInput(
                value=data.get(f"v{a.item_id}", ""),
                comment=data.get(f"c{a.item_id}", ""),
                improvement_plan=data.get(f"p{a.item_id}", ""),
                target_date=data.get(f"d{a.item_id}"),
            )
            for a in self.rows
            if self.carries(a.item_id)
        }

    def typed(self, item_id: int) -> Typed | None:
        """What the user typed for the item, as it was posted; None when the form did not carry it."""
        if not self.carries(item_id):
            return None
        return tuple(str(self.data.get(f"{k}{item_id}", "")) for k in "vcpd")  # type: ignore[return-value]

    @property
    def version_loaded(self) -> int | None:
        """The version the page was loaded at (valid only after ``is_valid()``)."""
        return self.cleaned_data.get("version")


class ReviewForm(forms.Form):
    """The governance division's review of a submitted round: a comment per item (``rc{item id}``, optional) and
    an overall ``note``. Accepting also asks for the confirmation (:class:`~piaops.core.forms.ConfirmForm`)."""

    note = GuardedFormCharField(label="全体コメント", required=False, strip=False)

    def __init__(self, data: Any = None, *, item_ids: list[int]) -> None:
        super().__init__(data)
        self.item_ids = item_ids
        for i in item_ids:
            self.fields[f"rc{i}"] = GuardedFormCharField(required=False, strip=False)

    def comments(self) -> dict[int, str]:
        """The non-blank comments by item id (valid only after ``is_valid()``)."""
        return {i: text for i in self.item_ids if (text := self.cleaned_data.get(f"rc{i}", "")).strip()}


class TargetsForm(forms.Form):
    """The units a campaign in preparation targets (an id of another municipality is no choice)."""

    unit = forms.ModelMultipleChoiceField(label="対象所属", queryset=OrgUnit.objects.none(), required=False)

    def __init__(self, *args: Any, municipality_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.filter(municipality_id=municipality_id)  # type: ignore[attr-defined]
        searchable(self.fields["unit"])
        self.fields["unit"].label_from_instance = unit_label  # type: ignore[attr-defined]


class EvidenceForm(forms.Form):
    """A file for one answer of the checklist (``answers``: the checklist's answers, the only choices)."""

    answer = forms.ModelChoiceField(queryset=Answer.objects.none())
    file = forms.FileField(
        label="ファイル", allow_empty_file=True, error_messages={"required": "ファイルを選んでください。"}
    )

    def __init__(self, *args: Any, answers: QuerySet[Answer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["answer"].queryset = answers  # type: ignore[attr-defined]


class BaselineForm(forms.Form):
    """Create the 安全管理措置 baseline of a 年度 (from the previous 年度's, else the standard items)."""

    fiscal_year = forms.IntegerField(label="年度", min_value=2014, max_value=2200)
