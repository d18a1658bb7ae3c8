/* Unit tests for aci.c (behaviour.md 2, appc.md "ACI archive"): archives
 * are built here with libarchive's writer, read back in one pass, and the
 * image ID is checked against a SHA-512 computed independently. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "aci.h"
#include "mock_sys.h"
#include "testlib.h"
#include "util.h"

#define MANIFEST                                                  \
	"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\"," \
	"\"name\":\"example.com/test\"}"
#define MTIME 1500000000
#define NOBODY 65534
/* More than libarchive reads ahead past the end of what it decodes. */
#define PADDING (1024 * 1024)

/* One archive entry: S_IFLNK entries take data as their target. */
struct spec {
	const char *name;
	mode_t mode;
	const char *data;
	const char *hardlink;
	dev_t rdev;
	uid_t uid;
};

#define E_FILE(n, m, d)                                         \
	{                                                       \
		.name = (n), .mode = S_IFREG | (m), .data = (d) \
	}
#define E_DIR(n, m)                                \
	{                                          \
		.name = (n), .mode = S_IFDIR | (m) \
	}
#define E_SYMLINK(n, t)                                          \
	{                                                        \
		.name = (n), .mode = S_IFLNK | 0777, .data = (t) \
	}
#define E_HARDLINK(n, t)                                             \
	{                                                            \
		.name = (n), .mode = S_IFREG | 0644, .hardlink = (t) \
	}
#define E_END                \
	{                    \
		.name = NULL \
	}

struct bytes {
	unsigned char *p;
	size_t len;
};

static char tmp[256];
static char src_dir[300], out_dir[300], rootfs[300], aci_path[300];
static struct fly_ctx ctx = { .sys = &mock_sys };

static const struct spec basic[] = {
	E_FILE("manifest", 0644, MANIFEST),
	E_DIR("rootfs/", 0755),
	E_DIR("rootfs/etc/", 0755),
	E_FILE("rootfs/etc/hello", 0644, "hi\n"),
	E_END,
};

static int setup(void **state)
{
	(void)state;
	if (test_tmpdir(tmp, sizeof(tmp)) < 0)
		return -1;
	snprintf(src_dir, sizeof(src_dir), "%s/src", tmp);
	snprintf(out_dir, sizeof(out_dir), "%s/out", tmp);
	snprintf(rootfs, sizeof(rootfs), "%s/out/rootfs", tmp);
	snprintf(aci_path, sizeof(aci_path), "%s/src/in.aci", tmp);
	if (mkdir(src_dir, 0755) < 0 || mkdir(out_dir, 0755) < 0 ||
	    mkdir(rootfs, 0755) < 0)
		return -1;
	ctx.root = false;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return test_rmtree(tmp);
}

/* Start over with an empty rootfs directory. */
static void reset_rootfs(void)
{
	struct fly_error err = { 0 };

	assert_int_equal(fly_rm_tree(&ctx, rootfs, &err), 0);
	assert_int_equal(mkdir(rootfs, 0755), 0);
}

