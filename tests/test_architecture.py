"""The layering DESIGN.md asks for, checked on the source: every module imports, no import cycle
(imports inside functions count), and no module reaches into another module's private names."""

import ast
import importlib
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "neuronet"
OPTIONAL = {"neuronet.playground.server": "starlette", "neuronet.plot": "matplotlib", "neuronet.sklearn": "sklearn",
            "neuronet.onnx": "onnx", "neuronet.report": "matplotlib"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(SOURCE.rglob("*.py"))}


def _imports(name: str, path: Path) -> set[str]:
    """The neuronet modules ``name`` imports, anywhere in its file (function bodies included)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in MODULES else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {module for module in found if module in MODULES and module != name}


@pytest.mark.parametrize("name", sorted(set(MODULES) - {"neuronet.__main__"}))  # that one runs the command
def test_every_module_imports(name):
    if name in OPTIONAL:
        pytest.importorskip(OPTIONAL[name])
    if name.startswith("neuronet.examples.") and name != "neuronet.examples._common":
        pytest.importorskip("matplotlib")
        if name.endswith("dask_grid_search"):
            pytest.importorskip("distributed")
    importlib.import_module(name)


# DESIGN.md's Layout, from the ground up: a module imports only modules of its own rank or below
RANKS = [
    ["errors", "registry", "validation", "backend", "memory", "atomic", "init", "progress", "callbacks", "metrics",
     "weights"],
    ["activations"], ["schedules"], ["datasets", "tables", "training_data"], ["exercises"], ["neuron", "gates"], ["layers"], ["losses"],
    ["gradients"], ["kernels"], ["optim"], ["trainer"], ["training"], ["network"], ["io", "checkpoint"],
    ["plot", "report", "onnx", "bench", "tour", "tour_render"], ["sklearn"], ["playground"], ["examples"], ["cli"],
]


def _rank(name: str) -> int:
    """The rank of a module: that of its top-level part (``neuronet.kernels.plan``: kernels);
    ``neuronet`` itself and ``neuronet.__main__`` sit above everything."""
    parts = name.split(".")
    if len(parts) == 1 or parts[1] in ("__main__", "chapters"):
        return len(RANKS)
    return next(rank for rank, group in enumerate(RANKS) if parts[1] in group)


def test_every_module_has_a_rank_in_the_layout():
    unranked = [name for name in MODULES if len(name.split(".")) > 1 and name.split(".")[1] not in
                {"__main__", "chapters", *(part for group in RANKS for part in group)}]
    assert not unranked, f"modules missing from DESIGN.md's Layout (and RANKS here): {unranked}"


def test_imports_go_down_the_layout_never_up():
    """Lower layers never import higher ones, not even inside a function (checkpoint.py above io.py
    is within one rank)."""
    network = next(rank for rank, group in enumerate(RANKS) if "network" in group)
    upward = [f"{name} (rank {_rank(name)}) imports {target} (rank {_rank(target)})"
              for name, path in MODULES.items() for target in sorted(_imports(name, path))
              if _rank(target) > _rank(name)
              # the package's face (``import neuronet as nn``, its __version__) serves the front ends
              and not (target == "neuronet" and _rank(name) > network)]
    assert not upward, "imports against the layering:\n" + "\n".join(upward)


def test_no_import_cycle():
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    # A package's __init__ re-exporting its submodules is not a cycle with them: only the
    # submodules' own imports count from a package to its children.
    for name in graph:
        graph[name] = {target for target in graph[name] if not target.startswith(name + ".") or
                       MODULES[name].name != "__init__.py"}
    visiting, done, cycles = set(), set(), []

    def visit(node, trail):
        visiting.add(node)
        for target in sorted(graph[node]):
            if target in visiting:
                cycles.append(trail[trail.index(target):] + [target])
            elif target not in done:
                visit(target, trail + [target])
        visiting.discard(node)
        done.add(node)

    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(cycle) for cycle in cycles)


def _private_names_defined(paths):
    """Private names a group of files defines: functions, classes, module globals, attributes."""
    names = {path.stem for path in paths}  # a package's private modules (neuronet.cli._common)
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
    return {name for name in names if name.startswith("_") and not name.startswith("__")}


def test_no_module_touches_another_modules_private_names():
    """``obj._name`` or ``from m import _name`` is allowed only for names the same file (or, for a
    package split across files such as neuronet.sklearn, the same package) defines."""
    offences = []
    for name, path in MODULES.items():
        siblings = list(path.parent.glob("*.py")) if path.parent != SOURCE else [path]
        own = _private_names_defined(siblings)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                receiver = node.value
                if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls"):
                    continue
                if isinstance(receiver, ast.Call) and getattr(receiver.func, "id", "") == "super":
                    continue
                if node.attr not in own:
                    offences.append(f"{path.relative_to(SOURCE)}:{node.lineno}: .{node.attr}")
            elif isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("neuronet")):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__") and alias.name not in own:
                        offences.append(f"{path.relative_to(SOURCE)}:{node.lineno}: import {alias.name}")
    assert not offences, "private names used across modules:\n" + "\n".join(offences)
