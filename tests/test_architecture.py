"""The layering rules of the developers' guide, enforced on the source (no Django, no database).

Every module under ``src/piaops`` (migrations excluded) is parsed; every ``import x`` and ``from x import y`` in it —
at the top, inside functions and under ``if TYPE_CHECKING`` alike — is an edge from that module to a piaops
module. The rules, in the order a layer may stand on another::

    lib  ←  base  ←  assessments  ←  domain apps  ←  reports  ←  wiring (settings, urls, cli, wsgi)

1. ``piaops.lib`` imports no piaops app: only ``piaops.lib`` itself (and Django or any other library).
2. The base (``LAYERS`` below) imports only ``lib`` and the base: never ``assessments``, a domain app or reports.
3. A domain app imports ``lib``, the base and ``assessments``. Of another domain app it never imports the
   presentation (``views``, ``api``, ``forms``, ``urls``, ``admin``, ``reports`` and their variants such as
   ``report_views`` or ``import_urls``), nor helper modules: only its ``models`` and ``services``, and each such
   edge is listed, with its reason, in ``DOMAIN_TO_DOMAIN`` (a new one is a decision, not an accident).
4. ``reports`` may import everything; nothing imports ``reports`` (nor names ``"piaops.reports…"`` in a string,
   the way ``include()`` and ``INSTALLED_APPS`` do) except the wiring.
5. No module in ``src/piaops`` (migrations excluded) is over ``MAX_LINES`` lines: split it.

Base modules that must know the domain apps do it by *registry* (dotted names in a string, imported when used):
``core.reminders.REMINDER_SOURCES``, ``core.demo.DEMO_STEPS``, ``api.site.ROUTERS`` and the menu's
``core.context_processors.NAV_RULES``, each loaded by ``piaops.lib.registry.load`` against its ``Protocol``
(``ReminderSource``, ``DemoStep``, ``ApiModule``, ``NavRule``), so a wrong entry fails by name when loaded. A new
domain app plugs in there; the base itself never imports it.

Exceptions are in ``ALLOWED`` with the reason they are not fixed yet; an entry that no longer matches anything
fails the test, so the list only shrinks.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine_independent  # reads the source only: the same answer on either database

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "piaops"
MAX_LINES = 800

# Layer of each app (the first part after ``piaops.``) and of each top-level module.
LAYERS: dict[str, str] = {
    "lib": "lib",
    # Base: tenants, roles and access (tenancy), the audit trail, the site frame (core: home, menu, middleware,
    # reminders and demo registries, backup), log-in and sessions (accounts), the API framework and tokens (api).
    "tenancy": "base",
    "audittrail": "base",
    "core": "base",
    "accounts": "base",
    "api": "base",
    "jobs": "base",  # background work: the job row, the task, the worker; domain apps plug in by JOB_KINDS
    "manual": "base",  # the 操作マニュアル: the same for every tenant; names pages by URL name only
    # The PIA document itself: what every domain app's records refer to.
    "assessments": "assessments",
    "selfcheck": "domain",
    "findings": "domain",
    "audits": "domain",
    "training": "domain",
    "assurance": "domain",
    "areas": "domain",
    "incidents": "domain",
    "reviews": "domain",  # the yearly 見直し: reads the other domain apps' records as 変更の候補
    "calendarfeed": "domain",  # reads deadlines through core.reminders, imports no domain app
    "reports": "reports",
    # Wiring: the project's entry points, which name every app.
    "__init__": "wiring",
    "settings": "wiring",
    "urls": "wiring",
    "cli": "wiring",
    "wsgi": "wiring",
    "dbcheck": "wiring",
    "secretkey": "wiring",
}

# Which layers each layer may import (domain → domain is further limited by rule 3).
MAY_IMPORT: dict[str, set[str]] = {
    "lib": {"lib"},
    "base": {"lib", "base"},
    "assessments": {"lib", "base", "assessments"},
    "domain": {"lib", "base", "assessments", "domain"},
    "reports": {"lib", "base", "assessments", "domain", "reports"},
    "wiring": {"lib", "base", "assessments", "domain", "reports", "wiring"},
}

# The models/services of another domain app that a domain app uses (rule 3), keyed by
# (importing app, imported module relative to piaops).
DOMAIN_TO_DOMAIN: dict[tuple[str, str], str] = {
    ("audits", "findings.models"): "an audit's 指摘 are Findings (source 監査); its report and rating read them",
    ("audits", "findings.services"): "an audit records its 指摘 through findings.services.finding_create",
    ("audits", "selfcheck.models"): "the audit preparation page shows the audited unit's self-inspection answers",
    ("reviews", "assurance.models"): "見直し: contracts, 再委託 and ISMAP removals of the report are 変更の候補",
    ("reviews", "incidents.models"): "見直し: a reportable incident is a 変更の候補 and the しきい値判断's 重大事故",
    ("reviews", "selfcheck.models"): "見直し: commitments never inspected or always 該当なし are 変更の候補",
    ("selfcheck", "findings.models"): "a self-inspection's results list the Findings and follow-ups it raised",
    ("selfcheck", "findings.services"): "an answer 要改善 becomes a Finding with its improvement plan",
}

# Known violations, keyed by (importing module, imported module), with why they are not fixed yet.
ALLOWED: dict[tuple[str, str], str] = {}

WIRING_HINT = "piaops.urls (include), piaops.settings (INSTALLED_APPS)"


@dataclass(frozen=True)
class Edge:
    source: str  # importing module, e.g. piaops.audits.views
    target: str  # imported piaops module, e.g. piaops.findings.models
    path: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(SRC.parent)}:{self.line}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.relative_to(PACKAGE).parts
    }


MODULES = _modules()
PACKAGES = {name for name, path in MODULES.items() if path.name == "__init__.py"}


def _resolve(node: ast.ImportFrom, importer: str) -> str:
    if not node.level:
        return node.module or ""
    package = importer if importer in PACKAGES else importer.rpartition(".")[0]
    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _edges(module: str, path: Path) -> list[Edge]:
    found: list[Edge] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, module)
            # ``from piaops.findings import services`` imports the submodule, not the package.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        found.extend(Edge(module, t, path, node.lineno) for t in dict.fromkeys(targets) if t.split(".")[0] == "piaops")
    return found


EDGES = [edge for module, path in MODULES.items() for edge in _edges(module, path)]


def _app(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(module: str) -> str:
    app = _app(module)
    assert app in LAYERS, f"{module}: the app {app!r} has no layer; add it to LAYERS in tests/test_architecture.py"
    return LAYERS[app]


def _is_presentation(module: str) -> bool:
    """views, api, forms, urls, admin, reports, templatetags and their variants (report_views, import_urls...)."""
    inner = module.split(".")[2:]
    return any(
        part in {"api", "forms", "admin", "reports", "templatetags"} or "views" in part or "urls" in part
        for part in inner
    )


def _allowed(edge: Edge) -> bool:
    return any(edge.source == s and (edge.target == t or edge.target.startswith(t + ".")) for s, t in ALLOWED)


def _problem(edge: Edge) -> str | None:
    """Why this edge breaks a rule, as a sentence a developer can act on; None when it is fine."""
    src_app, dst_app = _app(edge.source), _app(edge.target)
    if src_app == dst_app:
        return None
    src_layer, dst_layer = _layer(edge.source), _layer(edge.target)
    if dst_layer == "reports" and src_layer != "wiring":
        return (
            "rule 4: nothing imports piaops.reports (it reads every app; it is wired only by "
            f"{WIRING_HINT}). Move what you need from reports into your own app's services, or into lib."
        )
    if src_layer == "lib":
        return (
            "rule 1: piaops.lib imports no piaops app. Pass the value in as an argument, or move the code out of lib "
            "into the app that owns the data."
        )
    if dst_layer not in MAY_IMPORT[src_layer]:
        if src_layer == "base":
            return (
                f"rule 2: the base ({src_app}) must not import the {dst_layer} layer ({dst_app}). Move the shared "
                "piece into the base or lib, or let the app plug in by a registry of dotted names "
                "(as REMINDER_SOURCES, DEMO_STEPS, api.site.ROUTERS and NAV_RULES do)."
            )
        return f"the {src_layer} layer ({src_app}) must not import the {dst_layer} layer ({dst_app})."
    if src_layer == dst_layer == "domain":
        if _is_presentation(edge.target):
            return (
                f"rule 3: a domain app never imports another domain app's views, api, forms, urls nor reports. Call "
                f"{dst_app}.services (or read {dst_app}.models) instead; move a shared helper into "
                f"{dst_app}.services, the base or lib."
            )
        kind = edge.target.split(".")[2] if edge.target.count(".") >= 2 else ""
        if kind not in {"models", "services"}:
            return (
                f"rule 3: of another domain app only its models and services may be imported, not {edge.target}. "
                f"Move the helper into {dst_app}.services (its public face) or, if it is not {dst_app}'s own "
                "business, into the base (core, tenancy) or lib."
            )
        key = (src_app, edge.target.removeprefix("piaops."))
        if key not in DOMAIN_TO_DOMAIN:
            return (
                f"rule 3: {src_app} → {key[1]} is a new dependency between domain apps. If it is right, add "
                f"{key!r} with its reason to DOMAIN_TO_DOMAIN in tests/test_architecture.py; otherwise go through "
                "the base or assessments."
            )
    return None


def test_every_app_has_a_layer() -> None:
    missing = sorted({_app(m) for m in MODULES} - set(LAYERS))
    assert not missing, f"apps without a layer (add them to LAYERS in tests/test_architecture.py): {missing}"


def test_imports_follow_the_layers() -> None:
    broken = [
        f"{edge.where}: {edge.source} imports {edge.target} — {problem}"
        for edge in EDGES
        if (problem := _problem(edge)) is not None and not _allowed(edge)
    ]
    assert not broken, "layering rules broken (see tests/test_architecture.py):\n" + "\n".join(broken)


def test_no_module_names_reports_in_a_string_except_the_wiring() -> None:
    """``include("piaops.reports.urls")`` and ``importlib.import_module`` are imports too (rule 4)."""
    broken = []
    for module, path in MODULES.items():
        if _layer(module) in {"wiring", "reports"}:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value == "piaops.reports" or node.value.startswith("piaops.reports."):
                    broken.append(
                        f"{path.relative_to(SRC.parent)}:{node.lineno}: {module} names {node.value!r} — rule 4: "
                        f"only the wiring ({WIRING_HINT}) refers to piaops.reports."
                    )
    assert not broken, "\n".join(broken)


def test_domain_to_domain_edges_are_the_listed_ones() -> None:
    """Every (app, models/services module) pair of DOMAIN_TO_DOMAIN is still used: the list is the truth."""
    used: dict[tuple[str, str], list[str]] = {}
    for edge in EDGES:
        key = (_app(edge.source), edge.target.removeprefix("piaops."))
        if key in DOMAIN_TO_DOMAIN:
            used.setdefault(key, []).append(edge.where)
    stale = sorted(set(DOMAIN_TO_DOMAIN) - set(used))
    assert not stale, f"no longer used; remove from DOMAIN_TO_DOMAIN in tests/test_architecture.py: {stale}"
    for key, places in sorted(used.items()):  # the known allowance, shown by ``pytest -rP`` or ``-s``
        print(f"allowed domain→domain {key[0]} → {key[1]} ({len(places)}x): {DOMAIN_TO_DOMAIN[key]}")


def test_allowed_exceptions_are_still_needed() -> None:
    """An ALLOWED entry that matches no import (or an import that breaks no rule) must go."""
    stale = [
        key
        for key in ALLOWED
        if not any(
            edge.source == key[0]
            and (edge.target == key[1] or edge.target.startswith(key[1] + "."))
            and _problem(edge) is not None
            for edge in EDGES
        )
    ]
    assert not stale, f"fixed; remove from ALLOWED in tests/test_architecture.py: {stale}"


def test_no_module_is_over_the_size_limit() -> None:
    too_long = []
    for module, path in MODULES.items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            too_long.append(
                f"{path.relative_to(SRC.parent)}: {lines} lines (limit {MAX_LINES}) — rule 5: split {module} "
                "by concern (e.g. services into services/ and a sibling module, views by page group)."
            )
    assert not too_long, "\n".join(too_long)


def test_the_parser_sees_function_level_and_relative_imports() -> None:
    """The rules are only as good as the edge finder: it must see imports inside functions, too."""
    edges = {e.target for e in EDGES if e.source == "piaops.core.management.commands.demo"}
    assert "piaops.tenancy.demo" in edges  # imported inside Command.handle
    node = ast.parse("from .models import X").body[0]
    assert isinstance(node, ast.ImportFrom)
    assert _resolve(node, "piaops.audits.views") == "piaops.audits.models"


# ── One rule in one place (issue 15): visibility, transitions, POST handling, object lookup ─────────────────────


def _trees() -> dict[str, tuple[Path, ast.Module]]:
    return {m: (p, ast.parse(p.read_text(encoding="utf-8"), filename=str(p))) for m, p in MODULES.items()}


TREES = _trees()


def _at(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(SRC.parent)}:{getattr(node, 'lineno', 0)}"


def _is_views(module: str) -> bool:
    return any("views" in part for part in module.split(".")[2:])


def _is_urls(module: str) -> bool:
    return any("urls" in part for part in module.split(".")[2:]) or _layer(module) == "wiring"


def test_only_urls_import_views() -> None:
    """W1: api modules, template tags and other views modules reuse a rule from ``models``/``services``, never by
    importing an app's views (the rule then lives in presentation code and gets copied)."""
    broken = [
        f"{edge.where}: {edge.source} imports {edge.target} — move what it needs into the app's models or services"
        for edge in EDGES
        if edge.target.rsplit(".", 1)[-1] == "views" and not _is_urls(edge.source) and edge.source != edge.target
    ]
    assert not broken, "\n".join(broken)


