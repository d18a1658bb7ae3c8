#include "volumes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "types.h"
#include "util.h"
#include "poison.h"

void fly_pod_mount_clear(struct fly_pod_mount *m)
{
	if (!m)
		return;
	free(m->volume);
	free(m->path);
	fly_pod_volume_clear(m->app_volume);
	free(m->app_volume);
	memset(m, 0, sizeof(*m));
}

static int parse_bool(const char *flag, const char *key, const char *value,
		      enum fly_tristate *ret, struct fly_error *err)
{
	if (strcmp(value, "true") == 0)
		*ret = FLY_TRUE;
	else if (strcmp(value, "false") == 0)
		*ret = FLY_FALSE;
	else
		return fly_usage(err, "%s: %s=\"%s\" is not true or false",
				 flag, key, value);
	return 0;
}

static int parse_id(const char *key, const char *value, unsigned long max,
		    unsigned long *ret, int base, struct fly_error *err)
{
	char *end;

	errno = 0;
	*ret = strtoul(value, &end, base);
	if (!value[0] || *end || errno || *ret > max || value[0] == '-')
		return fly_usage(err, "--volume: %s=\"%s\" is not valid", key,
				 value);
	return 0;
}

static int volume_option(struct fly_pod_volume *v, const char *key,
			 const char *value, bool *has_kind,
			 struct fly_error *err)
{
	unsigned long n;

	if (strcmp(key, "kind") == 0) {
		if (strcmp(value, "host") && strcmp(value, "empty"))
			return fly_usage(err,
					 "--volume: kind=\"%s\" is not "
					 "host or empty",
					 value);
		v->kind = value[0] == 'h' ? FLY_POD_VOLUME_HOST
					  : FLY_POD_VOLUME_EMPTY;
		*has_kind = true;
	} else if (strcmp(key, "source") == 0) {
		free(v->source);
		v->source = fly_xstrdup(value);
	} else if (strcmp(key, "readOnly") == 0) {
		return parse_bool("--volume", key, value, &v->read_only, err);
	} else if (strcmp(key, "recursive") == 0) {
		return parse_bool("--volume", key, value, &v->recursive, err);
	} else if (strcmp(key, "mode") == 0) {
		if (parse_id(key, value, 07777, &n, 8, err) < 0)
			return -1;
		v->mode = (mode_t)n;
	} else if (strcmp(key, "uid") == 0 || strcmp(key, "gid") == 0) {
		if (parse_id(key, value, 0xfffffffeUL, &n, 10, err) < 0)
			return -1;
		*(key[0] == 'u' ? &v->uid : &v->gid) = (uid_t)n;
	} else {
		return fly_usage(err, "--volume: unknown option \"%s\"", key);
	}
	return 0;
}

/* Rules that need the whole volume: what each kind allows. */
static int check_volume(const struct fly_pod_volume *v, const char *given,
			struct fly_error *err)
{
	bool host = v->kind == FLY_POD_VOLUME_HOST;

	if (host && !v->source)
		return fly_usage(
			err, "--volume %s: kind=host needs source=", v->name);
	if (host && v->source[0] != '/')
		return fly_usage(err,
				 "--volume %s: source=\"%s\" is not an "
				 "absolute path",
				 v->name, v->source);
	if (!host && v->source)
		return fly_usage(err,
				 "--volume %s: source= is only for "
				 "kind=host",
				 v->name);
	if (!host && v->recursive != FLY_UNSET)
		return fly_usage(err,
				 "--volume %s: recursive= is only for "
				 "kind=host",
				 v->name);
	if (host && (strstr(given, ",mode=") || strstr(given, ",uid=") ||
		     strstr(given, ",gid=")))
		return fly_usage(err,
				 "--volume %s: mode, uid and gid are "
				 "only for kind=empty",
				 v->name);
	return 0;
}

int fly_volume_parse(const char *arg, struct fly_pod_volume *ret,
		     struct fly_error *err)
{
	_cleanup_free_ char *copy = fly_xstrdup(arg);
	char *save = NULL, *item;
	bool has_kind = false;

	memset(ret, 0, sizeof(*ret));
	ret->mode = FLY_EMPTY_VOLUME_MODE;
	ret->uid = FLY_EMPTY_VOLUME_UID;
	ret->gid = FLY_EMPTY_VOLUME_GID;
	item = strtok_r(copy, ",", &save);
	if (!item || strchr(item, '=') || !fly_is_acname(item))
		return fly_usage(err,
				 "--volume \"%s\": must start with a "
				 "volume name (lower-case letters, digits "
				 "and single dashes)",
				 arg);
	ret->name = fly_xstrdup(item);
	while ((item = strtok_r(NULL, ",", &save))) {
		char *eq = strchr(item, '=');

		if (!eq)
			return fly_usage(err,
					 "--volume %s: \"%s\" is not "
					 "KEY=VALUE",
					 ret->name, item);
		*eq = '\0';
		if (volume_option(ret, item, eq + 1, &has_kind, err) < 0)
			return -1;
	}
	if (!has_kind)
		return fly_usage(err,
				 "--volume %s: kind= is required (host "
				 "or empty)",
				 ret->name);
	return check_volume(ret, arg, err);
}

