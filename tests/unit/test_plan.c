/* Unit tests for the mount plan (behaviour.md 3, 3.1, 3.2, 3.5): the plan
 * is data, so each rule is checked as the exact list of operations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include <cmocka.h>

#include "plan.h"
#include "util.h"

static struct fly_mount_entry host_entries[] = {
	{ .id = 1, .target = (char *)"/", .shared = 1 },
	{ .id = 2, .target = (char *)"/srv", .shared = 7 },
	{ .id = 3, .target = (char *)"/srv/a" },
	{ .id = 4, .target = (char *)"/srv/a/b" },
	{ .id = 5, .target = (char *)"/srvx" },
};
static const struct fly_mount_table host = { host_entries, 5 };

static struct fly_plan_input base(void)
{
	struct fly_plan_input in = {
		.ns = FLY_NS_PRIVATE,
		.rootfs = "/d/pods/run/u/rootfs",
		.lower = "/d/images/i/rootfs",
		.upper = "/d/pods/run/u/upper",
		.work = "/d/pods/run/u/work",
		.host = &host,
	};
	return in;
}

/* Build the plan and compare its description with expected lines. */
static void assert_plan(const struct fly_plan_input *in,
			const char *const *expected)
{
	struct fly_mount_plan plan;
	struct fly_error err = { 0 };
	size_t i = 0;

	if (fly_plan_build(in, &plan, &err) < 0)
		fail_msg("%s", err.msg);
	for (; expected[i]; i++) {
		char *line;

		if (i >= plan.n)
			fail_msg("op %zu missing: \"%s\"", i, expected[i]);
		line = fly_op_describe(&plan.ops[i]);
		if (strcmp(line, expected[i]) != 0) {
			for (size_t k = 0; k < plan.n; k++) {
				char *l = fly_op_describe(&plan.ops[k]);

				fprintf(stderr, "  [%zu] %s\n", k, l);
				free(l);
			}
			fail_msg("op %zu: expected \"%s\", got \"%s\"", i,
				 expected[i], line);
		}
		free(line);
	}
	assert_int_equal(plan.n, i);
	fly_plan_free(&plan);
}

#define ROOT_OPS                                                            \
	"overlay lowerdir=/d/images/i/rootfs,upperdir=/d/pods/run/u/upper," \
	"workdir=/d/pods/run/u/work on /d/pods/run/u/rootfs",               \
		"make-unbindable /d/pods/run/u/rootfs"
#define USER_ROOT_OPS                                                       \
	"overlay lowerdir=/d/images/i/rootfs,upperdir=/d/pods/run/u/upper," \
	"workdir=/d/pods/run/u/work,userxattr on /d/pods/run/u/rootfs",     \
		"make-unbindable /d/pods/run/u/rootfs"
#define SYSTEM_OPS                                          \
	"bind /dev on /dev recursive create=dir",           \
		"bind /proc on /proc recursive create=dir", \
		"bind /sys on /sys recursive create=dir",   \
		"tmpfs on /tmp mode=1777 create=dir"
#define MTAB_OP "symlink /etc/mtab -> ../proc/self/mounts if missing"

static void a_private_run_binds_dev_proc_sys_then_tmp(void **state)
{
	struct fly_plan_input in = base();
	const char *const want[] = {
		"unshare mount namespace",
		"make-rslave /",
		ROOT_OPS,
		SYSTEM_OPS,
		MTAB_OP,
		NULL,
	};

	(void)state;
	assert_plan(&in, want);
}

static void a_host_namespace_run_makes_no_namespace(void **state)
{
	struct fly_plan_input in = base();
	const char *const want[] = { ROOT_OPS, SYSTEM_OPS, MTAB_OP, NULL };

	(void)state;
	in.ns = FLY_NS_HOST;
	assert_plan(&in, want);
}

