"""Demo server room: authorised staff with cards, visitors, and the door logs of the last two months with one of
each exception; the earlier month is reviewed and signed (so the import guard of a signed month can be seen), last
month waits for its review; for each of the ``years`` past 年度, the door log of the same month then (ordinary
entries and exits)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from piaops.areas import services
from piaops.areas.importing import door_log_import
from piaops.areas.models import Area, Authorization, Card, DoorLogMapping, Visit
from piaops.areas.reconcile import ExceptionKind, reconcile
from piaops.lib.fiscal import fiscal_year
from piaops.tenancy.models import Municipality, OrgUnit, Person, Role, User


def _ordinary_month(month_start: dt.date, rng: random.Random, cards: int) -> list[str]:
    """Every weekday of the month, four authorised card holders in and out once during office hours."""
    rows: list[str] = []
    day = month_start
    while day.month == month_start.month:
        if day.weekday() < 5:
            for i in rng.sample(range(cards), 4):
                start = dt.datetime.combine(day, dt.time(rng.randint(9, 15), rng.randint(0, 59)))
                end = start + dt.timedelta(minutes=rng.randint(10, 90))
                rows += [f"{start:%Y-%m-%d %H:%M:%S},C{10000 + i},入室", f"{end:%Y-%m-%d %H:%M:%S},C{10000 + i},退室"]
        day += dt.timedelta(days=1)
    return rows


def build(*, municipality: Municipality, people: int, today: dt.date, years: int = 0) -> None:
    if Area.objects.for_municipality(municipality).exists():
        return
    since = min(dt.date(2024, 4, 1), dt.date(fiscal_year(today) - years, 4, 1))  # cards and rights back then
    staff = list(Person.objects.for_municipality(municipality).order_by("staff_number")[:14])
    if len(staff) < 4:
        return  # the tenancy step has not created people
    it_unit = OrgUnit.objects.for_municipality(municipality).filter(is_it=True).first()
    area = Area.objects.create(
        municipality=municipality,
        name="本庁舎サーバー室",
        code="SR-01",
        location="本庁舎 地下1階",
        managing_unit=it_unit,
    )
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    authorised = staff[:12]  # staff[12] has a card but no authorisation
    for i, person in enumerate(staff):
        Card.objects.create(municipality=municipality, card_id=f"C{10000 + i}", person=person, valid_from=since)
    for person in authorised:
        Authorization.objects.create(
            municipality=municipality,
            area=area,
            person=person,
            valid_from=since,
            purpose="サーバー保守・運用",
        )
    Card.objects.create(municipality=municipality, card_id="V001", label="来訪者用カード1", valid_from=since)
    mapping = DoorLogMapping.objects.create(municipality=municipality, name="標準")
    for back in range(years, 0, -1):
        then = last_month.replace(year=last_month.year - back)
        rows = ["日時,カード番号,入退", *_ordinary_month(then, random.Random(f"{municipality.code}-{then}"), 12)]
        door_log_import(
            area=area,
            data="\n".join(rows).encode("cp932"),
            file_name=f"入退室ログ_{then:%Y%m}.csv",
            mapping=mapping,
            user=None,
        )
    earlier = (last_month - dt.timedelta(days=1)).replace(day=1)
    rng = random.Random(11002)
    for month_start in (earlier, last_month):
        _month_log(area=area, authorised=authorised, month_start=month_start, rng=rng)
    _sign(area=area, month=earlier)


def _sign(*, area: Area, month: dt.date) -> None:
    """The review of ``month`` (by the demo admin): a comment on every exception, then the signature."""
    signer = User.objects.filter(grants__municipality=area.municipality, grants__role=Role.ADMIN).first()
    review = services.review_for(area=area, month=month)
    comments = {
        ExceptionKind.UNAUTHORISED: "許可申請の手続漏れ。申請を受け付け、許可を登録済み。",
        ExceptionKind.OUTSIDE_HOURS: "障害対応のため夜間に入室。障害報告書で確認。",
        ExceptionKind.NO_EXIT: "退室時のカード読取漏れ。本人に確認済み。",
        ExceptionKind.EXIT_WITHOUT_ENTRY: "入室時に同行者のカードで入室（共連れ）。本人に注意し再周知。",
        ExceptionKind.UNKNOWN_CARD: "失効済みカードの利用。カードを回収済み。",
        ExceptionKind.UNESCORTED_VISITOR: "来訪記録の記入漏れ。記録を補完。",
    }
    for e in reconcile(area=area, month=month):
        services.review_comment(
            review=review, user=signer, exception_key=e.key, comment=comments[ExceptionKind(e.kind)]
        )
    if signer is not None:
        services.review_sign_off(review=review, user=signer, summary="例外はすべて確認し、是正済み。")


def _month_log(*, area: Area, authorised: list[Person], month_start: dt.date, rng: random.Random) -> None:
    municipality = area.municipality
    rows = ["日時,カード番号,入退", *_ordinary_month(month_start, rng, len(authorised))]
    d = month_start + dt.timedelta(days=9)
    rows += [
        f"{d:%Y-%m-%d} 10:00:00,C{10012},入室",  # not authorised
        f"{d:%Y-%m-%d} 10:20:00,C{10012},退室",
        f"{d:%Y-%m-%d} 22:40:00,C10001,入室",  # outside hours
        f"{d:%Y-%m-%d} 23:05:00,C10001,退室",
        f"{d:%Y-%m-%d} 16:00:00,C10002,入室",  # no exit that day
        f"{d:%Y-%m-%d} 11:30:00,C10003,退室",  # exit without entry (after the card's earlier pair)
        f"{d:%Y-%m-%d} 13:00:00,X99999,入室",  # unknown card
        f"{d:%Y-%m-%d} 13:01:00,X99999,退室",
        f"{d:%Y-%m-%d} 14:00:00,V001,入室",  # visitor with a visit record
        f"{d:%Y-%m-%d} 14:45:00,V001,退室",
    ]
    Visit.objects.create(
        municipality=municipality,
        area=area,
        visitor_name="保守 太郎",
        organization="サーバー保守事業者",
        purpose="定期保守",
        escort=authorised[0],
        card_id="V001",
        entered_at=timezone.make_aware(dt.datetime.combine(d, dt.time(13, 55))),
        exited_at=timezone.make_aware(dt.datetime.combine(d, dt.time(14, 50))),
    )
    door_log_import(
        area=area,
        data="\n".join(rows).encode("cp932"),
        file_name=f"入退室ログ_{month_start:%Y%m}.csv",
        mapping=DoorLogMapping.objects.get(municipality=municipality, name="標準"),
        user=None,
    )
