/* The content-addressed image store; the layout is described in store.h.
 *
 * Locks (flock):
 *   locks/src-DEV-INO     serialises fetches of one source file; its
 *                         content caches "SIZE MTIME CTIME ID" so that a
 *                         second fetch of an unchanged file extracts nothing
 *   locks/image-ID        shared while the image is used, exclusive while it
 *                         is removed; its mtime is the image's last use
 *   tmp/ENTRY             held by the process rendering or removing it
 *
 * A lock file may be removed only by a holder of its exclusive lock, so every
 * locker checks after locking that the path still names the file it locked. */
#include "store.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "tree.h"
#include "util.h"
#include "poison.h"

#define MIN_PREFIX 4 /* hex digits an ID prefix needs */
#define MAX_DEPTH 32 /* dependency levels below an image */

/* One image as the store knows it. */
struct stored {
	struct fly_image_info info;
	struct timespec imported;
	int depth;
};

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_dir_ _cleanup_(closedirp)

static char *store_path(const struct fly_ctx *ctx, const char *a, const char *b)
{
	_cleanup_free_ char *p = fly_path_join(ctx->dir, a);

	return b ? fly_path_join(p, b) : FLY_TAKE(p);
}

char *fly_store_image_dir(const struct fly_ctx *ctx, const char *id)
{
	return store_path(ctx, "images", id);
}

char *fly_store_rootfs(const struct fly_ctx *ctx, const char *id)
{
	_cleanup_free_ char *dir = fly_store_image_dir(ctx, id);

	return fly_path_join(dir, "rootfs");
}

static bool is_hex(const char *s)
{
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
			return false;
	return true;
}

static bool is_id(const char *s)
{
	return strlen(s) == FLY_ID_LEN &&
	       fly_str_has_prefix(s, FLY_ID_PREFIX) &&
	       is_hex(s + strlen(FLY_ID_PREFIX));
}

