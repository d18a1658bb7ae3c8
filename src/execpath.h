/* Finding the app's executable inside the image (behaviour.md 3.4).
 *
 * - An absolute name is used as given.  It must resolve, inside the image,
 *   to a regular file (symlinks are followed as the chroot will follow
 *   them); execute permission is left for execve to judge.
 * - A bare name (no '/') is searched in each absolute element of path_env,
 *   in order; empty and relative elements are skipped.  The first regular
 *   file with any execute bit wins, and its in-image path is returned,
 *   e.g. "sh" with PATH "/usr/bin:/bin" gives "/usr/bin/sh" or "/bin/sh".
 * - A relative name holding '/' ("bin/app", "./app") is refused: what it
 *   names would depend on the working directory.  Give an absolute path
 *   or a bare name.
 * All lookups go through the rootfs descriptor with openat2's
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS (or fly_inroot_open() where the
 * kernel lacks openat2), so nothing on the host is ever consulted. */
#pragma once

#include "ctx.h"
#include "err.h"

/* On success *ret_path is the in-image absolute path to exec (malloc'ed).
 * path_env is the app's PATH; NULL is searched as an empty PATH.  Not
 * found: can't find the executable "NAME" in PATH "..." (bare names) or
 * can't find the executable "NAME" in the image (absolute names). */
int fly_exec_find(const struct fly_ctx *ctx, int rootfs_fd, const char *name,
		  const char *path_env, char **ret_path, struct fly_error *err);
