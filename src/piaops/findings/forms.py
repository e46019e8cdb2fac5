"""The forms of the follow-up transitions: one per action, each read by its own view (``views``).

The forms read and type what was posted (dates by the one date reader, the plan's version); the rules of the
transitions (an office day, a reason to reopen, who may do what) stay in ``services`` and the views' decorators.
"""

from __future__ import annotations

from django import forms

from piaops.core.forms import ConfirmForm
from piaops.lib.fields import GuardedFormCharField, ReadDateField


class PlanForm(forms.Form):
    """Propose or revise the improvement plan. ``version``: the plan's version the user edited (0: none yet)."""

    plan = GuardedFormCharField(label="改善計画", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    actions = GuardedFormCharField(label="具体的な措置", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    responsible = GuardedFormCharField(label="担当者", required=False, max_length=100)
    due_date = ReadDateField(label="完了予定日", error_messages={"required": "完了予定日を入力してください。"})
    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)


class ProgressForm(forms.Form):
    note = GuardedFormCharField(label="進捗", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CompleteForm(forms.Form):
    completed_on = ReadDateField(label="完了日", error_messages={"required": "完了日を入力してください。"})
    note = GuardedFormCharField(label="完了報告", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    """Send a completion back (改善中に戻す); the service requires the reason."""

    note = GuardedFormCharField(label="コメント", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AcceptForm(ConfirmForm, ReopenForm):
    """Accept a completion (確認済): irreversible, so the confirmation box must be ticked."""
