"""The code each side runs: a git ref extracted with `git archive`, or a snapshot of a
directory's `ticketd/` taken once at the start (so edits made during the run do not
change what later rounds measure)."""

import hashlib
import io
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Side:
    label: str  # "before" or "after"
    given: str  # the ref or directory as given
    src: Path  # holds ticketd/; goes on PYTHONPATH
    commit: str  # the commit (for a directory: its HEAD)
    note: str  # how the code was obtained, and whether it differs from `commit`
    tree_hash: str  # sha256 over ticketd/*.py and other package files, to compare sides


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def tree_hash(src: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted((src / "ticketd").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(src)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def extract_ref(repo: Path, ref: str, dest: Path) -> str:
    commit = git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}")
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", commit],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return commit


def snapshot_dir(directory: Path, dest: Path) -> tuple[str, str]:
    """Copy directory/ticketd; (HEAD commit, what differs from it)."""
    if not (directory / "ticketd" / "__init__.py").is_file():
        raise SystemExit(f"{directory} has no ticketd/ package")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(directory / "ticketd", dest / "ticketd", ignore=ignore)
    try:
        commit = git(directory, "rev-parse", "HEAD")
        changed = git(directory, "status", "--porcelain", "--", "ticketd").splitlines()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "unknown", "not a git checkout"
    dirty = f"{len(changed)} uncommitted change(s) under ticketd/" if changed else "clean"
    return commit, dirty


def prepare(label: str, given: str, repo: Path, workdir: Path) -> Side:
    dest = workdir / label
    dest.mkdir(parents=True)
    if Path(given).is_dir():
        directory = Path(given).resolve()
        commit, dirty = snapshot_dir(directory, dest)
        note = f"working tree of {directory} (HEAD {commit[:9]}, {dirty}), copied at start"
    else:
        commit = extract_ref(repo, given, dest)
        note = f"git archive of {given}"
    return Side(label, given, dest.resolve(), commit, note, tree_hash(dest))
