/* Unit tests for the mount executor: the exact calls, in order, that a
 * plan turns into, and what happens when one of them fails. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mock_sys.h"
#include "testlib.h"
#include "mountexec.h"
#include "plan.h"
#include "util.h"

static char top[64];
static char rootfs[128];
static struct fly_ctx ctx = { .sys = &mock_sys, .root = true };
static struct fly_mount_entry entries[] = {
	{ .id = 1, .target = (char *)"/" },
	{ .id = 2, .target = (char *)"/srv", .shared = 3 },
};
static const struct fly_mount_table host = { entries, 2 };

static int setup(void **state)
{
	(void)state;
	if (test_tmpdir(top, sizeof(top)) < 0)
		return -1;
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", top);
	if (mkdir(rootfs, 0755) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return test_rmtree(top);
}

static struct fly_plan_input input(enum fly_ns_mode ns)
{
	struct fly_plan_input in = {
		.ns = ns,
		.rootfs = rootfs,
		.host = &host,
	};
	return in;
}

static int run_plan(const struct fly_plan_input *in, struct fly_mount_state *st,
		    struct fly_error *err)
{
	struct fly_mount_plan plan;
	int r;

	assert_int_equal(fly_plan_build(in, &plan, err), 0);
	fly_mount_state_init(st);
	r = fly_plan_execute(&ctx, &plan, st, err);
	fly_plan_free(&plan);
	return r;
}

#define MOVE(target) \
	"move_mount /dev/null \"\" <root>/rootfs" target " \"\" 0x44"

static void a_private_run_makes_these_calls_in_order(void **state)
{
	struct fly_plan_volume v = {
		"srv", "/srv", "/data", true, false, true
	};
	struct fly_plan_input in = input(FLY_NS_PRIVATE);
	struct fly_mount_state st;
	struct fly_error err = { 0 };
	const char *const want[] = {
		"mount none /srv none MS_REC|MS_SHARED NULL",
		"unshare 0x20000",
		"open_tree AT_FDCWD /srv 0x88001",
		"mount none / none MS_REC|MS_SLAVE NULL",
		"mount <root>/rootfs <root>/rootfs none MS_BIND NULL",
		"mount none <root>/rootfs none MS_UNBINDABLE NULL",
		"open_tree AT_FDCWD /dev 0x88001",
		MOVE("/dev"),
		"open_tree AT_FDCWD /proc 0x88001",
		MOVE("/proc"),
		"open_tree AT_FDCWD /sys 0x88001",
		MOVE("/sys"),
		NULL, /* tmpfs: path of a descriptor, checked below */
	};
	const char *const *calls;

	(void)state;
	in.volumes = &v;
	in.n_volumes = 1;
	assert_int_equal(run_plan(&in, &st, &err), 0);
	calls = mock_sys_calls();
	for (size_t i = 0; want[i]; i++)
		assert_string_equal(calls[i], want[i]);
	assert_true(
		fly_str_has_prefix(calls[12], "mount tmpfs /proc/self/fd/"));
	assert_non_null(strstr(calls[12], " tmpfs MS_NOSUID|MS_NODEV "
					  "mode=1777"));
	assert_string_equal(calls[13], MOVE("/data"));
	assert_int_equal(mock_sys_count(), 14);
	assert_false(st.classic);
	fly_mount_state_clear(&st);
}

static void without_the_new_mount_api_binds_use_mount(void **state)
{
	struct fly_plan_input in = input(FLY_NS_HOST);
	struct fly_mount_state st;
	struct fly_error err = { 0 };
	const char *const *calls;

	(void)state;
	mock_sys_fail("open_tree", 1, ENOSYS);
	assert_int_equal(run_plan(&in, &st, &err), 0);
	calls = mock_sys_calls();
	assert_string_equal(calls[2], "open_tree AT_FDCWD /dev 0x88001");
	assert_true(fly_str_has_prefix(calls[3], "mount /dev /proc/self/fd/"));
	assert_non_null(strstr(calls[3], " none MS_BIND|MS_REC NULL"));
	assert_true(fly_str_has_prefix(calls[4], "mount /proc /proc/self/fd/"));
	assert_true(st.classic);
	fly_mount_state_clear(&st);
}

