/* The real syscall table: the only file allowed to name the raw calls. */
#define FLY_SYS_IMPLEMENTATION
#include "sys.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int real_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags | O_CLOEXEC, mode);
}

static int real_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return openat(dirfd, path, flags | O_CLOEXEC, mode);
}

static int real_openat2(int dirfd, const char *path, struct open_how *how,
			size_t size)
{
	return (int)syscall(SYS_openat2, dirfd, path, how, size);
}

const struct fly_sys fly_sys_real = {
	.sys_mount = mount,
	.sys_umount2 = umount2,
	.sys_open_tree = open_tree,
	.sys_move_mount = move_mount,
	.sys_mount_setattr = mount_setattr,
	.sys_unshare = unshare,
	.sys_setns = setns,
	.sys_chroot = chroot,
	.sys_chdir = chdir,
	.sys_fchdir = fchdir,
	.sys_setresuid = setresuid,
	.sys_setresgid = setresgid,
	.sys_setgroups = setgroups,
	.sys_execve = execve,
	.sys_fork = fork,
	.sys_open = real_open,
	.sys_openat = real_openat,
	.sys_openat2 = real_openat2,
	.sys_mkdirat = mkdirat,
	.sys_symlinkat = symlinkat,
	.sys_linkat = linkat,
	.sys_mknodat = mknodat,
	.sys_unlinkat = unlinkat,
	.sys_renameat = renameat,
	.sys_fchownat = fchownat,
	.sys_fchmodat = fchmodat,
};
