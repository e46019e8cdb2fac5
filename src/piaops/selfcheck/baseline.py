"""The 安全管理措置 baseline: a section every unit's 自己点検票 carries besides the report-specific items.

Organised as the PPC structures 安全管理措置 for 行政機関等 (特定個人情報の適正な取扱いに関するガイドライン
（行政機関等編） 別添「特定個人情報に関する安全管理措置」: 基本方針の策定, 取扱規程等の策定, 組織的・人的・物理的・
技術的安全管理措置), with items written for a municipal workplace. The headings are the guideline's; the wording of
each item is piaops's, after typical municipal 自己点検票 (pia-domain.md §3, §9) — the admin rewords them.

The baseline of a 年度 is a :class:`ChecklistTemplate` with ``baseline_year`` set (code ``baseline-<年度>``),
versioned like any template: once a launched campaign uses it, an edit makes the next version. A new 年度's baseline
starts as a copy of the newest baseline of the latest earlier 年度 (the admin's edits carry over), else from
:data:`DEFAULT_ITEMS`. Every campaign of the 年度 carries its newest version (:func:`attach`, from the campaign's
creation and again at its launch); answers feed the findings and follow-up as every other item does.
"""

from __future__ import annotations

from django.db import transaction

from piaops.audittrail.services import record_create
from piaops.selfcheck.models import Campaign, CampaignTemplate, Category, ChecklistTemplate, TemplateItem
from piaops.tenancy.models import Municipality, User

# The guideline's sections in its order (the page groups the items so).
SECTIONS: tuple[str, ...] = (
    Category.POLICY,
    Category.RULES,
    Category.ORGANIZATIONAL,
    Category.HUMAN,
    Category.PHYSICAL,
    Category.TECHNICAL,
)

DEFAULT_ITEMS: tuple[tuple[str, str, str], ...] = (
    (
        Category.POLICY,
        "特定個人情報等の適正な取扱いに関する基本方針を、所属の職員等（会計年度任用職員・派遣職員を含む）に周知していますか。",
        "基本方針（情報セキュリティポリシーを含む）の所在と要点を、所属内の会議・回覧等で伝えた記録を確認します。",
    ),
    (
        Category.RULES,
        "取得・利用・保存・提供・削除・廃棄の各段階の取扱いを定めた取扱規程（事務処理要領・手順書）があり、現在の事務と一致していますか。",
        "規程・手順書の改正日と、所属の様式・手順が改正後のものかを確認します。",
    ),
    (
        Category.ORGANIZATIONAL,
        "事務取扱担当者と責任者を指定し、その名簿を異動・退職の都度更新していますか。",
        "",
    ),
    (
        Category.ORGANIZATIONAL,
        "特定個人情報ファイルの利用・出力の状況（帳票の出力、データの抽出・複製）を記録していますか。",
        "利用・出力の記録簿またはシステムの出力履歴を確認します。",
    ),
    (
        Category.ORGANIZATIONAL,
        "書類・電子媒体の持出し（庁舎外・管理区域外への搬出）を、所属長の許可を得て持出簿に記録していますか。",
        "",
    ),
    (
        Category.ORGANIZATIONAL,
        "特定個人情報の削除・廃棄を記録し、委託した場合は委託先から削除・廃棄の証明書を受け取っていますか。",
        "廃棄の記録と、委託先の廃棄証明書（日付・対象・方法）を確認します。",
    ),
    (
        Category.ORGANIZATIONAL,
        "情報漏えい等の事案が起きた場合の報告連絡体制（所属長・番号制度総括部門への報告）を所属の全員に周知していますか。",
        "",
    ),
    (
        Category.HUMAN,
        "事務取扱担当者全員（会計年度任用職員・派遣職員を含む）が今年度の研修を受講していますか。",
        "",
    ),
    (
        Category.HUMAN,
        "新たに配属された職員等に、初任時の研修を受講させていますか。",
        "",
    ),
    (
        Category.PHYSICAL,
        "取扱区域（特定個人情報を取り扱う事務を行う区域）を明示し、座席配置・間仕切り・のぞき見防止の措置をとっていますか。",
        "",
    ),
    (
        Category.PHYSICAL,
        "管理区域（サーバー室等）への入退室を許可された者に限り、入退室の記録を保管していますか。",
        "",
    ),
    (
        Category.PHYSICAL,
        "特定個人情報を含む書類・電子媒体を施錠できる場所に保管し、持ち運ぶときは暗号化・封緘等の措置をとっていますか。",
        "",
    ),
    (
        Category.PHYSICAL,
        "廃棄する書類・機器・電子媒体を、裁断・溶解・物理的破壊・専用ソフトによる消去等で復元できないようにしていますか。",
        "",
    ),
    (
        Category.TECHNICAL,
        "アクセス権限を事務に必要な範囲に限り、異動・退職者のIDを速やかに失効させていますか（年1回以上の棚卸し）。",
        "",
    ),
    (
        Category.TECHNICAL,
        "個人番号利用事務系の端末に、利用者ごとのIDと二要素認証でログインしていますか。",
        "",
    ),
    (
        Category.TECHNICAL,
        "システムの操作ログ・アクセスログを定期的に確認し、確認した日と結果を記録していますか。",
        "",
    ),
    (
        Category.TECHNICAL,
        "外部記録媒体の利用を制限し、利用するときは許可と記録を行っていますか。",
        "",
    ),
)


