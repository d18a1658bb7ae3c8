#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "poison.h"

void fly_freep(void *p)
{
	free(*(void **)p);
}

void fly_closep(const int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static void *check_alloc(void *p)
{
	if (!p) {
		fputs("fly: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *fly_xmalloc(size_t n)
{
	return check_alloc(malloc(n ? n : 1));
}

void *fly_xcalloc(size_t n, size_t size)
{
	return check_alloc(calloc(n ? n : 1, size ? size : 1));
}

void *fly_xrealloc(void *p, size_t n)
{
	return check_alloc(realloc(p, n ? n : 1));
}

char *fly_xstrdup(const char *s)
{
	return check_alloc(strdup(s));
}

char *fly_xasprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return check_alloc(r < 0 ? NULL : s);
}

char *fly_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	if (la == 1 && a[0] == '/')
		return fly_xasprintf("/%s", b);
	return fly_xasprintf("%.*s/%s", (int)la, a, b);
}

bool fly_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

void fly_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int fly_read_file(const char *path, size_t max, char **ret, size_t *ret_len,
		  struct fly_error *err)
{
	_cleanup_free_ char *buf = NULL;
	FILE *f = fopen(path, "re");
	size_t len = 0, cap = 0;

	if (!f)
		return fly_fail(err, errno, "open \"%s\"", path);
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = fly_xrealloc(buf, cap + 1);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (len > max) {
			fclose(f);
			return fly_fail(err, EFBIG, "read \"%s\"", path);
		}
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		return fly_fail(err, e, "read \"%s\"", path);
	}
	fclose(f);
	buf[len] = '\0';
	*ret = FLY_TAKE(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int fly_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fly_write_file_atomic(const struct fly_ctx *ctx, const char *path,
			  const void *data, size_t len, mode_t mode,
			  struct fly_error *err)
{
	return fly_write_file(ctx, path, data, len, mode, true, err);
}

int fly_write_file(const struct fly_ctx *ctx, const char *path,
		   const void *data, size_t len, mode_t mode, bool sync,
		   struct fly_error *err)
{
	_cleanup_free_ char *tmp = fly_xasprintf("%s.tmp%ld", path,
						 (long)getpid());
	_cleanup_close_ int fd = -1;

	fd = ctx->sys->sys_open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		return fly_fail(err, errno, "create \"%s\"", tmp);
	if (fchmod(fd, mode) < 0 || fly_write_all(fd, data, len) < 0 ||
	    (sync && fsync(fd) < 0)) {
		int e = errno;

		ctx->sys->sys_unlinkat(AT_FDCWD, tmp, 0);
		return fly_fail(err, e, "write \"%s\"", tmp);
	}
	if (ctx->sys->sys_renameat(AT_FDCWD, tmp, AT_FDCWD, path) < 0) {
		int e = errno;

		ctx->sys->sys_unlinkat(AT_FDCWD, tmp, 0);
		return fly_fail(err, e, "rename \"%s\" to \"%s\"", tmp, path);
	}
	return 0;
}

int fly_mkdir_p(const struct fly_ctx *ctx, const char *path, mode_t mode,
		struct fly_error *err)
{
	_cleanup_free_ char *p = NULL;

	/* Most of the time the directory is there: one call. */
	if (ctx->sys->sys_mkdirat(AT_FDCWD, path, mode) == 0 || errno == EEXIST)
		return 0;
	p = fly_xstrdup(path);
	for (char *s = p + 1;; s++) {
		bool end = *s == '\0';

		if (*s != '/' && !end)
			continue;
		*s = '\0';
		if (ctx->sys->sys_mkdirat(AT_FDCWD, p, mode) < 0 &&
		    errno != EEXIST)
			return fly_fail(err, errno, "create directory \"%s\"",
					p);
		if (end)
			break;
		*s = '/';
	}
	return 0;
}

/* Identify the mount a file descriptor lives on. */
static int mount_of(int fd, uint64_t *ret_id, bool *ret_root)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0)
		return -1;
	if (stx.stx_mask & STATX_MNT_ID)
		*ret_id = stx.stx_mnt_id;
	else
		*ret_id = (uint64_t)stx.stx_dev_major << 32 | stx.stx_dev_minor;
	*ret_root = (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
		    (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
	return 0;
}

static int rm_children(const struct fly_ctx *ctx, int dirfd, uint64_t mnt,
		       const char *path, struct fly_error *err);

/* Open a directory to empty it.  An unprivileged extraction can leave
 * directories without write or search permission for their owner (0555
 * and the like); the owner may give them back, so do that first. */
static int open_dir_to_empty(const struct fly_ctx *ctx, int dirfd,
			     const char *name)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
	struct stat st;
	int fd;

	fd = ctx->sys->sys_openat(dirfd, name, flags, 0);
	if (fd < 0 && errno == EACCES &&
	    ctx->sys->sys_fchmodat(dirfd, name, 0700, 0) == 0)
		fd = ctx->sys->sys_openat(dirfd, name, flags, 0);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && (st.st_mode & 0300) != 0300)
		fchmod(fd, (st.st_mode & 07777) | 0700);
	return fd;
}

static int rm_entry(const struct fly_ctx *ctx, int dirfd, uint64_t mnt,
		    const char *path, const struct dirent *de,
		    struct fly_error *err)
{
	_cleanup_free_ char *sub = fly_path_join(path, de->d_name);
	_cleanup_close_ int fd = -1;
	uint64_t sub_mnt;
	bool root;

	if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
		goto remove_file;
	fd = open_dir_to_empty(ctx, dirfd, de->d_name);
	if (fd < 0 && (errno == ENOTDIR || errno == ELOOP))
		goto remove_file;
	if (fd < 0)
		return fly_fail(err, errno, "open \"%s\"", sub);
	if (mount_of(fd, &sub_mnt, &root) < 0)
		return fly_fail(err, errno, "stat \"%s\"", sub);
	if (sub_mnt != mnt || root)
		return fly_fail(err, EXDEV,
				"refusing to delete \"%s\", a mount point",
				sub);
	if (rm_children(ctx, fd, mnt, sub, err) < 0)
		return -1;
	if (ctx->sys->sys_unlinkat(dirfd, de->d_name, AT_REMOVEDIR) < 0)
		return fly_fail(err, errno, "remove \"%s\"", sub);
	return 0;
remove_file:
	if (ctx->sys->sys_unlinkat(dirfd, de->d_name, 0) < 0 && errno != ENOENT)
		return fly_fail(err, errno, "remove \"%s\"", sub);
	return 0;
}

static int rm_children(const struct fly_ctx *ctx, int dirfd, uint64_t mnt,
		       const char *path, struct fly_error *err)
{
	int fd = dup(dirfd);
	DIR *d;
	int r = 0;

	if (fd < 0)
		return fly_fail(err, errno, "read \"%s\"", path);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return fly_fail(err, errno, "read \"%s\"", path);
	}
	for (struct dirent *de; r == 0 && (errno = 0, de = readdir(d));) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		r = rm_entry(ctx, dirfd, mnt, path, de, err);
	}
	if (r == 0 && errno != 0)
		r = fly_fail(err, errno, "read \"%s\"", path);
	closedir(d);
	return r;
}

int fly_rm_tree(const struct fly_ctx *ctx, const char *path,
		struct fly_error *err)
{
	_cleanup_close_ int fd = -1;
	uint64_t mnt;
	bool root;

	fd = open_dir_to_empty(ctx, AT_FDCWD, path);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 && (errno == ENOTDIR || errno == ELOOP)) {
		if (ctx->sys->sys_unlinkat(AT_FDCWD, path, 0) < 0)
			return fly_fail(err, errno, "remove \"%s\"", path);
		return 0;
	}
	if (fd < 0)
		return fly_fail(err, errno, "open \"%s\"", path);
	if (mount_of(fd, &mnt, &root) < 0)
		return fly_fail(err, errno, "stat \"%s\"", path);
	if (root)
		return fly_fail(err, EXDEV,
				"refusing to delete \"%s\", a mount point",
				path);
	if (rm_children(ctx, fd, mnt, path, err) < 0)
		return -1;
	if (ctx->sys->sys_unlinkat(AT_FDCWD, path, AT_REMOVEDIR) < 0)
		return fly_fail(err, errno, "remove \"%s\"", path);
	return 0;
}
