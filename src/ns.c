#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "poison.h"

struct subid_range {
	unsigned long start;
	unsigned long count;
};

static const char *const mapper_dirs[] = { "/usr/bin", "/bin", "/usr/sbin" };

static int write_proc(const struct fly_ctx *ctx, const char *path,
		      const char *text, struct fly_error *err)
{
	_cleanup_close_ int fd = ctx->sys->sys_open(path, O_WRONLY, 0);
	size_t len = strlen(text);

	if (fd < 0)
		return fly_fail(err, errno, "open \"%s\"", path);
	if (write(fd, text, len) != (ssize_t)len)
		return fly_fail(err, errno, "write \"%s\"", path);
	return 0;
}

/* The caller's first range in /etc/subuid or /etc/subgid, by name or
 * number, as newuidmap(1) reads them. */
static bool find_range(const char *file, const char *name, unsigned long id,
		       struct subid_range *ret)
{
	FILE *f = fopen(file, "re");
	char line[512], who[256];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255[^:]:%lu:%lu", who, &ret->start,
			   &ret->count) != 3 ||
		    ret->count == 0)
			continue;
		found = (name && strcmp(who, name) == 0) ||
			strtoul(who, NULL, 10) == id;
	}
	if (f)
		fclose(f);
	return found;
}

static char *find_mapper(const char *prog)
{
	for (size_t i = 0; i < sizeof(mapper_dirs) / sizeof(*mapper_dirs);
	     i++) {
		char *path = fly_xasprintf("%s/%s", mapper_dirs[i], prog);

		if (access(path, X_OK) == 0)
			return path;
		free(path);
	}
	return NULL;
}

/* A child that waits until the parent has its user namespace, then maps
 * 0 to the caller and 1..count to the subordinate range. */
static pid_t spawn_mapper(const struct fly_ctx *ctx, const char *prog,
			  unsigned long id, const struct subid_range *r,
			  int wait_fd)
{
	char target[24], own[24], start[24], count[24];
	char *argv[9] = { (char *)prog, target, (char *)"0", own, (char *)"1",
			  (char *)"1",  start,  count,       NULL };
	char *envp[] = { NULL };
	char byte;
	pid_t pid;

	snprintf(target, sizeof(target), "%ld", (long)getpid());
	snprintf(own, sizeof(own), "%lu", id);
	snprintf(start, sizeof(start), "%lu", r->start);
	snprintf(count, sizeof(count), "%lu", r->count);
	pid = ctx->sys->sys_fork();
	if (pid != 0)
		return pid;
	if (read(wait_fd, &byte, 1) != 1)
		_exit(126);
	ctx->sys->sys_execve(prog, argv, envp);
	_exit(127);
}

static int wait_mapper(pid_t pid, const char *prog, struct fly_error *err)
{
	int status;

	if (waitpid(pid, &status, 0) < 0)
		return fly_fail(err, errno, "wait for %s", prog);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fly_fail(err, 0,
				"%s failed (status %d): check "
				"/etc/subuid and /etc/subgid",
				prog,
				WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

static int unshare_user(const struct fly_ctx *ctx, struct fly_error *err)
{
	if (ctx->sys->sys_unshare(CLONE_NEWUSER) == 0)
		return 0;
	fly_fail(err, errno, "create a user namespace");
	strncat(err->msg,
		" (unprivileged user namespaces may be disabled: "
		"see /proc/sys/user/max_user_namespaces)",
		sizeof(err->msg) - strlen(err->msg) - 1);
	return -1;
}

/* Map through newuidmap/newgidmap: both children are forked before the
 * namespace exists (they must stay outside it) and released after. */
static int map_with_helpers(const struct fly_ctx *ctx,
			    const struct subid_range *ur,
			    const struct subid_range *gr, const char *uidmap,
			    const char *gidmap, struct fly_error *err)
{
	int pipefd[2];
	pid_t upid, gpid;
	int r = 0;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return fly_fail(err, errno, "pipe");
	upid = spawn_mapper(ctx, uidmap, ctx->uid, ur, pipefd[0]);
	gpid = upid < 0 ? -1
			: spawn_mapper(ctx, gidmap, ctx->gid, gr, pipefd[0]);
	close(pipefd[0]);
	if (upid < 0 || gpid < 0)
		r = fly_fail(err, errno, "fork");
	if (r == 0)
		r = unshare_user(ctx, err);
	if (write(pipefd[1], "gg", 2) != 2 && r == 0)
		r = fly_fail(err, errno, "release the id mappers");
	close(pipefd[1]);
	if (upid > 0 && wait_mapper(upid, uidmap, err) < 0)
		r = -1;
	if (gpid > 0 && wait_mapper(gpid, gidmap, err) < 0)
		r = -1;
	return r;
}

static int map_self_only(const struct fly_ctx *ctx, struct fly_error *err)
{
	char map[64];

	if (unshare_user(ctx, err) < 0)
		return -1;
	if (write_proc(ctx, "/proc/self/setgroups", "deny", err) < 0)
		return fly_wrap(err, "user namespace");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)ctx->uid);
	if (write_proc(ctx, "/proc/self/uid_map", map, err) < 0)
		return fly_wrap(err, "user namespace");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)ctx->gid);
	if (write_proc(ctx, "/proc/self/gid_map", map, err) < 0)
		return fly_wrap(err, "user namespace");
	return 0;
}

