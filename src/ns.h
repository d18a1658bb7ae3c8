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
