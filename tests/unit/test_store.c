/* Unit tests for store.c: lookup, sweeping, layering, whitelist, removal.
 * Images are laid out by hand in a temporary data directory, as a fetch
 * would leave them, so these tests need no archive. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mock_sys.h"
#include "testlib.h"
#include "store.h"
#include "util.h"

static char tmp[256];
static struct fly_ctx ctx = { .sys = &mock_sys };

static int setup(void **state)
{
	struct fly_error err = { 0 };

	(void)state;
	if (test_tmpdir(tmp, sizeof(tmp)) < 0)
		return -1;
	ctx.dir = tmp;
	ctx.uid = getuid();
	ctx.gid = getgid();
	ctx.root = getuid() == 0;
	return fly_store_prepare(&ctx, &err);
}

static int teardown(void **state)
{
	(void)state;
	return test_rmtree(tmp);
}

/* "sha512-" + head + zeros up to 128 hex digits. */
static char *make_id(const char *head)
{
	char *id = fly_xmalloc(FLY_ID_LEN + 1);

	snprintf(id, FLY_ID_LEN + 1, "sha512-%s", head);
	for (size_t i = strlen(id); i < FLY_ID_LEN; i++)
		id[i] = '0';
	id[FLY_ID_LEN] = '\0';
	return id;
}

