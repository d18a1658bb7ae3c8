#include "execpath.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inroot.h"
#include "log.h"
#include "util.h"
#include "poison.h"

/* stat() inside the image, symlinks followed; -1 with errno on failure. */
static int stat_in_root(const struct fly_ctx *ctx, int rootfs_fd,
			const char *path, struct stat *st)
{
	_cleanup_close_ int fd = -1;

	fd = fly_inroot_openat(ctx, rootfs_fd, path, O_PATH);
	if (fd < 0)
		return -1;
	return fstat(fd, st);
}

/* Errors that only mean "not in this PATH element". */
static bool not_here(int errnum)
{
	return errnum == ENOENT || errnum == ENOTDIR || errnum == ELOOP ||
	       errnum == EACCES || errnum == ENAMETOOLONG;
}

static int find_absolute(const struct fly_ctx *ctx, int rootfs_fd,
			 const char *name, char **ret_path,
			 struct fly_error *err)
{
	struct stat st;

	if (stat_in_root(ctx, rootfs_fd, name, &st) < 0)
		return fly_fail(err, errno == ENOENT ? 0 : errno,
				"can't find the executable \"%s\" in the image",
				name);
	if (!S_ISREG(st.st_mode))
		return fly_fail(err, 0,
				"can't find the executable \"%s\" in "
				"the image: not a regular file",
				name);

	*ret_path = fly_xstrdup(name);
	return 0;
}

static int find_in_path(const struct fly_ctx *ctx, int rootfs_fd,
			const char *name, const char *path_env, char **ret_path,
			struct fly_error *err)
{
	_cleanup_free_ char *dirs = fly_xstrdup(path_env);
	char *save = NULL;

	for (char *dir = strtok_r(dirs, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *candidate = NULL;
		struct stat st;

		if (dir[0] != '/')
			continue;
		candidate = fly_path_join(dir, name);
		if (stat_in_root(ctx, rootfs_fd, candidate, &st) < 0) {
			if (not_here(errno))
				continue;
			return fly_fail(err, errno,
					"look for \"%s\" in \"%s\" "
					"in the image",
					name, dir);
		}
		if (S_ISREG(st.st_mode) && (st.st_mode & 0111)) {
			*ret_path = FLY_TAKE(candidate);
			return 0;
		}
	}

	return fly_fail(err, 0,
			"can't find the executable \"%s\" in PATH "
			"\"%s\"",
			name, path_env);
}

int fly_exec_find(const struct fly_ctx *ctx, int rootfs_fd, const char *name,
		  const char *path_env, char **ret_path, struct fly_error *err)
{
	int r;

	if (!name || name[0] == '\0')
		return fly_fail(err, 0, "the executable's name is empty");
	if (name[0] != '/' && strchr(name, '/'))
		return fly_fail(err, 0,
				"can't find the executable \"%s\": "
				"give an absolute path, or a bare name to "
				"search in PATH",
				name);

	if (name[0] == '/')
		r = find_absolute(ctx, rootfs_fd, name, ret_path, err);
	else
		r = find_in_path(ctx, rootfs_fd, name, path_env ? path_env : "",
				 ret_path, err);
	if (r < 0)
		return -1;
	fly_debug("executable \"%s\" is \"%s\" in the image", name, *ret_path);
	return 0;
}
