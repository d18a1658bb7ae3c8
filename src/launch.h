/* Starting processes inside a pod's root, and staying as the app's parent.
 *
 * fly stays as the parent of the app so that it can record the app's exit
 * status, run post-stop handlers and clean up; it forwards the signals it
 * is sent to the app and, when the app is gone, exits the way the app did
 * (the same code, or death by the same signal). */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "creds.h"
#include "ctx.h"

/* Where and as whom a process of the pod runs. */
struct fly_launch {
	int root_fd;           /* the pod's root */
	const char *root_path; /* its host path, for messages */
	const char *workdir;   /* in the root; must exist */
	const struct fly_creds *creds;
	bool set_groups; /* setgroups(2) is allowed */
	char *const *envp;
	sigset_t child_mask; /* the signal mask the process starts with */
};

/* In the calling process: enter the root (chroot, chdir) and take the
 * credentials (groups, gid, uid), as a pod process does before exec. */
int fly_launch_enter(const struct fly_ctx *ctx, const struct fly_launch *l,
		     struct fly_error *err);

/* Fork a process that enters the root (chroot, chdir), takes the
 * credentials (groups, gid, uid) and execs exe.  A failure before the
 * exec is reported here, with the child already reaped. */
int fly_launch_spawn(const struct fly_ctx *ctx, const struct fly_launch *l,
		     const char *exe, char *const *argv, pid_t *ret_pid,
		     struct fly_error *err);

/* Block the signals fly forwards; *ret_old receives the previous mask. */
void fly_launch_block_signals(sigset_t *ret_old);

/* Wait for pid, forwarding the signals fly is sent to it (not those the
 * terminal already sent to the whole process group).  *ret_wstatus gets
 * its wait status. */
int fly_launch_supervise(pid_t pid, int *ret_wstatus, struct fly_error *err);

/* A wait status as a shell shows it: the exit code, or 128+N. */
int fly_wait_code(int wstatus);

/* fly's own exit for a wait status: the code, or FLY_EXIT_SIGNAL + N for
 * a death by signal N, which main() re-raises. */
#define FLY_EXIT_SIGNAL 1000
int fly_wait_exit(int wstatus);
