/* Included last by every source file but sys.c: the raw calls that the
 * syscall shim (sys.h) wraps become compile errors, so nothing can bypass
 * the shim by accident.  Use ctx->sys->sys_NAME instead. */
#pragma once

#ifndef FLY_SYS_IMPLEMENTATION
#pragma GCC poison mount umount umount2 open_tree move_mount mount_setattr
#pragma GCC poison unshare setns chroot pivot_root chdir fchdir
#pragma GCC poison setuid setgid seteuid setegid setresuid setresgid
#pragma GCC poison setgroups execve execv execvp execvpe execl execlp
#pragma GCC poison fexecve fork vfork open openat mkdir mkdirat
#pragma GCC poison symlink symlinkat unlink unlinkat rmdir rename renameat
#pragma GCC poison linkat mknod mknodat
#pragma GCC poison chown fchownat lchown chmod fchmodat
#endif
