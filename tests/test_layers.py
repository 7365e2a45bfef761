"""The import contract (DESIGN.md, "Layout"): core at the bottom, the stages on it, the app on top.

- core (paths, settings, atomic files, provenance, pseudonymisation, topic tokenising) imports no
  stage and no app module;
- a stage (classchat.ingest, classchat.expectations) imports core and itself, never another stage
  nor the app;
- nothing imports in a circle (lazy imports inside functions included).
Read from the source with `ast`, imports inside functions included (lazy imports count too).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"classchat": "classchat", "ingest": "classchat.ingest", "expectations": "classchat.expectations",
            "reports": "classchat.reports"}
STAGES = ("classchat.ingest", "classchat.expectations")
APP = ("classchat.cli", "classchat.pipeline", "classchat.demo", "classchat.reports")


def _modules() -> dict[str, tuple[set[str], set[str]]]:
    """module -> (every classchat module it imports, those imported at module level)."""
    out = {}
    for folder, package in PACKAGES.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            tree = ast.parse(path.read_text(encoding="utf-8"))
            every, top = set(), set()
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                names = [n for n in names if n == "classchat" or n.startswith("classchat.")]
                every.update(names)
                if node in tree.body or (isinstance(node, ast.ImportFrom | ast.Import) and node.col_offset == 0):
                    top.update(names)
            out[name] = (every, top)
    return out


def _layer(module: str) -> str:
    if module.startswith(APP):
        return "app"
    if module.startswith(STAGES):
        return "stage"
    return "core"


def test_every_package_folder_is_found():
    modules = _modules()
    assert {"classchat.config", "classchat.ingest.land", "classchat.expectations.runner", "classchat.reports.app"} <= set(
        modules
    )


def test_layers_import_only_downwards():
    wrong = []
    for module, (every, _) in _modules().items():
        for dep in every:
            if dep == "classchat":
                continue
            mine, theirs = _layer(module), _layer(dep)
            if mine == "core" and theirs != "core":
                wrong.append(f"{module} (core) imports {dep} ({theirs})")
            elif mine == "stage" and theirs == "app":
                wrong.append(f"{module} (stage) imports {dep} (app)")
            elif mine == "stage" and theirs == "stage" and dep.split(".")[1] != module.split(".")[1]:
                wrong.append(f"{module} imports another stage: {dep}")
    assert wrong == []


def test_no_import_cycles():
    """No two modules import each other, directly or round a circle, lazy imports included."""
    modules = _modules()
    graph = {m: {d for d in every if d in modules and d != m} for m, (every, _) in modules.items()}
    # a package's __init__ re-exporting its own modules is not a cycle between modules
    graph = {m: {d for d in deps if not (m == d.rsplit(".", 1)[0] or d == m.rsplit(".", 1)[0])}
             for m, deps in graph.items()}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_every_dbt_project_file_ships_in_the_wheel():
    """The installed package reads the dbt project from package data (pyproject's package-data globs):
    a macro or model in a folder no glob covers works in the checkout and breaks the installed CLI."""
    import tomllib

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["classchat.dbt_project"]
    project = ROOT / "dbt_project"
    shipped = {p for g in globs for p in project.glob(g)}
    needed = {
        p for p in project.rglob("*")
        if p.is_file() and p.suffix in (".sql", ".py", ".yml")
        and not {"target", "logs", "dbt_packages", "__pycache__"} & set(p.relative_to(project).parts)
    }
    assert sorted(str(p.relative_to(project)) for p in needed - shipped) == []
