#include "aci.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guard.h"
#include "hasher.h"
#include "libarchive.h"
#include "log.h"
#include "util.h"

#include "poison.h"

#define BUF_SIZE (256 * 1024)
#define TAR_FORMAT ARCHIVE_FORMAT_TAR_PAX_RESTRICTED

/* libarchive's own error codes, which its public header does not name. */
#define LA_ERRNO_FILE_FORMAT EILSEQ
#define LA_ERRNO_PROGRAMMER EINVAL
#define LA_ERRNO_MISC (-1)

/* One pass over an ACI, with no seek and no second read:
 *
 *   fd --read_file--> outer --read_tar--> inner --> entries --> disk
 *       (copy_fd)    (gunzip...)   (SHA-512, tar_size)  (guard)
 *
 * The outer reader only decompresses (raw format); every byte it yields
 * is hashed before the inner reader, which knows only tar, parses it. */
struct pass {
	const struct fly_ctx *ctx;
	int fd;
	int copy_fd;
	const char *src;
	struct fly_aci *aci;
	char *rootfs; /* realpath of the target directory */
	struct archive *outer;
	struct archive *inner;
	struct archive *disk;
	struct fly_guard *guard;
	struct fly_hasher *hasher; /* SHA-512 on a second thread */
	unsigned char *tar_buf;    /* the hasher's buffer in use */
	uint64_t file_size;
	uint64_t tar_size;
	unsigned int entries;
	bool tar_eof;
	bool has_root_time;
	struct timespec root_time[2]; /* for utimensat on rootfs */
	bool failed;                  /* cb_err holds a callback's failure */
	struct fly_error cb_err;
	unsigned char file_buf[BUF_SIZE];
};

static const char *message(struct archive *a)
{
	const char *s = fly_la.archive_error_string(a);

	return s ? s : "unknown libarchive error";
}

/* libarchive keeps the errno apart from its message; only a real one is
 * worth appending (its format and usage codes alias EILSEQ and EINVAL). */
static int la_errnum(struct archive *a)
{
	int e = fly_la.archive_errno(a);

	if (e <= 0 || e == LA_ERRNO_FILE_FORMAT || e == LA_ERRNO_PROGRAMMER)
		return 0;
	return e;
}

static void pass_freep(struct pass **pp)
{
	struct pass *p = *pp;

	if (!p)
		return;
	fly_la.archive_read_free(p->inner);
	fly_la.archive_read_free(p->outer);
	fly_la.archive_write_free(p->disk);
	fly_guard_free(p->guard);
	fly_hasher_free(p->hasher);
	free(p->rootfs);
	free(p);
}

/* Record the first failure seen inside a libarchive callback. */
static ssize_t fail_callback(struct pass *p, int errnum, const char *what)
{
	if (!p->failed)
		fly_fail(&p->cb_err, errnum, "%s", what);
	p->failed = true;
	return -1;
}