static void a_failing_bind_names_the_volume_and_can_be_undone(void **state)
{
	struct fly_plan_volume v = { "data", "/home/x", "/data",
				     true,   false,     false };
	struct fly_plan_input in = input(FLY_NS_HOST);
	struct fly_mount_state st;
	struct fly_error err = { 0 };
	size_t before;

	(void)state;
	in.volumes = &v;
	in.n_volumes = 1;
	mock_sys_fail("move_mount", 4, EACCES);
	assert_int_equal(run_plan(&in, &st, &err), -1);
	assert_string_equal(err.msg, "volume \"data\": bind \"/home/x\" on "
				     "\"/data\": Permission denied");
	/* the root, /dev, /proc, /sys and /tmp were mounted */
	assert_int_equal(st.n_mounted, 5);
	before = mock_sys_count();
	fly_mount_undo(&ctx, &st);
	assert_int_equal(mock_sys_count(), before + 6);
	assert_string_equal(mock_sys_calls()[before],
			    "mount none <root>/rootfs none MS_REC|MS_PRIVATE "
			    "NULL");
	assert_string_equal(mock_sys_calls()[before + 1],
			    "umount2 <root>/rootfs/tmp 2");
	assert_string_equal(mock_sys_calls()[before + 5],
			    "umount2 <root>/rootfs 2");
	fly_mount_state_clear(&st);
}

static void undo_detaches_nothing_it_could_not_make_private(void **state)
{
	struct fly_plan_input in = input(FLY_NS_HOST);
	struct fly_mount_state st;
	struct fly_error err = { 0 };
	size_t before;

	(void)state;
	assert_int_equal(run_plan(&in, &st, &err), 0);
	before = mock_sys_count();
	mock_sys_fail("mount none <root>/rootfs none MS_REC|MS_PRIVATE", 1,
		      EPERM);
	fly_mount_undo(&ctx, &st);
	assert_int_equal(mock_sys_count(), before + 1);
	fly_mount_state_clear(&st);
}

static void a_target_symlink_to_slash_lands_inside_the_root(void **state)
{
	struct fly_plan_volume v = { "data", "/home/x", "/escape/data",
				     true,   false,     false };
	struct fly_plan_input in = input(FLY_NS_HOST);
	struct fly_mount_state st;
	struct fly_error err = { 0 };
	char *link = fly_path_join(rootfs, "escape");
	char *inside = fly_path_join(rootfs, "data");

	(void)state;
	assert_int_equal(symlink("/", link), 0);
	in.volumes = &v;
	in.n_volumes = 1;
	assert_int_equal(run_plan(&in, &st, &err), 0);
	assert_string_equal(mock_sys_calls()[mock_sys_count() - 1],
			    MOVE("/data"));
	assert_int_equal(access(inside, F_OK), 0);
	assert_int_equal(access("/data", F_OK) == 0 &&
				 access("/data/.fly-test", F_OK) == 0,
			 0);
	fly_mount_state_clear(&st);
	free(link);
	free(inside);
}

static void a_directory_source_on_a_file_target_is_refused(void **state)
{
	struct fly_plan_volume v = { "data", "/home/x", "/etc/f",
				     true,   false,     false };
	struct fly_plan_input in = input(FLY_NS_HOST);
	struct fly_mount_state st;
	struct fly_error err = { 0 };
	char *dir = fly_path_join(rootfs, "etc");
	char *file = fly_path_join(rootfs, "etc/f");

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	close(creat(file, 0644));
	in.volumes = &v;
	in.n_volumes = 1;
	assert_int_equal(run_plan(&in, &st, &err), -1);
	assert_string_equal(err.msg, "volume \"data\": the target \"/etc/f\" "
				     "in the image is a file, the source a "
				     "directory: Not a directory");
	fly_mount_state_clear(&st);
	free(dir);
	free(file);
}

