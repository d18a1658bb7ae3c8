/* Namespaces for unprivileged runs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ctx.h"

/* What a user namespace maps: 0, and 1..uids / 1..gids when the caller
 * has subordinate ranges (both 0 otherwise). */
struct fly_userns_map {
	unsigned long uids;
	unsigned long gids;
};

/* Enter a new user namespace in which the caller is root: uid and gid 0
 * map to the caller's real ids.  Where newuidmap and newgidmap exist and
 * /etc/subuid and /etc/subgid give the caller a range, ids 1..count map
 * to that range too, so the image's other users can run; otherwise only
 * 0 is mapped and setgroups(2) is denied, as the kernel requires for an
 * unprivileged gid map. */
int fly_userns_enter(const struct fly_ctx *ctx, struct fly_userns_map *ret,
		     struct fly_error *err);

/* Whether every id of the app's credentials is mapped. */
bool fly_userns_maps(const struct fly_userns_map *map, uid_t uid, gid_t gid,
		     const gid_t *groups, size_t n_groups);

/* The namespaces of a running process, held open so that they can be
 * joined.  A descriptor is -1 where that namespace is not joined. */
struct fly_ns_fds {
	int user_fd;
	int mnt_fd;
};

/* Open the namespaces that kinds names (CLONE_NEWUSER, CLONE_NEWNS) of
 * process pid, from /proc/PID/ns.  With pidfd >= 0 (pidfd_open(2) of
 * pid) they are kept only if that process still lives once they are open.
 * A check of the process's identity made after this call holds for the
 * namespaces too: a process that lives then lived when they were opened,
 * so a pid recycled meanwhile is never used. */
int fly_ns_open(const struct fly_ctx *ctx, pid_t pid, int pidfd, int kinds,
		struct fly_ns_fds *ret, struct fly_error *err);

/* Join the user namespace first (it grants the capabilities the rest
 * needs), then the mount namespace, which also moves the root and the
 * working directory to that namespace's root. */
int fly_ns_join(const struct fly_ctx *ctx, const struct fly_ns_fds *ns,
		struct fly_error *err);

/* Close what fly_ns_open() opened; accepts NULL. */
void fly_ns_fds_close(struct fly_ns_fds *ns);

/* Enter a new mount namespace in which every mount is private, so that
 * nothing mounted there reaches another namespace.  Unprivileged callers
 * enter a new user namespace first (fly_userns_enter). */
int fly_ns_enter_private(const struct fly_ctx *ctx, struct fly_error *err);
