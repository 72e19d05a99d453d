"""`inrarch-opt`: xDSL's modular optimizer driver with inrarch's dialects, passes and targets.

Passes are given MLIR-style, in command-line order — `--inr-autodiff=order=3 --dataflow-lower` — or as xDSL
pipelines, `-p 'inr-autodiff{order=3},dataflow-lower'`; both may be mixed and run in the order written. Bad input
(unknown pass or option, malformed MLIR, a verifier failure, an error raised by a pass) is reported as one line,
`FILE:LINE:COL: error: message`, with exit status 1 and no output file written.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from io import StringIO

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass, PassPipeline
from xdsl.utils.arg_spec import parse_pipeline, parse_spec
from xdsl.utils.exceptions import ArgSpecParseError, ParseError
from xdsl.xdsl_opt_main import xDSLOptMain

from inrarch.context import decode_text, nesting_error
from inrarch.diagnostics import (
    CompileError,
    LocatingParser,
    format_diagnostic,
    verify_with_locations,
)
from inrarch.universe import get_all_passes


class _ArgumentParser(argparse.ArgumentParser):
    """Argument errors become one-line diagnostics instead of usage dumps."""

    def error(self, message: str):  # type: ignore[override]
        if message.startswith("unrecognized arguments: "):
            message = "unknown pass or option: " + message.removeprefix("unrecognized arguments: ")
        raise CompileError(message)


def _split_options(text: str) -> list[str]:
    """`a=1,b=x y,c=2` -> ['a=1', 'b=x y', 'c=2']: commas or spaces separate options; a piece without `=`
    continues the previous option's (list) value."""
    pieces: list[str] = []
    for chunk in text.replace(" ", ",").split(","):
        if not chunk:
            continue
        if "=" in chunk or not pieces:
            pieces.append(chunk)
        else:
            pieces[-1] += "," + chunk
    return pieces


def translate_pass_flags(argv: Sequence[str], pass_names: set[str]) -> tuple[list[str], str]:
    """Separates pass flags (`--name`, `--name=opts`, `-p spec`) from the other arguments and joins them, in
    command-line order, into one xDSL pipeline spec."""
    rest: list[str] = []
    pipeline: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-p", "--passes"):
            if i + 1 >= len(args):
                raise CompileError(f"{arg} needs a pass pipeline")
            if args[i + 1]:
                pipeline.append(args[i + 1])
            i += 2
            continue
        if arg.startswith("--passes="):
            pipeline.append(arg.split("=", 1)[1])
        elif arg.startswith("-p") and len(arg) > 2 and not arg.startswith("--"):
            pipeline.append(arg[2:])
        elif arg.startswith("--") and arg[2:].split("=", 1)[0] in pass_names:
            name, _, options = arg[2:].partition("=")
            pieces = _split_options(options)
            pipeline.append(name + ("{" + " ".join(pieces) + "}" if pieces else ""))
        else:
            rest.append(arg)
        i += 1
    return rest, ",".join(p for p in pipeline if p)


def _pass_help(passes: dict[str, type[ModulePass]]) -> str:
    lines = ["inrarch passes (MLIR-style --name=opt=val,... or -p 'name{opt=val}'):"]
    for name, cls in passes.items():
        doc = (cls.__doc__ or "").strip().splitlines()
        lines.append(f"  --{name:<26} {doc[0] if doc else ''}")
    lines.append("xDSL's own passes (canonicalize, cse, ...) are also available; see -p below.")
    return "\n".join(lines)


