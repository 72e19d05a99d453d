"""Derivative builders: the per-sample program, Taylor mode, nested reverse mode, rules, lifting, lowering."""