static bool image_exists(const struct fly_ctx *ctx, const char *id)
{
	_cleanup_free_ char *dir = fly_store_image_dir(ctx, id);
	struct stat st;

	return is_id(id) && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Whether path (relative to dirfd) still names the file open as fd. */
static bool fd_is_at(int fd, int dirfd, const char *path)
{
	struct stat a, b;

	if (fstat(fd, &a) < 0 ||
	    fstatat(dirfd, path, &b, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Remove a tree that fly built.  Without root a directory whose mode lacks
 * the owner's write bit cannot be emptied, so those bits are added first. */
/* ---- locks --------------------------------------------------------------- */

/* Open (creating) DIR/locks/NAME and flock it with op.  Returns 0 with the
 * lock held, 1 when op has LOCK_NB and another process holds it, -1 on
 * error.  A file removed or replaced while waiting is opened again. */
static int lock_file(const struct fly_ctx *ctx, const char *name, int op,
		     int *ret_fd, struct fly_error *err)
{
	_cleanup_free_ char *path = store_path(ctx, "locks", name);

	for (;;) {
		_cleanup_close_ int fd = -1;

		fd = ctx->sys->sys_open(path, O_RDWR | O_CREAT | O_NOFOLLOW,
					0600);
		if (fd < 0)
			return fly_fail(err, errno, "open lock \"%s\"", path);
		if (flock(fd, op) < 0) {
			int e = errno;

			if (e == EWOULDBLOCK)
				return 1;
			if (e == EINTR)
				continue;
			return fly_fail(err, e, "lock \"%s\"", path);
		}
		if (fd_is_at(fd, AT_FDCWD, path)) {
			/* cppcheck-suppress unreadVariable ; read by cleanup */
			*ret_fd = FLY_TAKE_FD(fd);
			return 0;
		}
	}
}

/* Remove a lock file that we hold exclusively. */
static void drop_lock_file(const struct fly_ctx *ctx, const char *name)
{
	_cleanup_free_ char *path = store_path(ctx, "locks", name);

	if (ctx->sys->sys_unlinkat(AT_FDCWD, path, 0) < 0 && errno != ENOENT)
		fly_debug("remove lock \"%s\": %s", path, strerror(errno));
}

/* ---- stale renders ------------------------------------------------------- */

static int sweep_entry(const struct fly_ctx *ctx, int dirfd, const char *tmp,
		       const char *name, struct fly_error *err)
{
	_cleanup_free_ char *path = fly_path_join(tmp, name);
	_cleanup_close_ int fd = -1;

	fd = ctx->sys->sys_openat(dirfd, name,
				  O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 && errno != ELOOP)
		return fly_fail(err, errno, "open \"%s\"", path);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return 0;
		return fly_fail(err, errno, "lock \"%s\"", path);
	}
	if (fd >= 0 && !fd_is_at(fd, dirfd, name))
		return 0;
	fly_debug("removing the stale render \"%s\"", path);
	return fly_rm_tree(ctx, path, err);
}

/* Delete every entry of DIR/tmp that no process holds.  Failures are
 * reported as warnings: a stale entry must not stop the operation. */
static int sweep_tmp(const struct fly_ctx *ctx, struct fly_error *err)
{
	_cleanup_free_ char *tmp = store_path(ctx, "tmp", NULL);
	_cleanup_close_ int fd = -1;
	_cleanup_dir_ DIR *d = NULL;
	struct dirent *de;

	fd = ctx->sys->sys_open(tmp, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fly_fail(err, errno, "open \"%s\"", tmp);
	d = fdopendir(dup(fd));
	if (!d)
		return fly_fail(err, errno, "read \"%s\"", tmp);
	while ((de = readdir(d))) {
		struct fly_error e = { 0 };

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (sweep_entry(ctx, fd, tmp, de->d_name, &e) < 0)
			fly_warn("cleaning the store: %s", e.msg);
	}
	return 0;
}

int fly_store_prepare(const struct fly_ctx *ctx, struct fly_error *err)
{
	static const char *const subdirs[] = { "images", "tmp", "locks" };

	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		_cleanup_free_ char *p = store_path(ctx, subdirs[i], NULL);

		if (fly_mkdir_p(ctx, p, 0700, err) < 0)
			return fly_wrap(err, "preparing the store");
	}
	return sweep_tmp(ctx, err);
}

/* ---- info.json ----------------------------------------------------------- */

static void format_time(const struct timespec *ts, char out[64])
{
	struct tm tm;
	size_t n;

	gmtime_r(&ts->tv_sec, &tm);
	n = strftime(out, 64, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 64 - n, ".%09ldZ", ts->tv_nsec);
}

static int parse_time(const char *s, struct timespec *ret)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	long ns = 0;
	int digits = 0;

	if (!p)
		return -1;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			if (digits++ < 9)
				ns = ns * 10 + (*p - '0');
	for (; digits < 9; digits++)
		ns *= 10;
	if (strcmp(p, "Z") != 0)
		return -1;
	ret->tv_sec = timegm(&tm);
	ret->tv_nsec = ns;
	return 0;
}

static void stored_clear(struct stored *s)
{
	free(s->info.name);
	for (size_t i = 0; i < s->info.n_labels; i++) {
		free(s->info.labels[i].name);
		free(s->info.labels[i].value);
	}
	free(s->info.labels);
	memset(s, 0, sizeof(*s));
}

static void stored_free(struct stored *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		stored_clear(&list[i]);
	free(list);
}

void fly_image_info_free(struct fly_image_info *info, size_t n)
{
	for (size_t i = 0; info && i < n; i++) {
		free(info[i].name);
		for (size_t j = 0; j < info[i].n_labels; j++) {
			free(info[i].labels[j].name);
			free(info[i].labels[j].value);
		}
		free(info[i].labels);
	}
	free(info);
}

static void labels_from_json(json_t *obj, struct fly_image_info *info)
{
	const char *key;
	json_t *val;

	info->labels = fly_xcalloc(json_object_size(obj),
				   sizeof(*info->labels));
	json_object_foreach(obj, key, val)
	{
		if (!json_is_string(val))
			continue;
		info->labels[info->n_labels].name = fly_xstrdup(key);
		info->labels[info->n_labels].value = fly_xstrdup(
			json_string_value(val));
		info->n_labels++;
	}
}

/* The last use: the mtime of the image's lock file, at least its import. */
static time_t last_used(const struct fly_ctx *ctx, const char *id,
			time_t imported)
{
	_cleanup_free_ char *name = fly_xasprintf("image-%s", id);
	_cleanup_free_ char *path = store_path(ctx, "locks", name);
	struct stat st;

	if (stat(path, &st) < 0 || st.st_mtime < imported)
		return imported;
	return st.st_mtime;
}

static int load_stored(const struct fly_ctx *ctx, const char *id,
		       struct stored *ret, struct fly_error *err)
{
	_cleanup_free_ char *dir = fly_store_image_dir(ctx, id);
	_cleanup_free_ char *path = fly_path_join(dir, "info.json");
	json_auto_t *j = NULL;
	json_t *labels = NULL;
	const char *name = NULL, *imported = NULL;
	json_int_t size = 0, depth = 0;
	json_error_t jerr;

	if (access(path, F_OK) < 0)
		return fly_fail(err, errno, "read \"%s\"", path);
	j = json_load_file(path, 0, &jerr);
	if (!j)
		return fly_fail(err, 0, "read \"%s\": %s", path, jerr.text);
	if (json_unpack_ex(j, &jerr, 0, "{s:s, s:s, s:o, s:I, s:I}", "name",
			   &name, "imported", &imported, "labels", &labels,
			   "size", &size, "depth", &depth) < 0 ||
	    !json_is_object(labels) || parse_time(imported, &ret->imported))
		return fly_fail(err, 0, "\"%s\": not a valid image record",
				path);
	snprintf(ret->info.id, sizeof(ret->info.id), "%s", id);
	ret->info.name = fly_xstrdup(name);
	labels_from_json(labels, &ret->info);
	ret->info.imported = ret->imported.tv_sec;
	ret->info.last_used = last_used(ctx, id, ret->info.imported);
	ret->info.size = (uint64_t)size;
	ret->depth = (int)depth;
	return 0;
}

static int by_import(const void *a, const void *b)
{
	const struct stored *x = a, *y = b;

	if (x->imported.tv_sec != y->imported.tv_sec)
		return x->imported.tv_sec < y->imported.tv_sec ? -1 : 1;
	if (x->imported.tv_nsec != y->imported.tv_nsec)
		return x->imported.tv_nsec < y->imported.tv_nsec ? -1 : 1;
	return strcmp(x->info.id, y->info.id);
}

static void add_stored(const struct fly_ctx *ctx, const char *id,
		       struct stored **list, size_t *n)
{
	struct fly_error e = { 0 };
	struct stored s = { 0 };

	if (load_stored(ctx, id, &s, &e) < 0) {
		if (e.errnum != ENOENT) /* not removed meanwhile */
			fly_warn("skipping image %s: %s", id, e.msg);
		stored_clear(&s);
		return;
	}
	*list = fly_xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = s;
}

/* Every image in the store, oldest import first. */
static int load_all(const struct fly_ctx *ctx, struct stored **ret,
		    size_t *ret_n, struct fly_error *err)
{
	_cleanup_free_ char *images = store_path(ctx, "images", NULL);
	_cleanup_dir_ DIR *d = opendir(images);
	struct stored *list = NULL;
	struct dirent *de;
	size_t n = 0;

	if (!d && errno == ENOENT) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	if (!d)
		return fly_fail(err, errno, "read \"%s\"", images);
	while ((de = readdir(d)))
		if (is_id(de->d_name))
			add_stored(ctx, de->d_name, &list, &n);
	if (n > 1)
		qsort(list, n, sizeof(*list), by_import);
	*ret = list;
	*ret_n = n;
	return 0;
}

int fly_store_list(const struct fly_ctx *ctx, struct fly_image_info **ret,
		   size_t *ret_n, struct fly_error *err)
{
	struct stored *list = NULL;
	struct fly_image_info *info;
	size_t n;

	if (load_all(ctx, &list, &n, err) < 0)
		return -1;
	info = fly_xcalloc(n, sizeof(*info));
	for (size_t i = 0; i < n; i++)
		info[i] = list[i].info;
	free(list);
	*ret = info;
	*ret_n = n;
	return 0;
}

static json_t *labels_to_json(const struct fly_image_manifest *m)
{
	json_t *obj = json_object();

	for (size_t i = 0; i < m->n_labels; i++)
		json_object_set_new(obj, m->labels[i].name,
				    json_string(m->labels[i].value));
	return obj;
}

static int write_info(const struct fly_ctx *ctx, const char *dir,
		      const struct fly_aci *aci, uint64_t size, int depth,
		      struct fly_error *err)
{
	_cleanup_free_ char *path = fly_path_join(dir, "info.json");
	_cleanup_free_ char *text = NULL;
	json_auto_t *j = NULL;
	struct timespec now;
	char imported[64];

	clock_gettime(CLOCK_REALTIME, &now);
	format_time(&now, imported);
	j = json_pack("{s:s, s:s, s:o, s:s, s:I, s:I, s:i}", "id", aci->id,
		      "name", aci->manifest->name, "labels",
		      labels_to_json(aci->manifest), "imported", imported,
		      "size", (json_int_t)size, "tar_size",
		      (json_int_t)aci->tar_size, "depth", depth);
	text = json_dumps(j, JSON_INDENT(2));
	if (!text)
		return fly_fail(err, ENOMEM, "write \"%s\"", path);
	return fly_write_file_atomic(ctx, path, text, strlen(text), 0644, err);
}

/* ---- pathWhitelist ------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "/a//b/" -> "/a/b" */
static char *clean_path(const char *p)
{
	char *out = fly_xmalloc(strlen(p) + 2), *o = out;

	*o++ = '/';
	for (; *p; p++)
		if (*p != '/' || o[-1] != '/')
			*o++ = *p;
	if (o > out + 1 && o[-1] == '/')
		o--;
	*o = '\0';
	return out;
}

struct whitelist {
	const struct fly_ctx *ctx;
	char **paths; /* cleaned, sorted */
	size_t n;
};

static int filter_dir(const struct whitelist *w, int fd, const char *path,
		      const char *rel, struct fly_error *err);

static int filter_entry(const struct whitelist *w, int fd, const char *path,
			const char *rel, const char *name,
			struct fly_error *err)
{
	_cleanup_free_ char *sub = fly_path_join(path, name);
	_cleanup_free_ char *sub_rel = fly_path_join(rel, name);
	_cleanup_close_ int sfd = -1;
	struct stat st;
	const char *key = sub_rel;

	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return fly_fail(err, errno, "stat \"%s\"", sub);
	if (S_ISDIR(st.st_mode)) {
		if (fly_tree_open_dir(w->ctx, fd, name, sub, &sfd, err) < 0)
			return -1;
		return filter_dir(w, sfd, sub, sub_rel, err);
	}
	if (bsearch(&key, w->paths, w->n, sizeof(char *), cmp_str))
		return 0;
	if (w->ctx->sys->sys_unlinkat(fd, name, 0) < 0)
		return fly_fail(err, errno, "remove \"%s\"", sub);
	return 0;
}

static int filter_dir(const struct whitelist *w, int fd, const char *path,
		      const char *rel, struct fly_error *err)
{
	_cleanup_dir_ DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	int r = 0;

	if (fstat(fd, &st) < 0)
		return fly_fail(err, errno, "stat \"%s\"", path);
	if (fly_tree_unlock_dir(w->ctx, fd, path, err) < 0)
		return -1;
	d = fdopendir(dup(fd));
	if (!d)
		return fly_fail(err, errno, "read \"%s\"", path);
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		r = filter_entry(w, fd, path, rel, de->d_name, err);
	}
	if (r == 0 && errno != 0)
		r = fly_fail(err, errno, "read \"%s\"", path);
	if (r == 0 && !w->ctx->root && fchmod(fd, st.st_mode & 07777) < 0)
		r = fly_fail(err, errno, "set the mode of \"%s\"", path);
	return r;
}

int fly_store_apply_whitelist(const struct fly_ctx *ctx, const char *rootfs,
			      char *const *paths, struct fly_error *err)
{
	struct whitelist w = { .ctx = ctx };
	_cleanup_close_ int fd = -1;
	int r;

	while (paths[w.n])
		w.n++;
	if (w.n == 0)
		return 0;
	w.paths = fly_xcalloc(w.n, sizeof(char *));
	for (size_t i = 0; i < w.n; i++)
		w.paths[i] = clean_path(paths[i]);
	qsort(w.paths, w.n, sizeof(char *), cmp_str);
	r = fly_tree_open_dir(ctx, AT_FDCWD, rootfs, rootfs, &fd, err);
	if (r == 0)
		r = filter_dir(&w, fd, rootfs, "/", err);
	for (size_t i = 0; i < w.n; i++)
		free(w.paths[i]);
	free(w.paths);
	return r < 0 ? fly_wrap(err, "applying pathWhitelist") : 0;
}

/* ---- dependencies -------------------------------------------------------- */

static bool labels_match(const struct fly_image_info *info,
			 const struct fly_name_value *want, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *have = fly_name_value_get(
			info->labels, info->n_labels, want[i].name);

		if (!have || strcmp(have, want[i].value) != 0)
			return false;
	}
	return true;
}

