from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from piaops.assurance.ismap_list import IsmapListError, parse_date, parse_list
from tests.assurance.helpers import HEADER, cells, csv_bytes, xlsx_bytes, xlsx_cells

pytestmark = pytest.mark.engine_independent

D = dt.date
ROWS = [
    ["C21-0001-1", "クラウド IaaS", "クラウド株式会社", "2021/3/12", "2025/8/1"],
    ["L23-0005-1", "会議録SaaS", "会議録株式会社", "令和5年4月1日", "令和7年2月28日"],
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_it_reads_a_csv_list_in_utf8_or_cp932(encoding: str) -> None:
    parsed = parse_list(csv_bytes(ROWS, encoding=encoding), filename="list.csv")
    assert [e.registration_number for e in parsed.entries] == ["C21-0001-1", "L23-0005-1"]
    first, second = parsed.entries
    assert first.registered_on == D(2021, 3, 12) and first.expires_on == D(2025, 8, 1)
    assert second.expires_on == D(2025, 2, 28)  # 令和7年
    assert second.program == "ismap_liu" and first.program == "ismap"
    assert first.line == 3  # the title line and the header line come first
    assert parsed.encoding == ("cp932" if encoding == "cp932" else "utf-8")


def test_it_reads_an_xlsx_list_with_real_dates_and_a_title_above_the_header() -> None:
    parsed = parse_list(
        xlsx_bytes([["C21-0001-1", "クラウド IaaS", "クラウド株式会社", dt.datetime(2021, 3, 12), D(2025, 8, 1)]]),
        filename="list.xlsx",
    )
    (entry,) = parsed.entries
    assert entry.registered_on == D(2021, 3, 12) and entry.expires_on == D(2025, 8, 1)
    assert entry.line == 4 and parsed.encoding == "xlsx"


def test_xlsx_errors_name_the_sheet_row() -> None:
    rows: list[list[object]] = [["C21-0001-1", "ok", "A社", "", ""], [None, "番号なし", "B社", "2024/02/30", None]]
    with pytest.raises(IsmapListError) as info:
        parse_list(xlsx_bytes(rows), filename="list.xlsx")
    assert info.value.errors == ["5行目: 「登録番号」が空です。", "5行目: 「登録日」を日付として読めません。"]


def test_an_adjusted_mapping_finds_renamed_columns() -> None:
    header = ["番号", "名称", "提供者", "登録日", "期限"]
    data = csv_bytes(ROWS[:1], header=header)
    with pytest.raises(IsmapListError) as info:
        parse_list(data)
    assert "見出し行が見つかりません" in info.value.errors[0]
    mapping = {"registration_number": "番号", "service_name": ["名称"], "provider": "提供者", "expires_on": "期限"}
    (entry,) = parse_list(data, mapping=mapping).entries
    assert entry.service_name == "クラウド IaaS" and entry.expires_on == D(2025, 8, 1)


def test_it_names_every_bad_line_and_column() -> None:
    rows = [
        ROWS[0],
        ["", "名前のないサービス", "事業者", "", ""],
        ["C21-0003-1", "日付が変", "事業者", "2024/13/01", ""],
        ["C21-0001-1", "重複", "事業者", "", ""],
    ]
    with pytest.raises(IsmapListError) as info:
        parse_list(csv_bytes(rows))
    assert info.value.errors == [
        "4行目: 「登録番号」が空です。",
        "5行目: 「登録日」を日付として読めません。",
        "6行目: 登録番号が3行目と重複しています。",
    ]


def test_it_refuses_a_my_number_without_echoing_it() -> None:
    my_number = "123456789018"  # a valid 個人番号 check digit (pia-domain.md §5 vector)
    rows = [ROWS[0], ["C21-0002-1", f"備考 {my_number}", "事業者", "", ""]]
    with pytest.raises(IsmapListError) as info:
        parse_list(csv_bytes(rows))
    (error,) = info.value.errors
    assert error.startswith("4行目（2列目）: 個人番号と思われる")
    assert my_number not in error


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "a.csv", "ファイルが空です。"),
        (b"\x81\xff\xfe\x80" * 10, "a.csv", "文字コードを読み取れません"),
        (b"PK\x03\x04broken", "a.xlsx", "XLSX ファイルとして読めません"),
        ("登録番号,サービス名称,クラウドサービス事業者名\r\n".encode(), "a.csv", "サービスの行がありません"),
        ("名前,住所\r\n山田,札幌\r\n".encode(), "a.csv", "見出し行が見つかりません"),
    ],
)
def test_bad_files_get_a_clear_japanese_error(content: bytes, name: str, message: str) -> None:
    with pytest.raises(IsmapListError) as info:
        parse_list(content, filename=name)
    assert message in info.value.errors[0]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024/3/31", D(2024, 3, 31)),
        ("2024-03-31", D(2024, 3, 31)),
        ("２０２４年３月３１日", D(2024, 3, 31)),
        ("令和元年5月1日", D(2019, 5, 1)),
        ("R6.3.31", D(2024, 3, 31)),
        ("平成31年4月30日", D(2019, 4, 30)),
        ("2024-03-31 00:00:00", D(2024, 3, 31)),
        ("", None),
    ],
)
def test_it_reads_the_date_forms_seen_in_lists(text: str, day: D | None) -> None:
    assert parse_date(text) == day


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(cells, max_size=7), max_size=6),
    header=st.sampled_from([HEADER, HEADER[:3], ["x", "y"], []]),
    encoding=st.sampled_from(["utf-8", "cp932"]),
)
def test_random_lists_raise_nothing_but_the_importers_own_error(
    rows: list[list[str]], header: list[str], encoding: str
) -> None:
    text = "\r\n".join(",".join(r) for r in [header, *rows])
    data = text.encode(encoding, errors="replace")
    try:
        parsed = parse_list(data, filename="list.csv")
    except IsmapListError as exc:
        assert exc.errors and all(isinstance(e, str) and e for e in exc.errors)
    else:
        assert all(e.registration_number and e.service_name and e.provider for e in parsed.entries)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(xlsx_cells, max_size=6), max_size=5), header=st.sampled_from([HEADER, HEADER[:3], []]))
def test_random_xlsx_sheets_raise_nothing_but_the_importers_own_error(
    rows: list[list[object]], header: list[str]
) -> None:
    try:
        parse_list(xlsx_bytes(rows, header=header), filename="list.xlsx")
    except IsmapListError as exc:
        assert exc.errors


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=300), name=st.sampled_from(["a.csv", "a.xlsx", "list"]))
def test_random_bytes_raise_nothing_but_the_importers_own_error(data: bytes, name: str) -> None:
    try:
        parse_list(data, filename=name)
    except IsmapListError as exc:
        assert exc.errors
