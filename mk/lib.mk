PW_LIB_SRCS += lib/err.c lib/buf.c lib/hash.c lib/fsutil.c lib/log.c lib/json.c lib/libload.c lib/workdir.c lib/child.c
