"""Demo tenant: 札幌市 (011002) as in the reference report's Section IV, plus 東京都 (130001) to show isolation.

The organisation and the people go in through the real importer (``people_import.services.people_import_commit``), as a
municipality would load them from its personnel system: first the previous year's roster, then this April's
transfers; so the demo also shows IMPORT entries in the audit trail. Everything is drawn from a seeded
``random.Random`` and from ``today``, so two runs on the same day build the same data.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from piaops.audittrail.models import Action
from piaops.audittrail.services import record
from piaops.core.demo import DEMO_CODE, DEMO_PASSWORD
from piaops.lib.fiscal import fiscal_year, fiscal_year_end, fiscal_year_start
from piaops.tenancy.models import Municipality, OrgUnit, Party, Role, RoleGrant, User, Work, WorkUnit
from piaops.tenancy.people_import.services import people_import_commit

SECOND_CODE = "130001"

# (code, name, parent code, kind, flag) — flag: "gov" 番号制度総括部門, "it" 情報システム部門.
DEFAULT_YEARS = 5  # 年度 of history of the default demo (``piaops demo --years N``)

UNITS: list[tuple[str, str, str, str, str]] = [
    ("100000", "総務局", "", "局", ""),
    ("110000", "行政部", "100000", "部", ""),
    ("110100", "総務課", "110000", "課", ""),
    ("110200", "行政情報課", "110000", "課", ""),
    # The unit that runs the internal 個人番号利用事務監査 (independent of the audited units). Not 「監査課」 under a
    # 監査事務局: that name reads as the secretariat of the statutory 監査委員, which does not run this audit.
    ("110300", "内部統制推進課", "110000", "課", ""),
    ("120000", "職員部", "100000", "部", ""),
    ("120100", "人事課", "120000", "課", ""),
    ("120200", "給与課", "120000", "課", ""),
    ("200000", "デジタル戦略推進局", "", "局", ""),
    ("210000", "デジタル推進部", "200000", "部", ""),
    ("210100", "番号制度推進課", "210000", "課", "gov"),
    ("210200", "情報システム課", "210000", "課", "it"),
    ("210300", "業務システム課", "210000", "課", ""),
    ("300000", "財政局", "", "局", ""),
    ("310000", "税政部", "300000", "部", ""),
    ("310100", "税政課", "310000", "課", ""),
    ("310200", "課税企画課", "310000", "課", ""),
    ("310300", "収納対策課", "310000", "課", ""),
    ("320100", "中央市税事務所", "300000", "事業所・区役所", ""),
    ("320110", "市民税課", "320100", "課", ""),
    ("320120", "固定資産税課", "320100", "課", ""),
    ("320130", "納税課", "320100", "課", ""),
    ("320200", "北部市税事務所", "300000", "事業所・区役所", ""),
    ("320210", "市民税課", "320200", "課", ""),
    ("320220", "納税課", "320200", "課", ""),
    ("400000", "保健福祉局", "", "局", ""),
    ("410000", "保険年金部", "400000", "部", ""),
    ("410100", "保険企画課", "410000", "課", ""),
    ("410200", "国民健康保険課", "410000", "課", ""),
    ("420000", "高齢保健福祉部", "400000", "部", ""),
    ("420100", "介護保険課", "420000", "課", ""),
    ("500000", "子ども未来局", "", "局", ""),
    ("510000", "子ども育成部", "500000", "部", ""),
    ("510100", "子育て支援課", "510000", "課", ""),
    ("600000", "市民文化局", "", "局", ""),
    ("610000", "地域振興部", "600000", "部", ""),
    ("610100", "区政課", "610000", "課", ""),
    ("610200", "住民情報課", "610000", "課", ""),
    ("700000", "中央区役所", "", "事業所・区役所", ""),
    ("710000", "中央区市民部", "700000", "部", ""),
    ("710100", "中央区戸籍住民課", "710000", "課", ""),
    ("710200", "中央区保険年金課", "710000", "課", ""),
    ("710300", "中央区保健福祉課", "710000", "課", ""),
    ("800000", "北区役所", "", "事業所・区役所", ""),
    ("810000", "北区市民部", "800000", "部", ""),
    ("810100", "北区戸籍住民課", "810000", "課", ""),
    ("810200", "北区保険年金課", "810000", "課", ""),
]
_LAW = "行政手続における特定の個人を識別するための番号の利用等に関する法律 第9条第1項・別表、"
WORKS: list[tuple[str, str, list[str]]] = [
    (
        "地方税賦課徴収事務",
        _LAW + "地方税法",
        ["310100", "310200", "310300", "320110", "320120", "320130", "320210", "320220"],
    ),
    ("国民健康保険に関する事務", _LAW + "国民健康保険法", ["410100", "410200", "710200", "810200"]),
    ("住民基本台帳に関する事務", _LAW + "住民基本台帳法", ["610200", "710100", "810100"]),
    ("児童手当の支給に関する事務", _LAW + "児童手当法", ["510100", "710300"]),
    ("介護保険に関する事務", _LAW + "介護保険法", ["420100", "710300"]),
]
PARTIES: list[tuple[str, str, str]] = [
    ("札幌市", Party.Kind.MUNICIPALITY, ""),
    ("中間サーバー・プラットフォーム（J-LIS）", Party.Kind.INTERMEDIATE_SERVER, "地方公共団体情報システム機構が運用"),
    (
        "eLTAXシステム認定委託先事業者",
        Party.Kind.ELTAX_CONTRACTOR,
        "地方税共同機構の技術基準・認定要綱に基づく認定委託先事業者",
    ),
    ("ガバメントクラウド", Party.Kind.GOVERNMENT_CLOUD, "デジタル庁が整備・調達（ISMAP登録クラウドサービス）"),
    ("株式会社北海道標準システムサービス", Party.Kind.ASP, "標準準拠システム（税務・住記・国保）を提供するASP（架空）"),
    ("さっぽろクラウド運用株式会社", Party.Kind.GOV_CLOUD_OPERATOR, "ガバメントクラウド運用管理補助者（架空）"),
    ("株式会社道央人材サービス", Party.Kind.CONTRACTOR, "派遣元（架空）"),
]
SURNAMES = [
    ("佐藤", "サトウ"), ("高橋", "タカハシ"), ("鈴木", "スズキ"), ("伊藤", "イトウ"), ("渡辺", "ワタナベ"),
    ("佐々木", "ササキ"), ("田中", "タナカ"), ("小林", "コバヤシ"), ("吉田", "ヨシダ"), ("山本", "ヤマモト"),
    ("加藤", "カトウ"), ("中村", "ナカムラ"), ("斎藤", "サイトウ"), ("山田", "ヤマダ"), ("工藤", "クドウ"),
    ("阿部", "アベ"), ("木村", "キムラ"), ("菅原", "スガワラ"), ("村上", "ムラカミ"), ("松本", "マツモト"),
    ("石井", "イシイ"), ("近藤", "コンドウ"), ("斉藤", "サイトウ"), ("遠藤", "エンドウ"), ("菊地", "キクチ"),
    ("三浦", "ミウラ"), ("藤田", "フジタ"), ("西村", "ニシムラ"), ("千葉", "チバ"), ("成田", "ナリタ"),
]  # fmt: skip
GIVEN = [
    ("大輔", "ダイスケ"), ("健太", "ケンタ"), ("翔太", "ショウタ"), ("拓也", "タクヤ"), ("直樹", "ナオキ"),
    ("和也", "カズヤ"), ("誠", "マコト"), ("浩二", "コウジ"), ("隆", "タカシ"), ("悠斗", "ユウト"),
    ("陽子", "ヨウコ"), ("美香", "ミカ"), ("恵", "メグミ"), ("真由美", "マユミ"), ("由美子", "ユミコ"),
    ("彩", "アヤ"), ("舞", "マイ"), ("愛", "アイ"), ("香織", "カオリ"), ("早紀", "サキ"),
    ("昭", "アキラ"), ("優子", "ユウコ"), ("亮", "リョウ"), ("裕子", "ユウコ"), ("修", "オサム"),
]  # fmt: skip
PEOPLE_HEADER = [
    "職員番号", "氏名", "氏名カナ", "雇用形態", "所属組織コード", "職名", "配属開始日", "配属終了日",
    "特定個人情報取扱", "メールアドレス", "任用開始日", "任用終了日", "所属事業者",
]  # fmt: skip


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    scope: str


def demo_logins() -> list[Login]:
    """The accounts ``build`` creates (printed by ``piaops demo``)."""
    return [
        Login("demo-admin", Role.ADMIN.label, "札幌市 番号制度推進課"),
        Login("demo-auditor", Role.AUDITOR.label, "札幌市 内部統制推進課"),
        Login("demo-head", Role.UNIT_HEAD.label, "札幌市 税政課"),
        Login("demo-staff", Role.UNIT_STAFF.label, "札幌市 税政課"),
        Login("demo-contractor", Role.CONTRACTOR.label, "株式会社北海道標準システムサービス（ASP）"),
        Login("demo-viewer", Role.VIEWER.label, "札幌市"),
        Login("tokyo-admin", Role.ADMIN.label, "東京都（別の団体: 札幌市のデータは見えません）"),
    ]


@functools.cache
def _demo_password_hash() -> str:
    """One Argon2 hash shared by the demo accounts: hashing seven times took most of the demo's run time."""
    return make_password(DEMO_PASSWORD)