/* The newest image matching a dependency, NULL when there is none. */
static const struct stored *find_dependency(const struct stored *all, size_t n,
					    const struct fly_dependency *dep)
{
	for (size_t i = n; i-- > 0;) {
		const struct fly_image_info *info = &all[i].info;

		if (strcmp(info->name, dep->image_name) != 0 ||
		    !labels_match(info, dep->labels, dep->n_labels))
			continue;
		if (dep->image_id &&
		    !fly_str_has_prefix(info->id, dep->image_id))
			continue;
		return &all[i];
	}
	return NULL;
}

static int copy_dependency(const struct fly_ctx *ctx, const char *id,
			   const char *rootfs, struct fly_error *err)
{
	_cleanup_free_ char *src = fly_store_rootfs(ctx, id);
	_cleanup_close_ int lock = -1;

	if (fly_store_use(ctx, id, &lock, err) < 0)
		return -1;
	fly_debug("copying the dependency %s", id);
	return fly_tree_merge(ctx, src, rootfs, false, err);
}

int fly_store_render_dependencies(const struct fly_ctx *ctx,
				  const struct fly_image_manifest *m,
				  const char *own_id, const char *rootfs,
				  int *ret_depth, struct fly_error *err)
{
	struct stored *all = NULL;
	size_t n = 0;
	int r = 0, depth = 0;

	if (load_all(ctx, &all, &n, err) < 0)
		return -1;
	for (size_t i = 0; r == 0 && i < m->n_dependencies; i++) {
		const struct fly_dependency *dep = &m->dependencies[i];
		const struct stored *found = find_dependency(all, n, dep);

		if (!found)
			r = fly_fail(err, 0,
				     "dependency \"%s\" not found in "
				     "the store",
				     dep->image_name);
		else if (strcmp(found->info.id, own_id) == 0)
			r = fly_fail(err, 0,
				     "dependency \"%s\" is the image "
				     "itself",
				     dep->image_name);
		else if (found->depth + 1 > MAX_DEPTH)
			r = fly_fail(err, 0,
				     "dependency \"%s\": dependencies "
				     "nest deeper than %d levels",
				     dep->image_name, MAX_DEPTH);
		else
			r = copy_dependency(ctx, found->info.id, rootfs, err);
		if (r == 0 && found->depth + 1 > depth)
			depth = found->depth + 1;
	}
	stored_free(all, n);
	*ret_depth = depth;
	return r;
}

