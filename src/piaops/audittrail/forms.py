from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from piaops.audittrail.labels import current_label, labels_of, model_of
from piaops.audittrail.models import Action, AuditEntry
from piaops.lib.fields import GuardedFormCharField
from piaops.tenancy.models import User

# Entries whose ``object_type`` names no model: an export, and a whole import of the organisation and people.
NON_MODEL_LABELS: dict[str, str] = {"export": "出力", "tenancy.PeopleImport": "組織・職員の取込"}


def object_type_label(label: str) -> str:
    """``tenancy.Party`` → ``措置主体・関係事業者`` (also under a label the model had before it moved); unknown
    labels (``export``, removed models) stay as they are."""
    if label in NON_MODEL_LABELS:
        return NON_MODEL_LABELS[label]
    model = model_of(label)
    return label if model is None else str(model._meta.verbose_name)


class AuditFilterForm(forms.Form):
    """The filters of the audit-log page. Every choice is drawn from the user's own municipality."""

    date_from = forms.DateField(label="期間（から）", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="期間（まで）", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.ModelChoiceField(label="実行者", queryset=User.objects.none(), required=False, empty_label="すべて")
    action = forms.ChoiceField(label="操作", required=False, choices=[("", "すべて"), *Action.choices])
    object_type = forms.ChoiceField(label="対象の種類", required=False)
    q = GuardedFormCharField(label="キーワード", required=False, max_length=100)

    def __init__(self, *args: Any, entries: QuerySet[AuditEntry], users: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = users.order_by("username")  # type: ignore[attr-defined]
        stored = entries.exclude(object_type="").order_by().values_list("object_type", flat=True).distinct()
        # One choice per model, under its current label, even when older entries carry a label from before a move.
        types = sorted({current_label(t) for t in stored})
        self.fields["object_type"].choices = [  # type: ignore[attr-defined]
            ("", "すべて"),
            *((t, object_type_label(t)) for t in types),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "期間（まで）は期間（から）以降の日付を入力してください。")
        return data

    def apply(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """``entries`` narrowed by the valid filters (an invalid form filters nothing it could not read)."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("date_from"):
            entries = entries.filter(at__date__gte=data["date_from"])
        if data.get("date_to"):
            entries = entries.filter(at__date__lte=data["date_to"])
        if data.get("actor"):
            entries = entries.filter(actor=data["actor"])
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        if data.get("object_type"):
            entries = entries.filter(object_type__in=labels_of(data["object_type"]))
        if q := (data.get("q") or "").strip():
            entries = entries.filter(
                Q(object_repr__icontains=q)
                | Q(summary__icontains=q)
                | Q(actor_name__icontains=q)
                | Q(object_id=q)
                | Q(remote_addr=q)
                | Q(proxy_addr=q)
            )
        return entries