def test_no_module_imports_a_private_name_of_another() -> None:
    """W1/W2: ``from piaops.x import _helper`` couples two modules through a name that says "not part of my
    contract" (as ``api.framework`` importing the actor context's ``_current`` did). Make it public or move it."""
    broken = []
    for module, (path, tree) in TREES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and _resolve(node, module).startswith("piaops"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        broken.append(f"{_at(path, node)}: {module} imports {alias.name} from {_resolve(node, module)}")
    assert not broken, "\n".join(broken)


# The names of the copies of "who sees which rows" that ``visible_to`` and ``access.is_municipality_wide`` replaced.
VISIBILITY_COPIES = {"WIDE", "WIDE_ROLES", "READER_ROLES", "sees_all", "is_wide", "party_scope", "readable_areas"}


def test_row_visibility_has_one_definition_per_app() -> None:
    """W1: the rule of who sees which rows is each app's ``visible_to(user)`` on its queryset, built on
    ``tenancy.access``; no module keeps its own copy under one of the old names."""
    broken = []
    for module, (path, tree) in TREES.items():
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                name = node.name
            elif isinstance(node, ast.Assign):
                name = next((t.id for t in node.targets if isinstance(t, ast.Name)), None)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                name = node.target.id
            if name in VISIBILITY_COPIES:
                broken.append(f"{_at(path, node)}: {module} defines {name} — use the app's visible_to(user)")
    assert not broken, "\n".join(broken)


def _transition_event_models() -> set[str]:
    names = set()
    for _module, (_path, tree) in TREES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id == "TransitionEvent" for b in node.bases
            ):
                names.add(node.name)
    return names


