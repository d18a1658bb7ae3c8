/* Unit tests for cmd_enter.c against the recording syscall table.  The
 * test process plays the pod's app: its pid is in the pid file and it
 * holds the pod's lock, so the namespaces joined are its own (recorded,
 * never really joined). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd.h"
#include "mock_sys.h"
#include "testlib.h"
#include "util.h"

#define UUID "0123abcd-0000-4000-8000-000000000002"
#define IMAGE_ID                                                           \
	"sha512-"                                                          \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static char tmp[256];
static char *pod;        /* the pod directory */
static int lock_fd = -1; /* the app's hold on the pod's lock */
static struct fly_ctx ctx = { .sys = &mock_sys };

static const char pod_manifest[] =
	"{\"acKind\": \"PodManifest\", \"acVersion\": \"0.8.11\",\n"
	" \"apps\": [{\"name\": \"app\",\n"
	"   \"image\": {\"id\": \"" IMAGE_ID "\"},\n"
	"   \"app\": {\"exec\": [\"/bin/sh\"], \"user\": \"0\", \"group\": "
	"\"0\",\n"
	"     \"workingDirectory\": \"/srv\"}}]}\n";

static char *in_pod(const char *rel)
{
	return fly_path_join(pod, rel);
}

static void write_file(const char *rel, const char *data, size_t len,
		       mode_t mode)
{
	char *path = in_pod(rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	free(path);
}

static void write_text(const char *rel, const char *text)
{
	write_file(rel, text, strlen(text), 0644);
}

static void make_dirs(const char *rel)
{
	struct fly_error err = { 0 };
	char *path = in_pod(rel);

	assert_int_equal(fly_mkdir_p(&ctx, path, 0755, &err), 0);
	free(path);
}

/* A running pod: its files, a root with /bin/sh, /usr/bin/tool and /srv,
 * and the lock held by this process, whose pid is the app's. */
static int setup(void **state)
{
	static const char env[] = "PATH=/usr/bin:/bin\0X=1\0";
	char pid[32];

	(void)state;
	if (test_tmpdir(tmp, sizeof(tmp)) < 0)
		return -1;
	ctx.dir = tmp;
	ctx.uid = getuid();
	ctx.gid = getgid();
	ctx.root = false;
	pod = fly_xasprintf("%s/pods/run/%s", tmp, UUID);
	make_dirs("rootfs/bin");
	make_dirs("rootfs/usr/bin");
	make_dirs("rootfs/srv");
	write_file("rootfs/bin/sh", "", 0, 0755);
	write_file("rootfs/usr/bin/tool", "", 0, 0755);
	write_text("pod", pod_manifest);
	write_file("env", env, sizeof(env) - 1, 0600);
	write_text("mount-ns", "private\n");
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	write_text("pid", pid);
	lock_fd = open(pod, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
	free(pod);
	return test_rmtree(tmp);
}

static int run_enter(struct fly_error *err, ...)
{
	char *argv[8] = { (char *)"enter" };
	int argc = 1;
	va_list ap;

	va_start(ap, err);
	while (argc < 7 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	optind = 0;
	return fly_cmd_enter(&ctx, argc, argv, err);
}

/* "setns user:[4026531837] 0x10000000" for this process's namespace. */
static char *setns_line(const char *name, int flag)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/ns/%s", name);
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	return fly_xasprintf("setns %s 0x%x", target, flag);
}

static void enter_joins_chroots_and_execs_the_shell_as_the_app(void **state)
{
	struct fly_error err = { 0 };
	char *join = setns_line("mnt", 0x20000);
	const char *expected[] = {
		join,
		"fchdir <root>/pods/run/" UUID "/rootfs",
		"chroot .",
		"chdir /srv",
		"setgroups 1 0",
		"setresgid 0 0 0",
		"setresuid 0 0 0",
		"execve /bin/sh /bin/sh",
		NULL,
	};

	(void)state;
	assert_int_equal(run_enter(&err, UUID, NULL), -1);
	mock_sys_assert_calls(expected);
	assert_string_equal(err.msg, "enter: pod " UUID ": exec \"/bin/sh\": "
				     "Function not implemented");
	free(join);
}

static void a_bare_command_is_found_in_the_pod_s_path(void **state)
{
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(run_enter(&err, "0123", "tool", "-x", NULL), -1);
	assert_string_equal(mock_sys_calls()[mock_sys_count() - 1],
			    "execve /usr/bin/tool tool -x");
}

static void a_double_dash_before_the_command_is_skipped(void **state)
{
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(run_enter(&err, UUID, "--", "tool", NULL), -1);
	assert_string_equal(mock_sys_calls()[mock_sys_count() - 1],
			    "execve /usr/bin/tool tool");
}

static void a_user_namespace_is_joined_before_the_mount_namespace(void **state)
{
	struct fly_error err = { 0 };
	char *user = setns_line("user", 0x10000000);
	char *mnt = setns_line("mnt", 0x20000);

	(void)state;
	write_text("userns", "");
	ctx.root = true;
	assert_int_equal(run_enter(&err, UUID, NULL), -1);
	assert_string_equal(mock_sys_calls()[0], "setgroups 0 ");
	assert_string_equal(mock_sys_calls()[1], user);
	assert_string_equal(mock_sys_calls()[2], mnt);
	free(user);
	free(mnt);
}

static void a_pod_in_the_host_mount_namespace_joins_none(void **state)
{
	struct fly_error err = { 0 };

	(void)state;
	write_text("mount-ns", "host\n");
	assert_int_equal(run_enter(&err, UUID, NULL), -1);
	assert_string_equal(mock_sys_calls()[0],
			    "fchdir <root>/pods/run/" UUID "/rootfs");
}

static void a_wrong_app_name_is_refused(void **state)
{
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(run_enter(&err, "--app=web", UUID, NULL), -1);
	assert_string_equal(err.msg, "enter: pod " UUID ": --app: no app "
				     "\"web\" (the pod's app is \"app\")");
	assert_int_equal(mock_sys_count(), 0);
}

static void an_exited_pod_is_refused(void **state)
{
	struct fly_error err = { 0 };

	(void)state;
	close(lock_fd);
	lock_fd = -1;
	assert_int_equal(run_enter(&err, UUID, NULL), -1);
	assert_string_equal(err.msg, "enter: pod " UUID ": has exited: only a "
				     "running pod can be entered");
	assert_int_equal(mock_sys_count(), 0);
}

static void a_pod_whose_app_exited_is_refused(void **state)
{
	struct fly_error err = { 0 };

	(void)state;
	write_text("exit", "3\n");
	assert_int_equal(run_enter(&err, UUID, NULL), -1);
	assert_non_null(strstr(err.msg, "its app has exited with status 3"));
	assert_int_equal(mock_sys_count(), 0);
}

static void a_pid_that_started_after_the_pid_file_is_refused(void **state)
{
	struct fly_error err = { 0 };
	const struct timespec old[2] = { { 1, 0 }, { 1, 0 } };
	char *pid = in_pod("pid");

	(void)state;
	assert_int_equal(utimensat(AT_FDCWD, pid, old, 0), 0);
	assert_int_equal(run_enter(&err, UUID, NULL), -1);
	assert_non_null(strstr(err.msg, "another process's now"));
	assert_int_equal(mock_sys_count(), 0);
	free(pid);
}

static void another_user_s_pod_is_refused(void **state)
{
	struct fly_error err = { 0 };

	(void)state;
	ctx.uid = getuid() + 1;
	assert_int_equal(run_enter(&err, UUID, NULL), -1);
	assert_non_null(strstr(err.msg, "only that user or root may enter"));
	assert_int_equal(mock_sys_count(), 0);
}

static void a_prepared_pod_is_refused(void **state)
{
	struct fly_error err = { 0 };
	char *to = fly_xasprintf("%s/pods/prepared", tmp);
	char *moved = fly_path_join(to, UUID);
	struct fly_error ignored = { 0 };

	(void)state;
	assert_int_equal(fly_mkdir_p(&ctx, to, 0755, &ignored), 0);
	assert_int_equal(rename(pod, moved), 0);
	assert_int_equal(run_enter(&err, UUID, NULL), -1);
	assert_non_null(strstr(err.msg, "is prepared, not running: start it "
					"with `fly run-prepared`"));
	free(moved);
	free(to);
}

static void no_uuid_is_a_usage_error(void **state)
{
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(run_enter(&err, "--app=app", NULL), -1);
	assert_true(err.usage);
	assert_string_equal(err.msg, "enter: no pod UUID given");
}

#define TEST(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(enter_joins_chroots_and_execs_the_shell_as_the_app),
		TEST(a_bare_command_is_found_in_the_pod_s_path),
		TEST(a_double_dash_before_the_command_is_skipped),
		TEST(a_user_namespace_is_joined_before_the_mount_namespace),
		TEST(a_pod_in_the_host_mount_namespace_joins_none),
		TEST(a_wrong_app_name_is_refused),
		TEST(an_exited_pod_is_refused),
		TEST(a_pod_whose_app_exited_is_refused),
		TEST(a_pid_that_started_after_the_pid_file_is_refused),
		TEST(another_user_s_pod_is_refused),
		TEST(a_prepared_pod_is_refused),
		TEST(no_uuid_is_a_usage_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
