#include "podstate.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duration.h"
#include "log.h"
#include "util.h"
#include "poison.h"

#define MANIFEST_MAX (1024 * 1024)
#define SMALL_FILE_MAX 64

/* In the order pods move through them, so that a scan in this order
 * meets a moving pod at least once. */
static const char *const state_dirs[] = {
	"prepared",
	"run",
	"exited-garbage",
	"garbage",
};

#define N_STATE_DIRS (sizeof(state_dirs) / sizeof(state_dirs[0]))

const char *fly_pod_state_name(enum fly_pod_state state)
{
	switch (state) {
	case FLY_POD_CREATING:
		return "creating";
	case FLY_POD_PREPARED:
		return "prepared";
	case FLY_POD_RUNNING:
		return "running";
	case FLY_POD_EXITED:
		return "exited";
	case FLY_POD_EXITED_GARBAGE:
		return "exited-garbage";
	case FLY_POD_GARBAGE:
		return "garbage";
	}
	return "unknown";
}

bool fly_pod_uuid_valid(const char *name)
{
	for (int i = 0; i < FLY_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = name[i];

		if (dash ? c != '-'
			 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return name[FLY_UUID_LEN] == '\0';
}

/* A file of the pod directory as read: its text and mtime. */
struct pod_file {
	char *text; /* NUL-terminated */
	size_t len;
	struct timespec mtime;
};

/* Read name in directory dfd, at most max bytes.  A regular file's
 * size is known from fstat, so one read usually takes it all: listing
 * many pods costs a few system calls each.  -1 with errno set. */
static int read_at(const struct fly_ctx *ctx, int dfd, const char *name,
		   size_t max, struct pod_file *ret)
{
	_cleanup_close_ int fd = ctx->sys->sys_openat(dfd, name, O_RDONLY, 0);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -1;
	cap = (size_t)st.st_size < max ? (size_t)st.st_size + 64 : max + 1;
	buf = fly_xmalloc(cap + 1);
	for (;;) {
		size_t room = cap - len;
		ssize_t n = read(fd, buf + len, room);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		len += (size_t)n;
		if (len > max) {
			errno = EFBIG;
			return -1;
		}
		/* A short read of a regular file is its end. */
		if ((size_t)n < room)
			break;
		cap *= 2;
		buf = fly_xrealloc(buf, cap + 1);
	}
	buf[len] = '\0';
	ret->text = FLY_TAKE(buf);
	ret->len = len;
	ret->mtime = st.st_mtim;
	return 0;
}

/* A small file holding one decimal number; false when it is missing or
 * holds something else. */
static bool read_number(const struct fly_ctx *ctx, int dfd, const char *name,
			long *ret, struct timespec *ret_mtime)
{
	struct pod_file f = { 0 };
	char *end;
	bool ok;

	if (read_at(ctx, dfd, name, SMALL_FILE_MAX, &f) < 0)
		return false;
	errno = 0;
	*ret = strtol(f.text, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	ok = errno == 0 && end != f.text && *end == '\0';
	if (ok)
		*ret_mtime = f.mtime;
	else
		fly_debug("pod file \"%s\" holds no number", name);
	free(f.text);
	return ok;
}

static const char *json_text(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *version_label(const json_t *image)
{
	const json_t *labels = json_object_get(image, "labels");
	size_t i;
	json_t *label;

	json_array_foreach(labels, i, label)
	{
		const char *name = json_text(label, "name");

		if (name && strcmp(name, "version") == 0)
			return json_text(label, "value");
	}
	return NULL;
}

/* The names the listing shows, from the manifest fly wrote and
 * validated: only the few members needed are looked at. */
static void read_names(const struct pod_file *f, struct fly_pod_info *info)
{
	json_t *root = json_loadb(f->text, f->len, 0, NULL);
	const json_t *app = json_array_get(json_object_get(root, "apps"), 0);
	const json_t *image = json_object_get(app, "image");
	const char *kind = json_text(root, "acKind");
	const char *name = json_text(app, "name");
	const char *id = json_text(image, "id");
	const char *version = version_label(image);

	if (!kind || strcmp(kind, "PodManifest") != 0 || !name || !id) {
		fly_debug("pod %s: \"pod\" is not a pod manifest naming its "
			  "app and image",
			  info->uuid);
		json_decref(root);
		return;
	}
	info->app_name = fly_xstrdup(name);
	info->image_id = fly_xstrdup(id);
	if (json_text(image, "name"))
		info->image_name = fly_xstrdup(json_text(image, "name"));
	if (version)
		info->image_version = fly_xstrdup(version);
	json_decref(root);
}

/* What the files written when the app starts and ends tell. */
static void read_runtime(const struct fly_ctx *ctx, int dfd,
			 struct fly_pod_info *info)
{
	struct pod_file ns = { 0 };
	long n;

	if (read_number(ctx, dfd, "pid", &n, &info->started) && n > 0 &&
	    n <= INT32_MAX)
		info->pid = (pid_t)n;
	else
		info->started = (struct timespec){ 0 };
	if (read_number(ctx, dfd, "exit", &n, &info->exited) && n >= 0 &&
	    n <= 255)
		info->exit_code = (int)n;
	else
		info->exited = (struct timespec){ 0 };
	if (read_at(ctx, dfd, "mount-ns", SMALL_FILE_MAX, &ns) == 0) {
		ns.text[strcspn(ns.text, " \t\n")] = '\0';
		info->mount_ns = ns.text;
	}
	info->userns = faccessat(dfd, "userns", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Test the lock on dfd, a descriptor of its own: taking it shared
 * succeeds only when nobody holds it exclusively. */
static int lock_held_fd(int dfd)
{
	if (flock(dfd, LOCK_SH | LOCK_NB) == 0) {
		flock(dfd, LOCK_UN);
		return 0;
	}
	return errno == EWOULDBLOCK ? 1 : -1;
}

static int state_of(const char *parent, bool has_manifest, int dfd,
		    enum fly_pod_state *ret)
{
	int held;

	if (strcmp(parent, "exited-garbage") == 0) {
		*ret = FLY_POD_EXITED_GARBAGE;
	} else if (strcmp(parent, "garbage") == 0) {
		*ret = FLY_POD_GARBAGE;
	} else if (!has_manifest) {
		*ret = FLY_POD_CREATING;
	} else if (strcmp(parent, "prepared") == 0) {
		*ret = FLY_POD_PREPARED;
	} else {
		held = lock_held_fd(dfd);
		if (held < 0)
			return -1;
		*ret = held ? FLY_POD_RUNNING : FLY_POD_EXITED;
	}
	return 0;
}

static void info_init(struct fly_pod_info *info)
{
	memset(info, 0, sizeof(*info));
	info->exit_code = -1;
}

/* Read the pod uuid in parent_fd, the directory DIR/pods/parent.  The
 * manifest is read first: only a pod that has one is ever locked.  The
 * lock is tested before the exit status is read, which fly writes
 * before it lets the lock go. */
static int read_info_at(const struct fly_ctx *ctx, int parent_fd,
			const char *parent, const char *uuid,
			struct fly_pod_info *ret, struct fly_error *err)
{
	_cleanup_close_ int dfd = -1;
	struct pod_file manifest = { 0 };
	struct stat st;
	int r = 0;

	info_init(ret);
	snprintf(ret->uuid, sizeof(ret->uuid), "%s", uuid);
	ret->dir = fly_xasprintf("%s/pods/%s/%s", ctx->dir, parent, uuid);
	dfd = ctx->sys->sys_openat(parent_fd, uuid, O_RDONLY | O_DIRECTORY, 0);
	if (dfd < 0 || fstat(dfd, &st) < 0)
		return fly_fail(err, errno, "open pod directory \"%s\"",
				ret->dir);
	ret->changed = st.st_mtim;
	if (read_at(ctx, dfd, "pod", MANIFEST_MAX, &manifest) < 0 &&
	    errno != ENOENT)
		fly_debug("pod %s: read its manifest: %m", uuid);
	if (state_of(parent, manifest.text != NULL, dfd, &ret->state) < 0) {
		r = fly_fail(err, errno, "lock \"%s\"", ret->dir);
	} else if (manifest.text) {
		ret->created = manifest.mtime;
		read_names(&manifest, ret);
		read_runtime(ctx, dfd, ret);
	}
	free(manifest.text);
	return r;
}

static int open_parent_dir(const struct fly_ctx *ctx, const char *parent,
			   struct fly_error *err)
{
	_cleanup_free_ char *path = fly_xasprintf("%s/pods/%s", ctx->dir,
						  parent);
	int fd = ctx->sys->sys_open(path, O_RDONLY | O_DIRECTORY, 0);

	if (fd < 0)
		return fly_fail(err, errno, "open \"%s\"", path);
	return fd;
}

int fly_pod_info_read(const struct fly_ctx *ctx, const char *parent,
		      const char *uuid, struct fly_pod_info *ret,
		      struct fly_error *err)
{
	_cleanup_close_ int fd = open_parent_dir(ctx, parent, err);

	if (fd < 0) {
		info_init(ret);
		return -1;
	}
	return read_info_at(ctx, fd, parent, uuid, ret, err);
}

void fly_pod_info_clear(struct fly_pod_info *info)
{
	if (!info)
		return;
	free(info->dir);
	free(info->app_name);
	free(info->image_name);
	free(info->image_version);
	free(info->image_id);
	free(info->mount_ns);
	info_init(info);
}

void fly_pod_infos_free(struct fly_pod_info *infos, size_t n)
{
	for (size_t i = 0; infos && i < n; i++)
		fly_pod_info_clear(&infos[i]);
	free(infos);
}

/* The pod UUIDs in the directory open as fd (which stays open). */
static int scan_names(const struct fly_ctx *ctx, int fd, const char *parent,
		      struct fly_strv *ret, struct fly_error *err)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = copy < 0 ? NULL : fdopendir(copy);
	int e;

	if (!d) {
		e = errno;
		if (copy >= 0)
			close(copy);
		return fly_fail(err, e, "read \"%s/pods/%s\"", ctx->dir,
				parent);
	}
	for (struct dirent *de; (errno = 0, de = readdir(d));)
		if (fly_pod_uuid_valid(de->d_name))
			fly_strv_push(ret, de->d_name);
	e = errno;
	closedir(d);
	if (e)
		return fly_fail(err, e, "read \"%s/pods/%s\"", ctx->dir,
				parent);
	return 0;
}

/* The UUIDs in DIR/pods/parent and that directory open as *ret_fd; a
 * missing directory holds none (*ret_fd is then -1). */
static int open_and_scan(const struct fly_ctx *ctx, const char *parent,
			 int *ret_fd, struct fly_strv *ret,
			 struct fly_error *err)
{
	*ret_fd = open_parent_dir(ctx, parent, err);
	if (*ret_fd < 0 && err->errnum == ENOENT) {
		fly_error_clear(err);
		return 0;
	}
	if (*ret_fd < 0)
		return -1;
	return scan_names(ctx, *ret_fd, parent, ret, err);
}

static int compare_uuid(const void *a, const void *b)
{
	const struct fly_pod_info *x = a, *y = b;
	int c = strcmp(x->uuid, y->uuid);

	return c ? c : (int)x->state - (int)y->state;
}

static const struct timespec *sort_time(const struct fly_pod_info *p)
{
	return p->created.tv_sec || p->created.tv_nsec ? &p->created
						       : &p->changed;
}

static int compare_created(const void *a, const void *b)
{
	const struct timespec *x = sort_time(a), *y = sort_time(b);

	if (x->tv_sec != y->tv_sec)
		return x->tv_sec < y->tv_sec ? -1 : 1;
	if (x->tv_nsec != y->tv_nsec)
		return x->tv_nsec < y->tv_nsec ? -1 : 1;
	return strcmp(((const struct fly_pod_info *)a)->uuid,
		      ((const struct fly_pod_info *)b)->uuid);
}

/* Keep the latest state of a pod seen in two directories. */
static size_t drop_duplicates(struct fly_pod_info *v, size_t n)
{
	size_t out = 0;

	qsort(v, n, sizeof(*v), compare_uuid);
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && strcmp(v[i].uuid, v[i + 1].uuid) == 0) {
			fly_pod_info_clear(&v[i]);
			continue;
		}
		v[out++] = v[i];
	}
	return out;
}

static int list_dir(const struct fly_ctx *ctx, const char *parent,
		    struct fly_pod_info **v, size_t *n, struct fly_error *err)
{
	struct fly_strv names = { 0 };
	_cleanup_close_ int fd = -1;
	int r = open_and_scan(ctx, parent, &fd, &names, err);

	*v = fly_xrealloc(*v, (*n + names.n + 1) * sizeof(**v));
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		struct fly_pod_info *info = &(*v)[*n];

		if (read_info_at(ctx, fd, parent, names.v[i], info, err) == 0) {
			(*n)++;
			continue;
		}
		fly_pod_info_clear(info);
		if (err->errnum != ENOENT)
			r = -1;
		else
			fly_error_clear(err);
	}
	fly_strv_clear(&names);
	return r;
}

int fly_pods_list(const struct fly_ctx *ctx, struct fly_pod_info **ret,
		  size_t *ret_n, struct fly_error *err)
{
	struct fly_pod_info *v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < N_STATE_DIRS; i++) {
		if (list_dir(ctx, state_dirs[i], &v, &n, err) < 0) {
			fly_pod_infos_free(v, n);
			return -1;
		}
	}
	n = drop_duplicates(v, n);
	qsort(v, n, sizeof(*v), compare_created);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* ref lower-cased, or NULL when it cannot start a UUID. */
static char *normalize_ref(const char *ref)
{
	size_t len = strlen(ref);
	char *s;

	if (len == 0 || len > FLY_UUID_LEN)
		return NULL;
	s = fly_xstrdup(ref);
	for (char *p = s; *p; p++) {
		*p = (char)tolower((unsigned char)*p);
		if (!isxdigit((unsigned char)*p) && *p != '-') {
			free(s);
			return NULL;
		}
	}
	return s;
}

struct match {
	char uuid[FLY_UUID_LEN + 1];
	const char *parent;
	size_t count; /* distinct UUIDs matched */
};

static int match_dir(const struct fly_ctx *ctx, const char *parent,
		     const char *prefix, struct match *m, struct fly_error *err)
{
	struct fly_strv names = { 0 };
	_cleanup_close_ int fd = -1;

	if (open_and_scan(ctx, parent, &fd, &names, err) < 0)
		return -1;
	for (size_t i = 0; i < names.n; i++) {
		if (!fly_str_has_prefix(names.v[i], prefix))
			continue;
		if (m->count == 0 || strcmp(m->uuid, names.v[i]) != 0)
			m->count++;
		snprintf(m->uuid, sizeof(m->uuid), "%s", names.v[i]);
		m->parent = parent;
	}
	fly_strv_clear(&names);
	return 0;
}

static int find_once(const struct fly_ctx *ctx, const char *ref,
		     const char *prefix, struct fly_pod_info *ret,
		     struct fly_error *err)
{
	struct match m = { .count = 0 };

	for (size_t i = 0; i < N_STATE_DIRS; i++)
		if (match_dir(ctx, state_dirs[i], prefix, &m, err) < 0)
			return -1;
	if (m.count == 0)
		return fly_fail(err, 0, "pod \"%s\" not found", ref);
	if (m.count > 1)
		return fly_fail(err, 0,
				"pod \"%s\" is ambiguous: %zu pods "
				"match",
				ref, m.count);
	return fly_pod_info_read(ctx, m.parent, m.uuid, ret, err);
}

int fly_pod_find(const struct fly_ctx *ctx, const char *ref,
		 struct fly_pod_info *ret, struct fly_error *err)
{
	_cleanup_free_ char *prefix = normalize_ref(ref);
	int r = -1;

	info_init(ret);
	if (!prefix)
		return fly_fail(err, 0, "pod \"%s\" not found", ref);
	/* A pod that moves on between the scan and the read is found
	 * again in its next directory. */
	for (int tries = 0; tries < 3; tries++) {
		fly_pod_info_clear(ret);
		fly_error_clear(err);
		r = find_once(ctx, ref, prefix, ret, err);
		if (r == 0 || err->errnum != ENOENT)
			break;
	}
	return r;
}

int fly_pod_uuid_file_read(const char *file, char **ret, struct fly_error *err)
{
	_cleanup_free_ char *text = NULL;
	char *start, *end;

	if (fly_read_file(file, 4096, &text, NULL, err) < 0)
		return fly_wrap(err, "--uuid-file");
	start = text + strspn(text, " \t\r\n");
	end = start + strcspn(start, " \t\r\n");
	*end = '\0';
	if (*start == '\0')
		return fly_fail(err, 0, "--uuid-file: \"%s\" holds no UUID",
				file);
	*ret = fly_xstrdup(start);
	return 0;
}

int fly_pod_lock_held(const struct fly_ctx *ctx, const char *dir,
		      struct fly_error *err)
{
	_cleanup_close_ int dfd = ctx->sys->sys_open(dir,
						     O_RDONLY | O_DIRECTORY, 0);
	int held;

	if (dfd < 0)
		return fly_fail(err, errno, "open pod directory \"%s\"", dir);
	held = lock_held_fd(dfd);
	if (held < 0)
		return fly_fail(err, errno, "lock \"%s\"", dir);
	return held;
}

static bool strv_has(const struct fly_strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], str) == 0)
			return true;
	return false;
}