int fly_userns_enter(const struct fly_ctx *ctx, struct fly_userns_map *ret,
		     struct fly_error *err)
{
	struct passwd *pw = getpwuid(ctx->uid);
	const char *name = pw ? pw->pw_name : NULL;
	_cleanup_free_ char *uidmap = find_mapper("newuidmap");
	_cleanup_free_ char *gidmap = find_mapper("newgidmap");
	struct subid_range ur, gr;
	bool ranges;
	int r;

	ranges = uidmap && gidmap &&
		 find_range("/etc/subuid", name, ctx->uid, &ur) &&
		 find_range("/etc/subgid", name, ctx->gid, &gr);
	if (ranges)
		r = map_with_helpers(ctx, &ur, &gr, uidmap, gidmap, err);
	else
		r = map_self_only(ctx, err);
	if (r < 0)
		return -1;
	ret->uids = ranges ? ur.count : 0;
	ret->gids = ranges ? gr.count : 0;
	if (ranges)
		fly_debug("user namespace: 0 is uid %u, 1-%lu are %lu-%lu "
			  "(newuidmap); gids likewise from %lu",
			  (unsigned int)ctx->uid, ur.count, ur.start,
			  ur.start + ur.count - 1, gr.start);
	else
		fly_debug("user namespace: uid %u and gid %u are root inside, "
			  "no other ids are mapped",
			  (unsigned int)ctx->uid, (unsigned int)ctx->gid);
	fly_debug("user namespace: the host's shared mounts are slaves here, "
		  "so host mounts reach the app but the app's mounts cannot "
		  "reach the host");
	return 0;
}

bool fly_userns_maps(const struct fly_userns_map *map, uid_t uid, gid_t gid,
		     const gid_t *groups, size_t n_groups)
{
	if (uid > map->uids || gid > map->gids)
		return false;
	for (size_t i = 0; i < n_groups; i++)
		if (groups[i] > map->gids)
			return false;
	return true;
}

static int open_ns(const struct fly_ctx *ctx, pid_t pid, const char *name,
		   int *ret_fd, struct fly_error *err)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%ld/ns/%s", (long)pid, name);
	*ret_fd = ctx->sys->sys_open(path, O_RDONLY, 0);
	if (*ret_fd < 0)
		return fly_fail(err, errno, "open \"%s\"", path);
	return 0;
}

int fly_ns_open(const struct fly_ctx *ctx, pid_t pid, int pidfd, int kinds,
		struct fly_ns_fds *ret, struct fly_error *err)
{
	struct fly_ns_fds ns = { .user_fd = -1, .mnt_fd = -1 };
	int r = 0;

	if (kinds & CLONE_NEWUSER)
		r = open_ns(ctx, pid, "user", &ns.user_fd, err);
	if (r == 0 && (kinds & CLONE_NEWNS))
		r = open_ns(ctx, pid, "mnt", &ns.mnt_fd, err);
	if (r == 0 && pidfd >= 0 && pidfd_send_signal(pidfd, 0, NULL, 0) < 0)
		r = fly_fail(err, errno,
			     "pid %ld ended while its namespaces "
			     "were opened",
			     (long)pid);
	if (r < 0) {
		fly_ns_fds_close(&ns);
		return -1;
	}
	*ret = ns;
	return 0;
}

int fly_ns_join(const struct fly_ctx *ctx, const struct fly_ns_fds *ns,
		struct fly_error *err)
{
	if (ns->user_fd >= 0) {
		fly_debug("join the user namespace");
		if (ctx->sys->sys_setns(ns->user_fd, CLONE_NEWUSER) < 0)
			return fly_fail(err, errno, "join the user namespace");
	}
	if (ns->mnt_fd >= 0) {
		fly_debug("join the mount namespace");
		if (ctx->sys->sys_setns(ns->mnt_fd, CLONE_NEWNS) < 0)
			return fly_fail(err, errno, "join the mount namespace");
	}
	return 0;
}

void fly_ns_fds_close(struct fly_ns_fds *ns)
{
	if (!ns)
		return;
	if (ns->user_fd >= 0)
		close(ns->user_fd);
	if (ns->mnt_fd >= 0)
		close(ns->mnt_fd);
	ns->user_fd = -1;
	ns->mnt_fd = -1;
}

int fly_ns_enter_private(const struct fly_ctx *ctx, struct fly_error *err)
{
	struct fly_userns_map map;

	if (!ctx->root && fly_userns_enter(ctx, &map, err) < 0)
		return -1;
	if (ctx->sys->sys_unshare(CLONE_NEWNS) < 0)
		return fly_fail(err, errno, "create a mount namespace");
	if (ctx->sys->sys_mount("none", "/", "none", MS_REC | MS_PRIVATE,
				NULL) < 0)
		return fly_fail(err, errno,
				"make the mounts of the new "
				"namespace private");
	fly_debug("private mount namespace");
	return 0;
}
