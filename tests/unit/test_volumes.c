/* Unit tests for volumes and mounts (behaviour.md 3.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "volumes.h"

static void assert_volume_error(const char *arg, const char *msg)
{
	struct fly_pod_volume v;
	struct fly_error err = { 0 };

	assert_int_equal(fly_volume_parse(arg, &v, &err), -1);
	assert_true(err.usage);
	if (!strstr(err.msg, msg))
		fail_msg("\"%s\" does not contain \"%s\"", err.msg, msg);
	fly_pod_volume_clear(&v);
}

static void a_host_volume_parses_with_its_flags(void **state)
{
	struct fly_pod_volume v;
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(fly_volume_parse("data,kind=host,source=/srv,"
					  "readOnly=true,recursive=false",
					  &v, &err),
			 0);
	assert_string_equal(v.name, "data");
	assert_int_equal(v.kind, FLY_POD_VOLUME_HOST);
	assert_string_equal(v.source, "/srv");
	assert_int_equal(v.read_only, FLY_TRUE);
	assert_int_equal(v.recursive, FLY_FALSE);
	fly_pod_volume_clear(&v);
}

static void an_empty_volume_takes_mode_uid_and_gid(void **state)
{
	struct fly_pod_volume v;
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(fly_volume_parse("scratch,kind=empty,mode=0700,"
					  "uid=1000,gid=100",
					  &v, &err),
			 0);
	assert_int_equal(v.kind, FLY_POD_VOLUME_EMPTY);
	assert_int_equal(v.mode, 0700);
	assert_int_equal(v.uid, 1000);
	assert_int_equal(v.gid, 100);
	assert_int_equal(v.read_only, FLY_UNSET);
	fly_pod_volume_clear(&v);
}

static void empty_volumes_default_to_0755_root(void **state)
{
	struct fly_pod_volume v;
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(fly_volume_parse("s,kind=empty", &v, &err), 0);
	assert_int_equal(v.mode, 0755);
	assert_int_equal(v.uid, 0);
	assert_int_equal(v.gid, 0);
	fly_pod_volume_clear(&v);
}

static void bad_volume_flags_are_usage_errors(void **state)
{
	(void)state;
	assert_volume_error("kind=host,source=/x", "must start with a volume");
	assert_volume_error("Data,kind=host,source=/x", "must start with");
	assert_volume_error("d,source=/x", "kind= is required");
	assert_volume_error("d,kind=tmp", "kind=\"tmp\" is not host or empty");
	assert_volume_error("d,kind=host", "kind=host needs source=");
	assert_volume_error("d,kind=host,source=rel", "not an absolute path");
	assert_volume_error("d,kind=host,source=/x,readOnly=yes",
			    "readOnly=\"yes\" is not true or false");
	assert_volume_error("d,kind=host,source=/x,mode=0700",
			    "only for kind=empty");
	assert_volume_error("d,kind=empty,source=/x", "only for kind=host");
	assert_volume_error("d,kind=empty,recursive=true",
			    "only for kind=host");
	assert_volume_error("d,kind=empty,mode=999", "mode=\"999\"");
	assert_volume_error("d,kind=empty,uid=-1", "uid=\"-1\"");
	assert_volume_error("d,kind=host,source=/x,colour=red",
			    "unknown option \"colour\"");
	assert_volume_error("d,kind=host,oops", "\"oops\" is not KEY=VALUE");
}

static void mount_flags_need_volume_and_absolute_target(void **state)
{
	struct fly_pod_mount m;
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(fly_mount_parse("volume=d,target=/data", &m, &err), 0);
	assert_string_equal(m.volume, "d");
	assert_string_equal(m.path, "/data");
	fly_pod_mount_clear(&m);
	assert_int_equal(fly_mount_parse("volume=d", &m, &err), -1);
	fly_pod_mount_clear(&m);
	assert_int_equal(fly_mount_parse("volume=d,target=data", &m, &err), -1);
	assert_non_null(strstr(err.msg, "absolute"));
	fly_pod_mount_clear(&m);
	assert_int_equal(fly_mount_parse("volume=d,path=/x", &m, &err), -1);
	fly_pod_mount_clear(&m);
}

static struct fly_pod_volume vol(const char *name, enum fly_tristate ro,
				 enum fly_tristate rec)
{
	struct fly_pod_volume v = {
		.name = (char *)name,
		.kind = FLY_POD_VOLUME_HOST,
		.source = (char *)"/srv",
		.read_only = ro,
		.recursive = rec,
	};
	return v;
}

static struct fly_mount_point point(const char *name, const char *path, bool ro)
{
	struct fly_mount_point p = { (char *)name, (char *)path, ro };
	return p;
}

static int resolve(const struct fly_mount_point *p, size_t np,
		   const struct fly_pod_volume *v, size_t nv,
		   const struct fly_pod_mount *m, size_t nm,
		   struct fly_volume_use **uses, size_t *n,
		   struct fly_error *err)
{
	*uses = NULL;
	*n = 0;
	return fly_volumes_resolve(p, np, v, nv, m, nm, uses, n, err);
}

static void a_volume_nobody_mounts_is_ignored(void **state)
{
	struct fly_pod_volume v = vol("data", FLY_UNSET, FLY_UNSET);
	struct fly_volume_use *u;
	struct fly_error err = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(resolve(NULL, 0, &v, 1, NULL, 0, &u, &n, &err), 0);
	assert_int_equal(n, 0);
	fly_volume_uses_free(u, n);
}

static void a_mount_point_without_a_volume_is_an_error(void **state)
{
	struct fly_mount_point p = point("data", "/data", false);
	struct fly_volume_use *u;
	struct fly_error err = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(resolve(&p, 1, NULL, 0, NULL, 0, &u, &n, &err), -1);
	assert_string_equal(err.msg, "missing volume for mountpoint \"data\"");
}

static void a_mount_point_gets_the_volume_of_its_name(void **state)
{
	struct fly_mount_point p = point("data", "/data", true);
	struct fly_pod_volume v = vol("data", FLY_UNSET, FLY_UNSET);
	struct fly_volume_use *u;
	struct fly_error err = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(resolve(&p, 1, &v, 1, NULL, 0, &u, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(u[0].target, "/data");
	assert_true(u[0].read_only);  /* from the mount point */
	assert_false(u[0].recursive); /* never unless asked */
	fly_volume_uses_free(u, n);
}

