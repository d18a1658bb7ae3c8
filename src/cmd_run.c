/* fly run, fly prepare and fly run-prepared: the pod spec comes from the
 * flags and an image, from a pod manifest file, or from a prepared pod;
 * the run engine (run.h) does the rest. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "env.h"
#include "log.h"
#include "podstate.h"
#include "run.h"
#include "runopts.h"
#include "store.h"
#include "util.h"
#include "poison.h"

extern char **environ;

#define MANIFEST_MAX (1024 * 1024)

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* IMAGE is a file to fetch, or a reference to the store. */
static int load_image(const struct fly_ctx *ctx, const char *ref,
		      char ret_id[FLY_ID_LEN + 1],
		      struct fly_image_manifest **ret, struct fly_error *err)
{
	if (fly_store_prepare(ctx, err) < 0)
		return -1;
	if (is_file(ref) || strstr(ref, ".aci")) {
		if (fly_store_fetch(ctx, ref, ret_id, err) < 0)
			return -1;
	} else if (fly_store_resolve(ctx, ref, ret_id, err) < 0) {
		return -1;
	}
	fly_debug("image %s", ret_id);
	return fly_store_manifest(ctx, ret_id, ret, NULL, err);
}

static int spec_from_flags(const struct fly_ctx *ctx,
			   const struct fly_run_opts *o, struct fly_run *r,
			   struct fly_error *err)
{
	char id[FLY_ID_LEN + 1];
	struct fly_image_manifest *image = NULL;

	if (load_image(ctx, o->image, id, &image, err) < 0)
		return -1;
	return fly_pod_spec_from_flags(o, id, image, &r->spec, err);
}

static int spec_from_file(const struct fly_ctx *ctx, const char *path,
			  struct fly_run *r, struct fly_error *err)
{
	struct fly_pod_spec *spec = &r->spec;
	size_t len;

	if (fly_read_file(path, MANIFEST_MAX, &spec->text, &len, err) < 0)
		return fly_wrap(err, "--pod-manifest");
	if (fly_pod_spec_parse(spec->text, len, path, &spec->pm, err) < 0)
		return -1;
	if (fly_store_prepare(ctx, err) < 0 ||
	    fly_store_resolve(ctx, spec->pm->app.image.id, spec->id, err) < 0)
		return fly_wrap(err, "\"%s\": apps[0].image.id", path);
	return fly_store_manifest(ctx, spec->id, &spec->image, NULL, err);
}

static int read_env_files(const struct fly_strv *files,
			  struct fly_name_value **ret, size_t *ret_n,
			  struct fly_error *err)
{
	for (size_t i = 0; i < files->n; i++) {
		struct fly_name_value *more = NULL;
		size_t n_more = 0;

		if (fly_env_file_parse(files->v[i], &more, &n_more, err) < 0)
			return fly_wrap(err, "--set-env-file");
		*ret = fly_xrealloc(*ret,
				    (*ret_n + n_more + 1) * sizeof(**ret));
		memcpy(*ret + *ret_n, more, n_more * sizeof(**ret));
		*ret_n += n_more;
		free(more);
	}
	return 0;
}

static int compose_env(const struct fly_run_opts *o, struct fly_run *r,
		       struct fly_error *err)
{
	const struct fly_app *app = fly_pod_spec_app(&r->spec);
	struct fly_name_value *file = NULL;
	size_t n_file = 0;
	struct fly_env_sources src = {
		.inherited = o->inherit_env ? environ : NULL,
		.image = app ? app->environment : NULL,
		.n_image = app ? app->n_environment : 0,
		.set = o->set_env.v,
		.n_set = o->set_env.n,
		.app_name = r->spec.pm->app.name,
	};
	int ret = read_env_files(&o->env_files, &file, &n_file, err);

	src.file = file;
	src.n_file = n_file;
	if (ret == 0)
		ret = fly_env_compose(&src, &r->envp, err);
	fly_env_list_free(file, n_file);
	return ret;
}

/* Everything before the pod exists: spec, environment, image, checks. */
static int build(const struct fly_ctx *ctx, const struct fly_run_opts *o,
		 struct fly_run *r, struct fly_error *err)
{
	if (o->pod_manifest ? spec_from_file(ctx, o->pod_manifest, r, err)
			    : spec_from_flags(ctx, o, r, err))
		return -1;
	if (compose_env(o, r, err) < 0 || fly_run_use_image(ctx, r, err) < 0)
		return -1;
	return fly_run_resolve(ctx, r, err);
}

static int save_uuid(const struct fly_ctx *ctx, const char *path,
		     const char *uuid, struct fly_error *err)
{
	_cleanup_free_ char *text = fly_xasprintf("%s\n", uuid);

	if (!path)
		return 0;
	if (fly_write_file_atomic(ctx, path, text, strlen(text), 0644, err) < 0)
		return fly_wrap(err, "--uuid-file-save");
	return 0;
}