static void without_overlay_the_rootfs_copy_is_bound_on_itself(void **st)
{
	struct fly_plan_input in = base();
	const char *const want[] = {
		"unshare mount namespace",
		"make-rslave /",
		"bind /d/pods/run/u/rootfs on itself",
		"make-unbindable /d/pods/run/u/rootfs",
		SYSTEM_OPS,
		MTAB_OP,
		NULL,
	};

	(void)st;
	in.lower = NULL;
	assert_plan(&in, want);
}

static void with_no_overlay_the_image_is_copied_and_bound(void **state)
{
	struct fly_plan_input in = base();
	const char *const want[] = {
		"unshare mount namespace",
		"make-rslave /",
		"copy /d/images/i/rootfs to /d/pods/run/u/rootfs, bind it on "
		"itself",
		"make-unbindable /d/pods/run/u/rootfs",
		SYSTEM_OPS,
		MTAB_OP,
		NULL,
	};

	(void)state;
	in.no_overlay = true;
	assert_plan(&in, want);
}

static void a_volume_is_bound_non_recursively_by_default(void **state)
{
	struct fly_plan_volume v = {
		"data", "/home/u/data", "/data", true, false, false,
	};
	struct fly_plan_input in = base();
	const char *const want[] = {
		"unshare mount namespace",
		"make-rslave /",
		ROOT_OPS,
		SYSTEM_OPS,
		"bind /home/u/data on /data create=dir",
		MTAB_OP,
		NULL,
	};

	(void)state;
	in.volumes = &v;
	in.n_volumes = 1;
	assert_plan(&in, want);
}

static void a_file_source_creates_a_file_target(void **state)
{
	struct fly_plan_volume v = {
		"conf", "/etc/app.conf", "/etc/app.conf", false, false, false,
	};
	struct fly_plan_input in = base();
	const char *const want[] = {
		"unshare mount namespace",
		"make-rslave /",
		ROOT_OPS,
		SYSTEM_OPS,
		"bind /etc/app.conf on /etc/app.conf create=file",
		MTAB_OP,
		NULL,
	};

	(void)state;
	in.volumes = &v;
	in.n_volumes = 1;
	assert_plan(&in, want);
}

static void a_mountpoint_source_is_shared_and_cloned_before_rslave(void **s)
{
	struct fly_plan_volume v = { "srv", "/srv", "/srv", true, false, true };
	struct fly_plan_input in = base();
	const char *const want[] = {
		"make-rshared /srv",
		"unshare mount namespace",
		"clone /srv to slot 0 recursive",
		"make-rslave /",
		ROOT_OPS,
		SYSTEM_OPS,
		"bind slot 0 (/srv) on /srv recursive create=dir",
		MTAB_OP,
		NULL,
	};

	(void)s;
	in.volumes = &v;
	in.n_volumes = 1;
	assert_plan(&in, want);
}

static void in_host_mode_a_mountpoint_source_is_shared_then_bound(void **s)
{
	struct fly_plan_volume v = {
		"srv", "/srv", "/srv", true, false, false
	};
	struct fly_plan_input in = base();
	const char *const want[] = {
		"make-rshared /srv",
		ROOT_OPS,
		SYSTEM_OPS,
		"bind /srv on /srv create=dir",
		MTAB_OP,
		NULL,
	};

	(void)s;
	in.ns = FLY_NS_HOST;
	in.volumes = &v;
	in.n_volumes = 1;
	assert_plan(&in, want);
}

/* A host holding, below the shared source /d, the roots of two host-mode
 * pods, a mount inside one of them, and things that only look like roots. */
