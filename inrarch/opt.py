"""`inrarch-opt`: xDSL's `xdsl-opt` with inrarch's dialects, passes and targets.

On everything xDSL defines it behaves as `xdsl-opt`: the same verification (xDSL's `module.verify()` before and
after each pass), the same `--verify-diagnostics`, `--parsing-diagnostics` and `--split-input-file` semantics and
output streams, the same exit statuses, DeprecationWarnings shown; tools/xdsl_suite.py checks it on xDSL's own test
suite. It adds:

* MLIR-style pass flags, in command-line order — `--inr-autodiff=order=3 --dataflow-lower` — besides xDSL
  pipelines, `-p 'inr-autodiff{order=3},dataflow-lower'`; both may be mixed and run in the order written.
* Located one-line diagnostics, `FILE:LINE:COL: error: message`, exit status 1 and no traceback: for inrarch's own
  errors (CompileError, raised by its passes and printers; under `--verify-diagnostics` printed on stdout as xDSL
  prints a diagnostic) and, outside the diagnostics modes, for the bad input that `xdsl-opt` reports with a traceback
  (a malformed file, a verifier failure, an error raised by a pass, an unknown pass or option).
* Input xDSL cannot read: a byte-order mark reads as a space; a file that is not UTF-8, nests too deeply or is empty
  is a located one-line diagnostic.
* `-o FILE` written atomically (inrarch.files.write_file) once every chunk has succeeded: never half-written, never
  through a link. To stdout, chunks stream as in xDSL.
* Passes that stand for a pipeline (`dataflow-lower`) run as their steps, so `--time-passes` and
  `--print-between-passes` see each; the derived figures of a dataflow graph that a pass made untrue are dropped
  after it (inrarch.analysis.derived).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import time
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from typing import IO

from xdsl.dialects.builtin import UNKNOWN_LOC, ModuleOp
from xdsl.passes import ModulePass, PassPipeline
from xdsl.universe import Universe
from xdsl.utils.arg_spec import ArgSpec, parse_pipeline
from xdsl.utils.exceptions import ArgSpecParseError, DiagnosticException, ParseError
from xdsl.xdsl_opt_main import xDSLOptMain

from inrarch.context import decode_text, nesting_error
from inrarch.diagnostics import CompileError, LocatingParser, format_diagnostic, verify_error
from inrarch.elide import FLAG as ELIDE_FLAG
from inrarch.elide import TERMINAL_LIMIT
from inrarch.universe import get_all_passes, get_all_targets


class InputError(Exception):
    """A CompileError about the input itself (not UTF-8, nesting too deep, empty). Not a DiagnosticException, so that
    xDSL's run() never reports it as a verifier diagnostic: like xDSL's own failures to read a file, it ends the run
    with status 1 in every mode."""

    def __init__(self, error: CompileError):
        super().__init__(error.message)
        self.error = error


class ReportedError(DiagnosticException):
    """A CompileError as `--verify-diagnostics` prints it: its located one-line form."""


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


def _argument_error(message: str, known: set[str]):
    """Argument errors are one-line diagnostics (status 1) instead of argparse's usage dump (status 2); an unknown
    `--flag` gets the closest pass or option of `known` (spelled without their `--`)."""
    from inrarch.pass_options import did_you_mean

    if message.startswith("unrecognized arguments: "):
        unknown = message.removeprefix("unrecognized arguments: ")
        first = next((a for a in unknown.split() if a.startswith("--")), "")
        hint = did_you_mean(first[2:].split("=", 1)[0], known, "--") if first else ""
        message = f"unknown pass or option: {unknown}{hint}"
    elif m := re.match(r"argument -t/--target: invalid choice: '(.*)' \((choose from .*)\)$", message):
        message = f"unknown target '{m.group(1)}' ({m.group(2)})"
    raise CompileError(message)


def _elide_limit(text: str) -> int:
    try:
        limit = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expects an integer, got '{text}'") from None
    if limit < 0:
        raise argparse.ArgumentTypeError(f"expects an integer >= 0, got {limit}")
    return limit


class _OutputBuffer(io.StringIO):
    """What xDSL's run() writes for `-o FILE`: kept when run() closes it, written to the file once all went well."""

    def close(self):
        pass