__attribute__((format(printf, 1, 2))) static char *path_in(const char *fmt, ...)
{
	char *rel = NULL, *p;
	va_list ap;

	va_start(ap, fmt);
	assert_true(vasprintf(&rel, fmt, ap) >= 0);
	va_end(ap);
	p = fly_path_join(tmp, rel);
	free(rel);
	return p;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void make_dirs(const char *path)
{
	struct fly_error err = { 0 };

	assert_int_equal(fly_mkdir_p(&ctx, path, 0755, &err), 0);
}

/* An image as a fetch leaves it: info.json, an archive and a rootfs. */
static char *add_image(const char *head, const char *name, const char *version,
		       const char *imported, int depth)
{
	char *id = make_id(head);
	char *dir = path_in("images/%s", id);
	char *rootfs = fly_path_join(dir, "rootfs");
	char *info = fly_path_join(dir, "info.json");
	char *aci = fly_path_join(dir, "aci");
	char *text = fly_xasprintf(
		"{\"id\": \"%s\", \"name\": \"%s\", \"labels\": "
		"{\"version\": \"%s\", \"os\": \"linux\"}, \"imported\": "
		"\"%s\","
		" \"size\": 6, \"tar_size\": 10240, \"depth\": %d}",
		id, name, version, imported, depth);

	make_dirs(rootfs);
	write_text(info, text);
	write_text(aci, "bytes\n");
	free(text);
	free(aci);
	free(info);
	free(rootfs);
	free(dir);
	return id;
}

static void file_in_image(const char *id, const char *rel, const char *text)
{
	char *path = path_in("images/%s/rootfs/%s", id, rel);
	char *parent = fly_xstrdup(path);

	*strrchr(parent, '/') = '\0';
	make_dirs(parent);
	write_text(path, text);
	free(parent);
	free(path);
}

static char *read_text(const char *path)
{
	struct fly_error err = { 0 };
	char *text = NULL;

	if (fly_read_file(path, 1 << 20, &text, NULL, &err) < 0)
		return NULL;
	return text;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* ---- resolve ------------------------------------------------------------- */

static void a_full_id_resolves_to_itself(void **state)
{
	char *a = add_image("aaaa1", "example.com/a", "1.0.0",
			    "2024-01-01T00:00:00.000000000Z", 0);
	struct fly_error err = { 0 };
	char id[FLY_ID_LEN + 1];

	(void)state;
	assert_int_equal(fly_store_resolve(&ctx, a, id, &err), 0);
	assert_string_equal(id, a);
	free(a);
}

static void a_unique_prefix_resolves_with_or_without_sha512(void **state)
{
	char *a = add_image("aaaa1", "example.com/a", "1.0.0",
			    "2024-01-01T00:00:00Z", 0);
	char *b = add_image("aaaa2", "example.com/b", "1.0.0",
			    "2024-01-01T00:00:01Z", 0);
	struct fly_error err = { 0 };
	char id[FLY_ID_LEN + 1];

	(void)state;
	assert_int_equal(fly_store_resolve(&ctx, "aaaa2", id, &err), 0);
	assert_string_equal(id, b);
	assert_int_equal(fly_store_resolve(&ctx, "sha512-aaaa1", id, &err), 0);
	assert_string_equal(id, a);
	free(a);
	free(b);
}

static void an_ambiguous_prefix_is_refused_with_the_count(void **state)
{
	char *a = add_image("abcd1", "example.com/a", "1.0.0",
			    "2024-01-01T00:00:00Z", 0);
	char *b = add_image("abcd2", "example.com/b", "1.0.0",
			    "2024-01-01T00:00:01Z", 0);
	struct fly_error err = { 0 };
	char id[FLY_ID_LEN + 1];

	(void)state;
	assert_int_equal(fly_store_resolve(&ctx, "abcd", id, &err), -1);
	assert_string_equal(err.msg, "image ID prefix \"abcd\" is ambiguous: "
				     "it matches 2 images");
	free(a);
	free(b);
}

static void a_prefix_shorter_than_four_digits_is_refused(void **state)
{
	char *a = add_image("abcd1", "example.com/a", "1.0.0",
			    "2024-01-01T00:00:00Z", 0);
	struct fly_error err = { 0 };
	char id[FLY_ID_LEN + 1];

	(void)state;
	assert_int_equal(fly_store_resolve(&ctx, "sha512-abc", id, &err), -1);
	assert_non_null(strstr(err.msg, "is not 4 to 128 hex digits"));
	assert_int_equal(fly_store_resolve(&ctx, "abc", id, &err), -1);
	assert_string_equal(err.msg, "image \"abc\" not found");
	free(a);
}

static void a_name_resolves_to_its_newest_import(void **state)
{
	char *old = add_image("1111", "example.com/app", "1.0.0",
			      "2024-01-01T00:00:00.000000001Z", 0);
	char *new = add_image("2222", "example.com/app", "2.0.0",
			      "2024-01-01T00:00:00.000000002Z", 0);
	struct fly_error err = { 0 };
	char id[FLY_ID_LEN + 1];

	(void)state;
	assert_int_equal(fly_store_resolve(&ctx, "example.com/app", id, &err),
			 0);
	assert_string_equal(id, new);
	free(old);
	free(new);
}

static void a_name_with_version_matches_the_version_label(void **state)
{
	char *old = add_image("1111", "example.com/app", "1.0.0",
			      "2024-01-01T00:00:00Z", 0);
	char *new = add_image("2222", "example.com/app", "2.0.0",
			      "2024-01-02T00:00:00Z", 0);
	struct fly_error err = { 0 };
	char id[FLY_ID_LEN + 1];

	(void)state;
	assert_int_equal(
		fly_store_resolve(&ctx, "example.com/app:1.0.0", id, &err), 0);
	assert_string_equal(id, old);
	assert_int_equal(
		fly_store_resolve(&ctx, "example.com/app:3.0.0", id, &err), -1);
	assert_string_equal(err.msg,
			    "image \"example.com/app:3.0.0\" not found");
	free(old);
	free(new);
}

static void an_unknown_reference_is_not_found(void **state)
{
	struct fly_error err = { 0 };
	char id[FLY_ID_LEN + 1];

	(void)state;
	assert_int_equal(fly_store_resolve(&ctx, "deadbeef", id, &err), -1);
	assert_string_equal(err.msg, "image \"deadbeef\" not found");
}

static void list_gives_images_oldest_first_with_their_labels(void **state)
{
	char *b = add_image("bbbb", "example.com/b", "2.0.0",
			    "2024-01-02T00:00:00Z", 0);
	char *a = add_image("aaaa", "example.com/a", "1.0.0",
			    "2024-01-01T00:00:00Z", 0);
	struct fly_image_info *info = NULL;
	struct fly_error err = { 0 };
	size_t n = 0;

	(void)state;
	assert_int_equal(fly_store_list(&ctx, &info, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(info[0].id, a);
	assert_string_equal(info[1].name, "example.com/b");
	assert_string_equal(
		fly_name_value_get(info[1].labels, info[1].n_labels, "version"),
		"2.0.0");
	assert_int_equal(info[0].imported, 1704067200);
	assert_int_equal(info[0].last_used, info[0].imported);
	assert_int_equal(info[0].size, 6);
	fly_image_info_free(info, n);
	free(a);
	free(b);
}

/* ---- sweeping ------------------------------------------------------------ */

static void prepare_removes_a_render_nobody_holds(void **state)
{
	char *stale = path_in("tmp/render-stale/rootfs/etc");
	char *top = path_in("tmp/render-stale");
	struct fly_error err = { 0 };

	(void)state;
	make_dirs(stale);
	assert_int_equal(fly_store_prepare(&ctx, &err), 0);
	assert_false(exists(top));
	free(stale);
	free(top);
}

/* A child holds the lock until told to go; returns its pid. */
static pid_t hold_lock_in_child(const char *path, int *ret_go)
{
	int ready[2], go[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = ctx.sys->sys_open(path, O_RDONLY | O_DIRECTORY, 0);

		close(go[1]);
		close(ready[0]);
		if (fd < 0 || flock(fd, LOCK_EX) < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*ret_go = go[1];
	return pid;
}

static void prepare_keeps_a_render_another_process_holds(void **state)
{
	char *busy = path_in("tmp/render-busy");
	struct fly_error err = { 0 };
	int go, status;
	pid_t pid;

	(void)state;
	make_dirs(busy);
	pid = hold_lock_in_child(busy, &go);
	assert_int_equal(fly_store_prepare(&ctx, &err), 0);
	assert_true(exists(busy));
	close(go);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	assert_int_equal(fly_store_prepare(&ctx, &err), 0);
	assert_false(exists(busy));
	free(busy);
}

/* ---- pathWhitelist ------------------------------------------------------- */

static void the_whitelist_keeps_listed_files_and_every_directory(void **state)
{
	char *id = add_image("aaaa", "example.com/a", "1.0.0",
			     "2024-01-01T00:00:00Z", 0);
	char *rootfs = fly_store_rootfs(&ctx, id);
	char sh[] = "/bin/sh", passwd[] = "/etc//passwd", gone[] = "/gone";
	char *const list[] = { sh, passwd, gone, NULL };
	struct fly_error err = { 0 };
	char *p[6];

	(void)state;
	file_in_image(id, "bin/sh", "sh");
	file_in_image(id, "bin/ls", "ls");
	file_in_image(id, "etc/passwd", "root");
	file_in_image(id, "var/empty/x", "x");
	p[0] = fly_path_join(rootfs, "bin/sh");
	p[1] = fly_path_join(rootfs, "bin/ls");
	p[2] = fly_path_join(rootfs, "etc/passwd");
	p[3] = fly_path_join(rootfs, "var/empty");
	p[4] = fly_path_join(rootfs, "var/empty/x");
	p[5] = fly_path_join(rootfs, "bin/link");
	assert_int_equal(symlink("sh", p[5]), 0);
	assert_int_equal(fly_store_apply_whitelist(&ctx, rootfs, list, &err),
			 0);
	assert_true(exists(p[0]));
	assert_false(exists(p[1]));
	assert_true(exists(p[2]));
	assert_true(exists(p[3]));
	assert_false(exists(p[4]));
	assert_false(exists(p[5]));
	for (int i = 0; i < 6; i++)
		free(p[i]);
	free(rootfs);
	free(id);
}

static void an_empty_whitelist_keeps_everything(void **state)
{
	char *id = add_image("aaaa", "example.com/a", "1.0.0",
			     "2024-01-01T00:00:00Z", 0);
	char *rootfs = fly_store_rootfs(&ctx, id);
	char *file = fly_path_join(rootfs, "bin/ls");
	char *const none[] = { NULL };
	struct fly_error err = { 0 };

	(void)state;
	file_in_image(id, "bin/ls", "ls");
	assert_int_equal(fly_store_apply_whitelist(&ctx, rootfs, none, &err),
			 0);
	assert_true(exists(file));
	free(file);
	free(rootfs);
	free(id);
}

/* ---- dependencies -------------------------------------------------------- */

static struct fly_dependency dep(const char *name, const char *image_id,
				 struct fly_name_value *labels, size_t n)
{
	struct fly_dependency d = {
		.image_name = (char *)name,
		.image_id = (char *)image_id,
		.labels = labels,
		.n_labels = n,
	};

	return d;
}

static char *render_into(struct fly_dependency *deps, size_t n, int *depth,
			 struct fly_error *err, int *ret)
{
	struct fly_image_manifest m = { .dependencies = deps,
					.n_dependencies = n };
	char *rootfs = path_in("tmp/render-test/rootfs");

	make_dirs(rootfs);
	*ret = fly_store_render_dependencies(&ctx, &m, "sha512-self", rootfs,
					     depth, err);
	return rootfs;
}

static void dependencies_are_layered_later_over_earlier(void **state)
{
	char *base = add_image("1111", "example.com/base", "1.0.0",
			       "2024-01-01T00:00:00Z", 0);
	char *top = add_image("2222", "example.com/top", "1.0.0",
			      "2024-01-01T00:00:01Z", 2);
	struct fly_dependency deps[2];
	struct fly_error err = { 0 };
	char *rootfs, *a, *b, *c, *text;
	int depth = -1, r;

	(void)state;
	file_in_image(base, "etc/a", "base-a");
	file_in_image(base, "etc/b", "base-b");
	file_in_image(base, "lib/dir/x", "base-x");
	file_in_image(top, "etc/a", "top-a");
	file_in_image(top, "lib/dir", "top-file-over-dir");
	deps[0] = dep("example.com/base", NULL, NULL, 0);
	deps[1] = dep("example.com/top", NULL, NULL, 0);
	rootfs = render_into(deps, 2, &depth, &err, &r);
	assert_int_equal(r, 0);
	assert_int_equal(depth, 3);
	a = fly_path_join(rootfs, "etc/a");
	b = fly_path_join(rootfs, "etc/b");
	c = fly_path_join(rootfs, "lib/dir");
	text = read_text(a);
	assert_string_equal(text, "top-a");
	free(text);
	text = read_text(b);
	assert_string_equal(text, "base-b");
	free(text);
	text = read_text(c);
	assert_string_equal(text, "top-file-over-dir");
	free(text);
	free(a);
	free(b);
	free(c);
	free(rootfs);
	free(base);
	free(top);
}

static void copied_layers_keep_symlinks_modes_and_hard_links(void **state)
{
	char *base = add_image("1111", "example.com/base", "1.0.0",
			       "2024-01-01T00:00:00Z", 0);
	char *src = path_in("images/%s/rootfs", base);
	char *one = fly_path_join(src, "one"), *two = fly_path_join(src, "two");
	char *ln = fly_path_join(src, "ln");
	struct fly_dependency deps[1] = { dep("example.com/base", NULL, NULL,
					      0) };
	struct fly_error err = { 0 };
	struct stat s1, s2, sl;
	char *rootfs, *p1, *p2, *pl, target[64];
	int depth, r;

	(void)state;
	write_text(one, "data");
	assert_int_equal(chmod(one, 04750), 0);
	assert_int_equal(link(one, two), 0);
	assert_int_equal(symlink("one", ln), 0);
	rootfs = render_into(deps, 1, &depth, &err, &r);
	assert_int_equal(r, 0);
	p1 = fly_path_join(rootfs, "one");
	p2 = fly_path_join(rootfs, "two");
	pl = fly_path_join(rootfs, "ln");
	assert_int_equal(lstat(p1, &s1), 0);
	assert_int_equal(lstat(p2, &s2), 0);
	assert_int_equal(lstat(pl, &sl), 0);
	assert_int_equal(s1.st_mode & 07777, 04750);
	assert_int_equal(s1.st_ino, s2.st_ino);
	assert_true(S_ISLNK(sl.st_mode));
	assert_int_equal(readlink(pl, target, sizeof(target)), 3);
	assert_memory_equal(target, "one", 3);
	free(p1);
	free(p2);
	free(pl);
	free(rootfs);
	free(one);
	free(two);
	free(ln);
	free(src);
	free(base);
}

static void a_missing_dependency_is_refused_by_name(void **state)
{
	struct fly_dependency deps[1] = { dep("example.com/nope", NULL, NULL,
					      0) };
	struct fly_error err = { 0 };
	char *rootfs;
	int depth, r;

	(void)state;
	rootfs = render_into(deps, 1, &depth, &err, &r);
	assert_int_equal(r, -1);
	assert_string_equal(err.msg, "dependency \"example.com/nope\" not "
				     "found in the store");
	free(rootfs);
}

static void a_dependency_needs_every_label_and_its_image_id(void **state)
{
	char *base = add_image("1111", "example.com/base", "1.0.0",
			       "2024-01-01T00:00:00Z", 0);
	char version[] = "version", one[] = "1.0.0", two[] = "2.0.0";
	struct fly_name_value v2[1] = { { version, two } };
	struct fly_name_value v1[1] = { { version, one } };
	struct fly_dependency deps[1];
	struct fly_error err = { 0 };
	char *rootfs;
	int depth, r;

	(void)state;
	deps[0] = dep("example.com/base", NULL, v2, 1);
	rootfs = render_into(deps, 1, &depth, &err, &r);
	assert_int_equal(r, -1);
	free(rootfs);
	deps[0] = dep("example.com/base", "sha512-2222", v1, 1);
	rootfs = render_into(deps, 1, &depth, &err, &r);
	assert_int_equal(r, -1);
	free(rootfs);
	deps[0] = dep("example.com/base", base, v1, 1);
	rootfs = render_into(deps, 1, &depth, &err, &r);
	assert_int_equal(r, 0);
	free(rootfs);
	free(base);
}

static void dependencies_nested_too_deep_are_refused(void **state)
{
	char *deep = add_image("1111", "example.com/deep", "1.0.0",
			       "2024-01-01T00:00:00Z", 32);
	struct fly_dependency deps[1] = { dep("example.com/deep", NULL, NULL,
					      0) };
	struct fly_error err = { 0 };
	char *rootfs;
	int depth, r;

	(void)state;
	rootfs = render_into(deps, 1, &depth, &err, &r);
	assert_int_equal(r, -1);
	assert_non_null(strstr(err.msg, "deeper than 32 levels"));
	free(rootfs);
	free(deep);
}

/* ---- use and removal ----------------------------------------------------- */

static void removing_an_image_in_use_is_refused(void **state)
{
	char *id = add_image("aaaa", "example.com/a", "1.0.0",
			     "2024-01-01T00:00:00Z", 0);
	char *dir = fly_store_image_dir(&ctx, id);
	struct fly_error err = { 0 };
	int lock = -1;

	(void)state;
	assert_int_equal(fly_store_use(&ctx, id, &lock, &err), 0);
	assert_int_equal(fly_store_remove(&ctx, id, &err), -1);
	assert_int_equal(err.errnum, EBUSY);
	assert_non_null(strstr(err.msg, "is in use"));
	assert_true(exists(dir));
	close(lock);
	assert_int_equal(fly_store_remove(&ctx, id, &err), 0);
	assert_false(exists(dir));
	free(dir);
	free(id);
}

static void using_an_image_marks_it_used(void **state)
{
	char *id = add_image("aaaa", "example.com/a", "1.0.0",
			     "2020-01-01T00:00:00Z", 0);
	struct fly_image_info *info = NULL;
	struct fly_error err = { 0 };
	size_t n = 0;
	int lock = -1;

	(void)state;
	assert_int_equal(fly_store_use(&ctx, id, &lock, &err), 0);
	close(lock);
	assert_int_equal(fly_store_list(&ctx, &info, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_true(info[0].last_used > info[0].imported);
	fly_image_info_free(info, n);
	free(id);
}

static void removing_a_missing_image_says_not_found(void **state)
{
	char *id = make_id("ffff");
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(fly_store_remove(&ctx, id, &err), -1);
	assert_non_null(strstr(err.msg, "not found"));
	free(id);
}

static void export_copies_the_archive_and_keeps_an_existing_file(void **state)
{
	char *id = add_image("aaaa", "example.com/a", "1.0.0",
			     "2024-01-01T00:00:00Z", 0);
	char *out = path_in("out.aci");
	struct fly_error err = { 0 };
	char *text;

	(void)state;
	assert_int_equal(fly_store_export(&ctx, id, out, false, &err), 0);
	text = read_text(out);
	assert_string_equal(text, "bytes\n");
	free(text);
	assert_int_equal(fly_store_export(&ctx, id, out, false, &err), -1);
	assert_non_null(strstr(err.msg, "use --overwrite"));
	assert_int_equal(fly_store_export(&ctx, id, out, true, &err), 0);
	free(out);
	free(id);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(a_full_id_resolves_to_itself),
		T(a_unique_prefix_resolves_with_or_without_sha512),
		T(an_ambiguous_prefix_is_refused_with_the_count),
		T(a_prefix_shorter_than_four_digits_is_refused),
		T(a_name_resolves_to_its_newest_import),
		T(a_name_with_version_matches_the_version_label),
		T(an_unknown_reference_is_not_found),
		T(list_gives_images_oldest_first_with_their_labels),
		T(prepare_removes_a_render_nobody_holds),
		T(prepare_keeps_a_render_another_process_holds),
		T(the_whitelist_keeps_listed_files_and_every_directory),
		T(an_empty_whitelist_keeps_everything),
		T(dependencies_are_layered_later_over_earlier),
		T(copied_layers_keep_symlinks_modes_and_hard_links),
		T(a_missing_dependency_is_refused_by_name),
		T(a_dependency_needs_every_label_and_its_image_id),
		T(dependencies_nested_too_deep_are_refused),
		T(removing_an_image_in_use_is_refused),
		T(using_an_image_marks_it_used),
		T(removing_a_missing_image_says_not_found),
		T(export_copies_the_archive_and_keeps_an_existing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
