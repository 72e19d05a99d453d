"""`inrarch compile`, `demo` and `edit` say which DSP budget they compile within and why (the part's whole DSP count
for compile, INR-Arch's 3,200 for demo and edit), and the design report uses that budget."""

import subprocess
import sys

from inrarch.cli import DEMO_DSP, budget_line
from inrarch.targets.hardware import TARGETS

MODEL = """from inrarch.apps.models import siren


def tiny():
    return siren(2, 4, 1, 1)
"""


def test_compile_prints_the_budget_its_report_uses(tmp_path):
    (tmp_path / "models.py").write_text(MODEL)
    cmd = [sys.executable, "-m", "inrarch.cli", "compile", "models.py:tiny", "--input-shape", "4,2", "--order", "1"]
    run = subprocess.run([*cmd, "-o", "p"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    u50 = TARGETS["u50"]
    assert lines[1] == (f"[compile] DSP budget: all the u50 part's ({u50.part}) {u50.dsp:,} DSP, the u50 target's "
                        "default (--dsp N for a smaller budget)")  # fmt: skip
    resources = next(ln for ln in lines if ln.strip().startswith("resources"))
    assert f"{u50.dsp} DSP" in resources.replace(",", "")  # the report's budget is the one announced
    assert budget_line("compile", 100) == f"[compile] DSP budget: 100 of the u50 part's ({u50.part}) {u50.dsp:,} DSP (--dsp)"


def test_demo_and_edit_name_their_default_and_why():
    for command in ("demo", "edit"):
        line = budget_line(command, None)
        assert line.startswith(f"[{command}] DSP budget: 3,200 of the u50 part's (xcu50-fsvh2104-2-e) 5,952 DSP")
        assert "INR-Arch's DSP count" in line and "inrarch compile defaults to the whole part" in line
    assert DEMO_DSP == 3200
