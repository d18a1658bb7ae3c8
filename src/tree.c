#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "poison.h"

#define COPY_CHUNK (1 << 30)

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_dir_ _cleanup_(closedirp)

/* Layering: entries of src are put over dst.  Directories merge (the upper
 * layer's mode, owner and times win); any other upper entry replaces what
 * dst has at that name.  Copying keeps hard links within the layer. */
struct layer {
	const struct fly_ctx *ctx;
	bool move;   /* rename entries out of src instead of copying */
	void *links; /* tsearch tree of struct link_seen */
};

struct link_seen {
	dev_t dev;
	ino_t ino;
	char *path; /* where the first copy went */
};

static int cmp_link(const void *a, const void *b)
{
	const struct link_seen *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

static void free_link(void *p)
{
	struct link_seen *l = p;

	free(l->path);
	free(l);
}

static void layer_done(struct layer *l)
{
	tdestroy(l->links, free_link);
	l->links = NULL;
}

static int merge_dir(struct layer *l, int src, int dst, const char *src_path,
		     const char *dst_path, struct fly_error *err);

/* Owner, mode and times of st onto an entry (fd when >= 0, else dirfd and
 * name, which is then not a directory). */
static int apply_meta(struct layer *l, int fd, int dirfd, const char *name,
		      const struct stat *st, const char *path,
		      struct fly_error *err)
{
	const struct fly_sys *sys = l->ctx->sys;
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	bool link = S_ISLNK(st->st_mode);
	int r;

	if (l->ctx->root) {
		r = fd >= 0 ? fchown(fd, st->st_uid, st->st_gid)
			    : sys->sys_fchownat(dirfd, name, st->st_uid,
						st->st_gid,
						AT_SYMLINK_NOFOLLOW);
		if (r < 0)
			return fly_fail(err, errno, "set the owner of \"%s\"",
					path);
	}
	if (!link) {
		r = fd >= 0 ? fchmod(fd, st->st_mode & 07777)
			    : sys->sys_fchmodat(dirfd, name,
						st->st_mode & 07777, 0);
		if (r < 0)
			return fly_fail(err, errno, "set the mode of \"%s\"",
					path);
	}
	r = fd >= 0 ? futimens(fd, times)
		    : utimensat(dirfd, name, times, AT_SYMLINK_NOFOLLOW);
	if (r < 0)
		return fly_fail(err, errno, "set the times of \"%s\"", path);
	return 0;
}

int fly_copy_data(int in, int out, const char *path, struct fly_error *err)
{
	char buf[1 << 16];
	ssize_t n;

	for (;;) {
		n = copy_file_range(in, NULL, out, NULL, COPY_CHUNK, 0);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EXDEV && errno != EINVAL &&
		    errno != ENOSYS && errno != EOPNOTSUPP)
			return fly_fail(err, errno, "copy \"%s\"", path);
		if (n < 0)
			break;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return fly_fail(err, errno ? errno : EIO,
					"write \"%s\"", path);
	if (n < 0)
		return fly_fail(err, errno, "read \"%s\"", path);
	return 0;
}

/* A second name for a file already copied in this layer, if any. */
static int copy_hard_link(struct layer *l, int dst, const char *name,
			  const struct stat *st, const char *path,
			  bool *ret_done, struct fly_error *err)
{
	struct link_seen key = { st->st_dev, st->st_ino, NULL }, *seen;
	void *node;

	*ret_done = false;
	if (st->st_nlink < 2)
		return 0;
	node = tfind(&key, &l->links, cmp_link);
	if (!node) {
		seen = fly_xmalloc(sizeof(*seen));
		*seen = key;
		seen->path = fly_xstrdup(path);
		if (!tsearch(seen, &l->links, cmp_link))
			abort();
		return 0;
	}
	seen = *(struct link_seen **)node;
	if (l->ctx->sys->sys_linkat(AT_FDCWD, seen->path, dst, name, 0) < 0)
		return fly_fail(err, errno, "link \"%s\" to \"%s\"", path,
				seen->path);
	*ret_done = true;
	return 0;
}

static int copy_file(struct layer *l, int src, int dst, const char *name,
		     const struct stat *st, const char *path,
		     struct fly_error *err)
{
	_cleanup_close_ int in = -1, out = -1;
	bool linked;

	if (copy_hard_link(l, dst, name, st, path, &linked, err) < 0)
		return -1;
	if (linked)
		return 0;
	in = l->ctx->sys->sys_openat(src, name, O_RDONLY | O_NOFOLLOW, 0);
	if (in < 0)
		return fly_fail(err, errno, "open \"%s\"", name);
	out = l->ctx->sys->sys_openat(
		dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	if (out < 0)
		return fly_fail(err, errno, "create \"%s\"", path);
	if (fly_copy_data(in, out, path, err) < 0)
		return -1;
	return apply_meta(l, out, -1, NULL, st, path, err);
}

static int copy_special(struct layer *l, int src, int dst, const char *name,
			const struct stat *st, const char *path,
			struct fly_error *err)
{
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);

		if (n < 0)
			return fly_fail(err, errno, "read link \"%s\"", path);
		target[n] = '\0';
		if (l->ctx->sys->sys_symlinkat(target, dst, name) < 0)
			return fly_fail(err, errno, "create \"%s\"", path);
	} else if (l->ctx->sys->sys_mknodat(dst, name,
					    st->st_mode & (S_IFMT | 0600),
					    st->st_rdev) < 0) {
		return fly_fail(err, errno, "create \"%s\"", path);
	}
	return apply_meta(l, -1, dst, name, st, path, err);
}

