/* Unit tests for execpath.c: finding the app's executable inside a fake
 * image (behaviour.md 3.4). */
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

#include "execpath.h"
#include "mock_sys.h"
#include "testlib.h"
#include "util.h"

static char tmp[256];
static char rootfs[300];
static int rootfs_fd = -1;
static struct fly_ctx ctx = { .sys = &mock_sys };

static void make_dir(const char *rel)
{
	char *path = fly_path_join(rootfs, rel);

	assert_int_equal(mkdir(path, 0755), 0);
	free(path);
}

static void make_file(const char *rel, mode_t mode)
{
	char *path = fly_path_join(rootfs, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	free(path);
}

static void make_link(const char *rel, const char *target)
{
	char *path = fly_path_join(rootfs, rel);

	assert_int_equal(symlink(target, path), 0);
	free(path);
}

static int setup(void **state)
{
	static const char *const dirs[] = {
		"",
		"bin",
		"usr",
		"usr/bin",
		"usr/local",
		"usr/local/bin",
		"usr/local/bin/dir",
		"sbin",
	};

	(void)state;
	if (test_tmpdir(tmp, sizeof(tmp)) < 0)
		return -1;
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", tmp);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++)
		make_dir(dirs[i]);
	make_file("bin/sh", 0755);
	make_file("bin/tool", 0755);
	make_file("usr/bin/tool", 0755);
	make_file("usr/local/bin/noexec", 0644);
	make_file("bin/noexec", 0755);
	make_file("bin/dir", 0755);
	make_file("sbin/onlyowner", 0700);
	make_link("bin/link", "/bin/sh");
	make_link("bin/dangling", "/nowhere");
	make_link("usr/local/bin/dangling", "/nowhere");
	make_file("usr/bin/dangling", 0755);
	make_link("bin/escape", "../../../../../../../../../usr/bin/env");
	rootfs_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return rootfs_fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	close(rootfs_fd);
	return test_rmtree(tmp);
}

static void expect_found(const char *name, const char *path_env,
			 const char *want)
{
	struct fly_error err = { 0 };
	char *path = NULL;

	if (fly_exec_find(&ctx, rootfs_fd, name, path_env, &path, &err) < 0)
		fail_msg("find %s in %s: %s", name, path_env, err.msg);
	assert_string_equal(path, want);
	free(path);
}

/* Expect a failure; returns the message (static buffer). */
static const char *expect_missing(const char *name, const char *path_env)
{
	static struct fly_error err;
	char *path = NULL;

	fly_error_clear(&err);
	assert_int_equal(
		fly_exec_find(&ctx, rootfs_fd, name, path_env, &path, &err),
		-1);
	assert_null(path);
	return err.msg;
}

static void an_absolute_name_is_used_as_given(void **state)
{
	(void)state;
	expect_found("/bin/sh", NULL, "/bin/sh");
	expect_found("/usr/bin/tool", "", "/usr/bin/tool");
}

static void an_absolute_symlink_is_followed_inside_the_image(void **state)
{
	(void)state;
	expect_found("/bin/link", NULL, "/bin/link");
}

static void an_absolute_name_needs_no_execute_bit(void **state)
{
	(void)state;
	expect_found("/usr/local/bin/noexec", NULL, "/usr/local/bin/noexec");
}

static void a_missing_absolute_executable_is_an_error(void **state)
{
	(void)state;
	assert_string_equal(expect_missing("/bin/missing", NULL),
			    "can't find the executable \"/bin/missing\" in "
			    "the image");
	assert_string_equal(expect_missing("/bin/dangling", NULL),
			    "can't find the executable \"/bin/dangling\" in "
			    "the image");
}

static void an_absolute_directory_is_not_an_executable(void **state)
{
	(void)state;
	assert_string_equal(expect_missing("/usr/bin", NULL),
			    "can't find the executable \"/usr/bin\" in the "
			    "image: not a regular file");
}

static void absolute_names_never_reach_the_host(void **state)
{
	(void)state;
	assert_int_equal(access("/usr/bin/env", X_OK), 0);
	expect_missing("/usr/bin/env", NULL);
	expect_missing("/../../../../../../usr/bin/env", NULL);
	expect_missing("/bin/escape", NULL);
}

static void a_bare_name_takes_the_first_path_element_that_has_it(void **state)
{
	(void)state;
	expect_found("tool", "/usr/bin:/bin", "/usr/bin/tool");
	expect_found("tool", "/bin:/usr/bin", "/bin/tool");
	expect_found("sh", "/usr/local/bin:/usr/bin:/bin", "/bin/sh");
}

static void files_without_an_execute_bit_are_skipped(void **state)
{
	(void)state;
	expect_found("noexec", "/usr/local/bin:/bin", "/bin/noexec");
	expect_found("onlyowner", "/sbin", "/sbin/onlyowner");
}

static void directories_and_dangling_links_are_skipped(void **state)
{
	(void)state;
	expect_found("dir", "/usr/local/bin:/bin", "/bin/dir");
	expect_found("dangling", "/bin:/usr/local/bin:/usr/bin",
		     "/usr/bin/dangling");
}

static void a_symlink_in_path_is_returned_by_its_own_name(void **state)
{
	(void)state;
	expect_found("link", "/bin", "/bin/link");
}

static void empty_and_relative_path_elements_are_skipped(void **state)
{
	(void)state;
	expect_found("sh", "::bin:.:/bin/", "/bin/sh");
	assert_string_equal(expect_missing("sh", "bin:.:usr/bin"),
			    "can't find the executable \"sh\" in PATH "
			    "\"bin:.:usr/bin\"");
}

static void a_bare_name_not_in_path_is_an_error(void **state)
{
	(void)state;
	assert_string_equal(expect_missing("nothing", "/usr/bin:/bin"),
			    "can't find the executable \"nothing\" in PATH "
			    "\"/usr/bin:/bin\"");
	assert_string_equal(expect_missing("sh", ""),
			    "can't find the executable \"sh\" in PATH \"\"");
	assert_string_equal(expect_missing("sh", NULL),
			    "can't find the executable \"sh\" in PATH \"\"");
}

static void a_bare_name_is_never_found_on_the_host(void **state)
{
	(void)state;
	assert_int_equal(access("/usr/bin/env", X_OK), 0);
	expect_missing("env", "/usr/bin");
	expect_missing("escape", "/bin");
}

static void a_relative_name_with_a_slash_is_refused(void **state)
{
	(void)state;
	assert_string_equal(expect_missing("bin/sh", "/"),
			    "can't find the executable \"bin/sh\": give an "
			    "absolute path, or a bare name to search in PATH");
	expect_missing("./sh", "/bin");
}

static void an_empty_name_is_refused(void **state)
{
	(void)state;
	assert_string_equal(expect_missing("", "/bin"),
			    "the executable's name is empty");
}

static void a_denied_directory_is_skipped_and_other_errors_stop(void **state)
{
	struct fly_error err = { 0 };
	char *path = NULL;

	(void)state;
	mock_sys_fail("openat2 /usr/bin/tool", 1, EACCES);
	expect_found("tool", "/usr/bin:/bin", "/bin/tool");

	mock_sys_fail("openat2 /usr/bin/tool", 1, EIO);
	assert_int_equal(fly_exec_find(&ctx, rootfs_fd, "tool", "/usr/bin:/bin",
				       &path, &err),
			 -1);
	assert_int_equal(err.errnum, EIO);
	assert_string_equal(err.msg, "look for \"tool\" in \"/usr/bin\" in "
				     "the image: Input/output error");
	assert_null(path);
}

/* An old kernel answers openat2 with ENOSYS; the search must still stay
 * inside the image. */
static void without_openat2_lookups_still_stay_in_the_image(void **state)
{
	(void)state;
	mock_sys_fail("openat2", 1, ENOSYS);
	expect_found("/bin/link", NULL, "/bin/link");
	mock_sys_fail("openat2", 1, ENOSYS);
	expect_found("tool", "/usr/bin:/bin", "/usr/bin/tool");
	mock_sys_fail("openat2", 1, ENOSYS);
	expect_missing("/bin/escape", NULL);
	mock_sys_fail("openat2", 1, ENOSYS);
	expect_missing("/../../../../../../usr/bin/env", NULL);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(an_absolute_name_is_used_as_given),
		T(an_absolute_symlink_is_followed_inside_the_image),
		T(an_absolute_name_needs_no_execute_bit),
		T(a_missing_absolute_executable_is_an_error),
		T(an_absolute_directory_is_not_an_executable),
		T(absolute_names_never_reach_the_host),
		T(a_bare_name_takes_the_first_path_element_that_has_it),
		T(files_without_an_execute_bit_are_skipped),
		T(directories_and_dangling_links_are_skipped),
		T(a_symlink_in_path_is_returned_by_its_own_name),
		T(empty_and_relative_path_elements_are_skipped),
		T(a_bare_name_not_in_path_is_an_error),
		T(a_bare_name_is_never_found_on_the_host),
		T(a_relative_name_with_a_slash_is_refused),
		T(an_empty_name_is_refused),
		T(a_denied_directory_is_skipped_and_other_errors_stop),
		T(without_openat2_lookups_still_stay_in_the_image),
	};

	return cmocka_run_group_tests_name("execpath", tests, NULL, NULL);
}
