"""Writing files: the one file a user names (`-o FILE`: exactly that file, atomically, never through a link or over
a special file), and folders inrarch fills file by file (`OutputFolder`). Project folders, written whole, are
`inrarch.targets.hls.project.write_folder`."""

from __future__ import annotations

import contextlib
import io
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


def inside(folder: str, name: str) -> str | None:
    """The path of `name` in `folder` if it stays there without passing through a symbolic link: a relative path
    without `..`, each folder on its way a real folder (or not there yet). None otherwise."""
    if not name or os.path.isabs(name) or name != os.path.normpath(name) or name.split(os.sep)[0] == "..":
        return None
    path = folder
    for part in name.split(os.sep)[:-1]:
        if part in ("", ".", ".."):
            return None
        path = os.path.join(path, part)
        if os.path.islink(path) or (os.path.lexists(path) and not os.path.isdir(path)):
            return None
    return os.path.join(folder, name)


def tree(root: str) -> dict:
    """Every file, folder and link under root with its bytes or target (links are not followed): a snapshot to
    compare before and after a write."""
    out = {}
    for base, dirs, names in os.walk(root):
        for name in dirs + names:
            path = os.path.join(base, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                out[rel] = ("link", os.readlink(path))
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    out[rel] = ("file", f.read())
            else:
                out[rel] = ("dir", None)
    return out


OUTPUTS_MARKER = ".inrarch-outputs"


class OutputFolder:
    """A folder that inrarch fills file by file (the demo's pictures, an edit, a benchmark's tables): each file is
    written atomically, never through a link or over a special file, never outside the folder, and never over a
    file the folder's marker does not list as inrarch's. The marker (`.inrarch-outputs`, or the name given) lists
    every file written, and is rewritten after each one, so a run cut short still knows its files."""

    def __init__(self, path: str, marker: str = OUTPUTS_MARKER, what: str = "the outputs"):
        self.path = os.path.abspath(path)
        self.what = what
        if os.path.islink(self.path) or (os.path.lexists(self.path) and not os.path.isdir(self.path)):
            raise CompileError(f"cannot write {what} to {path}: it exists and is not a folder")
        parent = os.path.dirname(self.path)
        if not os.path.isdir(parent):
            os.makedirs(parent, exist_ok=True)
        os.makedirs(self.path, exist_ok=True)
        self.marker = os.path.join(self.path, marker)
        if os.path.islink(self.marker) or (os.path.lexists(self.marker) and not os.path.isfile(self.marker)):
            raise CompileError(f"cannot write {what} to {path}: its {marker} is not a regular file")
        self.listed: set[str] = set()
        if os.path.isfile(self.marker):
            with open(self.marker) as f:
                self.listed = {ln.strip() for ln in f if ln.strip() and not ln.startswith("#")}

    def check(self, name: str) -> str:
        """The path `name` would be written to; a CompileError if writing it could touch a file not inrarch's."""
        path = inside(self.path, name)
        if path is None:
            raise CompileError(f"cannot write {name} in {self.path}: the way there leaves the folder or passes "
                               "through a symbolic link or a file")  # fmt: skip
        if os.path.lexists(path):
            if os.path.islink(path) or not os.path.isfile(path):
                raise CompileError(f"cannot write {path}: it is a link, a folder or a special file, which inrarch "
                                   "never replaces")  # fmt: skip
            if name not in self.listed:
                raise CompileError(f"cannot write {path}: it exists and inrarch did not write it")
        return path

    def write(self, name: str, data: bytes | str) -> str:
        """Writes `name` (a path relative to the folder); returns its path."""
        path = self.check(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.listed.add(name)
        write_file(path, data.encode() if isinstance(data, str) else data)
        text = "# written by inrarch: the files inrarch replaces here\n" + "".join(f"{n}\n" for n in sorted(self.listed))
        write_file(self.marker, text.encode())
        return path

    @contextlib.contextmanager
    def open_text(self, name: str):
        """`with folder.open_text(name) as f:` a text stream; `name` is written (checked first) when the block ends
        without an error."""
        self.check(name)
        buf = io.StringIO(newline="")
        yield buf
        self.write(name, buf.getvalue())

    def save_figure(self, name: str, fig, **kw) -> str:
        """A matplotlib figure as `name` (PNG)."""
        buf = io.BytesIO()
        fig.savefig(buf, format="png", **kw)
        return self.write(name, buf.getvalue())

    def save_image(self, name: str, image, **kw) -> str:
        """An array as a PNG picture (matplotlib's imsave; `kw` as there)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        plt.imsave(buf, image, format="png", **kw)
        return self.write(name, buf.getvalue())
