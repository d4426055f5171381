"""The module import graph (scripts/import_graph.py): no cycle between modules, and every upward import
between layers is one the layers contract in pyproject.toml excuses by name."""

import importlib.util
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
import_graph = importlib.util.module_from_spec(spec)
spec.loader.exec_module(import_graph)


def test_strongly_connected_finds_cycles_only():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}, "f": set()}
    assert import_graph.strongly_connected(sorted(edges), edges) == [["a", "b", "c"]]
    chain = {"a": {"b"}, "b": {"c"}, "c": set()}
    assert import_graph.strongly_connected(sorted(chain), chain) == []


def test_no_import_cycle_and_only_excused_upward_imports():
    cycles, upward = import_graph.measure()
    assert cycles == []
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    excused = {tuple(s.strip() for s in line.split("->")) for line in layers["ignore_imports"] if "*" not in line}
    assert set(upward) <= excused
    # the list only shrinks: no excuse is left for an import that no longer runs upward
    assert excused <= set(upward)


def test_layer_of_reads_the_contract():
    layers = import_graph.layers_from_pyproject()
    assert import_graph.layer_of("jingfang.core.vocab", layers) == 0
    assert import_graph.layer_of("jingfang.registry.services", layers) == 1
    assert import_graph.layer_of("jingfang.followups.worklist", layers) == 2
    assert import_graph.layer_of("jingfang.care.models", layers) == 3
    assert import_graph.layer_of("jingfang.stats.kpis", layers) == 4
    assert import_graph.layer_of("jingfang.settings", layers) is None