static struct fly_mount_entry pods_entries[] = {
	{ .id = 1, .target = (char *)"/" },
	{ .id = 2, .target = (char *)"/d" },
	{ .id = 3, .target = (char *)"/d/pods/run/p1/rootfs" },
	{ .id = 4, .target = (char *)"/d/pods/run/p1/rootfs/dev" },
	{ .id = 5, .target = (char *)"/d/pods/exited-garbage/p2/rootfs" },
	{ .id = 6, .target = (char *)"/d/pods/run/p3/rootfs/x/rootfs" },
	{ .id = 7, .target = (char *)"/d/pods/rootfs" },
	{ .id = 8, .target = (char *)"/d/podsx/run/p4/rootfs" },
	{ .id = 9, .target = (char *)"/e/pods/run/p5/rootfs" },
};
static const struct fly_mount_table pods_host = { pods_entries, 9 };

static void a_shared_source_keeps_other_pods_roots_unbindable(void **s)
{
	struct fly_plan_volume v = { "d", "/d", "/d", true, false, true };
	struct fly_plan_input in = base();
	const char *const want[] = {
		"make-rshared /d",
		"make-unbindable /d/pods/run/p1/rootfs if mounted",
		"make-unbindable /d/pods/exited-garbage/p2/rootfs if mounted",
		ROOT_OPS,
		SYSTEM_OPS,
		"bind /d on /d recursive create=dir",
		MTAB_OP,
		NULL,
	};

	(void)s;
	in.ns = FLY_NS_HOST;
	in.host = &pods_host;
	in.pods = "/d/pods";
	in.volumes = &v;
	in.n_volumes = 1;
	assert_plan(&in, want);
}

static void a_root_under_two_shared_sources_is_marked_once(void **s)
{
	struct fly_plan_volume v[] = {
		{ "d", "/d", "/a", true, false, false },
		{ "r", "/d/pods/run/p1/rootfs", "/b", true, false, false },
	};
	struct fly_plan_input in = base();
	const char *const want[] = {
		"make-rshared /d",
		"make-unbindable /d/pods/run/p1/rootfs if mounted",
		"make-unbindable /d/pods/exited-garbage/p2/rootfs if mounted",
		"make-rshared /d/pods/run/p1/rootfs",
		ROOT_OPS,
		SYSTEM_OPS,
		"bind /d on /a create=dir",
		"bind /d/pods/run/p1/rootfs on /b create=dir",
		MTAB_OP,
		NULL,
	};

	(void)s;
	in.ns = FLY_NS_HOST;
	in.host = &pods_host;
	in.pods = "/d/pods";
	in.volumes = v;
	in.n_volumes = 2;
	assert_plan(&in, want);
}

static void overlay_paths_are_escaped_and_user_namespaces_use_userxattr(
	void **state)
{
	struct fly_plan_input in = base();
	const char *const want[] = {
		"unshare mount namespace",
		"make-rslave /",
		"overlay lowerdir=/d/a\\:b,upperdir=/d/c\\,d,"
		"workdir=/d/w\\\\x,userxattr on /d/pods/run/u/rootfs",
		"make-unbindable /d/pods/run/u/rootfs",
		SYSTEM_OPS,
		MTAB_OP,
		NULL,
	};

	(void)state;
	in.userns = true;
	in.lower = "/d/a:b";
	in.upper = "/d/c,d";
	in.work = "/d/w\\x";
	assert_plan(&in, want);
}

static void unprivileged_runs_cannot_share_host_mounts(void **state)
{
	struct fly_plan_volume v = {
		"srv", "/srv", "/srv", true, false, false
	};
	struct fly_plan_input in = base();
	const char *const want[] = {
		"unshare mount namespace",
		"make-rslave /",
		USER_ROOT_OPS,
		SYSTEM_OPS,
		"bind /srv on /srv create=dir",
		MTAB_OP,
		NULL,
	};

	(void)state;
	in.userns = true;
	in.volumes = &v;
	in.n_volumes = 1;
	assert_plan(&in, want);
}

