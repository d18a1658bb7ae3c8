#include "mock_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#define MAX_CALLS 512

static char *calls[MAX_CALLS + 1];
static size_t ncalls;
static char root_prefix[4096];

static struct {
	char prefix[256];
	int nth;
	int errnum;
	int seen;
} failure;

void mock_sys_reset(const char *root)
{
	for (size_t i = 0; i < ncalls; i++)
		free(calls[i]);
	ncalls = 0;
	calls[0] = NULL;
	snprintf(root_prefix, sizeof(root_prefix), "%s", root ? root : "");
	memset(&failure, 0, sizeof(failure));
}

void mock_sys_fail(const char *prefix, int nth, int errnum)
{
	snprintf(failure.prefix, sizeof(failure.prefix), "%s", prefix);
	failure.nth = nth;
	failure.errnum = errnum;
	failure.seen = 0;
}

const char *const *mock_sys_calls(void)
{
	return (const char *const *)calls;
}

size_t mock_sys_count(void)
{
	return ncalls;
}

/* Replace the test root prefix by "<root>" for stable expectations. */
static void show_path(char *out, size_t n, const char *path)
{
	size_t lr = strlen(root_prefix);

	if (!path) {
		snprintf(out, n, "NULL");
		return;
	}
	if (lr && strncmp(path, root_prefix, lr) == 0 &&
	    (path[lr] == '/' || path[lr] == '\0'))
		snprintf(out, n, "<root>%s", path + lr);
	else
		snprintf(out, n, "%s", path);
}

static void show_fd(char *out, size_t n, int fd)
{
	char link[64], target[4096];
	ssize_t len;

	if (fd == AT_FDCWD) {
		snprintf(out, n, "AT_FDCWD");
		return;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, target, sizeof(target) - 1);
	if (len < 0) {
		snprintf(out, n, "fd%d", fd);
		return;
	}
	target[len] = '\0';
	show_path(out, n, target);
}

/* Record a line; return -1 with errno set if a failure was injected. */
__attribute__((format(printf, 1, 2))) static int record(const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (ncalls < MAX_CALLS) {
		calls[ncalls++] = line;
		calls[ncalls] = NULL;
	}
	if (failure.nth &&
	    strncmp(line, failure.prefix, strlen(failure.prefix)) == 0 &&
	    ++failure.seen == failure.nth) {
		if (ncalls >= MAX_CALLS)
			free(line);
		errno = failure.errnum;
		return -1;
	}
	if (ncalls >= MAX_CALLS)
		free(line);
	return 0;
}

static void show_flags(char *out, size_t n, unsigned long flags)
{
	static const struct {
		unsigned long bit;
		const char *name;
	} names[] = {
		{ MS_RDONLY, "MS_RDONLY" },
		{ MS_NOSUID, "MS_NOSUID" },
		{ MS_NODEV, "MS_NODEV" },
		{ MS_NOEXEC, "MS_NOEXEC" },
		{ MS_REMOUNT, "MS_REMOUNT" },
		{ MS_BIND, "MS_BIND" },
		{ MS_MOVE, "MS_MOVE" },
		{ MS_REC, "MS_REC" },
		{ MS_PRIVATE, "MS_PRIVATE" },
		{ MS_SLAVE, "MS_SLAVE" },
		{ MS_SHARED, "MS_SHARED" },
		{ MS_UNBINDABLE, "MS_UNBINDABLE" },
		{ MS_NOATIME, "MS_NOATIME" },
		{ MS_RELATIME, "MS_RELATIME" },
		{ MS_STRICTATIME, "MS_STRICTATIME" },
		{ MS_NODIRATIME, "MS_NODIRATIME" },
	};
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		len += (size_t)snprintf(out + len, n - len, "%s%s",
					len ? "|" : "", names[i].name);
		flags &= ~names[i].bit;
	}
	if (flags)
		len += (size_t)snprintf(out + len, n - len, "%s0x%lx",
					len ? "|" : "", flags);
	if (!len)
		snprintf(out, n, "0");
}

