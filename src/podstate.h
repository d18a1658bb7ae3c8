/* What each pod is doing, read from its directory as pod.h lays it out:
 * the state machine of behaviour.md section 4, the list of every pod, and
 * the one pod a UUID, a UUID prefix or a UUID file names.
 *
 *   creating        a directory without a pod manifest yet
 *   prepared        in pods/prepared
 *   running         in pods/run, its lock held
 *   exited          in pods/run, its lock free
 *   exited-garbage  in pods/exited-garbage, which `fly gc` is removing
 *   garbage         in pods/garbage, which `fly gc` is removing
 *
 * Reading never blocks and never holds a lock: the lock of a pod in run/
 * is tested by taking it shared for an instant, which only a pod that has
 * exited allows.  Prepared and creating pods are never tested, so that a
 * listing can not make a `fly run` or `fly run-prepared` fail to lock. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "ctx.h"
#include "mountinfo.h"
#include "strv.h"

#define FLY_UUID_LEN 36

enum fly_pod_state {
	FLY_POD_CREATING,
	FLY_POD_PREPARED,
	FLY_POD_RUNNING,
	FLY_POD_EXITED,
	FLY_POD_EXITED_GARBAGE,
	FLY_POD_GARBAGE,
};

struct fly_pod_info {
	char uuid[FLY_UUID_LEN + 1];
	enum fly_pod_state state;
	char *dir;      /* absolute path of the pod directory */
	char *app_name; /* from the manifest; NULL when unknown */
	char *image_name;
	char *image_version; /* the image's "version" label */
	char *image_id;
	struct timespec created; /* mtime of "pod"; 0 when unknown */
	struct timespec started; /* mtime of "pid" */
	struct timespec exited;  /* mtime of "exit" */
	struct timespec changed; /* mtime of the directory itself */
	pid_t pid;               /* the app's pid; 0 when unknown */
	int exit_code;           /* 0-255; -1 when unknown */
	char *mount_ns;          /* "private" or "host"; NULL when unknown */
	bool userns;             /* ran in a user namespace */
};

/* "running", "exited-garbage", ... */
const char *fly_pod_state_name(enum fly_pod_state state);

/* Whether name has the form of a pod UUID (lower-case hex, 8-4-4-4-12). */
bool fly_pod_uuid_valid(const char *name);

/* Read the pod uuid in DIR/pods/parent (parent is "prepared", "run",
 * "exited-garbage" or "garbage").  A manifest that cannot be read leaves
 * the names NULL (with a --debug note); a missing directory is ENOENT. */
int fly_pod_info_read(const struct fly_ctx *ctx, const char *parent,
		      const char *uuid, struct fly_pod_info *ret,
		      struct fly_error *err);
void fly_pod_info_clear(struct fly_pod_info *info);
void fly_pod_infos_free(struct fly_pod_info *infos, size_t n);

/* Every pod, oldest first (creation time, then UUID).  A pod that moves
 * from one state directory to the next while they are read is listed
 * once. */
int fly_pods_list(const struct fly_ctx *ctx, struct fly_pod_info **ret,
		  size_t *ret_n, struct fly_error *err);

/* The one pod that ref names: a full UUID or an unambiguous prefix of
 * one.  Errors: `pod "REF" not found`, or `pod "REF" is ambiguous: N pods
 * match`. */
int fly_pod_find(const struct fly_ctx *ctx, const char *ref,
		 struct fly_pod_info *ret, struct fly_error *err);

/* The UUID written in file (by --uuid-file-save), without surrounding
 * white space. */
int fly_pod_uuid_file_read(const char *file, char **ret, struct fly_error *err);

/* Whether someone holds the lock of the pod directory dir: 1 held, 0
 * free (it was taken shared for an instant), -1 with err (ENOENT when the
 * directory is gone). */
int fly_pod_lock_held(const struct fly_ctx *ctx, const char *dir,
		      struct fly_error *err);

/* The image IDs of every pod not yet garbage (creating, prepared,
 * running, exited): the images `fly image gc` must keep.  ret gets
 * each ID once. */
int fly_pods_image_ids(const struct fly_ctx *ctx, struct fly_strv *ret,
		       struct fly_error *err);

/* The mounts of t at or below dir, in an order that unmounts them one by
 * one: every mount before the mount it sits on, later mounts first.
 * *ret holds pointers into t (free the array only); returns the count. */
size_t fly_pod_mounts_below(const struct fly_mount_table *t, const char *dir,
			    const struct fly_mount_entry ***ret);

/* Whether process pid started no later than t (CLOCK_REALTIME), as the
 * app of a pod did before its pid file was written: 1 yes, 0 no (a pid
 * used again by a later process), -1 with err (ESRCH when it is gone). */
int fly_proc_started_by(pid_t pid, const struct timespec *t,
			struct fly_error *err);
