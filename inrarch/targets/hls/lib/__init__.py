"""The C++ kernel library and C-simulation headers, installed as package data of inrarch."""

from pathlib import Path

HLS_LIB_DIR = Path(__file__).resolve().parent


def ap_types_dir() -> Path:
    """Xilinx's ap_int.h / ap_fixed.h (Apache-2.0), from the hls4ml wheel (pinned in constraints.txt), copied into
    fixed-point projects for their ap_fixed C-simulation build (`make csim-ap-fixed`; inrarch's default build uses
    the raw-integer csim/ap_fixed_raw.h, the same bits); Vitis uses its own. Found without importing hls4ml."""
    import importlib.util

    spec = importlib.util.find_spec("hls4ml")
    if spec is None or not spec.submodule_search_locations:
        from inrarch.diagnostics import CompileError

        raise CompileError("C-simulation of fixed-point designs needs the hls4ml wheel's ap_types headers "
                           "(pip install --no-deps hls4ml==1.3.0; tools/setup.sh installs it)")  # fmt: skip
    return Path(spec.submodule_search_locations[0]) / "templates" / "vivado" / "ap_types"