/* Make room in dst for an upper entry: anything but a directory meeting a
 * directory is removed.  *have says whether a directory remains. */
static int clear_target(struct layer *l, int dst, const char *name,
			const struct stat *upper, const char *path,
			struct stat *ret_old, bool *have, struct fly_error *err)
{
	*have = fstatat(dst, name, ret_old, AT_SYMLINK_NOFOLLOW) == 0;
	if (!*have && errno != ENOENT)
		return fly_fail(err, errno, "stat \"%s\"", path);
	if (!*have || (S_ISDIR(upper->st_mode) && S_ISDIR(ret_old->st_mode)))
		return 0;
	*have = false;
	if (S_ISDIR(ret_old->st_mode))
		return fly_rm_tree(l->ctx, path, err);
	if (l->ctx->sys->sys_unlinkat(dst, name, 0) < 0)
		return fly_fail(err, errno, "remove \"%s\"", path);
	return 0;
}

/* Rename a directory into its new parent.  Without root that needs write
 * permission on the directory itself (its ".." entry changes). */
static int move_dir(struct layer *l, int src, int dst, const char *name,
		    const struct stat *st, const char *path,
		    struct fly_error *err)
{
	const struct fly_sys *sys = l->ctx->sys;
	bool unlock = !l->ctx->root && !(st->st_mode & S_IWUSR);

	if (unlock &&
	    sys->sys_fchmodat(src, name, st->st_mode | S_IWUSR, 0) < 0)
		return fly_fail(err, errno, "set the mode of \"%s\"", path);
	if (sys->sys_renameat(src, name, dst, name) < 0)
		return fly_fail(err, errno, "move \"%s\"", path);
	if (unlock && sys->sys_fchmodat(dst, name, st->st_mode & 07777, 0) < 0)
		return fly_fail(err, errno, "set the mode of \"%s\"", path);
	return 0;
}

