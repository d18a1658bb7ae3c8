#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "env.h"
#include "execpath.h"
#include "inroot.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "poison.h"

void fly_run_init(struct fly_run *r)
{
	memset(r, 0, sizeof(*r));
	r->image_lock = -1;
	r->store_root_fd = -1;
	r->pod.dir_fd = -1;
	fly_mount_state_init(&r->mounts);
}

void fly_run_clear(struct fly_run *r)
{
	fly_pod_spec_clear(&r->spec);
	fly_env_free(r->envp);
	if (r->image_lock >= 0)
		close(r->image_lock);
	if (r->store_root_fd >= 0)
		close(r->store_root_fd);
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
	fly_run_init(r);
}

int fly_run_use_image(const struct fly_ctx *ctx, struct fly_run *r,
		      struct fly_error *err)
{
	_cleanup_free_ char *rootfs = fly_store_rootfs(ctx, r->spec.id);

	if (fly_store_use(ctx, r->spec.id, &r->image_lock, err) < 0)
		return -1;
	r->store_root_fd = ctx->sys->sys_open(rootfs, O_PATH | O_DIRECTORY, 0);
	if (r->store_root_fd < 0)
		return fly_fail(err, errno, "open \"%s\"", rootfs);
	return 0;
}

/* --- resolving the spec ---------------------------------------------- */

static int resolve_creds(const struct fly_ctx *ctx, struct fly_run *r,
			 struct fly_error *err)
{
	const struct fly_app *app = fly_pod_spec_app(&r->spec);

	return fly_creds_resolve(
		ctx, r->store_root_fd, app ? app->user : "0",
		app ? app->group : "0", app ? app->supplementary_gids : NULL,
		app ? app->n_supplementary_gids : 0, &r->creds, err);
}

static int resolve_dns(struct fly_run *r, struct fly_error *err)
{
	struct fly_strv dns = { 0 }, search = { 0 }, opts = { 0 };
	struct fly_strv hosts = { 0 };
	struct fly_dns_flags flags;
	int ret;

	fly_pod_spec_list(&r->spec, "fly/dns", &dns);
	fly_pod_spec_list(&r->spec, "fly/dns-search", &search);
	fly_pod_spec_list(&r->spec, "fly/dns-opt", &opts);
	fly_pod_spec_list(&r->spec, "fly/hosts-entry", &hosts);
	flags = (struct fly_dns_flags){
		.dns = dns.v,
		.n_dns = dns.n,
		.search = search.v,
		.n_search = search.n,
		.opts = opts.v,
		.n_opts = opts.n,
		.domain = fly_pod_spec_annotation(&r->spec, "fly/dns-domain"),
	};
	ret = fly_dns_parse(&flags, &r->dns, err);
	if (ret == 0)
		ret = fly_hosts_parse(hosts.v, hosts.n, &r->hosts, err);
	fly_strv_clear(&dns);
	fly_strv_clear(&search);
	fly_strv_clear(&opts);
	fly_strv_clear(&hosts);
	if (ret < 0)
		return -1;
	if (r->dns.mode == FLY_DNS_WRITE)
		r->resolv_text = fly_dns_resolv_conf(&r->dns);
	r->hosts_text = fly_hosts_text(&r->hosts);
	return 0;
}

static int resolve_volumes(struct fly_run *r, struct fly_error *err)
{
	const struct fly_app *app = fly_pod_spec_app(&r->spec);
	const struct fly_pod_manifest *pm = r->spec.pm;

	if (fly_volumes_resolve(app ? app->mount_points : NULL,
				app ? app->n_mount_points : 0, pm->volumes,
				pm->n_volumes, pm->app.mounts, pm->app.n_mounts,
				&r->uses, &r->n_uses, err) < 0)
		return -1;
	r->pvols = fly_xcalloc(r->n_uses + 1, sizeof(*r->pvols));
	return 0;
}

static void note_isolators(const struct fly_app *app)
{
	for (size_t i = 0; app && i < app->n_isolators; i++)
		fly_debug("isolator \"%s\" is not enforced: fly isolates by "
			  "chroot only",
			  app->isolators[i].name);
}

int fly_run_resolve(const struct fly_ctx *ctx, struct fly_run *r,
		    struct fly_error *err)
{
	const struct fly_app *app = fly_pod_spec_app(&r->spec);

	if (!app || !app->exec || !app->exec[0])
		return fly_fail(err, 0,
				"the pod's app names no program to "
				"run");
	note_isolators(app);
	if (resolve_dns(r, err) < 0 || resolve_volumes(r, err) < 0 ||
	    resolve_creds(ctx, r, err) < 0)
		return -1;
	return 0;
}

/* --- the pod directory -------------------------------------------------- */

