#include "guard.h"

#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

#include "poison.h"

#define NOT_ROOT "when not running as root"

/* An entry seen so far, by its normalized name ("rootfs/etc/passwd"). */
struct seen {
	char *path;
	mode_t type; /* S_IFMT bits; a hard link has its target's */
};

struct fly_guard {
	bool root;
	bool have_manifest;
	bool have_rootfs;
	void *seen; /* tsearch() tree of struct seen */
};

static int compare_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	return strcmp(x->path, y->path);
}

static void free_seen(void *p)
{
	struct seen *s = p;

	free(s->path);
	free(s);
}

struct fly_guard *fly_guard_new(bool root)
{
	struct fly_guard *g = fly_xcalloc(1, sizeof(*g));

	g->root = root;
	return g;
}

void fly_guard_free(struct fly_guard *g)
{
	if (!g)
		return;
	tdestroy(g->seen, free_seen);
	free(g);
}

void fly_guard_verdict_clear(struct fly_guard_verdict *v)
{
	free(v->path);
	free(v->hardlink);
	v->path = NULL;
	v->hardlink = NULL;
}

char *fly_guard_show_name(const char *name)
{
	char *s = fly_xstrdup(name);

	for (char *p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
	return s;
}

static const struct seen *lookup(const struct fly_guard *g, char *path)
{
	struct seen key = { .path = path };
	void *hit = tfind(&key, &g->seen, compare_seen);

	return hit ? *(struct seen **)hit : NULL;
}

static void remember(struct fly_guard *g, const char *path, mode_t type)
{
	struct seen *s = fly_xmalloc(sizeof(*s));

	s->path = fly_xstrdup(path);
	s->type = type;
	if (!tsearch(s, &g->seen, compare_seen)) {
		fputs("fly: out of memory\n", stderr);
		abort();
	}
}

/* The name without empty and "." components, NULL when it is absolute or
 * has a ".." component. */
static char *normalize(const char *name)
{
	char *out = fly_xmalloc(strlen(name) + 1);
	size_t n = 0;

	if (name[0] == '/') {
		free(out);
		return NULL;
	}
	for (const char *p = name; *p; p += strspn(p, "/")) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			free(out);
			return NULL;
		}
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (n > 0)
				out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
	}
	out[n] = '\0';
	return out;
}

/* The shortest proper prefix of path that an earlier entry made a symlink
 * or another non-directory, or NULL. */
static const struct seen *blocking_prefix(const struct fly_guard *g,
					  const char *path)
{
	_cleanup_free_ char *p = fly_xstrdup(path);

	for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
		const struct seen *hit;

		*s = '\0';
		hit = lookup(g, p);
		*s = '/';
		if (hit && !S_ISDIR(hit->type))
			return hit;
	}
	return NULL;
}

static int fail_prefix(const struct seen *hit, const char *show,
		       const char *what, struct fly_error *err)
{
	_cleanup_free_ char *prefix = fly_guard_show_name(hit->path);

	if (S_ISLNK(hit->type))
		return fly_fail(err, 0,
				"%s: %s goes through the symlink \"%s\"", show,
				what, prefix);
	return fly_fail(err, 0,
			"%s: %s goes through \"%s\", which is not a directory",
			show, what, prefix);
}

static int check_top(const struct fly_guard_entry *e, const char *show,
		     struct fly_guard_verdict *ret, struct fly_error *err)
{
	if (e->hardlink || !S_ISDIR(e->mode))
		return fly_fail(err, 0, "%s: unexpected entry at the top level",
				show);
	ret->kind = FLY_GUARD_SKIP;
	return 0;
}

static int check_manifest(struct fly_guard *g, const struct fly_guard_entry *e,
			  const char *show, struct fly_guard_verdict *ret,
			  struct fly_error *err)
{
	if (e->hardlink || !S_ISREG(e->mode))
		return fly_fail(err, 0, "%s: manifest must be a regular file",
				show);
	if (e->size > FLY_MANIFEST_MAX)
		return fly_fail(err, 0, "%s: manifest is larger than 1 MiB",
				show);

	g->have_manifest = true;
	ret->kind = FLY_GUARD_MANIFEST;
	return 0;
}

