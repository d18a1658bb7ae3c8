#include "mountexec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "log.h"
#include "tree.h"
#include "util.h"
#include "poison.h"

void fly_mount_state_init(struct fly_mount_state *st)
{
	memset(st, 0, sizeof(*st));
	st->root_fd = -1;
}

void fly_mount_state_clear(struct fly_mount_state *st)
{
	if (st->root_fd >= 0)
		close(st->root_fd);
	for (size_t i = 0; i < st->n_slots; i++)
		if (st->slots[i] >= 0)
			close(st->slots[i]);
	for (size_t i = 0; i < st->n_mounted; i++)
		free(st->mounted[i]);
	free(st->slots);
	free(st->mounted);
	fly_mount_state_init(st);
}

/* Remember where a mount landed, by the name the kernel gives fd. */
static void note_mounted(struct fly_mount_state *st, int fd,
			 const char *fallback)
{
	char target[PATH_MAX];
	ssize_t len = -1;

	if (fd >= 0) {
		char fdpath[32];

		fly_fd_path(fd, fdpath);
		len = readlink(fdpath, target, sizeof(target) - 1);
	}
	if (len >= 0)
		target[len] = '\0';
	st->mounted = fly_xrealloc(st->mounted,
				   (st->n_mounted + 1) * sizeof(char *));
	st->mounted[st->n_mounted++] = fly_xstrdup(len >= 0 ? target
							    : fallback);
}

/* A hint where errno alone would mislead. */
static const char *hint_for(int e, bool userns_likely)
{
	switch (e) {
	case ENOSPC:
		return " (the mount limit: see /proc/sys/fs/mount-max)";
	case EPERM:
		return userns_likely ? " (a mount locked by the user "
				       "namespace, or one "
				       "that needs real root)"
				     : "";
	case EINVAL:
		return userns_likely ? " (in a user namespace a source with "
				       "submounts can "
				       "only be bound with recursive=true)"
				     : "";
	default:
		return "";
	}
}

__attribute__((format(printf, 5, 6))) static int op_fail(
	const struct fly_ctx *ctx, const struct fly_mount_op *op,
	struct fly_error *err, int e, const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	fly_fail(err, e, "%s: %s", op->what ? op->what : "mount", what);
	if (strlen(err->msg) + 100 < sizeof(err->msg))
		strcat(err->msg, hint_for(e, !ctx->root));
	return -1;
}

static int resolve_target(const struct fly_ctx *ctx,
			  const struct fly_mount_state *st,
			  const struct fly_mount_op *op, enum fly_create create,
			  int *ret_fd, struct fly_error *err)
{
	if (st->root_fd < 0)
		return fly_fail(err, EINVAL, "%s: no root to mount in",
				op->what);
	if (fly_inroot_open(ctx, st->root_fd, op->target, create, ret_fd, NULL,
			    err) < 0) {
		if (err->errnum == ENOTDIR || err->errnum == EISDIR)
			return fly_fail(
				err, err->errnum,
				"%s: the target \"%s\" in the image "
				"is a %s, the source a %s",
				op->what, op->target,
				err->errnum == ENOTDIR ? "file" : "directory",
				err->errnum == ENOTDIR ? "directory" : "file");
		return fly_wrap(err, "%s", op->what);
	}
	return 0;
}

static int bind_new_api(const struct fly_ctx *ctx, struct fly_mount_state *st,
			const struct fly_mount_op *op, int target_fd)
{
	const struct fly_sys *sys = ctx->sys;
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
	_cleanup_close_ int tree = -1;

	if (op->slot >= 0 && st->slots[op->slot] >= 0) {
		tree = st->slots[op->slot];
		st->slots[op->slot] = -1;
	} else {
		if (op->recursive)
			flags |= AT_RECURSIVE;
		tree = sys->sys_open_tree(AT_FDCWD, op->source, flags);
		if (tree < 0)
			return -1;
	}
	return sys->sys_move_mount(tree, "", target_fd, "",
				   MOVE_MOUNT_F_EMPTY_PATH |
					   MOVE_MOUNT_T_EMPTY_PATH);
}

