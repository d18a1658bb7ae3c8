/* Pod directories and their life cycle (behaviour.md section 4).
 *
 *   DIR/pods/prepared/UUID   made by `fly prepare`, waiting for
 *                            `fly run-prepared`
 *   DIR/pods/run/UUID        started: running while its lock is held,
 *                            exited once it is free
 *   DIR/pods/exited-garbage/UUID   exited pods `fly gc` is removing
 *   DIR/pods/garbage/UUID    prepared pods `fly gc` is removing
 *
 * Files in a pod directory:
 *
 *   pod        the pod manifest (JSON); its mtime is the creation time
 *   env        the app's environment, NAME=VALUE entries each ended by a
 *              NUL byte (env.h)
 *   mount-ns   "private" or "host": where the pod's mounts live
 *   userns     present when fly ran unprivileged, in a user namespace
 *   pid        the app's pid, written when the app starts; its mtime is
 *              the start time
 *   pgid       the app's process group (not one fly created: fly never
 *              creates process groups, so `stop` signals only the pid)
 *   exit       the app's exit status as fly itself exits with it:
 *              0-255, 128+N for a death by signal N; written by fly,
 *              which stays as the app's parent; its mtime is the exit time
 *   rootfs/    where the app's root is mounted
 *   upper/, work/   the overlay layers of the app's private root
 *   volumes/NAME    kind=empty volumes
 *
 * A pod's directory is locked with flock(LOCK_EX) from its creation until
 * fly exits; the app inherits the descriptor, so the lock is held while
 * either lives.  A pod in run/ whose lock can be taken has exited. */
#pragma once

#include "ctx.h"

struct fly_pod {
	char uuid[37];
	char *dir;  /* absolute path of the pod directory */
	int dir_fd; /* O_DIRECTORY, locked; -1 when closed */
};

/* Create a new pod directory under pods/STATE (e.g. "run") and lock it. */
int fly_pod_create(const struct fly_ctx *ctx, const char *state,
		   struct fly_pod *ret, struct fly_error *err);

/* Open and lock an existing pod, pods/STATE/UUID.  A pod whose lock is
 * held (running, or being started) is refused with EBUSY. */
int fly_pod_open(const struct fly_ctx *ctx, const char *state, const char *uuid,
		 struct fly_pod *ret, struct fly_error *err);

/* Move a locked pod to pods/STATE (a rename: the lock stays). */
int fly_pod_move(const struct fly_ctx *ctx, struct fly_pod *pod,
		 const char *state, struct fly_error *err);

/* Write a small file in the pod directory atomically (not fsync'ed: a
 * pod from before a crash is garbage anyway). */
int fly_pod_write(const struct fly_ctx *ctx, const struct fly_pod *pod,
		  const char *name, const char *text, struct fly_error *err);

/* Create a directory in the pod directory. */
int fly_pod_mkdir(const struct fly_ctx *ctx, const struct fly_pod *pod,
		  const char *name, mode_t mode, struct fly_error *err);

/* Keep the lock across exec (clears close-on-exec). */
int fly_pod_keep_lock(const struct fly_pod *pod, struct fly_error *err);

void fly_pod_clear(struct fly_pod *pod);
