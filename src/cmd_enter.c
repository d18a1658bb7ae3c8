/* fly enter: run a command in the root of a running pod, with the app's
 * environment, working directory and credentials (behaviour.md section
 * 4).  fly joins the app's user namespace (when the pod has one) and its
 * mount namespace (unless the pod's mounts live in the host's), chroots
 * into the pod's root and execs the command: its exit status is fly's. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "creds.h"
#include "env.h"
#include "execpath.h"
#include "inroot.h"
#include "launch.h"
#include "log.h"
#include "ns.h"
#include "podmanifest.h"
#include "podstate.h"
#include "store.h"
#include "util.h"
#include "poison.h"

static const char enter_usage[] =
	"Usage: fly enter [--app=NAME] UUID [CMD [ARG...]]\n"
	"       fly enter [--app=NAME] --uuid-file=FILE [CMD [ARG...]]\n"
	"\n"
	"Run CMD (default /bin/sh) in the root of a running pod, with the\n"
	"app's environment, working directory, user and group.  CMD is\n"
	"looked up in the app's PATH inside the pod.  fly exits with CMD's\n"
	"status.  UUID may be any unambiguous prefix.\n"
	"\n"
	"Flags:\n"
	"  --app=NAME        the pod's app (a fly pod has exactly one)\n"
	"  --uuid-file=FILE  read the UUID from FILE\n";

static char *const default_cmd[] = { (char *)"/bin/sh", NULL };

struct enter {
	const char *app_flag;  /* --app */
	const char *uuid_file; /* --uuid-file */
	char *ref;             /* the UUID or prefix given */
	char *const *cmd;      /* the command and its arguments */
	struct fly_pod_info info;
	struct fly_pod_manifest *pm;
	struct fly_image_manifest *image; /* when the pod keeps its app */
	const struct fly_app *app;
	char **envp;
	int pidfd;
	struct fly_ns_fds ns;
	int root_fd;
	struct fly_creds creds;
};

static void enter_init(struct enter *e)
{
	memset(e, 0, sizeof(*e));
	e->pidfd = -1;
	e->root_fd = -1;
	e->ns = (struct fly_ns_fds){ .user_fd = -1, .mnt_fd = -1 };
	e->cmd = default_cmd;
}

static void enter_clear(struct enter *e)
{
	free(e->ref);
	fly_pod_info_clear(&e->info);
	fly_pod_manifest_free(e->pm);
	fly_image_manifest_free(e->image);
	fly_env_free(e->envp);
	if (e->pidfd >= 0)
		close(e->pidfd);
	fly_ns_fds_close(&e->ns);
	if (e->root_fd >= 0)
		close(e->root_fd);
	fly_creds_free(&e->creds);
}

/* Returns 1 after printing the usage. */
static int parse_args(int argc, char **argv, struct enter *e,
		      struct fly_error *err)
{
	enum { OPT_APP = 256, OPT_UUID_FILE };
	static const struct option opts[] = {
		{ "app", required_argument, NULL, OPT_APP },
		{ "uuid-file", required_argument, NULL, OPT_UUID_FILE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(enter_usage, stdout);
			return 1;
		}
		if (c == OPT_APP)
			e->app_flag = optarg;
		else if (c == OPT_UUID_FILE)
			e->uuid_file = optarg;
		else
			return fly_usage(err, "enter: %s \"%s\"",
					 c == ':' ? "flag needs a value"
						  : "unknown flag",
					 argv[optind - 1]);
	}
	if (e->uuid_file) {
		if (fly_pod_uuid_file_read(e->uuid_file, &e->ref, err) < 0)
			return fly_wrap(err, "enter");
	} else if (optind < argc) {
		e->ref = fly_xstrdup(argv[optind++]);
	} else {
		return fly_usage(err, "enter: no pod UUID given");
	}
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind < argc)
		e->cmd = argv + optind;
	return 0;
}

