"""Guards inrarch keeps over xDSL behaviour that would hurt its users, each until xDSL fixes it.

* Unterminated string literals. xDSL 0.74's lexer matches a string literal with a regular expression whose
  nested repetition backtracks exponentially when the closing quote is missing, so a file cut inside a long
  literal (an MLIR file truncated in a weight blob `dense<"0x...`) makes the parser hang. Before xDSL's lexer runs
  on a string literal, the guard checks with a non-backtracking (possessive) expression of the same language that
  the literal is closed on its line, and otherwise reports `unterminated string literal` at its opening quote.
  The guard is installed only over the lexer whose expression has that shape.
* Hexadecimal elements of a float `dense<...>` literal. MLIR reads `dense<0x7FC00000> : tensor<8xf32>` as the bit
  pattern of the float (a NaN here), as xDSL already does for a scalar `0x7FC00000 : f32`; xDSL 0.74 converts the
  element as an integer (2.14e9). The guard reads the bits, and refuses a negative hexadecimal element as MLIR does.
* Crashes inside an operation's custom parser. Some of xDSL 0.74's op parsers index lists the input did not fill
  (a `linalg.matmul` cut after `ins(` raises IndexError): the guard turns any such exception raised while an
  operation is parsed into a ParseError at the operation, naming it.
* Huge dense literals. xDSL expands a splat `dense<0.0> : tensor<300000000x3xf32>` into a Python list of every
  element while parsing (tens of GB); the guard refuses a dense literal of more than MAX_DENSE_ELEMENTS elements
  at its type, before any is made.
"""

from __future__ import annotations

import re

from xdsl.dialects.builtin import AnyFloat
from xdsl.parser.attribute_parser import AttrParser
from xdsl.utils.exceptions import ParseError
from xdsl.utils.lexer import Span
from xdsl.utils.mlir_lexer import MLIRLexer

# A double-quoted literal: any character but a quote, a backslash or a line break, or an escape (\" \n \t \\ or two
# hex digits). The possessive `*+` never backtracks: the match fails in linear time when the quote is missing.
_CLOSED_STRING = re.compile(r'"(?:[^"\\\n\v\f]|\\(?:["nt\\]|[0-9A-Fa-f]{2}))*+"')
_BACKTRACKING_SHAPE = r'"(?:[^"\\\n\v\f]+|\\(?:["nt\\]|[0-9A-Fa-f]{2}))*"'


def _guarded(lex_string_literal):
    def lex(self, start_pos):
        if _CLOSED_STRING.match(self.input.content, start_pos) is None:
            end = self.input.content.find("\n", start_pos)
            end = len(self.input.content) if end < 0 else end
            raise ParseError(Span(start_pos, max(start_pos + 1, end), self.input), "unterminated string literal")
        return lex_string_literal(self, start_pos)

    lex.inrarch_guard = True
    return lex


def _hex_float(to_type):
    def convert(self, parser, type):
        text = self.span.text.lstrip("-").lstrip()
        if isinstance(type, AnyFloat) and text[:2] in ("0x", "0X") and isinstance(self.value, int):
            if self.is_negative:
                parser.raise_error("hexadecimal float literal should not have a leading minus sign", self.span)
            try:
                raw = self.value.to_bytes(type.compile_time_size, "little")
            except OverflowError:
                parser.raise_error(f"hexadecimal float constant does not fit in {type}", self.span)
            return next(type.iter_unpack(raw))
        return to_type(self, parser, type)

    convert.inrarch_guard = True
    return convert


# 2**24 elements: 64 MiB of f32 weights, and about 0.5 GB as the parser's Python list; an INR's largest weight
# matrix is a few hundred thousand.
MAX_DENSE_ELEMENTS = 2**24


def _bounded_dense_type(parse_type):
    def parse(self):
        start = self._current_token.span.start
        type = parse_type(self)
        elements = 1
        for dim in type.get_shape():
            elements *= max(dim, 0)
        if elements > MAX_DENSE_ELEMENTS:
            raise ParseError(Span(start, self._current_token.span.start, self.lexer.input),
                             f"a dense literal of {elements:,} elements ({type}): inrarch reads up to "
                             f"{MAX_DENSE_ELEMENTS:,}")  # fmt: skip
        return type

    parse.inrarch_guard = True
    return parse


def _located_op_parse(parse_operation):
    def parse(self):
        start = self._current_token.span
        try:
            return parse_operation(self)
        except (IndexError, KeyError, AssertionError, TypeError, AttributeError) as err:
            end = self._current_token.span
            detail = f"{type(err).__name__}" + (f": {err}" if str(err) and "<" not in str(err) else "")
            raise ParseError(Span(start.start, max(start.end, end.start), self.lexer.input),
                             f"cannot parse this operation ({detail}): its syntax is incomplete or malformed") from None  # fmt: skip

    parse.inrarch_guard = True
    return parse


def install() -> None:
    """Installs the guards (idempotent)."""
    from xdsl.parser.core import Parser

    if not getattr(Parser.parse_operation, "inrarch_guard", False):
        Parser.parse_operation = _located_op_parse(Parser.parse_operation)
    if not getattr(AttrParser._parse_dense_literal_type, "inrarch_guard", False):
        AttrParser._parse_dense_literal_type = _bounded_dense_type(AttrParser._parse_dense_literal_type)
    element = AttrParser._TensorLiteralElement
    if not getattr(element.to_type, "inrarch_guard", False):
        element.to_type = _hex_float(element.to_type)
    current = MLIRLexer._lex_string_literal
    regex = getattr(MLIRLexer, "_unescaped_characters_regex", None)
    if getattr(current, "inrarch_guard", False):
        return
    if regex is not None and regex.pattern == _BACKTRACKING_SHAPE:
        MLIRLexer._lex_string_literal = _guarded(current)


install()