def create_municipality() -> Municipality:
    """The demo municipality (札幌市), created once."""
    municipality, _ = Municipality.objects.get_or_create(code=DEMO_CODE, defaults={"name": "札幌市"})
    return municipality


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _units_csv(units: list[tuple[str, str, str, str, str]]) -> bytes:
    header = ["組織コード", "組織名", "上位組織コード", "組織種別", "番号制度総括部門", "情報システム部門"]
    rows = [
        [code, name, parent, kind, "有" if flag == "gov" else "", "有" if flag == "it" else ""]
        for code, name, parent, kind, flag in units
    ]
    return _csv(header, rows)


def _people_rows(
    people: int, today: dt.date, years: int = DEFAULT_YEARS
) -> tuple[list[list[str]], list[list[str]], dict[str, str]]:
    """(roster of last year, this April's transfers, the staff number of each demo account's person).

    Regular staff joined up to ``years`` 年度 ago, so their assignment and training history spans that long.
    """
    rng = random.Random(20260401)
    fy = fiscal_year(today)
    april = fiscal_year_start(fy)
    handling = {code for _, _, codes in WORKS for code in codes}
    leaves = [u for u in UNITS if u[3] in ("課", "係")]
    weights = [4 if u[0] in handling else 1 for u in leaves]
    heads = [u for u in UNITS if u[3] in ("局", "部")]
    roster: list[list[str]] = []
    transfers: list[list[str]] = []
    accounts: dict[str, str] = {}

    def name() -> tuple[str, str]:
        (s, sk), (g, gk) = rng.choice(SURNAMES), rng.choice(GIVEN)
        return f"{s} {g}", f"{sk} {gk}"

    def row(number: str, kind: str, unit: str, title: str, start: dt.date, end: dt.date | None, **kw: str) -> list[str]:
        full, kana = name()
        handles = unit in handling and rng.random() < 0.8 or (unit in ("210200", "210300") and rng.random() < 0.5)
        return [
            number,
            full,
            kana,
            kind,
            unit,
            title,
            start.isoformat(),
            end.isoformat() if end else "",
            "有" if handles else "無",
            kw.get("email", f"{number.lower()}@city.sapporo.example"),
            kw.get("employed_from", ""),
            kw.get("employed_to", ""),
            kw.get("party", ""),
        ]

    for i in range(people):
        number = f"{100001 + i:07d}"
        if i < len(heads):  # one 局長・部長 per bureau and department
            code, _, _, kind, _ = heads[i]
            since = april.replace(year=fy - rng.randint(0, 2))
            roster.append(row(number, "正規職員", code, "局長" if kind == "局" else "部長", since, None))
            continue
        unit = rng.choices(leaves, weights)[0][0]
        draw = rng.random()
        if draw < 0.66:
            since = april.replace(year=fy - rng.randint(0, years))
            title = rng.choice(["主事", "主事", "主任", "主任", "係長", "課長"])
            if since.year == fy and rng.random() < 0.6:  # transferred this April: last year somewhere else
                before = rng.choices(leaves, weights)[0][0]
                first = april.replace(year=fy - rng.randint(1, max(1, years - 1)))
                roster.append(row(number, "正規職員", before, title, first, None))
                transfers.append([*roster[-1][:4], unit, title, since.isoformat(), "", *roster[-1][8:]])
                transfers[-1][8] = "有" if unit in handling and rng.random() < 0.8 else "無"
            else:
                roster.append(row(number, "正規職員", unit, title, since, None))
        elif draw < 0.80:
            start, end = april, fiscal_year_end(fy)
            roster.append(
                row(number, "会計年度任用職員", unit, "事務補助員", start, end, employed_from=start.isoformat(),
                    employed_to=end.isoformat())
            )  # fmt: skip
        elif draw < 0.86:
            since = april.replace(year=fy - rng.randint(0, 2))
            roster.append(row(number, "再任用職員", unit, "専門員", since, None, employed_from=since.isoformat()))
        elif draw < 0.90:
            roster.append(row(number, "派遣職員", unit, "派遣職員", april, None, party="株式会社道央人材サービス"))
        elif draw < 0.92:  # retired last March: kept on the roster with their history
            since = april.replace(year=fy - max(1, years - 1))
            last = april - dt.timedelta(days=1)
            roster.append(row(number, "正規職員", unit, "主任", since, last, employed_to=last.isoformat()))
        else:
            party = rng.choice(["株式会社北海道標準システムサービス", "さっぽろクラウド運用株式会社"])
            it_unit = rng.choice(["210200", "210300"])
            number = f"K{i:06d}"
            roster.append(row(number, "委託先従業者", it_unit, "運用担当者", april, None, party=party, email=""))
    # The demo accounts' people: fixed units so that the roles make sense.
    for username, unit, title in (
        ("demo-admin", "210100", "課長"),
        ("demo-auditor", "110300", "監査担当係長"),
        ("demo-head", "310100", "課長"),
        ("demo-staff", "310100", "主任"),
        ("demo-viewer", "110200", "主事"),
    ):
        number = f"{900001 + len(accounts):07d}"
        roster.append(row(number, "正規職員", unit, title, april.replace(year=fy - 1), None))
        accounts[username] = number
    return roster, transfers, accounts


