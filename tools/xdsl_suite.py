"""Differential check of `inrarch-opt` against `xdsl-opt` on the pinned xDSL's own FileCheck suite.

    .venv/bin/python tools/xdsl_suite.py                    # the whole suite; writes docs/xdsl-suite.md
    .venv/bin/python tools/xdsl_suite.py --sample           # the sample the default pytest test runs
    .venv/bin/python tools/xdsl_suite.py --filter parser-printer --no-report -v

The xDSL sdist (the version pinned in constraints.txt, 0.74.0) is fetched once from the package registry with
`pip download --no-binary :all: --no-deps xdsl==0.74.0` into a cache (build/xdsl-suite, git-ignored; tools/setup.sh
prefetches it) and its tests/filecheck/ is extracted there; nothing of xDSL's is copied into the repository.

Every RUN line whose commands are all `xdsl-opt` and `filecheck` (a pipe into `filecheck`, lit's `not`, redirections
allowed) is run twice, in the test file's folder through `bash -o pipefail -c` with lit's substitutions made (%s,
%S, %p, %t, %T and the suite's XDSL_ROUNDTRIP / XDSL_GENERIC_ROUNDTRIP): once with `xdsl-opt` on the PATH, once with
`inrarch-opt` answering to that name. The stages before `filecheck` are run apart from it, so that their exit
status, stdout and stderr can be compared; `filecheck` then reads the captured stdout. A line "passes" as lit would
pass it: every stage exits 0.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

XDSL_VERSION = "0.74.0"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = ROOT / "build" / "xdsl-suite"
SDIST = f"xdsl-{XDSL_VERSION}.tar.gz"
SUITE = f"xdsl-{XDSL_VERSION}/tests/filecheck"
BIN = Path(sys.executable).parent
TIMEOUT_S = 120

# The suite's lit.cfg substitutions (applied before lit's own %s, %S, ... as lit does).
CONFIG_SUBSTITUTIONS = [
    ("XDSL_ROUNDTRIP",
     "xdsl-opt %s --print-op-generic --split-input-file | xdsl-opt --split-input-file | filecheck %s"),
    ("XDSL_GENERIC_ROUNDTRIP",
     "xdsl-opt %s --print-op-generic --split-input-file | filecheck %s --check-prefix=CHECK-GENERIC"),
]
SUFFIXES = (".test", ".mlir", ".py")
# Lines where inrarch-opt differs by design, and why.
EXPECTED_DIFFERENCES = {"version.mlir:1": "--version names inrarch-opt (and inrarch's version) before xDSL's"}
DRIVERS = ("xdsl-opt", "inrarch-opt")


class SuiteUnavailable(RuntimeError):
    """The xDSL sdist could not be fetched (no network and no cached copy)."""


# -- fetching ------------------------------------------------------------------------------------------------------


def fetch_sdist(cache: Path = DEFAULT_CACHE) -> Path:
    """The path of the xdsl sdist in `cache`, downloaded with pip from the package registry if missing."""
    tarball = cache / SDIST
    if tarball.is_file():
        return tarball
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-binary", ":all:",
           "--no-deps", f"xdsl=={XDSL_VERSION}", "-d", str(cache)]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        raise SuiteUnavailable(f"`{shlex.join(cmd)}` did not finish in 15 minutes") from None
    if proc.returncode != 0 or not tarball.is_file():
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        raise SuiteUnavailable(
            f"cannot fetch the xDSL {XDSL_VERSION} sdist from the package registry (is there network?); "
            f"`{shlex.join(cmd)}` said:\n{tail}\n"
            f"Run tools/setup.sh (or that command) where the registry can be reached, or copy {SDIST} into {cache}."
        )
    return tarball


def suite_root(cache: Path = DEFAULT_CACHE) -> Path:
    """xDSL's tests/filecheck/, extracted from the sdist into `cache` (fetched first if needed)."""
    root = cache / SUITE
    stamp = cache / f".extracted-{XDSL_VERSION}"
    if stamp.is_file() and root.is_dir():
        return root
    tarball = fetch_sdist(cache)
    prefix = SUITE + "/"
    with tarfile.open(tarball) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(prefix) and (m.isfile() or m.isdir())]
        tar.extractall(cache, members=members, filter="data")
    stamp.write_text(f"{SDIST}\n")
    return root


# -- RUN lines -----------------------------------------------------------------------------------------------------


