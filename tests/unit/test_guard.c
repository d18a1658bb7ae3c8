/* Unit tests for the extraction guard (behaviour.md 2, appc.md "ACI
 * archive"): every hostile entry is refused with a message naming it, and
 * its legitimate neighbours pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "guard.h"

static struct fly_guard *guard;

static int as_user(void **state)
{
	(void)state;
	guard = fly_guard_new(false);
	return 0;
}

static int as_root(void **state)
{
	(void)state;
	guard = fly_guard_new(true);
	return 0;
}

static int done(void **state)
{
	(void)state;
	fly_guard_free(guard);
	guard = NULL;
	return 0;
}

static int check(const char *name, mode_t mode, const char *hardlink,
		 int64_t size, struct fly_guard_verdict *v,
		 struct fly_error *err)
{
	struct fly_guard_entry e = {
		.name = name,
		.mode = mode,
		.hardlink = hardlink,
		.size = size,
	};

	return fly_guard_check(guard, &e, v, err);
}

/* The entry is accepted under rootfs/ at path (and hard link target). */
static void accepts_link(const char *name, mode_t mode, const char *hardlink,
			 const char *path, const char *target)
{
	struct fly_guard_verdict v;
	struct fly_error err = { 0 };

	if (check(name, mode, hardlink, 0, &v, &err) < 0)
		fail_msg("\"%s\" refused: %s", name, err.msg);
	assert_int_equal(v.kind, FLY_GUARD_ROOTFS);
	assert_string_equal(v.path, path);
	if (target)
		assert_string_equal(v.hardlink, target);
	else
		assert_null(v.hardlink);
	fly_guard_verdict_clear(&v);
}

static void accepts(const char *name, mode_t mode, const char *path)
{
	accepts_link(name, mode, NULL, path, NULL);
}

static void refuses_sized(const char *name, mode_t mode, const char *hardlink,
			  int64_t size, const char *message)
{
	struct fly_guard_verdict v;
	struct fly_error err = { 0 };

	if (check(name, mode, hardlink, size, &v, &err) == 0)
		fail_msg("\"%s\" accepted, expected: %s", name, message);
	assert_string_equal(err.msg, message);
	assert_null(v.path);
	assert_null(v.hardlink);
}

static void refuses(const char *name, mode_t mode, const char *message)
{
	refuses_sized(name, mode, NULL, 0, message);
}

static void refuses_link(const char *name, const char *hardlink,
			 const char *message)
{
	refuses_sized(name, S_IFREG | 0644, hardlink, 0, message);
}

static enum fly_guard_kind kind_of(const char *name, mode_t mode, int64_t size)
{
	struct fly_guard_verdict v;
	struct fly_error err = { 0 };

	if (check(name, mode, NULL, size, &v, &err) < 0)
		fail_msg("\"%s\" refused: %s", name, err.msg);
	assert_null(v.path);
	return v.kind;
}

static void a_file_under_rootfs_goes_to_its_path_below_rootfs(void **state)
{
	(void)state;
	accepts("rootfs/etc/passwd", S_IFREG | 0644, "etc/passwd");
	accepts("rootfs/usr/bin/", S_IFDIR | 0755, "usr/bin");
}

static void leading_dot_slash_and_doubled_slashes_are_tolerated(void **state)
{
	(void)state;
	accepts("./rootfs/etc//hosts", S_IFREG | 0644, "etc/hosts");
	accepts("rootfs/./etc/group", S_IFREG | 0644, "etc/group");
	assert_int_equal(kind_of("./manifest", S_IFREG | 0644, 10),
			 FLY_GUARD_MANIFEST);
}

static void the_archive_top_directory_is_skipped(void **state)
{
	(void)state;
	assert_int_equal(kind_of("./", S_IFDIR | 0755, 0), FLY_GUARD_SKIP);
	assert_int_equal(kind_of(".", S_IFDIR | 0755, 0), FLY_GUARD_SKIP);
	refuses("./", S_IFLNK | 0777, "./: unexpected entry at the top level");
}

static void the_rootfs_entry_is_rootfs_itself(void **state)
{
	(void)state;
	accepts("rootfs/", S_IFDIR | 0755, "");
}

static void a_dotdot_component_leaves_the_image(void **state)
{
	(void)state;
	refuses("rootfs/../etc/passwd", S_IFREG | 0644,
		"rootfs/../etc/passwd: entry leaves the image");
	refuses("rootfs/a/../../x", S_IFREG | 0644,
		"rootfs/a/../../x: entry leaves the image");
	refuses("../x", S_IFREG | 0644, "../x: entry leaves the image");
	refuses("rootfs/..", S_IFDIR | 0755,
		"rootfs/..: entry leaves the image");
}

