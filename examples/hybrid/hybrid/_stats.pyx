# cython: language_level=3
"""Descriptive statistics of float64 series on numpy's C API."""

from libc.math cimport sqrt

cimport numpy as cnp

cnp.import_array()


cdef cnp.ndarray as_f64(object values):
    return cnp.PyArray_FROMANY(values, cnp.NPY_FLOAT64, 1, 1, cnp.NPY_ARRAY_IN_ARRAY)


def mean_var(values, int ddof=0):
    """(mean, variance) by Welford's algorithm; variance divides by n - ddof."""
    cdef cnp.ndarray arr = as_f64(values)
    cdef const double *x = <const double *>cnp.PyArray_DATA(arr)
    cdef cnp.npy_intp n = cnp.PyArray_DIM(arr, 0)
    if n - ddof <= 0:
        raise ValueError(f"need more than {ddof} values, got {n}")
    cdef double mean = 0.0
    cdef double m2 = 0.0
    cdef double d
    cdef cnp.npy_intp i
    with nogil:
        for i in range(n):
            d = x[i] - mean
            mean += d / (i + 1)
            m2 += d * (x[i] - mean)
    return mean, m2 / (n - ddof)


def std(values, int ddof=0):
    """Standard deviation (see mean_var)."""
    return sqrt(mean_var(values, ddof)[1])


def max_drawdown(equity):
    """Largest fall from a running peak, as a fraction of that peak (>= 0)."""
    cdef cnp.ndarray arr = as_f64(equity)
    cdef const double *x = <const double *>cnp.PyArray_DATA(arr)
    cdef cnp.npy_intp n = cnp.PyArray_DIM(arr, 0)
    if n == 0:
        raise ValueError("need at least 1 value")
    cdef double peak = x[0]
    cdef double worst = 0.0
    cdef double dd
    cdef cnp.npy_intp i
    with nogil:
        for i in range(n):
            if x[i] > peak:
                peak = x[i]
            dd = (peak - x[i]) / peak
            if dd > worst:
                worst = dd
    return worst


def zscore(values):
    """(x - mean) / std (population std) as a new float64 array."""
    mean, var = mean_var(values)
    if var == 0.0:
        raise ValueError("zscore of a constant series")
    cdef cnp.ndarray arr = as_f64(values)
    cdef const double *x = <const double *>cnp.PyArray_DATA(arr)
    cdef cnp.npy_intp n = cnp.PyArray_DIM(arr, 0)
    cdef cnp.ndarray out = cnp.PyArray_EMPTY(1, &n, cnp.NPY_FLOAT64, 0)
    cdef double *z = <double *>cnp.PyArray_DATA(out)
    cdef double mu = mean
    cdef double sd = sqrt(var)
    cdef cnp.npy_intp i
    with nogil:
        for i in range(n):
            z[i] = (x[i] - mu) / sd
    return out
