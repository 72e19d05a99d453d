"""Forward propagation of multivariate Taylor coefficients.

A jet maps each multi-index a (|a| <= n, over the d input coordinates) to the Taylor coefficient
v_a = (1/a!) d^|a| v / dx^a of a value (a per-sample node; a missing entry is zero). Linear ops act on each
coefficient; products follow the Leibniz rule over multi-indices; the elementary functions follow the
recurrences of their ODEs. With f' = w u' (sin: w = cos u; exp: w = v; tanh: w = 1 - v^2; ...), for any i with
a_i > 0:

    v_a = (1/a_i) * sum_{0 < b <= a, b_i > 0} b_i u_b w_{a-b}

Mixed partials are computed once by construction: the coefficient of a multi-index stands for every ordering of
its derivatives. Partial derivative = a! * coefficient.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import product
from math import factorial, pi, sqrt

from inrarch.autodiff.graph import Builder, Node
from inrarch.dialects.inr import all_multi_indices

MultiIndex = tuple[int, ...]
Jet = dict[MultiIndex, Node]


def index_factorial(a: MultiIndex) -> int:
    result = 1
    for k in a:
        result *= factorial(k)
    return result


def sub_indices(a: MultiIndex) -> Iterator[MultiIndex]:
    """Every b <= a (componentwise), from 0 to a."""
    return product(*(range(k + 1) for k in a))


def minus(a: MultiIndex, b: MultiIndex) -> MultiIndex:
    return tuple(x - y for x, y in zip(a, b, strict=True))


class Taylor:
    """Jet arithmetic for d input coordinates up to order n."""

    def __init__(self, builder: Builder, dims: int, order: int):
        self.b = builder
        self.dims = dims
        self.order = order
        self.indices = all_multi_indices(dims, order)
        self.zero: MultiIndex = (0,) * dims

    # -- jets of leaves ----------------------------------------------------------------------------------------------

    def input_jet(self, x: Node) -> Jet:
        jet = {self.zero: x}
        if self.order >= 1:
            for i in range(self.dims):
                e = tuple(int(j == i) for j in range(self.dims))
                row = [0.0] * self.dims
                row[i] = 1.0
                jet[e] = self.b.const(row)
        return jet

    def const_jet(self, node: Node) -> Jet:
        return {self.zero: node}

    def map(self, jet: Jet, fn: Callable[[Node], Node | None]) -> Jet:
        """A linear op applied to every coefficient."""
        out = {}
        for a, c in jet.items():
            r = fn(c)
            if r is not None:
                out[a] = r
        return out

    # -- arithmetic --------------------------------------------------------------------------------------------------

    def add(self, u: Jet, w: Jet) -> Jet:
        return {a: r for a in self.indices if (r := self.b.add(u.get(a), w.get(a))) is not None}

    def sub(self, u: Jet, w: Jet) -> Jet:
        return {a: r for a in self.indices if (r := self.b.sub(u.get(a), w.get(a))) is not None}

    def neg(self, u: Jet) -> Jet:
        return {a: self.b.neg(c) for a, c in u.items()}

    def mul(self, u: Jet, w: Jet) -> Jet:
        out: Jet = {}
        for a in self.indices:
            terms = [self.b.mul(u.get(bi), w.get(minus(a, bi))) for bi in sub_indices(a)]
            if (r := self.b.total(terms)) is not None:
                out[a] = r
        return out

    def div(self, u: Jet, w: Jet) -> Jet:
        """v = u / w: v_a = (u_a - sum_{0 < b <= a} w_b v_{a-b}) / w_0."""
        w0 = w[self.zero]
        out: Jet = {}
        for a in self.indices:
            terms = [self.b.mul(w.get(bi), out.get(minus(a, bi))) for bi in sub_indices(a) if bi != self.zero]
            if (r := self.b.div(self.b.sub(u.get(a), self.b.total(terms)), w0)) is not None:
                out[a] = r
        return out

    def _chain_term(self, a: MultiIndex, u: Jet, w: Jet) -> Node | None:
        """(1/a_i) sum_{b <= a, b_i > 0} b_i u_b w_{a-b}, for the first i with a_i > 0."""
        i = next(k for k, x in enumerate(a) if x > 0)
        terms = []
        for bi in sub_indices(a):
            if bi[i] == 0:
                continue
            terms.append(self.b.scale(self.b.mul(u.get(bi), w.get(minus(a, bi))), bi[i] / a[i]))
        return self.b.total(terms)

    def chain(self, u: Jet, v0: Node, w_of: Callable[[Jet, int], Jet]) -> Jet:
        """The jet of v = f(u) with v_0 = f(u_0) and f' = w u'; `w_of(v, k)` returns w's coefficients up to order
        k from those of v up to order k."""
        v: Jet = {self.zero: v0}
        w: Jet = {}
        for a in self.indices[1:]:
            k = sum(a)
            if not w or max(sum(c) for c in w) < k - 1:
                w = w_of(v, k - 1)
            if (r := self._chain_term(a, u, w)) is not None:
                v[a] = r
        return v

    def chain_of(self, u: Jet, v0: Node, w: Jet) -> Jet:
        """The jet of v = f(u) with v_0 = f(u_0) and f' = w u', w given as a jet (of u's order)."""
        return self.chain(u, v0, lambda v, k: self._truncate(w, k))

    def one(self, shape) -> Jet:
        """The jet of the constant 1."""
        return self.const_jet(self.b.const(1.0, shape))

    def _truncate(self, jet: Jet, k: int) -> Jet:
        return {a: c for a, c in jet.items() if sum(a) <= k}

    def _mul_upto(self, u: Jet, w: Jet, k: int) -> Jet:
        out: Jet = {}
        for a in self.indices:
            if sum(a) > k:
                break
            terms = [self.b.mul(u.get(bi), w.get(minus(a, bi))) for bi in sub_indices(a)]
            if (r := self.b.total(terms)) is not None:
                out[a] = r
        return out

    def sin_cos(self, u: Jet) -> tuple[Jet, Jet]:
        u0 = u[self.zero]
        s: Jet = {self.zero: self.b.unary("math.sin", u0)}
        c: Jet = {self.zero: self.b.unary("math.cos", u0)}
        for a in self.indices[1:]:
            if (r := self._chain_term(a, u, c)) is not None:
                s[a] = r
            if (r := self.b.neg(self._chain_term(a, u, s))) is not None:
                c[a] = r
        return s, c

    def sin(self, u: Jet) -> Jet:
        return self.sin_cos(u)[0]

    def cos(self, u: Jet) -> Jet:
        return self.sin_cos(u)[1]

    def exp(self, u: Jet) -> Jet:
        v: Jet = {self.zero: self.b.unary("math.exp", u[self.zero])}
        for a in self.indices[1:]:
            if (r := self._chain_term(a, u, v)) is not None:
                v[a] = r
        return v

    def expm1(self, u: Jet) -> Jet:
        v: Jet = {self.zero: self.b.unary("math.expm1", u[self.zero])}
        e: Jet = {self.zero: self.b.ew("math.exp", u[self.zero])}
        for a in self.indices[1:]:
            if (r := self._chain_term(a, u, e)) is not None:
                v[a] = r
                e[a] = r
        return v

    def tanh(self, u: Jet) -> Jet:
        """w = 1 - v^2."""
        b = self.b

        def w_of(v: Jet, k: int) -> Jet:
            sq = self._mul_upto(v, v, k)
            w = {a: b.neg(c) for a, c in sq.items()}
            w[self.zero] = b.sub(b.const(1.0, v[self.zero].shape), sq[self.zero])
            return w

        return self.chain(u, b.unary("math.tanh", u[self.zero]), w_of)

    def log_of(self, u: Jet, v0: Node) -> Jet:
        """v = log(u) given v0: v_a = (a_i u_a - sum_{b < a, b_i > 0} b_i v_b u_{a-b}) / (a_i u_0)."""
        b = self.b
        u0 = u[self.zero]
        v: Jet = {self.zero: v0}
        for a in self.indices[1:]:
            i = next(k for k, x in enumerate(a) if x > 0)
            terms = [b.scale(b.mul(v.get(bi), u.get(minus(a, bi))), bi[i]) for bi in sub_indices(a)
                     if bi[i] > 0 and bi != a]  # fmt: skip
            numerator = b.sub(b.scale(u.get(a), a[i]), b.total(terms))
            if numerator is not None:
                v[a] = b.div(numerator, b.scale(u0, a[i]))
        return v

    def log(self, u: Jet) -> Jet:
        return self.log_of(u, self.b.unary("math.log", u[self.zero]))

    def log1p(self, u: Jet) -> Jet:
        shifted = dict(u)
        shifted[self.zero] = self.b.add(self.b.const(1.0, u[self.zero].shape), u[self.zero])
        return self.log_of(shifted, self.b.unary("math.log1p", u[self.zero]))

    def sqrt(self, u: Jet) -> Jet:
        """v^2 = u: v_a = (u_a - sum_{0 < b < a} v_b v_{a-b}) / (2 v_0)."""
        b = self.b
        v0 = b.unary("math.sqrt", u[self.zero])
        v: Jet = {self.zero: v0}
        two_v0 = b.scale(v0, 2.0)
        for a in self.indices[1:]:
            terms = [b.mul(v.get(bi), v.get(minus(a, bi))) for bi in sub_indices(a) if bi != self.zero and bi != a]
            numerator = b.sub(u.get(a), b.total(terms))
            if numerator is not None:
                v[a] = b.div(numerator, two_v0)
        return v

    def rsqrt(self, u: Jet) -> Jet:
        one = self.const_jet(self.b.const(1.0, u[self.zero].shape))
        return self.div(one, self.sqrt(u))

    def erf(self, u: Jet) -> Jet:
        """w = (2/sqrt(pi)) exp(-u^2)."""
        b = self.b
        w_full = self.exp(self.neg(self.mul(u, u)))
        w = {a: b.scale(c, 2.0 / sqrt(pi)) for a, c in w_full.items()}
        return self.chain(u, b.unary("math.erf", u[self.zero]), lambda v, k: self._truncate(w, k))

    def power(self, u: Jet, p: float, v0: Node) -> Jet:
        """v = u^p for a constant p: u v' = p v u', i.e.
        v_a = (p sum_{b<=a, b_i>0} b_i u_b v_{a-b} - sum_{0<b<a... , b_i>0} b_i v_b u_{a-b}) / (a_i u_0)."""
        b = self.b
        if float(p).is_integer() and 0 <= p <= 8:
            result = self.const_jet(b.const(1.0, u[self.zero].shape))
            for _ in range(int(p)):
                result = self.mul(result, u)
            return result
        u0 = u[self.zero]
        v: Jet = {self.zero: v0}
        for a in self.indices[1:]:
            i = next(k for k, x in enumerate(a) if x > 0)
            forward = [b.scale(b.mul(u.get(bi), v.get(minus(a, bi))), p * bi[i]) for bi in sub_indices(a) if bi[i] > 0]
            back = [b.scale(b.mul(v.get(bi), u.get(minus(a, bi))), bi[i]) for bi in sub_indices(a)
                    if bi[i] > 0 and bi != a]  # fmt: skip
            numerator = b.sub(b.total(forward), b.total(back))
            if numerator is not None:
                v[a] = b.div(numerator, b.scale(u0, a[i]))
        return v

    def where(self, predicate: str, p: Jet, q: Jet, u: Jet, w: Jet) -> Jet:
        """Piecewise: the condition is decided by the values (order 0); each coefficient follows its branch."""
        p0, q0 = p[self.zero], q[self.zero]
        out: Jet = {}
        for a in self.indices:
            ua, wa = u.get(a), w.get(a)
            if ua is None and wa is None:
                continue
            zero = self.b.zeros((ua or wa).shape)
            out[a] = self.b.where(predicate, p0, q0, ua or zero, wa or zero)
        return out

    def absf(self, u: Jet) -> Jet:
        u0 = u[self.zero]
        zero = self.b.zeros(u0.shape)
        return {a: self.b.where("oge", u0, zero, c, self.b.neg(c)) for a, c in u.items()}

    def partials(self, jet: Jet) -> dict[MultiIndex, Node | None]:
        """Partial derivatives: a! times the coefficients."""
        return {a: self.b.scale(jet.get(a), float(index_factorial(a))) for a in self.indices}