def test_state_changes_are_recorded_by_one_helper() -> None:
    """W2: a status change writes its history row and its audit entry from the same actor, in
    ``audittrail.transitions.record_transition`` only; nothing else creates a TransitionEvent row."""
    events = _transition_event_models()
    assert {"ChecklistEvent", "AuditEvent", "FindingEvent"} <= events  # the finder itself works
    broken = []
    for module, (path, tree) in TREES.items():
        if module == "piaops.audittrail.transitions":
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in {"create", "bulk_create"}:
                continue
            owner = node.func.value
            if isinstance(owner, ast.Attribute) and owner.attr in {"objects", "events"}:
                base = owner.value
                if owner.attr == "events" or (isinstance(base, ast.Name) and base.id in events):
                    broken.append(f"{_at(path, node)}: {module} writes a transition row — use record_transition")
    assert not broken, "\n".join(broken)


ACTOR_PARAMETERS = {"by", "actor", "user", "reviewer", "submitted_by", "decided_by"}


def test_the_actor_is_typed() -> None:
    """W2: whoever acts is a ``User`` (or None for the system), never ``Any``: mypy then checks every caller."""
    broken = []
    for module, (path, tree) in TREES.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for arg in [*node.args.args, *node.args.kwonlyargs]:
                if arg.arg in ACTOR_PARAMETERS and arg.annotation is not None and "Any" in ast.unparse(arg.annotation):
                    broken.append(f"{_at(path, arg)}: {module}.{node.name}({arg.arg}: {ast.unparse(arg.annotation)})")
    assert not broken, "the actor must be typed User | None:\n" + "\n".join(broken)