static void read_only_uses_mount_setattr_or_a_bind_remount(void **state)
{
	struct fly_plan_volume v = { "data", "/home/x", "/data",
				     true,   true,      false };
	struct fly_plan_input in = input(FLY_NS_HOST);
	struct fly_mount_state st;
	struct fly_error err = { 0 };
	const char *last;

	(void)state;
	in.volumes = &v;
	in.n_volumes = 1;
	assert_int_equal(run_plan(&in, &st, &err), 0);
	last = mock_sys_calls()[mock_sys_count() - 1];
	assert_string_equal(last, "mount_setattr <root>/rootfs/data \"\" "
				  "0x1000 set=0x1 clr=0x0 prop=0x0");
	fly_mount_state_clear(&st);

	mock_sys_reset(top);
	mock_sys_fail("mount_setattr", 1, ENOSYS);
	assert_int_equal(run_plan(&in, &st, &err), 0);
	last = mock_sys_calls()[mock_sys_count() - 1];
	assert_true(fly_str_has_prefix(last, "mount none /proc/self/fd/"));
	assert_non_null(strstr(last, "MS_RDONLY|MS_REMOUNT|MS_BIND"));
	fly_mount_state_clear(&st);
}

static void an_existing_hosts_file_is_never_changed(void **state)
{
	struct fly_plan_input in = input(FLY_NS_HOST);
	struct fly_mount_state st;
	struct fly_error err = { 0 };
	char *etc = fly_path_join(rootfs, "etc");
	char *hosts = fly_path_join(rootfs, "etc/hosts");
	char *text = NULL;
	FILE *f;

	(void)state;
	assert_int_equal(mkdir(etc, 0755), 0);
	f = fopen(hosts, "w");
	fputs("10.0.0.1 mine\n", f);
	fclose(f);
	in.hosts = FLY_FILE_DEFAULT;
	in.hosts_text = "127.0.0.1 localhost localdomain\n";
	assert_int_equal(run_plan(&in, &st, &err), 0);
	assert_int_equal(fly_read_file(hosts, 4096, &text, NULL, &err), 0);
	assert_string_equal(text, "10.0.0.1 mine\n");
	free(text);
	fly_mount_state_clear(&st);
	free(etc);
	free(hosts);
}

