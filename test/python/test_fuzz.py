"""A small, seeded run of the fuzz suite (inrarch.apps.fuzz): random row-wise models drawn by hypothesis, their
derivatives against PyTorch's nested autograd in float64, and compiled ones through the sequential, threaded and
timed C-simulations (numbers against PyTorch, timed cycles and FIFO occupancies against the cycle model). The long
run is a command: `inrarch fuzz --cases 300`."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inrarch.apps.fuzz import Spec, build_model, run_case, spec_from


class HypothesisDraw:
    def __init__(self, draw):
        self.draw = draw

    def integer(self, lo, hi):
        return self.draw(st.integers(lo, hi))

    def real(self, lo, hi):
        return self.draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False))

    def choice(self, seq):
        return self.draw(st.sampled_from(seq))

    def boolean(self):
        return self.draw(st.booleans())


@st.composite
def cases(draw, compile_case: bool):
    return spec_from(HypothesisDraw(draw), compile_case)


SEEDED = settings(derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def _check(spec: Spec):
    outcome = run_case(spec, timeout=600)
    assert outcome.status in ("pass", "rejected"), (
        f"{outcome.status}: {outcome.detail}\nreproduce: inrarch fuzz --replay '{spec.text()}'"
    )


@settings(SEEDED, max_examples=8)
@given(cases(compile_case=False))
def test_random_models_derivatives_match_pytorch(spec):
    _check(spec)


@settings(SEEDED, max_examples=2)
@given(cases(compile_case=True))
def test_random_models_compile_and_simulate(spec):
    _check(spec)


def test_a_case_round_trips_as_its_reproducer():
    spec = Spec(2, (8, 8), ("sin", "tanh"), (30.0, 1.0), (False, True), 3, 2, 5, 3, 7, 300)
    assert Spec.parse(spec.text()) == spec
    model = build_model(spec)
    assert model.out.out_features == 2 and len(model.hidden) == 2


@pytest.mark.parametrize("kind,seed", [("nonfinite", 0), ("nonfinite", 1), ("mlir", 0), ("mlir", 1), ("mlir", 2),
                                       ("mlir", 3), ("folder", 0), ("fixed_range", 0), ("fixed_budget", 0)])  # fmt: skip
def test_the_other_kinds(kind, seed):
    """The generators of the reliability round, a few seeded cases each: NaN/Inf parameters refused by name,
    adversarial MLIR answered with a design or one diagnostic, tampered project folders never reaching outside,
    fixed-point designs outside their calibration range never silently wrong, fixed-point designs at orders 1-3
    within their error budget on held-out inputs or refused naming the site that limits them."""
    import numpy as np

    from inrarch.apps.fuzz import NumpyDraw

    spec = spec_from(NumpyDraw(np.random.default_rng(seed)), compile_case=False, kind=kind)
    assert spec.kind == kind
    _check(spec)
