"""Guards inrarch keeps over xDSL behaviour that would hurt its users, each until xDSL fixes it.

* Unterminated string literals. xDSL 0.74's lexer matches a string literal with a regular expression whose
  nested repetition backtracks exponentially when the closing quote is missing, so a file cut inside a long
  literal (an MLIR file truncated in a weight blob `dense<"0x...`) makes the parser hang. Before xDSL's lexer runs
  on a string literal, the guard checks with a non-backtracking (possessive) expression of the same language that
  the literal is closed on its line, and otherwise reports `unterminated string literal` at its opening quote.
  The guard is installed only over the lexer whose expression has that shape.
"""

from __future__ import annotations

import re

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


def install() -> None:
    """Installs the guards (idempotent)."""
    current = MLIRLexer._lex_string_literal
    regex = getattr(MLIRLexer, "_unescaped_characters_regex", None)
    if getattr(current, "inrarch_guard", False):
        return
    if regex is not None and regex.pattern == _BACKTRACKING_SHAPE:
        MLIRLexer._lex_string_literal = _guarded(current)


install()
