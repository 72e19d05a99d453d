"""Project folders: inrarch never deletes or overwrites a file it did not write. A project goes to a new or empty
folder, or, with --force, replaces the files an earlier inrarch project listed in its marker; anything else in
the way is a one-line error that leaves every file as it was."""

import os
import stat
import subprocess
import sys

import pytest

import inrarch
from inrarch.apps import models
from inrarch.diagnostics import CompileError
from inrarch.targets.hls.project import MARKER
from model_kinds import sample_input


def _snapshot(folder):
    out = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, folder)] = f.read()
    return out


def _user_folder(path):
    path.mkdir()
    (path / "Makefile").write_text("all:\n\techo mine\n")
    (path / "data").mkdir()
    (path / "data" / "mydata.bin").write_bytes(b"\x01\x02")
    (path / "keep.txt").write_text("keep me")
    return _snapshot(path)


@pytest.fixture(scope="module")
def tiny():
    return models.siren(2, 4, 1, 1), sample_input(4, 2)


def _compile(tiny, out, **kw):
    model, x = tiny
    return inrarch.compile(model, x, order=1, out_dir=str(out), **kw)


def test_a_folder_with_user_files_is_refused_and_left_alone(tiny, tmp_path):
    before = _user_folder(tmp_path / "prj")
    with pytest.raises(CompileError, match="holds files inrarch did not write"):
        _compile(tiny, tmp_path / "prj")
    with pytest.raises(CompileError, match="holds files inrarch did not write"):
        _compile(tiny, tmp_path / "prj", force=True)  # --force never applies to a folder inrarch did not write
    assert _snapshot(tmp_path / "prj") == before
    assert sorted(os.listdir(tmp_path)) == ["prj"]  # no temporary folder left behind


def test_the_working_directory_is_never_replaced(tiny, tmp_path, monkeypatch):
    before = _user_folder(tmp_path / "work")
    monkeypatch.chdir(tmp_path / "work")
    with pytest.raises(CompileError, match="holds files inrarch did not write"):
        _compile(tiny, ".")
    assert _snapshot(tmp_path / "work") == before


