/* Pod directories: DIR/pods/{prepared,run,exited-garbage,garbage}/UUID.
 *
 *   pod          the pod manifest (JSON)
 *   env          the app's environment (see env.h)
 *   pid, pgid    written just before the app is executed
 *   rootfs/      where the app's root is mounted
 *   upper/, work/  overlay layers of a run's private root
 *   volumes/NAME   kind=empty volumes
 *
 * A running pod's directory is held with flock(LOCK_EX) by the app
 * itself: the descriptor survives exec, so the lock lives exactly as
 * long as the app. */
#pragma once

#include "ctx.h"

struct fly_pod {
	char uuid[37];
	char *dir;           /* absolute path of the pod directory */
	int dir_fd;          /* O_DIRECTORY, locked; -1 when closed */
};

/* Create a new pod directory under pods/STATE (e.g. "run") and lock it. */
int fly_pod_create(const struct fly_ctx *ctx, const char *state,
		   struct fly_pod *ret, struct fly_error *err);

/* Write a small file in the pod directory atomically. */
int fly_pod_write(const struct fly_ctx *ctx, const struct fly_pod *pod,
		  const char *name, const char *text, struct fly_error *err);

/* Create a directory in the pod directory. */
int fly_pod_mkdir(const struct fly_ctx *ctx, const struct fly_pod *pod,
		  const char *name, mode_t mode, struct fly_error *err);

/* Keep the lock across exec (clears close-on-exec). */
int fly_pod_keep_lock(const struct fly_pod *pod, struct fly_error *err);

void fly_pod_clear(struct fly_pod *pod);