@dataclass
class RunLine:
    file: str  # relative to the suite root
    line: int  # 1-based line of the RUN: keyword
    command: str  # after the suite's substitutions, before lit's %s, %S, ...

    @property
    def key(self) -> str:
        return f"{self.file}:{self.line}"


def _run_commands(text: str) -> list[tuple[int, str]]:
    """(line, command) of each RUN: of a file, continuation lines (ending in a backslash) joined, as lit reads them."""
    result: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        m = re.search(r"\bRUN:(.*)$", line)
        if m is None:
            continue
        piece = m.group(1).rstrip()
        if pending is not None:
            start, command = pending
            pending = None
        else:
            start, command = number, ""
        if piece.endswith("\\"):
            pending = (start, command + piece[:-1])
            continue
        result.append((start, (command + piece).strip()))
    return result


def split_pipeline(command: str) -> list[str] | None:
    """The stages of a shell pipeline, or None when the line has other shell operators (`&&`, `;`, `||`, `&`)."""
    stages, current, quote, i = [], [], None, 0
    while i < len(command):
        c = command[i]
        if quote:
            if c == "\\" and quote == '"' and i + 1 < len(command):
                current.append(command[i : i + 2])
                i += 2
                continue
            if c == quote:
                quote = None
        elif c == "\\" and i + 1 < len(command):
            current.append(command[i : i + 2])
            i += 2
            continue
        elif c in "'\"":
            quote = c
        elif c == "|":
            if command[i + 1 : i + 2] == "|":
                return None
            stages.append("".join(current).strip())
            current = []
            i += 1
            continue
        elif c == ";" or c == "`" or (c == "&" and not (i > 0 and command[i - 1] in "<>")):
            return None
        current.append(c)
        i += 1
    stages.append("".join(current).strip())
    return stages if all(stages) else None


def _words(stage: str) -> list[str]:
    try:
        return shlex.split(stage)
    except ValueError:
        return []


def _program(stage: str) -> str | None:
    words = _words(stage)
    while words and words[0] == "not":
        words = words[1:]
    return words[0] if words else None


def selected(command: str) -> tuple[list[str], list[str]] | None:
    """(producer stages, filecheck stages) of a RUN line whose commands are all xdsl-opt then filecheck; else None."""
    stages = split_pipeline(command)
    if not stages:
        return None
    programs = [_program(s) for s in stages]
    k = next((i for i, p in enumerate(programs) if p == "filecheck"), len(programs))
    if k == 0 or any(p != "xdsl-opt" for p in programs[:k]) or any(p != "filecheck" for p in programs[k:]):
        return None
    return stages[:k], stages[k:]


class _LocalConfig:
    """What the suite's lit.local.cfg files set: whether lit runs the folder's tests here (a tool or module missing)."""

    def __init__(self):
        self.unsupported = False
        self.substitutions: list[tuple[str, str]] = []
        self.available_features: set[str] = set()
        self.environment: dict[str, str] = {}


def _unsupported(folder: Path, root: Path, known: dict[Path, bool]) -> bool:
    """Whether lit would mark the tests of `folder` unsupported: its lit.local.cfg and those of the folders above it,
    run as lit runs them, in this Python."""
    if folder not in known:
        config = _LocalConfig()
        chain = [folder, *folder.relative_to(root).parents]
        for part in reversed(chain):
            cfg = root / part / "lit.local.cfg" if part != folder else folder / "lit.local.cfg"
            if cfg.is_file():
                exec(compile(cfg.read_text(), str(cfg), "exec"), {"config": config, "lit_config": None})  # noqa: S102
        known[folder] = bool(config.unsupported)
    return known[folder]


def collect(root: Path) -> tuple[list[RunLine], int]:
    """The selected RUN lines of the suite under `root`, and the number of RUN lines in all."""
    lines: list[RunLine] = []
    total = 0
    known: dict[Path, bool] = {}
    for path in sorted(root.rglob("*")):
        if path.suffix not in SUFFIXES or not path.is_file() or path.name.startswith("lit."):
            continue
        text = path.read_text(errors="replace")
        if _unsupported(path.parent, root, known) or re.search(r"\b(REQUIRES|UNSUPPORTED|XFAIL):", text):
            total += len(_run_commands(text))
            continue
        for number, command in _run_commands(text):
            total += 1
            for name, value in CONFIG_SUBSTITUTIONS:
                command = re.sub(name, value, command)
            if selected(command) is not None:
                lines.append(RunLine(str(path.relative_to(root)), number, command))
    return lines, total


