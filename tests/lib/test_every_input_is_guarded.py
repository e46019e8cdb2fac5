"""Every free-text input of piaops refuses a 個人番号: each text field of every Django form, and each string field
of every API input schema — including forms and operations added later.

The model fields are proven by ``test_every_text_field_is_guarded.py``; this proves the doors in front of them.
A form field is proven by cleaning a published test vector with it (the refusal must carry the ``my_number``
code); an API string field by running its schema's guard. A field that is neither guarded nor listed below with
the reason it is not free text fails this test.
"""

from __future__ import annotations

import importlib
import pkgutil
import types
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from pydantic import BaseModel

import piaops
from piaops.api.framework import GuardedSchema
from piaops.lib.mynumber import MASK
from tests.samples import VECTORS, not_echoed

pytestmark = pytest.mark.engine_independent

# Form text fields that are not free text stored by piaops.
FORM_NOT_FREE_TEXT: dict[str, str] = {
    "piaops.selfcheck.forms.AnswersForm.version": "the checklist version the page was loaded at; clean_version "
    "refuses anything but digits",
    # Passwords are hashed, never stored nor shown (and a guard message would hint at the password's content).
    "piaops.accounts.forms.AdminLockoutAuthenticationForm.password": "a password, checked against its hash",
    "piaops.accounts.forms.LockoutAuthenticationForm.password": "a password, checked against its hash",
    "piaops.accounts.forms.AdminLoginForm.password": "a password, checked against its hash",
    "piaops.accounts.forms.LoginForm.password": "a password, checked against its hash",
    "piaops.tenancy.forms.UserCreateForm.password": "a password, stored only as its hash",
    "piaops.tenancy.forms.UserCreateForm.password_confirm": "compared with the password, never stored",
    "piaops.tenancy.people_import.forms.ConfirmForm.token": "a signed token (signing.loads), never stored nor shown",
    # The same codes as the model fields listed in test_every_text_field_is_guarded.NOT_FREE_TEXT.
    "piaops.areas.forms.AreaForm.code": "an area's short code (SR-01), as areas.Area.code",
    "piaops.tenancy.forms.MunicipalityForm.code": "全国地方公共団体コード: 6 digits, check digit validated",
    "piaops.tenancy.forms.PartyForm.corporate_number": "法人番号: 13 digits, check digit validated",
    "piaops.tenancy.forms.PersonForm.staff_number": "職員番号: the HR system's key, as tenancy.Person.staff_number",
    "piaops.tenancy.forms.UnitForm.code": "組織コード: a short code from the HR system, as tenancy.OrgUnit.code",
    "piaops.tenancy.forms.PersonForm.email": "EmailField: validated as an address",
    "piaops.tenancy.forms.UserCreateForm.email": "EmailField: validated as an address",
    "piaops.tenancy.forms.UserEditForm.email": "EmailField: validated as an address",
    # Hidden fields the page fills in, checked by the view.
    "piaops.areas.forms.CommentForm.exception_key": "an exception's key (kind:event id), matched against the month",
    "piaops.assessments.forms.SaveUploadForm.token": "a SHA-256 in hex naming the preview in the session, never stored",
}

# API string fields that are not free text stored by piaops.
API_NOT_FREE_TEXT: dict[str, str] = {
    "piaops.api.framework.CursorPagination.Input.cursor": "an opaque cursor, decoded to a primary key or refused",
    "piaops.selfcheck.api.AnswerIn.value": "a choice (yes/no/na/empty) checked by the checklist service",
    "piaops.selfcheck.api.AnswerIn.comment": "refused by the checklist service item by item, naming 項目N",
    "piaops.selfcheck.api.AnswerIn.improvement_plan": "refused by the checklist service item by item, naming 項目N",
}


def _import_every_module() -> None:
    for info in pkgutil.walk_packages(piaops.__path__, "piaops."):
        if ".migrations" in info.name or info.name.endswith((".wsgi", ".cli")):
            continue
        importlib.import_module(info.name)


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _form_text_fields() -> dict[str, forms.Field]:
    _import_every_module()
    found: dict[str, forms.Field] = {}
    for form in set(_subclasses(forms.BaseForm)):
        if not form.__module__.startswith("piaops."):
            continue
        for name, field in form.base_fields.items():  # type: ignore[attr-defined]
            if isinstance(field, forms.CharField):
                found[f"{form.__module__}.{form.__qualname__}.{name}"] = field
    return found


def _form_field_refuses(field: forms.Field, value: str) -> bool:
    try:
        field.clean(value)
    except ValidationError as exc:
        return any(e.code == "my_number" for e in exc.error_list) and not_echoed(" ".join(exc.messages))
    return False