static int check_state(const struct fly_pod_info *info, struct fly_error *err)
{
	switch (info->state) {
	case FLY_POD_RUNNING:
		break;
	case FLY_POD_CREATING:
		return fly_fail(err, 0, "is being created, not running yet");
	case FLY_POD_PREPARED:
		return fly_fail(err, 0,
				"is prepared, not running: start it "
				"with `fly run-prepared`");
	case FLY_POD_EXITED:
		return fly_fail(err, 0,
				"has exited: only a running pod can "
				"be entered");
	default:
		return fly_fail(err, 0, "has exited and is being removed");
	}
	if (info->exit_code >= 0)
		return fly_fail(err, 0, "its app has exited with status %d",
				info->exit_code);
	if (info->pid <= 0)
		return fly_fail(err, 0, "its app has not started yet");
	if (!info->mount_ns)
		return fly_fail(err, 0, "\"%s/mount-ns\" is missing",
				info->dir);
	return 0;
}

/* A running pod whose app is up, entered by the user who ran it or by
 * root. */
static int check_running(const struct fly_ctx *ctx, const struct enter *e,
			 struct fly_error *err)
{
	struct stat st;

	if (check_state(&e->info, err) < 0)
		return -1;
	if (stat(e->info.dir, &st) < 0)
		return fly_fail(err, errno, "\"%s\"", e->info.dir);
	if (!ctx->root && st.st_uid != ctx->uid)
		return fly_fail(err, 0,
				"belongs to uid %u: only that user or "
				"root may enter it",
				(unsigned int)st.st_uid);
	if (strcmp(e->info.mount_ns, "host") != 0 &&
	    strcmp(e->info.mount_ns, "private") != 0)
		return fly_fail(err, 0,
				"\"%s/mount-ns\": \"%s\" is neither "
				"\"private\" nor \"host\"",
				e->info.dir, e->info.mount_ns);
	return 0;
}

/* The app as the pod runs it (the pod manifest's, else the image's) and
 * its environment. */
static int load_app(const struct fly_ctx *ctx, struct enter *e,
		    struct fly_error *err)
{
	_cleanup_free_ char *path = fly_path_join(e->info.dir, "pod");
	_cleanup_free_ char *env = fly_path_join(e->info.dir, "env");
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (fly_read_file(path, 1 << 24, &text, &len, err) < 0 ||
	    fly_pod_manifest_parse(text, len, &e->pm, err) < 0)
		return fly_wrap(err, "pod manifest");
	if (e->app_flag && strcmp(e->app_flag, e->pm->app.name) != 0)
		return fly_fail(err, 0,
				"--app: no app \"%s\" (the pod's app "
				"is \"%s\")",
				e->app_flag, e->pm->app.name);
	if (fly_env_read(env, &e->envp, err) < 0)
		return -1;
	e->app = e->pm->app.app;
	if (e->app)
		return 0;
	if (fly_store_manifest(ctx, e->pm->app.image.id, &e->image, NULL, err) <
	    0)
		return fly_wrap(err, "the pod's image");
	e->app = e->image->app;
	return 0;
}

/* A pidfd of the app, or -1 where the kernel has no pidfd_open(2). */
static int open_pidfd(pid_t pid, int *ret_fd, struct fly_error *err)
{
	*ret_fd = pidfd_open(pid, 0);
	if (*ret_fd >= 0)
		return 0;
	if (errno == ESRCH)
		return fly_fail(err, 0, "its app (pid %ld) has exited",
				(long)pid);
	if (errno != ENOSYS)
		return fly_fail(err, errno, "pidfd_open %ld", (long)pid);
	fly_debug("no pidfd_open: the app's start time alone identifies it");
	return 0;
}

/* The app started before its pid file was written; a process that
 * started later is a later user of the pid.  Checked once the
 * namespaces are open, the check holds for them too (fly_ns_open). */
static int open_app(const struct fly_ctx *ctx, struct enter *e,
		    struct fly_error *err)
{
	pid_t pid = e->info.pid;
	bool host_ns = strcmp(e->info.mount_ns, "host") == 0;
	int kinds = (e->info.userns ? CLONE_NEWUSER : 0) |
		    (host_ns ? 0 : CLONE_NEWNS);
	int r;

