// Import errors: one line naming the problem, exit status 1.
// RUN: not inrarch import %inputs/models.py:layer_norm_net --input-shape 4,2 2>&1 | filecheck %s --check-prefix=OP
// OP-NOT: Traceback
// OP: error: unsupported op torch.aten.layer_norm at {{.*}}models.py:19

// RUN: not inrarch import %inputs/models.py:two_inputs --input-shape 4,2 2>&1 | filecheck %s --check-prefix=INPUTS
// INPUTS: error: models with several inputs are not supported: forward takes (x, y)

// RUN: not inrarch import %inputs/models.py:tiny_siren --input-shape ?,2 2>&1 | filecheck %s --check-prefix=DYNAMIC
// DYNAMIC: error: dynamic shapes are not supported: give a fixed shape such as 64,2 (got '?,2')

// RUN: not inrarch import %inputs/models.py:not_a_module --input-shape 4,2 2>&1 | filecheck %s --check-prefix=NOTMOD
// NOTMOD: error: {{.*}}not_a_module must return a torch.nn.Module, it returned Tensor

// RUN: not inrarch import %inputs/models.py:missing --input-shape 4,2 2>&1 | filecheck %s --check-prefix=MISSING
// MISSING: error: {{.*}}models.py has no callable named missing
