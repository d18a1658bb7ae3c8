/* The syscall shim.  Every call that mounts, chroots, changes credentials,
 * creates namespaces, execs or changes the filesystem goes through one of
 * these pointers, so the logic above it can be tested in userspace against
 * a fake table.  fly_sys_real (sys.c) is the only place the raw calls
 * appear; poison.h makes any other use a compile error. */
#pragma once

#include <linux/openat2.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/types.h>

struct fly_sys {
	int (*sys_mount)(const char *src, const char *target,
			 const char *fstype, unsigned long flags,
			 const void *data);
	int (*sys_umount2)(const char *target, int flags);
	int (*sys_open_tree)(int dirfd, const char *path, unsigned int flags);
	int (*sys_move_mount)(int from_dirfd, const char *from_path,
			      int to_dirfd, const char *to_path,
			      unsigned int flags);
	int (*sys_mount_setattr)(int dirfd, const char *path,
				 unsigned int flags, struct mount_attr *attr,
				 size_t size);
	int (*sys_unshare)(int flags);
	int (*sys_setns)(int fd, int nstype);
	int (*sys_chroot)(const char *path);
	int (*sys_chdir)(const char *path);
	int (*sys_fchdir)(int fd);
	int (*sys_setresuid)(uid_t ruid, uid_t euid, uid_t suid);
	int (*sys_setresgid)(gid_t rgid, gid_t egid, gid_t sgid);
	int (*sys_setgroups)(size_t n, const gid_t *groups);
	int (*sys_execve)(const char *path, char *const argv[],
			  char *const envp[]);
	pid_t (*sys_fork)(void);
	int (*sys_open)(const char *path, int flags, mode_t mode);
	int (*sys_openat)(int dirfd, const char *path, int flags, mode_t mode);
	int (*sys_openat2)(int dirfd, const char *path, struct open_how *how,
			   size_t size);
	int (*sys_mkdirat)(int dirfd, const char *path, mode_t mode);
	int (*sys_symlinkat)(const char *target, int dirfd, const char *path);
	int (*sys_linkat)(int from_dirfd, const char *from, int to_dirfd,
			  const char *to, int flags);
	int (*sys_mknodat)(int dirfd, const char *path, mode_t mode, dev_t dev);
	int (*sys_unlinkat)(int dirfd, const char *path, int flags);
	int (*sys_renameat)(int from_dirfd, const char *from, int to_dirfd,
			    const char *to);
	int (*sys_fchownat)(int dirfd, const char *path, uid_t uid, gid_t gid,
			    int flags);
	int (*sys_fchmodat)(int dirfd, const char *path, mode_t mode,
			    int flags);
};

/* The table that calls the kernel. */
extern const struct fly_sys fly_sys_real;
