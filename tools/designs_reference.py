"""Writes entries of test/Inputs/designs.json, the figures test/python/test_designs_unchanged.py holds the compiler
to (FIFO depths, modeled cycles, DSP, BRAM36, FIFO words), for configurations a change to the compiler changes on
purpose. Each design's cycles are checked first against the independent SimPy engine of
test/python/simpy_engine.py (processes on a shared clock, not inrarch's dependence-order solution): an entry is
written only when the two agree. Say in the commit why the designs changed.

    .venv/bin/python tools/designs_reference.py mlp_tanh_3d_1out-order1 ...
"""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(keys: list[str]) -> None:
    sys.path.insert(0, os.path.join(ROOT, "test", "python"))
    import test_designs_unchanged as t
    from simpy_engine import simpy_run

    import inrarch
    from inrarch.analysis.simulate import sim_model

    path = os.path.join(ROOT, "test", "Inputs", "designs.json")
    with open(path) as f:
        table = json.load(f)
    configs = {c[0]: c for c in t.CONFIGS}
    for key in keys:
        if key not in configs:
            sys.exit(f"error: no configuration {key!r} in test_designs_unchanged.CONFIGS")
        _, factory, n, d, order, dsp = configs[key]
        design = inrarch.compile(factory(), t.sample_input(n, d), order=order, dsp=dsp)
        kernels, streams, _ = sim_model(design.graph)
        theirs, stuck = simpy_run(kernels, streams, design.graph.samples)
        if stuck or theirs != design.report["modeled_cycles"]:
            sys.exit(f"error: {key}: the cycle model gives {design.report['modeled_cycles']} cycles, the SimPy engine "
                     f"{theirs} (stuck: {sorted(stuck)}); not written")  # fmt: skip
        before = table.get(key)
        entry = {"depths": [f.depth_value for f in design.graph.fifos()],
                 "modeled_cycles": design.report["modeled_cycles"], "dsp": design.report["dsp"],
                 "bram36": design.report["bram36"], "fifo_words": design.report["fifo_words"]}  # fmt: skip
        same = before is not None and dict(before, depths=sorted(before["depths"])) == dict(
            entry, depths=sorted(entry["depths"]))
        if not same:
            table[key] = entry
        show = lambda e: {k: v for k, v in e.items() if k != "depths"} if e else None  # noqa: E731
        print(f"{key}: " + ("unchanged" if same else f"{show(before)} -> {show(entry)}")
              + f" (SimPy engine: {theirs} cycles)")  # fmt: skip
    with open(path, "w") as f:
        json.dump(table, f, indent=0)


if __name__ == "__main__":
    main(sys.argv[1:])
