/* fly image fetch|list|cat-manifest|rm|gc|export: the store's commands. */
#include "cmd.h"
#include "duration.h"
#include "podstate.h"
#include "strv.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store.h"
#include "util.h"
#include "poison.h"

#define SHORT_ID_LEN (7 + 32) /* "sha512-" + 32 hex digits */
#define DEFAULT_GRACE (24 * 60 * 60)

static const char image_usage[] =
	"Usage: fly image COMMAND [flags] [args]\n"
	"\n"
	"Manage the local image store.\n"
	"\n"
	"Commands:\n"
	"  fetch FILE.aci...             import images, print their IDs\n"
	"  list                          list the stored images\n"
	"  cat-manifest ID|NAME          print an image's manifest\n"
	"  rm ID...                      remove images\n"
	"  gc                            remove images not used lately\n"
	"  export ID|NAME OUT.aci        write an image's archive to a file\n"
	"\n"
	"An ID may be given in full or as an unambiguous prefix of at least\n"
	"4 hex digits, with or without \"sha512-\"; a NAME may carry\n"
	"\":VERSION\".  `fly image COMMAND --help` describes each command.\n";

static const char fetch_usage[] =
	"Usage: fly image fetch FILE.aci...\n"
	"\n"
	"Import each ACI (tar, gzip, bzip2, xz or zstd) into the store and\n"
	"print its full image ID.  A file already imported is not read\n"
	"again.\n";

static const char list_usage[] =
	"Usage: fly image list [--format=table|json] [--no-legend] [--full]\n"
	"\n"
	"List the stored images, oldest import first.\n"
	"\n"
	"  --format=json   a JSON array of {id, name, labels, size, imported,\n"
	"                  last_used}\n"
	"  --no-legend     leave out the header line\n"
	"  --full          print whole IDs\n";

static const char cat_usage[] =
	"Usage: fly image cat-manifest [--pretty-print] ID|NAME\n"
	"\n"
	"Print the manifest of a stored image.\n"
	"\n"
	"  --pretty-print  indent the JSON\n";

static const char rm_usage[] =
	"Usage: fly image rm ID...\n"
	"\n"
	"Remove images from the store.  An image that a running app uses is\n"
	"kept and reported.\n";

static const char gc_usage[] =
	"Usage: fly image gc [--grace-period=DURATION]\n"
	"\n"
	"Remove images not used within the grace period (default 24h) and\n"
	"unfinished imports.  Images in use, and images of pods that\n"
	"`fly gc` has not removed yet, are kept.\n"
	"\n"
	"  --grace-period=DURATION  like 30m, 1h30m, 10s or 0\n";

static const char export_usage[] =
	"Usage: fly image export [--overwrite] ID|NAME OUT.aci\n"
	"\n"
	"Write the image's archive, exactly as imported, to OUT.aci.\n"
	"\n"
	"  --overwrite  replace OUT.aci if it exists\n";

enum {
	OPT_FORMAT = 256,
	OPT_NO_LEGEND,
	OPT_FULL,
	OPT_PRETTY,
	OPT_GRACE,
	OPT_OVERWRITE
};

/* getopt_long over a subcommand's argv.  Returns the option, -1 at the
 * end, or -2 with err filled for an unknown flag or missing value. */
static int next_opt(int argc, char **argv, const struct option *opts,
		    const char *cmd, struct fly_error *err)
{
	int c = getopt_long(argc, argv, ":h", opts, NULL);

	if (c == '?')
		fly_usage(err, "image %s: unknown flag \"%s\"", cmd,
			  argv[optind - 1]);
	else if (c == ':')
		fly_usage(err, "image %s: flag \"%s\" needs a value", cmd,
			  argv[optind - 1]);
	else
		return c;
	return -2;
}

/* Parse flags that only ask for help.  Returns 1 after printing usage. */
static int parse_help_only(int argc, char **argv, const char *usage,
			   struct fly_error *err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = next_opt(argc, argv, opts, argv[0], err)) != -1) {
		if (c == -2)
			return -1;
		fputs(usage, stdout);
		return 1;
	}
	return 0;
}

static int image_fetch(struct fly_ctx *ctx, int argc, char **argv,
		       struct fly_error *err)
{
	char id[FLY_ID_LEN + 1];
	int r = parse_help_only(argc, argv, fetch_usage, err);

	if (r != 0)
		return r < 0 ? -1 : 0;
	if (optind >= argc)
		return fly_usage(err, "image fetch: no image file given");
	for (int i = optind; i < argc; i++) {
		if (fly_store_fetch(ctx, argv[i], id, err) < 0)
			return fly_wrap(err, "image fetch");
		printf("%s\n", id);
		fflush(stdout);
	}
	return 0;
}

