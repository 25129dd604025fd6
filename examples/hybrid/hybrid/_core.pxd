# cython: language_level=3
# Exported C-level kernels of hybrid._core; hybrid._signals cimports them.
# Both are pure functions of their arguments and never raise.

cdef double kahan_sum(const double *data, Py_ssize_t n) noexcept nogil
cdef double ewma_next(double prev, double x, double alpha) noexcept nogil
