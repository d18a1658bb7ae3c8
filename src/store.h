/* The content-addressed image store under the data directory.
 *
 *   DIR/images/ID/          a complete image; appears only by rename
 *       aci                 the archive as fetched, unchanged
 *       manifest            its manifest file
 *       rootfs/             the rendered tree (dependencies, then the
 *                           image's own layer, then pathWhitelist)
 *       info.json           {"id","name","imported","size", ...}
 *   DIR/tmp/                renders in progress, each held by a flock;
 *                           one whose lock is free is stale and removed
 *   DIR/locks/              lock files (source files, images)
 *
 * Every entry point may be called by several processes at once. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "aci.h"
#include "ctx.h"
#include "manifest.h"

struct fly_image_info {
	char id[FLY_ID_LEN + 1];
	char *name;
	struct fly_name_value *labels;
	size_t n_labels;
	time_t imported;
	time_t last_used;
	uint64_t size; /* bytes of the stored archive */
};

void fly_image_info_free(struct fly_image_info *info, size_t n);

/* Create the store's directories and remove stale renders. */
int fly_store_prepare(const struct fly_ctx *ctx, struct fly_error *err);

/* Import an ACI file; render it unless the store has it already.
 * ret_id receives the full image ID. */
int fly_store_fetch(const struct fly_ctx *ctx, const char *path,
		    char ret_id[FLY_ID_LEN + 1], struct fly_error *err);

/* Find one image by full ID, unambiguous ID prefix (with or without
 * "sha512-"), or name (optionally NAME:VERSION, matching the version
 * label); the newest import wins among several of one name. */
int fly_store_resolve(const struct fly_ctx *ctx, const char *ref,
		      char ret_id[FLY_ID_LEN + 1], struct fly_error *err);

/* Paths inside the store for an image (malloc'ed). */
char *fly_store_image_dir(const struct fly_ctx *ctx, const char *id);
char *fly_store_rootfs(const struct fly_ctx *ctx, const char *id);

/* Load an image's manifest from the store. */
int fly_store_manifest(const struct fly_ctx *ctx, const char *id,
		       struct fly_image_manifest **ret, char **ret_text,
		       struct fly_error *err);

/* Take a shared lock that keeps the image from removal while held;
 * *ret_fd is the lock, close it to release.  Marks the image used. */
int fly_store_use(const struct fly_ctx *ctx, const char *id, int *ret_fd,
		  struct fly_error *err);

int fly_store_list(const struct fly_ctx *ctx, struct fly_image_info **ret,
		   size_t *ret_n, struct fly_error *err);

/* Remove one image; fails if a run holds it. */
int fly_store_remove(const struct fly_ctx *ctx, const char *id,
		     struct fly_error *err);

/* Remove stale lock files: those nobody holds whose image is gone. */
int fly_store_sweep_locks(const struct fly_ctx *ctx, struct fly_error *err);

/* The rendering steps fly_store_fetch uses, for tests and other modules.
 * Copy the rendered trees of m's dependencies, resolved from the store,
 * into rootfs in order; *ret_depth is 1 + the deepest dependency's depth
 * (0 without dependencies).  own_id may not be among them. */
int fly_store_render_dependencies(const struct fly_ctx *ctx,
				  const struct fly_image_manifest *m,
				  const char *own_id, const char *rootfs,
				  int *ret_depth, struct fly_error *err);

/* Keep only the listed non-directories under rootfs (paths absolute as
 * in a manifest's pathWhitelist, NULL-terminated); none listed keeps all. */
int fly_store_apply_whitelist(const struct fly_ctx *ctx, const char *rootfs,
			      char *const *paths, struct fly_error *err);

/* Copy an image's archive, byte for byte, to out through a temporary name
 * in out's directory.  An existing out is an error unless overwrite. */
int fly_store_export(const struct fly_ctx *ctx, const char *id, const char *out,
		     bool overwrite, struct fly_error *err);