/* Host sources must exist; they are used by their canonical path. */
static int check_source(struct fly_run *r, size_t i, struct fly_error *err)
{
	const struct fly_pod_volume *v = r->uses[i].volume;
	struct fly_plan_volume *pv = &r->pvols[i];

	if (v->kind == FLY_POD_VOLUME_EMPTY) {
		char *dir = fly_xasprintf("%s/volumes/%s", r->pod.dir, v->name);

		fly_strv_push(&r->sources, dir);
		free(dir);
		pv->source_is_dir = true;
	} else {
		char real[PATH_MAX];
		struct stat st;

		if (!realpath(v->source, real) || stat(real, &st) < 0)
			return fly_fail(err, errno,
					"volume \"%s\": source "
					"\"%s\"",
					v->name, v->source);
		fly_strv_push(&r->sources, real);
		pv->source_is_dir = S_ISDIR(st.st_mode);
	}
	pv->source = r->sources.v[r->sources.n - 1];
	return 0;
}

/* Sources are checked when the pod is created and again when it starts
 * (a prepared pod's sources may have gone since). */
static int finish_volumes(struct fly_run *r, struct fly_error *err)
{
	fly_strv_clear(&r->sources);
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

int fly_run_create_pod(const struct fly_ctx *ctx, struct fly_run *r,
		       const char *state, struct fly_error *err)
{
	_cleanup_free_ char *env_path = NULL;

	if (fly_pod_create(ctx, state, &r->pod, err) < 0)
		return -1;
	env_path = fly_path_join(r->pod.dir, "env");
	if (fly_pod_write(ctx, &r->pod, "pod", r->spec.text, err) < 0 ||
	    fly_env_write(ctx, env_path, r->envp, err) < 0 ||
	    fly_pod_mkdir(ctx, &r->pod, "rootfs", 0755, err) < 0 ||
	    fly_pod_mkdir(ctx, &r->pod, "upper", 0755, err) < 0 ||
	    fly_pod_mkdir(ctx, &r->pod, "work", 0700, err) < 0 ||
	    fly_pod_mkdir(ctx, &r->pod, "volumes", 0755, err) < 0)
		return -1;
	return finish_volumes(r, err);
}

static int write_runtime_files(const struct fly_ctx *ctx, struct fly_run *r,
			       struct fly_error *err)
{
	bool host = fly_pod_spec_ns(&r->spec) == FLY_NS_HOST;

	if (fly_pod_write(ctx, &r->pod, "mount-ns",
			  host ? "host\n" : "private\n", err) < 0)
		return -1;
	if (!ctx->root && fly_pod_write(ctx, &r->pod, "userns", "", err) < 0)
		return -1;
	return 0;
}

/* --- namespaces and mounts ---------------------------------------------- */

static int enter_userns(const struct fly_ctx *ctx, struct fly_run *r,
			struct fly_error *err)
{
	const struct fly_creds *c = &r->creds;

	if (fly_userns_enter(ctx, &r->idmap, err) < 0)
		return -1;
	if (!fly_userns_maps(&r->idmap, c->uid, c->gid, c->groups, c->n_groups))
		return fly_fail(err, 0,
				"uid %u or gid %u is not mapped in the "
				"user namespace: give your user ranges in "
				"/etc/subuid and /etc/subgid (needs newuidmap "
				"from the uidmap package)",
				(unsigned int)c->uid, (unsigned int)c->gid);
	return 0;
}

static int make_empty_volumes(const struct fly_ctx *ctx, struct fly_run *r,
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
		    ctx->sys->sys_fchownat(AT_FDCWD, dir, v->uid, v->gid, 0) <
			    0)
			return fly_fail(err, errno,
					"volume \"%s\": set mode "
					"%04o, uid %u, gid %u on \"%s\"",
					v->name, (unsigned int)v->mode,
					(unsigned int)v->uid,
					(unsigned int)v->gid, dir);
	}
	return 0;
}

static void plan_files(const struct fly_run *r, struct fly_plan_input *in)
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
	in->hosts = r->hosts.mode == FLY_HOSTS_HOST    ? FLY_FILE_HOST
		    : r->hosts.mode == FLY_HOSTS_WRITE ? FLY_FILE_WRITE
						       : FLY_FILE_DEFAULT;
	in->hosts_host = "/etc/hosts";
	in->hosts_text = r->hosts_text;
}

static int mount_all(const struct fly_ctx *ctx, struct fly_run *r,
		     struct fly_error *err)
{
	_cleanup_free_ char *lower = fly_store_rootfs(ctx, r->spec.id);
	_cleanup_free_ char *upper = fly_path_join(r->pod.dir, "upper");
	_cleanup_free_ char *work = fly_path_join(r->pod.dir, "work");
	_cleanup_free_ char *pods = fly_path_join(ctx->dir, "pods");
	struct fly_plan_input in = {
		.ns = fly_pod_spec_ns(&r->spec),
		.userns = !ctx->root,
		.rootfs = r->root_path,
		.pods = pods,
		.lower = lower,
		.upper = upper,
		.work = work,
		.host = &r->host_mounts,
		.volumes = r->pvols,
		.n_volumes = r->n_uses,
		.read_only_rootfs = r->spec.pm->app.read_only_rootfs,
		.no_overlay = !fly_pod_spec_overlay(&r->spec),
	};

