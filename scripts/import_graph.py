"""The import graph of jingfang: module-level import cycles and imports that run up the layers.

    PYTHONPATH=src python scripts/import_graph.py            # counts, then every cycle and upward import
    PYTHONPATH=src python scripts/import_graph.py --counts   # the two counts only
    PYTHONPATH=src python scripts/import_graph.py --check    # fails on any cycle (`make lint`)

Every import statement counts, at module level or inside a function (as for import-linter: a lazy
import hides a dependency, it does not remove it). Tests and migrations are left out. The layers are
those of the `[tool.importlinter]` layers contract in pyproject.toml (read from there, so the two
cannot drift apart); `lint-imports` enforces the contract, this script measures what the contract's
`ignore_imports` still excuses.
"""

import argparse
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "jingfang"


def own(module: str) -> bool:
    parts = module.split(".")
    return "tests" not in parts and "migrations" not in parts


def layers_from_pyproject() -> list[list[str]]:
    """The layers contract's layers, top first, each a list of its sibling containers (full names)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for contract in config["tool"]["importlinter"]["contracts"]:
        if contract["type"] == "layers":
            containers = contract.get("containers", [])
            prefix = (containers[0] + ".") if containers else ""
            result = []
            for layer in contract["layers"]:
                names = [n.strip() for n in layer.replace("|", ":").split(":") if n.strip()]
                result.append([prefix + n for n in names])
            return result
    raise SystemExit("no layers contract in pyproject.toml")


def layer_of(module: str, layers: list[list[str]]) -> int | None:
    """The layer index counted from the bottom (0), or None for a module outside every layer."""
    for depth, siblings in enumerate(reversed(layers)):
        for name in siblings:
            if module == name or module.startswith(name + "."):
                return depth
    return None


def strongly_connected(nodes: list[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the components of more than one module, i.e. the cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def measure():
    graph = grimp.build_graph(PACKAGE, include_external_packages=False, cache_dir=None)
    nodes = sorted(m for m in graph.modules if own(m))
    edges = {m: {i for i in graph.find_modules_directly_imported_by(m) if own(i)} for m in nodes}
    # A package's __init__ importing its own submodules is how Python packages work, not a cycle to untie.
    for m in nodes:
        edges[m] = {i for i in edges[m] if not i.startswith(m + ".")}
    cycles = strongly_connected(nodes, edges)
    layers = layers_from_pyproject()
    upward = []
    for m in nodes:
        here = layer_of(m, layers)
        for i in sorted(edges[m]):
            there = layer_of(i, layers)
            if here is not None and there is not None and there > here:
                upward.append((m, i))
    return cycles, upward


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", action="store_true", help="print the two counts only")
    parser.add_argument("--check", action="store_true", help="the counts, and fail listing any cycle")
    args = parser.parse_args(argv)
    cycles, upward = measure()
    print(f"import cycles: {len(cycles)} ({sum(len(c) for c in cycles)} modules)")
    print(f"upward imports between layers: {len(upward)} (each excused in pyproject.toml's ignore_imports)")
    if args.check:
        for cycle in cycles:
            print("cycle: " + " <-> ".join(cycle))
        return 1 if cycles else 0
    if args.counts:
        return 0
    for number, cycle in enumerate(cycles, 1):
        print(f"\ncycle {number}:")
        for module in cycle:
            print(f"  {module}")
    if upward:
        print("\nupward imports:")
        for importer, imported in upward:
            print(f"  {importer} -> {imported}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
