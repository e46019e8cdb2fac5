"""Who must act on an incident: an explicit decision table, from the reference report's Government Cloud clause.

「ガバメントクラウドに起因する障害等」は国（デジタル庁）がクラウドサービス事業者との契約に基づき対応させ、
それ以外は ASP 又は運用管理補助者が地方公共団体との契約に基づき対応する。原因の所在が不明又は見解が分かれる
場合は、地方公共団体・デジタル庁・関係事業者の間で協議する (pia-domain.md §7).

Pure: takes the cause, returns the rule; the service records the decision with its rationale.
"""

from __future__ import annotations

from dataclasses import dataclass

from piaops.incidents.models import Cause
from piaops.tenancy.models import Party


@dataclass(frozen=True)
class Route:
    rule: str  # stable code, stored on the incident
    party_kind: str | None  # the Party.Kind that must act; None while a consultation decides
    responsibility: str  # Japanese: who does what, under which contract
    consultation: bool = False


ROUTING_TABLE: dict[str, Route] = {
    Cause.GOVERNMENT_CLOUD: Route(
        rule="gov_cloud_to_state",
        party_kind=Party.Kind.GOVERNMENT_CLOUD,
        responsibility="国（デジタル庁）が、クラウドサービス事業者との契約に基づき、クラウドサービス事業者に対応させる。",
    ),
    Cause.ASP: Route(
        rule="asp_under_contract",
        party_kind=Party.Kind.ASP,
        responsibility="ASPが、当団体との契約に基づき対応する。",
    ),
    Cause.OPERATOR: Route(
        rule="operator_under_contract",
        party_kind=Party.Kind.GOV_CLOUD_OPERATOR,
        responsibility="ガバメントクラウド運用管理補助者が、当団体との契約に基づき対応する。",
    ),
    Cause.MUNICIPALITY: Route(
        rule="municipality_itself",
        party_kind=Party.Kind.MUNICIPALITY,
        responsibility="当団体が自ら対応する。",
    ),
    Cause.UNKNOWN: Route(
        rule="consultation",
        party_kind=None,
        responsibility="原因の所在が不明なため、当団体・デジタル庁・関係事業者の間で協議して対応を決める。",
        consultation=True,
    ),
    Cause.DISPUTED: Route(
        rule="consultation",
        party_kind=None,
        responsibility="原因の所在について見解が分かれるため、当団体・デジタル庁・関係事業者の間で協議して対応を決める。",
        consultation=True,
    ),
}


def decide(cause: str) -> Route:
    """The route for ``cause``. ``Cause.UNDETERMINED`` has no route: the cause must be assessed first."""
    try:
        return ROUTING_TABLE[cause]
    except KeyError:
        raise ValueError(f"原因の所在「{cause}」に対応する振り分け規則がありません。") from None