static int fake_fd(void)
{
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static int m_mount(const char *src, const char *target, const char *fstype,
		   unsigned long flags, const void *data)
{
	char s[4096], t[4096], f[512];

	show_path(s, sizeof(s), src);
	show_path(t, sizeof(t), target);
	show_flags(f, sizeof(f), flags);
	return record("mount %s %s %s %s %s", s, t, fstype ? fstype : "NULL", f,
		      data ? (const char *)data : "NULL");
}

static int m_umount2(const char *target, int flags)
{
	char t[4096];

	show_path(t, sizeof(t), target);
	return record("umount2 %s %d", t, flags);
}

static int m_open_tree(int dirfd, const char *path, unsigned int flags)
{
	char d[4096], p[4096];

	show_fd(d, sizeof(d), dirfd);
	show_path(p, sizeof(p), path);
	if (record("open_tree %s %s 0x%x", d, p, flags) < 0)
		return -1;
	return fake_fd();
}

static int m_move_mount(int from_dirfd, const char *from_path, int to_dirfd,
			const char *to_path, unsigned int flags)
{
	char fd[4096], fp[4096], td[4096], tp[4096];

	show_fd(fd, sizeof(fd), from_dirfd);
	show_path(fp, sizeof(fp), from_path);
	show_fd(td, sizeof(td), to_dirfd);
	show_path(tp, sizeof(tp), to_path);
	return record("move_mount %s \"%s\" %s \"%s\" 0x%x", fd, fp, td, tp,
		      flags);
}

static int m_mount_setattr(int dirfd, const char *path, unsigned int flags,
			   struct mount_attr *attr, size_t size)
{
	char d[4096], p[4096];

	(void)size;
	show_fd(d, sizeof(d), dirfd);
	show_path(p, sizeof(p), path);
	return record("mount_setattr %s \"%s\" 0x%x set=0x%llx clr=0x%llx "
		      "prop=0x%llx",
		      d, p, flags, (unsigned long long)attr->attr_set,
		      (unsigned long long)attr->attr_clr,
		      (unsigned long long)attr->propagation);
}

static int m_unshare(int flags)
{
	return record("unshare 0x%x", flags);
}

static int m_setns(int fd, int nstype)
{
	char d[4096];

	show_fd(d, sizeof(d), fd);
	return record("setns %s 0x%x", d, nstype);
}

static int m_chroot(const char *path)
{
	char p[4096];

	show_path(p, sizeof(p), path);
	return record("chroot %s", p);
}

static int m_chdir(const char *path)
{
	char p[4096];

	show_path(p, sizeof(p), path);
	return record("chdir %s", p);
}

static int m_fchdir(int fd)
{
	char d[4096];

	show_fd(d, sizeof(d), fd);
	return record("fchdir %s", d);
}

static int m_setresuid(uid_t r, uid_t e, uid_t s)
{
	return record("setresuid %u %u %u", r, e, s);
}

static int m_setresgid(gid_t r, gid_t e, gid_t s)
{
	return record("setresgid %u %u %u", r, e, s);
}

static int m_setgroups(size_t n, const gid_t *groups)
{
	char buf[1024] = "";
	size_t len = 0;

	for (size_t i = 0; i < n && len < sizeof(buf) - 16; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%u",
					i ? "," : "", groups[i]);
	return record("setgroups %zu %s", n, buf);
}

static int m_execve(const char *path, char *const argv[], char *const envp[])
{
	char buf[4096] = "";
	size_t len = 0;

	(void)envp;
	for (size_t i = 0; argv && argv[i] && len < sizeof(buf) - 1; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, " %s",
					argv[i]);
	if (record("execve %s%s", path, buf) < 0)
		return -1;
	errno = ENOSYS; /* a real execve never returns on success */
	return -1;
}

static pid_t m_fork(void)
{
	if (record("fork") < 0)
		return -1;
	return 4242;
}

/* Filesystem calls: injected failures apply, otherwise the kernel's. */
static int fs_fail(const char *name, const char *path)
{
	char p[4096];
	char line[4400];

	if (!failure.nth)
		return 0;
	show_path(p, sizeof(p), path);
	snprintf(line, sizeof(line), "%s %s", name, p);
	if (strncmp(line, failure.prefix, strlen(failure.prefix)) == 0 &&
	    ++failure.seen == failure.nth) {
		errno = failure.errnum;
		return -1;
	}
	return 0;
}

static int m_open(const char *path, int flags, mode_t mode)
{
	if (fs_fail("open", path) < 0)
		return -1;
	return open(path, flags | O_CLOEXEC, mode);
}

static int m_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	if (fs_fail("openat", path) < 0)
		return -1;
	return openat(dirfd, path, flags | O_CLOEXEC, mode);
}

