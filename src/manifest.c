/* The appc image manifest, and the pieces the pod manifest shares with
 * it.  Validation is strict: every field is checked for its JSON type and
 * its appc rules, and every message starts with the JSON path of the
 * offending value.
 *
 * Two deliberate choices:
 * - Unknown keys are errors.  appc gives extensions their own places
 *   (annotations, userAnnotations, userLabels), so an unknown key is most
 *   often a misspelt known one ("readonly"), and ignoring it would quietly
 *   change what runs.
 * - null in an optional field means "absent".  Manifests written by the
 *   Go appc library carry "exec": null for an app without a command. */
#include "manifest.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types.h"
#include "util.h"

#include "poison.h"

#define ACIDENTIFIER_HINT \
	"lower-case letters and digits, joined by one of - . _ ~ /"
#define ACNAME_HINT "lower-case letters and digits, joined by -"
#define ENV_NAME_HINT "a letter or _, then letters, digits, _ . or -"
#define IMAGE_ID_HINT "sha512- and 128 lower-case hex digits"
#define MAX_ID_VALUE ((json_int_t)UINT32_MAX - 1)

/* ---- JSON checking ---- */

static const char *kind_name(enum fly_json_kind kind)
{
	static const char *const names[] = {
		[FLY_JSON_STRING] = "a string",  [FLY_JSON_BOOL] = "a boolean",
		[FLY_JSON_INT] = "an integer",   [FLY_JSON_ARRAY] = "an array",
		[FLY_JSON_OBJECT] = "an object", [FLY_JSON_ANY] = "a value",
	};

	return names[kind];
}

static const char *value_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a fractional number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "an unknown value";
}

static bool has_kind(const json_t *v, enum fly_json_kind kind)
{
	switch (kind) {
	case FLY_JSON_STRING:
		return json_is_string(v);
	case FLY_JSON_BOOL:
		return json_is_boolean(v);
	case FLY_JSON_INT:
		return json_is_integer(v);
	case FLY_JSON_ARRAY:
		return json_is_array(v);
	case FLY_JSON_OBJECT:
		return json_is_object(v);
	case FLY_JSON_ANY:
		return true;
	}
	return false;
}

static int check_kind(const json_t *v, const char *path,
		      enum fly_json_kind kind, struct fly_error *err)
{
	if (has_kind(v, kind))
		return 0;
	return fly_json_fail(err, path, "expected %s, got %s", kind_name(kind),
			     value_name(v));
}

/* s as a JSON string literal: quoted, control characters escaped. */
static char *quote(const char *s)
{
	json_auto_t *str = json_string(s);
	char *q = str ? json_dumps(str, JSON_ENCODE_ANY) : NULL;

	return q ? q : fly_xstrdup("\"?\"");
}

static char *index_path(const char *path, size_t i)
{
	return fly_xasprintf("%s[%zu]", path, i);
}

int(fly_json_fail)(struct fly_error *err, const char *path, const char *fmt,
		   ...)
{
	char msg[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path && *path)
		return fly_fail(err, 0, "%s: %s", path, msg);
	return fly_fail(err, 0, "%s", msg);
}