/* ---- fetch --------------------------------------------------------------- */

struct render {
	const struct fly_ctx *ctx;
	char *dir; /* DIR/tmp/render-XXXXXX until committed */
	int fd;    /* the render directory, flock'ed */
	int aci_fd;
	struct fly_aci aci;
	int depth;
};

static void render_done(struct render *r)
{
	struct fly_error e = { 0 };

	if (r->dir && fly_rm_tree(r->ctx, r->dir, &e) < 0)
		fly_warn("cleaning up a render: %s", e.msg);
	if (r->fd >= 0)
		close(r->fd);
	if (r->aci_fd >= 0)
		close(r->aci_fd);
	free(r->dir);
	fly_aci_clear(&r->aci);
}

/* Create and lock DIR/tmp/render-XXXXXX.  A sweep may take a new directory
 * before we lock it; then it is gone and we try again. */
static int render_begin(struct render *r, struct fly_error *err)
{
	const struct fly_ctx *ctx = r->ctx;
	_cleanup_free_ char *tmpl = store_path(ctx, "tmp", "render-XXXXXX");

	for (;;) {
		free(r->dir);
		r->dir = fly_xstrdup(tmpl);
		if (!mkdtemp(r->dir))
			return fly_fail(err, errno, "create \"%s\"", tmpl);
		r->fd = ctx->sys->sys_open(
			r->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		if (r->fd < 0 && errno == ENOENT)
			continue;
		if (r->fd < 0)
			return fly_fail(err, errno, "open \"%s\"", r->dir);
		if (flock(r->fd, LOCK_EX) < 0)
			return fly_fail(err, errno, "lock \"%s\"", r->dir);
		if (fd_is_at(r->fd, AT_FDCWD, r->dir))
			return 0;
		close(r->fd);
		r->fd = -1;
	}
}

static int render_read(struct render *r, int src, const char *path,
		       struct fly_error *err)
{
	const struct fly_ctx *ctx = r->ctx;
	_cleanup_free_ char *rootfs = fly_path_join(r->dir, "rootfs");

	r->aci_fd = ctx->sys->sys_openat(r->fd, "aci",
					 O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (r->aci_fd < 0)
		return fly_fail(err, errno, "create \"%s/aci\"", r->dir);
	if (ctx->sys->sys_mkdirat(r->fd, "rootfs", 0755) < 0)
		return fly_fail(err, errno, "create \"%s\"", rootfs);
	return fly_aci_read(ctx, src, path, r->aci_fd, rootfs, &r->aci, err);
}

/* Dependencies under the image's own layer, then the whitelist. */
static int render_layers(struct render *r, struct fly_error *err)
{
	const struct fly_ctx *ctx = r->ctx;
	const struct fly_image_manifest *m = r->aci.manifest;
	_cleanup_free_ char *rootfs = fly_path_join(r->dir, "rootfs");
	_cleanup_free_ char *layer = fly_path_join(r->dir, "layer");

	if (m->n_dependencies > 0) {
		if (ctx->sys->sys_renameat(r->fd, "rootfs", r->fd, "layer") < 0)
			return fly_fail(err, errno, "move \"%s\"", rootfs);
		if (ctx->sys->sys_mkdirat(r->fd, "rootfs", 0755) < 0)
			return fly_fail(err, errno, "create \"%s\"", rootfs);
		if (fly_store_render_dependencies(ctx, m, r->aci.id, rootfs,
						  &r->depth, err) < 0)
			return -1;
		if (fly_tree_merge(ctx, layer, rootfs, true, err) < 0 ||
		    fly_rm_tree(ctx, layer, err) < 0)
			return fly_wrap(err, "rendering the image's own layer");
	}
	if (m->path_whitelist)
		return fly_store_apply_whitelist(ctx, rootfs, m->path_whitelist,
						 err);
	return 0;
}

static int render_metadata(struct render *r, struct fly_error *err)
{
	_cleanup_free_ char *manifest = fly_path_join(r->dir, "manifest");
	struct stat st;

	if (fstat(r->aci_fd, &st) < 0 || fsync(r->aci_fd) < 0)
		return fly_fail(err, errno, "write \"%s/aci\"", r->dir);
	if (fly_write_file_atomic(r->ctx, manifest, r->aci.manifest_text,
				  r->aci.manifest_len, 0644, err) < 0)
		return -1;
	return write_info(r->ctx, r->dir, &r->aci, (uint64_t)st.st_size,
			  r->depth, err);
}

static void sync_dir(const struct fly_ctx *ctx, const char *path)
{
	_cleanup_close_ int fd = -1;

	fd = ctx->sys->sys_open(path, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0 || fsync(fd) < 0)
		fly_debug("sync \"%s\": %s", path, strerror(errno));
}

/* Rename the render into images/ID.  If the image is there already,
 * another fetch won: ours is discarded and the result is the same. */
static int render_commit(struct render *r, char ret_id[FLY_ID_LEN + 1],
			 struct fly_error *err)
{
	const struct fly_ctx *ctx = r->ctx;
	_cleanup_free_ char *dest = fly_store_image_dir(ctx, r->aci.id);
	_cleanup_free_ char *images = store_path(ctx, "images", NULL);

	if (ctx->sys->sys_renameat(AT_FDCWD, r->dir, AT_FDCWD, dest) == 0) {
		free(FLY_TAKE(r->dir));
		sync_dir(ctx, images);
	} else if (errno == ENOTEMPTY || errno == EEXIST) {
		fly_debug("image %s is in the store already", r->aci.id);
	} else {
		return fly_fail(err, errno, "move \"%s\" to \"%s\"", r->dir,
				dest);
	}
	snprintf(ret_id, FLY_ID_LEN + 1, "%s", r->aci.id);
	return 0;
}

static int render_image(const struct fly_ctx *ctx, int src, const char *path,
			char ret_id[FLY_ID_LEN + 1], struct fly_error *err)
{
	struct render r = { .ctx = ctx, .fd = -1, .aci_fd = -1 };
	int ret = -1;

	if (render_begin(&r, err) < 0) {
		render_done(&r);
		return -1;
	}
	fly_debug("rendering \"%s\" in \"%s\"", path, r.dir);
	if (render_read(&r, src, path, err) == 0 &&
	    render_layers(&r, err) == 0 && render_metadata(&r, err) == 0)
		ret = render_commit(&r, ret_id, err);
	render_done(&r);
	return ret;
}

static int open_source(const struct fly_ctx *ctx, const char *path, int *ret_fd,
		       struct stat *ret_st, struct fly_error *err)
{
	_cleanup_close_ int fd = -1;

	fd = ctx->sys->sys_open(path, O_RDONLY | O_NOCTTY, 0);
	if (fd < 0)
		return fly_fail(err, errno, "open \"%s\"", path);
	if (fstat(fd, ret_st) < 0)
		return fly_fail(err, errno, "stat \"%s\"", path);
	if (S_ISDIR(ret_st->st_mode))
		return fly_fail(err, EISDIR, "read \"%s\"", path);
	/* cppcheck-suppress unreadVariable ; read by the cleanup attribute */
	*ret_fd = FLY_TAKE_FD(fd);
	return 0;
}

static char *source_key(const struct stat *st)
{
	return fly_xasprintf(
		"%llu %lld.%09ld %lld.%09ld", (unsigned long long)st->st_size,
		(long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		(long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

/* The ID an earlier fetch of this unchanged file gave, if still stored. */
static bool cached_id(const struct fly_ctx *ctx, int lock, const char *key,
		      char ret_id[FLY_ID_LEN + 1])
{
	char buf[512];
	size_t lk = strlen(key);
	ssize_t n = pread(lock, buf, sizeof(buf) - 1, 0);

	if (n < 0 || (size_t)n != lk + 1 + FLY_ID_LEN + 1)
		return false;
	/* cppcheck-suppress negativeIndex ; n > FLY_ID_LEN after the check */
	buf[n - 1] = '\0';
	if (strncmp(buf, key, lk) != 0 || buf[lk] != ' ' ||
	    !image_exists(ctx, buf + lk + 1))
		return false;
	memcpy(ret_id, buf + lk + 1, FLY_ID_LEN + 1);
	return true;
}

static void remember_id(int lock, const char *key, const char *id)
{
	_cleanup_free_ char *line = fly_xasprintf("%s %s\n", key, id);
	size_t len = strlen(line);

	if (ftruncate(lock, 0) < 0 ||
	    pwrite(lock, line, len, 0) != (ssize_t)len)
		fly_debug("could not remember the source's ID: %s",
			  strerror(errno));
}

int fly_store_fetch(const struct fly_ctx *ctx, const char *path,
		    char ret_id[FLY_ID_LEN + 1], struct fly_error *err)
{
	_cleanup_close_ int src = -1, lock = -1;
	_cleanup_free_ char *lock_name = NULL, *key = NULL;
	struct stat st;

	if (fly_store_prepare(ctx, err) < 0 ||
	    open_source(ctx, path, &src, &st, err) < 0)
		return -1;
	lock_name = fly_xasprintf("src-%llx-%llx",
				  (unsigned long long)st.st_dev,
				  (unsigned long long)st.st_ino);
	if (lock_file(ctx, lock_name, LOCK_EX, &lock, err) < 0)
		return -1;
	key = source_key(&st);
	if (cached_id(ctx, lock, key, ret_id)) {
		fly_debug("\"%s\" is in the store as %s", path, ret_id);
		return 0;
	}
	if (render_image(ctx, src, path, ret_id, err) < 0)
		return -1;
	remember_id(lock, key, ret_id);
	return 0;
}

/* ---- lookup -------------------------------------------------------------- */

static int resolve_prefix(const struct fly_ctx *ctx, const char *ref,
			  char ret_id[FLY_ID_LEN + 1], struct fly_error *err)
{
	_cleanup_free_ char *images = store_path(ctx, "images", NULL);
	_cleanup_free_ char *want = NULL;
	_cleanup_dir_ DIR *d = NULL;
	struct dirent *de;
	size_t hex_len, count = 0;

	want = fly_str_has_prefix(ref, FLY_ID_PREFIX)
		       ? fly_xstrdup(ref)
		       : fly_xasprintf("%s%s", FLY_ID_PREFIX, ref);
	hex_len = strlen(want) - strlen(FLY_ID_PREFIX);
	if (hex_len < MIN_PREFIX || !is_hex(want + strlen(FLY_ID_PREFIX)))
		return fly_fail(err, 0,
				"image ID \"%s\" is not %d to 128 hex "
				"digits",
				ref, MIN_PREFIX);
	d = opendir(images);
	if (!d && errno != ENOENT)
		return fly_fail(err, errno, "read \"%s\"", images);
	while (d && (de = readdir(d))) {
		if (!is_id(de->d_name) || !fly_str_has_prefix(de->d_name, want))
			continue;
		if (count++ == 0)
			memcpy(ret_id, de->d_name, FLY_ID_LEN + 1);
	}
	if (count == 0)
		return fly_fail(err, 0, "image \"%s\" not found", ref);
	if (count > 1)
		return fly_fail(err, 0,
				"image ID prefix \"%s\" is ambiguous: "
				"it matches %zu images",
				ref, count);
	return 0;
}

/* NAME or NAME:VERSION; returns 1 when no image has that name. */
static int resolve_name(const struct fly_ctx *ctx, const char *ref,
			char ret_id[FLY_ID_LEN + 1], struct fly_error *err)
{
	_cleanup_free_ char *name = fly_xstrdup(ref);
	char *version = strrchr(name, ':');
	struct stored *all = NULL;
	size_t n = 0;
	int r = 1;

	if (version)
		*version++ = '\0';
	if (load_all(ctx, &all, &n, err) < 0)
		return -1;
	for (size_t i = n; r == 1 && i-- > 0;) {
		const struct fly_image_info *info = &all[i].info;
		const char *v = fly_name_value_get(info->labels, info->n_labels,
						   "version");

		if (strcmp(info->name, name) != 0 ||
		    (version && (!v || strcmp(v, version) != 0)))
			continue;
		memcpy(ret_id, info->id, FLY_ID_LEN + 1);
		r = 0;
	}
	stored_free(all, n);
	return r;
}

int fly_store_resolve(const struct fly_ctx *ctx, const char *ref,
		      char ret_id[FLY_ID_LEN + 1], struct fly_error *err)
{
	int r;

	if (fly_str_has_prefix(ref, FLY_ID_PREFIX))
		return resolve_prefix(ctx, ref, ret_id, err);
	r = resolve_name(ctx, ref, ret_id, err);
	if (r <= 0)
		return r;
	if (strlen(ref) >= MIN_PREFIX && is_hex(ref))
		return resolve_prefix(ctx, ref, ret_id, err);
	return fly_fail(err, 0, "image \"%s\" not found", ref);
}

int fly_store_manifest(const struct fly_ctx *ctx, const char *id,
		       struct fly_image_manifest **ret, char **ret_text,
		       struct fly_error *err)
{
	_cleanup_free_ char *dir = fly_store_image_dir(ctx, id);
	_cleanup_free_ char *path = fly_path_join(dir, "manifest");
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (!is_id(id))
		return fly_fail(err, 0, "\"%s\" is not an image ID", id);
	if (fly_read_file(path, 1 << 24, &text, &len, err) < 0)
		return -1;
	if (ret && fly_image_manifest_parse(text, len, ret, err) < 0)
		return fly_wrap(err, "\"%s\"", path);
	if (ret_text)
		*ret_text = FLY_TAKE(text);
	return 0;
}

/* ---- use and removal ----------------------------------------------------- */

int fly_store_use(const struct fly_ctx *ctx, const char *id, int *ret_fd,
		  struct fly_error *err)
{
	_cleanup_free_ char *name = fly_xasprintf("image-%s", id);
	_cleanup_close_ int fd = -1;

	if (!is_id(id))
		return fly_fail(err, 0, "\"%s\" is not an image ID", id);
	if (lock_file(ctx, name, LOCK_SH, &fd, err) < 0)
		return -1;
	if (!image_exists(ctx, id))
		return fly_fail(err, 0, "image \"%s\" not found", id);
	if (futimens(fd, NULL) < 0)
		return fly_fail(err, errno, "mark image %s used", id);
	*ret_fd = FLY_TAKE_FD(fd);
	return 0;
}

/* Move images/ID into tmp (still held, so no sweep takes it) and delete
 * it there: an interrupted removal never leaves a half image in images/.
 * Only the holder of image-ID's lock removes ID, so the pid and the ID
 * make a name no live process uses. */
static int discard_image(const struct fly_ctx *ctx, const char *id,
			 struct fly_error *err)
{
	_cleanup_free_ char *dir = fly_store_image_dir(ctx, id);
	_cleanup_free_ char *name = fly_xasprintf("rm-%ld-%s", (long)getpid(),
						  id);
	_cleanup_free_ char *tmp = store_path(ctx, "tmp", name);
	_cleanup_close_ int fd = -1;

	fd = ctx->sys->sys_open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0 && errno == ENOENT)
		return fly_fail(err, 0, "image \"%s\" not found", id);
	if (fd < 0)
		return fly_fail(err, errno, "open \"%s\"", dir);
	if (flock(fd, LOCK_EX) < 0)
		return fly_fail(err, errno, "lock \"%s\"", dir);
	if (ctx->sys->sys_renameat(AT_FDCWD, dir, AT_FDCWD, tmp) < 0)
		return fly_fail(err, errno, "move \"%s\" to \"%s\"", dir, tmp);
	return fly_rm_tree(ctx, tmp, err);
}

int fly_store_remove(const struct fly_ctx *ctx, const char *id,
		     struct fly_error *err)
{
	_cleanup_free_ char *name = fly_xasprintf("image-%s", id);
	_cleanup_close_ int fd = -1;
	int r;

	if (!is_id(id))
		return fly_fail(err, 0, "\"%s\" is not an image ID", id);
	r = lock_file(ctx, name, LOCK_EX | LOCK_NB, &fd, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		fly_fail(err, 0, "image %s is in use", id);
		err->errnum = EBUSY;
		return -1;
	}
	if (discard_image(ctx, id, err) < 0)
		return -1;
	drop_lock_file(ctx, name);
	return 0;
}

/* A lock file is stale when nobody holds it and what it protects is gone:
 * the image for image-ID, the cached image for src-DEV-INO. */
static void sweep_lock(const struct fly_ctx *ctx, const char *name)
{
	_cleanup_close_ int fd = -1;
	struct fly_error e = { 0 };
	/* cppcheck-suppress variableScope ; id points into buf to the end */
	char buf[512];
	const char *id = NULL;

	if (lock_file(ctx, name, LOCK_EX | LOCK_NB, &fd, &e) != 0)
		return;
	if (fly_str_has_prefix(name, "image-")) {
		id = name + strlen("image-");
	} else {
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

		buf[n > 0 ? n - 1 : 0] = '\0';
		id = strrchr(buf, ' ') ? strrchr(buf, ' ') + 1 : "";
	}
	if (!image_exists(ctx, id))
		drop_lock_file(ctx, name);
}

int fly_store_sweep_locks(const struct fly_ctx *ctx, struct fly_error *err)
{
	_cleanup_free_ char *locks = store_path(ctx, "locks", NULL);
	_cleanup_dir_ DIR *d = opendir(locks);
	struct dirent *de;

	if (!d && errno == ENOENT)
		return 0;
	if (!d)
		return fly_fail(err, errno, "read \"%s\"", locks);
	while ((de = readdir(d)))
		if (fly_str_has_prefix(de->d_name, "image-") ||
		    fly_str_has_prefix(de->d_name, "src-"))
			sweep_lock(ctx, de->d_name);
	return 0;
}

/* ---- export -------------------------------------------------------------- */

static int check_out(const char *out, bool overwrite, struct fly_error *err)
{
	struct stat st;

	if (lstat(out, &st) < 0 && errno == ENOENT)
		return 0;
	if (S_ISDIR(st.st_mode))
		return fly_fail(err, EISDIR, "\"%s\"", out);
	if (!overwrite)
		return fly_fail(err, 0,
				"\"%s\" exists; use --overwrite to "
				"replace it",
				out);
	return 0;
}

static int write_export(const struct fly_ctx *ctx, int in, int tmp_fd,
			const char *tmp, const char *out, struct fly_error *err)
{
	if (fchmod(tmp_fd, 0644) < 0)
		return fly_fail(err, errno, "set the mode of \"%s\"", tmp);
	if (fly_copy_data(in, tmp_fd, tmp, err) < 0)
		return -1;
	if (fsync(tmp_fd) < 0)
		return fly_fail(err, errno, "write \"%s\"", tmp);
	if (ctx->sys->sys_renameat(AT_FDCWD, tmp, AT_FDCWD, out) < 0)
		return fly_fail(err, errno, "move \"%s\" to \"%s\"", tmp, out);
	return 0;
}

int fly_store_export(const struct fly_ctx *ctx, const char *id, const char *out,
		     bool overwrite, struct fly_error *err)
{
	_cleanup_free_ char *dir = fly_store_image_dir(ctx, id);
	_cleanup_free_ char *aci = fly_path_join(dir, "aci");
	_cleanup_free_ char *tmp = fly_xasprintf("%s.tmpXXXXXX", out);
	_cleanup_close_ int lock = -1, in = -1, tmp_fd = -1;

	if (check_out(out, overwrite, err) < 0 ||
	    fly_store_use(ctx, id, &lock, err) < 0)
		return -1;
	in = ctx->sys->sys_open(aci, O_RDONLY, 0);
	if (in < 0)
		return fly_fail(err, errno, "open \"%s\"", aci);
	tmp_fd = mkostemp(tmp, O_CLOEXEC);
	if (tmp_fd < 0)
		return fly_fail(err, errno, "create \"%s\"", tmp);
	if (write_export(ctx, in, tmp_fd, tmp, out, err) < 0) {
		ctx->sys->sys_unlinkat(AT_FDCWD, tmp, 0);
		return -1;
	}
	return 0;
}