def test_a_regular_file_as_the_folder_is_an_error(tiny, tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(CompileError, match="exists and is not a folder"):
        _compile(tiny, tmp_path / "afile")
    assert (tmp_path / "afile").read_text() == "x"


def test_an_inrarch_project_is_replaced_only_with_force_and_user_files_stay(tiny, tmp_path):
    out = tmp_path / "prj"
    _compile(tiny, out)
    assert (out / MARKER).is_file() and "forward_grad.cpp" in (out / MARKER).read_text()
    (out / "notes.txt").write_text("my notes")
    (out / "build").mkdir()
    (out / "build" / "vitis.log").write_text("a Vitis run")
    with pytest.raises(CompileError, match="holds an inrarch project: pass --force"):
        _compile(tiny, out)
    _compile(tiny, out, force=True)
    assert (out / "notes.txt").read_text() == "my notes"
    assert (out / "build" / "vitis.log").read_text() == "a Vitis run"
    assert (out / "forward_grad.cpp").is_file()


def test_a_user_file_where_inrarch_writes_blocks_the_replacement(tiny, tmp_path):
    out = tmp_path / "prj"
    _compile(tiny, out)
    manifest = (out / MARKER).read_text().replace("report.txt\n", "")  # as if an older inrarch had not written it
    (out / MARKER).write_text(manifest)
    (out / "report.txt").write_text("the user's report")
    with pytest.raises(CompileError, match="report.txt there was not written by inrarch"):
        _compile(tiny, out, force=True)
    assert (out / "report.txt").read_text() == "the user's report"
    assert (out / MARKER).is_file()


def test_an_empty_folder_is_used_and_permissions_are_ordinary(tiny, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    _compile(tiny, out)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o777 & ~umask
    new = tmp_path / "new"
    _compile(tiny, new)
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o777 & ~umask


def test_inrarch_opt_refuses_a_user_folder_in_one_line(tiny, tmp_path):
    model, x = tiny
    (tmp_path / "d.mlir").write_text(str(inrarch.differentiate(model, x, order=1)))
    before = _user_folder(tmp_path / "prj")
    proc = subprocess.run([sys.executable, "-m", "inrarch.opt", str(tmp_path / "d.mlir"), "--dataflow-lower=quiet=true",
                           "-t", f'hls{{out="{tmp_path / "prj"}"}}'], capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "holds files inrarch did not write" in proc.stderr
    assert proc.stdout == ""
    assert _snapshot(tmp_path / "prj") == before


def test_inrarch_compile_cli_force(tiny, tmp_path):
    out = tmp_path / "prj"
    factory = os.path.join(os.path.dirname(__file__), "..", "Inputs", "models.py") + ":tiny_siren"
    cmd = [sys.executable, "-m", "inrarch.cli", "compile", factory, "--order", "1", "--input-shape", "8,2", "-o",
           str(out)]  # fmt: skip
    assert subprocess.run(cmd, capture_output=True, text=True).returncode == 0
    again = subprocess.run(cmd, capture_output=True, text=True)
    assert again.returncode == 1 and again.stderr.strip().endswith("pass --force (force=True) to replace the files "
                                                                   "inrarch wrote there")  # fmt: skip
    assert subprocess.run([*cmd, "--force"], capture_output=True, text=True).returncode == 0


def _tree(root):
    from inrarch.files import tree

    return tree(root)


def _write(out_dir, force=True):
    from inrarch.targets.hls.project import write_folder

    return write_folder(str(out_dir), {"a.txt": "new a\n", "data/b.bin": b"new b"}, None, force)


@pytest.mark.parametrize("entry", ["../v.txt", "../../v.txt", "data/../../v.txt", "{abs}", "./../v.txt", "data/../../../v.txt"])
def test_a_tampered_marker_never_reaches_outside(tmp_path, entry):
    """--force deletes only the files inrarch listed, and only inside the folder: an entry naming a file outside it
    (through .., or absolute) is ignored, and that file stays."""
    outside = tmp_path / "v.txt"
    outside.write_text("the user's")
    prj = tmp_path / "a" / "p"
    prj.parent.mkdir()
    _write(prj, force=False)
    with open(prj / MARKER, "a") as f:
        f.write(entry.format(abs=str(outside)) + "\n")
    (tmp_path / "a" / "v.txt").write_text("also the user's")
    _write(prj)
    assert outside.read_text() == "the user's" and (tmp_path / "a" / "v.txt").read_text() == "also the user's"
    assert (prj / "a.txt").read_text() == "new a\n"


def test_symlinks_in_a_project_are_never_followed(tmp_path):
    """A folder of the project replaced by a link to a folder outside, or a listed file replaced by a link: --force
    refuses, and nothing outside changes (a link is neither written through nor deleted)."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "b.bin").write_bytes(b"the user's b")
    (elsewhere / "a.txt").write_text("the user's a")
    prj = tmp_path / "p"
    _write(prj, force=False)
    import shutil

    shutil.rmtree(prj / "data")
    os.symlink(elsewhere, prj / "data")
    before = _tree(tmp_path)
    with pytest.raises(CompileError, match="passes through a symbolic link"):
        _write(prj)
    assert _tree(tmp_path) == before
    os.remove(prj / "data")
    (prj / "data").mkdir()
    (prj / "data" / "b.bin").write_bytes(b"old b")
    os.remove(prj / "a.txt")
    os.symlink(elsewhere / "a.txt", prj / "a.txt")
    before = _tree(tmp_path)
    with pytest.raises(CompileError, match="a.txt there is no longer a regular file inrarch wrote"):
        _write(prj)
    assert _tree(tmp_path) == before


# -- property: random user trees, links and tampered markers -----------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_NAMES = ["a.txt", "data", "data/b.bin", "data/c.bin", "x.txt", "sub", "sub/y.txt", "sub/data", "sub/data/b.bin"]
_ENTRY = st.sampled_from(["a.txt", "data/b.bin", "x.txt", "sub/y.txt", "../o.txt", "../../o.txt", "data/../../o.txt",
                          "./../o.txt", "{outside}/o.txt", "{outside}/d/f.txt", "data", "sub", "", ".", "..",
                          "data/./b.bin", "sub/../a.txt", "{outside}"])  # fmt: skip
_CHANGE = st.one_of(
    st.tuples(st.just("marker"), _ENTRY),  # an entry appended to the marker
    st.tuples(st.just("file"), st.sampled_from(_NAMES)),  # a user file (where the way is free)
    st.tuples(st.just("link"), st.sampled_from(_NAMES),
              st.sampled_from(["{outside}/o.txt", "{outside}/d", "{outside}", "/dev/null", "nowhere"])),  # fmt: skip
    st.tuples(st.just("remove"), st.sampled_from(_NAMES)),
)


def _apply(prj, outside, change):
    import shutil

    kind, name = change[0], change[1]
    if kind == "marker":
        with open(prj / MARKER, "a") as f:
            f.write(name.format(outside=outside) + "\n")
        return
    path = prj / name
    if not all(p.is_dir() and not p.is_symlink() for p in path.parents if prj in p.parents or p == prj):
        return  # the way to it is not a real folder
    if kind == "remove":
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
    elif kind == "file" and not os.path.lexists(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"the user's {name}")
    elif kind == "link" and not os.path.lexists(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(change[2].format(outside=outside), path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(_CHANGE, max_size=8), force=st.booleans())
def test_random_trees_links_and_markers_never_reach_outside(changes, force):
    """Whatever a user (or an attacker) does to a project folder between two writes (user files, links to files and
    folders outside, removed files, marker entries that leave the folder or name folders), writing the project
    again changes nothing outside the folder, and inside it only the files the marker lists: every other file and
    link stays byte for byte. The write either succeeds (then the project's files are the new ones) or is a
    CompileError."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = __import__("pathlib").Path(tmp)
        outside = root / "outside"
        (outside / "d").mkdir(parents=True)
        (outside / "o.txt").write_text("the user's o")
        (outside / "d" / "f.txt").write_text("the user's f")
        prj = root / "p"
        _write(prj, force=False)
        for change in changes:
            _apply(prj, outside, change)
        listed = set(open(prj / MARKER).read().split("\n")) if (prj / MARKER).is_file() else set()
        before_outside = _tree(outside)
        before_inside = {k: v for k, v in _tree(prj).items() if k not in listed and k != MARKER}
        try:
            _write(prj, force=force)
        except CompileError:
            ok = False
        else:
            ok = True
        assert _tree(outside) == before_outside
        after_inside = _tree(prj)
        for name, value in before_inside.items():
            if value[0] == "dir":
                continue  # (a folder may gain the project's files)
            assert after_inside.get(name) == value, name
        if ok:
            assert (prj / "a.txt").read_text() == "new a\n" and (prj / "data" / "b.bin").read_bytes() == b"new b"
            assert not (prj / "a.txt").is_symlink() and not (prj / "data").is_symlink()


def test_output_folders_write_only_their_own_files(tmp_path):
    """The folders inrarch fills file by file (demo pictures, edits, benchmark tables): a file is written atomically
    and listed in the folder's marker; one that exists but is not listed, a link (even to a listed name), a special
    file or a name leaving the folder is refused, and nothing changes."""
    from inrarch.files import OUTPUTS_MARKER, OutputFolder

    out = tmp_path / "out"
    folder = OutputFolder(str(out))
    folder.write("a.txt", "one")
    with folder.open_text("t/b.csv") as f:
        f.write("x,y\r\n")
    assert (out / "a.txt").read_text() == "one" and (out / "t" / "b.csv").read_bytes() == b"x,y\r\n"
    assert {"a.txt", "t/b.csv"} <= set((out / OUTPUTS_MARKER).read_text().split("\n"))
    OutputFolder(str(out)).write("a.txt", "two")  # listed: replaced by a later run
    assert (out / "a.txt").read_text() == "two"
    (out / "mine.txt").write_text("the user's")
    outside = tmp_path / "outside.txt"
    outside.write_text("the user's")
    os.remove(out / "a.txt")
    os.symlink(outside, out / "a.txt")
    before = _tree(tmp_path)
    folder = OutputFolder(str(out))
    for name, message in (("mine.txt", "exists and inrarch did not write it"), ("a.txt", "is a link"),
                          ("../outside.txt", "leaves the folder"), (str(outside), "leaves the folder")):  # fmt: skip
        with pytest.raises(CompileError, match=message):
            folder.write(name, "three")
    assert _tree(tmp_path) == before
    os.symlink(tmp_path, out / "up")
    with pytest.raises(CompileError, match="passes through a symbolic link"):
        folder.write("up/outside.txt", "three")
    with pytest.raises(CompileError, match="it exists and is not a folder"):
        OutputFolder(str(out / "up"))
    assert outside.read_text() == "the user's"
