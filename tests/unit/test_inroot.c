/* Unit tests for in-root path resolution (behaviour.md 3.1: targets are
 * resolved inside the rootfs and never land outside). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#include "inroot.h"
#include "mock_sys.h"
#include "testlib.h"
#include "util.h"

static char top[64]; /* holds root/ and outside/ */
static char root[128];
static int root_fd = -1;
static struct fly_ctx ctx = { .sys = &mock_sys };

static void make_dir(const char *rel)
{
	char *p = fly_path_join(root, rel);

	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
}

static void make_file(const char *rel)
{
	char *p = fly_path_join(root, rel);
	int fd = creat(p, 0644);

	assert_true(fd >= 0);
	close(fd);
	free(p);
}

static void make_link(const char *target, const char *rel)
{
	char *p = fly_path_join(root, rel);

	assert_int_equal(symlink(target, p), 0);
	free(p);
}

static int setup(void **state)
{
	char *outside;

	(void)state;
	if (test_tmpdir(top, sizeof(top)) < 0)
		return -1;
	snprintf(root, sizeof(root), "%s/root", top);
	outside = fly_path_join(top, "outside");
	if (mkdir(root, 0755) < 0 || mkdir(outside, 0755) < 0)
		return -1;
	free(outside);
	root_fd = open(root, O_PATH | O_DIRECTORY);
	return root_fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	close(root_fd);
	return test_rmtree(top);
}

/* Resolve path and return the resolved in-image path (caller frees). */
static char *resolve(const char *path, enum fly_create create)
{
	struct fly_error err = { 0 };
	char *ret = NULL;
	int fd = -1;

	if (fly_inroot_open(&ctx, root_fd, path, create, &fd, &ret, &err) < 0)
		fail_msg("%s", err.msg);
	close(fd);
	return ret;
}

static int resolve_errno(const char *path, enum fly_create create)
{
	struct fly_error err = { 0 };
	char *ret = NULL;
	int fd = -1;

	assert_int_equal(
		fly_inroot_open(&ctx, root_fd, path, create, &fd, &ret, &err),
		-1);
	assert_null(ret);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(err.msg, path));
	return err.errnum;
}

static bool exists_outside(const char *rel)
{
	char *p = fly_xasprintf("%s/outside/%s", top, rel);
	bool r = access(p, F_OK) == 0;

	free(p);
	return r;
}

static void an_existing_directory_resolves_to_itself(void **state)
{
	char *p;

	(void)state;
	make_dir("etc");
	p = resolve("/etc", FLY_CREATE_NONE);
	assert_string_equal(p, "/etc");
	free(p);
}

static void missing_parents_are_created_as_directories(void **state)
{
	struct stat st;
	char *p, *host;

	(void)state;
	p = resolve("/a/b/c", FLY_CREATE_DIR);
	assert_string_equal(p, "/a/b/c");
	host = fly_path_join(root, "a/b");
	assert_int_equal(stat(host, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	free(host);
	free(p);
}

static void a_file_target_is_created_empty(void **state)
{
	struct stat st;
	char *p, *host;

	(void)state;
	p = resolve("/etc/resolv.conf", FLY_CREATE_FILE);
	assert_string_equal(p, "/etc/resolv.conf");
	host = fly_path_join(root, "etc/resolv.conf");
	assert_int_equal(stat(host, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 0);
	free(host);
	free(p);
}

static void dot_dot_stops_at_the_image_root(void **state)
{
	char *p;

	(void)state;
	p = resolve("/../../../outside/x", FLY_CREATE_DIR);
	assert_string_equal(p, "/outside/x");
	assert_false(exists_outside("x"));
	free(p);
}

static void an_absolute_symlink_points_into_the_image(void **state)
{
	char *p;

	(void)state;
	make_link("/", "to-root");
	make_link(top, "to-top");
	p = resolve("/to-root/data", FLY_CREATE_DIR);
	assert_string_equal(p, "/data");
	free(p);
	p = resolve("/to-top/outside/escaped", FLY_CREATE_DIR);
	assert_false(exists_outside("escaped"));
	assert_true(fly_str_has_prefix(p, "/tmp/fly-unit-"));
	free(p);
}

static void a_chain_of_dot_dot_links_stays_inside(void **state)
{
	char *p;

	(void)state;
	make_dir("d");
	make_link("../../../../../outside", "d/up");
	p = resolve("/d/up/y", FLY_CREATE_DIR);
	assert_string_equal(p, "/outside/y");
	assert_false(exists_outside("y"));
	free(p);
}

static void a_dangling_symlink_is_followed_and_created(void **state)
{
	char *p;

	(void)state;
	make_dir("etc");
	make_link("/run/resolvconf/resolv.conf", "etc/resolv.conf");
	p = resolve("/etc/resolv.conf", FLY_CREATE_FILE);
	assert_string_equal(p, "/run/resolvconf/resolv.conf");
	free(p);
}

static void a_symlink_loop_is_refused(void **state)
{
	(void)state;
	make_link("/b", "a");
	make_link("/a", "b");
	assert_int_equal(resolve_errno("/a", FLY_CREATE_DIR), ELOOP);
}

static void a_file_where_a_directory_is_wanted_is_refused(void **state)
{
	(void)state;
	make_file("f");
	assert_int_equal(resolve_errno("/f", FLY_CREATE_DIR), ENOTDIR);
	assert_int_equal(resolve_errno("/f/sub", FLY_CREATE_DIR), ENOTDIR);
}

static void a_directory_where_a_file_is_wanted_is_refused(void **state)
{
	(void)state;
	make_dir("d");
	assert_int_equal(resolve_errno("/d", FLY_CREATE_FILE), EISDIR);
}

static void a_missing_path_is_an_error_without_create(void **state)
{
	(void)state;
	assert_int_equal(resolve_errno("/nope", FLY_CREATE_NONE), ENOENT);
}

static void the_root_itself_resolves_to_slash(void **state)
{
	char *p;

	(void)state;
	p = resolve("/", FLY_CREATE_DIR);
	assert_string_equal(p, "/");
	free(p);
	p = resolve("/x/..", FLY_CREATE_DIR);
	assert_string_equal(p, "/");
	free(p);
}

static void creation_failure_is_reported(void **state)
{
	(void)state;
	mock_sys_fail("mkdirat", 1, EROFS);
	assert_int_equal(resolve_errno("/new/dir", FLY_CREATE_DIR), EROFS);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(an_existing_directory_resolves_to_itself),
		T(missing_parents_are_created_as_directories),
		T(a_file_target_is_created_empty),
		T(dot_dot_stops_at_the_image_root),
		T(an_absolute_symlink_points_into_the_image),
		T(a_chain_of_dot_dot_links_stays_inside),
		T(a_dangling_symlink_is_followed_and_created),
		T(a_symlink_loop_is_refused),
		T(a_file_where_a_directory_is_wanted_is_refused),
		T(a_directory_where_a_file_is_wanted_is_refused),
		T(a_missing_path_is_an_error_without_create),
		T(the_root_itself_resolves_to_slash),
		T(creation_failure_is_reported),
	};
#undef T
	umask(022);
	return cmocka_run_group_tests_name("inroot", tests, NULL, NULL);
}
