"""The one loader of the base's registries of dotted names, checked against a ``Protocol``.

The base layer may not import the domain apps (``tests/test_architecture.py``, rule 2), so where it must reach them
— the reminder sources, the demo steps, the API routers, the menu's further rules — it names them in a list of
dotted names, and this loader turns a name into the typed object: ``load("piaops.selfcheck.reminders",
ReminderSource)`` returns the module as a ``ReminderSource``. The protocol is the contract a reader looks up
(each registry's module defines its own); the loader holds the entry to it when it is loaded, so a renamed
function or a changed keyword fails at once, naming the entry, instead of deep inside a run.

The check is structural, as mypy's: each member of the protocol exists on the entry, and each method (or the
entry itself, for a protocol of ``__call__``) accepts the parameters the protocol declares, by name. Types are
not checked at run time; mypy checks every use of the loaded object against the protocol.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from importlib import import_module
from typing import Any, TypeVar, cast

from django.utils.module_loading import import_string

P = TypeVar("P")


class RegistryError(TypeError):
    """A registry entry that does not keep its protocol (a programming error: the message names the entry)."""


def _members(protocol: type) -> list[str]:
    """The names a protocol declares: its methods and attributes (``__call__`` included; other dunders not)."""
    names: list[str] = []
    for klass in protocol.__mro__:
        if klass is object or klass.__name__ in {"Protocol", "Generic"}:
            continue
        for name in [*vars(klass), *getattr(klass, "__annotations__", {})]:
            if name.startswith("_") and name != "__call__":
                continue
            if name not in names:
                names.append(name)
    return names


def _parameters(function: Callable[..., Any]) -> tuple[set[str], bool]:
    """(parameter names, whether it takes ``**kwargs``) of ``function``."""
    parameters = inspect.signature(function).parameters.values()
    return {p.name for p in parameters}, any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def _check(name: str, entry: object, protocol: type) -> None:
    for member in _members(protocol):
        declared = vars(protocol).get(member)
        implementation = entry if member == "__call__" else getattr(entry, member, None)
        if implementation is None or (member == "__call__" and not callable(entry)):
            raise RegistryError(f"{name}: {protocol.__name__} の {member} がありません。")
        if not inspect.isfunction(declared):
            continue  # an attribute: its presence is the contract
        wanted = {p for p in inspect.signature(declared).parameters if p != "self"}
        accepted, any_keyword = _parameters(cast(Callable[..., Any], implementation))
        missing = sorted(wanted - accepted) if not any_keyword else []
        if missing:
            raise RegistryError(
                f"{name}: {member} が {protocol.__name__} の引数 {', '.join(missing)} を受け取りません。"
            )


def load(name: str, protocol: Callable[..., P]) -> P:
    """The module, or the module attribute, ``name`` names, checked against the ``Protocol`` class ``protocol``
    (see the module docstring); :class:`RegistryError` when it does not keep it. ``ImportError`` propagates: every
    registered name must exist. (``protocol`` is typed as a callable returning ``P`` because mypy refuses a protocol
    class where ``type[P]`` is expected; it is the class itself.)"""
    try:
        entry: object = import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:  # the module exists and itself failed to import
            raise
        entry = import_string(name)  # "package.module.attribute"
    _check(name, entry, cast(type, protocol))
    return cast(P, entry)


def load_all(names: Iterable[str], protocol: Callable[..., P]) -> list[P]:
    """:func:`load` of every name, in order."""
    return [load(name, protocol) for name in names]