int fly_mount_parse(const char *arg, struct fly_pod_mount *ret,
		    struct fly_error *err)
{
	_cleanup_free_ char *copy = fly_xstrdup(arg);
	char *save = NULL, *item;

	memset(ret, 0, sizeof(*ret));
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		char **slot;

		if (eq)
			*eq = '\0';
		slot = !eq                           ? NULL
		       : strcmp(item, "volume") == 0 ? &ret->volume
		       : strcmp(item, "target") == 0 ? &ret->path
						     : NULL;
		if (!slot)
			return fly_usage(err,
					 "--mount \"%s\": expected "
					 "volume=NAME,target=PATH",
					 arg);
		free(*slot);
		*slot = fly_xstrdup(eq + 1);
	}
	if (!ret->volume || !ret->path || !ret->path[0])
		return fly_usage(err,
				 "--mount \"%s\": expected "
				 "volume=NAME,target=PATH",
				 arg);
	if (ret->path[0] != '/')
		return fly_usage(err,
				 "--mount \"%s\": target must be an "
				 "absolute path",
				 arg);
	return 0;
}

static const struct fly_pod_volume *find_volume(const struct fly_pod_volume *v,
						size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

static const struct fly_mount_point *find_point(const struct fly_mount_point *p,
						size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			return &p[i];
	return NULL;
}

static int check_unique(const struct fly_pod_volume *volumes, size_t n_volumes,
			const struct fly_pod_mount *mounts, size_t n_mounts,
			struct fly_error *err)
{
	for (size_t i = 0; i < n_volumes; i++)
		if (find_volume(volumes, i, volumes[i].name))
			return fly_fail(err, 0, "duplicate volume name \"%s\"",
					volumes[i].name);
	for (size_t i = 0; i < n_mounts; i++) {
		if (!find_volume(volumes, n_volumes, mounts[i].volume))
			return fly_fail(err, 0,
					"--mount: no volume named "
					"\"%s\"",
					mounts[i].volume);
		for (size_t j = 0; j < i; j++)
			if (strcmp(mounts[j].volume, mounts[i].volume) == 0 ||
			    strcmp(mounts[j].path, mounts[i].path) == 0)
				return fly_fail(err, 0,
						"duplicate mount: "
						"volume \"%s\" on \"%s\"",
						mounts[i].volume,
						mounts[i].path);
	}
	return 0;
}

static void add_use(struct fly_volume_use **uses, size_t *n,
		    const struct fly_pod_volume *v, const char *target,
		    const struct fly_mount_point *point)
{
	struct fly_volume_use *u;

	*uses = fly_xrealloc(*uses, (*n + 1) * sizeof(**uses));
	u = &(*uses)[(*n)++];
	u->volume = v;
	u->target = fly_xstrdup(target);
	u->read_only = v->read_only != FLY_UNSET ? v->read_only == FLY_TRUE
		       : point                   ? point->read_only
						 : false;
	u->recursive = v->recursive == FLY_TRUE;
}

static const struct fly_pod_mount *find_mount(const struct fly_pod_mount *m,
					      size_t n, const char *volume)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].volume, volume) == 0)
			return &m[i];
	return NULL;
}

int fly_volumes_resolve(const struct fly_mount_point *points, size_t n_points,
			const struct fly_pod_volume *volumes, size_t n_volumes,
			const struct fly_pod_mount *mounts, size_t n_mounts,
			struct fly_volume_use **ret, size_t *ret_n,
			struct fly_error *err)
{
	struct fly_volume_use *uses = NULL;
	size_t n = 0;

	if (check_unique(volumes, n_volumes, mounts, n_mounts, err) < 0)
		return -1;
	for (size_t i = 0; i < n_points; i++) {
		const struct fly_mount_point *p = &points[i];
		const struct fly_pod_mount *m = find_mount(mounts, n_mounts,
							   p->name);
		const struct fly_pod_volume *v = find_volume(volumes, n_volumes,
							     p->name);

		if (m && strcmp(m->path, p->path) != 0) {
			fly_volume_uses_free(uses, n);
			return fly_fail(err, 0,
					"conflicting path information "
					"for mount point \"%s\": --mount "
					"says \"%s\", the image \"%s\"",
					p->name, m->path, p->path);
		}
		if (!v) {
			fly_volume_uses_free(uses, n);
			return fly_fail(err, 0,
					"missing volume for mountpoint "
					"\"%s\"",
					p->name);
		}
		add_use(&uses, &n, v, p->path, p);
	}
	for (size_t i = 0; i < n_mounts; i++)
		if (!find_point(points, n_points, mounts[i].volume))
			add_use(&uses, &n,
				find_volume(volumes, n_volumes,
					    mounts[i].volume),
				mounts[i].path, NULL);
	*ret = uses;
	*ret_n = n;
	return 0;
}

void fly_volume_uses_free(struct fly_volume_use *uses, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(uses[i].target);
	free(uses);
}
