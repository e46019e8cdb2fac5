"""Saving an imported report: the bulk-insert import service next to a row-by-row save of the same tree, and
matching a new version's commitments against the old one's.

Size: ``PIAOPS_BENCH_ASSESSMENT_ITEMS`` items (default 100, about a full 評価書), each with 3 parties of 3
commitments. Each run saves a new version of one series, so the service's run also links every commitment to
its predecessor.
"""

from __future__ import annotations

import itertools

from bench.harness import Figure, median_seconds, scale, setup_django

ITEMS = scale("PIAOPS_BENCH_ASSESSMENT_ITEMS", 100, 10)
PARTIES = ["札幌市", "中間サーバー・プラットフォーム", "eLTAXシステム認定委託先事業者"]


def run() -> list[Figure]:
    setup_django()
    from piaops.assessments.matching import Key, match_commitments
    from piaops.assessments.models import AssessmentReport, Commitment, Item, MeasureBlock, ReportWork, Section
    from piaops.assessments.parsed import (
        ParsedCommitment,
        ParsedItem,
        ParsedMeasureBlock,
        ParsedReport,
        ParsedSection,
        Span,
    )
    from piaops.assessments.services import report_plan, report_save
    from piaops.tenancy.models import Municipality, Work

    municipality, _ = Municipality.objects.get_or_create(code="011002", defaults={"name": "札幌市"})
    work, _ = Work.objects.get_or_create(municipality=municipality, name="地方税賦課徴収事務")

    def parsed(variant: int) -> ParsedReport:
        items = []
        for n in range(ITEMS):
            blocks = []
            for party in PARTIES:
                texts = [f"項目{n}について{party}は措置{k}を定期的に実施する。" for k in range(3)]
                if variant and n % 10 == 0:
                    texts[0] = texts[0].replace("定期的に", "毎年度")
                commitments = [ParsedCommitment(t, "other", "periodic", Span(n, n)) for t in texts]
                blocks.append(
                    ParsedMeasureBlock(f"{party}における措置", party, "".join(texts), Span(n, n), commitments)
                )
            items.append(ParsedItem(f"Ⅳ-{n}", f"項目{n}", "", [], "", "本文", Span(n, n), blocks))
        return ParsedReport(title="bench", sections=[ParsedSection("Ⅳ", "その他", "", Span(1, ITEMS), items)])

    counter = itertools.count()

    def ours() -> None:
        plan = report_plan(municipality=municipality, works=[work], parsed=parsed(next(counter) % 2))
        report_save(
            municipality=municipality,
            works=[work],
            plan=plan,
            text="",
            encoding="utf-8",
            sha256=f"{next(counter):064d}",
            filename="bench.txt",
            user=None,
        )

    def row_by_row() -> None:
        p = parsed(0)
        report = AssessmentReport.objects.create(
            municipality=municipality, series=f"row-{next(counter)}", title="bench", version=1
        )
        ReportWork.objects.create(municipality=municipality, report=report, work=work)
        for s_order, ps in enumerate(p.sections):
            section = Section.objects.create(municipality=municipality, report=report, number=ps.number, order=s_order)
            for pi in ps.items:
                item = Item.objects.create(
                    municipality=municipality,
                    report=report,
                    section=section,
                    number_path=pi.number_path,
                    title=pi.title,
                    text=pi.text,
                )
                for pb in pi.blocks:
                    block = MeasureBlock.objects.create(
                        municipality=municipality,
                        report=report,
                        item=item,
                        party_label=pb.party_label,
                        party_name=pb.party_name,
                        text=pb.text,
                    )
                    for pc in pb.commitments:
                        Commitment.objects.create(
                            municipality=municipality,
                            report=report,
                            item=item,
                            block=block,
                            party_name=pb.party_name,
                            text=pc.text,
                            source_text=pc.text,
                        )

    old = [Key(i.number_path, b.party_name, c.text) for i in parsed(0).items() for b in i.blocks for c in b.commitments]
    new = [Key(i.number_path, b.party_name, c.text) for i in parsed(1).items() for b in i.blocks for c in b.commitments]

    def naive_exact() -> None:
        # The obvious nested loop for the exact pass alone (no similarity), as a floor to compare with.
        for n in new:
            next((o for o in old if o.item_path == n.item_path and o.party == n.party and o.text == n.text), None)

    rows = ITEMS * len(PARTIES) * 3
    return [
        Figure(
            name=f"report_save: {ITEMS} items, {rows} commitments (bulk, with predecessor matching)",
            ours=median_seconds(ours, repeat=3),
            baseline=median_seconds(row_by_row, repeat=3),
            baseline_name="row-by-row create(), no matching",
            unit_count=rows,
        ),
        Figure(
            name=f"match_commitments: {rows} against {rows} (10% of items edited)",
            ours=median_seconds(lambda: match_commitments(old, new), repeat=3),
            baseline=median_seconds(naive_exact, repeat=3),
            baseline_name="nested-loop exact lookup only",
            unit_count=rows,
        ),
    ]