def _api_input_models() -> set[type[BaseModel]]:
    from piaops.api.site import api

    models: set[type[BaseModel]] = set()

    def collect(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in models:
                models.add(annotation)
                for f in annotation.model_fields.values():
                    collect(f.annotation)
            return
        for arg in typing.get_args(annotation):
            collect(arg)

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for container in operation.signature.models:
                    for f in container.model_fields.values():
                        collect(f.annotation)
    return models


def _is_text(annotation: Any) -> bool:
    if annotation is str:
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, tuple, set):
        return any(_is_text(a) for a in typing.get_args(annotation))
    return False


def _api_text_fields() -> dict[str, tuple[type[BaseModel], str]]:
    found: dict[str, tuple[type[BaseModel], str]] = {}
    for model in _api_input_models():
        if model.__module__.startswith("ninja."):  # ninja's parameter containers: their fields are collected
            continue
        # ``unguarded_fields``: a file's content, which its importer scans itself and refuses naming the line or
        # cell (proven per import in the API tests and tests/*/test_*import*).
        skipped = getattr(model, "unguarded_fields", frozenset())
        for name, f in model.model_fields.items():
            if _is_text(f.annotation) and name not in skipped:
                found[f"{model.__module__}.{model.__qualname__}.{name}"] = (model, name)
    return found


def _api_field_refuses(model: type[BaseModel], name: str, value: str) -> bool:
    if not issubclass(model, GuardedSchema):
        return False
    annotation = model.model_fields[name].annotation
    as_list = typing.get_origin(annotation) is list
    instance = model.model_construct(**{name: [value] if as_list else value})
    try:
        instance._guard_my_numbers()
    except ValidationError as exc:
        return name in exc.message_dict and not_echoed(str(exc.message_dict))
    return False


def test_it_sees_the_forms_and_api_inputs_of_the_apps() -> None:
    assert "piaops.incidents.forms.IncidentForm.title" in _form_text_fields()
    assert "piaops.incidents.api.IncidentIn.description" in _api_text_fields()


@pytest.mark.parametrize("number", VECTORS)
def test_every_form_text_field_refuses_a_my_number(number: str) -> None:
    unguarded = sorted(
        name
        for name, field in _form_text_fields().items()
        if name not in FORM_NOT_FREE_TEXT and not _form_field_refuses(field, f"番号 {number}")
    )
    assert unguarded == [], (
        "These form fields accept a 個人番号: use GuardedFormCharField (or a Guarded model field), "
        "or list them in FORM_NOT_FREE_TEXT with the reason they are not free text."
    )


@pytest.mark.parametrize("number", VECTORS)
def test_every_api_string_field_refuses_a_my_number(number: str) -> None:
    unguarded = sorted(
        name
        for name, (model, field) in _api_text_fields().items()
        if name not in API_NOT_FREE_TEXT and not _api_field_refuses(model, field, f"番号 {number}")
    )
    assert unguarded == [], (
        "These API input fields accept a 個人番号: derive the schema from piaops.api.framework.GuardedSchema, "
        "or list them in API_NOT_FREE_TEXT with the reason they are not free text."
    )


def test_under_the_mask_policy_every_guarded_input_masks_instead(settings: Any) -> None:
    settings.PIAOPS_MYNUMBER_POLICY = "mask"
    masked = 0
    for name, field in _form_text_fields().items():
        if name in FORM_NOT_FREE_TEXT:
            continue
        try:
            cleaned = field.clean(f"番号 {VECTORS[0]}")
        except ValidationError as exc:  # the mask is longer than a short field allows: refused as too long
            assert [e.code for e in exc.error_list] == ["max_length"] and not_echoed(str(exc.messages)), name
            continue
        assert MASK in cleaned and not_echoed(cleaned), name
        masked += 1
    assert masked > 50  # the long free-text fields (sanity: the loop saw them)
    for name, (model, field_name) in _api_text_fields().items():
        if name in API_NOT_FREE_TEXT:
            continue
        instance = model.model_construct(**{field_name: f"番号 {VECTORS[0]}"})
        instance._guard_my_numbers()  # type: ignore[attr-defined]
        assert MASK in getattr(instance, field_name), name


@pytest.mark.parametrize("name", sorted(FORM_NOT_FREE_TEXT))
def test_every_listed_form_field_exists_and_needs_listing(name: str) -> None:
    fields = _form_text_fields()
    assert name in fields, f"{name} no longer exists"
    assert not _form_field_refuses(fields[name], f"番号 {VECTORS[0]}"), f"{name} is guarded now: remove it"


@pytest.mark.parametrize("name", sorted(API_NOT_FREE_TEXT))
def test_every_listed_api_field_exists_and_needs_listing(name: str) -> None:
    fields = _api_text_fields()
    assert name in fields, f"{name} no longer exists"
    assert not _api_field_refuses(*fields[name], f"番号 {VECTORS[0]}"), f"{name} is guarded now: remove it"