@transaction.atomic
def build(*, municipality: Municipality, people: int, today: dt.date, years: int = DEFAULT_YEARS) -> None:
    """Build the demo data of ``municipality`` (札幌市) and of 東京都; does nothing if it is already there."""
    if municipality.code == DEMO_CODE and not User.objects.filter(username="tokyo-admin").exists():
        _build_second(today=today)
    if Work.objects.filter(municipality=municipality).exists():
        return
    for name, kind, note in PARTIES:
        Party.objects.get_or_create(municipality=municipality, name=name, defaults={"kind": kind, "note": note})
    roster, transfers, accounts = _people_rows(people, today, years)
    fy = fiscal_year(today)
    people_import_commit(
        municipality=municipality,
        files=[("組織一覧.csv", _units_csv(UNITS)), ("職員一覧.csv", _csv(PEOPLE_HEADER, roster))],
    )
    if transfers:  # this April's 人事異動: the importer ends last year's assignments the day before
        people_import_commit(
            municipality=municipality, files=[(f"人事異動_{fy}年4月1日.csv", _csv(PEOPLE_HEADER, transfers))]
        )
    units = dict(OrgUnit.objects.filter(municipality=municipality).values_list("code", "id"))
    for name, legal_basis, codes in WORKS:
        work = Work.objects.create(municipality=municipality, name=name, legal_basis=legal_basis)
        WorkUnit.objects.bulk_create([WorkUnit(municipality=municipality, work=work, unit_id=units[c]) for c in codes])
    _users(municipality, accounts, units)
    record(
        action=Action.CREATE,
        municipality_id=municipality.pk,
        obj=municipality,
        summary=f"デモデータを作成しました（個人番号利用事務 {len(WORKS)}・事業者 {len(PARTIES)}・利用者 6）",
    )


