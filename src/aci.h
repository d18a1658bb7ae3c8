/* Reading an ACI: one pass over the file computes the image ID, keeps a
 * copy of the archive, validates the layout and manifest, and extracts
 * rootfs/ with every hostile entry refused. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "manifest.h"

#define FLY_ID_PREFIX "sha512-"
#define FLY_ID_LEN (7 + 128) /* "sha512-" + 128 hex digits */

struct fly_aci {
	char id[FLY_ID_LEN + 1];
	struct fly_image_manifest *manifest;
	char *manifest_text; /* the manifest file as stored */
	size_t manifest_len;
	uint64_t tar_size; /* bytes of uncompressed tar */
};

/* Read the archive on fd (any of tar, gzip, bzip2, xz, zstd, detected by
 * content).  src names it in messages.  When copy_fd >= 0 the bytes read
 * are written there unchanged.  rootfs/ is extracted into rootfs_dir,
 * which must exist and be empty.  On failure rootfs_dir may hold a partial
 * tree: the caller owns and removes it. */
int fly_aci_read(const struct fly_ctx *ctx, int fd, const char *src,
		 int copy_fd, const char *rootfs_dir, struct fly_aci *ret,
		 struct fly_error *err);
void fly_aci_clear(struct fly_aci *aci);

/* Write dir (a rootfs tree) and manifest text as a gzip-compressed ACI at
 * out, through a temporary name.  Used by pod export. */
int fly_aci_write(const struct fly_ctx *ctx, const char *manifest_text,
		  const char *rootfs_dir, const char *out,
		  struct fly_error *err);
