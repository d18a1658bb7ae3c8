#include "env.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "types.h"
#include "util.h"
#include "poison.h"

#define ENV_FILE_MAX (16u << 20)

static const struct {
	const char *name;
	const char *value;
} env_defaults[] = {
	{ "PATH", FLY_ENV_DEFAULT_PATH },
	{ "SHELL", "/bin/sh" },
	{ "USER", "root" },
	{ "LOGNAME", "root" },
	{ "HOME", "/root" },
};

/* "NAME=VALUE" strings, at most one per name, NULL-terminated. */
struct env_list {
	char **v;
	size_t n, cap;
};

/* Name/value pairs in the order they were read. */
struct nv_list {
	struct fly_name_value *v;
	size_t n, cap;
};

static void env_list_done(struct env_list *l)
{
	fly_env_free(l->v);
}

static void nv_list_done(struct nv_list *l)
{
	fly_env_list_free(l->v, l->n);
}

static size_t name_len(const char *entry)
{
	return strcspn(entry, "=");
}

static char **env_find(const struct env_list *l, const char *name, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (name_len(l->v[i]) == len && memcmp(l->v[i], name, len) == 0)
			return &l->v[i];
	return NULL;
}

/* Give name (its first len bytes) the value; a name already present keeps
 * its value unless replace is set. */
static void env_set(struct env_list *l, const char *name, size_t len,
		    const char *value, bool replace)
{
	char **slot = env_find(l, name, len);
	char *entry;

	if (slot && !replace)
		return;
	entry = fly_xasprintf("%.*s=%s", (int)len, name, value);
	if (slot) {
		free(*slot);
		*slot = entry;
		return;
	}

	if (l->n + 2 > l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = fly_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = entry;
	l->v[l->n] = NULL;
}

/* Set "NAME=VALUE" from a string known to hold '='. */
static void env_put(struct env_list *l, const char *entry, bool replace)
{
	size_t len = name_len(entry);

	env_set(l, entry, len, entry + len + 1, replace);
}

static int compare_names(const void *a, const void *b)
{
	const char *x = *(char *const *)a;
	const char *y = *(char *const *)b;
	size_t lx = name_len(x), ly = name_len(y);
	int c = memcmp(x, y, lx < ly ? lx : ly);

	if (c != 0)
		return c;
	return (lx > ly) - (lx < ly);
}

void fly_env_free(char **envp)
{
	if (!envp)
		return;
	for (char **e = envp; *e; e++)
		free(*e);
	free(envp);
}

void fly_env_list_free(struct fly_name_value *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++) {
		free(list[i].name);
		free(list[i].value);
	}
	free(list);
}

int fly_env_check_assignment(const char *s, struct fly_error *err)
{
	_cleanup_free_ char *name = NULL;
	const char *eq = strchr(s, '=');

	if (!eq)
		return fly_usage(err,
				 "--set-env: \"%s\" is not of the form "
				 "NAME=VALUE",
				 s);
	name = fly_xasprintf("%.*s", (int)(eq - s), s);
	if (!fly_is_env_name(name))
		return fly_usage(err,
				 "--set-env: \"%s\" is not a valid "
				 "variable name",
				 name);
	return 0;
}

static void add_inherited(struct env_list *l, char *const *inherited)
{
	for (size_t i = 0; inherited && inherited[i]; i++) {
		const char *e = inherited[i];

		if (!strchr(e, '=') || e[0] == '=')
			continue;
		env_put(l, e, false);
	}
}

int fly_env_compose(const struct fly_env_sources *src, char ***ret_envp,
		    struct fly_error *err)
{
	_cleanup_(env_list_done) struct env_list l = { 0 };

	for (size_t i = 0; i < src->n_set; i++)
		if (fly_env_check_assignment(src->set[i], err) < 0)
			return -1;

	for (size_t i = 0; i < src->n_image; i++)
		env_set(&l, src->image[i].name, strlen(src->image[i].name),
			src->image[i].value, true);
	for (size_t i = 0; i < src->n_file; i++)
		env_set(&l, src->file[i].name, strlen(src->file[i].name),
			src->file[i].value, true);
	for (size_t i = 0; i < src->n_set; i++)
		env_put(&l, src->set[i], true);
	add_inherited(&l, src->inherited);

