/* floor: the least work a `fly run` of a cached image can do, with no
 * validation and no choices, as the lower bound fly is measured against.
 *
 *     floor ROOTFS POD
 *
 * Creates POD with rootfs/, upper/ and work/ in it, enters a new mount
 * namespace (inside a new user namespace mapping the caller to root when
 * not run as root), makes / a recursive slave, mounts an overlay with
 * ROOTFS as its lower layer on POD/rootfs, makes that private, binds /dev,
 * /proc and /sys recursively, mounts a tmpfs on /tmp, then chroots there
 * and executes /bin/true.  Any failure prints one line and exits 1. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt,
								...)
{
	int e = errno;
	va_list ap;

	fputs("floor: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(e));
	exit(1);
}

static char *join(const char *dir, const char *name)
{
	char *path;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		die("out of memory");
	return path;
}

static void make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0)
		die("mkdir \"%s\"", path);
}

static void write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);

	if (fd < 0)
		die("open \"%s\"", path);
	if (write(fd, text, len) != (ssize_t)len)
		die("write \"%s\"", path);
	close(fd);
}

static void enter_namespaces(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	if (uid == 0) {
		if (unshare(CLONE_NEWNS) < 0)
			die("unshare mount namespace");
		return;
	}
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		die("unshare user and mount namespaces");
	write_proc("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)uid);
	write_proc("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)gid);
	write_proc("/proc/self/gid_map", map);
}

static void do_mount(const char *source, const char *target, const char *type,
		     unsigned long flags, const char *data)
{
	if (mount(source, target, type, flags, data) < 0)
		die("mount \"%s\" on \"%s\"", source ? source : "(none)",
		    target);
}

static void mount_root(const char *lower, const char *pod, const char *root)
{
	char *upper = join(pod, "upper");
	char *work = join(pod, "work");
	char *data;

	make_dir(upper, 0755);
	make_dir(work, 0700);
	if (asprintf(&data, "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper,
		     work) < 0)
		die("out of memory");
	do_mount("overlay", root, "overlay", 0, data);
	do_mount(NULL, root, NULL, MS_PRIVATE, NULL);
	free(data);
	free(work);
	free(upper);
}

static void mount_system(const char *root)
{
	static const char *const binds[] = { "/dev", "/proc", "/sys" };
	char *target;

	for (size_t i = 0; i < sizeof(binds) / sizeof(binds[0]); i++) {
		target = join(root, binds[i] + 1);
		do_mount(binds[i], target, NULL, MS_BIND | MS_REC, NULL);
		free(target);
	}
	target = join(root, "tmp");
	do_mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	free(target);
}

int main(int argc, char **argv)
{
	static char app[] = "/bin/true", path_env[] = "PATH=/bin";
	char *app_argv[] = { app, NULL }, *app_envp[] = { path_env, NULL };
	char *root;

	if (argc != 3) {
		fputs("usage: floor ROOTFS POD\n", stderr);
		return 2;
	}
	root = join(argv[2], "rootfs");
	make_dir(argv[2], 0711);
	make_dir(root, 0755);
	enter_namespaces();
	do_mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL);
	mount_root(argv[1], argv[2], root);
	mount_system(root);
	if (chroot(root) < 0)
		die("chroot \"%s\"", root);
	if (chdir("/") < 0)
		die("chdir \"/\"");
	execve(app, app_argv, app_envp);
	die("execve \"%s\"", app);
}
