"""The layout's two rules, checked on the source with `ast` (nothing is imported):

1. The domain (bot/knowledge, bot/growth, bot/digest, bot/cafe, bot/privacy, and jobs/) imports
   nothing from slack_bolt, slack_sdk or bot.slack: a workflow that must post gets a publishing
   interface from the composition root (bot/core/services.py), and the Slack side renders.
2. No import cycle among the project's modules (bot, jobs, integrations, prompts).

What counts as an import, for both rules: every `import` and `from ... import` statement
anywhere in a module, at top level or inside a function, except those under
`if TYPE_CHECKING:` (never run). A function-level import is counted because it still makes
the two modules depend on each other; deferring it only hides the cycle from the interpreter.
`from package import name` counts as importing `package.name` when that is a module, else
`package` (its __init__). Importing a module also imports its parent packages' __init__, which
is not counted as an edge: a package's __init__ is only an edge when named.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = ("bot", "jobs", "integrations", "prompts")
DOMAIN = ("bot.knowledge", "bot.growth", "bot.digest", "bot.cafe", "bot.privacy", "jobs")
SLACK = ("slack_bolt", "slack_sdk", "bot.slack")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PROJECT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for child in node.orelse for n in _import_nodes_of(child))
            continue
        yield from _import_nodes_of(node)


def _import_nodes_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    else:
        yield from _import_nodes(node)


@functools.cache
def imports_of(module: str) -> frozenset[str]:
    """Every dotted name `module` imports (resolved when relative)."""
    path = MODULES[module]
    is_package = path.name == "__init__.py"
    names: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = module.split(".") if is_package else module.split(".")[:-1]
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            candidate = f"{base}.{alias.name}"
            names.add(candidate if candidate in MODULES else base)
    return frozenset(names)


def project_edges() -> dict[str, set[str]]:
    return {module: {name for name in imports_of(module) if name in MODULES and name != module} for module in MODULES}


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return cycles


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def test_the_domain_imports_nothing_from_slack() -> None:
    offenders = sorted(
        f"{module} imports {name}"
        for module in MODULES if _within(module, DOMAIN)
        for name in imports_of(module) if _within(name, SLACK)
    )
    assert offenders == []


def test_no_import_cycles() -> None:
    assert find_cycles(project_edges()) == []


def test_the_checks_see_what_they_look_for() -> None:
    """The rules above would pass vacuously if the parsing found nothing."""
    assert "bot.slack.app" in MODULES and "bot.cafe.service" in MODULES
    assert "slack_bolt" in imports_of("bot.slack.app")
    assert "bot.core.services" in project_edges()["bot.slack.app"]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _readme_folders() -> list[str]:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Architecture", 1)[1].split("\n## ", 1)[0]
    return [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]


def test_the_readme_map_names_real_folders_and_every_layer() -> None:
    folders = _readme_folders()
    assert [folder for folder in folders if not (ROOT / folder).is_dir()] == []
    layers = {"bot/core/", "bot/slack/", "bot/cli/", "bot/console/", "bot/store/", "integrations/", "prompts/",
              *(name.replace(".", "/") + "/" for name in DOMAIN)}
    assert layers - set(folders) == set()