class InrarchOptMain(xDSLOptMain):
    """xDSL's opt driver with inrarch's additions (see the module). It extends xDSLOptMain at its hooks; the
    overrides without a hook are marked."""

    version_format = "inrarch-opt (inrarch 0.1.0) built from xdsl version {xdsl_version}"

    def __init__(self, args: Sequence[str] | None = None):
        argv = list(sys.argv[1:] if args is None else args)
        # Pass flags become one `-p` pipeline before xDSL's argument parser sees them (it knows only -p); the pass
        # names are those register_all_passes will register.
        names = set(Universe.get_multiverse().all_passes) | set(get_all_passes())
        rest, spec = translate_pass_flags(argv, names)
        self._synthesized: set[int] = set()  # ids of the locations LocatingParser made (kept alive in _keep)
        self._keep: list[object] = []
        self._source: tuple[str, str, int] | None = None  # the chunk being compiled: text, name, line offset
        self._chunk_start: float | None = None  # when the chunk's parsing began (--time-passes)
        try:
            super().__init__("inrarch's MLIR optimizer: INR derivatives to FPGA dataflow designs.",
                             rest + (["-p", spec] if spec else []))  # fmt: skip
        except ArgSpecParseError as err:  # xDSL parses the target spec without catching its errors
            raise CompileError(f"invalid target '{self._target_arg(rest)}': {_spec_error(err)} "
                               "(quote paths: -t 'hls{out=\"dir/\"}')") from err  # fmt: skip

    @staticmethod
    def _target_arg(argv: list[str]) -> str:
        for i, arg in enumerate(argv):
            if arg in ("-t", "--target") and i + 1 < len(argv):
                return argv[i + 1]
            if arg.startswith("--target="):
                return arg.split("=", 1)[1]
        return ""

    @property
    def diagnostics_mode(self) -> bool:
        return bool(self.args.verify_diagnostics or self.args.parsing_diagnostics)

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser):
        super().register_all_arguments(arg_parser)
        arg_parser.add_argument(ELIDE_FLAG, type=_elide_limit, metavar="N", dest="elide_if_larger",
                                help="print dense constants of more than N elements as dense_resource<__elided__> "
                                     f"(as MLIR does; not readable back). Default: {TERMINAL_LIMIT} when the IR goes "
                                     "to a terminal, none (everything printed) to a file or a pipe")  # fmt: skip
        # xDSL's __init__ makes a plain ArgumentParser and gives no hook for it: its name, its one-line errors and
        # the help, which leads with inrarch's passes and their options (computed only when asked: it imports every
        # pass) and lists xDSL's passes and targets after the options, are set here.
        arg_parser.prog = "inrarch-opt"
        arg_parser.formatter_class = argparse.RawDescriptionHelpFormatter
        known = {a.lstrip("-") for action in arg_parser._actions for a in action.option_strings if a.startswith("--")}
        known |= set(self.available_passes)
        arg_parser.error = lambda message: _argument_error(message, known)  # type: ignore[method-assign]
        for action in arg_parser._actions:  # the lists of names move below the options
            if action.dest == "passes":
                action.help = ("a pass pipeline in xDSL's syntax, 'NAME{OPT=VALUE OPT=VALUE},NAME', run where it "
                               "stands among the --NAME pass flags")  # fmt: skip
            elif action.dest == "target":
                action.help = "what to print: mlir (default), one of inrarch's targets or xDSL's (listed below)"
            elif action.dest == "time_passes":
                action.help = "print the time of parsing, of each pass, of printing, and the total"
        format_help = arg_parser.format_help
        description = arg_parser.description

        def with_passes() -> str:
            from inrarch.pass_options import names_help, passes_help

            ours = get_all_passes()
            theirs = [name for name in self.available_passes if name not in ours]
            arg_parser.description = f"{description}\n\n{passes_help(ours)}"
            arg_parser.epilog = "\n".join([
                names_help(f"xDSL's passes ({len(theirs)}; -p or --NAME, options as xDSL defines them):", theirs),
                "",
                names_help(f"targets (-t; inrarch's: {', '.join(get_all_targets())}):", self.available_targets),
            ])  # fmt: skip
            return format_help()

        arg_parser.format_help = with_passes  # type: ignore[method-assign]

    def register_all_targets(self):
        super().register_all_targets()
        mlir = self.available_targets.get("mlir")
        if mlir is None:
            return

        def mlir_target():  # called once arguments are parsed: the elision limit is known then
            base = mlir()
            limit = self._elide_limit(to_stdout=self.args.output_file is None)
            if limit is None:
                return base
            from inrarch.elide import eliding_mlir_target

            return eliding_mlir_target(base, limit)

        self.available_targets["mlir"] = mlir_target

    def _elide_limit(self, to_stdout: bool) -> int | None:
        """The elision limit for IR printed to stdout (`to_stdout`) or to the -o file: the flag's, else
        TERMINAL_LIMIT for a terminal and None (nothing elided) for a file or a pipe."""
        if self.args.elide_if_larger is not None:
            return self.args.elide_if_larger
        return TERMINAL_LIMIT if to_stdout and sys.stdout.isatty() else None

    def register_all_passes(self):
        super().register_all_passes()
        for name, factory in get_all_passes().items():  # also when the entry point is not installed
            self.available_passes.setdefault(name, factory)

    def setup_pipeline(self):
        """xDSL's pipeline, with passes that stand for a pipeline (`dataflow-lower`) replaced by their steps, and
        xDSL's callback between passes (timing, verification, printing) wrapped: stale derived figures are dropped
        after each pass, and outside the diagnostics modes a verifier failure becomes a located CompileError."""
        try:
            super().setup_pipeline()
            steps = tuple(step for p in self.pipeline.passes
                          for step in (p.passes() if hasattr(p, "passes") else (p,)))  # fmt: skip
        except CompileError:
            raise
        except (Exception, ArgSpecParseError) as err:
            raise CompileError(f"invalid pass pipeline: {self._pipeline_problem(err)}") from err
        xdsl_callback = self.pipeline.callback
        assert xdsl_callback is not None
        between = self._elide_limit(to_stdout=True) if self.args.print_between_passes else None

        def callback(previous: ModulePass | None, module: ModuleOp, following: ModulePass | None) -> None:
            graphs = [op for op in module.walk() if op.name == "dataflow.graph"] if previous is not None else []
            if graphs:  # (imported only then: an import that resets warning filters would repeat xDSL's warnings)
                from inrarch.analysis.derived import drop_stale

                for graph in graphs:
                    drop_stale(graph)  # figures of dataflow-fifo-depth that a later pass made untrue
            try:
                if between is None:
                    xdsl_callback(previous, module, following)
                else:  # xDSL's callback prints the IR between passes with xdsl_opt_main's Printer: an eliding one
                    import xdsl.xdsl_opt_main as xdsl_opt_main

                    from inrarch.elide import eliding

                    printer = xdsl_opt_main.Printer
                    xdsl_opt_main.Printer = eliding(printer, between)  # type: ignore[misc]
                    try:
                        xdsl_callback(previous, module, following)
                    finally:
                        xdsl_opt_main.Printer = printer  # type: ignore[misc]
            except RecursionError:
                raise self._nesting_error() from None
            except Exception as err:
                if self.diagnostics_mode or isinstance(err, CompileError):
                    raise  # xDSL reports it
                raise verify_error(err) from err

        self.pipeline = PassPipeline(steps, callback)

    def _pipeline_problem(self, err: BaseException) -> str:
        """What is wrong with the pipeline, in words where inrarch can say more than xDSL: an unknown pass with the
        closest known one, an unknown option with the closest option of its pass, a value of the wrong type."""
        from inrarch.pass_options import did_you_mean, option_problem

        try:
            specs = list(parse_pipeline(self.args.passes))
        except (Exception, ArgSpecParseError):  # noqa: BLE001 - xDSL's message says where
            specs = []
        for spec in specs:
            if spec.name not in self.available_passes:
                return f"{_spec_error(err)}{did_you_mean(spec.name, self.available_passes)}"
            try:
                problem = option_problem(self.available_passes[spec.name](), spec)
            except Exception:  # noqa: BLE001 - a pass inrarch cannot inspect: xDSL's message
                problem = None
            if problem is not None:
                return problem
        return f"{_spec_error(err)}{self._failing_pass(err)}"

    def _failing_pass(self, err: BaseException) -> str:
        """`` (in the options of P)`` for the first pass of the pipeline whose options do not parse alone."""
        if isinstance(err, ValueError) and str(err).startswith("Unrecognized passes"):
            return ""
        try:
            specs = list(parse_pipeline(self.args.passes))
        except (Exception, ArgSpecParseError):  # noqa: BLE001 - the spec itself does not parse: the message says where
            return ' (quote paths and other text in pass options: calibration="dir/x.npy")'
        for spec in specs:
            if spec.name not in self.available_passes:
                continue
            try:
                PassPipeline.parse_spec(self.available_passes, str(spec))
            except (Exception, ArgSpecParseError):  # noqa: BLE001
                return f" (in the options of {spec.name})"
        return ""

    def prepare_input(self):
        try:
            return super().prepare_input()
        except ValueError as err:  # an unknown file extension
            raise CompileError(str(err)) from err

    def prepare_output(self) -> IO[str]:
        if self.args.output_file is None:
            return sys.stdout
        self._output = _OutputBuffer()
        return self._output

    def parse_chunk(self, chunk: IO[bytes], file_extension: str, start_offset: int = 0) -> ModuleOp | None:
        """xDSL's MLIR frontend, with the text decoded by inrarch (byte-order mark, located non-UTF-8 diagnostic)
        and ops located (LocatingParser)."""
        if file_extension != "mlir":
            return super().parse_chunk(chunk, file_extension, start_offset)
        self._chunk_start = time.perf_counter()
        name = self.get_input_name()
        try:
            text = decode_text(chunk.read(), name, start_offset)
        except CompileError as err:
            raise InputError(err) from None
        self._source = (text, name, start_offset)
        if not self.diagnostics_mode and not self.args.split_input_file and not text.strip():
            raise InputError(CompileError("the input is empty", f"{name}:1:1"))
        parser = LocatingParser(self.ctx, text, name, start_offset, locate_verify_errors=not self.diagnostics_mode)
        try:
            module = parser.parse_module(not self.args.no_implicit_module)
        except RecursionError:
            raise self._nesting_error() from None
        self._keep += parser.synthesized
        self._synthesized.update(id(loc) for loc in parser.synthesized)
        if self.args.time_passes:  # xDSL's --time-passes times the passes; inrarch-opt adds parsing and printing
            print(f"Parse took {time.perf_counter() - self._chunk_start} seconds")
        return module

    def _nesting_error(self) -> InputError:
        text, name, offset = self._source or ("", self.get_input_name(), 0)
        return InputError(nesting_error(text, name, offset))

    @contextmanager
    def _inrarch_errors(self, in_passes: bool):
        """inrarch's errors in xDSL's run(): a CompileError is printed located by --verify-diagnostics; outside the
        diagnostics modes, another error of a pass becomes a one-line CompileError."""
        try:
            yield
        except CompileError as err:
            if self.args.verify_diagnostics:
                raise ReportedError(err.diagnostic()) from err
            raise
        except RecursionError:
            raise self._nesting_error() from None
        except (DiagnosticException, InputError):
            raise
        except Exception as err:
            if not in_passes or self.diagnostics_mode or os.environ.get("INRARCH_DEBUG"):
                raise
            raise CompileError(_first_line(err)) from err

    def apply_passes(self, prog: ModuleOp):
        with self._inrarch_errors(in_passes=True):
            super().apply_passes(prog)

    def output_resulting_program(self, prog: ModuleOp) -> str:
        with self._inrarch_errors(in_passes=False):
            if self.args.print_debuginfo:  # the printed locations are those xDSL's parser gives: none made up
                for op in prog.walk():
                    if id(op.location) in self._synthesized:
                        op.location = UNKNOWN_LOC
            start = time.perf_counter()
            printed = super().output_resulting_program(prog)
            if self.args.time_passes and self._chunk_start is not None:
                end = time.perf_counter()
                print(f"Print took {end - start} seconds")
                print(f"Total took {end - self._chunk_start} seconds (parse, passes with verification, print)")
            return printed

    def run(self):
        # No hook: xDSL's run() streams every chunk into prepare_output()'s stream and closes it even when a chunk
        # fails. For `-o FILE` that stream is a buffer, written here, atomically, once every chunk has succeeded.
        super().run()
        if self.args.output_file is not None:
            from inrarch.files import write_file

            path = self.args.output_file
            if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
                raise CompileError(f"cannot write {path}: No such file or directory")
            try:
                write_file(path, self._output.getvalue().encode())
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


