/* Copying, moving and layering directory trees, keeping modes, owners
 * (as root), times, symlinks, devices and hard links within a tree. */
#pragma once

#include <stdbool.h>

#include "ctx.h"

/* Put the tree at src_path over the one at dst_path: directories merge
 * (the upper one's mode, owner and times win), any other entry replaces
 * what dst has at that name.  move renames entries out of src instead of
 * copying them.  The top directory takes src's mode, owner and times. */
int fly_tree_merge(const struct fly_ctx *ctx, const char *src_path,
		   const char *dst_path, bool move, struct fly_error *err);

/* Open name in dirfd as a directory, not following a symlink. */
int fly_tree_open_dir(const struct fly_ctx *ctx, int dirfd, const char *name,
		      const char *path, int *ret_fd, struct fly_error *err);

/* Without root, entries can be added to or removed from a directory only
 * while it has its owner's write bit: give it (the final mode is set
 * afterwards).  Does nothing for root. */
int fly_tree_unlock_dir(const struct fly_ctx *ctx, int fd, const char *path,
			struct fly_error *err);

/* Copy what is left of in to out (copy_file_range where it works);
 * path names out in messages. */
int fly_copy_data(int in, int out, const char *path, struct fly_error *err);
