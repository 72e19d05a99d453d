"""A modeled FPGA power figure for a design: static power, the platform shell, and per-resource dynamic power at
the clock.

    P = P_static + P_shell + f / 300 MHz * (n_DSP * c_DSP + n_BRAM36 * c_BRAM + n_LUT * c_LUT + n_FF * c_FF)

The form is that of Xilinx's early power estimation (UG440, Xilinx Power Estimator): dynamic power per resource
grows linearly with the clock and the toggle rate; static power is the device's leakage. Sources of the nominal
coefficients (per resource at 300 MHz, linear frequency scaling):

* [B] a Vivado `report_power` of a real Alveo U50 build (xilinx_u50_gen3x16_xdma_201920_3 platform, vectorless,
  180 MHz kernels; github.com/cyansemi/csre-demo-v1 README, "Utilization and Power"): device static 2.335 W + HBM
  static 0.264 W at Tj 34.8 C; PCIe 0.54 W, GTY 2.86 W, PLL 0.05 W; LUT logic 1.235 W over 475,034 LUTs, routing
  3.132 W, registers 0.137 W over 665,852 FFs, clocks 2.464 W, BRAM 1.532 W over 412.5 BRAM36. Divided out and
  scaled to 300 MHz: about 15 uW per LUT (logic and routing), 5 uW per FF (with its share of the clock tree),
  5.5 mW per BRAM36.
* [A] AMD's xbtest power-CU sizing table for Virtex UltraScale+ Alveo cards (Xilinx/xbtest,
  doc/.../define-power-cu-floorplan.rst, "Power estimation"): per site at 500 MHz and power-virus activity,
  DSP48E2 10.97 mW, BRAM36 48.3 mW, SLICE 1.39 mW. Scaled to 300 MHz they are ceilings: 6.6 mW per DSP, 29 mW per
  BRAM36.
* The DSP coefficient (2.5 mW at 300 MHz) is inrarch's estimate below the [A] ceiling for an fp32 datapath at
  realistic toggle rates: no published figure was found (the weakest number here; `high()` uses the ceilings).

Every figure computed with this model is labelled modeled. The card's regulators and board parts are not included;
HBM dynamic power is not either (inrarch's designs keep their weights on chip and stream only the samples).

The seed (INR-Arch) reports a flat 30 W for its FPGA at every order; the bench also gives each design's EDP at
30 W, so EDPs compare with the seed's whatever one thinks of the coefficients.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

REFERENCE_MHZ = 300.0


@dataclass(frozen=True)
class PowerModel:
    static_w: float = 2.6  # [B]: device 2.335 W + HBM 0.264 W static at Tj 34.8 C
    shell_w: float = 3.45  # [B]: PCIe 0.54 W + GTY 2.86 W + PLL 0.05 W of the platform shell
    dsp_mw: float = 2.5  # estimate, below [A]'s 6.6 mW ceiling at 300 MHz
    bram36_mw: float = 5.5  # [B] derived
    lut_mw: float = 0.015  # [B] derived: logic 4.3 uW + routing about 11 uW per LUT
    ff_mw: float = 0.005  # [B] derived: register and clock-tree share
    name: str = "nominal"

    def low(self) -> PowerModel:
        """Half the nominal dynamic power."""
        return replace(self, dsp_mw=self.dsp_mw / 2, bram36_mw=self.bram36_mw / 2, lut_mw=self.lut_mw / 2,
                       ff_mw=self.ff_mw / 2, name="low (dynamic / 2)")  # fmt: skip

    def high(self) -> PowerModel:
        """[A]'s power-virus ceilings for DSP and BRAM, twice the nominal logic."""
        return replace(self, dsp_mw=6.6, bram36_mw=29.0, lut_mw=self.lut_mw * 2, ff_mw=self.ff_mw * 2,
                       name="high (xbtest ceilings)")  # fmt: skip


NOMINAL = PowerModel()


def design_power(report: dict, model: PowerModel = NOMINAL) -> dict:
    """Watts per part and in total for a design report (`inrarch.analysis.report.design_report`)."""
    clock = report.get("assumptions", {}).get("clock_mhz", REFERENCE_MHZ)
    scale = clock / REFERENCE_MHZ * 1e-3
    parts = {
        "static_w": model.static_w,
        "shell_w": model.shell_w,
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
    return (f"Modeled power = {model.static_w:g} W static + {model.shell_w:g} W platform shell + per resource at "
            f"300 MHz (scaled with the clock): {model.dsp_mw:g} mW per DSP, {model.bram36_mw:g} mW per BRAM36, "
            f"{model.lut_mw * 1e3:g} uW per LUT, {model.ff_mw * 1e3:g} uW per FF; every kernel busy every cycle. "
            "Static, shell, BRAM, LUT and FF coefficients are derived from a Vivado report_power of a U50 build; "
            "the DSP coefficient is an estimate below AMD xbtest's per-DSP ceiling (sources and arithmetic in "
            "inrarch/analysis/power.py). The range column spans half the dynamic power to xbtest's power-virus "
            "ceilings (6.6 mW per DSP, 29 mW per BRAM36). EDP at 30 W is the seed's convention (a flat 30 W for its "
            "FPGA), for a like-for-like comparison.")
