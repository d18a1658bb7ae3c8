#include "podspec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "volumes.h"
#include "poison.h"

/* The app's name: the last part of the image name, as an ACName. */
static char *app_name_of(const char *image_name)
{
	const char *base = strrchr(image_name, '/');
	char *name = fly_xstrdup(base ? base + 1 : image_name);

	for (char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			*p = '-';
	return name;
}

static int compose_argv(const struct fly_run_opts *o,
			const struct fly_image_manifest *image,
			struct fly_strv *argv, struct fly_error *err)
{
	const struct fly_app *app = image->app;
	const char *cmd = o->exec;

	if (!cmd && app && app->exec && app->exec[0])
		cmd = app->exec[0];
	if (!cmd)
		return fly_usage(err,
				 "image \"%s\" names no program to run: "
				 "give --exec",
				 image->name);
	fly_strv_push(argv, cmd);
	if (o->has_args) {
		for (size_t i = 0; i < o->args.n; i++)
			fly_strv_push(argv, o->args.v[i]);
	} else if (!o->exec && app) {
		for (size_t i = 1; app->exec[i]; i++)
			fly_strv_push(argv, app->exec[i]);
	}
	return 0;
}

static char *join(const struct fly_strv *s)
{
	size_t len = 1;
	char *out;

	for (size_t i = 0; i < s->n; i++)
		len += strlen(s->v[i]) + 1;
	out = fly_xcalloc(1, len);
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, s->v[i]);
	}
	return out;
}

/* Settings as annotations; *n counts them.  Values are owned by strs. */
static void add_setting(struct fly_name_value *list, size_t *n,
			struct fly_strv *strs, const char *name,
			const char *value)
{
	if (!value || !value[0])
		return;
	fly_strv_push(strs, value);
	list[*n].name = (char *)name;
	list[*n].value = strs->v[strs->n - 1];
	(*n)++;
}

static void settings(const struct fly_run_opts *o, struct fly_name_value *ann,
		     size_t *n, struct fly_strv *strs)
{
	_cleanup_free_ char *dns = join(&o->dns);
	_cleanup_free_ char *search = join(&o->dns_search);
	_cleanup_free_ char *opts = join(&o->dns_opt);
	_cleanup_free_ char *hosts = join(&o->hosts);

	add_setting(ann, n, strs, "fly/mount-ns",
		    o->ns == FLY_NS_HOST ? "host" : "private");
	add_setting(ann, n, strs, "fly/dns", dns);
	add_setting(ann, n, strs, "fly/dns-search", search);
	add_setting(ann, n, strs, "fly/dns-opt", opts);
	add_setting(ann, n, strs, "fly/dns-domain", o->dns_domain);
	add_setting(ann, n, strs, "fly/hosts-entry", hosts);
	add_setting(ann, n, strs, "fly/overlay",
		    o->no_overlay ? "false" : NULL);
}

/* The pod manifest as the flags describe it, from borrowed pointers. */
static char *flags_to_text(const struct fly_run_opts *o, const char *id,
			   const struct fly_image_manifest *m,
			   const struct fly_volume_use *uses, size_t n_uses,
			   char *const *argv, const char *app_name)
{
	struct fly_app app = m->app ? *m->app : (struct fly_app){ 0 };
	struct fly_pod_manifest pm = { 0 };
	struct fly_name_value ann[8];
	struct fly_strv strs = { 0 };
	_cleanup_free_ struct fly_pod_volume *vols = fly_xcalloc(n_uses + 1,
								 sizeof(*vols));
	_cleanup_free_ struct fly_pod_mount *mounts = fly_xcalloc(
		n_uses + 1, sizeof(*mounts));
	json_t *json;
	char *text;

	app.exec = (char **)argv;
	app.user = (char *)(o->user ? o->user : m->app ? m->app->user : "0");
	app.group = (char *)(o->group ? o->group
			     : m->app ? m->app->group
				      : "0");
	if (o->working_dir)
		app.working_directory = (char *)o->working_dir;
	for (size_t i = 0; i < n_uses; i++) {
		vols[i] = *uses[i].volume;
		mounts[i].volume = uses[i].volume->name;
		mounts[i].path = uses[i].target;
	}
	pm.app = (struct fly_pod_app){
		.name = (char *)app_name,
		.app = &app,
		.mounts = mounts,
		.n_mounts = n_uses,
		.read_only_rootfs = o->read_only_rootfs,
		.image = { .id = (char *)id,
			   .name = m->name,
			   .labels = m->labels,
			   .n_labels = m->n_labels },
	};
	pm.volumes = vols;
	pm.n_volumes = n_uses;
	pm.annotations = ann;
	settings(o, ann, &pm.n_annotations, &strs);
	json = fly_pod_manifest_to_json(&pm);
	text = json ? json_dumps(json, JSON_INDENT(2)) : NULL;
	json_decref(json);
	fly_strv_clear(&strs);
	return text;
}

