"""All outputs of a run, or none: files are written into a staging folder beside the target
and moved into place only when every one of them was written. A lock file stops a second
concurrent run on the same output folder (exit 75)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from ..diagnostics import Diagnostic, Location, RunLocked


@contextlib.contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    out_dir.mkdir(parents=True, exist_ok=True)
    lock_path = out_dir / ".lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
        os.close(fd)
        raise RunLocked(Diagnostic("run-locked", f"another run holds the output folder ({holder})", Location(str(lock_path)), hint="wait for it to finish; runs on one folder never overlap")) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"incentive run, pid {os.getpid()}".encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)


def recover(out_dir: Path, name: str) -> None:
    """A run killed between the two renames of :func:`commit` leaves the previous outputs
    under a '.previous-' name: put them back. Stale staging folders are removed."""
    final = out_dir / name
    for p in sorted(out_dir.glob(f".previous-{name}-*")):
        if not final.exists():
            p.rename(final)
        else:
            shutil.rmtree(p, ignore_errors=True)
    for p in out_dir.glob(f".staging-{name}-*"):
        shutil.rmtree(p, ignore_errors=True)


def staging_dir(out_dir: Path, name: str) -> Path:
    d = out_dir / f".staging-{name}-{os.getpid()}"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    return d


def fsync_tree(d: Path) -> None:
    for p in d.rglob("*"):
        if p.is_file():
            with p.open("rb") as f:
                os.fsync(f.fileno())


FINAL_MARKER = "FINAL"


def is_final(out_dir: Path, name: str) -> bool:
    return (out_dir / name / FINAL_MARKER).is_file()


def final_check(out_dir: Path, name: str, force: bool) -> Diagnostic | None:
    if is_final(out_dir, name) and not force:
        return Diagnostic("period-final", f"the outputs of {name} are marked final (paid); they are never overwritten", Location(str(out_dir / name / FINAL_MARKER)),
                          hint="correct a paid period through the next open period; or run with --force, which keeps the final outputs beside the new ones")
    return None


def mark_final(out_dir: Path, name: str, run_sha256: str) -> Path:
    """Marks a period's outputs final: a small file written atomically (no clock in it)."""
    marker = out_dir / name / FINAL_MARKER
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(f'{{"period": "{name}", "run_json_sha256": "{run_sha256}"}}\n', encoding="utf-8")
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    tmp.rename(marker)
    return marker


def superseded_name(out_dir: Path, name: str) -> Path:
    n = 1
    while (out_dir / f"{name}.superseded-{n}").exists():
        n += 1
    return out_dir / f"{name}.superseded-{n}"


def commit(stage: Path, out_dir: Path, name: str) -> Path:
    """Moves the staged outputs into place. Outputs marked final are kept beside the new ones
    (``<period>.superseded-N``), never deleted; others are replaced."""
    final = out_dir / name
    fsync_tree(stage)
    previous = out_dir / f".previous-{name}-{os.getpid()}"
    if final.exists():
        final.rename(superseded_name(out_dir, name) if is_final(out_dir, name) else previous)
    stage.rename(final)
    if previous.exists():
        shutil.rmtree(previous, ignore_errors=True)
    dfd = os.open(out_dir, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
    return final


def abandon(stage: Path) -> None:
    shutil.rmtree(stage, ignore_errors=True)
