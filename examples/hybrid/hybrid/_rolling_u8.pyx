# cython: language_level=3
"""Rolling-window kernels for uint8 (the shared template _rolling.pxi)."""

cimport numpy as cnp

cnp.import_array()

ctypedef cnp.uint8_t dtype_t
ctypedef cnp.int64_t acc_t
cdef int DTYPE_NUM = cnp.NPY_UINT8
cdef int ACC_NUM = cnp.NPY_INT64
DTYPE = "uint8"

include "_rolling.pxi"
