# cython: language_level=3
"""Rolling-window kernels for float64 (the shared template _rolling.pxi)."""

cimport numpy as cnp

cnp.import_array()

ctypedef cnp.float64_t dtype_t
ctypedef double acc_t
cdef int DTYPE_NUM = cnp.NPY_FLOAT64
cdef int ACC_NUM = cnp.NPY_FLOAT64
DTYPE = "float64"

include "_rolling.pxi"
