"""`inrarch bench-rtl`: the benchmark SIREN's fixed-point designs measured in RTL beside the model.

For each order: the benchmark SIREN (2 -> 256 x 4 -> 3, omega 30), 64 samples per call, 3,200 DSP, precision auto,
compiled to a dataflow design; its RTL (inrarch.targets.rtl) simulated in Verilator on one call (outputs against the
fixed-point semantics bit for bit, cycles from the first input word to the last output word, FIFO occupancies) and
each kernel and FIFO shape synthesized by Yosys (synth_xilinx -family xcup): DSP48E2, BRAM18, LUT, FF, logic depth,
beside the hardware facts. Writes rtl.md and rtl.csv to --out; the RTL projects go to --work.
"""

from __future__ import annotations

import csv
import json
import os
import time

SAMPLES, DSP = 64, 3200


def run(out_dir: str, orders: list[int], work: str, synth: bool = True, progress=print,
        synth_timeout: float | None = 1800.0) -> str:
    import torch

    import inrarch
    from inrarch.apps import models
    from inrarch.targets.rtl.project import load, measure, report_lines

    from inrarch.files import OutputFolder

    folder = OutputFolder(out_dir, what="the benchmark")  # checked before hours of work
    for name in ("rtl.md", "rtl.csv", "rtl.json"):
        folder.check(name)
    os.makedirs(work, exist_ok=True)
    sections, rows = [], []
    for order in orders:
        start = time.time()
        progress(f"[bench-rtl] order {order}: compiling the benchmark SIREN ({SAMPLES} samples, {DSP} DSP, "
                 "precision auto)")  # fmt: skip
        torch.manual_seed(0)
        x = torch.rand(SAMPLES, 2) * 2 - 1
        design = inrarch.compile(models.benchmark_siren(), x, order=order, dsp=DSP, precision="auto")
        progress(f"[bench-rtl] order {order}: generating the RTL (Amaranth -> Verilog)")
        project = design.write_rtl(os.path.join(work, f"order{order}"), force=True, inputs=x)
        d = load(project)
        measured = measure(project, sim=True, synth=synth, progress=progress, synth_timeout=synth_timeout)
        sim = measured["sim"]
        minutes = (time.time() - start) / 60
        lines = report_lines(d, measured)
        sections.append((order, d, measured, lines, minutes))
        for k in d["kernels"]:
            y = measured.get("synth", {}).get(k["name"], {})
            y = {"dsp": "timed out"} if "timed_out" in y else y
            rows.append({"order": order, "kernel": k["name"], "model_ii": k["model"]["ii"], "rtl_ii": k["rtl"]["ii"],
                         "model_depth": k["model"]["depth"], "rtl_depth": k["rtl"]["depth"],
                         "model_dsp": k["model"]["dsp"], "yosys_dsp": y.get("dsp"), "model_bram18": k["model"]["bram18"],
                         "yosys_bram18": y.get("bram18"), "model_lut": k["model"]["lut"], "yosys_lut": y.get("lut"),
                         "model_ff": k["model"]["ff"], "yosys_ff": y.get("ff"), "logic_levels": y.get("logic_levels")})  # fmt: skip
        rows.append({"order": order, "kernel": "(call)", "model_cycles": d["model"]["cycles"],
                     "rtl_cycles": sim["cycles"][0], "mismatches": sim["mismatches"]})  # fmt: skip
        progress(f"[bench-rtl] order {order}: RTL {sim['cycles'][0]:,} cycles, model {d['model']['cycles']:,}; "
                 f"{sim['mismatches']} mismatches ({minutes:.1f} min)")  # fmt: skip
    text = _markdown(sections, synth)
    folder.write("rtl.md", text)
    keys = sorted({key for row in rows for key in row}, key=lambda k: list(rows[0]).index(k) if k in rows[0] else 99)
    with folder.open_text("rtl.csv") as f:
        writer = csv.DictWriter(f, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)
    with folder.open_text("rtl.json") as f:
        json.dump([{"order": o, "description": d, "measured": m} for o, d, m, _, _ in sections], f, indent=1)
    return text


