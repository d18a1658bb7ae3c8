/* fly export: an exited pod's root as a new ACI (behaviour.md section 4).
 *
 * The app's root was an overlay of the stored image's tree (lower) and
 * the pod's upper/.  Once the app has exited that view exists no more, so
 * fly shows it again, read-only, in a mount namespace of its own (and a
 * user namespace first when unprivileged, as `fly run` does): an overlay
 * with lowerdir=UPPER:LOWER and no upperdir, mounted on the pod's empty
 * rootfs/.  A pod that ran on a plain copy has its tree in rootfs/ and
 * is exported from there. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aci.h"
#include "cmd.h"
#include "log.h"
#include "manifest.h"
#include "mountinfo.h"
#include "ns.h"
#include "podmanifest.h"
#include "podstate.h"
#include "store.h"
#include "util.h"
#include "poison.h"

static const char export_usage[] =
	"Usage: fly export [--overwrite] UUID OUT.aci\n"
	"       fly export [--overwrite] --uuid-file=FILE OUT.aci\n"
	"\n"
	"Write the root of an exited pod as a new ACI that `fly run` accepts:\n"
	"the image's manifest with the app as the pod ran it, and the image's\n"
	"files with the app's changes.  UUID may be any unambiguous prefix.\n"
	"\n"
	"Flags:\n"
	"  --overwrite       replace OUT.aci if it exists\n"
	"  --uuid-file=FILE  read the UUID from FILE\n";

struct export
{
	bool overwrite;
	const char *uuid_file;
	char *ref; /* the UUID or prefix given */
	const char *out;
	struct fly_pod_info info;
	int dir_fd; /* holds a shared lock while exporting */
	struct fly_pod_manifest *pm;
	struct fly_image_manifest *image;
	int image_lock;
	char *manifest; /* the new image's manifest */
};

static void export_init(struct export *x)
{
	memset(x, 0, sizeof(*x));
	x->dir_fd = -1;
	x->image_lock = -1;
}

static void export_clear(struct export *x)
{
	free(x->ref);
	fly_pod_info_clear(&x->info);
	if (x->dir_fd >= 0)
		close(x->dir_fd);
	fly_pod_manifest_free(x->pm);
	fly_image_manifest_free(x->image);
	if (x->image_lock >= 0)
		close(x->image_lock);
	free(x->manifest);
}

/* Copy a string, with a backslash before each ':', ',' and '\\': overlayfs
 * reads ':' as the layer separator and ',' as the option separator. */
static void put_escaped(char **p, const char *s)
{
	for (; *s; s++) {
		if (*s == ':' || *s == ',' || *s == '\\')
			*(*p)++ = '\\';
		*(*p)++ = *s;
	}
}

char *fly_export_overlay_options(const char *upper, const char *lower)
{
	static const char key[] = "lowerdir=";
	char *opts = fly_xmalloc(sizeof(key) +
				 2 * (strlen(upper) + strlen(lower)) + 1);
	char *p = opts;

	memcpy(p, key, sizeof(key) - 1);
	p += sizeof(key) - 1;
	put_escaped(&p, upper);
	*p++ = ':';
	put_escaped(&p, lower);
	*p = '\0';
	return opts;
}

int fly_export_manifest(const struct fly_image_manifest *image,
			const struct fly_app *app, char **ret_text,
			struct fly_error *err)
{
	json_t *doc = json_deep_copy(image->json);
	struct fly_image_manifest *check = NULL;
	char *text;

	if (!doc)
		return fly_fail(err, ENOMEM, "copy the image's manifest");
	json_object_del(doc, "dependencies");
	json_object_del(doc, "pathWhitelist");
	if (app && !fly_json_put(doc, "app", fly_app_to_json(app))) {
		json_decref(doc);
		return fly_fail(err, EILSEQ, "the pod's app");
	}
	text = json_dumps(doc, JSON_INDENT(2));
	json_decref(doc);
	if (!text)
		return fly_fail(err, ENOMEM, "write the manifest");
	if (fly_image_manifest_parse(text, strlen(text), &check, err) < 0) {
		free(text);
		return fly_wrap(err, "the new manifest");
	}
	fly_image_manifest_free(check);
	*ret_text = text;
	return 0;
}

