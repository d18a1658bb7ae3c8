/* fly run: read the image, build the pod, mount, chroot and exec the app
 * (behaviour.md section 3).  Everything that can be refused is refused
 * before the first mount; the app replaces fly, so its exit status is
 * fly's. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "creds.h"
#include "dns.h"
#include "env.h"
#include "execpath.h"
#include "log.h"
#include "inroot.h"
#include "launch.h"
#include "mountexec.h"
#include "ns.h"
#include "pod.h"
#include "podmanifest.h"
#include "runopts.h"
#include "store.h"
#include "util.h"
#include "poison.h"

extern char **environ;

struct run {
	struct fly_run_opts opts;
	char id[FLY_ID_LEN + 1];
	struct fly_image_manifest *manifest;
	int image_lock;
	int store_root_fd;
	char *app_name;
	struct fly_strv argv;
	char **envp;
	struct fly_creds creds;
	struct fly_volume_use *uses;
	size_t n_uses;
	struct fly_plan_volume *pvols;
	struct fly_strv sources;
	struct fly_dns dns;
	struct fly_hosts hosts;
	char *resolv_text;
	char *hosts_text;
	struct fly_pod pod;
	struct fly_mount_table host_mounts;
	struct fly_mount_plan plan;
	struct fly_mount_state mounts;
	struct fly_userns_map idmap; /* what the user namespace maps */
	struct fly_launch launch;
	char *root_path;
	bool started;        /* the app was started: the pod is kept */
};

static void run_init(struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->image_lock = -1;
	r->store_root_fd = -1;
	r->pod.dir_fd = -1;
	fly_mount_state_init(&r->mounts);
}

