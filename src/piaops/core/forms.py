from __future__ import annotations

from typing import Any

from django import forms

from piaops.lib.fields import GuardedFormCharField

CONFIRM_LABEL = "この操作は取り消せないことを確認しました"


class ConfirmForm(forms.Form):
    """The confirmation step of an irreversible action (監査を完了, 提出, 署名, 受理, 削除): a checkbox in the same
    form, so it works without JavaScript (the template ``core/confirm.html`` draws it). The view refuses the
    action, with this message, when the box was not ticked."""

    confirm = forms.BooleanField(
        label=CONFIRM_LABEL,
        error_messages={
            "required": "取り消せない操作です。「確認しました」にチェックを入れてから、もう一度押してください。"
        },
    )


def confirmation_error(data: Any) -> str | None:
    """``None`` when ``data`` (a POST) carries the ticked confirmation, else the Japanese message to show."""
    form = ConfirmForm(data)
    if form.is_valid():
        return None
    return str(form.errors["confirm"][0])


class ReopenForm(forms.Form):
    """Re-opening a signed, accepted, completed or submitted record: the reason is required and recorded."""

    reason = GuardedFormCharField(
        label="再開の理由",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "再開の理由を入力してください。"},
    )