/* The next bytes of the file, copied to copy_fd as they pass. */
static ssize_t read_chunk(struct pass *p)
{
	ssize_t n;

	do
		n = read(p->fd, p->file_buf, sizeof(p->file_buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail_callback(p, errno, "read");
	if (p->copy_fd >= 0 &&
	    fly_write_all(p->copy_fd, p->file_buf, (size_t)n) < 0)
		return fail_callback(p, errno, "copy the archive");

	p->file_size += (uint64_t)n;
	return n;
}

static la_ssize_t read_file(struct archive *a, void *data, const void **ret_buf)
{
	struct pass *p = data;
	ssize_t n = read_chunk(p);

	if (n < 0) {
		fly_la.archive_set_error(a, LA_ERRNO_MISC, "%s", p->cb_err.msg);
		return ARCHIVE_FATAL;
	}
	*ret_buf = p->file_buf;
	return n;
}

/* The next bytes of the uncompressed tar, hashed and counted. */
static ssize_t next_tar_bytes(struct pass *p)
{
	la_ssize_t n;

	if (p->tar_eof)
		return 0;
	p->tar_buf = fly_hasher_take(p->hasher);
	n = fly_la.archive_read_data(p->outer, p->tar_buf, FLY_HASHER_BUF);
	fly_hasher_submit(p->hasher, n > 0 ? (size_t)n : 0);
	if (n < 0)
		return fail_callback(p, 0, message(p->outer));
	if (n == 0) {
		p->tar_eof = true;
		return 0;
	}

	p->tar_size += (uint64_t)n;
	return n;
}

static la_ssize_t read_tar(struct archive *a, void *data, const void **ret_buf)
{
	struct pass *p = data;
	ssize_t n = next_tar_bytes(p);

	if (n < 0) {
		fly_la.archive_set_error(a, LA_ERRNO_MISC, "%s", p->cb_err.msg);
		return ARCHIVE_FATAL;
	}
	*ret_buf = p->tar_buf;
	return n;
}

/* Explain why reader a stopped. */
static int pass_fail(const struct pass *p, struct archive *a,
		     struct fly_error *err)
{
	const char *filter = fly_la.archive_filter_name(p->outer, 0);

	if (p->failed) {
		*err = p->cb_err;
		return -1;
	}
	if (p->file_size == 0)
		return fly_fail(err, 0, "not an ACI: the file is empty");
	if (p->entries > 0 || fly_la.archive_errno(a) != LA_ERRNO_FILE_FORMAT)
		return fly_fail(err, la_errnum(a), "%s", message(a));
	if (a == p->outer || fly_la.archive_format(a) != 0)
		return fly_fail(err, 0, "not an ACI: %s", message(a));
	if (!filter || strcmp(filter, "none") == 0)
		return fly_fail(err, 0, "not an ACI: not a tar archive");
	return fly_fail(err, 0, "not an ACI: %s data that is not a tar archive",
			filter);
}

static int open_outer(struct pass *p, struct fly_error *err)
{
	struct archive_entry *entry;

	p->outer = fly_la.archive_read_new();
	if (!p->outer)
		return fly_fail(err, ENOMEM, "start libarchive");
	if (fly_la.archive_read_support_filter_gzip(p->outer) < ARCHIVE_WARN ||
	    fly_la.archive_read_support_filter_bzip2(p->outer) < ARCHIVE_WARN ||
	    fly_la.archive_read_support_filter_xz(p->outer) < ARCHIVE_WARN ||
	    fly_la.archive_read_support_filter_zstd(p->outer) < ARCHIVE_WARN ||
	    fly_la.archive_read_support_format_raw(p->outer) != ARCHIVE_OK)
		return fly_fail(err, 0, "libarchive: %s", message(p->outer));

	if (fly_la.archive_read_open(p->outer, p, NULL, read_file, NULL) !=
		    ARCHIVE_OK ||
	    fly_la.archive_read_next_header(p->outer, &entry) != ARCHIVE_OK)
		return pass_fail(p, p->outer, err);
	fly_debug("%s: compression: %s", p->src,
		  fly_la.archive_filter_name(p->outer, 0));
	return 0;
}

static int open_inner(struct pass *p, struct fly_error *err)
{
	p->inner = fly_la.archive_read_new();
	if (!p->inner)
		return fly_fail(err, ENOMEM, "start libarchive");
	if (fly_la.archive_read_support_format_tar(p->inner) != ARCHIVE_OK)
		return fly_fail(err, 0, "libarchive: %s", message(p->inner));

	if (fly_la.archive_read_open(p->inner, p, NULL, read_tar, NULL) !=
	    ARCHIVE_OK)
		return pass_fail(p, p->inner, err);
	return 0;
}

/* Owners only as root, and by number: the image's names mean nothing
 * on the host.  No ACLs, xattrs or file flags. */
static int open_disk(struct pass *p, struct fly_error *err)
{
	int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
		    ARCHIVE_EXTRACT_SECURE_SYMLINKS |
		    ARCHIVE_EXTRACT_SECURE_NODOTDOT |
		    ARCHIVE_EXTRACT_NO_OVERWRITE;

	if (p->ctx->root)
		flags |= ARCHIVE_EXTRACT_OWNER;
	p->disk = fly_la.archive_write_disk_new();
	if (!p->disk)
		return fly_fail(err, ENOMEM, "start libarchive");
	if (fly_la.archive_write_disk_set_options(p->disk, flags) != ARCHIVE_OK)
		return fly_fail(err, 0, "libarchive: %s", message(p->disk));
	return 0;
}

static int pass_start(struct pass *p, const char *rootfs_dir,
		      struct fly_error *err)
{
	p->rootfs = realpath(rootfs_dir, NULL);
	if (!p->rootfs)
		return fly_fail(err, errno, "resolve \"%s\"", rootfs_dir);

	p->hasher = fly_hasher_new(err);
	if (!p->hasher)
		return -1;
	if (open_outer(p, err) < 0 || open_inner(p, err) < 0)
		return -1;
	return open_disk(p, err);
}

static int read_manifest(struct pass *p, int64_t size, struct fly_error *err)
{
	size_t want = size > 0 ? (size_t)size : 0, len = 0;
	_cleanup_free_ char *text = fly_xmalloc(want + 1);

	while (len < want) {
		la_ssize_t n = fly_la.archive_read_data(p->inner, text + len,
							want - len);

		if (n < 0)
			return pass_fail(p, p->inner, err);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	text[len] = '\0';

	if (fly_image_manifest_parse(text, len, &p->aci->manifest, err) < 0)
		return fly_wrap(err, "manifest");
	p->aci->manifest_text = FLY_TAKE(text);
	p->aci->manifest_len = len;
	return 0;
}

static int disk_fail(struct pass *p, const char *name, struct fly_error *err)
{
	_cleanup_free_ char *show = fly_guard_show_name(name);

	return fly_fail(err, la_errnum(p->disk), "%s: %s", show,
			message(p->disk));
}

static int copy_data(struct pass *p, const char *name, struct fly_error *err)
{
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t offset;
		int r = fly_la.archive_read_data_block(p->inner, &buf, &size,
						       &offset);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN) {
			_cleanup_free_ char *show = fly_guard_show_name(name);

			pass_fail(p, p->inner, err);
			return fly_wrap(err, "%s", show);
		}
		if (fly_la.archive_write_data_block(p->disk, buf, size,
						    offset) < ARCHIVE_WARN)
			return disk_fail(p, name, err);
	}
}

/* rel ("" for rootfs itself) as an absolute path under the target. */
static char *under_rootfs(const struct pass *p, const char *rel)
{
	return *rel ? fly_path_join(p->rootfs, rel) : fly_xstrdup(p->rootfs);
}

/* Write one entry under rootfs, at the place the guard allowed. */
static int extract_entry(struct pass *p, struct archive_entry *entry,
			 const struct fly_guard_verdict *v, const char *name,
			 struct fly_error *err)
{
	_cleanup_free_ char *path = under_rootfs(p, v->path);
	_cleanup_free_ char *target = NULL;
	int r;

	fly_la.archive_entry_copy_pathname(entry, path);
	if (v->hardlink) {
		target = under_rootfs(p, v->hardlink);
		fly_la.archive_entry_copy_hardlink(entry, target);
	}

	r = fly_la.archive_write_header(p->disk, entry);
	if (r < ARCHIVE_WARN)
		return disk_fail(p, name, err);
	if (r == ARCHIVE_WARN)
		fly_debug("%s: %s: %s", p->src, name, message(p->disk));

	if (copy_data(p, name, err) < 0)
		return -1;

	r = fly_la.archive_write_finish_entry(p->disk);
	if (r < ARCHIVE_WARN)
		return disk_fail(p, name, err);
	if (r == ARCHIVE_WARN)
		fly_debug("%s: %s: %s", p->src, name, message(p->disk));
	return 0;
}

/* libarchive restores the times of the directories it creates, but not
 * of rootfs itself, which exists already: fly does that at the end. */
static void note_root_time(struct pass *p, struct archive_entry *entry)
{
	p->root_time[0].tv_nsec = UTIME_OMIT;
	p->root_time[1].tv_sec = fly_la.archive_entry_mtime(entry);
	p->root_time[1].tv_nsec = fly_la.archive_entry_mtime_nsec(entry);
	p->has_root_time = true;
}

static int handle_entry(struct pass *p, struct archive_entry *entry,
			struct fly_error *err)
{
	_cleanup_(fly_guard_verdict_clear) struct fly_guard_verdict v = { 0 };
	const char *stored = fly_la.archive_entry_pathname(entry);
	const char *target = fly_la.archive_entry_hardlink(entry);
	_cleanup_free_ char *name = NULL; /* extraction renames the entry */
	struct fly_guard_entry ge = {
		.mode = fly_la.archive_entry_mode(entry),
		.hardlink = target ? target
				   : fly_la.archive_entry_hardlink_utf8(entry),
		.size = fly_la.archive_entry_size(entry),
	};

	if (!stored)
		stored = fly_la.archive_entry_pathname_utf8(entry);
	if (!stored)
		return fly_fail(err, 0, "entry %u has no readable name",
				p->entries);
	name = fly_xstrdup(stored);
	ge.name = name;
	if (fly_guard_check(p->guard, &ge, &v, err) < 0)
		return -1;

	if (v.kind == FLY_GUARD_MANIFEST)
		return read_manifest(p, ge.size, err);
	if (v.kind == FLY_GUARD_ROOTFS && !v.path[0])
		note_root_time(p, entry);
	if (v.kind == FLY_GUARD_ROOTFS)
		return extract_entry(p, entry, &v, name, err);
	return 0;
}

static int read_entries(struct pass *p, struct fly_error *err)
{
	struct archive_entry *entry;
	int r;

	while ((r = fly_la.archive_read_next_header(p->inner, &entry)) !=
	       ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN)
			return pass_fail(p, p->inner, err);
		if (r == ARCHIVE_WARN)
			fly_debug("%s: %s", p->src, message(p->inner));
		p->entries++;
		if (handle_entry(p, entry, err) < 0)
			return -1;
	}
	return 0;
}