static int check_mode(const struct fly_guard *g,
		      const struct fly_guard_entry *e, const char *show,
		      struct fly_error *err)
{
	if (g->root)
		return 0;
	if (!e->hardlink && (S_ISCHR(e->mode) || S_ISBLK(e->mode)))
		return fly_fail(err, 0, "%s: device node refused %s", show,
				NOT_ROOT);
	if (e->mode & (S_ISUID | S_ISGID))
		return fly_fail(err, 0, "%s: setuid or setgid bit refused %s",
				show, NOT_ROOT);
	return 0;
}

/* A hard link may only name an earlier file under rootfs/, reached
 * without a symlink; it then stands for what it names. */
static int check_hardlink(const struct fly_guard *g,
			  const struct fly_guard_entry *e, const char *show,
			  char **ret_link, mode_t *ret_type,
			  struct fly_error *err)
{
	_cleanup_free_ char *target = normalize(e->hardlink);
	_cleanup_free_ char *shown = fly_guard_show_name(e->hardlink);
	_cleanup_free_ char *what = fly_xasprintf("hard link to \"%s\"", shown);
	const struct seen *hit;

	if (!target)
		return fly_fail(err, 0, "%s: %s leaves the image", show, what);
	if (strcmp(target, "rootfs") != 0 &&
	    !fly_str_has_prefix(target, "rootfs/"))
		return fly_fail(err, 0, "%s: %s points outside rootfs/", show,
				what);

	hit = blocking_prefix(g, target);
	if (hit)
		return fail_prefix(hit, show, what, err);

	hit = lookup(g, target);
	if (!hit || S_ISDIR(hit->type))
		return fly_fail(err, 0, "%s: %s does not name an earlier file",
				show, what);
	if (S_ISLNK(hit->type) && e->size > 0)
		return fly_fail(err, 0, "%s: %s carries data into a symlink",
				show, what);

	*ret_type = hit->type;
	*ret_link = fly_xstrdup(target + strlen("rootfs/"));
	return 0;
}

static int check_rootfs_entry(struct fly_guard *g,
			      const struct fly_guard_entry *e, const char *path,
			      const char *show, struct fly_guard_verdict *ret,
			      mode_t *ret_type, struct fly_error *err)
{
	const char *rel = path[strlen("rootfs")] ? path + strlen("rootfs/")
						 : "";
	const struct seen *hit;

	if (!*rel && (e->hardlink || !S_ISDIR(e->mode)))
		return fly_fail(err, 0, "%s: rootfs must be a directory", show);

	hit = blocking_prefix(g, path);
	if (hit)
		return fail_prefix(hit, show, "entry", err);

	if (check_mode(g, e, show, err) < 0)
		return -1;

	*ret_type = e->mode & S_IFMT;
	if (e->hardlink &&
	    check_hardlink(g, e, show, &ret->hardlink, ret_type, err) < 0)
		return -1;

	g->have_rootfs = true;
	ret->kind = FLY_GUARD_ROOTFS;
	ret->path = fly_xstrdup(rel);
	return 0;
}

int fly_guard_check(struct fly_guard *g, const struct fly_guard_entry *e,
		    struct fly_guard_verdict *ret, struct fly_error *err)
{
	_cleanup_free_ char *show = fly_guard_show_name(e->name);
	_cleanup_free_ char *path = normalize(e->name);
	mode_t type = S_IFREG;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!path)
		return fly_fail(err, 0, "%s: entry leaves the image", show);
	if (path[0] == '\0')
		return check_top(e, show, ret, err);
	if (lookup(g, path))
		return fly_fail(err, 0, "%s: duplicate entry", show);

	if (strcmp(path, "manifest") == 0)
		r = check_manifest(g, e, show, ret, err);
	else if (strcmp(path, "rootfs") == 0 ||
		 fly_str_has_prefix(path, "rootfs/"))
		r = check_rootfs_entry(g, e, path, show, ret, &type, err);
	else
		r = fly_fail(err, 0,
			     "%s: unexpected entry at the top level "
			     "(only manifest and rootfs/ belong there)",
			     show);
	if (r < 0) {
		fly_guard_verdict_clear(ret);
		return -1;
	}

	remember(g, path, type);
	return 0;
}

int fly_guard_finish(const struct fly_guard *g, struct fly_error *err)
{
	if (!g->have_manifest)
		return fly_fail(err, 0, "the archive has no manifest");
	if (!g->have_rootfs)
		return fly_fail(err, 0, "the archive has no rootfs/ directory");
	return 0;
}
