"""Self-inspection at scale: launching a campaign (units × items answer rows) next to a raw bulk insert of the
same rows, and exporting every unit's workbook next to openpyxl writing the same cells bare.

Sizes: ``PIAOPS_BENCH_UNITS`` (default 500) and ``PIAOPS_BENCH_ITEMS`` (default 150, split over two templates, as
a campaign with the report's template and a general-safeguards template has). Targets: launch at least
half the raw insert's speed (ours ≤ 2× baseline); the export's overhead (styles, protection, drop-down, hidden
sheet) is shown against the bare cells.
"""

from __future__ import annotations

import io
import itertools
import os

from bench.harness import Figure, median_seconds, scale, setup_django

UNITS = scale("PIAOPS_BENCH_UNITS", 500, 10)
ITEMS = scale("PIAOPS_BENCH_ITEMS", 150, 10)
EXPORT_UNITS = int(os.environ.get("PIAOPS_BENCH_EXPORT_UNITS", str(UNITS)))
_seq = itertools.count(1)


def run() -> list[Figure]:
    setup_django()
    import datetime as dt

    from django.db import connection, transaction
    from openpyxl import Workbook

    from piaops.selfcheck import services, xlsx
    from piaops.selfcheck.models import Campaign, ChecklistTemplate, TemplateItem
    from piaops.tenancy.models import Municipality, OrgUnit

    m = Municipality.objects.create(name="ベンチ市", code="011002")
    root = OrgUnit.objects.create(municipality=m, name="本庁", code="R")
    OrgUnit.objects.bulk_create(
        [OrgUnit(municipality=m, parent=root, name=f"第{i}課", code=f"U{i:04d}", path=f"/x/{i}/") for i in range(UNITS)]
    )
    units = list(OrgUnit.objects.filter(municipality=m, parent=root).order_by("pk"))
    half = ITEMS // 2
    templates = [
        services.template_create(
            municipality=m,
            title=f"ベンチ用{n}",
            code=f"bench-{n}",
            include_general=False,
            extra_items=[f"点検項目 {i}: 特定個人情報の取扱いを確認しましたか。" for i in part],
        )
        for n, part in enumerate((range(half), range(half, ITEMS)))
    ]
    template_objs = list(ChecklistTemplate.objects.filter(pk__in=[t.pk for t in templates]).order_by("code"))
    item_ids = list(
        TemplateItem.objects.filter(template__in=template_objs)
        .order_by("template__code", "order")
        .values_list("pk", flat=True)
    )
    deadline = dt.date(2026, 12, 11)
    state: dict[str, Campaign] = {}

    def new_campaign() -> None:
        state["c"] = services.campaign_create(
            municipality=m,
            fiscal_year=2026,
            title=f"c{next(_seq)}",
            templates=template_objs,
            deadline=deadline,
            units=units,
        )

    def ours() -> None:
        services.campaign_launch(campaign=state["c"])

    def raw() -> None:
        campaign = state["c"]
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(
                "INSERT INTO selfcheck_checklist (municipality_id, campaign_id, unit_id, status, round, version) "
                "VALUES (%s, %s, %s, 'not_started', 1, 1)",
                [(m.pk, campaign.pk, u.pk) for u in units],
            )
            cur.execute("SELECT id FROM selfcheck_checklist WHERE campaign_id = %s", [campaign.pk])
            ids = [r[0] for r in cur.fetchall()]
            cur.executemany(
                "INSERT INTO selfcheck_answer (municipality_id, checklist_id, item_id, value, comment, "
                "improvement_plan) VALUES (%s, %s, %s, '', '', '')",
                [(m.pk, c, i) for c in ids for i in item_ids],
            )

    rows = UNITS * (ITEMS + 1)
    launch = Figure(
        name=f"launch a campaign: {UNITS} units × {ITEMS} items",
        ours=median_seconds(ours, repeat=3, setup=new_campaign),
        baseline=median_seconds(raw, repeat=3, setup=new_campaign),
        baseline_name="raw executemany INSERT of the same rows",
        unit_count=rows,
        target="ours ≤ 2× baseline",
    )

    campaign = Campaign.objects.filter(status="launched").order_by("pk").first()
    assert campaign is not None
    checklists = list(campaign.checklists.select_related("unit").order_by("unit__path")[:EXPORT_UNITS])
    for c in checklists:
        c.campaign = campaign
    texts = list(
        TemplateItem.objects.filter(template__in=template_objs)
        .order_by("template__code", "order")
        .values_list("order", "category", "text")
    )

    def export_ours() -> None:
        answers = xlsx.answers_by_checklist(checklists)
        for c in checklists:
            xlsx.checklist_workbook(c, answers[c.pk])

    def export_bare() -> None:
        for _ in checklists:
            wb = Workbook()
            ws = wb.active
            assert ws is not None
            for n, (order, category, text) in enumerate(texts):
                for col, value in enumerate((order, category, text, None, None, None, None), start=1):
                    ws.cell(row=7 + n, column=col, value=value)
            wb.save(io.BytesIO())

    export = Figure(
        name=f"export {len(checklists)} workbooks × {ITEMS} items",
        ours=median_seconds(export_ours, repeat=1),
        baseline=median_seconds(export_bare, repeat=1),
        baseline_name="openpyxl writing the same cells bare",
        unit_count=len(checklists),
    )
    return [launch, export]