/* The tar reader stops after the end-of-archive blocks, but the ID covers
 * the whole uncompressed stream, padding included, and the copy the whole
 * file, whatever the decompressor left unread. */
static int drain(struct pass *p, struct fly_error *err)
{
	ssize_t n;

	while ((n = next_tar_bytes(p)) > 0)
		;
	if (n == 0 && p->copy_fd >= 0) {
		while ((n = read_chunk(p)) > 0)
			;
	}
	if (n < 0)
		return pass_fail(p, p->outer, err);
	return 0;
}

static int pass_finish(struct pass *p, struct fly_error *err)
{
	unsigned char md[FLY_SHA512_SIZE];

	if (fly_guard_finish(p->guard, err) < 0 || drain(p, err) < 0)
		return -1;

	/* Directory modes and times are applied last, so that a read-only
	 * directory did not stop its own entries from being written. */
	if (fly_la.archive_write_close(p->disk) < ARCHIVE_WARN)
		return fly_fail(err, la_errnum(p->disk), "rootfs: %s",
				message(p->disk));
	if (p->has_root_time &&
	    utimensat(AT_FDCWD, p->rootfs, p->root_time, 0) < 0)
		return fly_fail(err, errno, "rootfs: set its time");

	fly_hasher_finish(p->hasher, md);
	memcpy(p->aci->id, FLY_ID_PREFIX, strlen(FLY_ID_PREFIX));
	fly_hex(md, sizeof(md), p->aci->id + strlen(FLY_ID_PREFIX));
	p->aci->tar_size = p->tar_size;
	return 0;
}