static void an_absolute_name_leaves_the_image(void **state)
{
	(void)state;
	refuses("/etc/passwd", S_IFREG | 0644,
		"/etc/passwd: entry leaves the image");
	refuses("/rootfs/bin/sh", S_IFREG | 0755,
		"/rootfs/bin/sh: entry leaves the image");
}

static void dots_inside_a_name_are_not_a_dotdot_component(void **state)
{
	(void)state;
	accepts("rootfs/a..b", S_IFREG | 0644, "a..b");
	accepts("rootfs/...", S_IFREG | 0644, "...");
	accepts("rootfs/..x/y", S_IFREG | 0644, "..x/y");
}

static void an_unexpected_top_level_entry_is_refused(void **state)
{
	const char *tail = ": unexpected entry at the top level "
			   "(only manifest and rootfs/ belong there)";
	char msg[256];

	(void)state;
	snprintf(msg, sizeof(msg), "etc/passwd%s", tail);
	refuses("etc/passwd", S_IFREG | 0644, msg);
	snprintf(msg, sizeof(msg), "rootfsx%s", tail);
	refuses("rootfsx", S_IFDIR | 0755, msg);
	snprintf(msg, sizeof(msg), "manifest/x%s", tail);
	refuses("manifest/x", S_IFREG | 0644, msg);
}

static void a_duplicate_entry_is_refused(void **state)
{
	(void)state;
	accepts("rootfs/a", S_IFREG | 0644, "a");
	refuses("./rootfs/a", S_IFREG | 0644, "./rootfs/a: duplicate entry");
	assert_int_equal(kind_of("manifest", S_IFREG | 0644, 2),
			 FLY_GUARD_MANIFEST);
	refuses("manifest", S_IFREG | 0644, "manifest: duplicate entry");
	accepts("rootfs", S_IFDIR | 0755, "");
	refuses("rootfs/", S_IFDIR | 0755, "rootfs/: duplicate entry");
}

static void a_directory_entry_after_its_contents_is_no_duplicate(void **state)
{
	(void)state;
	accepts("rootfs/etc/passwd", S_IFREG | 0644, "etc/passwd");
	accepts("rootfs/etc/", S_IFDIR | 0755, "etc");
}

static void rootfs_must_be_a_directory(void **state)
{
	(void)state;
	refuses("rootfs", S_IFLNK | 0777, "rootfs: rootfs must be a directory");
	refuses("./rootfs", S_IFREG | 0644,
		"./rootfs: rootfs must be a directory");
	accepts("rootfs/x", S_IFREG | 0644, "x");
	refuses_link("rootfs", "rootfs/x",
		     "rootfs: rootfs must be a directory");
}

static void the_manifest_must_be_a_regular_file(void **state)
{
	(void)state;
	refuses("manifest/", S_IFDIR | 0755,
		"manifest/: manifest must be a regular file");
	refuses("manifest", S_IFLNK | 0777,
		"manifest: manifest must be a regular file");
	accepts("rootfs/m", S_IFREG | 0644, "m");
	refuses_link("manifest", "rootfs/m",
		     "manifest: manifest must be a regular file");
}

static void the_manifest_may_hold_at_most_one_mib(void **state)
{
	(void)state;
	refuses_sized("manifest", S_IFREG | 0644, NULL, FLY_MANIFEST_MAX + 1,
		      "manifest: manifest is larger than 1 MiB");
	assert_int_equal(kind_of("manifest", S_IFREG | 0644, FLY_MANIFEST_MAX),
			 FLY_GUARD_MANIFEST);
}

static void a_missing_manifest_is_reported_at_the_end(void **state)
{
	struct fly_error err = { 0 };

	(void)state;
	accepts("rootfs/", S_IFDIR | 0755, "");
	assert_int_equal(fly_guard_finish(guard, &err), -1);
	assert_string_equal(err.msg, "the archive has no manifest");
}

static void a_missing_rootfs_is_reported_at_the_end(void **state)
{
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(kind_of("manifest", S_IFREG | 0644, 2),
			 FLY_GUARD_MANIFEST);
	assert_int_equal(fly_guard_finish(guard, &err), -1);
	assert_string_equal(err.msg, "the archive has no rootfs/ directory");
}

static void rootfs_entries_imply_rootfs(void **state)
{
	struct fly_error err = { 0 };

	(void)state;
	accepts("rootfs/bin/sh", S_IFREG | 0755, "bin/sh");
	assert_int_equal(kind_of("manifest", S_IFREG | 0644, 2),
			 FLY_GUARD_MANIFEST);
	assert_int_equal(fly_guard_finish(guard, &err), 0);
}

