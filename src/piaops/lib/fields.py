"""Model and form fields that refuse a 個人番号.

Every free-text field of piaops is one of these (a test enumerates the models to prove it). The validator gives
forms a Japanese message naming the field; ``get_prep_value`` is the last line of defence, so that even code
that skips validation (bulk inserts, the shell) cannot write a candidate to the database.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from piaops.lib.dates import DateReadError, read_date
from piaops.lib.mynumber import contains_my_number, mask_my_numbers


class MyNumberRefused(ValidationError):
    """A value looked like a 個人番号. The message names the field, never the number."""


def refuse_my_number(value: Any, *, field_label: str | None = None) -> None:
    if isinstance(value, str) and contains_my_number(value):
        where = f"「{field_label}」に" if field_label else ""
        raise MyNumberRefused(
            f"{where}個人番号と思われる12桁の数字が含まれています。個人番号は本システムに登録できません。"
            "該当箇所を削除してから保存してください。",
            code="my_number",
        )


def refuse_nul(value: Any, *, field_label: str | None = None) -> None:
    """PostgreSQL cannot store NUL in text (a 500 otherwise); forms refuse it already, API input and imports may not."""
    if isinstance(value, str) and "\x00" in value:
        where = f"「{field_label}」に" if field_label else ""
        message = f"{where}使用できない制御文字（NUL）が含まれています。"
        raise ValidationError(message, code="null_characters_not_allowed")


def mask_policy() -> bool:
    """True when ``PIAOPS_MYNUMBER_POLICY`` is ``mask``: typed text has its candidates masked instead of refused."""
    from django.conf import settings

    return getattr(settings, "PIAOPS_MYNUMBER_POLICY", "reject") == "mask"


def guard_text(value: str, *, field_label: str | None = None) -> str:
    """``value`` as it may be stored: masked under the mask policy, else unchanged or refused
    (:class:`MyNumberRefused` naming ``field_label``). For text typed by a person or sent by a system, not files."""
    if mask_policy():
        return mask_my_numbers(value)
    refuse_my_number(value, field_label=field_label)
    return value


class MyNumberValidator:
    """Field validator; ``deconstruct`` keeps migrations stable."""

    def __init__(self, field_label: str | None = None) -> None:
        self.field_label = field_label

    def __call__(self, value: Any) -> None:
        refuse_my_number(value, field_label=self.field_label)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MyNumberValidator) and other.field_label == self.field_label

    def __hash__(self) -> int:
        return hash(self.field_label)

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        return ("piaops.lib.fields.MyNumberValidator", (), {"field_label": self.field_label})


class _Guarded:
    """Mixin for text model fields: validator with the field's label, and a guard on the way to the database."""

    my_number_guarded = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        label = str(self.verbose_name) if self.verbose_name else None  # type: ignore[attr-defined]
        self.validators.append(MyNumberValidator(label))  # type: ignore[attr-defined]

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)  # type: ignore[misc]
        refuse_my_number(value, field_label=str(self.verbose_name))  # type: ignore[attr-defined]
        refuse_nul(value, field_label=str(self.verbose_name))  # type: ignore[attr-defined]
        return value

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()  # type: ignore[misc]
        kwargs.pop("validators", None)
        return name, path, args, kwargs

    def formfield(
        self,
        form_class: type[forms.Field] | None = None,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field | None:
        # A guarded form field refuses the value before the model validator runs and never renders it back.
        if form_class is None and not self.choices:  # type: ignore[attr-defined]
            form_class = GuardedFormCharField
        field: forms.Field | None = super().formfield(  # type: ignore[misc]
            form_class=form_class, choices_form_class=choices_form_class, **kwargs
        )
        return field


class GuardedCharField(_Guarded, models.CharField):  # type: ignore[type-arg, unused-ignore]  # the field types its value itself
    pass


class GuardedTextField(_Guarded, models.TextField):  # type: ignore[type-arg, unused-ignore]
    pass


class MyNumberFormFieldMixin:
    """Refuses a candidate with a message naming the field, and re-renders the input with it masked.

    A refused form is shown again with the user's text (nothing typed is lost) but the number is replaced by
    :data:`piaops.lib.mynumber.MASK`, so the page never echoes it. Under ``PIAOPS_MYNUMBER_POLICY=mask`` the
    cleaned value is the masked text instead, and the form is accepted.
    """

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)  # type: ignore[misc]
        return mask_my_numbers(value) if isinstance(value, str) and mask_policy() else value

    def validate(self, value: Any) -> None:
        super().validate(value)  # type: ignore[misc]
        label = getattr(self, "label", None)
        refuse_my_number(value, field_label=str(label) if label else None)

    def bound_data(self, data: Any, initial: Any) -> Any:
        data = super().bound_data(data, initial)  # type: ignore[misc]
        return mask_my_numbers(data) if isinstance(data, str) else data


class GuardedFormCharField(MyNumberFormFieldMixin, forms.CharField):
    """For form-only text inputs (search boxes, comments that are not model fields)."""


class ReadDateField(forms.DateField):
    """A form's date, read by the one date reader (:func:`piaops.lib.dates.read_date`): ``2026-04-01`` from a
    date input, and what people type or paste (``2026/4/1``, ``R8.4.1``, ``令和8年4月1日``). Its error is the
    reader's Japanese message."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        try:
            return read_date(value)
        except DateReadError as exc:
            raise ValidationError(str(exc), code="invalid") from exc