static la_ssize_t append(struct archive *a, void *data, const void *p, size_t n)
{
	struct bytes *b = data;

	(void)a;
	b->p = fly_xrealloc(b->p, b->len + n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return (la_ssize_t)n;
}

static void add_entry(struct archive *a, const struct spec *s)
{
	struct archive_entry *e = archive_entry_new();
	size_t len = s->data && S_ISREG(s->mode) ? strlen(s->data) : 0;

	archive_entry_set_pathname(e, s->name);
	archive_entry_set_mode(e, s->mode);
	archive_entry_set_mtime(e, MTIME, 0);
	archive_entry_set_uid(e, s->uid);
	archive_entry_set_uname(e, "root");
	archive_entry_set_rdev(e, s->rdev);
	archive_entry_set_size(e, (la_int64_t)len);
	if (s->hardlink)
		archive_entry_set_hardlink(e, s->hardlink);
	else if (S_ISLNK(s->mode))
		archive_entry_set_symlink(e, s->data);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	if (len)
		assert_int_equal(archive_write_data(a, s->data, len),
				 (la_ssize_t)len);
	archive_entry_free(e);
}

/* A tar (pax, default 10240-byte blocking, so with zero padding). */
static struct bytes make_tar(const struct spec *specs)
{
	struct archive *a = archive_write_new();
	struct bytes b = { NULL, 0 };

	assert_int_equal(archive_write_set_format_pax_restricted(a),
			 ARCHIVE_OK);
	assert_int_equal(archive_write_open(a, &b, NULL, append, NULL),
			 ARCHIVE_OK);
	for (const struct spec *s = specs; s->name; s++)
		add_entry(a, s);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return b;
}

static void write_bytes(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Write data to path compressed with filter ("gzip", ...) or as is. */
static void write_compressed(const char *path, const struct bytes *data,
			     const char *filter)
{
	struct archive *a;
	struct archive_entry *e;

	if (!filter) {
		write_bytes(path, data->p, data->len);
		return;
	}
	a = archive_write_new();
	e = archive_entry_new();
	assert_int_equal(archive_write_add_filter_by_name(a, filter),
			 ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_in_last_block(a, 1),
			 ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	archive_entry_set_pathname(e, "data");
	archive_entry_set_mode(e, S_IFREG | 0644);
	archive_entry_set_size(e, (la_int64_t)data->len);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, data->p, data->len),
			 (la_ssize_t)data->len);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_entry_free(e);
	archive_write_free(a);
}

static struct bytes read_bytes(const char *path)
{
	struct fly_error err = { 0 };
	struct bytes b = { NULL, 0 };
	char *text = NULL;

	if (fly_read_file(path, 64 << 20, &text, &b.len, &err) < 0)
		fail_msg("%s", err.msg);
	b.p = (unsigned char *)text;
	return b;
}

/* "sha512-" + hex, computed in one call, apart from aci.c's stream. */
static void expected_id(const struct bytes *tar, char out[FLY_ID_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	assert_int_equal(
		EVP_Digest(tar->p, tar->len, md, &len, EVP_sha512(), NULL), 1);
	assert_int_equal(len, 64);
	strcpy(out, "sha512-");
	for (unsigned int i = 0; i < len; i++)
		sprintf(out + 7 + 2 * i, "%02x", md[i]);
}

static int read_aci(const char *path, int copy_fd, struct fly_aci *aci,
		    struct fly_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	assert_true(fd >= 0);
	r = fly_aci_read(&ctx, fd, path, copy_fd, rootfs, aci, err);
	close(fd);
	return r;
}

/* Build specs into the source archive, uncompressed. */
static void write_aci(const struct spec *specs)
{
	struct bytes tar = make_tar(specs);

	write_bytes(aci_path, tar.p, tar.len);
	free(tar.p);
}

static char *file_text(const char *path)
{
	struct bytes b = read_bytes(path);

	return (char *)b.p;
}

static char *in_rootfs(const char *rel)
{
	return fly_path_join(rootfs, rel);
}

/* The entries of dir, sorted, joined by spaces. */
static char *listing(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	char *out = fly_xstrdup("");

	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
			char *next = fly_xasprintf("%s%s%s", out,
						   *out ? " " : "", name);

			free(out);
			out = next;
		}
		free(names[i]);
	}
	free(names);
	return out;
}

static void assert_listing(const char *dir, const char *expected)
{
	char *got = listing(dir);

	assert_string_equal(got, expected);
	free(got);
}

/* The archive is refused with a message naming it and containing what;
 * nothing appears next to rootfs or the archive. */
static void assert_refused(const char *what)
{
	struct fly_aci aci;
	struct fly_error err = { 0 };
	char *prefix = fly_xasprintf("\"%s\": ", aci_path);

	if (read_aci(aci_path, -1, &aci, &err) == 0)
		fail_msg("accepted; expected \"%s\"", what);
	assert_true(fly_str_has_prefix(err.msg, prefix));
	if (!strstr(err.msg, what))
		fail_msg("\"%s\" does not contain \"%s\"", err.msg, what);
	assert_null(aci.manifest);
	assert_null(aci.manifest_text);
	assert_listing(tmp, "out src");
	assert_listing(out_dir, "rootfs");
	assert_listing(src_dir, "in.aci");
	free(prefix);
}

