/* Applying a mount plan through the syscall shim.
 *
 * Targets in the image are resolved with fly_inroot_open(), so a mount
 * can never land outside the app's root.  The new mount API (open_tree,
 * move_mount, mount_setattr) is used where the kernel has it; the first
 * ENOSYS switches to classic mount(2) for the rest of the plan. */
#pragma once

#include <stdbool.h>

#include "ctx.h"
#include "plan.h"

struct fly_mount_state {
	int root_fd; /* the app's root, once mounted; else -1 */
	int *slots;  /* detached clones for FLY_OP_CLONE */
	size_t n_slots;
	char **mounted; /* host paths mounted, in order (for undo) */
	size_t n_mounted;
	bool classic; /* new mount API unavailable */
};

void fly_mount_state_init(struct fly_mount_state *st);
void fly_mount_state_clear(struct fly_mount_state *st);

/* Apply every op in order.  On failure the message names the op (e.g.
 * `volume "data": mount "/srv" on "/data": Permission denied`) and what
 * was mounted so far is listed in st for fly_mount_undo(). */
int fly_plan_execute(const struct fly_ctx *ctx,
		     const struct fly_mount_plan *plan,
		     struct fly_mount_state *st, struct fly_error *err);

/* Detach what st mounted, newest first (for the host namespace, where
 * nothing dies with the process). */
void fly_mount_undo(const struct fly_ctx *ctx, struct fly_mount_state *st);
