/* Unit tests for util.c: paths, atomic writes and the safe tree removal. */
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mock_sys.h"
#include "testlib.h"
#include "util.h"

static char tmp[256];
static struct fly_ctx ctx = { .sys = &mock_sys };

static int setup(void **state)
{
	(void)state;
	if (test_tmpdir(tmp, sizeof(tmp)) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return test_rmtree(tmp);
}

static void path_join_puts_exactly_one_slash(void **state)
{
	char *p;

	(void)state;
	p = fly_path_join("/a/", "/b");
	assert_string_equal(p, "/a/b");
	free(p);
	p = fly_path_join("/", "b");
	assert_string_equal(p, "/b");
	free(p);
	p = fly_path_join("a", "b/c");
	assert_string_equal(p, "a/b/c");
	free(p);
}

static void hex_is_lower_case(void **state)
{
	const unsigned char in[] = { 0x00, 0xab, 0xff };
	char out[7];

	(void)state;
	fly_hex(in, sizeof(in), out);
	assert_string_equal(out, "00abff");
}

static void atomic_write_replaces_the_file(void **state)
{
	struct fly_error err = { 0 };
	char *path = fly_path_join(tmp, "f");
	char *data = NULL;
	size_t len;

	(void)state;
	assert_int_equal(
		fly_write_file_atomic(&ctx, path, "one", 3, 0644, &err), 0);
	assert_int_equal(
		fly_write_file_atomic(&ctx, path, "two!", 4, 0600, &err), 0);
	assert_int_equal(fly_read_file(path, 100, &data, &len, &err), 0);
	assert_int_equal(len, 4);
	assert_string_equal(data, "two!");
	free(data);
	free(path);
}

static void atomic_write_failure_leaves_no_temporary(void **state)
{
	struct fly_error err = { 0 };
	char *path = fly_path_join(tmp, "f");

	(void)state;
	mock_sys_fail("renameat", 1, EIO);
	assert_int_equal(fly_write_file_atomic(&ctx, path, "x", 1, 0644, &err),
			 -1);
	assert_int_equal(err.errnum, EIO);
	assert_non_null(strstr(err.msg, "rename"));
	assert_int_equal(access(path, F_OK), -1);
	free(path);
	path = fly_xasprintf("%s/f.tmp%ld", tmp, (long)getpid());
	assert_int_equal(access(path, F_OK), -1);
	free(path);
}

static void read_file_refuses_oversized_files(void **state)
{
	struct fly_error err = { 0 };
	char *path = fly_path_join(tmp, "big");
	char *data = NULL;

	(void)state;
	assert_int_equal(
		fly_write_file_atomic(&ctx, path, "0123456789", 10, 0644, &err),
		0);
	assert_int_equal(fly_read_file(path, 5, &data, NULL, &err), -1);
	assert_int_equal(err.errnum, EFBIG);
	assert_null(data);
	free(path);
}

static void mkdir_p_creates_every_parent(void **state)
{
	struct fly_error err = { 0 };
	char *path = fly_xasprintf("%s/a/b/c", tmp);
	struct stat st;

	(void)state;
	assert_int_equal(fly_mkdir_p(&ctx, path, 0700, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(fly_mkdir_p(&ctx, path, 0700, &err), 0);
	free(path);
}

static void rm_tree_removes_files_links_and_directories(void **state)
{
	struct fly_error err = { 0 };
	char *top = fly_xasprintf("%s/top", tmp);
	char *deep = fly_xasprintf("%s/top/a/b", tmp);
	char *file = fly_xasprintf("%s/top/a/file", tmp);
	char *link = fly_xasprintf("%s/top/a/b/link", tmp);

	(void)state;
	assert_int_equal(fly_mkdir_p(&ctx, deep, 0755, &err), 0);
	assert_int_equal(fly_write_file_atomic(&ctx, file, "x", 1, 0644, &err),
			 0);
	assert_int_equal(symlink("/etc", link), 0);
	assert_int_equal(fly_rm_tree(&ctx, top, &err), 0);
	assert_int_equal(access(top, F_OK), -1);
	assert_int_equal(access("/etc/passwd", F_OK), 0);
	free(top);
	free(deep);
	free(file);
	free(link);
}

static void rm_tree_of_a_missing_path_succeeds(void **state)
{
	struct fly_error err = { 0 };
	char *path = fly_xasprintf("%s/nothing", tmp);

	(void)state;
	assert_int_equal(fly_rm_tree(&ctx, path, &err), 0);
	free(path);
}

static void rm_tree_reports_the_failing_path(void **state)
{
	struct fly_error err = { 0 };
	char *dir = fly_xasprintf("%s/d", tmp);
	char *file = fly_xasprintf("%s/d/f", tmp);

	(void)state;
	assert_int_equal(fly_mkdir_p(&ctx, dir, 0755, &err), 0);
	assert_int_equal(fly_write_file_atomic(&ctx, file, "x", 1, 0644, &err),
			 0);
	mock_sys_fail("unlinkat f", 1, EACCES);
	assert_int_equal(fly_rm_tree(&ctx, dir, &err), -1);
	assert_int_equal(err.errnum, EACCES);
	assert_non_null(strstr(err.msg, "/d/f"));
	free(dir);
	free(file);
}

/* What an unprivileged extraction can leave: a read-only directory with
 * files in it.  Checked as an ordinary user (root ignores permissions). */
static int remove_read_only_tree_as_user(const char *parent)
{
	struct fly_error err = { 0 };
	char *dir = fly_xasprintf("%s/tree", parent);
	char *sub = fly_xasprintf("%s/tree/ro", parent);
	char *file = fly_xasprintf("%s/tree/ro/f", parent);
	int fd, r;

	if (mkdir(dir, 0755) < 0 || mkdir(sub, 0755) < 0)
		return 10;
	fd = creat(file, 0644);
	if (fd < 0)
		return 11;
	close(fd);
	if (chmod(sub, 0555) < 0 || chmod(dir, 0500) < 0)
		return 12;
	r = fly_rm_tree(&ctx, dir, &err);
	if (r < 0)
		fprintf(stderr, "%s\n", err.msg);
	r = r < 0 ? 13 : access(dir, F_OK) == 0 ? 14 : 0;
	free(dir);
	free(sub);
	free(file);
	return r;
}

static void rm_tree_removes_read_only_directories_of_its_owner(void **state)
{
	char *dir = fly_xasprintf("%s/user", tmp);
	int status = 0;
	pid_t pid;

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chmod(tmp, 0755), 0);
	if (getuid() == 0)
		assert_int_equal(chown(dir, 65534, 65534), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int r = 20;

		if (getuid() != 0 || (setgid(65534) == 0 && setuid(65534) == 0))
			r = remove_read_only_tree_as_user(dir);
		free(dir);
		_exit(r);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(path_join_puts_exactly_one_slash),
		cmocka_unit_test(hex_is_lower_case),
		cmocka_unit_test_setup_teardown(atomic_write_replaces_the_file,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			atomic_write_failure_leaves_no_temporary, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			read_file_refuses_oversized_files, setup, teardown),
		cmocka_unit_test_setup_teardown(mkdir_p_creates_every_parent,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			rm_tree_removes_files_links_and_directories, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			rm_tree_of_a_missing_path_succeeds, setup, teardown),
		cmocka_unit_test_setup_teardown(
			rm_tree_reports_the_failing_path, setup, teardown),
		cmocka_unit_test_setup_teardown(
			rm_tree_removes_read_only_directories_of_its_owner,
			setup, teardown),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