def _markdown(sections, synth: bool) -> str:
    out = ["# The benchmark SIREN in RTL: measured beside the model", "",
           f"`inrarch bench-rtl`: the benchmark SIREN (2 -> 256 x 4 -> 3, omega 30), {SAMPLES} samples per call, "
           f"{DSP:,} DSP, `precision=\"auto\"`, one dataflow design per order; its RTL twin (`inrarch.targets.rtl`, "
           "Amaranth 0.5 -> Verilog) simulated cycle by cycle in Verilator 5.48 on one call and each kernel and FIFO "
           "shape synthesized by Yosys 0.23 (`synth_xilinx -family xcup`, UltraScale+; cells as mapped, no place and "
           "route). *Model*: inrarch's hardware facts and cycle model (300 MHz, xcu50-fsvh2104-2-e); *RTL*: the "
           "structure the generators built (II, the stage of the stream writes) and Verilator's cycle count "
           "(measured in RTL simulation); *Yosys*: synthesized cells. Cycles run from the first input word accepted "
           "to the last output word sent; the model's figure is the cycle model of the same span (its modeled "
           "64-cycle memory latency taken out: the RTL takes a stream).", ""]  # fmt: skip
    out += ["| order | outputs vs fixed-point semantics | RTL cycles (Verilator) | model cycles | difference | "
            "DSP model / Yosys | BRAM18 model / Yosys | time |", "|---:|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for order, d, m, _, minutes in sections:
        s = m["sim"]
        exact = "bit for bit equal" if s["mismatches"] == 0 else f"{s['mismatches']} of {s['values']} differ"
        model = d["model"]["cycles"]
        dsp = bram = "—"
        if synth:
            missing = sum(1 for y in m["synth"].values() if "timed_out" in y)
            note = f" ({missing} not finished)" if missing else ""
            dsp = f"{_model_measured(d, m, 'dsp'):,} / {_total(d, m, 'dsp'):,}{note}"
            bram = f"{_model_measured(d, m, 'bram18'):,} / {_total(d, m, 'bram18'):,}{note}"
        out.append(f"| {order} | {exact} | {s['cycles'][0]:,} | {model:,} | {(s['cycles'][0] - model) / model:+.2%} "
                   f"| {dsp} | {bram} | {minutes:.0f} min |")  # fmt: skip
    for order, d, m, lines, _ in sections:
        out += ["", f"## Order {order}", "", "```", *lines, "```"]
        notes = [f"- {k['name']}: " + "; ".join(k["rtl"]["notes"]) for k in d["kernels"] if k["rtl"]["notes"]]
        if notes:
            out += ["", "RTL structure notes:", *notes]
    out.append("")
    return "\n".join(out)


def _total(d: dict, m: dict, key: str) -> int:
    """A Yosys figure of the whole design: every kernel, and every FIFO as its shape synthesized."""
    synth = {name: y for name, y in m["synth"].items() if "timed_out" not in y}
    total = sum(synth[k["name"]][key] for k in d["kernels"] if k["name"] in synth)
    total += sum(synth[f"fifo {f['depth']}x{f['token_bits']}b"][key] for f in d["fifos"]
                 if f"fifo {f['depth']}x{f['token_bits']}b" in synth)  # fmt: skip
    return total


def _model_measured(d: dict, m: dict, key: str) -> int:
    """The model's figure for the kernels and FIFOs that Yosys measured (those it finished)."""
    synth = {name: y for name, y in m["synth"].items() if "timed_out" not in y}
    return (sum(k["model"][key] for k in d["kernels"] if k["name"] in synth)
            + sum(f["model"].get(key, 0) for f in d["fifos"] if f"fifo {f['depth']}x{f['token_bits']}b" in synth))


__all__ = ["run"]
