"""Demo incidents: one caused by the Government Cloud (routed to the State); one by the ASP's application, with
特定個人情報 on paper for 12 people — not a 報告対象事態 (規則第2条), so handled and closed internally without a
確報; one suspected unauthorised access to a contractor's terminal — reportable (不正の目的, the 個人番号利用事務's
system, over 100 people), its 速報 made and its 確報 due in 60 days; one under consultation; and for each of
``years`` past 年度, two closed ones (a 誤送付 with both PPC reports made, a short system outage)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from piaops.incidents import services
from piaops.incidents.models import Cause, Incident
from piaops.lib.fiscal import fiscal_year
from piaops.tenancy.models import Municipality, Party, Work

_PARTIES = {
    Party.Kind.GOVERNMENT_CLOUD: "ガバメントクラウド（デジタル庁）",
    Party.Kind.ASP: "標準準拠システム提供事業者（ASP）",
}


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _past_year(municipality: Municipality, fy: int, works: list[Work]) -> None:
    """Two incidents of a past 年度, both closed: a 誤送付 of 特定個人情報 of more than 100 people (a 報告対象事態,
    規則第2条) reported to the PPC in time, and an outage of the ASP's application."""
    day = dt.date(fy, 9, 10)
    sent = services.incident_record(
        municipality=municipality,
        user=None,
        title="住民税の特別徴収税額通知書の誤送付",
        description="封入時の確認漏れにより、従業員120人分の通知書が別の事業所に送付された。回収し、対象者に謝罪した。",
        detected_at=_at(day, 10),
        occurred_at=_at(day - dt.timedelta(days=3), 16),
        systems="帳票の封入封緘（手作業）",
        works=works,
        personal_info_involved=True,
        leaked=True,
        people_affected=120,
    )
    services.incident_route(
        incident=sent,
        user=None,
        cause=Cause.MUNICIPALITY,
        rationale="封入作業の確認手順が守られていなかった（当団体の事務処理）。",
    )
    services.incident_transition(incident=sent, user=None, name="start_investigation")
    services.ppc_report_record(incident=sent, user=None, kind="prompt", reported_on=day + dt.timedelta(days=2))
    services.ppc_report_record(incident=sent, user=None, kind="final", reported_on=day + dt.timedelta(days=20))
    services.incident_transition(incident=sent, user=None, name="close", note="再発防止策（二人での照合）を実施した。")
    outage = dt.date(fy, 12, 5)
    down = services.incident_record(
        municipality=municipality,
        user=None,
        title="税務システムのオンライン処理の一時停止",
        description="ASPのバッチ処理の遅延により、午前中オンライン処理が利用できなかった。データの漏えい等はない。",
        detected_at=_at(outage, 9),
        occurred_at=_at(outage, 8),
        systems="税務システム（標準準拠システム）",
        works=works,
    )
    services.incident_route(
        incident=down,
        user=None,
        cause=Cause.ASP,
        rationale="ASPの障害報告により、バッチ処理の遅延が原因と確認された。",
        contract_clause="税務システム運用保守契約 第15条（障害時の対応）",
    )
    services.incident_transition(incident=down, user=None, name="contain")
    services.incident_transition(incident=down, user=None, name="close", note="復旧と再発防止策を確認した。")


