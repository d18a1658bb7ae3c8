/* The extraction guard: decides, entry by entry in archive order, whether
 * an ACI entry may be written and where.  It knows the image layout
 * (manifest, rootfs/) and every way an entry could leave rootfs/.  Pure:
 * it does no I/O, so each hostile case is tested without a filesystem.
 *
 * Refusals name the entry as stored in the archive, e.g.
 *   rootfs/../etc/passwd: entry leaves the image                      */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

#define FLY_MANIFEST_MAX (1024 * 1024) /* bytes */

enum fly_guard_kind {
	FLY_GUARD_SKIP,     /* "./", the archive's own top directory */
	FLY_GUARD_MANIFEST, /* the manifest file */
	FLY_GUARD_ROOTFS,   /* rootfs/ itself or an entry under it */
};

struct fly_guard_entry {
	const char *name;     /* pathname as stored in the archive */
	mode_t mode;          /* file type and permission bits */
	const char *hardlink; /* hard link target as stored, or NULL */
	int64_t size;         /* bytes of data the entry carries */
};

struct fly_guard_verdict {
	enum fly_guard_kind kind;
	char *path;     /* relative to rootfs/; "" is rootfs/ */
	char *hardlink; /* link target relative to rootfs/, or NULL */
};

struct fly_guard;

/* root: the caller is real root, so device nodes, setuid and setgid
 * bits are allowed. */
struct fly_guard *fly_guard_new(bool root);
void fly_guard_free(struct fly_guard *g);

/* Check the next entry.  On success *ret says what it is and, under
 * rootfs/, where it goes; the entry is then remembered (for duplicates,
 * symlinks and hard link targets). */
int fly_guard_check(struct fly_guard *g, const struct fly_guard_entry *e,
		    struct fly_guard_verdict *ret, struct fly_error *err);
void fly_guard_verdict_clear(struct fly_guard_verdict *v);

/* After the last entry: fail when manifest or rootfs/ never appeared. */
int fly_guard_finish(const struct fly_guard *g, struct fly_error *err);

/* A copy of an entry name fit for a message: control characters become
 * '?', so a hostile name cannot rewrite the terminal. */
char *fly_guard_show_name(const char *name);
