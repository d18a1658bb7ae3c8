#include "pod.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "log.h"
#include "util.h"
#include "poison.h"

int fly_pod_create(const struct fly_ctx *ctx, const char *state,
		   struct fly_pod *ret, struct fly_error *err)
{
	_cleanup_free_ char *parent = fly_xasprintf("%s/pods/%s", ctx->dir,
						    state);
	uuid_t uuid;

	memset(ret, 0, sizeof(*ret));
	ret->dir_fd = -1;
	if (fly_mkdir_p(ctx, parent, 0711, err) < 0)
		return fly_wrap(err, "pod directory");
	uuid_generate_random(uuid);
	uuid_unparse_lower(uuid, ret->uuid);
	ret->dir = fly_path_join(parent, ret->uuid);
	if (ctx->sys->sys_mkdirat(AT_FDCWD, ret->dir, 0711) < 0)
		return fly_fail(err, errno, "create pod directory \"%s\"",
				ret->dir);
	ret->dir_fd = ctx->sys->sys_open(ret->dir, O_RDONLY | O_DIRECTORY, 0);
	if (ret->dir_fd < 0)
		return fly_fail(err, errno, "open \"%s\"", ret->dir);
	if (flock(ret->dir_fd, LOCK_EX | LOCK_NB) < 0)
		return fly_fail(err, errno, "lock \"%s\"", ret->dir);
	fly_debug("pod %s in \"%s\"", ret->uuid, ret->dir);
	return 0;
}

int fly_pod_write(const struct fly_ctx *ctx, const struct fly_pod *pod,
		  const char *name, const char *text, struct fly_error *err)
{
	_cleanup_free_ char *path = fly_path_join(pod->dir, name);

	return fly_write_file_atomic(ctx, path, text, strlen(text), 0644,
				     err);
}

int fly_pod_mkdir(const struct fly_ctx *ctx, const struct fly_pod *pod,
		  const char *name, mode_t mode, struct fly_error *err)
{
	if (ctx->sys->sys_mkdirat(pod->dir_fd, name, mode) < 0 &&
	    errno != EEXIST)
		return fly_fail(err, errno, "create \"%s/%s\"", pod->dir,
				name);
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
