"""Small makers for training objects (the shared ``tests/factories.py`` covers tenancy)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from piaops.tenancy.models import Municipality, Person
from piaops.training.models import Course, Record, Requirement, Result, Trigger

D = dt.date


def course(m: Municipality, code: str = "C01", title: str = "個人情報保護研修", **kw: Any) -> Course:
    return Course.objects.create(municipality=m, code=code, title=title, **kw)


def requirement(m: Municipality, c: Course, trigger: str = Trigger.INITIAL, **kw: Any) -> Requirement:
    r = Requirement.objects.create(municipality=m, name=kw.pop("name", f"要件 {trigger}"), trigger=trigger, **kw)
    r.courses.add(c)
    return r


def record(p: Person, c: Course, on: dt.date, result: str = Result.COMPLETED, **kw: Any) -> Record:
    return Record.objects.create(
        municipality_id=p.municipality_id, person=p, course=c, completed_on=on, result=result, **kw
    )
