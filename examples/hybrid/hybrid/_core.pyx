# cython: language_level=3
"""Core float64 kernels on numpy's C API.

kahan_sum and ewma_next are also exported at C level (see _core.pxd).
"""

cimport numpy as cnp

cnp.import_array()


cdef double kahan_sum(const double *data, Py_ssize_t n) noexcept nogil:
    cdef double s = 0.0
    cdef double c = 0.0
    cdef double y, t
    cdef Py_ssize_t i
    for i in range(n):
        y = data[i] - c
        t = s + y
        c = (t - s) - y
        s = t
    return s


cdef double ewma_next(double prev, double x, double alpha) noexcept nogil:
    return alpha * x + (1.0 - alpha) * prev


cdef cnp.ndarray as_f64(object values):
    """A C-contiguous, aligned 1-d float64 view or copy of values."""
    return cnp.PyArray_FROMANY(values, cnp.NPY_FLOAT64, 1, 1, cnp.NPY_ARRAY_IN_ARRAY)


def total(values):
    """Compensated (Kahan) sum of a 1-d sequence of floats."""
    cdef cnp.ndarray arr = as_f64(values)
    cdef const double *x = <const double *>cnp.PyArray_DATA(arr)
    cdef Py_ssize_t n = cnp.PyArray_DIM(arr, 0)
    cdef double s
    with nogil:
        s = kahan_sum(x, n)
    return s


def ewma(values, double alpha):
    """Exponentially weighted moving average: y[0] = x[0],
    y[i] = alpha * x[i] + (1 - alpha) * y[i-1]."""
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha must be in (0, 1], got {alpha!r}")
    cdef cnp.ndarray arr = as_f64(values)
    cdef const double *x = <const double *>cnp.PyArray_DATA(arr)
    cdef cnp.npy_intp n = cnp.PyArray_DIM(arr, 0)
    cdef cnp.ndarray out = cnp.PyArray_EMPTY(1, &n, cnp.NPY_FLOAT64, 0)
    cdef double *y = <double *>cnp.PyArray_DATA(out)
    cdef cnp.npy_intp i
    with nogil:
        if n > 0:
            y[0] = x[0]
        for i in range(1, n):
            y[i] = ewma_next(y[i - 1], x[i], alpha)
    return out


def simple_returns(prices):
    """r[i] = prices[i + 1] / prices[i] - 1 (length n - 1)."""
    cdef cnp.ndarray arr = as_f64(prices)
    cdef const double *p = <const double *>cnp.PyArray_DATA(arr)
    cdef cnp.npy_intp n = cnp.PyArray_DIM(arr, 0)
    if n < 2:
        raise ValueError(f"need at least 2 prices, got {n}")
    cdef cnp.npy_intp m = n - 1
    cdef cnp.ndarray out = cnp.PyArray_EMPTY(1, &m, cnp.NPY_FLOAT64, 0)
    cdef double *r = <double *>cnp.PyArray_DATA(out)
    cdef cnp.npy_intp i
    with nogil:
        for i in range(m):
            r[i] = p[i + 1] / p[i] - 1.0
    return out
