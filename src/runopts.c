#include "runopts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "poison.h"

const char fly_run_usage[] =
	"Usage: fly run [flags] IMAGE [flags] [--exec=PATH] [-- ARG...]\n"
	"\n"
	"Run the app of IMAGE (an .aci file, or an image ID, ID prefix or\n"
	"name in the store) chrooted in a private copy of its root.  The\n"
	"app's exit status is fly's.\n"
	"\n"
	"Flags:\n"
	"  --volume NAME,kind=host,source=PATH[,readOnly=BOOL]"
	"[,recursive=BOOL]\n"
	"  --volume NAME,kind=empty[,mode=0755][,uid=0][,gid=0]\n"
	"                         a volume; non-recursive unless asked\n"
	"  --mount volume=NAME,target=PATH  mount a volume in the app\n"
	"  --exec=PATH            the program to run instead of the image's\n"
	"  --set-env=NAME=VALUE   set a variable (repeatable)\n"
	"  --set-env-file=FILE    variables from FILE, NAME=VALUE lines\n"
	"  --inherit-env          start from fly's own environment\n"
	"  --user=U, --group=G    run as U:G (name, number or path in the\n"
	"                         image)\n"
	"  --working-dir=DIR      the app's working directory\n"
	"  --dns=IP|host|none, --dns-search=D, --dns-opt=O, --dns-domain=D\n"
	"  --hosts-entry=IP=NAME|host\n"
	"  --uuid-file-save=FILE  write the pod's UUID to FILE\n"
	"  --mount-ns=private|host  where fly mounts (default private: a\n"
	"                         new mount namespace; host: rkt's way)\n"
	"  --read-only-rootfs     the app's root is read-only\n"
	"  --no-overlay           give the app a copy of the image, not an\n"
	"                         overlay (used anyway where the kernel\n"
	"                         refuses overlayfs)\n"
	"  --pod-manifest=FILE    run the pod FILE describes (an appc pod\n"
	"                         manifest with one app) instead of IMAGE\n"
	"  -h, --help             this text\n";

const char fly_prepare_usage[] =
	"Usage: fly prepare [run flags] IMAGE [--exec=PATH] [-- ARG...]\n"
	"       fly prepare --pod-manifest=FILE\n"
	"\n"
	"Check everything `fly run` would, store the image and create the\n"
	"pod without starting it; print its UUID.  Start it with\n"
	"`fly run-prepared UUID`.  Takes every flag of `fly run` (see\n"
	"`fly run --help`).\n";

enum {
	OPT_VOLUME = 256,
	OPT_MOUNT,
	OPT_EXEC,
	OPT_SET_ENV,
	OPT_ENV_FILE,
	OPT_INHERIT,
	OPT_USER,
	OPT_GROUP,
	OPT_WORKDIR,
	OPT_DNS,
	OPT_DNS_SEARCH,
	OPT_DNS_OPT,
	OPT_DNS_DOMAIN,
	OPT_HOSTS,
	OPT_UUID_SAVE,
	OPT_MOUNT_NS,
	OPT_RO_ROOTFS,
	OPT_POD_MANIFEST,
	OPT_NO_OVERLAY,
};