	plan_files(r, &in);
	if (r->n_uses > 0 &&
	    fly_mounts_read("/proc/self/mountinfo", &r->host_mounts, err) < 0)
		return -1;
	if (fly_plan_build(&in, &r->plan, err) < 0)
		return -1;
	if (fly_plan_execute(ctx, &r->plan, &r->mounts, err) < 0)
		return fly_wrap(err, "preparing the app's root");
	return 0;
}

/* --- the app --------------------------------------------------------- */

static int write_pid_files(const struct fly_ctx *ctx, struct fly_run *r,
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
static int check_working_dir(const struct fly_ctx *ctx, const struct fly_run *r,
			     const char *dir, struct fly_error *err)
{
	int fd = fly_inroot_openat(ctx, r->mounts.root_fd, dir,
				   O_PATH | O_DIRECTORY);

	if (fd < 0)
		return fly_fail(err, errno, "working directory \"%s\"", dir);
	close(fd);
	return 0;
}

static int spawn_in_pod(const struct fly_ctx *ctx, struct fly_run *r,
			char *const *argv, pid_t *ret_pid,
			struct fly_error *err)
{
	_cleanup_free_ char *exe = NULL;

	if (fly_exec_find(ctx, r->mounts.root_fd, argv[0],
			  fly_env_path(r->envp), &exe, err) < 0)
		return -1;
	return fly_launch_spawn(ctx, &r->launch, exe, argv, ret_pid, err);
}

static const struct fly_event_handler *handler(const struct fly_run *r,
					       const char *name)
{
	const struct fly_app *app = fly_pod_spec_app(&r->spec);

	for (size_t i = 0; app && i < app->n_event_handlers; i++)
		if (strcmp(app->event_handlers[i].name, name) == 0)
			return &app->event_handlers[i];
	return NULL;
}

static int run_handler(const struct fly_ctx *ctx, struct fly_run *r,
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

static void prepare_launch(const struct fly_ctx *ctx, struct fly_run *r,
			   const char *dir, const sigset_t *old_mask)
{
	r->launch = (struct fly_launch){
		.root_fd = r->mounts.root_fd,
		.root_path = r->root_path,
		.workdir = dir,
		.creds = &r->creds,
		.set_groups = ctx->root || r->idmap.gids > 0,
		.envp = r->envp,
		.child_mask = *old_mask,
	};
}

static int record_exit(const struct fly_ctx *ctx, struct fly_run *r,
		       int wstatus, struct fly_error *err)
{
	char text[16];

	snprintf(text, sizeof(text), "%d\n", fly_wait_code(wstatus));
	fly_debug("app exited with status %d", fly_wait_code(wstatus));
	return fly_pod_write(ctx, &r->pod, "exit", text, err);
}

/* Start the app, stay as its parent, record how it ended. */
static int start_app(const struct fly_ctx *ctx, struct fly_run *r,
		     struct fly_error *err)
{
	const struct fly_app *app = fly_pod_spec_app(&r->spec);
	const char *dir = app->working_directory ? app->working_directory : "/";
	sigset_t old_mask;
	int code, wstatus;
	pid_t pid;

	if (check_working_dir(ctx, r, dir, err) < 0 ||
	    fly_pod_keep_lock(&r->pod, err) < 0)
		return -1;
	fly_launch_block_signals(&old_mask);
	prepare_launch(ctx, r, dir, &old_mask);
	if (run_handler(ctx, r, "pre-start", &code, err) < 0)
		return -1;
	if (code != 0)
		return fly_fail(err, 0, "pre-start handler exited with %d",
				code);
	if (spawn_in_pod(ctx, r, app->exec, &pid, err) < 0)
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

int fly_run_start(const struct fly_ctx *ctx, struct fly_run *r,
		  struct fly_error *err)
{
	r->root_path = fly_path_join(r->pod.dir, "rootfs");
	if (finish_volumes(r, err) < 0 || write_runtime_files(ctx, r, err) < 0)
		return -1;
	if (!ctx->root && enter_userns(ctx, r, err) < 0)
		return -1;
	if (make_empty_volumes(ctx, r, err) < 0 || mount_all(ctx, r, err) < 0)
		return -1;
	return start_app(ctx, r, err);
}

void fly_run_abandon(const struct fly_ctx *ctx, struct fly_run *r)
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
