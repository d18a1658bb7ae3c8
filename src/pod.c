#include "pod.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "log.h"
#include "util.h"
#include "poison.h"

/* A new pod is made under a hidden name, locked, then renamed into
 * place, so nobody ever sees it unlocked. */
int fly_pod_create(const struct fly_ctx *ctx, const char *state,
		   struct fly_pod *ret, struct fly_error *err)
{
	_cleanup_free_ char *parent = fly_xasprintf("%s/pods/%s", ctx->dir,
						    state);
	_cleanup_free_ char *hidden = NULL;
	uuid_t uuid;

	memset(ret, 0, sizeof(*ret));
	ret->dir_fd = -1;
	if (fly_mkdir_p(ctx, parent, 0711, err) < 0)
		return fly_wrap(err, "pod directory");
	uuid_generate_random(uuid);
	uuid_unparse_lower(uuid, ret->uuid);
	ret->dir = fly_path_join(parent, ret->uuid);
	hidden = fly_xasprintf("%s/.new-%s", parent, ret->uuid);
	if (ctx->sys->sys_mkdirat(AT_FDCWD, hidden, 0711) < 0)
		return fly_fail(err, errno, "create pod directory \"%s\"",
				hidden);
	ret->dir_fd = ctx->sys->sys_open(hidden, O_RDONLY | O_DIRECTORY, 0);
	if (ret->dir_fd < 0 || flock(ret->dir_fd, LOCK_EX | LOCK_NB) < 0 ||
	    ctx->sys->sys_renameat(AT_FDCWD, hidden, AT_FDCWD, ret->dir) < 0) {
		int e = errno;

		ctx->sys->sys_unlinkat(AT_FDCWD, hidden, AT_REMOVEDIR);
		return fly_fail(err, e, "create pod directory \"%s\"",
				ret->dir);
	}
	fly_debug("pod %s in \"%s\"", ret->uuid, ret->dir);
	return 0;
}

int fly_pod_open(const struct fly_ctx *ctx, const char *state, const char *uuid,
		 struct fly_pod *ret, struct fly_error *err)
{
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->uuid, sizeof(ret->uuid), "%s", uuid);
	ret->dir = fly_xasprintf("%s/pods/%s/%s", ctx->dir, state, uuid);
	ret->dir_fd = ctx->sys->sys_open(ret->dir, O_RDONLY | O_DIRECTORY, 0);
	if (ret->dir_fd < 0)
		return fly_fail(err, errno, "pod %s", uuid);
	if (flock(ret->dir_fd, LOCK_EX | LOCK_NB) < 0)
		return fly_fail(err, errno == EWOULDBLOCK ? EBUSY : errno,
				"pod %s", uuid);
	return 0;
}

int fly_pod_move(const struct fly_ctx *ctx, struct fly_pod *pod,
		 const char *state, struct fly_error *err)
{
	_cleanup_free_ char *parent = fly_xasprintf("%s/pods/%s", ctx->dir,
						    state);
	char *dir;

	if (fly_mkdir_p(ctx, parent, 0711, err) < 0)
		return -1;
	dir = fly_path_join(parent, pod->uuid);
	if (ctx->sys->sys_renameat(AT_FDCWD, pod->dir, AT_FDCWD, dir) < 0) {
		int e = errno;

		free(dir);
		return fly_fail(err, e, "move pod %s to %s", pod->uuid, state);
	}
	free(pod->dir);
	pod->dir = dir;
	return 0;
}

int fly_pod_write(const struct fly_ctx *ctx, const struct fly_pod *pod,
		  const char *name, const char *text, struct fly_error *err)
{
	_cleanup_free_ char *path = fly_path_join(pod->dir, name);

	return fly_write_file(ctx, path, text, strlen(text), 0644, false, err);
}

int fly_pod_mkdir(const struct fly_ctx *ctx, const struct fly_pod *pod,
		  const char *name, mode_t mode, struct fly_error *err)
{
	if (ctx->sys->sys_mkdirat(pod->dir_fd, name, mode) < 0 &&
	    errno != EEXIST)
		return fly_fail(err, errno, "create \"%s/%s\"", pod->dir, name);
	return 0;
}

int fly_pod_keep_lock(const struct fly_pod *pod, struct fly_error *err)
{
	if (fcntl(pod->dir_fd, F_SETFD, 0) < 0)
		return fly_fail(err, errno, "keep the lock on \"%s\"",
				pod->dir);
	return 0;
}

void fly_pod_clear(struct fly_pod *pod)
{
	if (!pod)
		return;
	if (pod->dir_fd >= 0)
		close(pod->dir_fd);
	free(pod->dir);
	memset(pod, 0, sizeof(*pod));
	pod->dir_fd = -1;
}