static void run_clear(struct run *r)
{
	fly_run_opts_clear(&r->opts);
	fly_image_manifest_free(r->manifest);
	if (r->image_lock >= 0)
		close(r->image_lock);
	if (r->store_root_fd >= 0)
		close(r->store_root_fd);
	free(r->app_name);
	fly_strv_clear(&r->argv);
	fly_env_free(r->envp);
	fly_creds_free(&r->creds);
	fly_volume_uses_free(r->uses, r->n_uses);
	free(r->pvols);
	fly_strv_clear(&r->sources);
	fly_dns_free(&r->dns);
	fly_hosts_free(&r->hosts);
	free(r->resolv_text);
	free(r->hosts_text);
	fly_pod_clear(&r->pod);
	fly_mounts_free(&r->host_mounts);
	fly_plan_free(&r->plan);
	fly_mount_state_clear(&r->mounts);
	free(r->root_path);
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

static int load_image(const struct fly_ctx *ctx, struct run *r,
		      struct fly_error *err)
{
	const char *ref = r->opts.image;
	_cleanup_free_ char *rootfs = NULL;

	if (fly_store_prepare(ctx, err) < 0)
		return -1;
	if (is_file(ref) || strstr(ref, ".aci")) {
		if (fly_store_fetch(ctx, ref, r->id, err) < 0)
			return -1;
	} else if (fly_store_resolve(ctx, ref, r->id, err) < 0) {
		return -1;
	}
	fly_debug("image %s", r->id);
	if (fly_store_manifest(ctx, r->id, &r->manifest, NULL, err) < 0 ||
	    fly_store_use(ctx, r->id, &r->image_lock, err) < 0)
		return -1;
	rootfs = fly_store_rootfs(ctx, r->id);
	r->store_root_fd = ctx->sys->sys_open(rootfs, O_PATH | O_DIRECTORY,
					      0);
	if (r->store_root_fd < 0)
		return fly_fail(err, errno, "open \"%s\"", rootfs);
	return 0;
}

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

static int compose_argv(struct run *r, struct fly_error *err)
{
	const struct fly_app *app = r->manifest->app;
	const char *cmd = r->opts.exec;

	if (!cmd && app && app->exec && app->exec[0])
		cmd = app->exec[0];
	if (!cmd)
		return fly_usage(err, "image \"%s\" names no program to run: "
				 "give --exec", r->manifest->name);
	fly_strv_push(&r->argv, cmd);
	if (r->opts.has_args) {
		for (size_t i = 0; i < r->opts.args.n; i++)
			fly_strv_push(&r->argv, r->opts.args.v[i]);
	} else if (!r->opts.exec && app) {
		for (size_t i = 1; app->exec[i]; i++)
			fly_strv_push(&r->argv, app->exec[i]);
	}
	return 0;
}

static int compose_env(struct run *r, struct fly_error *err)
{
	const struct fly_app *app = r->manifest->app;
	struct fly_name_value *file = NULL;
	size_t n_file = 0;
	struct fly_env_sources src = {
		.inherited = r->opts.inherit_env ? environ : NULL,
		.image = app ? app->environment : NULL,
		.n_image = app ? app->n_environment : 0,
		.set = r->opts.set_env.v,
		.n_set = r->opts.set_env.n,
		.app_name = r->app_name,
	};
	int ret;

	for (size_t i = 0; i < r->opts.env_files.n; i++) {
		struct fly_name_value *more = NULL;
		size_t n_more = 0;

		if (fly_env_file_parse(r->opts.env_files.v[i], &more, &n_more,
				       err) < 0) {
			fly_env_list_free(file, n_file);
			return fly_wrap(err, "--set-env-file");
		}
		file = fly_xrealloc(file, (n_file + n_more + 1) *
					  sizeof(*file));
		memcpy(file + n_file, more, n_more * sizeof(*file));
		n_file += n_more;
		free(more);
	}
	src.file = file;
	src.n_file = n_file;
	ret = fly_env_compose(&src, &r->envp, err);
	fly_env_list_free(file, n_file);
	return ret;
}

static int compose_creds(const struct fly_ctx *ctx, struct run *r,
			 struct fly_error *err)
{
	const struct fly_app *app = r->manifest->app;
	const char *user = r->opts.user ? r->opts.user :
			   app ? app->user : "0";
	const char *group = r->opts.group ? r->opts.group :
			    app ? app->group : "0";

	return fly_creds_resolve(ctx, r->store_root_fd, user, group,
				 app ? app->supplementary_gids : NULL,
				 app ? app->n_supplementary_gids : 0,
				 &r->creds, err);
}

static int compose_dns(struct run *r, struct fly_error *err)
{
	struct fly_dns_flags flags = {
		.dns = r->opts.dns.v, .n_dns = r->opts.dns.n,
		.search = r->opts.dns_search.v,
		.n_search = r->opts.dns_search.n,
		.opts = r->opts.dns_opt.v, .n_opts = r->opts.dns_opt.n,
		.domain = r->opts.dns_domain,
	};

	if (fly_dns_parse(&flags, &r->dns, err) < 0 ||
	    fly_hosts_parse(r->opts.hosts.v, r->opts.hosts.n, &r->hosts,
			    err) < 0)
		return -1;
	if (r->dns.mode == FLY_DNS_WRITE)
		r->resolv_text = fly_dns_resolv_conf(&r->dns);
	r->hosts_text = fly_hosts_text(&r->hosts);
	return 0;
}

/* Host sources must exist; they are used by their canonical path. */
static int check_source(struct run *r, size_t i, struct fly_error *err)
{
	const struct fly_pod_volume *v = r->uses[i].volume;
	struct fly_plan_volume *pv = &r->pvols[i];
	char real[PATH_MAX];
	struct stat st;

	if (v->kind == FLY_POD_VOLUME_EMPTY) {
		char *dir = fly_xasprintf("%s/volumes/%s", r->pod.dir,
					  v->name);

		fly_strv_push(&r->sources, dir);
		free(dir);
		pv->source_is_dir = true;
	} else {
		if (!realpath(v->source, real) || stat(real, &st) < 0)
			return fly_fail(err, errno, "volume \"%s\": source "
					"\"%s\"", v->name, v->source);
		fly_strv_push(&r->sources, real);
		pv->source_is_dir = S_ISDIR(st.st_mode);
	}
	pv->source = r->sources.v[r->sources.n - 1];
	return 0;
}

static int gather_volumes(struct run *r, struct fly_error *err)
{
	const struct fly_app *app = r->manifest->app;

	if (fly_volumes_resolve(app ? app->mount_points : NULL,
				app ? app->n_mount_points : 0,
				r->opts.volumes, r->opts.n_volumes,
				r->opts.mounts, r->opts.n_mounts, &r->uses,
				&r->n_uses, err) < 0)
		return -1;
	r->pvols = fly_xcalloc(r->n_uses + 1, sizeof(*r->pvols));
	return 0;
}

static int finish_volumes(struct run *r, struct fly_error *err)
{
	for (size_t i = 0; i < r->n_uses; i++) {
		r->pvols[i].name = r->uses[i].volume->name;
		r->pvols[i].target = r->uses[i].target;
		r->pvols[i].read_only = r->uses[i].read_only;
		r->pvols[i].recursive = r->uses[i].recursive;
		if (check_source(r, i, err) < 0)
			return -1;
	}
	return 0;
}

static void note_isolators(const struct fly_app *app)
{
	for (size_t i = 0; app && i < app->n_isolators; i++)
		fly_debug("isolator \"%s\" is not enforced: fly isolates by "
			  "chroot only", app->isolators[i].name);
}

static int prepare_app(const struct fly_ctx *ctx, struct run *r,
		       struct fly_error *err)
{
	r->app_name = app_name_of(r->manifest->name);
	note_isolators(r->manifest->app);
	if (compose_argv(r, err) < 0 || compose_env(r, err) < 0 ||
	    compose_dns(r, err) < 0 || gather_volumes(r, err) < 0)
		return -1;
	if (compose_creds(ctx, r, err) < 0)
		return -1;
	return 0;
}

static int make_empty_volumes(const struct fly_ctx *ctx, struct run *r,
			      struct fly_error *err)
{
	for (size_t i = 0; i < r->n_uses; i++) {
		const struct fly_pod_volume *v = r->uses[i].volume;
		const char *dir = r->pvols[i].source;

		if (v->kind != FLY_POD_VOLUME_EMPTY)
			continue;
		if (fly_mkdir_p(ctx, dir, 0755, err) < 0)
			return fly_wrap(err, "volume \"%s\"", v->name);
		if (ctx->sys->sys_fchmodat(AT_FDCWD, dir, v->mode, 0) < 0 ||
		    ctx->sys->sys_fchownat(AT_FDCWD, dir, v->uid, v->gid,
					   0) < 0)
			return fly_fail(err, errno, "volume \"%s\": set mode "
					"%04o, uid %u, gid %u on \"%s\"",
					v->name, (unsigned int)v->mode,
					(unsigned int)v->uid,
					(unsigned int)v->gid, dir);
	}
	return 0;
}

/* The pod manifest of this run: the image's app as the flags changed it,
 * and the volumes that are mounted.  Built from borrowed pointers. */
static char *pod_manifest_text(const struct run *r)
{
	const struct fly_image_manifest *m = r->manifest;
	struct fly_app app = m->app ? *m->app : (struct fly_app){ 0 };
	struct fly_pod_manifest pm = { 0 };
	_cleanup_free_ struct fly_pod_volume *vols =
		fly_xcalloc(r->n_uses + 1, sizeof(*vols));
	_cleanup_free_ struct fly_pod_mount *mounts =
		fly_xcalloc(r->n_uses + 1, sizeof(*mounts));
	json_t *json;
	char *text;

	app.exec = r->argv.v;
	app.user = (char *)(r->opts.user ? r->opts.user :
			    m->app ? m->app->user : "0");
	app.group = (char *)(r->opts.group ? r->opts.group :
			     m->app ? m->app->group : "0");
	if (r->opts.working_dir)
		app.working_directory = (char *)r->opts.working_dir;
	for (size_t i = 0; i < r->n_uses; i++) {
		vols[i] = *r->uses[i].volume;
		mounts[i].volume = r->uses[i].volume->name;
		mounts[i].path = r->uses[i].target;
	}
	pm.app = (struct fly_pod_app){
		.name = r->app_name, .app = &app, .mounts = mounts,
		.n_mounts = r->n_uses,
		.read_only_rootfs = r->opts.read_only_rootfs,
		.image = { .id = (char *)r->id, .name = m->name,
			   .labels = m->labels, .n_labels = m->n_labels },
	};
	pm.volumes = vols;
	pm.n_volumes = r->n_uses;
	json = fly_pod_manifest_to_json(&pm);
	text = json ? json_dumps(json, JSON_INDENT(2)) : NULL;
	json_decref(json);
	return text;
}

static int create_pod(const struct fly_ctx *ctx, struct run *r,
		      struct fly_error *err)
{
	_cleanup_free_ char *manifest = NULL;
	_cleanup_free_ char *env_path = NULL;

	if (fly_pod_create(ctx, "run", &r->pod, err) < 0)
		return -1;
	if (finish_volumes(r, err) < 0)
		return -1;
	manifest = pod_manifest_text(r);
	if (!manifest)
		return fly_fail(err, EILSEQ, "write the pod manifest");
	env_path = fly_path_join(r->pod.dir, "env");
	if (fly_pod_write(ctx, &r->pod, "pod", manifest, err) < 0 ||
	    fly_env_write(ctx, env_path, r->envp, err) < 0 ||
	    fly_pod_write(ctx, &r->pod, "mount-ns",
			  r->opts.ns == FLY_NS_HOST ? "host\n" : "private\n",
			  err) < 0 ||
	    (!ctx->root && fly_pod_write(ctx, &r->pod, "userns", "", err) < 0) ||
	    fly_pod_mkdir(ctx, &r->pod, "rootfs", 0755, err) < 0 ||
	    fly_pod_mkdir(ctx, &r->pod, "upper", 0755, err) < 0 ||
	    fly_pod_mkdir(ctx, &r->pod, "work", 0700, err) < 0 ||
	    fly_pod_mkdir(ctx, &r->pod, "volumes", 0755, err) < 0)
		return -1;
	if (r->opts.uuid_file_save) {
		_cleanup_free_ char *text = fly_xasprintf("%s\n",
							  r->pod.uuid);

		if (fly_write_file_atomic(ctx, r->opts.uuid_file_save, text,
					  strlen(text), 0644, err) < 0)
			return fly_wrap(err, "--uuid-file-save");
	}
	return 0;
}

static void plan_files(const struct run *r, struct fly_plan_input *in)
{
	switch (r->dns.mode) {
	case FLY_DNS_HOST:
		in->resolv = FLY_FILE_HOST;
		in->resolv_host = "/etc/resolv.conf";
		break;
	case FLY_DNS_WRITE:
		in->resolv = FLY_FILE_WRITE;
		in->resolv_text = r->resolv_text;
		break;
	default:
		in->resolv = FLY_FILE_KEEP;
	}
	in->hosts = r->hosts.mode == FLY_HOSTS_HOST ? FLY_FILE_HOST :
		    r->hosts.mode == FLY_HOSTS_WRITE ? FLY_FILE_WRITE :
						       FLY_FILE_DEFAULT;
	in->hosts_host = "/etc/hosts";
	in->hosts_text = r->hosts_text;
}

static int mount_all(const struct fly_ctx *ctx, struct run *r,
		     struct fly_error *err)
{
	_cleanup_free_ char *rootfs = fly_path_join(r->pod.dir, "rootfs");
	_cleanup_free_ char *lower = fly_store_rootfs(ctx, r->id);
	_cleanup_free_ char *upper = fly_path_join(r->pod.dir, "upper");
	_cleanup_free_ char *work = fly_path_join(r->pod.dir, "work");
	struct fly_plan_input in = {
		.ns = r->opts.ns, .userns = !ctx->root, .rootfs = rootfs,
		.lower = lower, .upper = upper, .work = work,
		.host = &r->host_mounts, .volumes = r->pvols,
		.n_volumes = r->n_uses,
		.read_only_rootfs = r->opts.read_only_rootfs,
	};

	plan_files(r, &in);
	if (fly_mounts_read("/proc/self/mountinfo", &r->host_mounts, err) < 0)
		return -1;
	if (fly_plan_build(&in, &r->plan, err) < 0)
		return -1;
	if (fly_plan_execute(ctx, &r->plan, &r->mounts, err) < 0)
		return fly_wrap(err, "preparing the app's root");
	return 0;
}

static int write_pid_files(const struct fly_ctx *ctx, struct run *r,
			   pid_t pid, struct fly_error *err)
{
	char text[32];

	snprintf(text, sizeof(text), "%ld\n", (long)pid);
	if (fly_pod_write(ctx, &r->pod, "pid", text, err) < 0)
		return -1;
	snprintf(text, sizeof(text), "%ld\n", (long)getpgid(pid));
	return fly_pod_write(ctx, &r->pod, "pgid", text, err);
}

/* The working directory must exist: it is never created. */
static int check_working_dir(const struct fly_ctx *ctx, const struct run *r,
			     const char *dir, struct fly_error *err)
{
	int fd = fly_inroot_openat(ctx, r->mounts.root_fd, dir,
				   O_PATH | O_DIRECTORY);

	if (fd < 0)
		return fly_fail(err, errno, "working directory \"%s\"", dir);
	close(fd);
	return 0;
}

static const char *path_of(char *const *envp)
{
	for (size_t i = 0; envp[i]; i++)
		if (fly_str_has_prefix(envp[i], "PATH="))
			return envp[i] + 5;
	return FLY_ENV_DEFAULT_PATH;
}

/* Run a pod process to its end: an event handler, or the app. */
static int spawn_in_pod(const struct fly_ctx *ctx, struct run *r,
			char *const *argv, pid_t *ret_pid,
			struct fly_error *err)
{
	_cleanup_free_ char *exe = NULL;

	if (fly_exec_find(ctx, r->mounts.root_fd, argv[0], path_of(r->envp),
			  &exe, err) < 0)
		return -1;
	return fly_launch_spawn(ctx, &r->launch, exe, argv, ret_pid, err);
}

static const struct fly_event_handler *handler(const struct run *r,
					       const char *name)
{
	const struct fly_app *app = r->manifest->app;

	for (size_t i = 0; app && i < app->n_event_handlers; i++)
		if (strcmp(app->event_handlers[i].name, name) == 0)
			return &app->event_handlers[i];
	return NULL;
}

static int run_handler(const struct fly_ctx *ctx, struct run *r,
		       const char *name, int *ret_code, struct fly_error *err)
{
	const struct fly_event_handler *h = handler(r, name);
	pid_t pid;
	int wstatus;

	*ret_code = 0;
	if (!h)
		return 0;
	fly_debug("%s handler: %s", name, h->exec[0]);
	if (spawn_in_pod(ctx, r, h->exec, &pid, err) < 0 ||
	    fly_launch_supervise(pid, &wstatus, err) < 0)
		return fly_wrap(err, "%s handler", name);
	*ret_code = fly_wait_code(wstatus);
	return 0;
}

static void prepare_launch(struct run *r, const char *dir,
			   const sigset_t *old_mask, bool set_groups)
{
	r->root_path = fly_path_join(r->pod.dir, "rootfs");
	r->launch = (struct fly_launch){
		.root_fd = r->mounts.root_fd, .root_path = r->root_path,
		.workdir = dir,
		.creds = &r->creds, .set_groups = set_groups,
		.envp = r->envp, .child_mask = *old_mask,
	};
}

static int record_exit(const struct fly_ctx *ctx, struct run *r, int wstatus,
		       struct fly_error *err)
{
	char text[16];

	snprintf(text, sizeof(text), "%d\n", fly_wait_code(wstatus));
	fly_debug("app exited with status %d", fly_wait_code(wstatus));
	return fly_pod_write(ctx, &r->pod, "exit", text, err);
}

/* Start the app, stay as its parent, record how it ended; returns fly's
 * exit status (see fly_wait_exit). */
static int start_app(const struct fly_ctx *ctx, struct run *r,
		     struct fly_error *err)
{
	const struct fly_app *app = r->manifest->app;
	const char *dir = r->opts.working_dir ? r->opts.working_dir :
			  app && app->working_directory ?
			  app->working_directory : "/";
	sigset_t old_mask;
	int code, wstatus;
	pid_t pid;

	if (check_working_dir(ctx, r, dir, err) < 0 ||
	    fly_pod_keep_lock(&r->pod, err) < 0)
		return -1;
	fly_launch_block_signals(&old_mask);
	prepare_launch(r, dir, &old_mask, ctx->root || r->idmap.gids > 0);
	if (run_handler(ctx, r, "pre-start", &code, err) < 0)
		return -1;
	if (code != 0)
		return fly_fail(err, 0, "pre-start handler exited with %d",
				code);
	if (spawn_in_pod(ctx, r, r->argv.v, &pid, err) < 0)
		return -1;
	r->started = true;
	if (write_pid_files(ctx, r, pid, err) < 0 ||
	    fly_launch_supervise(pid, &wstatus, err) < 0 ||
	    record_exit(ctx, r, wstatus, err) < 0)
		return -1;
	if (run_handler(ctx, r, "post-stop", &code, err) < 0)
		fly_warn("%s", err->msg);
	else if (code != 0)
		fly_warn("post-stop handler exited with %d", code);
	return fly_wait_exit(wstatus);
}

/* After a failure past the pod's creation: detach what was mounted and
 * remove the pod, never crossing into a mount that is still there. */
static void abandon_pod(const struct fly_ctx *ctx, struct run *r)
{
	struct fly_error ignored = { 0 };

	if (!r->pod.dir)
		return;
	if (r->started) {
		fly_warn("pod %s left for gc", r->pod.uuid);
		return;
	}
	fly_mount_undo(ctx, &r->mounts);
	if (fly_rm_tree(ctx, r->pod.dir, &ignored) < 0)
		fly_warn("pod %s left for gc: %s", r->pod.uuid, ignored.msg);
}

static int enter_userns(const struct fly_ctx *ctx, struct run *r,
			struct fly_error *err)
{
	const struct fly_creds *c = &r->creds;

	if (fly_userns_enter(ctx, &r->idmap, err) < 0)
		return -1;
	if (!fly_userns_maps(&r->idmap, c->uid, c->gid, c->groups,
			     c->n_groups))
		return fly_fail(err, 0, "uid %u or gid %u is not mapped in the "
				"user namespace: give your user ranges in "
				"/etc/subuid and /etc/subgid (needs newuidmap "
				"from the uidmap package)",
				(unsigned int)c->uid, (unsigned int)c->gid);
	return 0;
}

static int run_pod(const struct fly_ctx *ctx, struct run *r,
		   struct fly_error *err)
{
	if (load_image(ctx, r, err) < 0 || prepare_app(ctx, r, err) < 0)
		return -1;
	if (create_pod(ctx, r, err) < 0)
		return -1;
	if (!ctx->root && enter_userns(ctx, r, err) < 0)
		return -1;
	if (make_empty_volumes(ctx, r, err) < 0)
		return -1;
	if (mount_all(ctx, r, err) < 0)
		return -1;
	return start_app(ctx, r, err);
}

int fly_cmd_run(struct fly_ctx *ctx, int argc, char **argv,
		struct fly_error *err)
{
	struct run r;
	int ret;

	run_init(&r);
	ret = fly_run_opts_parse(argc, argv, &r.opts, err);
	if (ret == 0 && r.opts.help) {
		fputs(fly_run_usage, stdout);
		run_clear(&r);
		return 0;
	}
	if (ret == 0)
		ret = run_pod(ctx, &r, err);
	if (ret < 0)
		abandon_pod(ctx, &r);
	run_clear(&r);
	return ret;
}
