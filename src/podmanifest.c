/* The appc pod manifest: parsing with the shared building blocks of
 * manifest.h (same strictness, same messages) and writing it back.
 *
 * Where appc 0.8.11 leaves room, fly reads it this way:
 * - A mount names its target with "path" (the key of appc 0.8.11 and of
 *   rkt's pod manifests); "mountPoint" is an unknown key like any other.
 * - Annotation names are ACIdentifiers, as in the image manifest: the
 *   pod's annotations are merged with the image's, and rkt writes names
 *   such as "coreos.com/rkt/stage1/mutable" there.
 * - readOnly and recursive keep "not given" apart from false: a volume's
 *   readOnly overrides the image's mount point only when it is given. */
#include "podmanifest.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types.h"
#include "util.h"

#include "poison.h"

#define MAX_ID_VALUE ((json_int_t)UINT32_MAX - 1)

static const char *string_of(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int fail_at_key(struct fly_error *err, const char *path, const char *key,
		       const char *msg)
{
	_cleanup_free_ char *p = fly_json_path(path, key);

	return fly_json_fail(err, p, "%s", msg);
}

static enum fly_tristate tristate_of(json_t *obj, const char *key)
{
	json_t *v = fly_json_get(obj, key);

	if (!v)
		return FLY_UNSET;
	return json_is_true(v) ? FLY_TRUE : FLY_FALSE;
}

/* ---- volumes ---- */

static const struct fly_json_field volume_fields[] = {
	{ "name", FLY_JSON_STRING, true },
	{ "kind", FLY_JSON_STRING, true },
	{ "source", FLY_JSON_STRING, false },
	{ "readOnly", FLY_JSON_BOOL, false },
	{ "recursive", FLY_JSON_BOOL, false },
	{ "mode", FLY_JSON_STRING, false },
	{ "uid", FLY_JSON_INT, false },
	{ "gid", FLY_JSON_INT, false },
	{ NULL, FLY_JSON_ANY, false },
};

static int parse_host_volume(json_t *v, const char *path,
			     struct fly_pod_volume *ret, struct fly_error *err)
{
	static const char *const empty_only[] = { "mode", "uid", "gid" };
	_cleanup_free_ char *source_path = fly_json_path(path, "source");
	json_t *source = fly_json_get(v, "source");

	for (size_t i = 0; i < sizeof(empty_only) / sizeof(*empty_only); i++)
		if (fly_json_get(v, empty_only[i]))
			return fail_at_key(err, path, empty_only[i],
					   "only a volume of kind empty takes"
					   " a mode, uid or gid");
	if (!source)
		return fly_json_fail(err, path,
				     "missing required field"
				     " \"source\" (kind host)");
	if (fly_json_check_absolute(json_string_value(source), source_path,
				    err) < 0)
		return -1;
	ret->source = fly_xstrdup(json_string_value(source));
	return 0;
}

/* Octal digits only, at most 07777. */
static int parse_mode(const char *s, const char *path, mode_t *ret,
		      struct fly_error *err)
{
	unsigned long mode;

	if (!*s || s[strspn(s, "01234567")] != '\0')
		return fly_json_fail_value(err, path, s,
					   "is not an octal mode"
					   " (such as 0755)");
	mode = strtoul(s, NULL, 8);
	if (mode > 07777)
		return fly_json_fail_value(err, path, s,
					   "is not a valid mode"
					   " (at most 07777)");
	*ret = (mode_t)mode;
	return 0;
}

static int parse_id(json_t *v, const char *path, const char *key,
		    json_int_t *ret, struct fly_error *err)
{
	_cleanup_free_ char *p = fly_json_path(path, key);
	json_t *id = fly_json_get(v, key);

	if (!id)
		return 0;
	return fly_json_int(id, p, 0, MAX_ID_VALUE, ret, err);
}

static int parse_empty_volume(json_t *v, const char *path,
			      struct fly_pod_volume *ret, struct fly_error *err)
{
	_cleanup_free_ char *mode_path = fly_json_path(path, "mode");
	const char *mode = json_string_value(fly_json_get(v, "mode"));
	json_int_t uid = FLY_EMPTY_VOLUME_UID, gid = FLY_EMPTY_VOLUME_GID;

	if (fly_json_get(v, "source"))
		return fail_at_key(err, path, "source",
				   "only a volume of kind"
				   " host takes a source");
	ret->mode = FLY_EMPTY_VOLUME_MODE;
	if ((mode && parse_mode(mode, mode_path, &ret->mode, err) < 0) ||
	    parse_id(v, path, "uid", &uid, err) < 0 ||
	    parse_id(v, path, "gid", &gid, err) < 0)
		return -1;
	ret->uid = (uid_t)uid;
	ret->gid = (gid_t)gid;
	return 0;
}

static int parse_volume(json_t *v, const char *path, struct fly_pod_volume *ret,
			struct fly_error *err)
{
	_cleanup_free_ char *name_path = fly_json_path(path, "name");
	_cleanup_free_ char *kind_path = fly_json_path(path, "kind");
	const char *kind;

	if (fly_json_check_object(v, path, volume_fields, err) < 0 ||
	    fly_json_check_acname(string_of(v, "name"), name_path, err) < 0)
		return -1;
	ret->name = fly_xstrdup(string_of(v, "name"));
	ret->read_only = tristate_of(v, "readOnly");
	ret->recursive = tristate_of(v, "recursive");
	kind = string_of(v, "kind");
	if (strcmp(kind, "host") == 0) {
		ret->kind = FLY_POD_VOLUME_HOST;
		return parse_host_volume(v, path, ret, err);
	}
	if (strcmp(kind, "empty") == 0) {
		ret->kind = FLY_POD_VOLUME_EMPTY;
		return parse_empty_volume(v, path, ret, err);
	}
	return fly_json_fail_value(err, kind_path, kind,
				   "is not a volume kind"
				   " (host or empty)");
}

static int parse_volumes(json_t *root, struct fly_pod_manifest *pm,
			 struct fly_error *err)
{
	json_t *v = fly_json_get(root, "volumes");
	json_t *item;
	size_t i;

	pm->volumes = fly_xcalloc(json_array_size(v), sizeof(*pm->volumes));
	json_array_foreach(v, i, item)
	{
		_cleanup_free_ char *p = fly_xasprintf("volumes[%zu]", i);

		pm->n_volumes++;
		if (parse_volume(item, p, &pm->volumes[i], err) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(pm->volumes[j].name, pm->volumes[i].name) ==
			    0)
				return fly_json_fail(err, p,
						     "duplicate volume"
						     " \"%s\"",
						     pm->volumes[i].name);
	}
	return 0;
}

/* ---- the app ---- */

static const struct fly_json_field image_fields[] = {
	{ "id", FLY_JSON_STRING, true },
	{ "name", FLY_JSON_STRING, false },
	{ "labels", FLY_JSON_ARRAY, false },
	{ NULL, FLY_JSON_ANY, false },
};

static int parse_image(json_t *v, const char *path, struct fly_pod_image *ret,
		       struct fly_error *err)
{
	_cleanup_free_ char *id_path = fly_json_path(path, "id");
	_cleanup_free_ char *name_path = fly_json_path(path, "name");
	_cleanup_free_ char *labels_path = fly_json_path(path, "labels");
	const char *name;

	if (fly_json_check_object(v, path, image_fields, err) < 0 ||
	    fly_json_check_image_id(string_of(v, "id"), id_path, err) < 0)
		return -1;
	name = json_string_value(fly_json_get(v, "name"));
	if (name && fly_json_check_acidentifier(name, name_path, err) < 0)
		return -1;
	ret->id = fly_xstrdup(string_of(v, "id"));
	ret->name = name ? fly_xstrdup(name) : NULL;
	return fly_labels_parse(fly_json_get(v, "labels"), labels_path,
				&ret->labels, &ret->n_labels, err);
}

static const struct fly_json_field mount_fields[] = {
	{ "volume", FLY_JSON_STRING, true },
	{ "path", FLY_JSON_STRING, true },
	{ "appVolume", FLY_JSON_OBJECT, false },
	{ NULL, FLY_JSON_ANY, false },
};

static int parse_mount(json_t *v, const char *path, struct fly_pod_mount *ret,
		       struct fly_error *err)
{
	_cleanup_free_ char *volume_path = fly_json_path(path, "volume");
	_cleanup_free_ char *target_path = fly_json_path(path, "path");
	_cleanup_free_ char *app_volume_path = fly_json_path(path, "appVolume");
	json_t *app_volume = fly_json_get(v, "appVolume");

	if (fly_json_check_object(v, path, mount_fields, err) < 0 ||
	    fly_json_check_acname(string_of(v, "volume"), volume_path, err) <
		    0 ||
	    fly_json_check_absolute(string_of(v, "path"), target_path, err) < 0)
		return -1;
	ret->volume = fly_xstrdup(string_of(v, "volume"));
	ret->path = fly_xstrdup(string_of(v, "path"));
	if (!app_volume)
		return 0;
	ret->app_volume = fly_xcalloc(1, sizeof(*ret->app_volume));
	return parse_volume(app_volume, app_volume_path, ret->app_volume, err);
}

static int parse_mounts(json_t *obj, const char *path, struct fly_pod_app *app,
			struct fly_error *err)
{
	_cleanup_free_ char *p = fly_json_path(path, "mounts");
	json_t *v = fly_json_get(obj, "mounts");
	json_t *item;
	size_t i;

	app->mounts = fly_xcalloc(json_array_size(v), sizeof(*app->mounts));
	json_array_foreach(v, i, item)
	{
		_cleanup_free_ char *ip = fly_xasprintf("%s[%zu]", p, i);

		app->n_mounts++;
		if (parse_mount(item, ip, &app->mounts[i], err) < 0)
			return -1;
	}
	return 0;
}

static const struct fly_json_field app_fields[] = {
	{ "name", FLY_JSON_STRING, true },
	{ "image", FLY_JSON_OBJECT, true },
	{ "app", FLY_JSON_OBJECT, false },
	{ "readOnlyRootFS", FLY_JSON_BOOL, false },
	{ "mounts", FLY_JSON_ARRAY, false },
	{ "annotations", FLY_JSON_ARRAY, false },
	{ NULL, FLY_JSON_ANY, false },
};

/* The app section of a pod may carry pod-scoped isolators too: with one
 * app per pod the two scopes coincide. */
static int parse_app(json_t *v, const char *path, struct fly_pod_app *ret,
		     struct fly_error *err)
{
	_cleanup_free_ char *name_path = fly_json_path(path, "name");
	_cleanup_free_ char *image_path = fly_json_path(path, "image");
	_cleanup_free_ char *app_path = fly_json_path(path, "app");
	_cleanup_free_ char *ann_path = fly_json_path(path, "annotations");
	json_t *app = fly_json_get(v, "app");

	if (fly_json_check_object(v, path, app_fields, err) < 0 ||
	    fly_json_check_acname(string_of(v, "name"), name_path, err) < 0)
		return -1;
	ret->name = fly_xstrdup(string_of(v, "name"));
	ret->read_only_rootfs = json_is_true(fly_json_get(v, "readOnlyRootFS"));
	if (parse_image(json_object_get(v, "image"), image_path, &ret->image,
			err) < 0 ||
	    (app && fly_app_parse_scoped(app, app_path, FLY_SCOPE_POD,
					 &ret->app, err) < 0) ||
	    parse_mounts(v, path, ret, err) < 0)
		return -1;
	return fly_annotations_parse(fly_json_get(v, "annotations"), ann_path,
				     &ret->annotations, &ret->n_annotations,
				     err);
}

static int parse_apps(json_t *root, struct fly_pod_manifest *pm,
		      struct fly_error *err)
{
	json_t *apps = json_object_get(root, "apps");

	if (json_array_size(apps) != 1)
		return fly_json_fail(err, "apps",
				     "fly runs exactly one app per"
				     " pod, got %zu",
				     json_array_size(apps));
	return parse_app(json_array_get(apps, 0), "apps[0]", &pm->app, err);
}

/* A mount names a pod volume unless it brings its own. */
static int check_mount_volumes(const struct fly_pod_manifest *pm,
			       struct fly_error *err)
{
	for (size_t i = 0; i < pm->app.n_mounts; i++) {
		const struct fly_pod_mount *m = &pm->app.mounts[i];
		_cleanup_free_ char *p = NULL;

		if (m->app_volume || fly_pod_manifest_volume(pm, m->volume))
			continue;
		p = fly_xasprintf("apps[0].mounts[%zu].volume", i);
		return fly_json_fail_value(err, p, m->volume,
					   "names no volume in \"volumes\"");
	}
	return 0;
}

/* ---- exposed ports ---- */

static const struct fly_json_field pod_port_fields[] = {
	{ "name", FLY_JSON_STRING, true },
	{ "hostPort", FLY_JSON_INT, true },
	{ "hostIP", FLY_JSON_STRING, false },
	{ "podPort", FLY_JSON_OBJECT, false },
	{ NULL, FLY_JSON_ANY, false },
};

static int check_ipv4(const char *ip, const char *path, struct fly_error *err)
{
	struct in_addr addr;

	if (inet_pton(AF_INET, ip, &addr) == 1)
		return 0;
	return fly_json_fail_value(err, path, ip,
				   "is not an IPv4 address"
				   " (such as 203.0.113.23)");
}

static int parse_pod_port(json_t *v, const char *path, struct fly_pod_port *ret,
			  struct fly_error *err)
{
	_cleanup_free_ char *name_path = fly_json_path(path, "name");
	_cleanup_free_ char *port_path = fly_json_path(path, "hostPort");
	_cleanup_free_ char *ip_path = fly_json_path(path, "hostIP");
	_cleanup_free_ char *pod_port_path = fly_json_path(path, "podPort");
	const char *ip = json_string_value(fly_json_get(v, "hostIP"));
	json_t *pod_port = fly_json_get(v, "podPort");
	json_int_t port;

	if (fly_json_check_object(v, path, pod_port_fields, err) < 0 ||
	    fly_json_check_acname(string_of(v, "name"), name_path, err) < 0 ||
	    fly_json_int(json_object_get(v, "hostPort"), port_path, 1, 65535,
			 &port, err) < 0 ||
	    (ip && check_ipv4(ip, ip_path, err) < 0))
		return -1;
	ret->name = fly_xstrdup(string_of(v, "name"));
	ret->host_port = (unsigned int)port;
	ret->host_ip = ip ? fly_xstrdup(ip) : NULL;
	if (!pod_port)
		return 0;
	ret->pod_port = fly_xcalloc(1, sizeof(*ret->pod_port));
	return fly_port_parse(pod_port, pod_port_path, ret->pod_port, err);
}

static int parse_pod_ports(json_t *root, struct fly_pod_manifest *pm,
			   struct fly_error *err)
{
	json_t *v = fly_json_get(root, "ports");
	json_t *item;
	size_t i;

	pm->ports = fly_xcalloc(json_array_size(v), sizeof(*pm->ports));
	json_array_foreach(v, i, item)
	{
		_cleanup_free_ char *p = fly_xasprintf("ports[%zu]", i);

		pm->n_ports++;
		if (parse_pod_port(item, p, &pm->ports[i], err) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(pm->ports[j].name, pm->ports[i].name) == 0)
				return fly_json_fail(err, p,
						     "duplicate port"
						     " \"%s\"",
						     pm->ports[i].name);
	}
	return 0;
}

/* ---- the manifest ---- */

static const struct fly_json_field pod_fields[] = {
	{ "acVersion", FLY_JSON_STRING, true },
	{ "acKind", FLY_JSON_STRING, true },
	{ "apps", FLY_JSON_ARRAY, true },
	{ "volumes", FLY_JSON_ARRAY, false },
	{ "isolators", FLY_JSON_ARRAY, false },
	{ "annotations", FLY_JSON_ARRAY, false },
	{ "ports", FLY_JSON_ARRAY, false },
	{ "userAnnotations", FLY_JSON_OBJECT, false },
	{ "userLabels", FLY_JSON_OBJECT, false },
	{ NULL, FLY_JSON_ANY, false },
};

static int parse_pod_lists(json_t *root, struct fly_pod_manifest *pm,
			   struct fly_error *err)
{
	if (fly_isolators_parse(fly_json_get(root, "isolators"), "isolators",
				FLY_SCOPE_POD, &pm->isolators, &pm->n_isolators,
				err) < 0 ||
	    fly_annotations_parse(fly_json_get(root, "annotations"),
				  "annotations", &pm->annotations,
				  &pm->n_annotations, err) < 0 ||
	    parse_pod_ports(root, pm, err) < 0 ||
	    fly_string_map_parse(fly_json_get(root, "userAnnotations"),
				 "userAnnotations", &pm->user_annotations,
				 &pm->n_user_annotations, err) < 0)
		return -1;
	return fly_string_map_parse(fly_json_get(root, "userLabels"),
				    "userLabels", &pm->user_labels,
				    &pm->n_user_labels, err);
}

static void pod_manifest_freep(struct fly_pod_manifest **pm)
{
	fly_pod_manifest_free(*pm);
}

int fly_pod_manifest_parse(const char *text, size_t len,
			   struct fly_pod_manifest **ret, struct fly_error *err)
{
	_cleanup_(pod_manifest_freep) struct fly_pod_manifest *pm = NULL;
	json_auto_t *root = NULL;

	if (fly_json_load(text, len, &root, err) < 0)
		return -1;
	pm = fly_xcalloc(1, sizeof(*pm));
	if (fly_manifest_check_header(root, "PodManifest", &pm->ac_version,
				      err) < 0 ||
	    fly_json_check_object(root, "", pod_fields, err) < 0 ||
	    parse_apps(root, pm, err) < 0 || parse_volumes(root, pm, err) < 0 ||
	    parse_pod_lists(root, pm, err) < 0 ||
	    check_mount_volumes(pm, err) < 0)
		return -1;
	*ret = FLY_TAKE(pm);
	return 0;
}

struct fly_pod_volume *fly_pod_manifest_volume(
	const struct fly_pod_manifest *pm, const char *name)
{
	for (size_t i = 0; i < pm->n_volumes; i++)
		if (strcmp(pm->volumes[i].name, name) == 0)
			return &pm->volumes[i];
	return NULL;
}

void fly_pod_volume_clear(struct fly_pod_volume *vol)
{
	if (!vol)
		return;
	free(vol->name);
	free(vol->source);
	memset(vol, 0, sizeof(*vol));
}

static void pod_app_clear(struct fly_pod_app *app)
{
	free(app->name);
	free(app->image.id);
	free(app->image.name);
	fly_name_values_free(app->image.labels, app->image.n_labels);
	fly_app_free(app->app);
	for (size_t i = 0; app->mounts && i < app->n_mounts; i++) {
		free(app->mounts[i].volume);
		free(app->mounts[i].path);
		fly_pod_volume_clear(app->mounts[i].app_volume);
		free(app->mounts[i].app_volume);
	}
	free(app->mounts);
	fly_name_values_free(app->annotations, app->n_annotations);
}

static void pod_port_clear(struct fly_pod_port *port)
{
	free(port->name);
	free(port->host_ip);
	fly_port_clear(port->pod_port);
	free(port->pod_port);
}

void fly_pod_manifest_free(struct fly_pod_manifest *pm)
{
	if (!pm)
		return;
	free(pm->ac_version);
	pod_app_clear(&pm->app);
	for (size_t i = 0; pm->volumes && i < pm->n_volumes; i++)
		fly_pod_volume_clear(&pm->volumes[i]);
	free(pm->volumes);
	fly_isolators_free(pm->isolators, pm->n_isolators);
	fly_name_values_free(pm->annotations, pm->n_annotations);
	for (size_t i = 0; pm->ports && i < pm->n_ports; i++)
		pod_port_clear(&pm->ports[i]);
	free(pm->ports);
	fly_name_values_free(pm->user_annotations, pm->n_user_annotations);
	fly_name_values_free(pm->user_labels, pm->n_user_labels);
	free(pm);
}

/* ---- writing ---- */

static bool put_tristate(json_t *obj, const char *key, enum fly_tristate v)
{
	return v == FLY_UNSET ||
	       fly_json_put(obj, key, json_boolean(v == FLY_TRUE));
}

/* mode, uid and gid are written for an empty volume only. */
static bool put_empty_volume(json_t *obj, const struct fly_pod_volume *vol)
{
	char mode[16];

	snprintf(mode, sizeof(mode), "%04o", (unsigned int)vol->mode);
	return fly_json_put(obj, "mode", json_string(mode)) &&
	       fly_json_put(obj, "uid", json_integer(vol->uid)) &&
	       fly_json_put(obj, "gid", json_integer(vol->gid));
}

static json_t *volume_to_json(const struct fly_pod_volume *vol)
{
	bool host = vol->kind == FLY_POD_VOLUME_HOST;
	json_auto_t *obj = json_pack("{s:s, s:s}", "name", vol->name, "kind",
				     host ? "host" : "empty");

	if (!obj ||
	    (host && !fly_json_put(obj, "source", json_string(vol->source))) ||
	    (!host && !put_empty_volume(obj, vol)) ||
	    !put_tristate(obj, "readOnly", vol->read_only) ||
	    !put_tristate(obj, "recursive", vol->recursive))
		return NULL;
	return FLY_TAKE(obj);
}

static json_t *volumes_to_json(const struct fly_pod_volume *list, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(arr, volume_to_json(&list[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

static json_t *mount_to_json(const struct fly_pod_mount *m)
{
	json_auto_t *obj = json_pack("{s:s, s:s}", "volume", m->volume, "path",
				     m->path);

	if (!obj ||
	    (m->app_volume &&
	     !fly_json_put(obj, "appVolume", volume_to_json(m->app_volume))))
		return NULL;
	return FLY_TAKE(obj);
}

static json_t *mounts_to_json(const struct fly_pod_app *app)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < app->n_mounts; i++)
		if (json_array_append_new(arr, mount_to_json(&app->mounts[i])) <
		    0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

static json_t *image_to_json(const struct fly_pod_image *image)
{
	json_auto_t *obj = json_pack("{s:s}", "id", image->id);

	if (!obj ||
	    (image->name &&
	     !fly_json_put(obj, "name", json_string(image->name))) ||
	    !fly_json_put_list(
		    obj, "labels",
		    fly_name_values_to_json(image->labels, image->n_labels)))
		return NULL;
	return FLY_TAKE(obj);
}

static json_t *pod_app_to_json(const struct fly_pod_app *app)
{
	json_auto_t *obj = json_pack("{s:s, s:o}", "name", app->name, "image",
				     image_to_json(&app->image));

	if (!obj ||
	    (app->app &&
	     !fly_json_put(obj, "app", fly_app_to_json(app->app))) ||
	    (app->read_only_rootfs &&
	     !fly_json_put(obj, "readOnlyRootFS", json_true())) ||
	    !fly_json_put_list(obj, "mounts", mounts_to_json(app)) ||
	    !fly_json_put_list(obj, "annotations",
			       fly_name_values_to_json(app->annotations,
						       app->n_annotations)))
		return NULL;
	return FLY_TAKE(obj);
}

static json_t *pod_port_to_json(const struct fly_pod_port *port)
{
	json_auto_t *obj = json_pack("{s:s, s:I}", "name", port->name,
				     "hostPort", (json_int_t)port->host_port);

	if (!obj ||
	    (port->host_ip &&
	     !fly_json_put(obj, "hostIP", json_string(port->host_ip))) ||
	    (port->pod_port &&
	     !fly_json_put(obj, "podPort", fly_port_to_json(port->pod_port))))
		return NULL;
	return FLY_TAKE(obj);
}

static json_t *pod_ports_to_json(const struct fly_pod_manifest *pm)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < pm->n_ports; i++)
		if (json_array_append_new(
			    arr, pod_port_to_json(&pm->ports[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

json_t *fly_pod_manifest_to_json(const struct fly_pod_manifest *pm)
{
	const char *version = pm->ac_version ? pm->ac_version
					     : FLY_APPC_VERSION;
	json_auto_t *obj = json_pack("{s:s, s:s, s:[o]}", "acKind",
				     "PodManifest", "acVersion", version,
				     "apps", pod_app_to_json(&pm->app));

	if (!obj ||
	    !fly_json_put_list(obj, "volumes",
			       volumes_to_json(pm->volumes, pm->n_volumes)) ||
	    !fly_json_put_list(
		    obj, "isolators",
		    fly_isolators_to_json(pm->isolators, pm->n_isolators)) ||
	    !fly_json_put_list(obj, "annotations",
			       fly_name_values_to_json(pm->annotations,
						       pm->n_annotations)) ||
	    !fly_json_put_list(obj, "ports", pod_ports_to_json(pm)) ||
	    !fly_json_put_list(
		    obj, "userAnnotations",
		    fly_string_map_to_json(pm->user_annotations,
					   pm->n_user_annotations)) ||
	    !fly_json_put_list(
		    obj, "userLabels",
		    fly_string_map_to_json(pm->user_labels, pm->n_user_labels)))
		return NULL;
	return FLY_TAKE(obj);
}