int fly_aci_read(const struct fly_ctx *ctx, int fd, const char *src,
		 int copy_fd, const char *rootfs_dir, struct fly_aci *ret,
		 struct fly_error *err)
{
	_cleanup_(pass_freep) struct pass *p = fly_xcalloc(1, sizeof(*p));

	memset(ret, 0, sizeof(*ret));
	if (fly_la_load(err) < 0)
		return -1;
	p->ctx = ctx;
	p->fd = fd;
	p->copy_fd = copy_fd;
	p->src = src;
	p->aci = ret;
	p->guard = fly_guard_new(ctx->root);

	if (pass_start(p, rootfs_dir, err) < 0 || read_entries(p, err) < 0 ||
	    pass_finish(p, err) < 0) {
		fly_aci_clear(ret);
		return fly_wrap(err, "\"%s\"", src);
	}
	return 0;
}

void fly_aci_clear(struct fly_aci *aci)
{
	if (!aci)
		return;
	fly_image_manifest_free(aci->manifest);
	free(aci->manifest_text);
	memset(aci, 0, sizeof(*aci));
}

/* Writing an ACI (pod export). */

static void read_freep(struct archive **a)
{
	fly_la.archive_read_free(*a);
}

static void write_freep(struct archive **a)
{
	fly_la.archive_write_free(*a);
}