def _users(municipality: Municipality, accounts: dict[str, str], units: dict[str, int]) -> None:
    from piaops.tenancy.models import Person

    people = dict(Person.objects.filter(municipality=municipality, staff_number__in=accounts.values()).values_list(
        "staff_number", "id"
    ))  # fmt: skip
    asp = Party.objects.get(municipality=municipality, kind=Party.Kind.ASP)
    for username, role, unit, party, display in (
        ("demo-admin", Role.ADMIN, None, None, "番号制度推進課 管理者"),
        ("demo-auditor", Role.AUDITOR, None, None, "内部統制推進課 監査人"),
        ("demo-head", Role.UNIT_HEAD, "310100", None, "税政課長"),
        ("demo-staff", Role.UNIT_STAFF, "310100", None, "税政課 担当"),
        ("demo-contractor", Role.CONTRACTOR, None, asp, "ASP 担当者"),
        ("demo-viewer", Role.VIEWER, None, None, "閲覧者"),
    ):
        user = User.objects.create(
            username=username,
            password=_demo_password_hash(),
            municipality=municipality,
            display_name=display,
            person_id=people.get(accounts.get(username, "")),
        )
        RoleGrant.objects.create(
            municipality=municipality, user=user, role=role, unit_id=units[unit] if unit else None, party=party
        )