static void the_volume_read_only_flag_wins_over_the_mount_point(void **st)
{
	struct fly_mount_point p = point("data", "/data", true);
	struct fly_pod_volume v = vol("data", FLY_FALSE, FLY_TRUE);
	struct fly_volume_use *u;
	struct fly_error err = { 0 };
	size_t n;

	(void)st;
	assert_int_equal(resolve(&p, 1, &v, 1, NULL, 0, &u, &n, &err), 0);
	assert_false(u[0].read_only);
	assert_true(u[0].recursive);
	fly_volume_uses_free(u, n);
}

static void a_mount_with_another_path_than_the_mount_point_conflicts(
	void **state)
{
	struct fly_mount_point p = point("data", "/data", false);
	struct fly_pod_volume v = vol("data", FLY_UNSET, FLY_UNSET);
	struct fly_pod_mount m = { (char *)"data", (char *)"/elsewhere", NULL };
	struct fly_volume_use *u;
	struct fly_error err = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(resolve(&p, 1, &v, 1, &m, 1, &u, &n, &err), -1);
	assert_string_equal(err.msg, "conflicting path information for "
				     "mount point \"data\": --mount says "
				     "\"/elsewhere\", the image \"/data\"");
}

static void a_volume_mounted_twice_is_a_duplicate_mount(void **state)
{
	struct fly_pod_volume v = vol("data", FLY_UNSET, FLY_UNSET);
	struct fly_pod_mount m[] = {
		{ (char *)"data", (char *)"/a", NULL },
		{ (char *)"data", (char *)"/b", NULL },
	};
	struct fly_volume_use *u;
	struct fly_error err = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(resolve(NULL, 0, &v, 1, m, 2, &u, &n, &err), -1);
	assert_string_equal(err.msg,
			    "duplicate mount: volume \"data\" on \"/b\"");
}

static void two_volumes_of_one_name_are_an_error(void **state)
{
	struct fly_pod_volume v[] = {
		vol("data", FLY_UNSET, FLY_UNSET),
		vol("data", FLY_UNSET, FLY_UNSET),
	};
	struct fly_volume_use *u;
	struct fly_error err = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(resolve(NULL, 0, v, 2, NULL, 0, &u, &n, &err), -1);
	assert_string_equal(err.msg, "duplicate volume name \"data\"");
}

static void a_mount_of_an_unknown_volume_is_an_error(void **state)
{
	struct fly_pod_mount m = { (char *)"nope", (char *)"/a", NULL };
	struct fly_volume_use *u;
	struct fly_error err = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(resolve(NULL, 0, NULL, 0, &m, 1, &u, &n, &err), -1);
	assert_string_equal(err.msg, "--mount: no volume named \"nope\"");
}

static void an_explicit_mount_places_the_volume(void **state)
{
	struct fly_pod_volume v = vol("data", FLY_UNSET, FLY_UNSET);
	struct fly_pod_mount m = { (char *)"data", (char *)"/mnt/d", NULL };
	struct fly_volume_use *u;
	struct fly_error err = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(resolve(NULL, 0, &v, 1, &m, 1, &u, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(u[0].target, "/mnt/d");
	assert_false(u[0].read_only);
	fly_volume_uses_free(u, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_host_volume_parses_with_its_flags),
		cmocka_unit_test(an_empty_volume_takes_mode_uid_and_gid),
		cmocka_unit_test(empty_volumes_default_to_0755_root),
		cmocka_unit_test(bad_volume_flags_are_usage_errors),
		cmocka_unit_test(mount_flags_need_volume_and_absolute_target),
		cmocka_unit_test(a_volume_nobody_mounts_is_ignored),
		cmocka_unit_test(a_mount_point_without_a_volume_is_an_error),
		cmocka_unit_test(a_mount_point_gets_the_volume_of_its_name),
		cmocka_unit_test(
			the_volume_read_only_flag_wins_over_the_mount_point),
		cmocka_unit_test(
			a_mount_with_another_path_than_the_mount_point_conflicts),
		cmocka_unit_test(a_volume_mounted_twice_is_a_duplicate_mount),
		cmocka_unit_test(two_volumes_of_one_name_are_an_error),
		cmocka_unit_test(a_mount_of_an_unknown_volume_is_an_error),
		cmocka_unit_test(an_explicit_mount_places_the_volume),
	};

	return cmocka_run_group_tests_name("volumes", tests, NULL, NULL);
}