static int parse_operands(int argc, char **argv, struct export *x,
			  struct fly_error *err)
{
	int want = x->uuid_file ? 1 : 2;

	if (argc - optind != want)
		return fly_usage(err, "export: expected %s and an output file",
				 x->uuid_file ? "--uuid-file" : "a pod UUID");
	if (x->uuid_file) {
		if (fly_pod_uuid_file_read(x->uuid_file, &x->ref, err) < 0)
			return fly_wrap(err, "export");
	} else {
		x->ref = fly_xstrdup(argv[optind++]);
	}
	x->out = argv[optind];
	return 0;
}

/* Returns 1 after printing the usage. */
static int parse_args(int argc, char **argv, struct export *x,
		      struct fly_error *err)
{
	enum { OPT_OVERWRITE = 256, OPT_UUID_FILE };
	static const struct option opts[] = {
		{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
		{ "uuid-file", required_argument, NULL, OPT_UUID_FILE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(export_usage, stdout);
			return 1;
		}
		if (c == OPT_OVERWRITE)
			x->overwrite = true;
		else if (c == OPT_UUID_FILE)
			x->uuid_file = optarg;
		else
			return fly_usage(err, "export: %s \"%s\"",
					 c == ':' ? "flag needs a value"
						  : "unknown flag",
					 argv[optind - 1]);
	}
	return parse_operands(argc, argv, x, err);
}

/* OUT is replaced only with --overwrite, and never a directory. */
static int check_out(const struct export *x, struct fly_error *err)
{
	struct stat st;

	if (lstat(x->out, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return fly_fail(err, errno, "\"%s\"", x->out);
	}
	if (S_ISDIR(st.st_mode))
		return fly_fail(err, 0, "\"%s\" is a directory", x->out);
	if (!x->overwrite)
		return fly_fail(err, 0,
				"\"%s\" exists: give --overwrite to "
				"replace it",
				x->out);
	return 0;
}

static int check_state(const struct fly_pod_info *info, struct fly_error *err)
{
	switch (info->state) {
	case FLY_POD_EXITED:
		return 0;
	case FLY_POD_RUNNING:
		return fly_fail(err, 0,
				"is running: stop it first (`fly stop "
				"%s`)",
				info->uuid);
	case FLY_POD_CREATING:
		return fly_fail(err, 0, "is being created: it has not run yet");
	case FLY_POD_PREPARED:
		return fly_fail(err, 0, "is prepared: it has not run yet");
	default:
		return fly_fail(err, 0, "is being removed by `fly gc`");
	}
}

/* An exited pod is in run/ with its lock free (pod.h).  The shared lock
 * taken here keeps `fly gc` from removing it during the export. */
static int lock_exited(const struct fly_ctx *ctx, struct export *x,
		       struct fly_error *err)
{
	const char *dir = x->info.dir;

	if (check_state(&x->info, err) < 0)
		return -1;
	x->dir_fd = ctx->sys->sys_open(dir, O_RDONLY | O_DIRECTORY, 0);
	if (x->dir_fd < 0)
		return fly_fail(err, errno, "open \"%s\"", dir);
	if (flock(x->dir_fd, LOCK_SH | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		return fly_fail(err, 0,
				"is busy: it is being started or "
				"removed");
	return fly_fail(err, errno, "lock \"%s\"", dir);
}

/* A pod run with --mount-ns=host keeps its mounts after it exits, until
 * gc removes them with the pod; its tree cannot be read under them. */
static int check_no_mounts(const struct export *x, struct fly_error *err)
{
	struct fly_mount_table t = { 0 };
	const struct fly_mount_entry **below = NULL;
	size_t n;

	if (fly_mounts_read("/proc/self/mountinfo", &t, err) < 0)
		return -1;
	n = fly_pod_mounts_below(&t, x->info.dir, &below);
	free(below);
	fly_mounts_free(&t);
	if (n > 0)
		return fly_fail(err, 0,
				"%zu mounts remain under \"%s\" (it ran "
				"with --mount-ns=host): unmount \"%s/rootfs\" "
				"recursively to export it, or run `fly gc` to "
				"remove the pod and its mounts",
				n, x->info.dir, x->info.dir);
	return 0;
}

static int load_manifests(const struct fly_ctx *ctx, struct export *x,
			  struct fly_error *err)
{
	_cleanup_free_ char *path = fly_path_join(x->info.dir, "pod");
	_cleanup_free_ char *text = NULL;
	const char *id;
	size_t len;

	if (fly_read_file(path, 1 << 24, &text, &len, err) < 0 ||
	    fly_pod_manifest_parse(text, len, &x->pm, err) < 0)
		return fly_wrap(err, "pod manifest");
	id = x->pm->app.image.id;
	if (fly_store_manifest(ctx, id, &x->image, NULL, err) < 0 ||
	    fly_store_use(ctx, id, &x->image_lock, err) < 0)
		return fly_wrap(err, "the pod's image %s", id);
	return fly_export_manifest(x->image, x->pm->app.app, &x->manifest, err);
}

/* rootfs/ holds entries only when the pod ran on a plain copy. */
static int rootfs_is_copy(const char *rootfs, bool *ret, struct fly_error *err)
{
	DIR *d = opendir(rootfs);
	struct dirent *de;

	if (!d)
		return fly_fail(err, errno, "open \"%s\"", rootfs);
	*ret = false;
	while (!*ret && (de = readdir(d)))
		*ret = strcmp(de->d_name, ".") != 0 &&
		       strcmp(de->d_name, "..") != 0;
	closedir(d);
	return 0;
}

/* Show the pod's root again, read-only, where nothing else sees it; the
 * mount goes away with fly's mount namespace. */
static int mount_view(const struct fly_ctx *ctx, const struct export *x,
		      const char *rootfs, struct fly_error *err)
{
	_cleanup_free_ char *upper = fly_path_join(x->info.dir, "upper");
	_cleanup_free_ char *lower = fly_store_rootfs(ctx, x->pm->app.image.id);
	_cleanup_free_ char *opts = fly_export_overlay_options(upper, lower);

	if (fly_ns_enter_private(ctx, err) < 0)
		return -1;
	fly_debug("mount overlay %s on \"%s\" read-only", opts, rootfs);
	if (ctx->sys->sys_mount("overlay", rootfs, "overlay", MS_RDONLY, opts) <
	    0)
		return fly_fail(err, errno,
				"mount overlay of \"%s\" and \"%s\" "
				"on \"%s\"",
				upper, lower, rootfs);
	return 0;
}

static int write_aci(const struct fly_ctx *ctx, struct export *x,
		     struct fly_error *err)
{
	_cleanup_free_ char *rootfs = fly_path_join(x->info.dir, "rootfs");
	bool copy = false;

	if (rootfs_is_copy(rootfs, &copy, err) < 0)
		return -1;
	if (!copy && mount_view(ctx, x, rootfs, err) < 0)
		return -1;
	fly_debug("write \"%s\" from \"%s\"", x->out, rootfs);
	return fly_aci_write(ctx, x->manifest, rootfs, x->out, err);
}

static int export_pod(const struct fly_ctx *ctx, struct export *x,
		      struct fly_error *err)
{
	if (check_out(x, err) < 0 ||
	    fly_pod_find(ctx, x->ref, &x->info, err) < 0)
		return -1;
	if (lock_exited(ctx, x, err) < 0 || check_no_mounts(x, err) < 0 ||
	    load_manifests(ctx, x, err) < 0 || write_aci(ctx, x, err) < 0)
		return fly_wrap(err, "pod %s", x->info.uuid);
	return 0;
}

int fly_cmd_export(struct fly_ctx *ctx, int argc, char **argv,
		   struct fly_error *err)
{
	struct export x;
	int r;

	export_init(&x);
	r = parse_args(argc, argv, &x, err);
	if (r == 0 && export_pod(ctx, &x, err) < 0)
		r = fly_wrap(err, "export");
	export_clear(&x);
	return r < 0 ? -1 : 0;
}
