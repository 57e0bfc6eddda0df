"""Giving freed memory back to the operating system between fusion's stages.

Fusion's stages make and drop large numpy arrays and millions of small objects in turn. The C allocator
(glibc's malloc) keeps what is freed for reuse, and keeps pages in the middle of its heap resident as long
as anything above them lives; by the end of a million observations about a fifth of the process's memory
is freed-but-held. `malloc_trim(0)` hands those pages back (the approach Dask's workers use for the same
"unmanaged memory"). It takes milliseconds; elsewhere than glibc it is a no-op."""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def give_back() -> bool:
    """Return the allocator's free pages to the system; False where the allocator cannot."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