/* ---- list ---------------------------------------------------------------- */

struct list_opts {
	bool json;
	bool no_legend;
	bool full;
};

static void format_rfc3339(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void format_size(uint64_t n, char out[32])
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;

	if (n < 1024) {
		snprintf(out, 32, "%lluB", (unsigned long long)n);
		return;
	}
	for (v /= 1024; v >= 1024 && u + 1 < 4; u++)
		v /= 1024;
	snprintf(out, 32, "%.1f%s", v, units[u]);
}

static void format_ago(time_t t, time_t now, char out[32])
{
	static const struct {
		long secs;
		const char *unit;
	} steps[] = {
		{ 86400, "day" },
		{ 3600, "hour" },
		{ 60, "minute" },
		{ 1, "second" },
	};
	long d = (long)(now - t);

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		long n = d / steps[i].secs;

		if (n < 1)
			continue;
		snprintf(out, 32, "%ld %s%s ago", n, steps[i].unit,
			 n == 1 ? "" : "s");
		return;
	}
	snprintf(out, 32, "just now");
}

static char *display_name(const struct fly_image_info *info)
{
	const char *v = fly_name_value_get(info->labels, info->n_labels,
					   "version");

	return v ? fly_xasprintf("%s:%s", info->name, v)
		 : fly_xstrdup(info->name);
}

static void print_row(const char *c[5], const int w[5])
{
	printf("%-*s  %-*s  %-*s  %-*s  %s\n", w[0], c[0], w[1], c[1], w[2],
	       c[2], w[3], c[3], c[4]);
}

static void list_table(const struct fly_image_info *info, size_t n,
		       const struct list_opts *o)
{
	static const char *const head[5] = { "ID", "NAME", "SIZE", "IMPORTED",
					     "LAST USED" };
	char(*cells)[4][FLY_ID_LEN + 1] = fly_xcalloc(n, sizeof(*cells));
	char **names = fly_xcalloc(n, sizeof(char *));
	int w[5] = { 2, 4, 4, 8, 9 };
	time_t now = time(NULL);

	for (size_t i = 0; i < n; i++) {
		snprintf(cells[i][0], sizeof(cells[i][0]), "%.*s",
			 o->full ? FLY_ID_LEN : SHORT_ID_LEN, info[i].id);
		names[i] = display_name(&info[i]);
		format_size(info[i].size, cells[i][1]);
		format_ago(info[i].imported, now, cells[i][2]);
		format_ago(info[i].last_used, now, cells[i][3]);
		w[0] = o->full ? FLY_ID_LEN : SHORT_ID_LEN;
		if ((int)strlen(names[i]) > w[1])
			w[1] = (int)strlen(names[i]);
		for (int k = 1; k < 4; k++)
			if ((int)strlen(cells[i][k]) > w[k + 1])
				w[k + 1] = (int)strlen(cells[i][k]);
	}
	if (!o->no_legend)
		print_row((const char **)head, w);
	for (size_t i = 0; i < n; i++) {
		const char *row[5] = { cells[i][0], names[i], cells[i][1],
				       cells[i][2], cells[i][3] };

		print_row(row, w);
		free(names[i]);
	}
	free(names);
	free(cells);
}

static json_t *info_to_json(const struct fly_image_info *info)
{
	json_t *labels = json_object();
	char imported[32], used[32];

	for (size_t i = 0; i < info->n_labels; i++)
		json_object_set_new(labels, info->labels[i].name,
				    json_string(info->labels[i].value));
	format_rfc3339(info->imported, imported);
	format_rfc3339(info->last_used, used);
	return json_pack("{s:s, s:s, s:o, s:I, s:s, s:s}", "id", info->id,
			 "name", info->name, "labels", labels, "size",
			 (json_int_t)info->size, "imported", imported,
			 "last_used", used);
}

static void list_json(const struct fly_image_info *info, size_t n)
{
	json_auto_t *arr = json_array();
	char *text;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, info_to_json(&info[i]));
	text = json_dumps(arr, JSON_INDENT(2));
	if (!text)
		abort();
	printf("%s\n", text);
	free(text);
}