def code_for(fiscal_year: int) -> str:
    return f"baseline-{fiscal_year}"


def title_for(fiscal_year: int) -> str:
    return f"{fiscal_year}年度 安全管理措置の基準"


def current(municipality_id: int, fiscal_year: int) -> ChecklistTemplate | None:
    """The newest version of the 年度's baseline, or None when it has none yet."""
    return (
        ChecklistTemplate.objects.filter(
            municipality_id=municipality_id, code=code_for(fiscal_year), baseline_year=fiscal_year
        )
        .order_by("-version")
        .first()
    )


def years(municipality_id: int) -> list[int]:
    """The 年度 with a baseline, newest first."""
    return sorted(
        set(
            ChecklistTemplate.objects.filter(municipality_id=municipality_id, baseline_year__isnull=False)
            .values_list("baseline_year", flat=True)
            .distinct()
        ),
        reverse=True,
    )


@transaction.atomic
def ensure(*, municipality: Municipality, fiscal_year: int, by: User | None = None) -> ChecklistTemplate:
    """The 年度's baseline, created when it has none: a copy of the latest earlier 年度's newest version, else the
    default items. The creation is recorded."""
    found = current(municipality.pk, fiscal_year)
    if found is not None:
        return found
    earlier = (
        ChecklistTemplate.objects.filter(
            municipality=municipality, baseline_year__isnull=False, baseline_year__lt=fiscal_year
        )
        .order_by("-baseline_year", "-version")
        .first()
    )
    template = ChecklistTemplate.objects.create(
        municipality=municipality,
        code=code_for(fiscal_year),
        version=1,
        title=title_for(fiscal_year),
        baseline_year=fiscal_year,
    )
    if earlier is not None:
        rows = [(i.category, i.text, i.guidance) for i in earlier.items.order_by("order", "id")]
        origin = f"{earlier.baseline_year}年度の基準（第{earlier.version}版）を引き継いで"
    else:
        rows = [(c, t, g) for c, t, g in DEFAULT_ITEMS]
        origin = "標準の項目で"
    TemplateItem.objects.bulk_create(
        [
            TemplateItem(
                municipality=municipality, template=template, order=n, category=cat, text=text, guidance=guidance
            )
            for n, (cat, text, guidance) in enumerate(rows, start=1)
        ]
    )
    record_create(
        template, municipality_id=municipality.pk, summary=f"安全管理措置の基準を{origin}作成（{len(rows)}項目）"
    )
    return template


def attach(campaign: Campaign) -> bool:
    """Make the campaign carry its 年度's newest baseline (after its other templates), replacing a baseline of
    another 年度 or an older version. Nothing when the 年度 has no baseline. Returns whether the links changed.
    The caller is in a transaction and records the change."""
    baseline = current(campaign.municipality_id, campaign.fiscal_year)
    if baseline is None:
        return False
    links = list(campaign.campaign_templates.select_related("template").order_by("position", "id"))
    if not links:  # a campaign made before templates were linked: its one template becomes the first link
        links = [
            CampaignTemplate.objects.create(
                municipality_id=campaign.municipality_id, campaign=campaign, template=campaign.template, position=0
            )
        ]
    stale = [link for link in links if link.template.baseline_year is not None and link.template_id != baseline.pk]
    if not stale and any(link.template_id == baseline.pk for link in links):
        return False
    for link in stale:
        link.delete()
    kept = [link for link in links if link not in stale]
    if not any(link.template_id == baseline.pk for link in kept):
        CampaignTemplate.objects.create(
            municipality_id=campaign.municipality_id,
            campaign=campaign,
            template=baseline,
            position=max((link.position for link in kept), default=-1) + 1,
        )
    first = kept[0].template if kept else baseline
    if campaign.template_id != first.pk:
        campaign.template = first
        campaign.save(update_fields=["template"])
    if hasattr(campaign, "_template_list"):
        del campaign._template_list  # the links changed under the cached list
    return True