static void a_read_only_recursive_volume_makes_every_submount_read_only(
	void **state)
{
	struct fly_plan_volume v = { "srv", "/srv", "/mnt", true, true, true };
	struct fly_plan_input in = base();
	const char *const want[] = {
		"make-rshared /srv",
		ROOT_OPS,
		SYSTEM_OPS,
		"bind /srv on /mnt recursive create=dir",
		"read-only /mnt",
		"read-only /mnt/a",
		"read-only /mnt/a/b",
		MTAB_OP,
		NULL,
	};

	(void)state;
	in.ns = FLY_NS_HOST;
	in.volumes = &v;
	in.n_volumes = 1;
	assert_plan(&in, want);
}

static void a_read_only_non_recursive_volume_has_one_remount(void **state)
{
	struct fly_plan_volume v = { "srv", "/srv", "/mnt", true, true, false };
	struct fly_plan_input in = base();
	const char *const want[] = {
		"make-rshared /srv",
		ROOT_OPS,
		SYSTEM_OPS,
		"bind /srv on /mnt create=dir",
		"read-only /mnt",
		MTAB_OP,
		NULL,
	};

	(void)state;
	in.ns = FLY_NS_HOST;
	in.volumes = &v;
	in.n_volumes = 1;
	assert_plan(&in, want);
}

static void a_volume_inside_another_is_mounted_after_it(void **state)
{
	struct fly_plan_volume v[] = {
		{ "inner", "/home/u/b", "/data/inner", true, false, false },
		{ "outer", "/home/u/a", "/data", true, false, false },
	};
	struct fly_plan_input in = base();
	const char *const want[] = {
		ROOT_OPS,
		SYSTEM_OPS,
		"bind /home/u/a on /data create=dir",
		"bind /home/u/b on /data/inner create=dir",
		MTAB_OP,
		NULL,
	};

	(void)state;
	in.ns = FLY_NS_HOST;
	in.volumes = v;
	in.n_volumes = 2;
	assert_plan(&in, want);
}

static void dns_and_hosts_come_after_the_volumes(void **state)
{
	struct fly_plan_volume v = {
		"data", "/home/u/data", "/data", true, false, false,
	};
	struct fly_plan_input in = base();
	const char *const want[] = {
		ROOT_OPS,
		SYSTEM_OPS,
		"bind /home/u/data on /data create=dir",
		"write /etc/resolv.conf (19 bytes)",
		"bind /etc/hosts on /etc/hosts create=file",
		MTAB_OP,
		NULL,
	};

	(void)state;
	in.ns = FLY_NS_HOST;
	in.volumes = &v;
	in.n_volumes = 1;
	in.resolv = FLY_FILE_WRITE;
	in.resolv_text = "nameserver 8.8.8.8\n";
	in.hosts = FLY_FILE_HOST;
	in.hosts_host = "/etc/hosts";
	assert_plan(&in, want);
}

static void a_missing_hosts_file_gets_the_default(void **state)
{
	struct fly_plan_input in = base();
	const char *const want[] = {
		ROOT_OPS,
		SYSTEM_OPS,
		"bind /etc/resolv.conf on /etc/resolv.conf create=file",
		"write /etc/hosts (32 bytes) if missing",
		MTAB_OP,
		NULL,
	};

	(void)state;
	in.ns = FLY_NS_HOST;
	in.resolv = FLY_FILE_HOST;
	in.resolv_host = "/etc/resolv.conf";
	in.hosts = FLY_FILE_DEFAULT;
	in.hosts_text = "127.0.0.1 localhost localdomain\n";
	assert_plan(&in, want);
}

static void a_read_only_rootfs_is_remounted_last(void **state)
{
	struct fly_plan_input in = base();
	const char *const want[] = {
		ROOT_OPS, SYSTEM_OPS, MTAB_OP, "read-only /", NULL,
	};

	(void)state;
	in.ns = FLY_NS_HOST;
	in.read_only_rootfs = true;
	assert_plan(&in, want);
}