static void entry_freep(struct archive_entry **e)
{
	fly_la.archive_entry_free(*e);
}

static void links_freep(struct archive_entry_linkresolver **l)
{
	if (*l)
		fly_la.archive_entry_linkresolver_free(*l);
}

static int write_manifest(struct archive *aw, const char *text,
			  struct fly_error *err)
{
	_cleanup_(entry_freep) struct archive_entry *e =
		fly_la.archive_entry_new();
	size_t len = strlen(text);

	if (!e)
		return fly_fail(err, ENOMEM, "start libarchive");
	fly_la.archive_entry_set_pathname(e, "manifest");
	fly_la.archive_entry_set_filetype(e, AE_IFREG);
	fly_la.archive_entry_set_perm(e, 0644);
	fly_la.archive_entry_set_size(e, (la_int64_t)len);
	fly_la.archive_entry_set_mtime(e, time(NULL), 0);

	if (fly_la.archive_write_header(aw, e) < ARCHIVE_WARN ||
	    fly_la.archive_write_data(aw, text, len) < 0)
		return fly_fail(err, la_errnum(aw), "manifest: %s",
				message(aw));
	return 0;
}

static int copy_file(struct archive *aw, struct archive *rd, char *buf,
		     const char *path, struct fly_error *err)
{
	for (;;) {
		la_ssize_t n = fly_la.archive_read_data(rd, buf, BUF_SIZE);

		if (n == 0)
			return 0;
		if (n < 0)
			return fly_fail(err, la_errnum(rd), "read \"%s\": %s",
					path, message(rd));
		if (fly_la.archive_write_data(aw, buf, (size_t)n) < 0)
			return fly_fail(err, la_errnum(aw), "%s: %s", path,
					message(aw));
	}
}

/* Store one file of the tree as rootfs/REL; a second name of an inode
 * becomes a hard link to the first. */
static int write_tree_entry(struct archive *aw, struct archive *rd,
			    struct archive_entry_linkresolver *links,
			    struct archive_entry *entry, const char *dir,
			    char *buf, struct fly_error *err)
{
	_cleanup_free_ char *path = fly_xstrdup(
		fly_la.archive_entry_pathname(entry));
	const char *rel = path + strlen(dir) + strspn(path + strlen(dir), "/");
	_cleanup_free_ char *name = *rel ? fly_path_join("rootfs", rel)
					 : fly_xstrdup("rootfs");
	struct archive_entry *spare = NULL; /* the tar strategy never defers */

	if (fly_la.archive_entry_filetype(entry) == AE_IFSOCK) {
		fly_debug("not exporting the socket \"%s\"", path);
		return 0;
	}

	fly_la.archive_entry_copy_pathname(entry, name);
	fly_la.archive_entry_linkify(links, &entry, &spare);
	if (fly_la.archive_write_header(aw, entry) < ARCHIVE_WARN)
		return fly_fail(err, la_errnum(aw), "\"%s\": %s", path,
				message(aw));
	if (fly_la.archive_entry_size(entry) > 0)
		return copy_file(aw, rd, buf, path, err);
	return 0;
}

/* libarchive's messages about the tree already name the path. */
static int walk_fail(struct archive *rd, struct fly_error *err)
{
	return fly_fail(err, la_errnum(rd), "%s", message(rd));
}

/* Follow dir itself if it is a symlink, never a symlink inside it. */
static int begin_walk(struct archive *rd, const char *dir,
		      struct fly_error *err)
{
	int behavior = ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS |
		       ARCHIVE_READDISK_NO_XATTR | ARCHIVE_READDISK_NO_ACL |
		       ARCHIVE_READDISK_NO_FFLAGS;

	if (fly_la.archive_read_disk_set_symlink_hybrid(rd) != ARCHIVE_OK ||
	    fly_la.archive_read_disk_set_behavior(rd, behavior) != ARCHIVE_OK ||
	    fly_la.archive_read_disk_open(rd, dir) != ARCHIVE_OK)
		return walk_fail(rd, err);
	return 0;
}

