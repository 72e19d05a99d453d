"""The reference evaluator on hand-written IR: generic reductions, broadcasts, transposed maps, slices."""

import numpy as np
import pytest

from inrarch.context import parse_module
from inrarch.diagnostics import CompileError
from inrarch.api import evaluate

GENERIC_MATMUL = """
func.func @f(%a: tensor<3x4xf64>, %b: tensor<4x5xf64>) -> tensor<3x5xf64> {
  %z = arith.constant dense<0.0> : tensor<3x5xf64>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (k, j)>,
                                        affine_map<(i, j, k) -> (i, j)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<3x4xf64>, tensor<4x5xf64>) outs(%z : tensor<3x5xf64>) {
  ^bb0(%x: f64, %y: f64, %acc: f64):
    %p = arith.mulf %x, %y : f64
    %s = arith.addf %acc, %p : f64
    linalg.yield %s : f64
  } -> tensor<3x5xf64>
  func.return %r : tensor<3x5xf64>
}
"""


def test_generic_reduction_is_a_matmul():
    a, b = np.random.rand(3, 4), np.random.rand(4, 5)
    (out,) = evaluate(parse_module(GENERIC_MATMUL), a, b)
    np.testing.assert_allclose(out, a @ b, rtol=1e-12)


def test_transposed_output_map_broadcast_and_index():
    module = parse_module("""
func.func @f(%a: tensor<2x3xf32>, %row: tensor<2xf32>) -> tensor<3x2xf32> {
  %e = tensor.empty() : tensor<3x2xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>,
                                        affine_map<(i, j) -> (j, i)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a, %row : tensor<2x3xf32>, tensor<2xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %j = linalg.index 1 : index
    %ji = arith.index_cast %j : index to i64
    %jf = arith.sitofp %ji : i64 to f32
    %s = arith.addf %x, %y : f32
    %t = arith.addf %s, %jf : f32
    linalg.yield %t : f32
  } -> tensor<3x2xf32>
  func.return %r : tensor<3x2xf32>
}
""")
    a, row = np.random.rand(2, 3), np.random.rand(2)
    (out,) = evaluate(module, a, row)
    expected = (a + row[:, None] + np.arange(3)[None, :]).T
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_slices_concat_and_select():
    module = parse_module("""
func.func @f(%a: tensor<4x6xf64>) -> tensor<4x5xf64> {
  %s = tensor.extract_slice %a[0, 1] [4, 3] [1, 2] : tensor<4x6xf64> to tensor<4x3xf64>
  %t = tensor.extract_slice %a[0, 0] [4, 2] [1, 1] : tensor<4x6xf64> to tensor<4x2xf64>
  %zero = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<4x3xf64>
  %relu = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                          iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<4x3xf64>) outs(%e : tensor<4x3xf64>) {
  ^bb0(%x: f64, %o: f64):
    %pos = arith.cmpf ogt, %x, %zero : f64
    %r = arith.select %pos, %x, %zero : f64
    linalg.yield %r : f64
  } -> tensor<4x3xf64>
  %c = tensor.concat dim(1) %relu, %t : (tensor<4x3xf64>, tensor<4x2xf64>) -> tensor<4x5xf64>
  func.return %c : tensor<4x5xf64>
}
""")
    a = np.random.randn(4, 6)
    (out,) = evaluate(module, a)
    np.testing.assert_array_equal(out, np.concatenate([np.maximum(a[:, 1::2], 0), a[:, :2]], axis=1))


def test_unsupported_op_is_named_with_its_location():
    module = parse_module("""
func.func @f(%a: tensor<4xf64>) -> tensor<4xf64> {
  %r = math.cbrt %a : tensor<4xf64>
  func.return %r : tensor<4xf64>
}
""", "cbrt.mlir")
    with pytest.raises(CompileError) as err:
        evaluate(module, np.ones(4))
    assert err.value.diagnostic() == "cbrt.mlir:3:3: error: the evaluator does not support math.cbrt"