int fly_tree_open_dir(const struct fly_ctx *ctx, int dirfd, const char *name,
		      const char *path, int *ret_fd, struct fly_error *err)
{
	*ret_fd = ctx->sys->sys_openat(dirfd, name,
				       O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (*ret_fd < 0)
		return fly_fail(err, errno, "open \"%s\"", path);
	return 0;
}

static int merge_subdir(struct layer *l, int src, int dst, const char *name,
			const struct stat *st, bool have, const char *src_path,
			const char *dst_path, struct fly_error *err)
{
	_cleanup_close_ int sfd = -1, dfd = -1;

	if (!have && l->move)
		return move_dir(l, src, dst, name, st, dst_path, err);
	if (!have && l->ctx->sys->sys_mkdirat(dst, name, 0700) < 0)
		return fly_fail(err, errno, "create \"%s\"", dst_path);
	if (fly_tree_open_dir(l->ctx, src, name, src_path, &sfd, err) < 0 ||
	    fly_tree_open_dir(l->ctx, dst, name, dst_path, &dfd, err) < 0)
		return -1;
	if (merge_dir(l, sfd, dfd, src_path, dst_path, err) < 0)
		return -1;
	return apply_meta(l, dfd, -1, NULL, st, dst_path, err);
}

static int merge_entry(struct layer *l, int src, int dst, const char *name,
		       const char *src_dir, const char *dst_dir,
		       struct fly_error *err)
{
	_cleanup_free_ char *src_path = fly_path_join(src_dir, name);
	_cleanup_free_ char *dst_path = fly_path_join(dst_dir, name);
	struct stat st, old;
	bool have;

	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return fly_fail(err, errno, "stat \"%s\"", src_path);
	if (clear_target(l, dst, name, &st, dst_path, &old, &have, err) < 0)
		return -1;
	if (S_ISDIR(st.st_mode))
		return merge_subdir(l, src, dst, name, &st, have, src_path,
				    dst_path, err);
	if (l->move && l->ctx->sys->sys_renameat(src, name, dst, name) < 0)
		return fly_fail(err, errno, "move \"%s\"", src_path);
	if (l->move)
		return 0;
	if (S_ISREG(st.st_mode))
		return copy_file(l, src, dst, name, &st, dst_path, err);
	return copy_special(l, src, dst, name, &st, dst_path, err);
}

/* Without root, entries can be added to or taken from a directory only
 * while it has the owner's write bit; the final mode is set afterwards. */
int fly_tree_unlock_dir(const struct fly_ctx *ctx, int fd, const char *path,
			struct fly_error *err)
{
	struct stat st;

	if (ctx->root)
		return 0;
	if (fstat(fd, &st) < 0)
		return fly_fail(err, errno, "stat \"%s\"", path);
	if ((st.st_mode & 0700) != 0700 &&
	    fchmod(fd, (st.st_mode & 07777) | 0700) < 0)
		return fly_fail(err, errno, "set the mode of \"%s\"", path);
	return 0;
}

static int merge_dir(struct layer *l, int src, int dst, const char *src_path,
		     const char *dst_path, struct fly_error *err)
{
	_cleanup_dir_ DIR *d = NULL;
	struct dirent *de;
	int r = 0;

	if (fly_tree_unlock_dir(l->ctx, dst, dst_path, err) < 0 ||
	    (l->move && fly_tree_unlock_dir(l->ctx, src, src_path, err) < 0))
		return -1;
	d = fdopendir(dup(src));
	if (!d)
		return fly_fail(err, errno, "read \"%s\"", src_path);
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		r = merge_entry(l, src, dst, de->d_name, src_path, dst_path,
				err);
	}
	if (r == 0 && errno != 0)
		return fly_fail(err, errno, "read \"%s\"", src_path);
	return r;
}

/* Put the tree at src_path over the one at dst_path; the top directory
 * takes src's mode, owner and times. */
int fly_tree_merge(const struct fly_ctx *ctx, const char *src_path,
		   const char *dst_path, bool move, struct fly_error *err)
{
	struct layer l = { .ctx = ctx, .move = move };
	_cleanup_close_ int src = -1, dst = -1;
	struct stat st;
	int r;

	if (fly_tree_open_dir(ctx, AT_FDCWD, src_path, src_path, &src, err) <
		    0 ||
	    fly_tree_open_dir(ctx, AT_FDCWD, dst_path, dst_path, &dst, err) < 0)
		return -1;
	if (fstat(src, &st) < 0)
		return fly_fail(err, errno, "stat \"%s\"", src_path);
	r = merge_dir(&l, src, dst, src_path, dst_path, err);
	layer_done(&l);
	if (r < 0)
		return -1;
	return apply_meta(&l, dst, -1, NULL, &st, dst_path, err);
}