static int write_tree(struct archive *aw, const char *dir,
		      struct fly_error *err)
{
	_cleanup_(
		read_freep) struct archive *rd = fly_la.archive_read_disk_new();
	_cleanup_(links_freep) struct archive_entry_linkresolver *links =
		fly_la.archive_entry_linkresolver_new();
	_cleanup_(entry_freep) struct archive_entry *entry =
		fly_la.archive_entry_new();
	_cleanup_free_ char *buf = fly_xmalloc(BUF_SIZE);

	if (!rd || !links || !entry)
		return fly_fail(err, ENOMEM, "start libarchive");
	fly_la.archive_entry_linkresolver_set_strategy(links, TAR_FORMAT);
	if (begin_walk(rd, dir, err) < 0)
		return -1;

	for (;;) {
		int r;

		fly_la.archive_entry_clear(entry);
		r = fly_la.archive_read_next_header2(rd, entry);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return walk_fail(rd, err);
		if (r == ARCHIVE_WARN)
			fly_debug("export: %s", message(rd));
		if (write_tree_entry(aw, rd, links, entry, dir, buf, err) < 0)
			return -1;
		if (fly_la.archive_read_disk_can_descend(rd) &&
		    fly_la.archive_read_disk_descend(rd) != ARCHIVE_OK)
			return walk_fail(rd, err);
	}
}

static int write_archive(int fd, const char *manifest_text,
			 const char *rootfs_dir, struct fly_error *err)
{
	_cleanup_(write_freep) struct archive *aw = fly_la.archive_write_new();

	if (!aw)
		return fly_fail(err, ENOMEM, "start libarchive");
	if (fly_la.archive_write_add_filter_gzip(aw) != ARCHIVE_OK ||
	    fly_la.archive_write_set_format(aw, TAR_FORMAT) != ARCHIVE_OK ||
	    fly_la.archive_write_set_bytes_in_last_block(aw, 1) != ARCHIVE_OK ||
	    fly_la.archive_write_open_fd(aw, fd) != ARCHIVE_OK)
		return fly_fail(err, la_errnum(aw), "libarchive: %s",
				message(aw));

	if (write_manifest(aw, manifest_text, err) < 0 ||
	    write_tree(aw, rootfs_dir, err) < 0)
		return -1;

	if (fly_la.archive_write_close(aw) != ARCHIVE_OK)
		return fly_fail(err, la_errnum(aw), "%s", message(aw));
	return 0;
}

static int check_manifest_text(const char *text, struct fly_error *err)
{
	struct fly_image_manifest *m = NULL;

	if (fly_image_manifest_parse(text, strlen(text), &m, err) < 0)
		return fly_wrap(err, "manifest");
	fly_image_manifest_free(m);
	return 0;
}

int fly_aci_write(const struct fly_ctx *ctx, const char *manifest_text,
		  const char *rootfs_dir, const char *out,
		  struct fly_error *err)
{
	_cleanup_free_ char *tmp = fly_xasprintf("%s.tmp%ld", out,
						 (long)getpid());
	_cleanup_close_ int fd = -1;

	if (fly_la_load(err) < 0 || check_manifest_text(manifest_text, err) < 0)
		return fly_wrap(err, "write \"%s\"", out);

	fd = ctx->sys->sys_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW,
				0644);
	if (fd < 0)
		return fly_fail(err, errno, "create \"%s\"", tmp);
	if (write_archive(fd, manifest_text, rootfs_dir, err) < 0) {
		ctx->sys->sys_unlinkat(AT_FDCWD, tmp, 0);
		return fly_wrap(err, "write \"%s\"", out);
	}
	if (fsync(fd) < 0) {
		int e = errno;

		ctx->sys->sys_unlinkat(AT_FDCWD, tmp, 0);
		return fly_fail(err, e, "sync \"%s\"", tmp);
	}

	if (ctx->sys->sys_renameat(AT_FDCWD, tmp, AT_FDCWD, out) < 0) {
		int e = errno;

		ctx->sys->sys_unlinkat(AT_FDCWD, tmp, 0);
		return fly_fail(err, e, "rename \"%s\" to \"%s\"", tmp, out);
	}
	return 0;
}
