"""The import graph of visrec follows ARCHITECTURE.md: no package-level cycles, NumPy-only engines stay
NumPy-only, the torch side never imports the NumPy engine."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "visrec"
TORCH_FREE = ("classic", "numpy_nn", "data", "utils", "runs")
TORCH_PACKAGES = ("torch_nn", "sequence", "detection", "generative", "explain", "rl")


def imports_of(path: Path) -> set[str]:
    """Top-level module names and visrec subpackages imported anywhere in ``path`` (lazy imports too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            out.add(f"visrec.{parts[1]}" if parts[0] == "visrec" and len(parts) > 1 else parts[0])
    return out


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).parts
        if len(rel) < 2:
            continue
        pkg = rel[0]
        deps = {m.split(".")[1] for m in imports_of(path) if m.startswith("visrec.")} - {pkg}
        graph.setdefault(pkg, set()).update(deps)
    return graph


def test_numpy_only_packages_never_import_torch():
    offenders = [str(p.relative_to(SRC)) for pkg in TORCH_FREE for p in (SRC / pkg).rglob("*.py")
                 if {"torch", "torchvision"} & imports_of(p)]
    assert offenders == []


def test_torch_packages_never_import_the_numpy_engine():
    offenders = [str(p.relative_to(SRC)) for pkg in TORCH_PACKAGES if (SRC / pkg).is_dir()
                 for p in (SRC / pkg).rglob("*.py") if "visrec.numpy_nn" in imports_of(p)]
    assert offenders == []


def test_no_package_imports_torchvision_or_timm():
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if {"torchvision", "timm"} & imports_of(p)]
    assert offenders == []


def test_the_lower_layers_do_not_import_the_upper_ones():
    graph = package_graph()
    upper = {"cli", "report"} | set(TORCH_PACKAGES) | {"classic", "numpy_nn", "search"}
    for low in ("utils", "data", "runs"):
        assert not (graph.get(low, set()) & upper), (low, graph.get(low))
    assert "cli" not in set().union(*(deps for pkg, deps in graph.items() if pkg != "cli"))


def test_no_package_level_import_cycles():
    graph = package_graph()

    def reach(start: str) -> set[str]:
        seen, stack = set(), [start]
        while stack:
            for nxt in graph.get(stack.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    cycles = sorted((a, b) for a in graph for b in graph[a] if a in reach(b))
    assert cycles == []