	for (size_t i = 0; i < sizeof(env_defaults) / sizeof(*env_defaults);
	     i++)
		env_set(&l, env_defaults[i].name, strlen(env_defaults[i].name),
			env_defaults[i].value, false);
	env_set(&l, "AC_APP_NAME", strlen("AC_APP_NAME"), src->app_name, true);
	env_set(&l, "container", strlen("container"), "fly", true);

	qsort(l.v, l.n, sizeof(*l.v), compare_names);
	*ret_envp = FLY_TAKE(l.v);
	return 0;
}

static void nv_add(struct nv_list *l, const char *name, size_t len,
		   const char *value)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = fly_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].name = fly_xasprintf("%.*s", (int)len, name);
	l->v[l->n].value = fly_xstrdup(value);
	l->n++;
}

/* One line of an env file (len bytes, its "\n" replaced by a NUL). */
static int parse_env_line(char *line, size_t len, struct nv_list *l,
			  struct fly_error *err)
{
	const char *p = line + strspn(line, " \t\r\v\f");
	_cleanup_free_ char *name = NULL;
	const char *eq;

	if (strlen(line) != len)
		return fly_fail(err, 0, "a NUL byte in the line");
	if (len > 0 && line[len - 1] == '\r')
		line[len - 1] = '\0';
	if (*p == '\0' || *p == '#' || *p == ';')
		return 0;

	eq = strchr(line, '=');
	if (!eq)
		return fly_fail(err, 0,
				"\"%.80s\" is not of the form "
				"NAME=VALUE",
				line);
	name = fly_xasprintf("%.*s", (int)(eq - line), line);
	if (!fly_is_env_name(name))
		return fly_fail(err, 0,
				"\"%.80s\" is not a valid variable "
				"name",
				name);

	nv_add(l, line, (size_t)(eq - line), eq + 1);
	return 0;
}

int fly_env_file_parse(const char *path, struct fly_name_value **ret,
		       size_t *ret_n, struct fly_error *err)
{
	_cleanup_(nv_list_done) struct nv_list l = { 0 };
	_cleanup_free_ char *data = NULL;
	size_t len, lineno = 0;

	if (fly_read_file(path, ENV_FILE_MAX, &data, &len, err) < 0)
		return -1;

	for (char *line = data, *end; line < data + len; line = end + 1) {
		end = memchr(line, '\n', (size_t)(data + len - line));
		if (!end)
			end = data + len;
		*end = '\0';
		lineno++;
		if (parse_env_line(line, (size_t)(end - line), &l, err) < 0)
			return fly_wrap(err, "\"%s\" line %zu", path, lineno);
	}

	*ret_n = l.n;
	l.n = 0;
	*ret = FLY_TAKE(l.v);
	return 0;
}

int fly_env_write(const struct fly_ctx *ctx, const char *path,
		  char *const *envp, struct fly_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, off = 0;

	for (size_t i = 0; envp[i]; i++)
		len += strlen(envp[i]) + 1;
	buf = fly_xmalloc(len);
	for (size_t i = 0; envp[i]; i++) {
		size_t n = strlen(envp[i]) + 1;

		memcpy(buf + off, envp[i], n);
		off += n;
	}

	return fly_write_file(ctx, path, buf, len, 0600, false, err);
}

int fly_env_read(const char *path, char ***ret_envp, struct fly_error *err)
{
	_cleanup_(env_list_done) struct env_list l = { 0 };
	_cleanup_free_ char *data = NULL;
	size_t len, i = 0;

	if (fly_read_file(path, ENV_FILE_MAX, &data, &len, err) < 0)
		return -1;
	if (len > 0 && data[len - 1] != '\0')
		return fly_fail(err, 0,
				"\"%s\": the last entry has no "
				"terminating NUL byte",
				path);

	for (size_t off = 0; off < len; off += strlen(data + off) + 1, i++) {
		const char *e = data + off;

		if (!strchr(e, '=') || e[0] == '=')
			return fly_fail(err, 0,
					"\"%s\": entry %zu is not of "
					"the form NAME=VALUE",
					path, i + 1);
		env_put(&l, e, true);
	}
	if (!l.v)
		l.v = fly_xcalloc(1, sizeof(*l.v));

	*ret_envp = FLY_TAKE(l.v);
	return 0;
}

const char *fly_env_path(char *const *envp)
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (fly_str_has_prefix(envp[i], "PATH="))
			return envp[i] + 5;
	return FLY_ENV_DEFAULT_PATH;
}