static int m_openat2(int dirfd, const char *path, struct open_how *how,
		     size_t size)
{
	if (fs_fail("openat2", path) < 0)
		return -1;
	return (int)syscall(SYS_openat2, dirfd, path, how, size);
}

static int m_mkdirat(int dirfd, const char *path, mode_t mode)
{
	if (fs_fail("mkdirat", path) < 0)
		return -1;
	return mkdirat(dirfd, path, mode);
}

static int m_symlinkat(const char *target, int dirfd, const char *path)
{
	if (fs_fail("symlinkat", path) < 0)
		return -1;
	return symlinkat(target, dirfd, path);
}

static int m_linkat(int fd1, const char *from, int fd2, const char *to,
		    int flags)
{
	if (fs_fail("linkat", to) < 0)
		return -1;
	return linkat(fd1, from, fd2, to, flags);
}

static int m_mknodat(int dirfd, const char *path, mode_t mode, dev_t dev)
{
	if (fs_fail("mknodat", path) < 0)
		return -1;
	return mknodat(dirfd, path, mode, dev);
}

static int m_unlinkat(int dirfd, const char *path, int flags)
{
	if (fs_fail("unlinkat", path) < 0)
		return -1;
	return unlinkat(dirfd, path, flags);
}

static int m_renameat(int fd1, const char *from, int fd2, const char *to)
{
	if (fs_fail("renameat", from) < 0)
		return -1;
	return renameat(fd1, from, fd2, to);
}

static int m_fchownat(int dirfd, const char *path, uid_t uid, gid_t gid,
		      int flags)
{
	if (fs_fail("fchownat", path) < 0)
		return -1;
	return fchownat(dirfd, path, uid, gid, flags);
}

static int m_fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	if (fs_fail("fchmodat", path) < 0)
		return -1;
	return fchmodat(dirfd, path, mode, flags);
}

const struct fly_sys mock_sys = {
	.sys_mount = m_mount,
	.sys_umount2 = m_umount2,
	.sys_open_tree = m_open_tree,
	.sys_move_mount = m_move_mount,
	.sys_mount_setattr = m_mount_setattr,
	.sys_unshare = m_unshare,
	.sys_setns = m_setns,
	.sys_chroot = m_chroot,
	.sys_chdir = m_chdir,
	.sys_fchdir = m_fchdir,
	.sys_setresuid = m_setresuid,
	.sys_setresgid = m_setresgid,
	.sys_setgroups = m_setgroups,
	.sys_execve = m_execve,
	.sys_fork = m_fork,
	.sys_open = m_open,
	.sys_openat = m_openat,
	.sys_openat2 = m_openat2,
	.sys_mkdirat = m_mkdirat,
	.sys_symlinkat = m_symlinkat,
	.sys_linkat = m_linkat,
	.sys_mknodat = m_mknodat,
	.sys_unlinkat = m_unlinkat,
	.sys_renameat = m_renameat,
	.sys_fchownat = m_fchownat,
	.sys_fchmodat = m_fchmodat,
};

void mock_sys_assert_calls(const char *const *expected)
{
	size_t i = 0;

	for (; expected[i]; i++) {
		if (i >= ncalls) {
			mock_sys_dump();
			fail_msg("call %zu missing: expected \"%s\"", i,
				 expected[i]);
		}
		if (strcmp(calls[i], expected[i]) != 0) {
			mock_sys_dump();
			fail_msg("call %zu: expected \"%s\", got \"%s\"", i,
				 expected[i], calls[i]);
		}
	}
	if (i != ncalls) {
		mock_sys_dump();
		fail_msg("unexpected call %zu: \"%s\"", i, calls[i]);
	}
}

void mock_sys_dump(void)
{
	for (size_t i = 0; i < ncalls; i++)
		fprintf(stderr, "  [%zu] %s\n", i, calls[i]);
}
