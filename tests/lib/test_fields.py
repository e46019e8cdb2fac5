"""Guarded model and form fields: a 個人番号 never reaches the database, and forms refuse it in Japanese."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import modelform_factory

from piaops.lib.fields import GuardedFormCharField, MyNumberRefused
from piaops.lib.mynumber import MASK
from piaops.tenancy.models import Party
from tests import factories as f

NUMBER = "123456789018"
FORMS_OF_NUMBER = ["123456789018", "1234-5678-9018", "1234 5678 9018", "１２３４５６７８９０１８"]


def _no_trace_of_number(text: str) -> bool:
    return not any(form in text for form in FORMS_OF_NUMBER)


def test_full_clean_refuses_a_number_naming_the_field_in_japanese(db: None) -> None:
    m = f.municipality()
    party = Party(municipality=m, name="株式会社テスト", kind=Party.Kind.CONTRACTOR, note=f"担当者 {NUMBER}")
    with pytest.raises(ValidationError) as caught:
        party.full_clean()
    messages = caught.value.message_dict["note"]
    assert messages == [
        "「備考」に個人番号と思われる12桁の数字が含まれています。個人番号は本システムに登録できません。"
        "該当箇所を削除してから保存してください。"
    ]
    assert _no_trace_of_number(str(caught.value))


def test_save_refuses_a_number_even_without_validation(db: None) -> None:
    m = f.municipality()
    with pytest.raises(MyNumberRefused), transaction.atomic():
        Party.objects.create(municipality=m, name="株式会社テスト", kind=Party.Kind.CONTRACTOR, note="1234 5678 9018")
    assert not Party.objects.exists()


def test_bulk_create_refuses_a_number(db: None) -> None:
    m = f.municipality()
    rows = [
        Party(municipality=m, name="甲社", kind=Party.Kind.CONTRACTOR),
        Party(municipality=m, name=f"乙社{NUMBER}", kind=Party.Kind.CONTRACTOR),
    ]
    with pytest.raises(MyNumberRefused), transaction.atomic():
        Party.objects.bulk_create(rows)
    assert not Party.objects.exists()


def test_queryset_update_refuses_a_number(db: None) -> None:
    m = f.municipality()
    party = f.party(m, "甲社", kind=Party.Kind.CONTRACTOR)
    with pytest.raises(MyNumberRefused), transaction.atomic():
        Party.objects.filter(pk=party.pk).update(note="１２３４５６７８９０１８")
    party.refresh_from_db()
    assert party.note == ""


def test_other_twelve_digit_numbers_are_stored(db: None) -> None:
    m = f.municipality()
    party = f.party(m, "甲社", kind=Party.Kind.CONTRACTOR, note="契約番号 123456789019")
    party.refresh_from_db()
    assert party.note == "契約番号 123456789019"


def test_a_model_form_shows_the_error_and_renders_the_input_masked(db: None) -> None:
    m = f.municipality()
    PartyForm = modelform_factory(Party, fields=["name", "note"])
    form = PartyForm(
        data={"name": "甲社", "note": f"連絡先の担当者（{NUMBER}）に確認済み"}, instance=Party(municipality=m)
    )
    assert isinstance(form.fields["note"], GuardedFormCharField)
    assert isinstance(form.fields["note"].widget, forms.Textarea)
    assert not form.is_valid()
    assert form.errors["note"] == [
        "「備考」に個人番号と思われる12桁の数字が含まれています。個人番号は本システムに登録できません。"
        "該当箇所を削除してから保存してください。"
    ]
    html = form.as_div()
    assert _no_trace_of_number(html)
    assert f"連絡先の担当者（{MASK}）に確認済み" in html  # the rest of what was typed is kept


def test_a_form_only_field_refuses_a_number() -> None:
    class SearchForm(forms.Form):
        q = GuardedFormCharField(label="検索語", required=False)

    form = SearchForm(data={"q": "1234-5678-9018"})
    assert not form.is_valid()
    assert form.errors["q"][0].startswith("「検索語」に個人番号と思われる12桁の数字")
    assert _no_trace_of_number(str(form["q"]))
    assert SearchForm(data={"q": "123456789019"}).is_valid()


def test_a_choices_field_keeps_its_select(db: None) -> None:
    PartyForm = modelform_factory(Party, fields=["kind"])
    assert isinstance(PartyForm().fields["kind"], forms.TypedChoiceField)