static void a_resolv_conf_volume_conflicts_with_dns(void **state)
{
	struct fly_plan_volume v = {
		"dns", "/tmp/r", "/etc/resolv.conf", false, false, false,
	};
	struct fly_plan_input in = base();
	struct fly_mount_plan plan;
	struct fly_error err = { 0 };

	(void)state;
	in.volumes = &v;
	in.n_volumes = 1;
	in.resolv = FLY_FILE_WRITE;
	in.resolv_text = "nameserver 1.1.1.1\n";
	assert_int_equal(fly_plan_build(&in, &plan, &err), -1);
	assert_false(err.usage);
	assert_string_equal(err.msg, "volume \"dns\" and --dns both provide "
				     "/etc/resolv.conf");
}

static void a_resolv_conf_volume_alone_is_kept(void **state)
{
	struct fly_plan_volume v = {
		"dns", "/tmp/r", "/etc/resolv.conf", false, false, false,
	};
	struct fly_plan_input in = base();
	const char *const want[] = {
		ROOT_OPS,
		SYSTEM_OPS,
		"bind /tmp/r on /etc/resolv.conf create=file",
		MTAB_OP,
		NULL,
	};

	(void)state;
	in.ns = FLY_NS_HOST;
	in.volumes = &v;
	in.n_volumes = 1;
	assert_plan(&in, want);
}

static void host_mode_needs_real_root(void **state)
{
	struct fly_plan_input in = base();
	struct fly_mount_plan plan;
	struct fly_error err = { 0 };

	(void)state;
	in.ns = FLY_NS_HOST;
	in.userns = true;
	assert_int_equal(fly_plan_build(&in, &plan, &err), -1);
	assert_string_equal(err.msg, "--mount-ns=host needs real root");
}

static void path_is_below_compares_whole_components(void **state)
{
	(void)state;
	assert_true(fly_path_is_below("/srv/a", "/srv"));
	assert_false(fly_path_is_below("/srvx", "/srv"));
	assert_false(fly_path_is_below("/srv", "/srv"));
	assert_true(fly_path_is_below("/x", "/"));
	assert_false(fly_path_is_below("/", "/"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_private_run_binds_dev_proc_sys_then_tmp),
		cmocka_unit_test(a_host_namespace_run_makes_no_namespace),
		cmocka_unit_test(
			without_overlay_the_rootfs_copy_is_bound_on_itself),
		cmocka_unit_test(with_no_overlay_the_image_is_copied_and_bound),
		cmocka_unit_test(a_volume_is_bound_non_recursively_by_default),
		cmocka_unit_test(a_file_source_creates_a_file_target),
		cmocka_unit_test(
			a_mountpoint_source_is_shared_and_cloned_before_rslave),
		cmocka_unit_test(
			in_host_mode_a_mountpoint_source_is_shared_then_bound),
		cmocka_unit_test(
			a_shared_source_keeps_other_pods_roots_unbindable),
		cmocka_unit_test(
			a_root_under_two_shared_sources_is_marked_once),
		cmocka_unit_test(unprivileged_runs_cannot_share_host_mounts),
		cmocka_unit_test(
			overlay_paths_are_escaped_and_user_namespaces_use_userxattr),
		cmocka_unit_test(
			a_read_only_recursive_volume_makes_every_submount_read_only),
		cmocka_unit_test(
			a_read_only_non_recursive_volume_has_one_remount),
		cmocka_unit_test(a_volume_inside_another_is_mounted_after_it),
		cmocka_unit_test(dns_and_hosts_come_after_the_volumes),
		cmocka_unit_test(a_missing_hosts_file_gets_the_default),
		cmocka_unit_test(a_read_only_rootfs_is_remounted_last),
		cmocka_unit_test(a_resolv_conf_volume_conflicts_with_dns),
		cmocka_unit_test(a_resolv_conf_volume_alone_is_kept),
		cmocka_unit_test(host_mode_needs_real_root),
		cmocka_unit_test(path_is_below_compares_whole_components),
	};

	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
