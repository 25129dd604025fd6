# Shared template of the hybrid._rolling_* modules (included, not compiled on
# its own).  The including module has cimported numpy as cnp, called
# cnp.import_array() and defined:
#   ctypedef ... dtype_t         element type of the input
#   ctypedef ... acc_t           accumulator type of rolling_sum
#   cdef int DTYPE_NUM, ACC_NUM  their numpy type numbers
#   DTYPE                        the dtype's name, for Python

cdef cnp.ndarray _as_input(object values):
    # No forced cast: a float list given to the int64 module is a TypeError.
    return cnp.PyArray_FROMANY(values, DTYPE_NUM, 1, 1, cnp.NPY_ARRAY_IN_ARRAY)


cdef cnp.npy_intp _check_window(cnp.npy_intp n, Py_ssize_t window) except -1:
    if window < 1 or window > n:
        raise ValueError(f"window must be in 1..{n}, got {window}")
    return n - window + 1


def rolling_sum(values, Py_ssize_t window):
    """Sum of each full window (n - window + 1 values) in the accumulator
    type: float64 for float64 input, int64 for int64 and uint8 input."""
    cdef cnp.ndarray arr = _as_input(values)
    cdef const dtype_t *x = <const dtype_t *>cnp.PyArray_DATA(arr)
    cdef cnp.npy_intp n = cnp.PyArray_DIM(arr, 0)
    cdef cnp.npy_intp m = _check_window(n, window)
    cdef cnp.ndarray out = cnp.PyArray_EMPTY(1, &m, ACC_NUM, 0)
    cdef acc_t *o = <acc_t *>cnp.PyArray_DATA(out)
    cdef acc_t acc = 0
    cdef cnp.npy_intp i
    with nogil:
        for i in range(window):
            acc += <acc_t>x[i]
        o[0] = acc
        for i in range(window, n):
            acc += <acc_t>x[i] - <acc_t>x[i - window]
            o[i - window + 1] = acc
    return out


def rolling_mean(values, Py_ssize_t window):
    """Mean of each full window, as float64."""
    cdef cnp.ndarray sums = rolling_sum(values, window)
    cdef const acc_t *s = <const acc_t *>cnp.PyArray_DATA(sums)
    cdef cnp.npy_intp m = cnp.PyArray_DIM(sums, 0)
    cdef cnp.ndarray out = cnp.PyArray_EMPTY(1, &m, cnp.NPY_FLOAT64, 0)
    cdef double *o = <double *>cnp.PyArray_DATA(out)
    cdef cnp.npy_intp i
    with nogil:
        for i in range(m):
            o[i] = <double>s[i] / window
    return out


def rolling_max(values, Py_ssize_t window):
    """Maximum of each full window, in the input's dtype."""
    cdef cnp.ndarray arr = _as_input(values)
    cdef const dtype_t *x = <const dtype_t *>cnp.PyArray_DATA(arr)
    cdef cnp.npy_intp n = cnp.PyArray_DIM(arr, 0)
    cdef cnp.npy_intp m = _check_window(n, window)
    cdef cnp.ndarray out = cnp.PyArray_EMPTY(1, &m, DTYPE_NUM, 0)
    cdef dtype_t *o = <dtype_t *>cnp.PyArray_DATA(out)
    cdef dtype_t best
    cdef cnp.npy_intp i, j
    with nogil:
        for i in range(m):
            best = x[i]
            for j in range(i + 1, i + window):
                if x[j] > best:
                    best = x[j]
            o[i] = best
    return out
