# lit configuration: FileCheck tests of inrarch's dialects, passes, printers and tools live under test/.
import os
import shutil

import lit.formats

config.name = "inrarch"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
root = os.path.dirname(os.path.abspath(__file__))
config.test_source_root = root
config.test_exec_root = os.path.join(root, "build", "lit")
# lit tests live under test/ (run `lit test`); test/python is pytest's, Inputs folders hold data for tests.
config.excludes = [".venv", "build", "python", "Inputs", "docs", "inrarch"]

# Run the tools of the environment lit itself runs in (the project's .venv).
import sys  # noqa: E402

bin_dir = os.path.dirname(sys.executable)
config.environment["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
for var in ("HOME", "TMPDIR", "INRARCH_DEBUG"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
if shutil.which("filecheck", path=config.environment["PATH"]) is None:
    lit_config.fatal("the `filecheck` command is missing: install the project with its test extras")
config.substitutions.append(("%inputs", os.path.join(root, "test", "Inputs")))
