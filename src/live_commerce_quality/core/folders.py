"""Replacing a whole folder so that a reader, or a crash, never finds it missing.

An evaluation folder is replaced whole by a re-run. Two renames (old aside, new in place)
leave a moment with no folder at all, and a process killed in that moment leaves none until
someone notices. On Linux, `renameat2(RENAME_EXCHANGE)` swaps the two folders in one atomic
step; where it is not available, the two renames are used and the next replacement puts
back a folder that a killed run left aside.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _renameat2():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        return libc.renameat2  # glibc >= 2.28
    except (AttributeError, OSError, TypeError):
        return None


_RENAMEAT2 = _renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically; False where the system cannot."""
    if _RENAMEAT2 is None:
        return False
    done = _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if done == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this file system cannot exchange
        return False
    raise OSError(errno, os.strerror(errno), str(a), None, str(b))


def aside(final: Path) -> Path:
    return final.parent / f".{final.name}.old"


def restore_aside(final: Path) -> None:
    """Repair what a killed replacement left: a folder moved aside and nothing in its place
    is put back; one left aside after the new folder was in place is removed."""
    old = aside(final)
    if old.exists() and not final.exists():
        os.replace(old, final)
    elif old.exists():
        shutil.rmtree(old)


def replace_folder(new: Path, final: Path) -> None:
    """Move the folder `new` (beside `final`, same file system) to `final`, replacing any
    folder there; a reader sees the old folder or the new one, whole."""
    restore_aside(final)
    if not final.exists():
        os.replace(new, final)
    elif exchange(new, final):
        shutil.rmtree(new)  # the old folder, now under the new one's name
    else:
        old = aside(final)
        os.replace(final, old)
        os.replace(new, final)
        shutil.rmtree(old)
