#include "podjson.h"

#include <stdio.h>
#include <stdlib.h>

#include "util.h"
#include "poison.h"

static json_t *string_array(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *volume_json(const struct fly_volume *v)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(v->name));
	if (v->kind == FLY_VOLUME_HOST) {
		json_object_set_new(o, "kind", json_string("host"));
		json_object_set_new(o, "source", json_string(v->source));
		if (v->recursive >= 0)
			json_object_set_new(o, "recursive",
					    json_boolean(v->recursive));
	} else {
		char mode[8];

		snprintf(mode, sizeof(mode), "%04o", (unsigned int)v->mode);
		json_object_set_new(o, "kind", json_string("empty"));
		json_object_set_new(o, "mode", json_string(mode));
		json_object_set_new(o, "uid", json_integer(v->uid));
		json_object_set_new(o, "gid", json_integer(v->gid));
	}
	if (v->read_only >= 0)
		json_object_set_new(o, "readOnly", json_boolean(v->read_only));
	return o;
}

static json_t *image_json(const char *id, const struct fly_image_manifest *m)
{
	json_t *o = json_object();
	json_t *labels = json_array();

	for (size_t i = 0; i < m->n_labels; i++)
		json_array_append_new(labels,
				      json_pack("{s:s,s:s}", "name",
						m->labels[i].name, "value",
						m->labels[i].value));
	json_object_set_new(o, "name", json_string(m->name));
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "labels", labels);
	return o;
}

static json_t *app_json(const struct fly_image_manifest *m, char *const *argv)
{
	json_t *app = json_object_get(m->json, "app");

	app = app ? json_deep_copy(app) : json_pack("{s:s,s:s}", "user", "0",
						    "group", "0");
	json_object_set_new(app, "exec", string_array(argv));
	return app;
}

char *fly_pod_json_for_run(const char *image_id,
			   const struct fly_image_manifest *image,
			   const char *app_name, char *const *argv,
			   const struct fly_volume_use *uses, size_t n_uses,
			   bool read_only_rootfs)
{
	json_t *volumes = json_array(), *mounts = json_array();
	json_t *pod, *app;
	char *text;

	for (size_t i = 0; i < n_uses; i++) {
		json_array_append_new(volumes, volume_json(uses[i].volume));
		json_array_append_new(mounts,
				      json_pack("{s:s,s:s}", "volume",
						uses[i].volume->name, "path",
						uses[i].target));
	}
	app = json_pack("{s:s,s:o,s:o,s:b,s:o,s:[]}", "name", app_name,
			"image", image_json(image_id, image), "app",
			app_json(image, argv), "readOnlyRootFS",
			read_only_rootfs, "mounts", mounts, "annotations");
	pod = json_pack("{s:s,s:s,s:[o],s:o,s:[],s:[]}", "acKind",
			"PodManifest", "acVersion", "0.8.11", "apps", app,
			"volumes", volumes, "isolators", "annotations");
	text = json_dumps(pod, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(pod);
	if (!text)
		abort();
	return text;
}