	if (open_pidfd(pid, &e->pidfd, err) < 0 ||
	    fly_ns_open(ctx, pid, e->pidfd, kinds, &e->ns, err) < 0)
		return -1;
	r = fly_proc_started_by(pid, &e->info.started, err);
	if (r < 0 && err->errnum == ESRCH)
		return fly_fail(err, 0, "its app (pid %ld) has exited",
				(long)pid);
	if (r < 0)
		return -1;
	if (r == 0)
		return fly_fail(err, 0,
				"its app (pid %ld) has exited: that "
				"pid is another process's now",
				(long)pid);
	fly_debug("app pid %ld: %s user namespace, %s mount namespace",
		  (long)pid, e->info.userns ? "its own" : "the host's",
		  host_ns ? "the host's" : "its own");
	return 0;
}

/* Host root entering a user namespace drops its own supplementary
 * groups first: where the namespace denies setgroups(2) they would
 * otherwise stay with the command. */
static int join_pod(const struct fly_ctx *ctx, struct enter *e,
		    struct fly_error *err)
{
	_cleanup_free_ char *root = fly_path_join(e->info.dir, "rootfs");

	if (ctx->root && e->info.userns && ctx->sys->sys_setgroups(0, NULL) < 0)
		return fly_fail(err, errno, "drop supplementary groups");
	if (fly_ns_join(ctx, &e->ns, err) < 0)
		return -1;
	e->root_fd = ctx->sys->sys_open(root, O_PATH | O_DIRECTORY, 0);
	if (e->root_fd < 0)
		return fly_fail(err, errno, "open the pod's root \"%s\"", root);
	return 0;
}

/* setgroups(2) is denied in a user namespace mapped without id ranges. */
static bool may_set_groups(void)
{
	FILE *f = fopen("/proc/self/setgroups", "re");
	char word[16] = "";
	bool allowed;

	if (!f)
		return true;
	allowed = !fgets(word, sizeof(word), f) ||
		  !fly_str_has_prefix(word, "deny");
	fclose(f);
	return allowed;
}

/* Resolve everything inside the pod's root, then chroot and exec. */
static int exec_command(const struct fly_ctx *ctx, struct enter *e,
			struct fly_error *err)
{
	const struct fly_app *app = e->app;
	const char *dir = app && app->working_directory ? app->working_directory
							: "/";
	_cleanup_free_ char *exe = NULL, *root_path = NULL;
	struct fly_launch l;
	int fd;

	if (fly_creds_resolve(ctx, e->root_fd, app ? app->user : "0",
			      app ? app->group : "0",
			      app ? app->supplementary_gids : NULL,
			      app ? app->n_supplementary_gids : 0, &e->creds,
			      err) < 0 ||
	    fly_exec_find(ctx, e->root_fd, e->cmd[0], fly_env_path(e->envp),
			  &exe, err) < 0)
		return -1;
	fd = fly_inroot_openat(ctx, e->root_fd, dir, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return fly_fail(err, errno, "working directory \"%s\"", dir);
	close(fd);

	root_path = fly_path_join(e->info.dir, "rootfs");
	l = (struct fly_launch){
		.root_fd = e->root_fd,
		.root_path = root_path,
		.workdir = dir,
		.creds = &e->creds,
		.set_groups = may_set_groups(),
		.envp = e->envp,
	};
	fly_debug("chroot \"%s\"", root_path);
	if (fly_launch_enter(ctx, &l, err) < 0)
		return -1;
	fly_debug("exec \"%s\"", exe);
	ctx->sys->sys_execve(exe, e->cmd, e->envp);
	return fly_fail(err, errno, "exec \"%s\"", exe);
}

static int enter_pod(const struct fly_ctx *ctx, struct enter *e,
		     struct fly_error *err)
{
	if (fly_pod_find(ctx, e->ref, &e->info, err) < 0)
		return -1;
	if (check_running(ctx, e, err) < 0 || load_app(ctx, e, err) < 0 ||
	    open_app(ctx, e, err) < 0 || join_pod(ctx, e, err) < 0 ||
	    exec_command(ctx, e, err) < 0)
		return fly_wrap(err, "pod %s", e->info.uuid);
	return 0;
}

int fly_cmd_enter(struct fly_ctx *ctx, int argc, char **argv,
		  struct fly_error *err)
{
	struct enter e;
	int r;

	enter_init(&e);
	r = parse_args(argc, argv, &e, err);
	if (r == 0 && enter_pod(ctx, &e, err) < 0)
		r = fly_wrap(err, "enter");
	enter_clear(&e);
	return r < 0 ? -1 : 0;
}
