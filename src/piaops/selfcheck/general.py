"""The built-in general safeguard questions, grouped like the PPC 安全管理措置 (組織的・人的・物理的・技術的).

Taken from the items typical municipal 自己点検票 ask (pia-domain.md §4); the admin may remove or reword them
in a template.
"""

from __future__ import annotations

from piaops.selfcheck.models import Category

GENERAL_ITEMS: tuple[tuple[str, str], ...] = (
    (Category.ORGANIZATIONAL, "事務取扱担当者を指定し、その名簿を異動・退職の都度更新していますか。"),
    (Category.ORGANIZATIONAL, "特定個人情報ファイルの利用・出力状況を記録していますか。"),
    (Category.ORGANIZATIONAL, "書類・媒体等の持出しを持出簿に記録していますか。"),
    (Category.ORGANIZATIONAL, "特定個人情報の削除・廃棄を記録し、委託した場合は廃棄証明を受けていますか。"),
    (Category.ORGANIZATIONAL, "情報漏えい等が発生した場合の報告手順を所属の全員に周知していますか。"),
    (Category.ORGANIZATIONAL, "委託契約に特記事項を定め、再委託の許諾と委託先の確認を行っていますか。"),
    (Category.ORGANIZATIONAL, "評価書の記載内容と実際の事務の運用が一致していることを確認しましたか。"),
    (Category.HUMAN, "事務取扱担当者全員（会計年度任用職員を含む）が今年度の研修を受講していますか。"),
    (Category.HUMAN, "新たに配属された職員に、初任時の研修を受講させていますか。"),
    (Category.PHYSICAL, "取扱区域を明示し、端末画面ののぞき見防止の措置をとっていますか。"),
    (Category.PHYSICAL, "特定個人情報を含む書類・媒体を施錠できる場所に保管していますか。"),
    (Category.PHYSICAL, "管理区域（サーバー室等）への入退室を記録していますか。"),
    (Category.TECHNICAL, "個人番号利用事務系の端末に二要素認証でログインしていますか。"),
    (Category.TECHNICAL, "利用者IDと権限を棚卸しし、異動・退職者のIDを速やかに失効させていますか。"),
    (Category.TECHNICAL, "システムの操作ログを定期的に確認していますか。"),
    (Category.TECHNICAL, "外部記録媒体の利用を制限し、利用時は許可と記録を行っていますか。"),
)