int fly_pods_image_ids(const struct fly_ctx *ctx, struct fly_strv *ret,
		       struct fly_error *err)
{
	struct fly_pod_info *pods = NULL;
	size_t n = 0;

	if (fly_pods_list(ctx, &pods, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *id = pods[i].image_id;

		if (pods[i].state >= FLY_POD_EXITED_GARBAGE || !id)
			continue;
		if (!strv_has(ret, id))
			fly_strv_push(ret, id);
	}
	fly_pod_infos_free(pods, n);
	return 0;
}

static bool has_child(const struct fly_mount_entry *const *sel,
		      const bool *done, size_t n, size_t i)
{
	for (size_t j = 0; j < n; j++)
		if (j != i && !done[j] && sel[j]->parent_id == sel[i]->id)
			return true;
	return false;
}

size_t fly_pod_mounts_below(const struct fly_mount_table *t, const char *dir,
			    const struct fly_mount_entry ***ret)
{
	const struct fly_mount_entry **sel = fly_xcalloc(t->n + 1,
							 sizeof(*sel));
	_cleanup_free_ const struct fly_mount_entry **out = NULL;
	_cleanup_free_ bool *done = NULL;
	size_t n = 0, n_out = 0;

	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->entries[i].target, dir) == 0 ||
		    fly_path_is_below(t->entries[i].target, dir))
			sel[n++] = &t->entries[i];
	out = fly_xcalloc(n + 1, sizeof(*out));
	done = fly_xcalloc(n + 1, sizeof(*done));
	/* Take the mounts nothing remaining sits on, later ones first,
	 * until none is left: the mount tree has no cycle. */
	while (n_out < n) {
		for (size_t i = n; i-- > 0;) {
			if (done[i] || has_child(sel, done, n, i))
				continue;
			done[i] = true;
			out[n_out++] = sel[i];
		}
	}
	memcpy(sel, out, n * sizeof(*sel));
	*ret = sel;
	return n;
}

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks
 * since boot. */
