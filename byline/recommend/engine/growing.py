"""Arrays that grow by a row per publish without being copied each time.

A publish appends one doc to the index: its term row, its dense row, its line of the neighbour
graph. ``np.vstack`` / ``sp.vstack`` copy the whole array to do that (at 100,000 docs the term
matrix alone is some 170 MB: most of a publish's time). Here the arrays the index holds are views of
the front of a larger buffer; an append writes into the room behind them and returns a longer view,
so a publish copies only when the room runs out (then an eighth more than needed is set aside).

The buffers live in the owner's ``_room`` (never pickled: a loaded index has tight arrays and gets
room on its first publish). Only an array that is still the view last returned for its key is
extended in place; any other array (replaced, edited, shared with a copy of the index) gets a new
buffer, so a view handed out earlier never sees its contents change.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def room(owner) -> dict:
    """The owner's buffers (created on first use, so an index pickled without them works)."""
    return owner.__dict__.setdefault("_room", {})


def state_without_room(owner) -> dict:
    """For ``__getstate__``: the owner's attributes less its buffers."""
    state = dict(owner.__dict__)
    state.pop("_room", None)
    return state


def _extends(arr: np.ndarray, buffer: np.ndarray | None, need: int) -> bool:
    """Whether ``arr`` is a front view of ``buffer`` that has room for ``need`` rows in all."""
    return (
        buffer is not None
        and arr.base is buffer
        and arr.ctypes.data == buffer.ctypes.data
        and arr.dtype == buffer.dtype
        and arr.shape[1:] == buffer.shape[1:]
        and len(buffer) >= need
    )


def appended(rooms: dict, key: str, arr: np.ndarray, new: np.ndarray) -> np.ndarray:
    """``np.concatenate([arr, new])`` (rows), written into the room behind ``arr`` when it has some."""
    n, need = len(arr), len(arr) + len(new)
    buffer = rooms.get(key)
    if not _extends(arr, buffer, need):
        buffer = np.empty((need + max(16, need // 8), *arr.shape[1:]), arr.dtype)
        buffer[:n] = arr
        rooms[key] = buffer
    buffer[n:need] = new
    return buffer[:need]


def appended_rows(rooms: dict, X: sp.csr_matrix, rows: sp.csr_matrix) -> sp.csr_matrix:
    """``sp.vstack([X, rows])`` for CSR matrices with sorted indices (the result is sorted too)."""
    rows = rows.tocsr()
    if X.nnz + rows.nnz > np.iinfo(X.indptr.dtype).max:  # past int32: scipy picks wider indices (a copy)
        return sp.vstack([X, rows], format="csr")
    data = appended(rooms, "X.data", X.data[: X.nnz], rows.data.astype(X.data.dtype, copy=False))
    indices = appended(rooms, "X.indices", X.indices[: X.nnz], rows.indices.astype(X.indices.dtype, copy=False))
    indptr = appended(rooms, "X.indptr", X.indptr, (X.nnz + rows.indptr[1:]).astype(X.indptr.dtype))
    out = sp.csr_matrix((data, indices, indptr), shape=(X.shape[0] + rows.shape[0], X.shape[1]), copy=False)
    out.has_sorted_indices = True
    return out
