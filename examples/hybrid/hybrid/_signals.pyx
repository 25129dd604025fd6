# cython: language_level=3
"""Trading signals, built on the C-level kernels of hybrid._core."""

cimport numpy as cnp

from hybrid._core cimport ewma_next, kahan_sum

cnp.import_array()


cdef cnp.ndarray as_f64(object values):
    return cnp.PyArray_FROMANY(values, cnp.NPY_FLOAT64, 1, 1, cnp.NPY_ARRAY_IN_ARRAY)


cdef void cross(const double *fast, const double *slow, cnp.npy_intp n,
                signed char *sig) noexcept nogil:
    cdef cnp.npy_intp i
    if n > 0:
        sig[0] = 0
    for i in range(1, n):
        if fast[i - 1] <= slow[i - 1] and fast[i] > slow[i]:
            sig[i] = 1
        elif fast[i - 1] >= slow[i - 1] and fast[i] < slow[i]:
            sig[i] = -1
        else:
            sig[i] = 0


def crossover(fast, slow):
    """int8 signals: +1 where fast crosses above slow, -1 where it crosses
    below, 0 elsewhere (and at index 0)."""
    cdef cnp.ndarray f = as_f64(fast)
    cdef cnp.ndarray s = as_f64(slow)
    cdef cnp.npy_intp n = cnp.PyArray_DIM(f, 0)
    if cnp.PyArray_DIM(s, 0) != n:
        raise ValueError(f"fast and slow differ in length: {n} and {cnp.PyArray_DIM(s, 0)}")
    cdef cnp.ndarray out = cnp.PyArray_EMPTY(1, &n, cnp.NPY_INT8, 0)
    with nogil:
        cross(<const double *>cnp.PyArray_DATA(f), <const double *>cnp.PyArray_DATA(s), n,
              <signed char *>cnp.PyArray_DATA(out))
    return out


def ewma_crossover(prices, double fast_alpha, double slow_alpha):
    """crossover() of two EWMAs of prices (hybrid._core.ewma_next per step)."""
    if not (0.0 < fast_alpha <= 1.0 and 0.0 < slow_alpha <= 1.0):
        raise ValueError(f"alphas must be in (0, 1], got {fast_alpha!r} and {slow_alpha!r}")
    cdef cnp.ndarray arr = as_f64(prices)
    cdef const double *p = <const double *>cnp.PyArray_DATA(arr)
    cdef cnp.npy_intp n = cnp.PyArray_DIM(arr, 0)
    cdef cnp.ndarray f = cnp.PyArray_EMPTY(1, &n, cnp.NPY_FLOAT64, 0)
    cdef cnp.ndarray s = cnp.PyArray_EMPTY(1, &n, cnp.NPY_FLOAT64, 0)
    cdef cnp.ndarray out = cnp.PyArray_EMPTY(1, &n, cnp.NPY_INT8, 0)
    cdef double *fd = <double *>cnp.PyArray_DATA(f)
    cdef double *sd = <double *>cnp.PyArray_DATA(s)
    cdef cnp.npy_intp i
    with nogil:
        if n > 0:
            fd[0] = p[0]
            sd[0] = p[0]
        for i in range(1, n):
            fd[i] = ewma_next(fd[i - 1], p[i], fast_alpha)
            sd[i] = ewma_next(sd[i - 1], p[i], slow_alpha)
        cross(fd, sd, n, <signed char *>cnp.PyArray_DATA(out))
    return out


def deviation_from_mean(prices):
    """(last - mean) / mean, the mean by hybrid._core.kahan_sum."""
    cdef cnp.ndarray arr = as_f64(prices)
    cdef const double *p = <const double *>cnp.PyArray_DATA(arr)
    cdef cnp.npy_intp n = cnp.PyArray_DIM(arr, 0)
    if n == 0:
        raise ValueError("need at least 1 price")
    cdef double mean = kahan_sum(p, n) / n
    return (p[n - 1] - mean) / mean
