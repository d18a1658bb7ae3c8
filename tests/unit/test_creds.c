/* Unit tests for creds.c: user and group resolution inside a fake image
 * (behaviour.md 3.4).  Every lookup must read the image, never the host. */
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

#include "creds.h"
#include "mock_sys.h"
#include "testlib.h"
#include "util.h"

static char tmp[256];
static char rootfs[300];
static int rootfs_fd = -1;
static struct fly_ctx ctx = { .sys = &mock_sys };

static const char passwd_text[] = "root:x:0:0:root:/root:/bin/sh\n"
				  "daemon:x:777:777::/:/bin/false\n"
				  "bob:x:1000:1000::/home/bob:/bin/sh\n"
				  "this line is not a passwd entry\n"
				  "alice:x:1001:1001::/home/alice:/bin/sh\n";

static const char group_text[] = "root:x:0:\n"
				 "daemon:x:777:\n"
				 "wheel:x:10:bob\n"
				 "staff:x:50:bob,alice\n";

static void put_file(const char *rel, const char *text)
{
	char *path = fly_path_join(rootfs, rel);
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) < 0, 0);
	assert_int_equal(fclose(f), 0);
	free(path);
}

static void make_dir(const char *rel)
{
	char *path = fly_path_join(rootfs, rel);

	assert_int_equal(mkdir(path, 0755), 0);
	free(path);
}

static void make_link(const char *rel, const char *target)
{
	char *path = fly_path_join(rootfs, rel);

	assert_int_equal(symlink(target, path), 0);
	free(path);
}

static void remove_file(const char *rel)
{
	char *path = fly_path_join(rootfs, rel);

	assert_int_equal(unlink(path), 0);
	free(path);
}

/* Give rootfs/rel a distinctive owner when the test may (as root). */
static void own_file(const char *rel, uid_t uid, gid_t gid)
{
	char *path = fly_path_join(rootfs, rel);

	if (getuid() == 0)
		assert_int_equal(chown(path, uid, gid), 0);
	free(path);
}

static struct stat stat_file(const char *rel)
{
	char *path = fly_path_join(rootfs, rel);
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	free(path);
	return st;
}

static int setup(void **state)
{
	(void)state;
	if (test_tmpdir(tmp, sizeof(tmp)) < 0)
		return -1;
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", tmp);
	make_dir("");
	make_dir("etc");
	make_dir("data");
	put_file("etc/passwd", passwd_text);
	put_file("etc/group", group_text);
	put_file("data/owned", "x");
	own_file("data/owned", 4242, 4343);
	rootfs_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return rootfs_fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	close(rootfs_fd);
	return test_rmtree(tmp);
}

static struct fly_creds resolve_ok(const char *user, const char *group)
{
	struct fly_creds c = { 0 };
	struct fly_error err = { 0 };

	if (fly_creds_resolve(&ctx, rootfs_fd, user, group, NULL, 0, &c, &err) <
	    0)
		fail_msg("resolve %s:%s: %s", user, group, err.msg);
	return c;
}

/* Resolve and expect a failure; returns the message (static buffer). */
static const char *resolve_fails(const char *user, const char *group)
{
	static struct fly_error err;
	struct fly_creds c = { .uid = 99, .groups = NULL };

	fly_error_clear(&err);
	assert_int_equal(fly_creds_resolve(&ctx, rootfs_fd, user, group, NULL,
					   0, &c, &err),
			 -1);
	assert_int_equal(c.uid, 99);
	assert_null(c.groups);
	return err.msg;
}

static void root_is_zero_even_without_passwd_or_group(void **state)
{
	struct fly_creds c;

	(void)state;
	remove_file("etc/passwd");
	remove_file("etc/group");
	c = resolve_ok("root", "root");
	assert_int_equal(c.uid, 0);
	assert_int_equal(c.gid, 0);
	assert_int_equal(c.n_groups, 1);
	assert_int_equal(c.groups[0], 0);
	fly_creds_free(&c);
}