static int proc_start_ticks(pid_t pid, unsigned long long *ret,
			    struct fly_error *err)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (fly_read_file(path, 4096, &text, NULL, err) < 0) {
		if (err->errnum == ENOENT)
			return fly_fail(err, ESRCH, "process %ld", (long)pid);
		return -1;
	}
	p = strrchr(text, ')');
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", ret) != 1)
		return fly_fail(err, EINVAL, "parse \"%s\"", path);
	return 0;
}

static long long ns_of(const struct timespec *t)
{
	return (long long)t->tv_sec * FLY_NSEC_PER_SEC + t->tv_nsec;
}

int fly_proc_started_by(pid_t pid, const struct timespec *t,
			struct fly_error *err)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct timespec real, boot;
	unsigned long long ticks;
	long long start_ns, t_boot_ns, tick_ns;

	if (proc_start_ticks(pid, &ticks, err) < 0)
		return -1;
	if (hz <= 0)
		return fly_fail(err, EINVAL, "clock ticks per second");
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	tick_ns = FLY_NSEC_PER_SEC / hz;
	start_ns = (long long)ticks * tick_ns;
	t_boot_ns = ns_of(t) - (ns_of(&real) - ns_of(&boot));
	/* The start time is rounded down to a tick; one tick more absorbs
	 * the gap between the two clock readings. */
	return start_ns <= t_boot_ns + tick_ns;
}