class InrarchOptMain(xDSLOptMain):
    """xDSL's opt driver with located one-line diagnostics and MLIR-style pass flags."""

    version_format = "inrarch-opt (inrarch 0.1.0) built from xdsl version {xdsl_version}"

    def __init__(self, args: Sequence[str] | None = None):
        argv = list(sys.argv[1:] if args is None else args)
        self.available_frontends = {}
        self.available_passes = {}
        self.available_targets = {}
        self.ctx = Context()
        self.register_all_dialects()
        self.register_all_frontends()
        self.register_all_passes()
        self.register_all_targets()

        argv, self.pipeline_spec = translate_pass_flags(argv, set(self.available_passes))
        own_passes = {name: factory() for name, factory in get_all_passes().items()}
        arg_parser = _ArgumentParser(
            prog="inrarch-opt",
            description="inrarch's MLIR optimizer: INR derivatives to FPGA dataflow designs.",
            epilog=_pass_help(own_passes),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        self.register_all_arguments(arg_parser)
        self.args = arg_parser.parse_args(args=argv)
        self.args.passes = self.pipeline_spec
        try:
            target = parse_spec(self.args.target).name
        except (Exception, ArgSpecParseError) as err:
            raise CompileError(
                f"invalid target '{self.args.target}': {_spec_error(err)} (quote paths: -t 'hls{{out=\"dir/\"}}')"
            ) from err
        if target not in self.available_targets:
            raise CompileError(f"unknown target '{target}' (choose from {', '.join(self.available_targets)})")
        self.ctx.allow_unregistered = self.args.allow_unregistered_dialect
        self.setup_pipeline()

    def register_all_passes(self):
        super().register_all_passes()
        for name, factory in get_all_passes().items():  # also when the entry point is not installed
            self.available_passes.setdefault(name, factory)

    def setup_pipeline(self):
        """xDSL's pipeline with inrarch's callback between passes: located verification, and xDSL's
        `--time-passes` and `--print-between-passes` (to stderr, so stdout stays the program). Passes that stand
        for a pipeline (`dataflow-lower`) are run as their steps."""
        clock = {"start": time.perf_counter()}

        def between(previous: ModulePass | None, module: ModuleOp, following: ModulePass | None) -> None:
            if self.args.time_passes and previous is not None:
                print(f"Pass {previous.name} took {time.perf_counter() - clock['start']:.4f} seconds", file=sys.stderr)
            if not self.args.disable_verify:
                verify_with_locations(module)
            if previous is not None:
                from inrarch.dataflow.derived import drop_stale
                from inrarch.dialects.dataflow import GraphOp

                for graph in [op for op in module.walk() if isinstance(op, GraphOp)]:
                    drop_stale(graph)  # figures of dataflow-fifo-depth that a later pass made untrue
            if previous is not None and following is not None and self.args.print_between_passes:
                print(f"// IR after {previous.name}:", file=sys.stderr)
                print(str(module), file=sys.stderr)
            clock["start"] = time.perf_counter()

        try:
            pipeline = PassPipeline.parse_spec(self.available_passes, self.args.passes)
            steps = tuple(step for p in pipeline.passes for step in (p.passes() if hasattr(p, "passes") else (p,)))
        except CompileError:
            raise
        except (Exception, ArgSpecParseError) as err:
            raise CompileError(f"invalid pass pipeline: {_spec_error(err)}{self._failing_pass()}") from err
        self.pipeline = PassPipeline(steps, between)

    def _failing_pass(self) -> str:
        """`` (in pass P)`` for the first pass of the pipeline whose options do not parse alone."""
        try:
            specs = list(parse_pipeline(self.args.passes))
        except (Exception, ArgSpecParseError):  # noqa: BLE001 - the spec itself does not parse: the message says where
            return ' (quote paths and other text in pass options: calibration="dir/x.npy")'
        for spec in specs:
            try:
                PassPipeline.parse_spec(self.available_passes, str(spec))
            except (Exception, ArgSpecParseError):  # noqa: BLE001
                return f" (in the options of {spec.name})"
        return ""

    def _parse(self, text: bytes, line_offset: int) -> ModuleOp:
        name = self.get_input_name()
        text = decode_text(text, name)  # a located diagnostic if not UTF-8 (line numbers of this chunk)
        if not text.strip() and not self.args.split_input_file:
            raise CompileError("the input is empty", f"{name}:1:1")
        parser = LocatingParser(self.ctx, text, name, line_offset)
        try:
            module = parser.parse_module(not self.args.no_implicit_module)
            if not self.args.disable_verify:
                verify_with_locations(module)
        except ParseError as err:
            where = err.span.get_location()
            raise CompileError(err.msg, f"{name}:{where.line + line_offset}:{where.col}") from err
        except RecursionError:
            raise nesting_error(text, name, line_offset) from None
        return module

    def run(self):
        source, _ = self.get_input_stream()
        text = source.read()
        if source is not sys.stdin.buffer:
            source.close()
        chunks: list[tuple[bytes, int]] = [(text, 0)]
        if self.args.split_input_file:
            chunks, offset = [], 0
            for piece in text.split(b"// -----"):
                chunks.append((piece, offset))
                offset += piece.count(b"\n")
        output = StringIO()
        for i, (chunk, offset) in enumerate(chunks):
            if i > 0:
                output.write("// -----\n")
            try:
                module = self._parse(chunk, offset)
                try:
                    self.apply_passes(module)
                except CompileError:
                    raise
                except Exception as err:
                    if os.environ.get("INRARCH_DEBUG"):
                        raise
                    raise CompileError(_first_line(err)) from err
                output.write(self.output_resulting_program(module))
            except CompileError as err:
                if not self.args.verify_diagnostics:
                    raise
                output.write(err.diagnostic() + "\n")
        if self.args.output_file is None:
            sys.stdout.write(output.getvalue())
        else:
            from inrarch.files import write_file

            path = self.args.output_file
            if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
                raise CompileError(f"cannot write {path}: No such file or directory")
            try:
                write_file(path, output.getvalue().encode())
            except OSError as err:
                raise CompileError(f"cannot write {path}: {err.strerror}") from err


def _spec_error(err: BaseException) -> str:
    """xDSL's spec errors span several lines (position, text, caret, message): keep the message and column."""
    lines = [ln for ln in str(err).splitlines() if ln.strip()]
    if isinstance(err, ArgSpecParseError) and len(lines) >= 2:
        where = next((ln for ln in lines if ln.startswith("pass-pipeline:")), "")
        column = where.rsplit(":", 1)[-1] if where else "?"
        return f"{lines[-1].strip()} at column {column}"
    return lines[0] if lines else type(err).__name__


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def main(argv: Sequence[str] | None = None) -> None:
    try:
        InrarchOptMain(argv).run()
    except CompileError as err:
        print(err.diagnostic(), file=sys.stderr)
        sys.exit(1)
    except FileNotFoundError as err:
        print(format_diagnostic(f"cannot open {err.filename}: {err.strerror}"), file=sys.stderr)
        sys.exit(1)
    except Exception as err:  # an internal error: still one line unless INRARCH_DEBUG asks for the traceback
        if os.environ.get("INRARCH_DEBUG"):
            raise
        print(
            f"inrarch-opt: internal error: {type(err).__name__}: {_first_line(err)} "
            "(set INRARCH_DEBUG=1 for a traceback)",
            file=sys.stderr,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
