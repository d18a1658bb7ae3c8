/* The app's user, group and supplementary groups (behaviour.md 3.4).
 *
 * A user or group value is, in this order:
 *   - "root": 0, whatever the image holds;
 *   - all decimal digits: that id, which must be below 4294967295
 *     ((uid_t)-1 means "no change" to the kernel);
 *   - a value starting with '-' or '+': an error (ids are unsigned);
 *   - an absolute path: the owner (user) or group (group) of that file in
 *     the image, symlinks followed inside the image;
 *   - anything else: a name looked up in the image's /etc/passwd or
 *     /etc/group.  A value such as "12abc" is a name too.
 * Files are always opened through the rootfs descriptor with openat2's
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS (or fly_inroot_open() where the
 * kernel lacks openat2), so ".." and absolute symlinks stay in the image:
 * the host's /etc/passwd is never read.
 * Errors name the value: user "bob": not found in the image's /etc/passwd */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "ctx.h"
#include "err.h"

struct fly_creds {
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* gid first, then the supplementary gids in
			     * their order, each once */
	size_t n_groups;
};

/* Resolve user and group inside the image open at rootfs_fd (a directory
 * descriptor; O_PATH is enough) and add the supplementary gids.  On
 * success *ret owns its groups array; release it with fly_creds_free(). */
int fly_creds_resolve(const struct fly_ctx *ctx, int rootfs_fd,
		      const char *user, const char *group, const gid_t *supp,
		      size_t n_supp, struct fly_creds *ret,
		      struct fly_error *err);

/* Free what *creds owns and clear it; accepts NULL. */
void fly_creds_free(struct fly_creds *creds);