int fly_pod_spec_from_flags(const struct fly_run_opts *o, const char *id,
			    struct fly_image_manifest *image,
			    struct fly_pod_spec *ret, struct fly_error *err)
{
	const struct fly_app *app = image->app;
	_cleanup_free_ char *app_name = app_name_of(image->name);
	struct fly_volume_use *uses = NULL;
	struct fly_strv argv = { 0 };
	size_t n_uses = 0;
	int r = -1;

	memset(ret, 0, sizeof(*ret));
	snprintf(ret->id, sizeof(ret->id), "%s", id);
	ret->image = image;
	if (compose_argv(o, image, &argv, err) < 0 ||
	    fly_volumes_resolve(app ? app->mount_points : NULL,
				app ? app->n_mount_points : 0, o->volumes,
				o->n_volumes, o->mounts, o->n_mounts, &uses,
				&n_uses, err) < 0)
		goto out;
	ret->text = flags_to_text(o, id, image, uses, n_uses, argv.v, app_name);
	if (!ret->text) {
		fly_fail(err, EILSEQ, "the pod manifest");
		goto out;
	}
	r = fly_pod_spec_parse(ret->text, strlen(ret->text),
			       "the pod manifest of the flags", &ret->pm, err);
out:
	fly_volume_uses_free(uses, n_uses);
	fly_strv_clear(&argv);
	return r;
}

int fly_pod_spec_parse(const char *text, size_t len, const char *src,
		       struct fly_pod_manifest **ret, struct fly_error *err)
{
	if (fly_pod_manifest_parse(text, len, ret, err) < 0)
		return fly_wrap(err, "%s", src);
	return 0;
}

const struct fly_app *fly_pod_spec_app(const struct fly_pod_spec *spec)
{
	return spec->pm->app.app ? spec->pm->app.app : spec->image->app;
}

const char *fly_pod_spec_annotation(const struct fly_pod_spec *spec,
				    const char *name)
{
	return fly_name_value_get(spec->pm->annotations,
				  spec->pm->n_annotations, name);
}

bool fly_pod_spec_overlay(const struct fly_pod_spec *spec)
{
	const char *v = fly_pod_spec_annotation(spec, "fly/overlay");

	return !v || strcmp(v, "false") != 0;
}

enum fly_ns_mode fly_pod_spec_ns(const struct fly_pod_spec *spec)
{
	const char *v = fly_pod_spec_annotation(spec, "fly/mount-ns");

	return v && strcmp(v, "host") == 0 ? FLY_NS_HOST : FLY_NS_PRIVATE;
}

void fly_pod_spec_list(const struct fly_pod_spec *spec, const char *name,
		       struct fly_strv *ret)
{
	const char *v = fly_pod_spec_annotation(spec, name);
	_cleanup_free_ char *copy = v ? fly_xstrdup(v) : NULL;
	char *save = NULL;

	for (char *item = copy ? strtok_r(copy, ",", &save) : NULL; item;
	     item = strtok_r(NULL, ",", &save))
		fly_strv_push(ret, item);
}

void fly_pod_spec_clear(struct fly_pod_spec *spec)
{
	if (!spec)
		return;
	fly_image_manifest_free(spec->image);
	fly_pod_manifest_free(spec->pm);
	free(spec->text);
	memset(spec, 0, sizeof(*spec));
}