def _is_request_post(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "POST"
        and isinstance(node.value, ast.Name)
        and node.value.id == "request"
    )


def test_views_read_posts_through_forms() -> None:
    """W3: a view hands ``request.POST`` to a form (``request.POST if request.method == "POST" else None``); it never
    reads fields from it, and never ``request.POST or None`` (an empty POST would then not be validated)."""
    broken = []
    for module, (path, tree) in TREES.items():
        if not _is_views(module):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Subscript) and _is_request_post(node.value):
                broken.append(f"{_at(path, node)}: {module} reads request.POST[...] — use a form")
            elif isinstance(node, ast.Attribute) and _is_request_post(node.value):
                broken.append(f"{_at(path, node)}: {module} reads request.POST.{node.attr} — use a form")
            elif isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and _is_request_post(node.values[0]):
                broken.append(f"{_at(path, node)}: {module} passes `request.POST or None` — test request.method")
    assert not broken, "\n".join(broken)


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else ""


def _names_an_object(name: str) -> bool:
    return name == "pk" or name.endswith(("_pk", "_id"))  # as tenancy.access.names_an_object


def test_views_get_their_object_from_the_decorator() -> None:
    """W4: a view whose URL names an object is decorated ``@tenant_object(Model, perm=...)``: the object is looked
    up in the user's municipality (404), then its visibility and the permission are checked (403), in one place.
    ``tenant_view`` is for views that name no object."""
    broken = []
    for module, (path, tree) in TREES.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            decorators = {_decorator_name(d) for d in node.decorator_list}
            if "tenant_view" in decorators:
                named = [a.arg for a in [*node.args.args, *node.args.kwonlyargs] if _names_an_object(a.arg)]
                if named:
                    broken.append(f"{_at(path, node)}: {module}.{node.name} takes {named} — use @tenant_object")
    assert not broken, "\n".join(broken)


LOOKUP_HELPERS = {"_checklist", "_finding", "_area", "_get", "_visible_party", "_visible_obligation", "_wide_report"}


def test_no_per_app_lookup_helpers() -> None:
    """W4: the object comes from ``tenant_object``; the per-app helpers it replaced stay gone."""
    broken = [
        f"{_at(path, node)}: {module}.{node.name}"
        for module, (path, tree) in TREES.items()
        if _is_views(module)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name in LOOKUP_HELPERS
    ]
    assert not broken, "\n".join(broken)