static int do_bind(const struct fly_ctx *ctx, struct fly_mount_state *st,
		   const struct fly_mount_op *op, struct fly_error *err)
{
	_cleanup_close_ int fd = -1;
	int r = -1;

	if (resolve_target(ctx, st, op, op->create, &fd, err) < 0)
		return -1;
	if (!st->classic) {
		r = bind_new_api(ctx, st, op, fd);
		if (r < 0 && errno == ENOSYS) {
			fly_debug("no new mount API: using mount(2)");
			st->classic = true;
		}
	}
	if (st->classic) {
		char fdpath[32];

		fly_fd_path(fd, fdpath);
		r = ctx->sys->sys_mount(op->source, fdpath, "none",
					MS_BIND | (op->recursive ? MS_REC : 0),
					NULL);
	}
	if (r < 0)
		return op_fail(ctx, op, err, errno, "bind \"%s\" on \"%s\"",
			       op->source, op->target);
	note_mounted(st, fd, op->target);
	return 0;
}

static unsigned long flags_of_mount(int fd)
{
	static const struct {
		unsigned long st, ms;
	} map[] = {
		{ ST_NOSUID, MS_NOSUID },         { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC },         { ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	struct statvfs sv;
	unsigned long flags = 0;

	if (fstatvfs(fd, &sv) < 0)
		return 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (sv.f_flag & map[i].st)
			flags |= map[i].ms;
	return flags;
}

static int do_read_only(const struct fly_ctx *ctx, struct fly_mount_state *st,
			const struct fly_mount_op *op, struct fly_error *err)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	_cleanup_close_ int fd = -1;
	int r = -1;

	if (resolve_target(ctx, st, op, FLY_CREATE_NONE, &fd, err) < 0)
		return -1;
	if (!st->classic) {
		r = ctx->sys->sys_mount_setattr(fd, "", AT_EMPTY_PATH, &attr,
						sizeof(attr));
		if (r < 0 && errno == ENOSYS)
			st->classic = true;
	}
	if (st->classic) {
		char fdpath[32];

		fly_fd_path(fd, fdpath);
		r = ctx->sys->sys_mount("none", fdpath, "none",
					MS_REMOUNT | MS_BIND | MS_RDONLY |
						flags_of_mount(fd),
					NULL);
	}
	if (r < 0)
		return op_fail(ctx, op, err, errno, "make \"%s\" read-only",
			       op->target);
	return 0;
}

static int do_tmpfs(const struct fly_ctx *ctx, struct fly_mount_state *st,
		    const struct fly_mount_op *op, struct fly_error *err)
{
	_cleanup_close_ int fd = -1;
	char fdpath[32];

	if (resolve_target(ctx, st, op, op->create, &fd, err) < 0)
		return -1;
	fly_fd_path(fd, fdpath);
	if (ctx->sys->sys_mount("tmpfs", fdpath, "tmpfs", MS_NOSUID | MS_NODEV,
				op->data) < 0)
		return op_fail(ctx, op, err, errno, "mount tmpfs on \"%s\"",
			       op->target);
	note_mounted(st, fd, op->target);
	return 0;
}

static bool exists_in_root(const struct fly_ctx *ctx,
			   const struct fly_mount_state *st, const char *path)
{
	struct fly_error ignored;
	int fd = -1;

	if (fly_inroot_open(ctx, st->root_fd, path, FLY_CREATE_NONE, &fd, NULL,
			    &ignored) < 0)
		return false;
	close(fd);
	return true;
}

static int do_write_file(const struct fly_ctx *ctx, struct fly_mount_state *st,
			 const struct fly_mount_op *op, struct fly_error *err)
{
	_cleanup_close_ int pfd = -1, fd = -1;
	char fdpath[32];
	struct stat sb;

	if (st->root_fd >= 0 && op->if_missing &&
	    exists_in_root(ctx, st, op->target)) {
		fly_debug("%s exists in the image: left alone", op->target);
		return 0;
	}
	if (resolve_target(ctx, st, op, FLY_CREATE_FILE, &pfd, err) < 0)
		return -1;
	if (fstat(pfd, &sb) < 0)
		return op_fail(ctx, op, err, errno, "stat \"%s\"", op->target);
	if (!S_ISREG(sb.st_mode))
		return op_fail(ctx, op, err, 0,
			       "write \"%s\": not a regular file", op->target);
	fly_fd_path(pfd, fdpath);
	fd = ctx->sys->sys_open(fdpath, O_WRONLY | O_TRUNC, 0);
	if (fd < 0 || fly_write_all(fd, op->data, strlen(op->data)) < 0)
		return op_fail(ctx, op, err, errno, "write \"%s\"", op->target);
	return 0;
}

static int do_symlink(const struct fly_ctx *ctx, struct fly_mount_state *st,
		      const struct fly_mount_op *op, struct fly_error *err)
{
	_cleanup_free_ char *parent = fly_xstrdup(op->target);
	char *base = strrchr(parent, '/');
	struct fly_mount_op dir = *op;
	_cleanup_close_ int fd = -1;
	struct stat sb;

	*base++ = '\0';
	dir.target = parent[0] ? parent : (char *)"/";
	if (resolve_target(ctx, st, &dir, FLY_CREATE_DIR, &fd, err) < 0)
		return -1;
	if (fstatat(fd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		fly_debug("%s exists in the image: left alone", op->target);
		return 0;
	}
	if (ctx->sys->sys_symlinkat(op->data, fd, base) < 0)
		return op_fail(ctx, op, err, errno, "symlink \"%s\" to \"%s\"",
			       op->target, op->data);
	return 0;
}

static int open_root(const struct fly_ctx *ctx, struct fly_mount_state *st,
		     const struct fly_mount_op *op, struct fly_error *err)
{
	st->root_fd = ctx->sys->sys_open(op->target, O_PATH | O_DIRECTORY, 0);
	if (st->root_fd < 0)
		return op_fail(ctx, op, err, errno, "open \"%s\"", op->target);
	return 0;
}

/* Where overlayfs cannot be used (not built in, or refused in this user
 * namespace or on this filesystem) the app gets a copy of the image. */
static bool overlay_refused(int e)
{
	return e == ENODEV || e == EINVAL || e == EPERM || e == EOPNOTSUPP ||
	       e == ENOSYS;
}

static int copy_and_bind(const struct fly_ctx *ctx,
			 const struct fly_mount_op *op, struct fly_error *err)
{
	if (op->source &&
	    fly_tree_merge(ctx, op->source, op->target, false, err) < 0)
		return fly_wrap(err, "%s: copy the image", op->what);
	if (ctx->sys->sys_mount(op->target, op->target, "none", MS_BIND, NULL) <
	    0)
		return op_fail(ctx, op, err, errno, "bind \"%s\" on itself",
			       op->target);
	return 0;
}

static int do_rootfs(const struct fly_ctx *ctx, struct fly_mount_state *st,
		     const struct fly_mount_op *op, struct fly_error *err)
{
	if (op->kind == FLY_OP_BIND_SELF) {
		if (copy_and_bind(ctx, op, err) < 0)
			return -1;
	} else if (ctx->sys->sys_mount("overlay", op->target, "overlay", 0,
				       op->data) < 0) {
		int e = errno;

		if (!overlay_refused(e))
			return op_fail(ctx, op, err, e,
				       "mount overlay on \"%s\"", op->target);
		fly_debug("overlay refused (%s): the app gets a copy of the "
			  "image",
			  strerror(e));
		if (copy_and_bind(ctx, op, err) < 0)
			return -1;
	}
	note_mounted(st, -1, op->target);
	return open_root(ctx, st, op, err);
}

static int do_clone(const struct fly_ctx *ctx, struct fly_mount_state *st,
		    const struct fly_mount_op *op, struct fly_error *err)
{
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
	int fd;

	if (op->recursive)
		flags |= AT_RECURSIVE;
	fd = ctx->sys->sys_open_tree(AT_FDCWD, op->source, flags);
	if (fd < 0 && errno == ENOSYS) {
		fly_debug("%s: no open_tree: mounts the app makes under it "
			  "will not reach the host",
			  op->what);
		st->classic = true;
		return 0;
	}
	if (fd < 0)
		return op_fail(ctx, op, err, errno, "clone \"%s\"", op->source);
	st->slots[op->slot] = fd;
	return 0;
}

static int do_propagation(const struct fly_ctx *ctx,
			  const struct fly_mount_op *op, unsigned long flags,
			  struct fly_error *err)
{
	if (ctx->sys->sys_mount("none", op->target, "none", flags, NULL) == 0)
		return 0;
	/* Another pod's root: gc may have removed it since the plan. */
	if (op->if_mounted && (errno == EINVAL || errno == ENOENT)) {
		fly_debug("\"%s\" is no longer mounted", op->target);
		return 0;
	}
	return op_fail(ctx, op, err, errno, "change propagation of \"%s\"",
		       op->target);
}

static int apply(const struct fly_ctx *ctx, struct fly_mount_state *st,
		 const struct fly_mount_op *op, struct fly_error *err)
{
	switch (op->kind) {
	case FLY_OP_MAKE_SHARED:
		return do_propagation(ctx, op, MS_SHARED | MS_REC, err);
	case FLY_OP_UNSHARE:
		if (ctx->sys->sys_unshare(CLONE_NEWNS) < 0)
			return fly_fail(err, errno, "create a mount namespace");
		return 0;
	case FLY_OP_CLONE:
		return do_clone(ctx, st, op, err);
	case FLY_OP_MAKE_RSLAVE:
		return do_propagation(ctx, op, MS_SLAVE | MS_REC, err);
	case FLY_OP_MAKE_UNBINDABLE:
		return do_propagation(ctx, op, MS_UNBINDABLE, err);
	case FLY_OP_OVERLAY:
	case FLY_OP_BIND_SELF:
		return do_rootfs(ctx, st, op, err);
	case FLY_OP_BIND:
		return do_bind(ctx, st, op, err);
	case FLY_OP_TMPFS:
		return do_tmpfs(ctx, st, op, err);
	case FLY_OP_READ_ONLY:
		return do_read_only(ctx, st, op, err);
	case FLY_OP_WRITE_FILE:
		return do_write_file(ctx, st, op, err);
	case FLY_OP_SYMLINK:
		return do_symlink(ctx, st, op, err);
	}
	return fly_fail(err, EINVAL, "unknown mount op %d", (int)op->kind);
}

int fly_plan_execute(const struct fly_ctx *ctx,
		     const struct fly_mount_plan *plan,
		     struct fly_mount_state *st, struct fly_error *err)
{
	st->n_slots = plan->n_slots;
	st->slots = fly_xcalloc(plan->n_slots + 1, sizeof(int));
	for (size_t i = 0; i < plan->n_slots; i++)
		st->slots[i] = -1;
	for (size_t i = 0; i < plan->n; i++) {
		if (fly_log_debug_enabled()) {
			_cleanup_free_ char *line = fly_op_describe(
				&plan->ops[i]);

			fly_debug("mount plan: %s", line);
		}
		if (apply(ctx, st, &plan->ops[i], err) < 0)
			return -1;
	}
	return 0;
}

void fly_mount_undo(const struct fly_ctx *ctx, struct fly_mount_state *st)
{
	/* A bind of a shared mount (the host's /dev, say) is its peer: an
	 * unmount below it would propagate and unmount the host's own
	 * submounts.  Private first, then detach. */
	if (st->n_mounted > 0 &&
	    ctx->sys->sys_mount("none", st->mounted[0], "none",
				MS_REC | MS_PRIVATE, NULL) < 0) {
		fly_warn("could not make \"%s\" private, so nothing is "
			 "detached: %m",
			 st->mounted[0]);
		return;
	}
	while (st->n_mounted > 0) {
		char *path = st->mounted[--st->n_mounted];

		fly_debug("undo: detach \"%s\"", path);
		if (ctx->sys->sys_umount2(path, MNT_DETACH) < 0)
			fly_warn("could not detach \"%s\": %m", path);
		free(path);
	}
}