def build(*, municipality: Municipality, people: int, today: dt.date, years: int = 0) -> None:
    if Incident.objects.for_municipality(municipality).exists():
        return
    for kind, name in _PARTIES.items():
        if not Party.objects.for_municipality(municipality).filter(kind=kind).exists():
            Party.objects.create(municipality=municipality, kind=kind, name=name)
    tax = Work.objects.for_municipality(municipality).filter(name__contains="地方税").first()
    works = [tax] if tax else []
    fy = fiscal_year(today)
    for past in range(fy - years, fy):
        _past_year(municipality, past, works)

    cloud = services.incident_record(
        municipality=municipality,
        user=None,
        title="ガバメントクラウド基盤の障害による税務システムの停止",
        description="CSPの基盤障害により、税務システムが約3時間利用できなかった。データの漏えい等はない。",
        detected_at=_at(today - dt.timedelta(days=40), 9),
        occurred_at=_at(today - dt.timedelta(days=40), 8),
        systems="税務システム（標準準拠システム）",
        works=works,
    )
    services.incident_route(
        incident=cloud,
        user=None,
        cause=Cause.GOVERNMENT_CLOUD,
        rationale="デジタル庁からの障害報告により、CSPの基盤障害が原因と確認された。",
        contract_clause="ガバメントクラウド利用に関する国とCSPの契約",
    )
    services.incident_transition(incident=cloud, user=None, name="contain")
    services.incident_transition(incident=cloud, user=None, name="close", note="復旧を確認した。")

    asp = services.incident_record(
        municipality=municipality,
        user=None,
        title="税務システムの帳票出力設定誤りによる他人の通知書の誤送付",
        description="ASPのプログラム改修時の設定誤りにより、納税通知書12件が別の納税義務者の情報とともに出力された。",
        detected_at=_at(today - dt.timedelta(days=4), 10),
        occurred_at=_at(today - dt.timedelta(days=6), 15),
        systems="税務システム（帳票出力）",
        works=works,
        personal_info_involved=True,
        leaked=True,
        people_affected=12,
    )
    services.incident_route(
        incident=asp,
        user=None,
        cause=Cause.ASP,
        rationale="改修作業の記録から、ASPの設定誤りが原因と判明した。",
        contract_clause="税務システム運用保守契約 第15条（障害時の対応）",
    )
    services.incident_transition(incident=asp, user=None, name="start_investigation")
    services.incident_add_note(incident=asp, user=None, text="対象者への連絡と通知書の回収を開始した。")
    services.incident_transition(incident=asp, user=None, name="contain", note="全12件の通知書を回収した。")
    services.incident_transition(
        incident=asp,
        user=None,
        name="close",
        note="規則第2条の報告対象事態に当たらないため、団体内で対応し終結した（本人への通知・謝罪済み）。",
    )

    breach = services.incident_record(
        municipality=municipality,
        user=None,
        title="委託先端末への不正アクセスによる特定個人情報の漏えいのおそれ",
        description=(
            "税務システムの保守端末に外部から不正アクセスされた形跡があり、"
            "固定資産税の課税情報（約350人分）が閲覧されたおそれがある。"
        ),
        detected_at=_at(today - dt.timedelta(days=6), 16),
        occurred_at=_at(today - dt.timedelta(days=8), 2),
        systems="税務システム（保守用端末）",
        works=works,
        personal_info_involved=True,
        leaked=True,
        people_affected=350,
        unlawful_purpose=True,
        in_network_system=True,
    )
    services.incident_route(
        incident=breach,
        user=None,
        cause=Cause.ASP,
        rationale="保守端末の管理はASPの契約上の責任範囲であるため。",
        contract_clause="税務システム運用保守契約 第12条（情報セキュリティ）",
    )
    services.incident_transition(incident=breach, user=None, name="start_investigation")
    services.ppc_report_record(incident=breach, user=None, kind="prompt", reported_on=today - dt.timedelta(days=3))

    unknown = services.incident_record(
        municipality=municipality,
        user=None,
        title="個別領域のネットワーク設定変更後の通信断",
        description="運用管理補助者による設定変更の直後に通信断が発生。原因がクラウド基盤側か設定側か見解が分かれている。",
        detected_at=_at(today - dt.timedelta(days=1), 14),
        systems="ガバメントクラウド個別領域",
    )
    services.incident_route(
        incident=unknown,
        user=None,
        cause=Cause.DISPUTED,
        rationale="運用管理補助者とCSPの見解が一致しないため。",
    )