def _build_second(*, today: dt.date) -> None:
    """東京都 with a small organisation and its own admin: logged in there, nothing of 札幌市 is visible."""
    tokyo, _ = Municipality.objects.get_or_create(code=SECOND_CODE, defaults={"name": "東京都"})
    units = [
        ("T10000", "総務局", "", "局", ""),
        ("T11000", "総務部", "T10000", "部", ""),
        ("T11100", "情報公開課", "T11000", "課", "gov"),
        ("T20000", "主税局", "", "局", ""),
        ("T21000", "税制部", "T20000", "部", ""),
        ("T21100", "税制課", "T21000", "課", ""),
        ("T21200", "課税指導課", "T21000", "課", ""),
    ]
    april = fiscal_year_start(fiscal_year(today)).isoformat()
    rows = [
        ["T0000001", "東京 一郎", "トウキョウ イチロウ", "正規職員", "T11100", "課長", april, "", "無", "", "", "", ""],
        ["T0000002", "新宿 花子", "シンジュク ハナコ", "正規職員", "T21100", "主任", april, "", "有", "", "", "", ""],
        ["T0000003", "渋谷 次郎", "シブヤ ジロウ", "会計年度任用職員", "T21200", "事務補助員", april, "", "有", "",
         "", "", ""],
    ]  # fmt: skip
    people_import_commit(
        municipality=tokyo, files=[("組織.csv", _units_csv(units)), ("職員.csv", _csv(PEOPLE_HEADER, rows))]
    )
    Party.objects.get_or_create(municipality=tokyo, name="東京都", defaults={"kind": Party.Kind.MUNICIPALITY})
    Work.objects.get_or_create(
        municipality=tokyo, name="地方税賦課徴収事務", defaults={"legal_basis": _LAW + "地方税法"}
    )
    user = User.objects.create(
        username="tokyo-admin", password=_demo_password_hash(), municipality=tokyo, display_name="東京都 管理者"
    )
    RoleGrant.objects.create(municipality=tokyo, user=user, role=Role.ADMIN)