def substitute(command: str, source: Path, tmp_base: Path) -> str:
    """lit's default substitutions (%s, %S, %p, %t, %basename_t, %T, %%)."""
    table = [("%%", "#_MARKER_#"), ("%s", str(source)), ("%S", str(source.parent)), ("%p", str(source.parent)),
             ("%{pathsep}", os.pathsep), ("%basename_t", tmp_base.name), ("%t", f"{tmp_base}.tmp"),
             ("%T", str(tmp_base.parent))]  # fmt: skip
    for a, b in table:
        command = command.replace(a, b)
    return command.replace("#_MARKER_#", "%")


# -- running -------------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    rc: int
    stdout: str
    stderr: str
    filecheck_rc: int | None  # None: no filecheck stage
    seconds: float

    @property
    def passes(self) -> bool:
        return self.rc == 0 and self.filecheck_rc in (0, None)


@dataclass
class Result:
    run: RunLine
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    nondeterministic: bool = False  # xdsl-opt's own stdout differs from one run to the next (memory addresses)

    @property
    def same_stdout(self) -> bool:
        """The same stdout; for a line whose output varies from run to run, the same but for the numbers that vary."""
        a, b = self.xdsl.stdout, self.inrarch.stdout
        return a == b or (self.nondeterministic and _mask(a) == _mask(b))

    @property
    def xdsl(self) -> Outcome:
        return self.outcomes["xdsl-opt"]

    @property
    def inrarch(self) -> Outcome:
        return self.outcomes["inrarch-opt"]

    @property
    def identical(self) -> bool:
        a, b = self.xdsl, self.inrarch
        return (a.rc, a.stdout, a.stderr, a.passes) == (b.rc, b.stdout, b.stderr, b.passes)

    @property
    def expected(self) -> bool:
        """A difference by design (EXPECTED_DIFFERENCES)."""
        return self.run.key in EXPECTED_DIFFERENCES

    @property
    def regression(self) -> bool:
        """Passes with xdsl-opt, fails with inrarch-opt (not by design)."""
        return self.xdsl.passes and not self.inrarch.passes and not self.expected

    @property
    def accepts_more(self) -> bool:
        """Fails with xdsl-opt, passes with inrarch-opt."""
        return self.inrarch.passes and not self.xdsl.passes

    @property
    def compile_differs(self) -> bool:
        """xdsl-opt succeeds and inrarch-opt's exit status or program output is not the same (not by design)."""
        return (self.xdsl.rc == 0 and not self.expects_failure and not (self.inrarch.rc == 0 and self.same_stdout)
                and not self.expected)

    @property
    def error_text_only(self) -> bool:
        """Both drivers fail alike (exit status, lit verdict, output before the error); only the error's text differs
        (stderr, or the stdout that holds it with `2>&1`)."""
        failed = self.xdsl.rc != 0 or self.expects_failure
        return (failed and self.xdsl.rc == self.inrarch.rc and self.xdsl.passes == self.inrarch.passes
                and (self.xdsl.stdout == self.inrarch.stdout or "2>&1" in self.run.command))

    @property
    def expects_failure(self) -> bool:
        """The line runs xdsl-opt under lit's `not`: its exit status 0 means xdsl-opt failed."""
        return any(_words(stage)[:1] == ["not"] for stage in (selected(self.run.command) or ([], []))[0])

    def difference(self) -> str:
        a, b = self.xdsl, self.inrarch
        pairs = (("exit status", a.rc, b.rc), ("stdout", a.stdout, b.stdout), ("stderr", a.stderr, b.stderr))
        parts = [f"{what} differs" for what, x, y in pairs if x != y]
        if a.passes != b.passes:
            parts.append(f"lit: {'pass' if a.passes else 'FAIL'} with xdsl-opt, {'pass' if b.passes else 'FAIL'} "
                         "with inrarch-opt")  # fmt: skip
        return ", ".join(parts) or "identical"


