"""A modeled FPGA power figure for a design: device static power plus per-resource dynamic power at the clock.

    P = P_static + f / 300 MHz * (n_DSP * c_DSP + n_BRAM36 * c_BRAM + n_LUT * c_LUT + n_FF * c_FF)

The form is the one of Xilinx's early power estimation (UG440, Xilinx Power Estimator: dynamic power per resource
grows linearly with the clock frequency and the toggle rate; static power is the device's leakage). The
coefficients below are per resource at 300 MHz with every pipeline busy every cycle (inrarch's kernels are fully
pipelined, so the pessimistic activity is the right one) and the XPE default toggle rate for logic (12.5 %); they
are inrarch's estimates for a 16 nm UltraScale+ device at 0.85 V, of the order of what Vivado's report_power gives
for such designs, not figures read from a Xilinx table for the U50's part — every figure computed with them is
labelled modeled, and `PowerModel.low()` / `high()` bracket them at half and twice the dynamic power. The card's
own consumers (HBM, PCIe, regulators) are not included; the U50 card's limit is 75 W (DS965).

The seed (INR-Arch) reports a flat 30 W for its FPGA at every order; `edp_at(30.0)` puts a design on that footing
too, so EDPs can be compared with the seed's whatever one thinks of the coefficients.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

REFERENCE_MHZ = 300.0


@dataclass(frozen=True)
class PowerModel:
    static_w: float = 3.0  # device leakage of a VU35P-class UltraScale+ die at a typical junction temperature
    dsp_mw: float = 2.5  # per DSP48E2 slice, fp32 multiply or add datapath busy every cycle
    bram36_mw: float = 4.0  # per BRAM36 block read (and written) every cycle
    lut_mw: float = 0.010  # per LUT of logic, 12.5 % toggle, routing included
    ff_mw: float = 0.003  # per flip-flop, 12.5 % toggle
    name: str = "nominal"

    def low(self) -> PowerModel:
        return replace(self, dsp_mw=self.dsp_mw / 2, bram36_mw=self.bram36_mw / 2, lut_mw=self.lut_mw / 2,
                       ff_mw=self.ff_mw / 2, name="low (dynamic / 2)")  # fmt: skip

    def high(self) -> PowerModel:
        return replace(self, dsp_mw=self.dsp_mw * 2, bram36_mw=self.bram36_mw * 2, lut_mw=self.lut_mw * 2,
                       ff_mw=self.ff_mw * 2, name="high (dynamic x 2)")  # fmt: skip


NOMINAL = PowerModel()


def design_power(report: dict, model: PowerModel = NOMINAL) -> dict:
    """Watts per part and in total for a design report (`inrarch.dataflow.report.design_report`)."""
    clock = report.get("assumptions", {}).get("clock_mhz", REFERENCE_MHZ)
    scale = clock / REFERENCE_MHZ * 1e-3
    parts = {
        "static_w": model.static_w,
        "dsp_w": report["dsp"] * model.dsp_mw * scale,
        "bram_w": report["bram36"] * model.bram36_mw * scale,
        "lut_w": report["lut"] * model.lut_mw * scale,
        "ff_w": report["ff"] * model.ff_mw * scale,
    }
    parts["total_w"] = sum(parts.values())
    return {**parts, "model": model.name, "clock_mhz": clock}


def energy_mj(power_w: float, latency_ms: float) -> float:
    """Energy of one call: power x latency (W x ms = mJ)."""
    return power_w * latency_ms


def edp_ms_j(power_w: float, latency_ms: float) -> float:
    """Energy-delay product as INR-Arch reports it: energy (J) x latency (ms)."""
    return energy_mj(power_w, latency_ms) * 1e-3 * latency_ms


def describe_model(model: PowerModel = NOMINAL) -> str:
    return (f"Modeled power = {model.static_w:g} W static + per resource at 300 MHz (scaled with the clock): "
            f"{model.dsp_mw:g} mW per DSP, {model.bram36_mw:g} mW per BRAM36, {model.lut_mw * 1e3:g} uW per LUT, "
            f"{model.ff_mw * 1e3:g} uW per FF — the form of Xilinx's early power estimation (UG440), every kernel "
            "busy every cycle, coefficients inrarch's estimates for 16 nm UltraScale+ (see "
            "inrarch/dataflow/power.py; the range column halves and doubles the dynamic part). EDP at 30 W is "
            "the seed's convention (a flat 30 W for its FPGA), for a like-for-like comparison.")  # fmt: skip