static void the_id_is_the_sha512_of_the_uncompressed_tar(void **state)
{
	struct bytes tar = make_tar(basic);
	struct fly_aci aci;
	struct fly_error err = { 0 };
	char id[FLY_ID_LEN + 1];
	char *hello = in_rootfs("etc/hello"), *text;

	(void)state;
	write_bytes(aci_path, tar.p, tar.len);
	expected_id(&tar, id);
	if (read_aci(aci_path, -1, &aci, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(aci.id, id);
	assert_int_equal(aci.tar_size, tar.len);
	assert_int_equal(aci.manifest_len, strlen(MANIFEST));
	assert_string_equal(aci.manifest_text, MANIFEST);
	assert_string_equal(aci.manifest->name, "example.com/test");
	text = file_text(hello);
	assert_string_equal(text, "hi\n");
	fly_aci_clear(&aci);
	free(text);
	free(hello);
	free(tar.p);
}

static void every_compression_gives_the_id_of_the_plain_tar(void **state)
{
	static const char *const filters[] = { "gzip", "bzip2", "xz", "zstd" };
	struct bytes tar = make_tar(basic);
	char id[FLY_ID_LEN + 1];

	(void)state;
	expected_id(&tar, id);
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		struct fly_aci aci;
		struct fly_error err = { 0 };
		struct bytes file;

		reset_rootfs();
		write_compressed(aci_path, &tar, filters[i]);
		file = read_bytes(aci_path);
		assert_true(file.len != tar.len ||
			    memcmp(file.p, tar.p, tar.len) != 0);
		free(file.p);
		if (read_aci(aci_path, -1, &aci, &err) < 0)
			fail_msg("%s: %s", filters[i], err.msg);
		assert_string_equal(aci.id, id);
		assert_int_equal(aci.tar_size, tar.len);
		fly_aci_clear(&aci);
	}
	free(tar.p);
}

static void the_id_covers_the_padding_after_the_last_entry(void **state)
{
	struct bytes tar = make_tar(basic);
	struct fly_aci aci;
	struct fly_error err = { 0 };
	char bare[FLY_ID_LEN + 1], padded[FLY_ID_LEN + 1];

	(void)state;
	expected_id(&tar, bare);
	tar.p = fly_xrealloc(tar.p, tar.len + PADDING);
	memset(tar.p + tar.len, 0, PADDING);
	tar.len += PADDING;
	expected_id(&tar, padded);
	write_compressed(aci_path, &tar, "gzip");
	if (read_aci(aci_path, -1, &aci, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(aci.id, padded);
	assert_string_not_equal(aci.id, bare);
	assert_int_equal(aci.tar_size, tar.len);
	fly_aci_clear(&aci);
	free(tar.p);
}

static void the_copy_is_byte_identical_to_the_input(void **state)
{
	struct bytes tar = make_tar(basic), in, copy;
	struct fly_aci aci;
	struct fly_error err = { 0 };
	char *copy_path = fly_xasprintf("%s/copy", tmp);
	FILE *f;
	int fd;

	(void)state;
	write_compressed(aci_path, &tar, "gzip");
	f = fopen(aci_path, "ae");
	assert_non_null(f);
	for (int i = 0; i < PADDING / 16; i++)
		fputs("after the stream", f);
	assert_int_equal(fclose(f), 0);
	fd = open(copy_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	if (read_aci(aci_path, fd, &aci, &err) < 0)
		fail_msg("%s", err.msg);
	close(fd);
	in = read_bytes(aci_path);
	copy = read_bytes(copy_path);
	assert_int_equal(copy.len, in.len);
	assert_memory_equal(copy.p, in.p, in.len);
	assert_int_equal(unlink(copy_path), 0);
	fly_aci_clear(&aci);
	free(in.p);
	free(copy.p);
	free(tar.p);
	free(copy_path);
}

static void the_manifest_may_come_after_rootfs(void **state)
{
	static const struct spec late[] = {
		E_DIR("rootfs/", 0755),
		E_FILE("rootfs/a", 0644, "a"),
		E_FILE("manifest", 0644, MANIFEST),
		E_END,
	};
	struct fly_aci aci;
	struct fly_error err = { 0 };
	char *a = in_rootfs("a");

	(void)state;
	write_aci(late);
	if (read_aci(aci_path, -1, &aci, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(aci.manifest->name, "example.com/test");
	assert_int_equal(access(a, F_OK), 0);
	fly_aci_clear(&aci);
	free(a);
}

static void an_archive_of_dot_with_implied_rootfs_is_read(void **state)
{
	static const struct spec dot[] = {
		E_DIR("./", 0755),
		E_FILE("./manifest", 0644, MANIFEST),
		E_FILE("./rootfs/bin/sh", 0755, "#!"),
		E_END,
	};
	struct fly_aci aci;
	struct fly_error err = { 0 };
	char *sh = in_rootfs("bin/sh");
	struct stat st;

	(void)state;
	write_aci(dot);
	if (read_aci(aci_path, -1, &aci, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(stat(sh, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(st.st_mtime, MTIME);
	fly_aci_clear(&aci);
	free(sh);
}

static void an_extra_top_level_entry_is_refused(void **state)
{
	static const struct spec extra[] = {
		E_FILE("manifest", 0644, MANIFEST),
		E_DIR("rootfs/", 0755),
		E_FILE("README", 0644, "x"),
		E_END,
	};

	(void)state;
	write_aci(extra);
	assert_refused("README: unexpected entry at the top level");
}

static void a_missing_manifest_is_refused(void **state)
{
	static const struct spec none[] = {
		E_DIR("rootfs/", 0755),
		E_END,
	};

	(void)state;
	write_aci(none);
	assert_refused("the archive has no manifest");
}

static void a_missing_rootfs_is_refused(void **state)
{
	static const struct spec none[] = {
		E_FILE("manifest", 0644, MANIFEST),
		E_END,
	};

	(void)state;
	write_aci(none);
	assert_refused("the archive has no rootfs/ directory");
}

static void a_rootfs_symlink_is_refused(void **state)
{
	static const struct spec link[] = {
		E_FILE("manifest", 0644, MANIFEST),
		E_SYMLINK("rootfs", ".."),
		E_FILE("rootfs/evil", 0644, "x"),
		E_END,
	};

	(void)state;
	write_aci(link);
	assert_refused("rootfs: rootfs must be a directory");
}

static void a_duplicate_entry_is_refused(void **state)
{
	static const struct spec dup[] = {
		E_FILE("manifest", 0644, MANIFEST),
		E_FILE("rootfs/a", 0644, "one"),
		E_FILE("./rootfs/a", 0644, "two"),
		E_END,
	};

	(void)state;
	write_aci(dup);
	assert_refused("./rootfs/a: duplicate entry");
}

static void an_invalid_manifest_is_refused_naming_its_field(void **state)
{
	static const struct spec bad[] = {
		E_FILE("manifest", 0644,
		       "{\"acKind\":\"PodManifest\",\"acVersion\":\"0.8.11\","
		       "\"name\":\"x\"}"),
		E_DIR("rootfs/", 0755),
		E_END,
	};

	(void)state;
	write_aci(bad);
	assert_refused(": manifest: acKind");
}

static void text_that_is_not_a_tar_is_not_an_aci(void **state)
{
	struct fly_aci aci;
	struct fly_error err = { 0 };
	char *expected = fly_xasprintf("\"%s\": not an ACI: not a tar archive",
				       aci_path);

	(void)state;
	write_bytes(aci_path, "hello, world\n", 13);
	assert_int_equal(read_aci(aci_path, -1, &aci, &err), -1);
	assert_string_equal(err.msg, expected);
	free(expected);
}

static void an_empty_file_is_not_an_aci(void **state)
{
	(void)state;
	write_bytes(aci_path, "", 0);
	assert_refused("not an ACI: the file is empty");
}

static void gzip_data_that_is_not_a_tar_is_not_an_aci(void **state)
{
	struct bytes text = { (unsigned char *)fly_xstrdup("hello\n"), 6 };

	(void)state;
	write_compressed(aci_path, &text, "gzip");
	assert_refused("not an ACI: gzip data that is not a tar archive");
	free(text.p);
}

/* An archive whose file data does not compress, so cutting the gzip
 * stream in half lands in the middle of the tar. */
static struct bytes make_big_tar(void)
{
	static char noise[200000];
	struct spec big[] = {
		E_FILE("manifest", 0644, MANIFEST),
		E_FILE("rootfs/noise", 0644, noise),
		E_FILE("rootfs/after", 0644, "x"),
		E_END,
	};
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(noise) - 1; i++) {
		x = x * 1103515245 + 12345;
		noise[i] = (char)('!' + (x >> 16) % 90);
	}
	return make_tar(big);
}

static void a_truncated_gzip_is_refused(void **state)
{
	struct bytes tar = make_big_tar(), file;

	(void)state;
	write_compressed(aci_path, &tar, "gzip");
	file = read_bytes(aci_path);
	write_bytes(aci_path, file.p, file.len / 2);
	assert_refused("truncated gzip input");
	free(file.p);
	free(tar.p);
}

static void a_truncated_tar_is_refused(void **state)
{
	struct bytes tar = make_big_tar();

	(void)state;
	write_bytes(aci_path, tar.p, tar.len / 2);
	assert_refused("rootfs/noise: Truncated tar archive");
	free(tar.p);
}

/* Each hostile archive aims at out/evil, next to rootfs. */
static void hostile_entries_write_nothing_outside_rootfs(void **state)
{
	char *out_abs = fly_xasprintf("%s/evil", out_dir);
	char *aci_up = fly_xasprintf("rootfs/../../src/in.aci");
	const struct {
		struct spec entries[3];
		const char *message;
	} cases[] = {
		{ { E_FILE("rootfs/../evil", 0644, "x") },
		  "rootfs/../evil: entry leaves the image" },
		{ { E_FILE(out_abs, 0644, "x") },
		  "/evil: entry leaves the image" },
		{ { E_SYMLINK("rootfs/l", ".."),
		    E_FILE("rootfs/l/evil", 0644, "x") },
		  "rootfs/l/evil: entry goes through the symlink" },
		{ { E_SYMLINK("rootfs/l", out_dir),
		    E_FILE("rootfs/l/evil", 0644, "x") },
		  "rootfs/l/evil: entry goes through the symlink" },
		{ { E_HARDLINK("rootfs/h", aci_up) },
		  "rootfs/h: hard link to \"rootfs/../../src/in.aci\" leaves" },
		{ { E_HARDLINK("rootfs/h", "manifest") },
		  "rootfs/h: hard link to \"manifest\" points outside" },
		{ { E_SYMLINK("rootfs/l", "/"),
		    E_HARDLINK("rootfs/h", "rootfs/l/etc/passwd") },
		  "rootfs/h: hard link to \"rootfs/l/etc/passwd\" goes "
		  "through" },
		{ { { .name = "rootfs/null",
		      .mode = S_IFCHR | 0666,
		      .rdev = makedev(1, 3) } },
		  "rootfs/null: device node refused when not running as root" },
		{ { E_FILE("rootfs/su", 04755, "x") },
		  "rootfs/su: setuid or setgid bit refused" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spec specs[6] = {
			E_FILE("manifest", 0644, MANIFEST),
			E_DIR("rootfs/", 0755),
		};

		memcpy(specs + 2, cases[i].entries, sizeof(cases[i].entries));
		reset_rootfs();
		write_aci(specs);
		assert_refused(cases[i].message);
		assert_int_equal(access(out_abs, F_OK), -1);
	}
	free(out_abs);
	free(aci_up);
}

static void legitimate_links_and_fifos_are_extracted(void **state)
{
	static const struct spec links[] = {
		E_FILE("manifest", 0644, MANIFEST),
		E_SYMLINK("rootfs/etc2", "/etc"),
		E_SYMLINK("rootfs/up", "../../../.."),
		E_FILE("rootfs/bin/a", 0755, "binary"),
		E_HARDLINK("rootfs/bin/b", "rootfs/bin/a"),
		{ .name = "rootfs/run/fifo", .mode = S_IFIFO | 0600 },
		E_END,
	};
	struct fly_aci aci;
	struct fly_error err = { 0 };
	char *etc2 = in_rootfs("etc2"), *up = in_rootfs("up");
	char *a = in_rootfs("bin/a"), *b = in_rootfs("bin/b");
	char *fifo = in_rootfs("run/fifo");
	char target[64];
	struct stat sa, sb, sf;
	ssize_t n;

	(void)state;
	write_aci(links);
	if (read_aci(aci_path, -1, &aci, &err) < 0)
		fail_msg("%s", err.msg);
	n = readlink(etc2, target, sizeof(target) - 1);
	assert_int_equal(n, 4);
	target[n] = '\0';
	assert_string_equal(target, "/etc");
	n = readlink(up, target, sizeof(target) - 1);
	assert_int_equal(n, 11);
	target[n] = '\0';
	assert_string_equal(target, "../../../..");
	assert_int_equal(stat(a, &sa), 0);
	assert_int_equal(stat(b, &sb), 0);
	assert_int_equal(sa.st_ino, sb.st_ino);
	assert_int_equal(lstat(fifo, &sf), 0);
	assert_true(S_ISFIFO(sf.st_mode));
	fly_aci_clear(&aci);
	free(etc2);
	free(up);
	free(a);
	free(b);
	free(fifo);
}

static const struct spec read_only_dir[] = {
	E_FILE("manifest", 0644, MANIFEST),
	E_DIR("rootfs/", 0755),
	E_DIR("rootfs/ro/", 0555),
	E_DIR("rootfs/ro/sub/", 0500),
	E_FILE("rootfs/ro/sub/file", 0444, "data"),
	E_END,
};

static int lchown_tree(const char *path)
{
	_cleanup_free_ char *listed = NULL;
	struct stat st;

	if (lchown(path, NOBODY, NOBODY) < 0 || lstat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return 0;
	listed = listing(path);
	for (char *s = NULL, *name = strtok_r(listed, " ", &s); name;
	     name = strtok_r(NULL, " ", &s)) {
		_cleanup_free_ char *sub = fly_path_join(path, name);

		if (lchown_tree(sub) < 0)
			return -1;
	}
	return 0;
}

/* Extract as an unprivileged user: in a child that drops to nobody when
 * the tests run as root. */
static void extract_unprivileged(void)
{
	struct fly_aci aci;
	struct fly_error err = { 0 };
	int status;
	pid_t pid;

	if (geteuid() != 0) {
		if (read_aci(aci_path, -1, &aci, &err) < 0)
			fail_msg("%s", err.msg);
		fly_aci_clear(&aci);
		return;
	}
	assert_int_equal(chmod(tmp, 0755), 0);
	assert_int_equal(lchown_tree(tmp), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(aci_path, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setgroups(0, NULL) < 0 ||
		    setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(2);
		if (fly_aci_read(&ctx, fd, aci_path, -1, rootfs, &aci, &err) <
		    0) {
			fprintf(stderr, "%s\n", err.msg);
			_exit(1);
		}
		fly_aci_clear(&aci);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void read_only_directories_do_not_block_their_contents(void **state)
{
	char *ro = in_rootfs("ro"), *sub = in_rootfs("ro/sub");
	char *file = in_rootfs("ro/sub/file");
	struct stat st;

	(void)state;
	write_aci(read_only_dir);
	extract_unprivileged();
	assert_int_equal(lstat(ro, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0555);
	assert_int_equal(st.st_mtime, MTIME);
	assert_int_equal(lstat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0500);
	assert_int_equal(lstat(file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0444);
	assert_int_equal(st.st_size, 4);
	assert_int_equal(chmod(sub, 0755), 0);
	assert_int_equal(chmod(ro, 0755), 0);
	free(ro);
	free(sub);
	free(file);
}

static void as_root_devices_setuid_and_numeric_owners_are_kept(void **state)
{
	const struct spec rooted[] = {
		E_FILE("manifest", 0644, MANIFEST),
		{ .name = "rootfs/dev/null",
		  .mode = S_IFCHR | 0666,
		  .rdev = makedev(1, 3) },
		E_FILE("rootfs/bin/su", 04755, "su"),
		{ .name = "rootfs/home/u",
		  .mode = S_IFREG | 0600,
		  .data = "u",
		  .uid = 4321 },
		E_END,
	};
	struct fly_aci aci;
	struct fly_error err = { 0 };
	char *dev = in_rootfs("dev/null"), *su = in_rootfs("bin/su");
	char *home = in_rootfs("home/u");
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip(); /* creating device nodes and owners needs real root */
	write_aci(rooted);
	ctx.root = true;
	if (read_aci(aci_path, -1, &aci, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(lstat(dev, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(1, 3));
	assert_int_equal(lstat(su, &st), 0);
	assert_int_equal(st.st_mode & 07777, 04755);
	assert_int_equal(lstat(home, &st), 0);
	assert_int_equal(st.st_uid, 4321);
	fly_aci_clear(&aci);
	free(dev);
	free(su);
	free(home);
}

static void make_file(const char *dir, const char *rel, const char *text,
		      mode_t mode)
{
	char *path = fly_path_join(dir, rel);
	struct timespec times[2] = { { MTIME, 0 }, { MTIME, 0 } };

	write_bytes(path, text, strlen(text));
	assert_int_equal(chmod(path, mode), 0);
	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
	free(path);
}

static void make_dir(const char *dir, const char *rel, mode_t mode)
{
	char *path = fly_path_join(dir, rel);

	assert_int_equal(mkdir(path, mode), 0);
	assert_int_equal(chmod(path, mode), 0);
	free(path);
}

/* A file with a hole of 3 MiB before its last bytes. */
static void make_sparse_file(const char *dir, const char *rel)
{
	char *path = fly_path_join(dir, rel);
	struct timespec times[2] = { { MTIME, 0 }, { MTIME, 0 } };
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "end", 3, 3 << 20), 3);
	assert_int_equal(futimens(fd, times), 0);
	close(fd);
	free(path);
}

/* A tree with every kind of file export must carry. */
static char *make_tree(void)
{
	char *tree = fly_xasprintf("%s/tree", tmp);

	make_dir(tmp, "tree", 0755);
	make_dir(tree, "bin", 0755);
	make_dir(tree, "empty", 0700);
	make_dir(tree, "ro", 0755);
	make_file(tree, "bin/tool", "#!/bin/sh\n", 0755);
	make_file(tree, "ro/data", "read only\n", 0444);
	make_file(tree, "etc-file", "x=1\n", 0640);
	make_sparse_file(tree, "sparse");
	return tree;
}

static void add_links(const char *tree)
{
	char *tool = fly_path_join(tree, "bin/tool");
	char *tool2 = fly_path_join(tree, "bin/tool2");
	char *abs = fly_path_join(tree, "etc");
	char *rel = fly_path_join(tree, "bin/sh");
	char *fifo = fly_path_join(tree, "fifo");
	char *ro = fly_path_join(tree, "ro");

	assert_int_equal(link(tool, tool2), 0);
	assert_int_equal(symlink("/etc", abs), 0);
	assert_int_equal(symlink("../bin/tool", rel), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(chmod(ro, 0555), 0);
	free(tool);
	free(tool2);
	free(abs);
	free(rel);
	free(fifo);
	free(ro);
}

static void assert_same_file(const char *a, const char *b,
			     const struct stat *sa, const struct stat *sb)
{
	if (S_ISREG(sa->st_mode)) {
		struct bytes x = read_bytes(a), y = read_bytes(b);

		assert_int_equal(x.len, y.len);
		assert_memory_equal(x.p, y.p, x.len);
		assert_int_equal(sa->st_nlink, sb->st_nlink);
		free(x.p);
		free(y.p);
	}
	if (S_ISLNK(sa->st_mode)) {
		char ta[256] = "", tb[256] = "";

		assert_true(readlink(a, ta, sizeof(ta) - 1) > 0);
		assert_true(readlink(b, tb, sizeof(tb) - 1) > 0);
		assert_string_equal(ta, tb);
	} else {
		assert_int_equal(sa->st_mtime, sb->st_mtime);
	}
}

static void assert_same_tree(const char *a, const char *b)
{
	struct stat sa, sb;

	assert_int_equal(lstat(a, &sa), 0);
	if (lstat(b, &sb) < 0)
		fail_msg("\"%s\" is missing", b);
	if (sa.st_mode != sb.st_mode)
		fail_msg("\"%s\": mode %o, expected %o", b, sb.st_mode,
			 sa.st_mode);
	assert_same_file(a, b, &sa, &sb);
	if (S_ISDIR(sa.st_mode)) {
		char *la = listing(a), *lb = listing(b);

		assert_string_equal(la, lb);
		for (char *s = NULL, *name = strtok_r(la, " ", &s); name;
		     name = strtok_r(NULL, " ", &s)) {
			char *sub_a = fly_path_join(a, name);
			char *sub_b = fly_path_join(b, name);

			assert_same_tree(sub_a, sub_b);
			free(sub_a);
			free(sub_b);
		}
		free(la);
		free(lb);
	}
}

/* SHA-512 of a file's content after decompression, by libarchive. */
static void decompressed_id(const char *path, char out[FLY_ID_LEN + 1])
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct bytes all = { NULL, 0 };
	char buf[8192];
	la_ssize_t n;

	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	assert_int_equal(archive_read_open_filename(a, path, 8192), ARCHIVE_OK);
	assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
	assert_string_equal(archive_filter_name(a, 0), "gzip");
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
		append(a, &all, buf, (size_t)n);
	assert_int_equal(n, 0);
	archive_read_free(a);
	expected_id(&all, out);
	free(all.p);
}

static void a_written_aci_reads_back_as_the_same_tree(void **state)
{
	char *tree = make_tree();
	char *out = fly_xasprintf("%s/export.aci", tmp);
	char *tree_ro = fly_path_join(tree, "ro");
	char *rootfs_ro = in_rootfs("ro");
	struct fly_aci aci;
	struct fly_error err = { 0 };
	char id[FLY_ID_LEN + 1];

	(void)state;
	add_links(tree);
	if (fly_aci_write(&ctx, MANIFEST, tree, out, &err) < 0)
		fail_msg("%s", err.msg);
	if (read_aci(out, -1, &aci, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(aci.manifest_text, MANIFEST);
	decompressed_id(out, id);
	assert_string_equal(aci.id, id);
	assert_same_tree(tree, rootfs);
	assert_int_equal(chmod(tree_ro, 0755), 0);
	assert_int_equal(chmod(rootfs_ro, 0755), 0);
	fly_aci_clear(&aci);
	free(tree);
	free(out);
	free(tree_ro);
	free(rootfs_ro);
}

static void a_tree_reached_through_a_symlink_exports_as_rootfs(void **state)
{
	char *tree = fly_xasprintf("%s/tree", tmp);
	char *link = fly_xasprintf("%s/tree-link", tmp);
	char *out = fly_xasprintf("%s/export.aci", tmp);
	struct fly_aci aci;
	struct fly_error err = { 0 };

	(void)state;
	make_dir(tmp, "tree", 0755);
	make_file(tree, "file", "x", 0644);
	assert_int_equal(symlink("tree", link), 0);
	if (fly_aci_write(&ctx, MANIFEST, link, out, &err) < 0)
		fail_msg("%s", err.msg);
	if (read_aci(out, -1, &aci, &err) < 0)
		fail_msg("%s", err.msg);
	assert_same_tree(tree, rootfs);
	fly_aci_clear(&aci);
	free(tree);
	free(link);
	free(out);
}

static void export_leaves_sockets_out(void **state)
{
	char *tree = fly_xasprintf("%s/tree", tmp);
	char *out = fly_xasprintf("%s/export.aci", tmp);
	char *sock_rootfs = in_rootfs("sock");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct fly_aci aci;
	struct fly_error err = { 0 };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	(void)state;
	make_dir(tmp, "tree", 0755);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/sock", tree);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(s);
	if (fly_aci_write(&ctx, MANIFEST, tree, out, &err) < 0)
		fail_msg("%s", err.msg);
	if (read_aci(out, -1, &aci, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(access(sock_rootfs, F_OK), -1);
	fly_aci_clear(&aci);
	free(tree);
	free(out);
	free(sock_rootfs);
}

static void a_failed_write_leaves_nothing_behind(void **state)
{
	char *tree = fly_xasprintf("%s/tree", tmp);
	char *missing = fly_xasprintf("%s/missing", tmp);
	char *out = fly_xasprintf("%s/export.aci", tmp);
	struct fly_error err = { 0 };

	(void)state;
	make_dir(tmp, "tree", 0755);
	assert_int_equal(fly_aci_write(&ctx, MANIFEST, missing, out, &err), -1);
	assert_non_null(strstr(err.msg, missing));
	assert_listing(tmp, "out src tree");

	mock_sys_fail("renameat", 1, EIO);
	assert_int_equal(fly_aci_write(&ctx, MANIFEST, tree, out, &err), -1);
	assert_int_equal(err.errnum, EIO);
	assert_listing(tmp, "out src tree");

	assert_int_equal(fly_aci_write(&ctx, "{}", tree, out, &err), -1);
	assert_true(fly_str_has_prefix(err.msg, "write \""));
	assert_non_null(strstr(err.msg, ": manifest: "));
	assert_listing(tmp, "out src tree");
	free(tree);
	free(missing);
	free(out);
}

#define TEST(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(the_id_is_the_sha512_of_the_uncompressed_tar),
		TEST(every_compression_gives_the_id_of_the_plain_tar),
		TEST(the_id_covers_the_padding_after_the_last_entry),
		TEST(the_copy_is_byte_identical_to_the_input),
		TEST(the_manifest_may_come_after_rootfs),
		TEST(an_archive_of_dot_with_implied_rootfs_is_read),
		TEST(an_extra_top_level_entry_is_refused),
		TEST(a_missing_manifest_is_refused),
		TEST(a_missing_rootfs_is_refused),
		TEST(a_rootfs_symlink_is_refused),
		TEST(a_duplicate_entry_is_refused),
		TEST(an_invalid_manifest_is_refused_naming_its_field),
		TEST(text_that_is_not_a_tar_is_not_an_aci),
		TEST(an_empty_file_is_not_an_aci),
		TEST(gzip_data_that_is_not_a_tar_is_not_an_aci),
		TEST(a_truncated_gzip_is_refused),
		TEST(a_truncated_tar_is_refused),
		TEST(hostile_entries_write_nothing_outside_rootfs),
		TEST(legitimate_links_and_fifos_are_extracted),
		TEST(read_only_directories_do_not_block_their_contents),
		TEST(as_root_devices_setuid_and_numeric_owners_are_kept),
		TEST(a_written_aci_reads_back_as_the_same_tree),
		TEST(a_tree_reached_through_a_symlink_exports_as_rootfs),
		TEST(export_leaves_sockets_out),
		TEST(a_failed_write_leaves_nothing_behind),
	};

	return cmocka_run_group_tests_name("aci", tests, NULL, NULL);
}
