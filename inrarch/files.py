"""Writing the one file a user names (`-o FILE`): exactly that file, atomically, and never through a link or over
a special file."""

from __future__ import annotations

import os
import tempfile

from inrarch.diagnostics import CompileError


def write_file(path: str, data: bytes) -> None:
    """Writes exactly `path` (the file the user named), atomically: a failed write leaves nothing behind."""
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise CompileError(f"cannot write {path}: directory {parent} does not exist")
    if os.path.isdir(path):
        raise CompileError(f"cannot write {path}: it is a folder")
    if os.path.islink(path) or (os.path.lexists(path) and not os.path.isfile(path)):
        raise CompileError(f"cannot write {path}: it is a link or a special file, which inrarch never replaces")
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".partial", dir=parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