static const struct option run_options[] = {
	{ "volume", required_argument, NULL, OPT_VOLUME },
	{ "mount", required_argument, NULL, OPT_MOUNT },
	{ "exec", required_argument, NULL, OPT_EXEC },
	{ "set-env", required_argument, NULL, OPT_SET_ENV },
	{ "set-env-file", required_argument, NULL, OPT_ENV_FILE },
	{ "inherit-env", no_argument, NULL, OPT_INHERIT },
	{ "user", required_argument, NULL, OPT_USER },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "working-dir", required_argument, NULL, OPT_WORKDIR },
	{ "dns", required_argument, NULL, OPT_DNS },
	{ "dns-search", required_argument, NULL, OPT_DNS_SEARCH },
	{ "dns-opt", required_argument, NULL, OPT_DNS_OPT },
	{ "dns-domain", required_argument, NULL, OPT_DNS_DOMAIN },
	{ "hosts-entry", required_argument, NULL, OPT_HOSTS },
	{ "uuid-file-save", required_argument, NULL, OPT_UUID_SAVE },
	{ "mount-ns", required_argument, NULL, OPT_MOUNT_NS },
	{ "read-only-rootfs", no_argument, NULL, OPT_RO_ROOTFS },
	{ "pod-manifest", required_argument, NULL, OPT_POD_MANIFEST },
	{ "no-overlay", no_argument, NULL, OPT_NO_OVERLAY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int add_volume(struct fly_run_opts *o, const char *arg,
		      struct fly_error *err)
{
	o->volumes = fly_xrealloc(o->volumes,
				  (o->n_volumes + 1) * sizeof(*o->volumes));
	if (fly_volume_parse(arg, &o->volumes[o->n_volumes], err) < 0) {
		fly_pod_volume_clear(&o->volumes[o->n_volumes]);
		return -1;
	}
	o->n_volumes++;
	return 0;
}

static int add_mount(struct fly_run_opts *o, const char *arg,
		     struct fly_error *err)
{
	o->mounts = fly_xrealloc(o->mounts,
				 (o->n_mounts + 1) * sizeof(*o->mounts));
	if (fly_mount_parse(arg, &o->mounts[o->n_mounts], err) < 0) {
		fly_pod_mount_clear(&o->mounts[o->n_mounts]);
		return -1;
	}
	o->n_mounts++;
	return 0;
}

static int set_ns(struct fly_run_opts *o, const char *arg,
		  struct fly_error *err)
{
	if (strcmp(arg, "private") == 0)
		o->ns = FLY_NS_PRIVATE;
	else if (strcmp(arg, "host") == 0)
		o->ns = FLY_NS_HOST;
	else
		return fly_usage(err,
				 "--mount-ns: \"%s\" is not private or "
				 "host",
				 arg);
	return 0;
}

static int take_option(struct fly_run_opts *o, int c, const char *arg,
		       struct fly_error *err)
{
	switch (c) {
	case OPT_VOLUME:
		return add_volume(o, arg, err);
	case OPT_MOUNT:
		return add_mount(o, arg, err);
	case OPT_EXEC:
		o->exec = arg;
		break;
	case OPT_SET_ENV:
		fly_strv_push(&o->set_env, arg);
		break;
	case OPT_ENV_FILE:
		fly_strv_push(&o->env_files, arg);
		break;
	case OPT_INHERIT:
		o->inherit_env = true;
		break;
	case OPT_USER:
		o->user = arg;
		break;
	case OPT_GROUP:
		o->group = arg;
		break;
	case OPT_WORKDIR:
		o->working_dir = arg;
		break;
	case OPT_DNS:
		fly_strv_push(&o->dns, arg);
		break;
	case OPT_DNS_SEARCH:
		fly_strv_push(&o->dns_search, arg);
		break;
	case OPT_DNS_OPT:
		fly_strv_push(&o->dns_opt, arg);
		break;
	case OPT_DNS_DOMAIN:
		o->dns_domain = arg;
		break;
	case OPT_HOSTS:
		fly_strv_push(&o->hosts, arg);
		break;
	case OPT_UUID_SAVE:
		o->uuid_file_save = arg;
		break;
	case OPT_MOUNT_NS:
		return set_ns(o, arg, err);
	case OPT_RO_ROOTFS:
		o->read_only_rootfs = true;
		break;
	case OPT_POD_MANIFEST:
		o->pod_manifest = arg;
		break;
	case OPT_NO_OVERLAY:
		o->no_overlay = true;
		break;
	case 'h':
		o->help = true;
		break;
	default:
		return -2;
	}
	return 0;
}

/* getopt until the first non-option or `--`; returns 1 when `--` ended
 * the flags. */
static int parse_flags(int argc, char **argv, struct fly_run_opts *o,
		       struct fly_error *err)
{
	int c;

	while ((c = getopt_long(argc, argv, "+h", run_options, NULL)) != -1) {
		int r = take_option(o, c, optarg, err);

		if (r == -2)
			return fly_usage(err,
					 "run: unknown flag \"%s\" or "
					 "missing value",
					 argv[optind - 1]);
		if (r < 0)
			return -1;
	}
	return optind > 0 && strcmp(argv[optind - 1], "--") == 0;
}

static void take_args(int argc, char **argv, struct fly_run_opts *o)
{
	o->has_args = true;
	for (int i = optind; i < argc; i++)
		fly_strv_push(&o->args, argv[i]);
}

/* What a pod manifest says cannot come from flags as well. */
static int check_pod_manifest_flags(const struct fly_run_opts *o, bool more,
				    struct fly_error *err)
{
	const char *clash = more                      ? "an image or arguments"
			    : o->n_volumes            ? "--volume"
			    : o->n_mounts             ? "--mount"
			    : o->exec                 ? "--exec"
			    : o->user                 ? "--user"
			    : o->group                ? "--group"
			    : o->working_dir          ? "--working-dir"
			    : o->read_only_rootfs     ? "--read-only-rootfs"
			    : o->dns.n                ? "--dns"
			    : o->dns_search.n         ? "--dns-search"
			    : o->dns_opt.n            ? "--dns-opt"
			    : o->dns_domain           ? "--dns-domain"
			    : o->hosts.n              ? "--hosts-entry"
			    : o->ns != FLY_NS_PRIVATE ? "--mount-ns"
			    : o->no_overlay           ? "--no-overlay"
						      : NULL;

	if (clash)
		return fly_usage(err,
				 "--pod-manifest: %s cannot be given "
				 "too: the manifest says it",
				 clash);
	return 0;
}

int fly_run_opts_parse(int argc, char **argv, struct fly_run_opts *ret,
		       struct fly_error *err)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	opterr = 0;
	optind = 0;
	r = parse_flags(argc, argv, ret, err);
	if (r < 0 || ret->help)
		return r < 0 ? -1 : 0;
	if (ret->pod_manifest)
		return check_pod_manifest_flags(ret, r == 1 || optind < argc,
						err);
	if (r == 1 || optind >= argc)
		return fly_usage(err, "run: no image given");
	ret->image = argv[optind++];
	r = parse_flags(argc, argv, ret, err);
	if (r < 0)
		return -1;
	if (r == 1)
		take_args(argc, argv, ret);
	else if (optind < argc)
		return fly_usage(err,
				 "run: unexpected argument \"%s\" (fly "
				 "runs one image; app arguments go after "
				 "`--`)",
				 argv[optind]);
	return 0;
}

void fly_run_opts_clear(struct fly_run_opts *o)
{
	for (size_t i = 0; i < o->n_volumes; i++)
		fly_pod_volume_clear(&o->volumes[i]);
	for (size_t i = 0; i < o->n_mounts; i++)
		fly_pod_mount_clear(&o->mounts[i]);
	free(o->volumes);
	free(o->mounts);
	fly_strv_clear(&o->args);
	fly_strv_clear(&o->set_env);
	fly_strv_clear(&o->env_files);
	fly_strv_clear(&o->dns);
	fly_strv_clear(&o->dns_search);
	fly_strv_clear(&o->dns_opt);
	fly_strv_clear(&o->hosts);
	memset(o, 0, sizeof(*o));
}