static int parse_list(int argc, char **argv, struct list_opts *o,
		      struct fly_error *err)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "no-legend", no_argument, NULL, OPT_NO_LEGEND },
		{ "full", no_argument, NULL, OPT_FULL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = next_opt(argc, argv, opts, "list", err)) != -1) {
		if (c == -2)
			return -1;
		if (c == 'h') {
			fputs(list_usage, stdout);
			return 1;
		}
		if (c == OPT_FORMAT && strcmp(optarg, "json") != 0 &&
		    strcmp(optarg, "table") != 0)
			return fly_usage(err,
					 "image list: --format: \"%s\" is "
					 "not table or json",
					 optarg);
		o->json |= c == OPT_FORMAT && strcmp(optarg, "json") == 0;
		o->no_legend |= c == OPT_NO_LEGEND;
		o->full |= c == OPT_FULL;
	}
	if (optind < argc)
		return fly_usage(err, "image list: unexpected argument \"%s\"",
				 argv[optind]);
	return 0;
}

static int image_list(struct fly_ctx *ctx, int argc, char **argv,
		      struct fly_error *err)
{
	struct list_opts o = { 0 };
	struct fly_image_info *info = NULL;
	size_t n = 0;
	int r = parse_list(argc, argv, &o, err);

	if (r != 0)
		return r < 0 ? -1 : 0;
	if (fly_store_prepare(ctx, err) < 0 ||
	    fly_store_list(ctx, &info, &n, err) < 0)
		return fly_wrap(err, "image list");
	if (o.json)
		list_json(info, n);
	else
		list_table(info, n, &o);
	fly_image_info_free(info, n);
	return 0;
}

/* ---- cat-manifest -------------------------------------------------------- */

static int print_manifest(const char *text, bool pretty, struct fly_error *err)
{
	json_auto_t *j = NULL;
	json_error_t jerr;
	char *out;

	if (!pretty) {
		fputs(text, stdout);
		if (!*text || text[strlen(text) - 1] != '\n')
			putchar('\n');
		return 0;
	}
	j = json_loads(text, 0, &jerr);
	if (!j)
		return fly_fail(err, 0, "manifest: %s", jerr.text);
	out = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!out)
		abort();
	printf("%s\n", out);
	free(out);
	return 0;
}

