# cython: language_level=3
"""Rolling-window kernels for int64 (the shared template _rolling.pxi)."""

cimport numpy as cnp

cnp.import_array()

ctypedef cnp.int64_t dtype_t
ctypedef cnp.int64_t acc_t
cdef int DTYPE_NUM = cnp.NPY_INT64
cdef int ACC_NUM = cnp.NPY_INT64
DTYPE = "int64"

include "_rolling.pxi"