def shim_dirs(cache: Path, programs: dict[str, Path] | None = None) -> dict[str, Path]:
    """A bin folder per driver holding `xdsl-opt` (the driver under that name) and lit's `not`. `programs` may name
    another program for a driver (an older inrarch-opt, to compare)."""
    dirs = {}
    for driver in DRIVERS:
        target = (programs or {}).get(driver, BIN / driver)
        d = cache / "bin" / f"{driver}-{hashlib.sha1(str(target).encode()).hexdigest()[:8]}"
        d.mkdir(parents=True, exist_ok=True)
        script = f'#!/bin/sh\nexec "{target}" "$@"\n'
        not_script = '#!/bin/sh\n"$@"\nstatus=$?\n[ $status -ne 0 ] && [ $status -lt 128 ]\n'
        for name, text in (("xdsl-opt", script), ("not", not_script)):
            path = d / name
            if not path.is_file() or path.read_text() != text:
                path.write_text(text)
                path.chmod(0o755)
        dirs[driver] = d
    return dirs


def _env(bin_dir: Path) -> dict[str, str]:
    env = {"PATH": os.pathsep.join([str(bin_dir), str(BIN), os.environ.get("PATH", "/usr/bin:/bin")])}
    for var in ("HOME", "TMPDIR", "LANG", "LC_ALL", "SYSTEMROOT"):
        if var in os.environ:
            env[var] = os.environ[var]
    return env


def _bash(command: str, cwd: Path, env: dict[str, str], stdin: str | None = None) -> tuple[int, str, str]:
    try:
        proc = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=cwd, env=env, input=stdin,
                              capture_output=True, text=True, errors="replace", timeout=TIMEOUT_S)  # fmt: skip
    except subprocess.TimeoutExpired as err:
        return 124, _text(err.stdout), _text(err.stderr) + f"\n[timed out after {TIMEOUT_S} s]"
    return proc.returncode, proc.stdout, proc.stderr


def _text(data: bytes | str | None) -> str:
    return data.decode(errors="replace") if isinstance(data, bytes) else (data or "")


def run_line(run: RunLine, root: Path, shims: dict[str, Path], scratch: Path, verdicts: bool = True) -> Result:
    """Runs `run` with both drivers. Without `verdicts`, filecheck runs only where the two outputs differ (the same
    output gets the same verdict, so the verdicts still compare; a line's own verdict is then not known)."""
    source = root / run.file
    producer, checks = selected(run.command)  # type: ignore[misc]

    def produce(driver: str, folder: str) -> tuple[int, str, str, float, dict[str, str], Path]:
        tmp = scratch / folder / hashlib.sha1(run.key.encode()).hexdigest()[:12] / source.name
        shutil.rmtree(tmp.parent, ignore_errors=True)
        tmp.parent.mkdir(parents=True)
        env = _env(shims[driver])
        start = time.perf_counter()
        rc, out, err = _bash(substitute(" | ".join(producer), source, tmp), source.parent, env)
        return rc, out, err, time.perf_counter() - start, env, tmp

    produced = {driver: produce(driver, driver) for driver in DRIVERS}
    differ = len({(p[0], p[1]) for p in produced.values()}) > 1
    verdict: dict[tuple[int, str], int] = {}  # filecheck reads only stdout: the same stdout, the same verdict
    result = Result(run)
    for driver, (rc, out, err, seconds, env, tmp) in produced.items():
        fc_rc = None
        if checks and (verdicts or differ):
            if (rc, out) not in verdict:
                verdict[(rc, out)] = _bash(substitute(" | ".join(checks), source, tmp), source.parent, env, out)[0]
            fc_rc = verdict[(rc, out)]
        result.outcomes[driver] = Outcome(rc, out, err, fc_rc, seconds)
    if result.xdsl.stdout != result.inrarch.stdout:  # does xdsl-opt itself print the same twice?
        result.nondeterministic = produce(DRIVERS[0], "again")[1] != result.xdsl.stdout
    return result


def _mask(text: str) -> str:
    """`text` with what changes from run to run (object ids, addresses) masked."""
    return re.sub(r"\b\d{9,}\b|\b0x[0-9a-fA-F]{8,}\b", "<N>", text)