static int image_cat_manifest(struct fly_ctx *ctx, int argc, char **argv,
			      struct fly_error *err)
{
	static const struct option opts[] = {
		{ "pretty-print", no_argument, NULL, OPT_PRETTY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *text = NULL;
	char id[FLY_ID_LEN + 1];
	bool pretty = false;
	int c;

	while ((c = next_opt(argc, argv, opts, "cat-manifest", err)) != -1) {
		if (c == -2)
			return -1;
		if (c == 'h') {
			fputs(cat_usage, stdout);
			return 0;
		}
		pretty = true;
	}
	if (argc - optind != 1)
		return fly_usage(err, "image cat-manifest: expected one ID or "
				      "name");
	if (fly_store_resolve(ctx, argv[optind], id, err) < 0 ||
	    fly_store_manifest(ctx, id, NULL, &text, err) < 0 ||
	    print_manifest(text, pretty, err) < 0)
		return fly_wrap(err, "image cat-manifest");
	return 0;
}

/* ---- rm and gc ----------------------------------------------------------- */

/* Several failures are joined into one line: "a: why; b: why". */
static void add_failure(struct fly_error *all, int *count,
			const struct fly_error *one, const char *what)
{
	_cleanup_free_ char *part = fly_xasprintf(
		"%s\"%s\": %s", (*count)++ ? "; " : "", what, one->msg);
	size_t len = strlen(all->msg);
	size_t n = strlen(part);

	if (n > sizeof(all->msg) - 1 - len)
		n = sizeof(all->msg) - 1 - len;
	memcpy(all->msg + len, part, n);
	all->msg[len + n] = '\0';
}

static int remove_one(struct fly_ctx *ctx, const char *ref,
		      struct fly_error *err)
{
	char id[FLY_ID_LEN + 1];

	if (fly_store_resolve(ctx, ref, id, err) < 0 ||
	    fly_store_remove(ctx, id, err) < 0)
		return -1;
	printf("removed %s\n", id);
	return 0;
}

static int image_rm(struct fly_ctx *ctx, int argc, char **argv,
		    struct fly_error *err)
{
	int r = parse_help_only(argc, argv, rm_usage, err);
	int failed = 0;

	if (r != 0)
		return r < 0 ? -1 : 0;
	if (optind >= argc)
		return fly_usage(err, "image rm: no image given");
	if (fly_store_prepare(ctx, err) < 0)
		return fly_wrap(err, "image rm");
	fly_error_clear(err);
	for (int i = optind; i < argc; i++) {
		struct fly_error one = { 0 };

		if (remove_one(ctx, argv[i], &one) < 0)
			add_failure(err, &failed, &one, argv[i]);
	}
	if (failed == 0)
		return 0;
	return fly_wrap(err, "image rm");
}

static int parse_gc(int argc, char **argv, time_t *grace, struct fly_error *err)
{
	static const struct option opts[] = {
		{ "grace-period", required_argument, NULL, OPT_GRACE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t ns;
	int c;

	while ((c = next_opt(argc, argv, opts, "gc", err)) != -1) {
		if (c == -2)
			return -1;
		if (c == 'h') {
			fputs(gc_usage, stdout);
			return 1;
		}
		if (fly_duration_parse("image gc: --grace-period", optarg, &ns,
				       err) < 0)
			return -1;
		*grace = (time_t)(ns / FLY_NSEC_PER_SEC);
	}
	if (optind < argc)
		return fly_usage(err, "image gc: unexpected argument \"%s\"",
				 argv[optind]);
	return 0;
}

static bool listed(const struct fly_strv *ids, const char *id)
{
	for (size_t i = 0; i < ids->n; i++)
		if (strcmp(ids->v[i], id) == 0)
			return true;
	return false;
}

/* An image goes when it was not used within the grace period and no pod
 * that gc has not removed yet was made from it. */
static void collect_one(struct fly_ctx *ctx, const struct fly_image_info *info,
			time_t cutoff, const struct fly_strv *in_pods,
			struct fly_error *err, int *failed)
{
	struct fly_error one = { 0 };

	if (info->last_used > cutoff)
		return;
	if (listed(in_pods, info->id)) {
		fly_debug("keeping %s: pods still refer to it", info->id);
		return;
	}
	if (fly_store_remove(ctx, info->id, &one) == 0) {
		printf("removed %s\n", info->id);
		return;
	}
	if (one.errnum == EBUSY)
		fly_debug("keeping %s: in use", info->id);
	else
		add_failure(err, failed, &one, info->id);
}

static int image_gc(struct fly_ctx *ctx, int argc, char **argv,
		    struct fly_error *err)
{
	struct fly_image_info *info = NULL;
	struct fly_strv in_pods = { 0 };
	time_t grace = DEFAULT_GRACE;
	size_t n = 0;
	int failed = 0;
	int r = parse_gc(argc, argv, &grace, err);

	if (r != 0)
		return r < 0 ? -1 : 0;
	if (fly_store_prepare(ctx, err) < 0 ||
	    fly_pods_image_ids(ctx, &in_pods, err) < 0 ||
	    fly_store_list(ctx, &info, &n, err) < 0) {
		fly_strv_clear(&in_pods);
		return fly_wrap(err, "image gc");
	}
	fly_error_clear(err);
	for (size_t i = 0; i < n; i++)
		collect_one(ctx, &info[i], time(NULL) - grace, &in_pods, err,
			    &failed);
	fly_image_info_free(info, n);
	fly_strv_clear(&in_pods);
	if (failed == 0 && fly_store_sweep_locks(ctx, err) == 0)
		return 0;
	return fly_wrap(err, "image gc");
}

/* ---- export -------------------------------------------------------------- */

static int image_export(struct fly_ctx *ctx, int argc, char **argv,
			struct fly_error *err)
{
	static const struct option opts[] = {
		{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char id[FLY_ID_LEN + 1];
	bool overwrite = false;
	int c;

	while ((c = next_opt(argc, argv, opts, "export", err)) != -1) {
		if (c == -2)
			return -1;
		if (c == 'h') {
			fputs(export_usage, stdout);
			return 0;
		}
		overwrite = true;
	}
	if (argc - optind != 2)
		return fly_usage(err, "image export: expected an image and an "
				      "output file");
	if (fly_store_resolve(ctx, argv[optind], id, err) < 0 ||
	    fly_store_export(ctx, id, argv[optind + 1], overwrite, err) < 0)
		return fly_wrap(err, "image export");
	return 0;
}

/* ---- dispatch ------------------------------------------------------------ */

struct subcommand {
	const char *name;
	fly_cmd_fn *fn;
};

static const struct subcommand subcommands[] = {
	{ "fetch", image_fetch },
	{ "list", image_list },
	{ "cat-manifest", image_cat_manifest },
	{ "rm", image_rm },
	{ "gc", image_gc },
	{ "export", image_export },
};

int fly_cmd_image(struct fly_ctx *ctx, int argc, char **argv,
		  struct fly_error *err)
{
	if (argc < 2)
		return fly_usage(err, "image: no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(image_usage, stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]);
	     i++) {
		if (strcmp(argv[1], subcommands[i].name) != 0)
			continue;
		optind = 0;
		opterr = 0;
		return subcommands[i].fn(ctx, argc - 1, argv + 1, err);
	}
	return fly_usage(err, "image: unknown command \"%s\"", argv[1]);
}
