/* fly: run one application from an App Container Image, chroot only. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cmd.h"
#include "launch.h"
#include "log.h"
#include "util.h"
#include "poison.h"

static const char usage_text[] =
	"Usage: fly [global flags] COMMAND [flags] [args]\n"
	"\n"
	"Run one application from an App Container Image (ACI) with chroot\n"
	"as its only isolation.\n"
	"\n"
	"Commands:\n"
	"  run IMAGE [--exec=PATH] [-- ARG...]  run an image's app\n"
	"  run --pod-manifest=FILE              run the pod FILE describes\n"
	"  prepare IMAGE ...                    create a pod, print its UUID\n"
	"  run-prepared UUID                    start a prepared pod\n"
	"  enter [--app=NAME] UUID [CMD...]     run a command in a running "
	"pod\n"
	"  export [--overwrite] UUID OUT.aci    an exited pod as a new ACI\n"
	"  list [--full] [--format=json]        list the pods\n"
	"  status [--wait] UUID                 print a pod's state\n"
	"  stop [--force] UUID...               stop pods' apps\n"
	"  gc [--grace-period=DURATION]         remove pods that exited\n"
	"  image fetch|list|rm|cat-manifest|export|gc  manage the store\n"
	"  version                              print fly's version\n"
	"\n"
	"Global flags:\n"
	"  --dir=DIR          data directory (also FLY_DIR); default\n"
	"                     /var/lib/fly for root, else $XDG_DATA_HOME/fly\n"
	"  --debug            log every mount, chroot, credential change\n"
	"                     and exec to stderr\n"
	"  --insecure-options=image  accepted; fly verifies no signatures\n"
	"  -h, --help         this text; `fly COMMAND --help` for a command\n";

struct command {
	const char *name;
	fly_cmd_fn *fn;
};

static const struct command commands[] = {
	{ "run", fly_cmd_run },
	{ "prepare", fly_cmd_prepare },
	{ "run-prepared", fly_cmd_run_prepared },
	{ "enter", fly_cmd_enter },
	{ "export", fly_cmd_export },
	{ "image", fly_cmd_image },
	{ "version", fly_cmd_version },
	{ "list", fly_cmd_list },
	{ "status", fly_cmd_status },
	{ "stop", fly_cmd_stop },
	{ "gc", fly_cmd_gc },
};

static char *default_dir(void)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	if (getuid() == 0)
		return fly_xstrdup("/var/lib/fly");
	if (xdg && xdg[0] == '/')
		return fly_path_join(xdg, "fly");
	if (home && home[0] == '/')
		return fly_xasprintf("%s/.local/share/fly", home);
	return NULL;
}

/* Resolve the data directory to an absolute path without symlinks, so that
 * every path fly derives from it can be compared and checked. */
static int setup_dir(struct fly_ctx *ctx, const char *flag, char **ret,
		     struct fly_error *err)
{
	const char *env_dir = getenv("FLY_DIR");
	_cleanup_free_ char *dir = NULL;
	char *real;

	if (flag && flag[0])
		dir = fly_xstrdup(flag);
	else if (env_dir && env_dir[0])
		dir = fly_xstrdup(env_dir);
	else
		dir = default_dir();
	if (!dir)
		return fly_usage(err, "no data directory: set --dir, FLY_DIR "
				      "or HOME");
	if (fly_mkdir_p(ctx, dir, 0755, err) < 0)
		return fly_wrap(err, "data directory");
	real = realpath(dir, NULL);
	if (!real)
		return fly_fail(err, errno, "data directory \"%s\"", dir);
	*ret = real;
	return 0;
}

int fly_cmd_version(struct fly_ctx *ctx, int argc, char **argv,
		    struct fly_error *err)
{
	(void)ctx;
	(void)err;
	if (argc > 1 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage: fly version\n\nPrint fly's version.\n");
		return 0;
	}
	if (argc > 1)
		return fly_usage(err, "version: unexpected argument \"%s\"",
				 argv[1]);
	printf("fly version %s\nappc version 0.8.11\n", FLY_VERSION);
	return 0;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int parse_global(int argc, char **argv, const char **ret_dir,
			struct fly_error *err)
{
	enum { OPT_DIR = 256, OPT_DEBUG, OPT_INSECURE };
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "debug", optional_argument, NULL, OPT_DEBUG },
		{ "insecure-options", required_argument, NULL, OPT_INSECURE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DIR:
			*ret_dir = optarg;
			break;
		case OPT_DEBUG:
			fly_log_set_debug(!optarg || strcmp(optarg, "false"));
			break;
		case OPT_INSECURE:
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		default:
			return fly_usage(err, "unknown flag \"%s\"",
					 argv[optind - 1]);
		}
	}
	return 0;
}

static int dispatch(int argc, char **argv, struct fly_error *err)
{
	struct fly_ctx ctx = { .sys = &fly_sys_real };
	_cleanup_free_ char *dir = NULL;
	const struct command *cmd;
	const char *dir_flag = NULL;
	int r;

	r = parse_global(argc, argv, &dir_flag, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (optind >= argc)
		return fly_usage(err, "no command given");
	cmd = find_command(argv[optind]);
	if (!cmd)
		return fly_usage(err, "unknown command \"%s\"", argv[optind]);
	ctx.uid = getuid();
	ctx.gid = getgid();
	ctx.root = ctx.uid == 0;
	if (strcmp(cmd->name, "version") != 0) {
		if (setup_dir(&ctx, dir_flag, &dir, err) < 0)
			return -1;
		ctx.dir = dir;
		fly_debug("data directory \"%s\"", dir);
	}
	fly_debug("--insecure-options: fly verifies no image signatures");
	argc -= optind;
	argv += optind;
	optind = 0;
	return cmd->fn(&ctx, argc, argv, err);
}

/* End the way the app ended: death by the same signal, so that whoever
 * waits for fly sees exactly what it would have seen of the app. */
static int die_by_signal(int sig)
{
	struct rlimit no_core = { 0, 0 };
	sigset_t set;

	setrlimit(RLIMIT_CORE, &no_core);
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	return 128 + sig;
}

int main(int argc, char **argv)
{
	struct fly_error err = { 0 };
	int r = dispatch(argc, argv, &err);

	fflush(stdout);
	if (r >= FLY_EXIT_SIGNAL)
		return die_by_signal(r - FLY_EXIT_SIGNAL);
	if (r >= 0)
		return r;
	fprintf(stderr, "fly: %s\n", err.msg);
	if (err.usage) {
		fputs("Try 'fly --help'.\n", stderr);
		return FLY_EXIT_USAGE;
	}
	return FLY_EXIT_FAILURE;
}
