#include "inroot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "poison.h"

#define MAX_DEPTH 512

/* The walk: a stack of directory descriptors from the root down, the
 * resolved path they spell, and what is left to resolve. */
struct walk {
	const struct fly_ctx *ctx;
	int fds[MAX_DEPTH];
	size_t depth;       /* fds[0] is the root */
	char cur[PATH_MAX]; /* resolved path of fds[depth] */
	char *todo;         /* remaining components, malloc'ed */
	int links;
};

static void walk_pop(struct walk *w)
{
	char *slash;

	close(w->fds[w->depth--]);
	slash = strrchr(w->cur, '/');
	slash[slash == w->cur ? 1 : 0] = '\0';
}

static void walk_reset(struct walk *w)
{
	while (w->depth > 0)
		walk_pop(w);
}

static int walk_push(struct walk *w, int fd, const char *name)
{
	size_t len = strlen(w->cur);

	if (w->depth + 1 >= MAX_DEPTH ||
	    len + strlen(name) + 2 > sizeof(w->cur)) {
		close(fd);
		errno = ENAMETOOLONG;
		return -1;
	}
	w->fds[++w->depth] = fd;
	snprintf(w->cur + len, sizeof(w->cur) - len, "%s%s", len > 1 ? "/" : "",
		 name);
	return 0;
}

/* Take the next component off w->todo into name; false when none left. */
static bool next_component(struct walk *w, char *name, size_t n, bool *last)
{
	char *p = w->todo;
	size_t len;

	while (*p == '/')
		p++;
	if (*p == '\0')
		return false;
	len = strcspn(p, "/");
	snprintf(name, n, "%.*s", (int)(len < n ? len : n - 1), p);
	p += len;
	while (*p == '/')
		p++;
	memmove(w->todo, p, strlen(p) + 1);
	*last = w->todo[0] == '\0';
	return true;
}

/* Replace the symlink just met by its target in front of what is left. */
static int follow_link(struct walk *w, int fd)
{
	char target[PATH_MAX];
	ssize_t len;
	char *todo;

	if (++w->links > FLY_MAX_LINKS) {
		errno = ELOOP;
		return -1;
	}
	len = readlinkat(fd, "", target, sizeof(target) - 1);
	if (len < 0)
		return -1;
	target[len] = '\0';
	if (target[0] == '/')
		walk_reset(w);
	todo = fly_xasprintf("%s/%s", target, w->todo);
	free(w->todo);
	w->todo = todo;
	return 0;
}

static int create_missing(struct walk *w, const char *name, bool dir)
{
	const struct fly_sys *sys = w->ctx->sys;
	int dirfd = w->fds[w->depth];
	int fd;

	if (dir) {
		if (sys->sys_mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
			return -1;
		fly_debug("created directory \"%s%s%s\" in the image", w->cur,
			  w->depth ? "/" : "", name);
		return 0;
	}
	fd = sys->sys_openat(dirfd, name,
			     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	close(fd);
	fly_debug("created file \"%s%s%s\" in the image", w->cur,
		  w->depth ? "/" : "", name);
	return 0;
}

/* Resolve one component; *ret_fd is set when it was the last one. */
static int step(struct walk *w, const char *name, bool last,
		enum fly_create create, int *ret_fd)
{
	const struct fly_sys *sys = w->ctx->sys;
	struct stat st;
	int fd;

	if (strcmp(name, ".") == 0)
		return last ? (*ret_fd = dup(w->fds[w->depth])) : 0;
	if (strcmp(name, "..") == 0) {
		if (w->depth > 0)
			walk_pop(w);
		return last ? (*ret_fd = dup(w->fds[w->depth])) : 0;
	}
	fd = sys->sys_openat(w->fds[w->depth], name, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0 && errno == ENOENT && create != FLY_CREATE_NONE) {
		if (create_missing(w, name, !last || create == FLY_CREATE_DIR) <
		    0)
			return -1;
		fd = sys->sys_openat(w->fds[w->depth], name,
				     O_PATH | O_NOFOLLOW, 0);
	}
	if (fd < 0)
		return -1;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0) {
		close(fd);
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		int r = follow_link(w, fd);

		close(fd);
		return r;
	}
	if (!last && !S_ISDIR(st.st_mode)) {
		close(fd);
		errno = ENOTDIR;
		return -1;
	}
	if (!last)
		return walk_push(w, fd, name);
	if (walk_push(w, fd, name) < 0)
		return -1;
	*ret_fd = dup(fd);
	return *ret_fd < 0 ? -1 : 0;
}

static int check_type(int fd, enum fly_create create)
{
	struct stat st;

	if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0)
		return -1;
	if (create == FLY_CREATE_DIR && !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (create == FLY_CREATE_FILE && S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	return 0;
}

static int walk_run(struct walk *w, enum fly_create create, int *ret_fd)
{
	char name[NAME_MAX + 1];
	bool last;

	*ret_fd = -1;
	while (*ret_fd < 0) {
		if (!next_component(w, name, sizeof(name), &last))
			return (*ret_fd = dup(w->fds[w->depth])) < 0 ? -1 : 0;
		if (step(w, name, last, create, ret_fd) < 0)
			return -1;
	}
	return 0;
}

int fly_inroot_open(const struct fly_ctx *ctx, int root_fd, const char *path,
		    enum fly_create create, int *ret_fd, char **ret_path,
		    struct fly_error *err)
{
	struct walk w = { .ctx = ctx, .cur = "/" };
	int fd = -1, r;

	w.fds[0] = dup(root_fd);
	if (w.fds[0] < 0)
		return fly_fail(err, errno, "resolve \"%s\" in the image",
				path);
	w.todo = fly_xstrdup(path);
	r = walk_run(&w, create, &fd);
	if (r == 0 && check_type(fd, create) < 0)
		r = -1;
	if (r < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		fly_fail(err, e, "resolve \"%s\" in the image", path);
	}
	if (r == 0 && ret_path)
		*ret_path = fly_xstrdup(w.cur);
	walk_reset(&w);
	close(w.fds[0]);
	free(w.todo);
	if (r < 0)
		return -1;
	*ret_fd = fd;
	return 0;
}

int fly_inroot_openat(const struct fly_ctx *ctx, int root_fd, const char *path,
		      int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	struct fly_error err = { 0 };
	_cleanup_close_ int fd = -1;
	char fdpath[32];

	fd = ctx->sys->sys_openat2(root_fd, path, &how, sizeof(how));
	if (fd >= 0 || errno != ENOSYS)
		return FLY_TAKE_FD(fd);
	if (fly_inroot_open(ctx, root_fd, path, FLY_CREATE_NONE, &fd, NULL,
			    &err) < 0) {
		errno = err.errnum;
		return -1;
	}
	if (flags & O_PATH)
		return FLY_TAKE_FD(fd);
	fly_fd_path(fd, fdpath);
	return ctx->sys->sys_open(fdpath, flags, 0);
}

void fly_fd_path(int fd, char buf[static 32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}