def run_all(lines: list[RunLine], root: Path, cache: Path, jobs: int, verbose: bool = False,
            programs: dict[str, Path] | None = None, verdicts: bool = True) -> list[Result]:
    shims = shim_dirs(cache, programs)
    scratch = Path(tempfile.mkdtemp(prefix="xdsl-suite-", dir=cache))
    results: list[Result] = []
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(run_line, r, root, shims, scratch, verdicts) for r in lines]
            for i, future in enumerate(futures, 1):
                res = future.result()
                results.append(res)
                if verbose or not res.identical:
                    tag = "ok  " if res.identical else ("FAIL" if res.regression else "diff")
                    print(f"[{i}/{len(lines)}] {tag} {res.run.key}: {res.difference()}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


# -- the sample ----------------------------------------------------------------------------------------------------

SAMPLE_SIZE = 50


def _category(run: RunLine) -> str:
    if "--parsing-diagnostics" in run.command:
        return "parsing-diagnostics"
    if "--verify-diagnostics" in run.command:
        return "verify-diagnostics"
    return run.file.split("/")[0]


def sample(lines: list[RunLine], size: int = SAMPLE_SIZE) -> list[RunLine]:
    """A fixed, representative choice of `size` lines: every category (top folder: dialects, transforms,
    parser-printer, backend, ...; and the diagnostics modes) in proportion to its size, at least two of each, picked
    by a stable hash of the line's place so that the sample does not change from run to run."""
    lines = [r for r in lines if r.key not in EXPECTED_DIFFERENCES]
    groups: dict[str, list[RunLine]] = {}
    for run in lines:
        groups.setdefault(_category(run), []).append(run)
    for group in groups.values():
        group.sort(key=lambda r: hashlib.sha1(r.key.encode()).hexdigest())
    quota = {name: min(len(g), max(2, round(size * len(g) / len(lines)))) for name, g in groups.items()}
    while sum(quota.values()) > size:
        largest = max(quota, key=lambda n: quota[n])
        quota[largest] -= 1
    while sum(quota.values()) < size and any(quota[n] < len(g) for n, g in groups.items()):
        room = [n for n, g in groups.items() if quota[n] < len(g)]
        quota[max(room, key=lambda n: len(groups[n]) / (quota[n] + 1))] += 1
    chosen = [run for name, group in groups.items() for run in group[: quota[name]]]
    return sorted(chosen, key=lambda r: (r.file, r.line))


# -- the report ----------------------------------------------------------------------------------------------------


@dataclass
class Counts:
    total_run_lines: int
    selected: int
    identical: int
    differing: int
    error_text_only: int
    nondeterministic_same: int
    regressions: int
    accepts_more: int
    compile_differs: int
    pass_both: int
    fail_both: int


def count(results: list[Result], total: int) -> Counts:
    differing = [r for r in results if not r.identical]
    return Counts(
        total_run_lines=total,
        selected=len(results),
        identical=len(results) - len(differing),
        differing=len(differing),
        error_text_only=sum(1 for r in differing if r.error_text_only),
        nondeterministic_same=sum(1 for r in differing if r.nondeterministic and r.same_stdout
                                  and r.xdsl.rc == r.inrarch.rc),  # fmt: skip
        regressions=sum(r.regression for r in results),
        accepts_more=sum(r.accepts_more for r in results),
        compile_differs=sum(r.compile_differs for r in results),
        pass_both=sum(r.xdsl.passes and r.inrarch.passes for r in results),
        fail_both=sum(not r.xdsl.passes and not r.inrarch.passes for r in results),
    )


def _first_lines(text: str, n: int = 2) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    out = " / ".join(ln.strip() for ln in lines[-n:])
    return (out[:200] + "...") if len(out) > 200 else out


def report(results: list[Result], total: int, seconds: float) -> str:
    c = count(results, total)
    out = [
        "# inrarch-opt on xDSL's own test suite",
        "",
        f"Generated by `tools/xdsl_suite.py` on xDSL {XDSL_VERSION}'s `tests/filecheck/` (fetched from the package "
        "registry as its sdist; not copied into this repository). Every RUN line whose commands are all `xdsl-opt` "
        "(piped into `filecheck`) runs once with `xdsl-opt` and once with `inrarch-opt` in its place; exit status, "
        "stdout and stderr of the `xdsl-opt` stages are compared, and whether the line passes as lit runs it. "
        "xDSL's `xdsl-opt` here is the project's environment's, which also loads inrarch's dialects and passes "
        "through the `xdsl.universe` entry point.",
        "",
        "| | RUN lines |",
        "|---|---:|",
        f"| RUN lines in the suite | {c.total_run_lines} |",
        f"| run (all stages `xdsl-opt` / `filecheck`) | {c.selected} |",
        f"| identical (exit status, stdout, stderr, lit verdict) | {c.identical} |",
        f"| differing | {c.differing} |",
        f"| of which both fail alike and only the error's text differs (a located line where xdsl-opt prints a "
        f"traceback) | {c.error_text_only} |",
        f"| of which xdsl-opt's own output varies from run to run (object ids), the same otherwise | "
        f"{c.nondeterministic_same} |",
        f"| pass with `xdsl-opt`, fail with `inrarch-opt` (not by design) | {c.regressions} |",
        f"| fail with `xdsl-opt`, pass with `inrarch-opt` | {c.accepts_more} |",
        f"| `xdsl-opt` succeeds, `inrarch-opt`'s exit status or output not identical (not by design) | "
        f"{c.compile_differs} |",
        f"| pass with both / fail with both | {c.pass_both} / {c.fail_both} |",
        "",
        (f"Run time: {seconds:.0f} s. " if seconds else "")
        + "Run it again: `.venv/bin/python tools/xdsl_suite.py` (`--help` for a sample or a filter).",
        "",
    ]
    differing = [r for r in results if not r.identical]
    if differing:
        out += ["## Lines that differ", "", "| RUN line | difference | xdsl-opt's error | inrarch-opt's error |",
                "|---|---|---|---|"]  # fmt: skip
        for r in differing:
            what = r.difference()
            if r.nondeterministic:
                what += " (xdsl-opt's own output varies from run to run)"
            if r.expected:
                what += f" (by design: {EXPECTED_DIFFERENCES[r.run.key]})"
            merged = "2>&1" in r.run.command  # the error is on stdout
            cells = [r.run.key, what] + [_first_lines(o.stdout if merged else o.stderr) if o.rc or r.expects_failure
                                         else "" for o in (r.xdsl, r.inrarch)]  # fmt: skip
            out.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
        out.append("")
    failing_both = [r for r in results if not r.xdsl.passes and not r.inrarch.passes]
    if failing_both:
        out += ["## Lines that fail with both drivers", "",
                "(lit would fail them with plain `xdsl-opt` too in this environment.)", ""]  # fmt: skip
        out += [f"- `{r.run.key}`: {_first_lines(r.xdsl.stderr, 1) or 'filecheck fails'}" for r in failing_both]
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the sdist is kept and extracted")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "xdsl-suite.md")
    parser.add_argument("--no-report", action="store_true", help="print the counts only")
    parser.add_argument("--json", type=Path, help="also write every outcome as JSON")
    parser.add_argument("--sample", action="store_true", help=f"only the {SAMPLE_SIZE}-line sample of the pytest test")
    parser.add_argument("--filter", help="only RUN lines whose FILE:LINE matches this regular expression")
    parser.add_argument("--from-json", type=Path, help="count and report the outcomes an earlier --json wrote")
    parser.add_argument("--fetch-only", action="store_true", help="fetch and extract the suite, run nothing")
    parser.add_argument("--inrarch-opt", type=Path, help="the program to run as inrarch-opt (default: the venv's)")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    try:
        root = suite_root(args.cache)
    except SuiteUnavailable as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.fetch_only:
        print(root)
        return 0
    lines, total = collect(root)
    if args.from_json:  # the outcomes of an earlier run (--json), counted and reported again
        keep = {r.key for r in lines}
        results = [Result(RunLine(**e["run"]), {d: Outcome(**e[d]) for d in DRIVERS}, e.get("nondeterministic", False))
                   for e in json.loads(args.from_json.read_text()) if RunLine(**e["run"]).key in keep]  # fmt: skip
        print(json.dumps(asdict(count(results, total))))
        if not args.no_report:
            args.report.write_text(report(results, total, 0.0) + "\n")
        return 0
    if args.sample:
        lines = sample(lines)
    if args.filter:
        lines = [r for r in lines if re.search(args.filter, r.key)]
    start = time.perf_counter()
    programs = {"inrarch-opt": args.inrarch_opt.resolve()} if args.inrarch_opt else None
    results = run_all(lines, root, args.cache, args.jobs, args.verbose, programs)
    seconds = time.perf_counter() - start
    c = count(results, total)
    print(json.dumps(asdict(c)))
    if args.json:
        args.json.write_text(json.dumps([{"run": asdict(r.run), "nondeterministic": r.nondeterministic,
                                          **{d: asdict(o) for d, o in r.outcomes.items()}}
                                         for r in results], indent=1))  # fmt: skip
    if not args.no_report:
        args.report.write_text(report(results, total, seconds) + "\n")
        print(f"wrote {args.report}", file=sys.stderr)
    return 1 if c.regressions or c.compile_differs or c.accepts_more else 0


if __name__ == "__main__":
    sys.exit(main())