static void decimal_ids_are_used_as_is_without_lookups(void **state)
{
	struct fly_creds c;

	(void)state;
	remove_file("etc/passwd");
	remove_file("etc/group");
	c = resolve_ok("1234", "0005");
	assert_int_equal(c.uid, 1234);
	assert_int_equal(c.gid, 5);
	fly_creds_free(&c);
	c = resolve_ok("4294967294", "0");
	assert_int_equal(c.uid, 4294967294u);
	fly_creds_free(&c);
}

static void ids_out_of_range_are_refused(void **state)
{
	(void)state;
	assert_string_equal(resolve_fails("4294967295", "0"),
			    "user \"4294967295\": out of range (the largest "
			    "id is 4294967294)");
	assert_non_null(strstr(resolve_fails("0", "4294967296"),
			       "group \"4294967296\": out of range"));
	assert_non_null(strstr(resolve_fails("99999999999999999999999", "0"),
			       "out of range"));
}

static void signed_ids_are_refused(void **state)
{
	(void)state;
	assert_string_equal(resolve_fails("-1", "0"),
			    "user \"-1\": ids are unsigned decimal numbers");
	assert_string_equal(resolve_fails("0", "+5"),
			    "group \"+5\": ids are unsigned decimal numbers");
}

static void empty_values_are_refused(void **state)
{
	(void)state;
	assert_string_equal(resolve_fails("", "0"), "user: no value given");
	assert_string_equal(resolve_fails("0", NULL), "group: no value given");
}

static void names_are_looked_up_in_the_image(void **state)
{
	struct fly_creds c;

	(void)state;
	c = resolve_ok("bob", "staff");
	assert_int_equal(c.uid, 1000);
	assert_int_equal(c.gid, 50);
	fly_creds_free(&c);
	c = resolve_ok("alice", "wheel");
	assert_int_equal(c.uid, 1001);
	assert_int_equal(c.gid, 10);
	fly_creds_free(&c);
}

static void names_come_from_the_image_not_the_host(void **state)
{
	struct fly_creds c;

	(void)state;
	c = resolve_ok("daemon", "daemon");
	assert_int_equal(c.uid, 777);
	assert_int_equal(c.gid, 777);
	fly_creds_free(&c);
}

static void unknown_names_are_errors(void **state)
{
	(void)state;
	assert_string_equal(resolve_fails("nobody", "0"),
			    "user \"nobody\": not found in the image's "
			    "/etc/passwd");
	assert_string_equal(resolve_fails("0", "nogroup"),
			    "group \"nogroup\": not found in the image's "
			    "/etc/group");
	assert_string_equal(resolve_fails("12abc", "0"),
			    "user \"12abc\": not found in the image's "
			    "/etc/passwd");
}

static void a_missing_database_is_named(void **state)
{
	(void)state;
	remove_file("etc/passwd");
	remove_file("etc/group");
	assert_string_equal(resolve_fails("bob", "0"),
			    "user \"bob\": the image has no /etc/passwd");
	assert_string_equal(resolve_fails("0", "staff"),
			    "group \"staff\": the image has no /etc/group");
}

static void a_database_that_is_not_a_regular_file_is_refused(void **state)
{
	char *fifo = fly_path_join(rootfs, "etc/group");

	(void)state;
	remove_file("etc/passwd");
	make_dir("etc/passwd");
	assert_string_equal(resolve_fails("bob", "0"),
			    "user \"bob\": the image's /etc/passwd is not a "
			    "regular file");
	remove_file("etc/group");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_string_equal(resolve_fails("0", "staff"),
			    "group \"staff\": the image's /etc/group is not a "
			    "regular file");
	free(fifo);
}

static void a_read_failure_is_reported_with_its_cause(void **state)
{
	struct fly_creds c = { 0 };
	struct fly_error err = { 0 };

	(void)state;
	mock_sys_fail("openat2 /etc/passwd", 1, EIO);
	assert_int_equal(fly_creds_resolve(&ctx, rootfs_fd, "bob", "0", NULL, 0,
					   &c, &err),
			 -1);
	assert_int_equal(err.errnum, EIO);
	assert_non_null(strstr(err.msg, "user \"bob\": open the image's "
					"/etc/passwd"));
}

