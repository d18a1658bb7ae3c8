/* The mount plan: everything fly will mount, in order, as plain data.
 * fly_plan_build() is a pure function of its input (the host's mount
 * table is part of the input); fly_plan_execute() (mountexec.h) applies
 * a plan through the syscall shim. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "inroot.h"
#include "mountinfo.h"

enum fly_op_kind {
	FLY_OP_MAKE_SHARED, /* host path: rshared, before the namespace */
	FLY_OP_UNSHARE,     /* enter a new mount namespace */
	FLY_OP_CLONE,       /* detached copy of source kept in a slot */
	FLY_OP_MAKE_RSLAVE, /* "/": nothing mounted below reaches the host */
	FLY_OP_OVERLAY,     /* the app's root: overlay at target (host);
			      * where the kernel refuses, a copy of source */
	FLY_OP_BIND_SELF,   /* the app's root: a copy of source (when set)
			      * at target, bound on itself */
	FLY_OP_MAKE_UNBINDABLE, /* host path target: private, and left out
				 * of binds of a tree that holds it */
	FLY_OP_BIND,       /* source (host path or slot) on target (image) */
	FLY_OP_TMPFS,      /* tmpfs on target (image) with options data */
	FLY_OP_READ_ONLY,  /* the mount at target (image) read-only */
	FLY_OP_WRITE_FILE, /* data written to target (image) */
	FLY_OP_SYMLINK,    /* symlink to data at target (image) */
};

struct fly_mount_op {
	enum fly_op_kind kind;
	char *source; /* host path, or NULL */
	char *target; /* host path or path in the image, per kind */
	char *data;   /* mount options, file content, link target */
	int slot;     /* clone slot for CLONE and BIND, else -1 */
	enum fly_create create;
	bool recursive;
	bool if_missing; /* WRITE_FILE, SYMLINK: only where absent */
	bool if_mounted; /* MAKE_UNBINDABLE: nothing to do where the mount
			  * went away after the plan was made */
	char *what;      /* "volume \"data\"", "/proc": for messages */
};

struct fly_mount_plan {
	struct fly_mount_op *ops;
	size_t n;
	size_t n_slots;
};

struct fly_plan_volume {
	const char *name;
	const char *source; /* host path, absolute and canonical */
	const char *target; /* path in the image */
	bool source_is_dir;
	bool read_only;
	bool recursive;
};

enum fly_ns_mode { FLY_NS_PRIVATE, FLY_NS_HOST };

enum fly_file_mode {
	FLY_FILE_KEEP,    /* leave the image's file alone */
	FLY_FILE_HOST,    /* bind the host's file */
	FLY_FILE_WRITE,   /* write text */
	FLY_FILE_DEFAULT, /* write text only where the image has none */
};

struct fly_plan_input {
	enum fly_ns_mode ns;
	bool userns;        /* inside a user namespace fly created */
	const char *rootfs; /* host path where the app's root is mounted */
	const char *pods;   /* host path of the pods directory: the roots of
			     * other pods are PODS/STATE/UUID/rootfs */
	const char *lower;  /* the image's tree; NULL: rootfs is populated */
	const char *upper;  /* overlay layers over lower */
	const char *work;
	bool no_overlay; /* copy lower instead of an overlay */
	const struct fly_mount_table *host;
	const struct fly_plan_volume *volumes;
	size_t n_volumes;
	enum fly_file_mode resolv;
	const char *resolv_host; /* host file for FLY_FILE_HOST */
	const char *resolv_text;
	enum fly_file_mode hosts;
	const char *hosts_host;
	const char *hosts_text;
	bool read_only_rootfs;
};

int fly_plan_build(const struct fly_plan_input *in, struct fly_mount_plan *ret,
		   struct fly_error *err);
void fly_plan_free(struct fly_mount_plan *plan);

/* One line describing an op, for --debug and for tests (malloc'ed). */
char *fly_op_describe(const struct fly_mount_op *op);