static void resolv_conf_is_written_through_a_dangling_link(void **state)
{
	struct fly_plan_input in = input(FLY_NS_HOST);
	struct fly_mount_state st;
	struct fly_error err = { 0 };
	char *etc = fly_path_join(rootfs, "etc");
	char *link = fly_path_join(rootfs, "etc/resolv.conf");
	char *real = fly_path_join(rootfs, "run/resolv.conf");
	char *mtab = fly_path_join(rootfs, "etc/mtab");
	char *text = NULL, buf[64] = "";

	(void)state;
	assert_int_equal(mkdir(etc, 0755), 0);
	assert_int_equal(symlink("/run/resolv.conf", link), 0);
	in.resolv = FLY_FILE_WRITE;
	in.resolv_text = "nameserver 192.0.2.1\n";
	if (run_plan(&in, &st, &err) < 0)
		fail_msg("%s", err.msg);
	if (fly_read_file(real, 4096, &text, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(text, "nameserver 192.0.2.1\n");
	assert_true(readlink(mtab, buf, sizeof(buf) - 1) > 0);
	assert_string_equal(buf, "../proc/self/mounts");
	free(text);
	fly_mount_state_clear(&st);
	free(etc);
	free(link);
	free(real);
	free(mtab);
}

/* An image tree with one file, as the store renders it. */
static char *make_lower(void)
{
	char *lower = fly_path_join(top, "lower");
	char *file = fly_path_join(lower, "hello");
	FILE *f;

	assert_int_equal(mkdir(lower, 0755), 0);
	f = fopen(file, "w");
	fputs("hi\n", f);
	fclose(f);
	free(file);
	return lower;
}

static void a_refused_overlay_falls_back_to_a_copy(void **state)
{
	struct fly_plan_input in = input(FLY_NS_HOST);
	struct fly_mount_state st;
	struct fly_error err = { 0 };
	char *copied = fly_path_join(rootfs, "hello");
	char *text = NULL;

	(void)state;
	in.lower = make_lower();
	in.upper = "/u";
	in.work = "/w";
	mock_sys_fail("mount overlay", 1, ENODEV);
	if (run_plan(&in, &st, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(fly_str_has_prefix(mock_sys_calls()[0], "mount overlay "));
	assert_string_equal(mock_sys_calls()[1],
			    "mount <root>/rootfs "
			    "<root>/rootfs none MS_BIND NULL");
	assert_int_equal(fly_read_file(copied, 100, &text, NULL, &err), 0);
	assert_string_equal(text, "hi\n");
	free(text);
	free(copied);
	free((char *)in.lower);
	fly_mount_state_clear(&st);
}

static void an_overlay_failing_otherwise_is_an_error(void **state)
{
	struct fly_plan_input in = input(FLY_NS_HOST);
	struct fly_mount_state st;
	struct fly_error err = { 0 };

	(void)state;
	in.lower = make_lower();
	in.upper = "/u";
	in.work = "/w";
	mock_sys_fail("mount overlay", 1, ENOSPC);
	assert_int_equal(run_plan(&in, &st, &err), -1);
	assert_true(fly_str_has_prefix(err.msg, "the app's root: mount overlay "
						"on \""));
	assert_non_null(strstr(err.msg, "mount limit"));
	assert_int_equal(mock_sys_count(), 1);
	free((char *)in.lower);
	fly_mount_state_clear(&st);
}

static void a_failing_namespace_is_reported(void **state)
{
	struct fly_plan_input in = input(FLY_NS_PRIVATE);
	struct fly_mount_state st;
	struct fly_error err = { 0 };

	(void)state;
	mock_sys_fail("unshare", 1, EPERM);
	assert_int_equal(run_plan(&in, &st, &err), -1);
	assert_string_equal(err.msg, "create a mount namespace: "
				     "Operation not permitted");
	assert_int_equal(mock_sys_count(), 1);
	fly_mount_state_clear(&st);
}

/* Run one MAKE_UNBINDABLE op on /d/pods/run/p/rootfs whose mount call
 * fails with errnum. */
static int unbind_failing(bool if_mounted, int errnum, struct fly_error *err)
{
	struct fly_mount_op op = {
		.kind = FLY_OP_MAKE_UNBINDABLE,
		.target = (char *)"/d/pods/run/p/rootfs",
		.slot = -1,
		.if_mounted = if_mounted,
		.what = (char *)"another pod's root",
	};
	struct fly_mount_plan plan = { .ops = &op, .n = 1 };
	struct fly_mount_state st;
	int r;

	fly_mount_state_init(&st);
	mock_sys_fail("mount none /d/pods/run/p/rootfs none MS_UNBINDABLE", 1,
		      errnum);
	r = fly_plan_execute(&ctx, &plan, &st, err);
	fly_mount_state_clear(&st);
	return r;
}

static void another_pods_root_gone_since_the_plan_is_passed_over(void **s)
{
	struct fly_error err = { 0 };

	(void)s;
	assert_int_equal(unbind_failing(true, EINVAL, &err), 0);
	assert_int_equal(unbind_failing(true, ENOENT, &err), 0);
	assert_int_equal(unbind_failing(true, EPERM, &err), -1);
	assert_non_null(strstr(err.msg, "change propagation of "
					"\"/d/pods/run/p/rootfs\""));
	fly_error_clear(&err);
	assert_int_equal(unbind_failing(false, EINVAL, &err), -1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(a_private_run_makes_these_calls_in_order),
		T(without_the_new_mount_api_binds_use_mount),
		T(a_failing_bind_names_the_volume_and_can_be_undone),
		T(undo_detaches_nothing_it_could_not_make_private),
		T(a_target_symlink_to_slash_lands_inside_the_root),
		T(a_directory_source_on_a_file_target_is_refused),
		T(read_only_uses_mount_setattr_or_a_bind_remount),
		T(an_existing_hosts_file_is_never_changed),
		T(resolv_conf_is_written_through_a_dangling_link),
		T(a_refused_overlay_falls_back_to_a_copy),
		T(an_overlay_failing_otherwise_is_an_error),
		T(a_failing_namespace_is_reported),
		T(another_pods_root_gone_since_the_plan_is_passed_over),
	};
#undef T
	umask(022);
	return cmocka_run_group_tests_name("mountexec", tests, NULL, NULL);
}