static void a_path_means_the_owner_of_that_file_in_the_image(void **state)
{
	struct stat st = stat_file("data/owned");
	struct fly_creds c;

	(void)state;
	c = resolve_ok("/data/owned", "/data/owned");
	assert_int_equal(c.uid, st.st_uid);
	assert_int_equal(c.gid, st.st_gid);
	if (getuid() == 0) {
		assert_int_equal(c.uid, 4242);
		assert_int_equal(c.gid, 4343);
	}
	fly_creds_free(&c);
}

static void a_path_follows_symlinks_inside_the_image(void **state)
{
	struct stat st = stat_file("data/owned");
	struct fly_creds c;

	(void)state;
	make_link("data/abs", "/data/owned");
	make_link("data/up", "../../../../../../../../../../data/owned");
	c = resolve_ok("/data/abs", "/data/up");
	assert_int_equal(c.uid, st.st_uid);
	assert_int_equal(c.gid, st.st_gid);
	fly_creds_free(&c);
}

static void a_missing_path_is_an_error(void **state)
{
	struct fly_creds c = { 0 };
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(fly_creds_resolve(&ctx, rootfs_fd, "/nope", "0", NULL,
					   0, &c, &err),
			 -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_true(fly_str_has_prefix(err.msg, "user \"/nope\": "));
}

static void a_passwd_link_to_an_absolute_path_stays_in_the_image(void **state)
{
	struct fly_creds c;

	(void)state;
	make_dir("usr");
	make_dir("usr/lib");
	put_file("usr/lib/passwd", "daemon:x:888:888::/:/bin/false\n");
	remove_file("etc/passwd");
	make_link("etc/passwd", "/usr/lib/passwd");
	c = resolve_ok("daemon", "0");
	assert_int_equal(c.uid, 888);
	fly_creds_free(&c);
}

static void a_passwd_link_climbing_out_stays_in_the_image(void **state)
{
	struct fly_creds c;

	(void)state;
	make_dir("usr");
	make_dir("usr/lib");
	put_file("usr/lib/passwd", "daemon:x:888:888::/:/bin/false\n");
	remove_file("etc/passwd");
	make_link("etc/passwd", "../../../../../../../../../../usr/lib/passwd");
	c = resolve_ok("daemon", "0");
	assert_int_equal(c.uid, 888);
	fly_creds_free(&c);
}

/* The link names the host's /etc/passwd; inside the image it names
 * itself, so the lookup fails rather than reading the host's file. */
static void a_passwd_link_to_the_host_file_never_reads_it(void **state)
{
	struct fly_creds c = { 0 };
	struct fly_error err = { 0 };

	(void)state;
	remove_file("etc/passwd");
	make_link("etc/passwd", "../../../../../../../../../../etc/passwd");
	assert_int_equal(fly_creds_resolve(&ctx, rootfs_fd, "daemon", "0", NULL,
					   0, &c, &err),
			 -1);
	assert_int_equal(err.errnum, ELOOP);
	remove_file("etc/passwd");
	make_link("etc/passwd", "/etc/passwd");
	assert_int_equal(fly_creds_resolve(&ctx, rootfs_fd, "daemon", "0", NULL,
					   0, &c, &err),
			 -1);
	assert_int_equal(err.errnum, ELOOP);
}

static void a_group_link_out_of_the_image_stays_in_it(void **state)
{
	struct fly_creds c;

	(void)state;
	put_file("etc/group.real", "staff:x:5050:\n");
	remove_file("etc/group");
	make_link("etc/group", "../../../../../../../etc/group.real");
	c = resolve_ok("0", "staff");
	assert_int_equal(c.gid, 5050);
	fly_creds_free(&c);
}

/* An old kernel answers openat2 with ENOSYS; the lookup must still stay
 * inside the image. */
static void without_openat2_links_still_stay_in_the_image(void **state)
{
	struct fly_creds c = { 0 };
	struct fly_error err = { 0 };

	(void)state;
	make_dir("usr");
	make_dir("usr/lib");
	put_file("usr/lib/passwd", "daemon:x:888:888::/:/bin/false\n");
	remove_file("etc/passwd");
	make_link("etc/passwd", "../../../../../../../../../../usr/lib/passwd");
	mock_sys_fail("openat2", 1, ENOSYS);
	c = resolve_ok("daemon", "0");
	assert_int_equal(c.uid, 888);
	fly_creds_free(&c);

	remove_file("etc/passwd");
	make_link("etc/passwd", "/etc/passwd");
	mock_sys_fail("openat2", 1, ENOSYS);
	assert_int_equal(fly_creds_resolve(&ctx, rootfs_fd, "daemon", "0", NULL,
					   0, &c, &err),
			 -1);
	assert_int_equal(err.errnum, ELOOP);
}

static void without_openat2_a_path_owner_comes_from_the_image(void **state)
{
	struct stat st = stat_file("data/owned");
	struct fly_creds c;

	(void)state;
	make_link("data/up", "../../../../../../../../../../data/owned");
	mock_sys_fail("openat2", 1, ENOSYS);
	c = resolve_ok("/data/up", "0");
	assert_int_equal(c.uid, st.st_uid);
	fly_creds_free(&c);
	remove_file("etc/group");
	make_dir("etc/group");
	mock_sys_fail("openat2", 1, ENOSYS);
	assert_string_equal(resolve_fails("0", "staff"),
			    "group \"staff\": the image's /etc/group is not a "
			    "regular file");
}

static void supplementary_gids_follow_the_primary_once_each(void **state)
{
	static const gid_t supp[] = { 10, 50, 20, 10, 20, 30 };
	struct fly_creds c = { 0 };
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(fly_creds_resolve(&ctx, rootfs_fd, "bob", "staff",
					   supp, 6, &c, &err),
			 0);
	assert_int_equal(c.n_groups, 4);
	assert_int_equal(c.groups[0], 50);
	assert_int_equal(c.groups[1], 10);
	assert_int_equal(c.groups[2], 20);
	assert_int_equal(c.groups[3], 30);
	fly_creds_free(&c);
	assert_null(c.groups);
	assert_int_equal(c.n_groups, 0);
	fly_creds_free(NULL);
}

static void an_invalid_supplementary_gid_is_refused(void **state)
{
	static const gid_t supp[] = { 10, (gid_t)-1 };
	struct fly_creds c = { 0 };
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(
		fly_creds_resolve(&ctx, rootfs_fd, "0", "0", supp, 2, &c, &err),
		-1);
	assert_string_equal(err.msg, "supplementary gid 4294967295 is not a "
				     "valid id");
	assert_null(c.groups);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(root_is_zero_even_without_passwd_or_group),
		T(decimal_ids_are_used_as_is_without_lookups),
		T(ids_out_of_range_are_refused),
		T(signed_ids_are_refused),
		T(empty_values_are_refused),
		T(names_are_looked_up_in_the_image),
		T(names_come_from_the_image_not_the_host),
		T(unknown_names_are_errors),
		T(a_missing_database_is_named),
		T(a_database_that_is_not_a_regular_file_is_refused),
		T(a_read_failure_is_reported_with_its_cause),
		T(a_path_means_the_owner_of_that_file_in_the_image),
		T(a_path_follows_symlinks_inside_the_image),
		T(a_missing_path_is_an_error),
		T(a_passwd_link_to_an_absolute_path_stays_in_the_image),
		T(a_passwd_link_climbing_out_stays_in_the_image),
		T(a_passwd_link_to_the_host_file_never_reads_it),
		T(a_group_link_out_of_the_image_stays_in_it),
		T(without_openat2_links_still_stay_in_the_image),
		T(without_openat2_a_path_owner_comes_from_the_image),
		T(supplementary_gids_follow_the_primary_once_each),
		T(an_invalid_supplementary_gid_is_refused),
	};

	return cmocka_run_group_tests_name("creds", tests, NULL, NULL);
}
