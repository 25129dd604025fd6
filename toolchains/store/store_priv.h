/* store_priv.h - internals shared by the store's source files
 * (toolchains/store/store.c, store_tree.c, store_admin.c); not a public header:
 * everything here is an implementation detail of include/pinwheel/store.h.
 */
#ifndef PINWHEEL_STORE_PRIV_H
#define PINWHEEL_STORE_PRIV_H

#include "pinwheel/store.h"

struct pw_store {
	char *dir;
	int rootfd;
	int blobsfd; /* blobs/sha256 */
	int treesfd;
	int tmpfd;
	int locksfd;
	int usefd; /* STORE/lock, flock()ed shared (or exclusive for gc) while open */
};

#define STORE_USE_LOCK "lock"

#define PART_SUFFIX ".part"
#define TREE_PREFIX "tree-"
#define TREE_JSON_MAX (1u << 20)
#define SYNC_CHUNK (8u << 20)
#define WBUF_SIZE (256u << 10)

/* Read trees/<id>.json leniently: fills en->blob and en->size when
 * present, *opts (caller frees, NULL when absent) and @digest ("" when
 * absent; PW_SHA256_HEX bytes). */
void pw_store_load_tree_record(struct pw_store *s, const char *id, struct pw_store_entry *en,
			       char **opts, char *digest);

#endif