def _parse_error(err: ParseError) -> str:
    where = err.span.get_location()
    return format_diagnostic(err.msg, f"{where.file}:{where.line}:{where.col}")


def main(argv: Sequence[str] | None = None) -> None:
    # As xDSL's main(): Python hides DeprecationWarnings by default.
    warnings.filterwarnings("default", category=DeprecationWarning)
    tool: InrarchOptMain | None = None
    try:
        tool = InrarchOptMain(argv)
        tool.run()
    except CompileError as err:
        print(err.diagnostic(), file=sys.stderr)
        sys.exit(1)
    except InputError as err:
        print(err.error.diagnostic(), file=sys.stderr)
        sys.exit(1)
    except FileNotFoundError as err:
        print(format_diagnostic(f"cannot open {err.filename}: {err.strerror}"), file=sys.stderr)
        sys.exit(1)
    except Exception as err:
        if os.environ.get("INRARCH_DEBUG") or (tool is not None and tool.diagnostics_mode):
            raise  # in the diagnostics modes, what xDSL does not report ends the run as in xdsl-opt
        if isinstance(err, ParseError):
            print(_parse_error(err), file=sys.stderr)
        elif isinstance(err, DiagnosticException):
            print(format_diagnostic(_first_line(err)), file=sys.stderr)
        else:  # an internal error: still one line unless INRARCH_DEBUG asks for the traceback
            print(f"inrarch-opt: internal error: {type(err).__name__}: {_first_line(err)} "
                  "(set INRARCH_DEBUG=1 for a traceback)", file=sys.stderr)  # fmt: skip
        sys.exit(1)


if __name__ == "__main__":
    main()
