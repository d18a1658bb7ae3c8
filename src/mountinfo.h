/* The mount table of a namespace, read from /proc/self/mountinfo with
 * libmount into plain data the mount planner can reason about. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct fly_mount_entry {
	int id;
	int parent_id;
	char *target; /* mount point, unescaped */
	char *fstype;
	unsigned long flags; /* MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC,
				 * MS_NOATIME, MS_NODIRATIME, MS_RELATIME */
	int shared;          /* peer group when shared, else 0 */
	int master;          /* master peer group when a slave, else 0 */
};

struct fly_mount_table {
	struct fly_mount_entry *entries;
	size_t n;
};

int fly_mounts_read(const char *path, struct fly_mount_table *ret,
		    struct fly_error *err);
void fly_mounts_free(struct fly_mount_table *t);

/* The mount visible at exactly target (the last one mounted there), or
 * NULL when target is not a mount point. */
const struct fly_mount_entry *fly_mounts_find(const struct fly_mount_table *t,
					      const char *target);

/* Whether target lies strictly below dir ("/a/b" is below "/a", "/ab" is
 * not; everything but "/" is below "/"). */
bool fly_path_is_below(const char *target, const char *dir);