int(fly_json_fail_value)(struct fly_error *err, const char *path,
			 const char *value, const char *fmt, ...)
{
	_cleanup_free_ char *quoted = quote(value);
	char msg[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fly_json_fail(err, path, "%s %s", quoted, msg);
}

char *fly_json_path(const char *path, const char *key)
{
	if (!path || !*path)
		return fly_xstrdup(key);
	return fly_xasprintf("%s.%s", path, key);
}

json_t *fly_json_get(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

static const struct fly_json_field *find_field(
	const struct fly_json_field *fields, const char *key)
{
	for (; fields->key; fields++)
		if (strcmp(fields->key, key) == 0)
			return fields;
	return NULL;
}

static int check_member(const struct fly_json_field *field, json_t *v,
			const char *path, const char *key,
			struct fly_error *err)
{
	_cleanup_free_ char *p = fly_json_path(path, key);

	if (!field)
		return fly_json_fail(err, p, "unknown field");
	if (json_is_null(v) && !field->required)
		return 0;
	return check_kind(v, p, field->kind, err);
}

int fly_json_check_object(json_t *v, const char *path,
			  const struct fly_json_field *fields,
			  struct fly_error *err)
{
	const char *key;
	json_t *member;

	if (check_kind(v, path, FLY_JSON_OBJECT, err) < 0)
		return -1;
	json_object_foreach(v, key, member)
	{
		if (check_member(find_field(fields, key), member, path, key,
				 err) < 0)
			return -1;
	}
	for (; fields->key; fields++)
		if (fields->required && !json_object_get(v, fields->key))
			return fly_json_fail(err, path,
					     "missing required field \"%s\"",
					     fields->key);
	return 0;
}

int fly_json_int(json_t *v, const char *path, json_int_t min, json_int_t max,
		 json_int_t *ret, struct fly_error *err)
{
	json_int_t n;

	if (check_kind(v, path, FLY_JSON_INT, err) < 0)
		return -1;
	n = json_integer_value(v);
	if (n < min || n > max)
		return fly_json_fail(err, path,
				     "%" JSON_INTEGER_FORMAT " is out of range"
				     " (%" JSON_INTEGER_FORMAT
				     " to %" JSON_INTEGER_FORMAT ")",
				     n, min, max);
	if (ret)
		*ret = n;
	return 0;
}

int fly_json_load(const char *text, size_t len, json_t **ret,
		  struct fly_error *err)
{
	json_error_t jerr;
	json_auto_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES,
				       &jerr);

	if (!root)
		return fly_fail(err, 0, "line %d column %d: %s", jerr.line,
				jerr.column, jerr.text);
	if (check_kind(root, "", FLY_JSON_OBJECT, err) < 0)
		return -1;
	*ret = FLY_TAKE(root);
	return 0;
}

/* A JSON string member that must be present (checked before). */
static const char *string_of(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int check_required_string(json_t *obj, const char *key,
				 struct fly_error *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return fly_json_fail(err, "", "missing required field \"%s\"",
				     key);
	return check_kind(v, key, FLY_JSON_STRING, err);
}

static bool is_zero_version(const char *v)
{
	return strncmp(v, "0.0.0", 5) == 0 && (v[5] == '\0' || v[5] == '+');
}

int fly_manifest_check_header(json_t *root, const char *kind,
			      char **ret_version, struct fly_error *err)
{
	const char *version;

	if (check_required_string(root, "acKind", err) < 0)
		return -1;
	if (strcmp(string_of(root, "acKind"), kind) != 0) {
		_cleanup_free_ char *got = quote(string_of(root, "acKind"));

		return fly_json_fail(err, "acKind", "expected \"%s\", got %s",
				     kind, got);
	}
	if (check_required_string(root, "acVersion", err) < 0)
		return -1;
	version = string_of(root, "acVersion");
	if (!fly_is_semver(version))
		return fly_json_fail_value(err, "acVersion", version,
					   "is not a semantic version"
					   " (such as 0.8.11)");
	if (is_zero_version(version))
		return fly_json_fail_value(err, "acVersion", version,
					   "is not a valid appc version");
	*ret_version = fly_xstrdup(version);
	return 0;
}

/* ---- value checks ---- */

int fly_json_check_acidentifier(const char *name, const char *path,
				struct fly_error *err)
{
	if (fly_is_acidentifier(name))
		return 0;
	return fly_json_fail_value(err, path, name, "is not a valid name (%s)",
				   ACIDENTIFIER_HINT);
}

int fly_json_check_acname(const char *name, const char *path,
			  struct fly_error *err)
{
	if (fly_is_acname(name))
		return 0;
	return fly_json_fail_value(err, path, name, "is not a valid name (%s)",
				   ACNAME_HINT);
}

int fly_json_check_image_id(const char *id, const char *path,
			    struct fly_error *err)
{
	if (fly_is_image_id(id))
		return 0;
	return fly_json_fail_value(err, path, id, "is not an image ID (%s)",
				   IMAGE_ID_HINT);
}

int fly_json_check_absolute(const char *s, const char *path,
			    struct fly_error *err)
{
	if (s[0] == '/')
		return 0;
	return fly_json_fail_value(err, path, s, "is not an absolute path");
}

/* ---- JSON writing ---- */

/* False when v is NULL: a string was not valid UTF-8 (or memory ran out)
 * while v was built. */
bool fly_json_put(json_t *obj, const char *key, json_t *v)
{
	return v && json_object_set_new(obj, key, v) == 0;
}

/* Like fly_json_put(), but an empty array or object is left out. */
bool fly_json_put_list(json_t *obj, const char *key, json_t *v)
{
	size_t n = json_is_array(v) ? json_array_size(v) : json_object_size(v);

	if (v && n == 0) {
		json_decref(v);
		return true;
	}
	return fly_json_put(obj, key, v);
}

/* ---- string lists ---- */

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static void strv_freep(char ***v)
{
	strv_free(*v);
}

/* An array of strings (v NULL: absent) as a NULL-terminated vector. */
static int parse_strv(json_t *v, const char *path, char ***ret,
		      struct fly_error *err)
{
	_cleanup_(strv_freep) char **list = NULL;
	json_t *item;
	size_t i;

	if (v && check_kind(v, path, FLY_JSON_ARRAY, err) < 0)
		return -1;
	list = fly_xcalloc(json_array_size(v) + 1, sizeof(*list));
	json_array_foreach(v, i, item)
	{
		_cleanup_free_ char *p = index_path(path, i);

		if (check_kind(item, p, FLY_JSON_STRING, err) < 0)
			return -1;
		list[i] = fly_xstrdup(json_string_value(item));
	}
	*ret = FLY_TAKE(list);
	return 0;
}

/* A command: non-empty when required, and never an empty program. */
static int check_exec(char *const *exec, const char *path, bool required,
		      struct fly_error *err)
{
	if (!exec[0] && required)
		return fly_json_fail(err, path, "must not be empty");
	if (exec[0] && !*exec[0]) {
		_cleanup_free_ char *p = index_path(path, 0);

		return fly_json_fail(err, p, "empty program name");
	}
	return 0;
}

static json_t *strv_to_json(char *const *v)
{
	json_t *arr = json_array();

	for (; v && *v; v++)
		if (json_array_append_new(arr, json_string(*v)) < 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

/* ---- {name, value} lists ---- */

struct nv_rules {
	const char *what; /* for duplicates: "label" */
	bool (*valid_name)(const char *name);
	const char *name_hint;
	int (*check)(const struct fly_name_value *nv, const char *path,
		     struct fly_error *err);
};

static const struct fly_json_field nv_fields[] = {
	{ "name", FLY_JSON_STRING, true },
	{ "value", FLY_JSON_STRING, true },
	{ NULL, FLY_JSON_ANY, false },
};

static int parse_name_value(json_t *v, const char *path,
			    const struct nv_rules *rules,
			    struct fly_name_value *ret, struct fly_error *err)
{
	_cleanup_free_ char *name_path = fly_json_path(path, "name");
	const char *name;

	if (fly_json_check_object(v, path, nv_fields, err) < 0)
		return -1;
	name = string_of(v, "name");
	if (!rules->valid_name(name))
		return fly_json_fail_value(err, name_path, name,
					   "is not a valid name (%s)",
					   rules->name_hint);
	ret->name = fly_xstrdup(name);
	ret->value = fly_xstrdup(string_of(v, "value"));
	return rules->check ? rules->check(ret, path, err) : 0;
}

/* Entry i of a {name, value} list, checked against entries before it. */
static int parse_list_entry(json_t *item, const char *path, size_t i,
			    const struct nv_rules *rules,
			    struct fly_name_value *list, struct fly_error *err)
{
	_cleanup_free_ char *p = index_path(path, i);

	if (parse_name_value(item, p, rules, &list[i], err) < 0)
		return -1;
	if (fly_name_value_get(list, i, list[i].name))
		return fly_json_fail(err, p, "duplicate %s \"%s\"", rules->what,
				     list[i].name);
	return 0;
}

static int parse_name_values(json_t *v, const char *path,
			     const struct nv_rules *rules,
			     struct fly_name_value **ret, size_t *ret_n,
			     struct fly_error *err)
{
	struct fly_name_value *list;
	json_t *item;
	size_t i;

	*ret = NULL;
	*ret_n = 0;
	if (!v)
		return 0;
	if (check_kind(v, path, FLY_JSON_ARRAY, err) < 0)
		return -1;
	list = fly_xcalloc(json_array_size(v), sizeof(*list));
	json_array_foreach(v, i, item)
	{
		if (parse_list_entry(item, path, i, rules, list, err) < 0) {
			fly_name_values_free(list, i + 1);
			return -1;
		}
	}
	*ret = list;
	*ret_n = i;
	return 0;
}

static int check_label(const struct fly_name_value *nv, const char *path,
		       struct fly_error *err)
{
	_cleanup_free_ char *p = fly_json_path(path, "name");

	if (strcmp(nv->name, "name") == 0)
		return fly_json_fail(err, p,
				     "\"name\" is not allowed as a"
				     " label (it is the image's own name)");
	return 0;
}

static char *label_value_path(const struct fly_name_value *list, size_t n,
			      const char *name, const char *path)
{
	size_t i = 0;

	while (i < n && strcmp(list[i].name, name) != 0)
		i++;
	return fly_xasprintf("%s[%zu].value", path, i);
}

/* arch is only meaningful with an os, so it is checked only then. */
static int check_os_arch(const struct fly_name_value *list, size_t n,
			 const char *path, struct fly_error *err)
{
	const char *os = fly_name_value_get(list, n, "os");
	const char *arch = fly_name_value_get(list, n, "arch");

	if (os && !fly_is_os(os)) {
		_cleanup_free_ char *p = label_value_path(list, n, "os", path);

		return fly_json_fail_value(err, p, os,
					   "is not a supported os"
					   " (linux, freebsd or darwin)");
	}
	if (os && arch && !fly_is_arch_for_os(os, arch)) {
		_cleanup_free_ char *p = label_value_path(list, n, "arch",
							  path);

		return fly_json_fail_value(
			err, p, arch, "is not a valid arch for os \"%s\"", os);
	}
	return 0;
}

static int check_annotation(const struct fly_name_value *nv, const char *path,
			    struct fly_error *err)
{
	_cleanup_free_ char *p = fly_json_path(path, "value");
	bool is_url = strcmp(nv->name, "homepage") == 0 ||
		      strcmp(nv->name, "documentation") == 0;

	if (strcmp(nv->name, "created") == 0 && !fly_is_rfc3339(nv->value))
		return fly_json_fail_value(err, p, nv->value,
					   "is not an RFC 3339 timestamp"
					   " (such as 2016-04-01T12:00:00Z)");
	if (is_url && !fly_is_http_url(nv->value))
		return fly_json_fail_value(err, p, nv->value,
					   "is not an http or https URL");
	return 0;
}

static const struct nv_rules label_rules = {
	"label",
	fly_is_acidentifier,
	ACIDENTIFIER_HINT,
	check_label,
};
static const struct nv_rules annotation_rules = {
	"annotation",
	fly_is_acidentifier,
	ACIDENTIFIER_HINT,
	check_annotation,
};
static const struct nv_rules env_rules = {
	"environment variable",
	fly_is_env_name,
	ENV_NAME_HINT,
	NULL,
};

int fly_labels_parse(json_t *v, const char *path, struct fly_name_value **ret,
		     size_t *ret_n, struct fly_error *err)
{
	if (parse_name_values(v, path, &label_rules, ret, ret_n, err) < 0)
		return -1;
	if (check_os_arch(*ret, *ret_n, path, err) < 0) {
		fly_name_values_free(*ret, *ret_n);
		*ret = NULL;
		*ret_n = 0;
		return -1;
	}
	return 0;
}

int fly_annotations_parse(json_t *v, const char *path,
			  struct fly_name_value **ret, size_t *ret_n,
			  struct fly_error *err)
{
	return parse_name_values(v, path, &annotation_rules, ret, ret_n, err);
}

int fly_string_map_parse(json_t *v, const char *path,
			 struct fly_name_value **ret, size_t *ret_n,
			 struct fly_error *err)
{
	struct fly_name_value *list;
	const char *key;
	json_t *item;
	size_t n = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!v)
		return 0;
	if (check_kind(v, path, FLY_JSON_OBJECT, err) < 0)
		return -1;
	list = fly_xcalloc(json_object_size(v), sizeof(*list));
	json_object_foreach(v, key, item)
	{
		_cleanup_free_ char *p = fly_json_path(path, key);

		if (check_kind(item, p, FLY_JSON_STRING, err) < 0) {
			fly_name_values_free(list, n);
			return -1;
		}
		list[n].name = fly_xstrdup(key);
		list[n++].value = fly_xstrdup(json_string_value(item));
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

void fly_name_values_free(struct fly_name_value *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++) {
		free(list[i].name);
		free(list[i].value);
	}
	free(list);
}

const char *fly_name_value_get(const struct fly_name_value *list, size_t n,
			       const char *name)
{
	for (size_t i = 0; list && i < n; i++)
		if (strcmp(list[i].name, name) == 0)
			return list[i].value;
	return NULL;
}

json_t *fly_name_values_to_json(const struct fly_name_value *list, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *nv = json_pack("{s:s, s:s}", "name", list[i].name,
				       "value", list[i].value);

		if (json_array_append_new(arr, nv) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *fly_string_map_to_json(const struct fly_name_value *list, size_t n)
{
	json_t *obj = json_object();

	for (size_t i = 0; i < n; i++) {
		json_t *value = list[i].name ? json_string(list[i].value)
					     : NULL;

		if (!fly_json_put(obj, list[i].name, value)) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

/* ---- isolators ---- */

static int fail_at_key(struct fly_error *err, const char *path, const char *key,
		       const char *msg)
{
	_cleanup_free_ char *p = fly_json_path(path, key);

	return fly_json_fail(err, p, "%s", msg);
}

/* A quantity member, when present: valid and not negative. */
static int check_quantity(json_t *obj, const char *key, const char *path,
			  struct fly_error *err)
{
	_cleanup_free_ char *p = fly_json_path(path, key);
	json_t *v = fly_json_get(obj, key);
	const char *s = json_string_value(v);

	if (!v)
		return 0;
	if (!fly_is_quantity(s))
		return fly_json_fail_value(err, p, s,
					   "is not a quantity"
					   " (such as 500m, 1.5Gi or 1e3)");
	if (*s == '-')
		return fly_json_fail_value(err, p, s, "is negative");
	return 0;
}

static const struct fly_json_field request_limit_fields[] = {
	{ "request", FLY_JSON_STRING, false },
	{ "limit", FLY_JSON_STRING, false },
	{ "default", FLY_JSON_BOOL, false },
	{ NULL, FLY_JSON_ANY, false },
};

/* resource/cpu and resource/memory. */
static int check_request_limit(json_t *value, const char *path,
			       struct fly_error *err)
{
	if (fly_json_check_object(value, path, request_limit_fields, err) < 0 ||
	    check_quantity(value, "request", path, err) < 0 ||
	    check_quantity(value, "limit", path, err) < 0)
		return -1;
	if (json_is_true(fly_json_get(value, "default")))
		return fail_at_key(err, path, "default",
				   "must be false for this resource");
	return 0;
}

static const struct fly_json_field default_limit_fields[] = {
	{ "default", FLY_JSON_BOOL, true },
	{ "limit", FLY_JSON_STRING, false },
	{ "request", FLY_JSON_STRING, false },
	{ NULL, FLY_JSON_ANY, false },
};

/* resource/block-bandwidth, resource/block-iops and
 * resource/network-bandwidth: a limit that applies to every device. */
static int check_default_limit(json_t *value, const char *path,
			       struct fly_error *err)
{
	if (fly_json_check_object(value, path, default_limit_fields, err) < 0 ||
	    check_quantity(value, "limit", path, err) < 0)
		return -1;
	if (fly_json_get(value, "request"))
		return fail_at_key(err, path, "request",
				   "not supported by this resource; give a"
				   " limit");
	if (!json_is_true(json_object_get(value, "default")))
		return fail_at_key(err, path, "default",
				   "must be true for this resource");
	return 0;
}

/* value.set: a non-empty array of non-empty strings. */
static int check_name_set(json_t *value, const char *path,
			  struct fly_error *err)
{
	_cleanup_free_ char *p = fly_json_path(path, "set");
	json_t *set = json_object_get(value, "set");
	json_t *item;
	size_t i;

	if (json_array_size(set) == 0)
		return fly_json_fail(err, p, "must not be empty");
	json_array_foreach(set, i, item)
	{
		_cleanup_free_ char *ip = index_path(p, i);

		if (check_kind(item, ip, FLY_JSON_STRING, err) < 0)
			return -1;
		if (!*json_string_value(item))
			return fly_json_fail(err, ip, "must not be empty");
	}
	return 0;
}

static const struct fly_json_field capability_fields[] = {
	{ "set", FLY_JSON_ARRAY, true },
	{ NULL, FLY_JSON_ANY, false },
};

static int check_capabilities(json_t *value, const char *path,
			      struct fly_error *err)
{
	if (fly_json_check_object(value, path, capability_fields, err) < 0)
		return -1;
	return check_name_set(value, path, err);
}

/* An all-uppercase errno name such as EPERM or E2BIG. */
static bool is_errno_name(const char *s)
{
	if (s[0] != 'E' || !s[1])
		return false;
	for (s++; *s; s++)
		if (!(*s >= 'A' && *s <= 'Z') && !(*s >= '0' && *s <= '9'))
			return false;
	return true;
}

static const struct fly_json_field seccomp_fields[] = {
	{ "set", FLY_JSON_ARRAY, true },
	{ "errno", FLY_JSON_STRING, false },
	{ NULL, FLY_JSON_ANY, false },
};

/* An empty errno means the default: blocked calls kill with SIGSYS. */
static int check_seccomp(json_t *value, const char *path, struct fly_error *err)
{
	_cleanup_free_ char *p = fly_json_path(path, "errno");
	const char *name;

	if (fly_json_check_object(value, path, seccomp_fields, err) < 0 ||
	    check_name_set(value, path, err) < 0)
		return -1;
	name = json_string_value(fly_json_get(value, "errno"));
	if (name && *name && !is_errno_name(name))
		return fly_json_fail_value(err, p, name,
					   "is not an errno name"
					   " (such as EPERM)");
	return 0;
}

static int check_bool(json_t *value, const char *path, struct fly_error *err)
{
	return check_kind(value, path, FLY_JSON_BOOL, err);
}

static const struct fly_json_field selinux_fields[] = {
	{ "user", FLY_JSON_STRING, true }, { "role", FLY_JSON_STRING, true },
	{ "type", FLY_JSON_STRING, true }, { "level", FLY_JSON_STRING, true },
	{ NULL, FLY_JSON_ANY, false },
};

static int check_selinux(json_t *value, const char *path, struct fly_error *err)
{
	if (fly_json_check_object(value, path, selinux_fields, err) < 0)
		return -1;
	for (const struct fly_json_field *f = selinux_fields; f->key; f++)
		if (!*string_of(value, f->key))
			return fail_at_key(err, path, f->key,
					   "must not be empty");
	return 0;
}

static int check_oom_score_adj(json_t *value, const char *path,
			       struct fly_error *err)
{
	return fly_json_int(value, path, -1000, 1000, NULL, err);
}

static int check_cpu_shares(json_t *value, const char *path,
			    struct fly_error *err)
{
	return fly_json_int(value, path, 2, 262144, NULL, err);
}

/* An object of sysctl names to string values. */
static int check_sysctl(json_t *value, const char *path, struct fly_error *err)
{
	const char *key;
	json_t *item;

	if (check_kind(value, path, FLY_JSON_OBJECT, err) < 0)
		return -1;
	json_object_foreach(value, key, item)
	{
		_cleanup_free_ char *p = fly_json_path(path, key);

		if (!*key)
			return fly_json_fail(err, path, "empty sysctl name");
		if (check_kind(item, p, FLY_JSON_STRING, err) < 0)
			return -1;
	}
	return 0;
}

struct isolator_kind {
	const char *name;
	int (*check)(json_t *value, const char *path, struct fly_error *err);
	const char *group; /* at most one of a group per list */
	bool pod_only;
};

static const struct isolator_kind isolator_kinds[] = {
	{ "resource/cpu", check_request_limit, NULL, false },
	{ "resource/memory", check_request_limit, NULL, false },
	{ "resource/block-bandwidth", check_default_limit, NULL, false },
	{ "resource/block-iops", check_default_limit, NULL, false },
	{ "resource/network-bandwidth", check_default_limit, NULL, false },
	{ "os/linux/capabilities-retain-set", check_capabilities,
	  "capabilities", false },
	{ "os/linux/capabilities-remove-set", check_capabilities,
	  "capabilities", false },
	{ "os/linux/seccomp-retain-set", check_seccomp, "seccomp", false },
	{ "os/linux/seccomp-remove-set", check_seccomp, "seccomp", false },
	{ "os/linux/no-new-privileges", check_bool, NULL, false },
	{ "os/linux/selinux-context", check_selinux, "selinux", false },
	{ "os/linux/oom-score-adj", check_oom_score_adj, NULL, false },
	{ "os/linux/cpu-shares", check_cpu_shares, NULL, false },
	{ "os/unix/sysctl", check_sysctl, "sysctl", true },
};

static const struct isolator_kind *find_isolator(const char *name)
{
	size_t n = sizeof(isolator_kinds) / sizeof(*isolator_kinds);

	for (size_t i = 0; i < n; i++)
		if (strcmp(isolator_kinds[i].name, name) == 0)
			return &isolator_kinds[i];
	return NULL;
}

static const struct fly_json_field isolator_fields[] = {
	{ "name", FLY_JSON_STRING, true },
	{ "value", FLY_JSON_ANY, true },
	{ NULL, FLY_JSON_ANY, false },
};

static int parse_isolator(json_t *v, const char *path, enum fly_scope scope,
			  struct fly_isolator *ret, struct fly_error *err)
{
	_cleanup_free_ char *name_path = fly_json_path(path, "name");
	_cleanup_free_ char *value_path = fly_json_path(path, "value");
	const struct isolator_kind *kind;
	const char *name;
	json_t *value;

	if (fly_json_check_object(v, path, isolator_fields, err) < 0)
		return -1;
	name = string_of(v, "name");
	kind = find_isolator(name);
	if (!kind)
		return fly_json_fail_value(err, name_path, name,
					   "is not an isolator fly knows");
	if (kind->pod_only && scope != FLY_SCOPE_POD)
		return fly_json_fail_value(err, name_path, name,
					   "is allowed"
					   " only in a pod manifest");
	value = json_object_get(v, "value");
	if (kind->check(value, value_path, err) < 0)
		return -1;
	ret->name = fly_xstrdup(name);
	ret->value = json_incref(value);
	return 0;
}

/* The spec allows one seccomp set, one SELinux context and one sysctl
 * isolator, and never a retain set together with a remove set. */
static int check_isolator_group(const struct fly_isolator *list, size_t i,
				const char *path, struct fly_error *err)
{
	const struct isolator_kind *kind = find_isolator(list[i].name);

	for (size_t j = 0; j < i && kind->group; j++) {
		const struct isolator_kind *other = find_isolator(list[j].name);

		if (!other->group || strcmp(other->group, kind->group) != 0)
			continue;
		if (other == kind)
			return fly_json_fail(err, path,
					     "duplicate isolator \"%s\"",
					     kind->name);
		return fly_json_fail(err, path,
				     "\"%s\" cannot be combined with"
				     " \"%s\"",
				     kind->name, other->name);
	}
	return 0;
}

int fly_isolators_parse(json_t *v, const char *path, enum fly_scope scope,
			struct fly_isolator **ret, size_t *ret_n,
			struct fly_error *err)
{
	struct fly_isolator *list;
	json_t *item;
	size_t i;

	*ret = NULL;
	*ret_n = 0;
	if (!v)
		return 0;
	if (check_kind(v, path, FLY_JSON_ARRAY, err) < 0)
		return -1;
	list = fly_xcalloc(json_array_size(v), sizeof(*list));
	json_array_foreach(v, i, item)
	{
		_cleanup_free_ char *p = index_path(path, i);

		if (parse_isolator(item, p, scope, &list[i], err) < 0 ||
		    check_isolator_group(list, i, p, err) < 0) {
			fly_isolators_free(list, i + 1);
			return -1;
		}
	}
	*ret = list;
	*ret_n = i;
	return 0;
}

void fly_isolators_free(struct fly_isolator *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++) {
		free(list[i].name);
		json_decref(list[i].value);
	}
	free(list);
}

json_t *fly_isolators_to_json(const struct fly_isolator *list, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *iso = json_pack("{s:s, s:O}", "name", list[i].name,
					"value", list[i].value);

		if (json_array_append_new(arr, iso) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* ---- ports ---- */

static const struct fly_json_field port_fields[] = {
	{ "name", FLY_JSON_STRING, true },
	{ "protocol", FLY_JSON_STRING, true },
	{ "port", FLY_JSON_INT, true },
	{ "count", FLY_JSON_INT, false },
	{ "socketActivated", FLY_JSON_BOOL, false },
	{ NULL, FLY_JSON_ANY, false },
};

int fly_port_parse(json_t *v, const char *path, struct fly_port *ret,
		   struct fly_error *err)
{
	_cleanup_free_ char *name_path = fly_json_path(path, "name");
	_cleanup_free_ char *port_path = fly_json_path(path, "port");
	_cleanup_free_ char *count_path = fly_json_path(path, "count");
	json_t *count_v;
	json_int_t port, count = 1;

	if (fly_json_check_object(v, path, port_fields, err) < 0 ||
	    fly_json_check_acname(string_of(v, "name"), name_path, err) < 0)
		return -1;
	if (!*string_of(v, "protocol"))
		return fail_at_key(err, path, "protocol", "must not be empty");
	if (fly_json_int(json_object_get(v, "port"), port_path, 1, 65535, &port,
			 err) < 0)
		return -1;
	count_v = fly_json_get(v, "count");
	if (count_v &&
	    fly_json_int(count_v, count_path, 1, 65535, &count, err) < 0)
		return -1;
	if (port + count > 65536)
		return fly_json_fail(err, path,
				     "ports %" JSON_INTEGER_FORMAT
				     " to %" JSON_INTEGER_FORMAT " go beyond"
				     " 65535",
				     port, port + count - 1);
	ret->name = fly_xstrdup(string_of(v, "name"));
	ret->protocol = fly_xstrdup(string_of(v, "protocol"));
	ret->port = (unsigned int)port;
	ret->count = (unsigned int)count;
	ret->socket_activated = json_is_true(
		fly_json_get(v, "socketActivated"));
	return 0;
}

void fly_port_clear(struct fly_port *port)
{
	if (!port)
		return;
	free(port->name);
	free(port->protocol);
	memset(port, 0, sizeof(*port));
}

json_t *fly_port_to_json(const struct fly_port *port)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:b}", "name", port->name,
			 "protocol", port->protocol, "port",
			 (json_int_t)port->port, "count",
			 (json_int_t)port->count, "socketActivated",
			 port->socket_activated);
}

/* ---- the app section ---- */

static int parse_exec(json_t *obj, const char *path, struct fly_app *app,
		      struct fly_error *err)
{
	_cleanup_free_ char *p = fly_json_path(path, "exec");

	if (parse_strv(fly_json_get(obj, "exec"), p, &app->exec, err) < 0)
		return -1;
	return check_exec(app->exec, p, false, err);
}

static int dup_nonempty(json_t *obj, const char *path, const char *key,
			char **ret, struct fly_error *err)
{
	const char *s = string_of(obj, key);

	if (!*s)
		return fail_at_key(err, path, key, "must not be empty");
	*ret = fly_xstrdup(s);
	return 0;
}

/* Both spellings are in use; one list may be given, not both. */
static int parse_gids(json_t *obj, const char *path, struct fly_app *app,
		      struct fly_error *err)
{
	json_t *upper = fly_json_get(obj, "supplementaryGIDs");
	json_t *lower = fly_json_get(obj, "supplementaryGids");
	_cleanup_free_ char *p = fly_json_path(
		path, upper ? "supplementaryGIDs" : "supplementaryGids");
	json_t *list = upper ? upper : lower;
	json_t *item;
	size_t i;

	if (upper && lower)
		return fly_json_fail(err, path,
				     "both \"supplementaryGIDs\" and"
				     " \"supplementaryGids\" given; keep one");
	app->supplementary_gids = fly_xcalloc(json_array_size(list),
					      sizeof(gid_t));
	json_array_foreach(list, i, item)
	{
		_cleanup_free_ char *ip = index_path(p, i);
		json_int_t gid;

		if (fly_json_int(item, ip, 0, MAX_ID_VALUE, &gid, err) < 0)
			return -1;
		app->supplementary_gids[i] = (gid_t)gid;
		app->n_supplementary_gids++;
	}
	return 0;
}

static int parse_working_directory(json_t *obj, const char *path,
				   struct fly_app *app, struct fly_error *err)
{
	_cleanup_free_ char *p = fly_json_path(path, "workingDirectory");
	json_t *v = fly_json_get(obj, "workingDirectory");

	if (!v)
		return 0;
	if (fly_json_check_absolute(json_string_value(v), p, err) < 0)
		return -1;
	app->working_directory = fly_xstrdup(json_string_value(v));
	return 0;
}

static int parse_environment(json_t *obj, const char *path, struct fly_app *app,
			     struct fly_error *err)
{
	_cleanup_free_ char *p = fly_json_path(path, "environment");

	return parse_name_values(fly_json_get(obj, "environment"), p,
				 &env_rules, &app->environment,
				 &app->n_environment, err);
}

static const struct fly_json_field handler_fields[] = {
	{ "name", FLY_JSON_STRING, true },
	{ "exec", FLY_JSON_ARRAY, true },
	{ NULL, FLY_JSON_ANY, false },
};

static int parse_handler(json_t *v, const char *path,
			 struct fly_event_handler *ret, struct fly_error *err)
{
	_cleanup_free_ char *name_path = fly_json_path(path, "name");
	_cleanup_free_ char *exec_path = fly_json_path(path, "exec");
	_cleanup_(strv_freep) char **exec = NULL;
	const char *name;

	if (fly_json_check_object(v, path, handler_fields, err) < 0)
		return -1;
	name = string_of(v, "name");
	if (strcmp(name, "pre-start") != 0 && strcmp(name, "post-stop") != 0)
		return fly_json_fail_value(err, name_path, name,
					   "is not an"
					   " event (pre-start or post-stop)");
	if (parse_strv(json_object_get(v, "exec"), exec_path, &exec, err) < 0 ||
	    check_exec(exec, exec_path, true, err) < 0)
		return -1;
	ret->name = fly_xstrdup(name);
	ret->exec = FLY_TAKE(exec);
	return 0;
}

static int parse_event_handlers(json_t *obj, const char *path,
				struct fly_app *app, struct fly_error *err)
{
	_cleanup_free_ char *p = fly_json_path(path, "eventHandlers");
	json_t *v = fly_json_get(obj, "eventHandlers");
	struct fly_event_handler *list;
	json_t *item;
	size_t i;

	list = fly_xcalloc(json_array_size(v), sizeof(*list));
	app->event_handlers = list;
	json_array_foreach(v, i, item)
	{
		_cleanup_free_ char *ip = index_path(p, i);

		if (parse_handler(item, ip, &list[i], err) < 0)
			return -1;
		app->n_event_handlers++;
		for (size_t j = 0; j < i; j++)
			if (strcmp(list[j].name, list[i].name) == 0)
				return fly_json_fail(err, ip,
						     "duplicate event"
						     " handler \"%s\"",
						     list[i].name);
	}
	return 0;
}

static int parse_app_isolators(json_t *obj, const char *path,
			       enum fly_scope scope, struct fly_app *app,
			       struct fly_error *err)
{
	_cleanup_free_ char *p = fly_json_path(path, "isolators");

	return fly_isolators_parse(fly_json_get(obj, "isolators"), p, scope,
				   &app->isolators, &app->n_isolators, err);
}

static const struct fly_json_field mount_point_fields[] = {
	{ "name", FLY_JSON_STRING, true },
	{ "path", FLY_JSON_STRING, true },
	{ "readOnly", FLY_JSON_BOOL, false },
	{ NULL, FLY_JSON_ANY, false },
};

static int parse_mount_point(json_t *v, const char *path,
			     struct fly_mount_point *ret, struct fly_error *err)
{
	_cleanup_free_ char *name_path = fly_json_path(path, "name");
	_cleanup_free_ char *target_path = fly_json_path(path, "path");

	if (fly_json_check_object(v, path, mount_point_fields, err) < 0 ||
	    fly_json_check_acname(string_of(v, "name"), name_path, err) < 0 ||
	    fly_json_check_absolute(string_of(v, "path"), target_path, err) < 0)
		return -1;
	ret->name = fly_xstrdup(string_of(v, "name"));
	ret->path = fly_xstrdup(string_of(v, "path"));
	ret->read_only = json_is_true(fly_json_get(v, "readOnly"));
	return 0;
}

static int parse_mount_points(json_t *obj, const char *path,
			      struct fly_app *app, struct fly_error *err)
{
	_cleanup_free_ char *p = fly_json_path(path, "mountPoints");
	json_t *v = fly_json_get(obj, "mountPoints");
	struct fly_mount_point *list;
	json_t *item;
	size_t i;

	list = fly_xcalloc(json_array_size(v), sizeof(*list));
	app->mount_points = list;
	json_array_foreach(v, i, item)
	{
		_cleanup_free_ char *ip = index_path(p, i);

		if (parse_mount_point(item, ip, &list[i], err) < 0)
			return -1;
		app->n_mount_points++;
		for (size_t j = 0; j < i; j++)
			if (strcmp(list[j].name, list[i].name) == 0)
				return fly_json_fail(err, ip,
						     "duplicate mount"
						     " point \"%s\"",
						     list[i].name);
	}
	return 0;
}

/* Port names are unique: pod manifests refer to ports by name. */
static int parse_ports(json_t *obj, const char *path, struct fly_app *app,
		       struct fly_error *err)
{
	_cleanup_free_ char *p = fly_json_path(path, "ports");
	json_t *v = fly_json_get(obj, "ports");
	struct fly_port *list;
	json_t *item;
	size_t i;

	list = fly_xcalloc(json_array_size(v), sizeof(*list));
	app->ports = list;
	json_array_foreach(v, i, item)
	{
		_cleanup_free_ char *ip = index_path(p, i);

		if (fly_port_parse(item, ip, &list[i], err) < 0)
			return -1;
		app->n_ports++;
		for (size_t j = 0; j < i; j++)
			if (strcmp(list[j].name, list[i].name) == 0)
				return fly_json_fail(err, ip,
						     "duplicate port"
						     " \"%s\"",
						     list[i].name);
	}
	return 0;
}

static int parse_user_maps(json_t *obj, const char *path, struct fly_app *app,
			   struct fly_error *err)
{
	_cleanup_free_ char *ann = fly_json_path(path, "userAnnotations");
	_cleanup_free_ char *labels = fly_json_path(path, "userLabels");

	if (fly_string_map_parse(fly_json_get(obj, "userAnnotations"), ann,
				 &app->user_annotations,
				 &app->n_user_annotations, err) < 0)
		return -1;
	return fly_string_map_parse(fly_json_get(obj, "userLabels"), labels,
				    &app->user_labels, &app->n_user_labels,
				    err);
}

static void app_freep(struct fly_app **app)
{
	fly_app_free(*app);
}

static const struct fly_json_field app_fields[] = {
	{ "exec", FLY_JSON_ARRAY, false },
	{ "user", FLY_JSON_STRING, true },
	{ "group", FLY_JSON_STRING, true },
	{ "supplementaryGIDs", FLY_JSON_ARRAY, false },
	{ "supplementaryGids", FLY_JSON_ARRAY, false },
	{ "workingDirectory", FLY_JSON_STRING, false },
	{ "environment", FLY_JSON_ARRAY, false },
	{ "eventHandlers", FLY_JSON_ARRAY, false },
	{ "isolators", FLY_JSON_ARRAY, false },
	{ "mountPoints", FLY_JSON_ARRAY, false },
	{ "ports", FLY_JSON_ARRAY, false },
	{ "userAnnotations", FLY_JSON_OBJECT, false },
	{ "userLabels", FLY_JSON_OBJECT, false },
	{ NULL, FLY_JSON_ANY, false },
};

int fly_app_parse_scoped(json_t *obj, const char *path, enum fly_scope scope,
			 struct fly_app **ret, struct fly_error *err)
{
	_cleanup_(app_freep) struct fly_app *app = NULL;

	if (fly_json_check_object(obj, path, app_fields, err) < 0)
		return -1;
	app = fly_xcalloc(1, sizeof(*app));
	if (parse_exec(obj, path, app, err) < 0 ||
	    dup_nonempty(obj, path, "user", &app->user, err) < 0 ||
	    dup_nonempty(obj, path, "group", &app->group, err) < 0 ||
	    parse_gids(obj, path, app, err) < 0 ||
	    parse_working_directory(obj, path, app, err) < 0 ||
	    parse_environment(obj, path, app, err) < 0 ||
	    parse_event_handlers(obj, path, app, err) < 0 ||
	    parse_app_isolators(obj, path, scope, app, err) < 0 ||
	    parse_mount_points(obj, path, app, err) < 0 ||
	    parse_ports(obj, path, app, err) < 0 ||
	    parse_user_maps(obj, path, app, err) < 0)
		return -1;
	*ret = FLY_TAKE(app);
	return 0;
}

int fly_app_parse(json_t *obj, const char *path, struct fly_app **ret,
		  struct fly_error *err)
{
	return fly_app_parse_scoped(obj, path, FLY_SCOPE_IMAGE, ret, err);
}

void fly_app_free(struct fly_app *app)
{
	if (!app)
		return;
	strv_free(app->exec);
	free(app->user);
	free(app->group);
	free(app->supplementary_gids);
	free(app->working_directory);
	fly_name_values_free(app->environment, app->n_environment);
	for (size_t i = 0; app->event_handlers && i < app->n_event_handlers;
	     i++) {
		free(app->event_handlers[i].name);
		strv_free(app->event_handlers[i].exec);
	}
	free(app->event_handlers);
	fly_isolators_free(app->isolators, app->n_isolators);
	for (size_t i = 0; app->mount_points && i < app->n_mount_points; i++) {
		free(app->mount_points[i].name);
		free(app->mount_points[i].path);
	}
	free(app->mount_points);
	for (size_t i = 0; app->ports && i < app->n_ports; i++)
		fly_port_clear(&app->ports[i]);
	free(app->ports);
	fly_name_values_free(app->user_annotations, app->n_user_annotations);
	fly_name_values_free(app->user_labels, app->n_user_labels);
	free(app);
}

static json_t *gids_to_json(const struct fly_app *app)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < app->n_supplementary_gids; i++)
		json_array_append_new(arr,
				      json_integer(app->supplementary_gids[i]));
	return arr;
}

static json_t *handlers_to_json(const struct fly_app *app)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < app->n_event_handlers; i++) {
		const struct fly_event_handler *h = &app->event_handlers[i];
		json_t *obj = json_pack("{s:s, s:o}", "name", h->name, "exec",
					strv_to_json(h->exec));

		if (json_array_append_new(arr, obj) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *mount_points_to_json(const struct fly_app *app)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < app->n_mount_points; i++) {
		const struct fly_mount_point *mp = &app->mount_points[i];
		json_t *obj = json_pack("{s:s, s:s, s:b}", "name", mp->name,
					"path", mp->path, "readOnly",
					mp->read_only);

		if (json_array_append_new(arr, obj) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *ports_to_json(const struct fly_app *app)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < app->n_ports; i++)
		if (json_array_append_new(
			    arr, fly_port_to_json(&app->ports[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

json_t *fly_app_to_json(const struct fly_app *app)
{
	json_auto_t *obj = json_object();
	bool ok;

	ok = fly_json_put(obj, "exec", strv_to_json(app->exec)) &&
	     fly_json_put(obj, "user", json_string(app->user)) &&
	     fly_json_put(obj, "group", json_string(app->group)) &&
	     fly_json_put_list(obj, "supplementaryGIDs", gids_to_json(app)) &&
	     (!app->working_directory ||
	      fly_json_put(obj, "workingDirectory",
			   json_string(app->working_directory))) &&
	     fly_json_put_list(obj, "environment",
			       fly_name_values_to_json(app->environment,
						       app->n_environment)) &&
	     fly_json_put_list(obj, "eventHandlers", handlers_to_json(app)) &&
	     fly_json_put_list(
		     obj, "isolators",
		     fly_isolators_to_json(app->isolators, app->n_isolators)) &&
	     fly_json_put_list(obj, "mountPoints", mount_points_to_json(app)) &&
	     fly_json_put_list(obj, "ports", ports_to_json(app)) &&
	     fly_json_put_list(
		     obj, "userAnnotations",
		     fly_string_map_to_json(app->user_annotations,
					    app->n_user_annotations)) &&
	     fly_json_put_list(obj, "userLabels",
			       fly_string_map_to_json(app->user_labels,
						      app->n_user_labels));
	return ok ? FLY_TAKE(obj) : NULL;
}

/* ---- the image manifest ---- */

static const struct fly_json_field dependency_fields[] = {
	{ "imageName", FLY_JSON_STRING, true },
	{ "imageID", FLY_JSON_STRING, false },
	{ "labels", FLY_JSON_ARRAY, false },
	{ "size", FLY_JSON_INT, false },
	{ NULL, FLY_JSON_ANY, false },
};

static int parse_dependency(json_t *v, const char *path,
			    struct fly_dependency *ret, struct fly_error *err)
{
	_cleanup_free_ char *name_path = fly_json_path(path, "imageName");
	_cleanup_free_ char *id_path = fly_json_path(path, "imageID");
	_cleanup_free_ char *size_path = fly_json_path(path, "size");
	_cleanup_free_ char *labels_path = fly_json_path(path, "labels");
	const char *name, *id;
	json_int_t size = 0;

	if (fly_json_check_object(v, path, dependency_fields, err) < 0)
		return -1;
	name = string_of(v, "imageName");
	id = json_string_value(fly_json_get(v, "imageID"));
	if (fly_json_check_acidentifier(name, name_path, err) < 0)
		return -1;
	if ((id && fly_json_check_image_id(id, id_path, err) < 0) ||
	    (fly_json_get(v, "size") &&
	     fly_json_int(json_object_get(v, "size"), size_path, 0, LLONG_MAX,
			  &size, err) < 0) ||
	    fly_labels_parse(fly_json_get(v, "labels"), labels_path,
			     &ret->labels, &ret->n_labels, err) < 0)
		return -1;
	ret->image_name = fly_xstrdup(name);
	ret->image_id = id ? fly_xstrdup(id) : NULL;
	ret->size = (uint64_t)size;
	return 0;
}

static int parse_dependencies(json_t *root, struct fly_image_manifest *m,
			      struct fly_error *err)
{
	json_t *v = fly_json_get(root, "dependencies");
	json_t *item;
	size_t i;

	m->dependencies = fly_xcalloc(json_array_size(v),
				      sizeof(*m->dependencies));
	json_array_foreach(v, i, item)
	{
		_cleanup_free_ char *p = index_path("dependencies", i);

		if (parse_dependency(item, p, &m->dependencies[i], err) < 0)
			return -1;
		m->n_dependencies++;
	}
	return 0;
}

static int parse_path_whitelist(json_t *root, struct fly_image_manifest *m,
				struct fly_error *err)
{
	if (parse_strv(fly_json_get(root, "pathWhitelist"), "pathWhitelist",
		       &m->path_whitelist, err) < 0)
		return -1;
	for (size_t i = 0; m->path_whitelist[i]; i++) {
		_cleanup_free_ char *p = index_path("pathWhitelist", i);

		if (fly_json_check_absolute(m->path_whitelist[i], p, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_image_name(json_t *root, struct fly_image_manifest *m,
			    struct fly_error *err)
{
	const char *name = string_of(root, "name");

	if (fly_json_check_acidentifier(name, "name", err) < 0)
		return -1;
	m->name = fly_xstrdup(name);
	return 0;
}

static int parse_image_app(json_t *root, struct fly_image_manifest *m,
			   struct fly_error *err)
{
	json_t *v = fly_json_get(root, "app");

	if (!v)
		return 0;
	return fly_app_parse_scoped(v, "app", FLY_SCOPE_IMAGE, &m->app, err);
}

static void image_manifest_freep(struct fly_image_manifest **m)
{
	fly_image_manifest_free(*m);
}

static const struct fly_json_field image_fields[] = {
	{ "acKind", FLY_JSON_STRING, true },
	{ "acVersion", FLY_JSON_STRING, true },
	{ "name", FLY_JSON_STRING, true },
	{ "labels", FLY_JSON_ARRAY, false },
	{ "app", FLY_JSON_OBJECT, false },
	{ "dependencies", FLY_JSON_ARRAY, false },
	{ "pathWhitelist", FLY_JSON_ARRAY, false },
	{ "annotations", FLY_JSON_ARRAY, false },
	{ NULL, FLY_JSON_ANY, false },
};

int fly_image_manifest_parse(const char *text, size_t len,
			     struct fly_image_manifest **ret,
			     struct fly_error *err)
{
	_cleanup_(image_manifest_freep) struct fly_image_manifest *m = NULL;
	json_t *root;

	if (fly_json_load(text, len, &root, err) < 0)
		return -1;
	m = fly_xcalloc(1, sizeof(*m));
	m->json = root;
	if (fly_manifest_check_header(root, "ImageManifest", &m->ac_version,
				      err) < 0 ||
	    fly_json_check_object(root, "", image_fields, err) < 0 ||
	    parse_image_name(root, m, err) < 0 ||
	    fly_labels_parse(fly_json_get(root, "labels"), "labels", &m->labels,
			     &m->n_labels, err) < 0 ||
	    parse_image_app(root, m, err) < 0 ||
	    parse_dependencies(root, m, err) < 0 ||
	    parse_path_whitelist(root, m, err) < 0 ||
	    fly_annotations_parse(fly_json_get(root, "annotations"),
				  "annotations", &m->annotations,
				  &m->n_annotations, err) < 0)
		return -1;
	*ret = FLY_TAKE(m);
	return 0;
}

void fly_image_manifest_free(struct fly_image_manifest *m)
{
	if (!m)
		return;
	free(m->ac_version);
	free(m->name);
	fly_name_values_free(m->labels, m->n_labels);
	fly_app_free(m->app);
	for (size_t i = 0; m->dependencies && i < m->n_dependencies; i++) {
		free(m->dependencies[i].image_name);
		free(m->dependencies[i].image_id);
		fly_name_values_free(m->dependencies[i].labels,
				     m->dependencies[i].n_labels);
	}
	free(m->dependencies);
	strv_free(m->path_whitelist);
	fly_name_values_free(m->annotations, m->n_annotations);
	json_decref(m->json);
	free(m);
}