/* fly run and fly prepare share everything up to the pod's creation. */
static int run_or_prepare(struct fly_ctx *ctx, int argc, char **argv,
			  bool start, struct fly_error *err)
{
	struct fly_run_opts o;
	struct fly_run r;
	int ret;

	fly_run_init(&r);
	ret = fly_run_opts_parse(argc, argv, &o, err);
	if (ret == 0 && o.help)
		fputs(start ? fly_run_usage : fly_prepare_usage, stdout);
	if (ret == 0 && !o.help)
		ret = build(ctx, &o, &r, err);
	if (ret == 0 && !o.help)
		ret = fly_run_create_pod(ctx, &r, start ? "run" : "prepared",
					 err);
	if (ret == 0 && !o.help)
		ret = save_uuid(ctx, o.uuid_file_save, r.pod.uuid, err);
	if (ret == 0 && !o.help && start)
		ret = fly_run_start(ctx, &r, err);
	else if (ret == 0 && !o.help)
		printf("%s\n", r.pod.uuid);
	if (ret < 0)
		fly_run_abandon(ctx, &r);
	fly_run_clear(&r);
	fly_run_opts_clear(&o);
	return ret;
}

int fly_cmd_run(struct fly_ctx *ctx, int argc, char **argv,
		struct fly_error *err)
{
	return run_or_prepare(ctx, argc, argv, true, err);
}

int fly_cmd_prepare(struct fly_ctx *ctx, int argc, char **argv,
		    struct fly_error *err)
{
	return run_or_prepare(ctx, argc, argv, false, err);
}

/* --- fly run-prepared ------------------------------------------------- */

static const char run_prepared_usage[] =
	"Usage: fly run-prepared [--uuid-file=FILE] UUID\n"
	"\n"
	"Start a pod made by `fly prepare`.  UUID may be an unambiguous\n"
	"prefix; --uuid-file reads it from FILE.\n";

/* UUID from the argument or --uuid-file. */
static int prepared_ref(int argc, char **argv, char **ret,
			struct fly_error *err)
{
	static const struct option opts[] = {
		{ "uuid-file", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if (c != 'u')
			return fly_usage(err,
					 "run-prepared: unknown flag "
					 "\"%s\"",
					 argv[optind - 1]);
		file = optarg;
	}
	if ((file != NULL) == (optind < argc) || optind + 1 < argc)
		return fly_usage(err, "run-prepared: give one UUID or "
				      "--uuid-file");
	if (!file) {
		*ret = fly_xstrdup(argv[optind]);
		return 0;
	}
	if (fly_pod_uuid_file_read(file, ret, err) < 0)
		return fly_wrap(err, "--uuid-file");
	return 0;
}

/* Take over a prepared pod: its manifest and environment as prepared. */
static int adopt_prepared(const struct fly_ctx *ctx, const char *ref,
			  struct fly_run *r, struct fly_error *err)
{
	_cleanup_(fly_pod_info_clear) struct fly_pod_info info = { 0 };
	_cleanup_free_ char *env = NULL, *pod = NULL;
	size_t len;

	if (fly_pod_find(ctx, ref, &info, err) < 0)
		return -1;
	if (info.state != FLY_POD_PREPARED)
		return fly_fail(err, 0, "pod %s is %s, not prepared", info.uuid,
				fly_pod_state_name(info.state));
	if (fly_pod_open(ctx, "prepared", info.uuid, &r->pod, err) < 0)
		return -1;
	env = fly_path_join(r->pod.dir, "env");
	pod = fly_path_join(r->pod.dir, "pod");
	if (fly_read_file(pod, MANIFEST_MAX, &r->spec.text, &len, err) < 0 ||
	    fly_pod_spec_parse(r->spec.text, len, "the prepared pod",
			       &r->spec.pm, err) < 0 ||
	    fly_env_read(env, &r->envp, err) < 0)
		return -1;
	if (fly_store_resolve(ctx, r->spec.pm->app.image.id, r->spec.id, err) <
		    0 ||
	    fly_store_manifest(ctx, r->spec.id, &r->spec.image, NULL, err) < 0)
		return -1;
	return 0;
}

int fly_cmd_run_prepared(struct fly_ctx *ctx, int argc, char **argv,
			 struct fly_error *err)
{
	_cleanup_free_ char *ref = NULL;
	struct fly_run r;
	int ret;

	ret = prepared_ref(argc, argv, &ref, err);
	if (ret != 0) {
		if (ret > 0)
			fputs(run_prepared_usage, stdout);
		return ret > 0 ? 0 : -1;
	}
	fly_run_init(&r);
	ret = adopt_prepared(ctx, ref, &r, err);
	if (ret == 0)
		ret = fly_run_use_image(ctx, &r, err);
	if (ret == 0)
		ret = fly_run_resolve(ctx, &r, err);
	if (ret == 0)
		ret = fly_pod_move(ctx, &r.pod, "run", err);
	if (ret == 0) {
		ret = fly_run_start(ctx, &r, err);
		if (ret < 0)
			fly_run_abandon(ctx, &r);
	}
	fly_run_clear(&r);
	return ret;
}