static void a_symlink_to_etc_is_an_acceptable_entry(void **state)
{
	(void)state;
	accepts("rootfs/etc", S_IFLNK | 0777, "etc");
	accepts("rootfs/etc2", S_IFLNK | 0777, "etc2");
}

static void an_entry_through_an_earlier_symlink_is_refused(void **state)
{
	(void)state;
	accepts("rootfs/etc", S_IFLNK | 0777, "etc");
	refuses("rootfs/etc/passwd", S_IFREG | 0644,
		"rootfs/etc/passwd: entry goes through the symlink "
		"\"rootfs/etc\"");
	refuses("./rootfs/etc/a/b", S_IFDIR | 0755,
		"./rootfs/etc/a/b: entry goes through the symlink "
		"\"rootfs/etc\"");
	refuses("rootfs/etc/l", S_IFLNK | 0777,
		"rootfs/etc/l: entry goes through the symlink "
		"\"rootfs/etc\"");
}

static void a_symlink_deep_in_the_tree_blocks_its_subtree(void **state)
{
	(void)state;
	accepts("rootfs/a/b", S_IFLNK | 0777, "a/b");
	accepts("rootfs/a/c", S_IFREG | 0644, "a/c");
	accepts("rootfs/a/bc", S_IFREG | 0644, "a/bc");
	refuses("rootfs/a/b/c/d", S_IFREG | 0644,
		"rootfs/a/b/c/d: entry goes through the symlink "
		"\"rootfs/a/b\"");
}

static void an_entry_under_an_earlier_file_is_refused(void **state)
{
	(void)state;
	accepts("rootfs/f", S_IFREG | 0644, "f");
	refuses("rootfs/f/x", S_IFREG | 0644,
		"rootfs/f/x: entry goes through \"rootfs/f\", which is not a "
		"directory");
}

static void a_hard_link_to_an_earlier_file_is_accepted(void **state)
{
	(void)state;
	accepts("rootfs/bin/a", S_IFREG | 0755, "bin/a");
	accepts_link("rootfs/bin/b", S_IFREG | 0755, "rootfs/bin/a", "bin/b",
		     "bin/a");
	accepts_link("./rootfs/bin/c", 0755, "./rootfs/bin/b", "bin/c",
		     "bin/b");
}

static void a_hard_link_outside_rootfs_is_refused(void **state)
{
	(void)state;
	assert_int_equal(kind_of("manifest", S_IFREG | 0644, 2),
			 FLY_GUARD_MANIFEST);
	refuses_link("rootfs/h", "manifest",
		     "rootfs/h: hard link to \"manifest\" points outside "
		     "rootfs/");
	refuses_link("rootfs/h", "etc/passwd",
		     "rootfs/h: hard link to \"etc/passwd\" points outside "
		     "rootfs/");
}

static void a_hard_link_with_dotdot_or_absolute_is_refused(void **state)
{
	(void)state;
	accepts("rootfs/f", S_IFREG | 0644, "f");
	refuses_link("rootfs/h", "rootfs/../rootfs/f",
		     "rootfs/h: hard link to \"rootfs/../rootfs/f\" leaves "
		     "the image");
	refuses_link("rootfs/h", "/etc/shadow",
		     "rootfs/h: hard link to \"/etc/shadow\" leaves the image");
}

static void a_hard_link_through_a_symlink_is_refused(void **state)
{
	(void)state;
	accepts("rootfs/l", S_IFLNK | 0777, "l");
	refuses_link("rootfs/h", "rootfs/l/shadow",
		     "rootfs/h: hard link to \"rootfs/l/shadow\" goes through "
		     "the symlink \"rootfs/l\"");
}

static void a_hard_link_to_no_earlier_file_is_refused(void **state)
{
	(void)state;
	refuses_link("rootfs/h", "rootfs/later",
		     "rootfs/h: hard link to \"rootfs/later\" does not name an "
		     "earlier file");
	accepts("rootfs/d", S_IFDIR | 0755, "d");
	refuses_link("rootfs/h", "rootfs/d",
		     "rootfs/h: hard link to \"rootfs/d\" does not name an "
		     "earlier file");
	refuses_link("rootfs/h", "rootfs",
		     "rootfs/h: hard link to \"rootfs\" does not name an "
		     "earlier file");
}

static void a_hard_link_to_a_symlink_stands_for_a_symlink(void **state)
{
	(void)state;
	accepts("rootfs/l", S_IFLNK | 0777, "l");
	accepts_link("rootfs/m", 0777, "rootfs/l", "m", "l");
	refuses("rootfs/m/x", S_IFREG | 0644,
		"rootfs/m/x: entry goes through the symlink \"rootfs/m\"");
	refuses_sized("rootfs/n", 0644, "rootfs/l", 5,
		      "rootfs/n: hard link to \"rootfs/l\" carries data into a "
		      "symlink");
}

