"""One-line diagnostics for bad input: `FILE:LINE:COL: error: message`, never a traceback."""

from __future__ import annotations

import bisect
import os
import re

from xdsl.dialects.builtin import CallSiteLoc, FileLineColLoc, FusedLoc, IntAttr, NameLoc, StringAttr, UnknownLoc
from xdsl.ir import Attribute, Operation
from xdsl.parser import Parser
from xdsl.utils.exceptions import DiagnosticException, VerifyException


class CompileError(DiagnosticException):
    """An error in the user's input or request. `where` is an op (its location is used) or a location string.
    A DiagnosticException, so xDSL's own tools (plain `xdsl-opt`, `--verify-diagnostics`) report it as one."""

    def __init__(self, message: str, where: Operation | str | None = None):
        super().__init__(message)
        self.message = message
        self.location = where if isinstance(where, str) or where is None else op_location(where)

    def diagnostic(self) -> str:
        return format_diagnostic(self.message, self.location)


def format_diagnostic(message: str, location: str | None = None) -> str:
    message = " ".join(message.strip().split("\n")[0].split())
    return f"{location}: error: {message}" if location else f"error: {message}"


def _frames(loc: Attribute) -> list[FileLineColLoc]:
    """The file locations in `loc`, innermost call first."""
    match loc:
        case FileLineColLoc():
            return [loc]
        case NameLoc():
            return _frames(loc.location)
        case CallSiteLoc():
            return _frames(loc.callee) + _frames(loc.caller)
        case FusedLoc():
            return [f for sub in loc.locations for f in _frames(sub)]
    return []


def _is_library_frame(path: str) -> bool:
    return f"{os.sep}site-packages{os.sep}torch{os.sep}" in path or f"{os.sep}torch{os.sep}nn{os.sep}" in path


def location_string(loc: Attribute) -> str | None:
    """file:line:col of a location; of a call stack (models imported from PyTorch), the innermost frame outside
    torch's own sources, which is where the user wrote the op."""
    frames = _frames(loc)
    if not frames:
        return None
    frame = next((f for f in frames if not _is_library_frame(f.filename.data)), frames[0])
    return f"{frame.filename.data}:{frame.line.data}:{frame.column.data}"


def op_location(op: Operation) -> str | None:
    """The location of `op`, or of its closest ancestor that has one."""
    current: Operation | None = op
    while current is not None:
        if (text := location_string(current.location)) is not None:
            return text
        current = current.parent_op()
    return None


def file_location(filename: str, line: int, column: int) -> FileLineColLoc:
    return FileLineColLoc(StringAttr(filename), IntAttr(line), IntAttr(column))


class LocatingParser(Parser):
    """An MLIR parser that gives every op without an explicit `loc(...)` its position in the source text,
    as MLIR does, so later diagnostics can point at it. The locations it made are listed in `synthesized` (xDSL's
    own parser leaves such ops at `loc(unknown)`, which `--print-debuginfo` shows).

    With `locate_verify_errors`, a type, attribute or op whose constraints fail while it is parsed is reported as a
    ParseError at its source position; without, the VerifyException goes on as xDSL's parser raises it."""

    def __init__(self, ctx, input: str | bytes, name: str = "<unknown>", line_offset: int = 0,
                 locate_verify_errors: bool = True):  # fmt: skip
        super().__init__(ctx, input, name)
        self._line_offset = line_offset
        self._source_name = name
        self._locate_verify_errors = locate_verify_errors
        self.synthesized: list[FileLineColLoc] = []
        self._newlines: tuple[object, list[int]] | None = None  # (input, offsets of its newlines), built once

    def _line_col(self, span) -> tuple[int, int]:
        """The 1-based line (with the span's line offset) and column of `span`'s start. xDSL's `Span.get_location`
        counts the newlines before the span from the start of the input, which, called for every op, makes parsing
        quadratic in the program's length; the newline offsets are found once here and searched by bisection."""
        source = span.input
        if self._newlines is None or self._newlines[0] is not source:
            newline = re.escape(source.newline)
            self._newlines = (source, [m.start() for m in re.finditer(newline, source.content)])
        offsets = self._newlines[1]
        line = bisect.bisect_left(offsets, span.start)  # newlines before the span
        line_start = offsets[line - 1] + 1 if line else 0
        return line + 1 + span.line_offset, span.start - line_start + 1

    def _parse_extended_type_or_attribute(self, *args, **kwargs):
        # Dialect types and attributes verify when built: report their errors at their source position.
        start = self._current_token.span
        try:
            return super()._parse_extended_type_or_attribute(*args, **kwargs)
        except VerifyException as err:
            if not self._locate_verify_errors:
                raise
            self.raise_error(str(err), at_position=start)

    def parse_operation(self) -> Operation:
        span = self._current_token.span
        try:
            op = super().parse_operation()
        except VerifyException as err:  # an op whose operands break its constraints while parsing
            if not self._locate_verify_errors:
                raise
            self.raise_error(str(err), at_position=span)
        if isinstance(op.location, UnknownLoc):
            line, col = self._line_col(span)
            op.location = file_location(self._source_name, line + self._line_offset, col)
            self.synthesized.append(op.location)
        return op


def failing_op(err: BaseException) -> Operation | None:
    """The op whose verification raised `err`: the innermost `verify`/`verify_` frame of an Operation in its
    traceback (xDSL's Operation.verify verifies the op, then its regions and blocks, then runs its verifier; an
    empty block is reported by the block's verify, inside its parent op's)."""
    found = None
    tb = err.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name in ("verify", "verify_", "emit_error"):
            candidate = frame.f_locals.get("self")
            if isinstance(candidate, Operation):
                found = candidate
        tb = tb.tb_next
    return found


def verify_error(err: Exception) -> CompileError:
    """The located one-line CompileError for an exception raised by xDSL's verifier."""
    if isinstance(err, CompileError):
        return err
    cause = err.__cause__ if err.__cause__ is not None else err
    message = str(cause.args[0]) if cause.args else str(cause)
    message = message.removeprefix("Operation does not verify: ")
    op = failing_op(err)
    return CompileError(message or type(err).__name__, op)


def verify_with_locations(op: Operation) -> None:
    """Verifies `op` as xDSL does (`op.verify()`: everything nested, blocks included), raising a CompileError
    located at the op whose verification failed."""
    try:
        op.verify()
    except RecursionError:
        raise
    except Exception as err:  # xDSL raises VerifyException, DiagnosticException, or ValueError for broken links
        raise verify_error(err) from err
