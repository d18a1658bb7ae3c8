/* Resolving paths inside an image's root, as `readlink -m` would inside a
 * chroot: ".." stops at the root, absolute symlinks point into the image,
 * dangling links are followed, and no more than FLY_MAX_LINKS links are
 * taken.  The result can never name anything outside the root. */
#pragma once

#include "ctx.h"

#define FLY_MAX_LINKS 255

enum fly_create {
	FLY_CREATE_NONE, /* the path must exist */
	FLY_CREATE_DIR,  /* create missing parents and a directory */
	FLY_CREATE_FILE, /* create missing parents and an empty file */
};

/* Open path (absolute, inside the image whose root directory is root_fd)
 * as an O_PATH descriptor.  Missing parents are created 0755 and the last
 * component as create asks; an existing last component of the other type
 * (a file where a directory is wanted, or the reverse) is an error
 * (ENOTDIR / EISDIR).  *ret_path (may be NULL) receives the resolved
 * path inside the image. */
int fly_inroot_open(const struct fly_ctx *ctx, int root_fd, const char *path,
		    enum fly_create create, int *ret_fd, char **ret_path,
		    struct fly_error *err);

/* Open an existing file inside the image with open(2) flags, following
 * symlinks inside it: openat2(RESOLVE_IN_ROOT) where the kernel has it,
 * else fly_inroot_open() and a reopen through the descriptor.  Returns the
 * descriptor, or -1 with errno set. */
int fly_inroot_openat(const struct fly_ctx *ctx, int root_fd, const char *path,
		      int flags);

/* "/proc/self/fd/N": a name for the exact file behind fd, for calls that
 * take only paths (mount(2)). */
void fly_fd_path(int fd, char buf[static 32]);