static void device_nodes_are_refused_when_not_root(void **state)
{
	(void)state;
	refuses("rootfs/dev/null", S_IFCHR | 0666,
		"rootfs/dev/null: device node refused when not running as "
		"root");
	refuses("rootfs/dev/sda", S_IFBLK | 0660,
		"rootfs/dev/sda: device node refused when not running as "
		"root");
}

static void a_fifo_is_accepted_when_not_root(void **state)
{
	(void)state;
	accepts("rootfs/run/fifo", S_IFIFO | 0600, "run/fifo");
}

static void device_nodes_are_accepted_as_root(void **state)
{
	(void)state;
	accepts("rootfs/dev/null", S_IFCHR | 0666, "dev/null");
	accepts("rootfs/dev/sda", S_IFBLK | 0660, "dev/sda");
}

static void setuid_and_setgid_bits_are_refused_when_not_root(void **state)
{
	(void)state;
	refuses("rootfs/bin/su", S_IFREG | 04755,
		"rootfs/bin/su: setuid or setgid bit refused when not "
		"running as root");
	refuses("rootfs/var/mail/", S_IFDIR | 02775,
		"rootfs/var/mail/: setuid or setgid bit refused when not "
		"running as root");
	accepts("rootfs/bin/true", S_IFREG | 0755, "bin/true");
	refuses_sized("rootfs/bin/y", 04755, "rootfs/bin/true", 0,
		      "rootfs/bin/y: setuid or setgid bit refused when not "
		      "running as root");
}

static void setuid_and_setgid_bits_are_accepted_as_root(void **state)
{
	(void)state;
	accepts("rootfs/bin/su", S_IFREG | 04755, "bin/su");
	accepts("rootfs/var/mail/", S_IFDIR | 02775, "var/mail");
}

static void control_characters_in_names_are_not_echoed(void **state)
{
	(void)state;
	refuses("rootfs/\x1b[2J/../../x", S_IFREG | 0644,
		"rootfs/?[2J/../../x: entry leaves the image");
}

#define USER(t) cmocka_unit_test_setup_teardown(t, as_user, done)
#define ROOT(t) cmocka_unit_test_setup_teardown(t, as_root, done)

int main(void)
{
	const struct CMUnitTest tests[] = {
		USER(a_file_under_rootfs_goes_to_its_path_below_rootfs),
		USER(leading_dot_slash_and_doubled_slashes_are_tolerated),
		USER(the_archive_top_directory_is_skipped),
		USER(the_rootfs_entry_is_rootfs_itself),
		USER(a_dotdot_component_leaves_the_image),
		USER(an_absolute_name_leaves_the_image),
		USER(dots_inside_a_name_are_not_a_dotdot_component),
		USER(an_unexpected_top_level_entry_is_refused),
		USER(a_duplicate_entry_is_refused),
		USER(a_directory_entry_after_its_contents_is_no_duplicate),
		USER(rootfs_must_be_a_directory),
		USER(the_manifest_must_be_a_regular_file),
		USER(the_manifest_may_hold_at_most_one_mib),
		USER(a_missing_manifest_is_reported_at_the_end),
		USER(a_missing_rootfs_is_reported_at_the_end),
		USER(rootfs_entries_imply_rootfs),
		USER(a_symlink_to_etc_is_an_acceptable_entry),
		USER(an_entry_through_an_earlier_symlink_is_refused),
		USER(a_symlink_deep_in_the_tree_blocks_its_subtree),
		USER(an_entry_under_an_earlier_file_is_refused),
		USER(a_hard_link_to_an_earlier_file_is_accepted),
		USER(a_hard_link_outside_rootfs_is_refused),
		USER(a_hard_link_with_dotdot_or_absolute_is_refused),
		USER(a_hard_link_through_a_symlink_is_refused),
		USER(a_hard_link_to_no_earlier_file_is_refused),
		USER(a_hard_link_to_a_symlink_stands_for_a_symlink),
		USER(device_nodes_are_refused_when_not_root),
		USER(a_fifo_is_accepted_when_not_root),
		ROOT(device_nodes_are_accepted_as_root),
		USER(setuid_and_setgid_bits_are_refused_when_not_root),
		ROOT(setuid_and_setgid_bits_are_accepted_as_root),
		USER(control_characters_in_names_are_not_echoed),
	};

	return cmocka_run_group_tests_name("guard", tests, NULL, NULL);
}
