/* fly list, status, stop and gc: the pods' commands (behaviour.md
 * section 4), on top of the state that podstate.h reads. */
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duration.h"
#include "log.h"
#include "mountinfo.h"
#include "podstate.h"
#include "util.h"
#include "poison.h"

#define SHORT_UUID_LEN 8
#define DEFAULT_GRACE_NS (30 * 60 * FLY_NSEC_PER_SEC)
#define DEFAULT_EXPIRE_NS (24 * 3600 * FLY_NSEC_PER_SEC)
/* A directory without a manifest this young may be one `fly run` is
 * creating right now, before it could lock it: gc leaves it alone. */
#define CREATING_MIN_AGE_NS (60 * FLY_NSEC_PER_SEC)
#define UNMOUNT_PASSES 3

static const char list_usage[] =
	"Usage: fly list [--full] [--no-legend] [--format=json]\n"
	"\n"
	"List every pod, oldest first: UUID, app, image, state (creating,\n"
	"prepared, running, exited, exited-garbage, garbage), when it was\n"
	"created and started, and the app's exit status once it has exited.\n"
	"\n"
	"  --full             whole UUIDs, times in RFC 3339\n"
	"  --no-legend        leave out the header line\n"
	"  --format=json      a JSON array of {uuid, state, app_name,\n"
	"                     image_name, image_id, created, started, exited,\n"
	"                     pid, exit_code, mount_ns}; json-pretty indents\n";

static const char status_usage[] =
	"Usage: fly status [--wait] [--format=json] UUID|--uuid-file=FILE\n"
	"\n"
	"Print a pod's state as key=value lines: state, created, started,\n"
	"pid, exited, and app-NAME=STATUS once the app has exited.\n"
	"\n"
	"  --wait             first wait until the pod has exited\n"
	"  --format=json      one JSON object; json-pretty indents\n"
	"  --uuid-file=FILE   the UUID written by --uuid-file-save\n"
	"\n"
	"UUID may be any unambiguous prefix of the pod's UUID.\n";

static const char stop_usage[] =
	"Usage: fly stop [--force] UUID...|--uuid-file=FILE\n"
	"\n"
	"Send SIGTERM to the app of each running pod (SIGKILL with --force)\n"
	"and print the UUIDs signalled.  Only the app's own process is\n"
	"signalled, and only while it still belongs to the pod.  A pod that\n"
	"has already stopped is reported and counts as success.\n"
	"\n"
	"  --force            send SIGKILL\n"
	"  --uuid-file=FILE   the UUID written by --uuid-file-save\n";

static const char gc_usage[] =
	"Usage: fly gc [--grace-period=DURATION]\n"
	"              [--expire-prepared=DURATION]\n"
	"\n"
	"Remove pods: those that exited longer ago than the grace period, and\n"
	"prepared pods older than the expiry.  Mounts left below a pod\n"
	"(--mount-ns=host) are removed first; a pod whose mounts cannot be\n"
	"removed is kept and reported, never deleted through a mount.  Pods\n"
	"that are running or starting are never touched.\n"
	"\n"
	"  --grace-period=DURATION     default 30m; 0: every exited pod\n"
	"  --expire-prepared=DURATION  default 24h\n"
	"\n"
	"DURATION is like 30m, 1h30m, 10s or 500ms.\n";

enum {
	OPT_FULL = 256,
	OPT_NO_LEGEND,
	OPT_FORMAT,
	OPT_WAIT,
	OPT_UUID_FILE,
	OPT_FORCE,
	OPT_GRACE,
	OPT_EXPIRE
};

enum format { FORMAT_TABLE, FORMAT_JSON, FORMAT_JSON_PRETTY };

struct opts {
	bool full, no_legend, wait, force;
	enum format format;
	const char *uuid_file;
	int64_t grace_ns, expire_ns;
};

#define OPT_HELP                               \
	{                                      \
		"help", no_argument, NULL, 'h' \
	}
#define OPT_END                  \
	{                        \
		NULL, 0, NULL, 0 \
	}

static const struct option list_opts[] = {
	{ "full", no_argument, NULL, OPT_FULL },
	{ "no-legend", no_argument, NULL, OPT_NO_LEGEND },
	{ "format", required_argument, NULL, OPT_FORMAT },
	OPT_HELP,
	OPT_END,
};

static const struct option status_opts[] = {
	{ "wait", no_argument, NULL, OPT_WAIT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "uuid-file", required_argument, NULL, OPT_UUID_FILE },
	OPT_HELP,
	OPT_END,
};

static const struct option stop_opts[] = {
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "uuid-file", required_argument, NULL, OPT_UUID_FILE },
	OPT_HELP,
	OPT_END,
};

static const struct option gc_opts[] = {
	{ "grace-period", required_argument, NULL, OPT_GRACE },
	{ "expire-prepared", required_argument, NULL, OPT_EXPIRE },
	OPT_HELP,
	OPT_END,
};

static int parse_format(const char *value, enum format *ret,
			struct fly_error *err)
{
	if (strcmp(value, "table") == 0)
		*ret = FORMAT_TABLE;
	else if (strcmp(value, "json") == 0)
		*ret = FORMAT_JSON;
	else if (strcmp(value, "json-pretty") == 0)
		*ret = FORMAT_JSON_PRETTY;
	else
		return fly_usage(err,
				 "--format: \"%s\" is not table, json or "
				 "json-pretty",
				 value);
	return 0;
}

static int apply_opt(int c, struct opts *o, struct fly_error *err)
{
	switch (c) {
	case OPT_FULL:
		o->full = true;
		return 0;
	case OPT_NO_LEGEND:
		o->no_legend = true;
		return 0;
	case OPT_FORMAT:
		return parse_format(optarg, &o->format, err);
	case OPT_WAIT:
		o->wait = true;
		return 0;
	case OPT_UUID_FILE:
		o->uuid_file = optarg;
		return 0;
	case OPT_FORCE:
		o->force = true;
		return 0;
	case OPT_GRACE:
		return fly_duration_parse("--grace-period", optarg,
					  &o->grace_ns, err);
	default:
		return fly_duration_parse("--expire-prepared", optarg,
					  &o->expire_ns, err);
	}
}

/* Parse the flags of cmd.  Returns 1 after printing usage for --help,
 * 0 with optind at the first argument, -1 with err filled. */
static int parse_opts(int argc, char **argv, const struct option *opts,
		      const char *usage, struct opts *o, struct fly_error *err)
{
	const char *cmd = argv[0];
	int c;

	*o = (struct opts){ .grace_ns = DEFAULT_GRACE_NS,
			    .expire_ns = DEFAULT_EXPIRE_NS };
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		if (c == ':')
			return fly_usage(err, "%s: flag \"%s\" needs a value",
					 cmd, argv[optind - 1]);
		if (c == '?')
			return fly_usage(err, "%s: unknown flag \"%s\"", cmd,
					 argv[optind - 1]);
		if (apply_opt(c, o, err) < 0)
			return -1;
	}
	return 0;
}

static bool time_known(const struct timespec *t)
{
	return t->tv_sec != 0 || t->tv_nsec != 0;
}

static bool has_exited(enum fly_pod_state state)
{
	return state == FLY_POD_EXITED || state == FLY_POD_EXITED_GARBAGE;
}

/* ---- list ------------------------------------------------------------ */

enum {
	COL_UUID,
	COL_APP,
	COL_IMAGE,
	COL_STATE,
	COL_CREATED,
	COL_STARTED,
	COL_EXIT,
	N_COLS
};

static const char *const col_names[N_COLS] = {
	"UUID", "APP", "IMAGE NAME", "STATE", "CREATED", "STARTED", "EXIT",
};

static char *time_cell(const struct timespec *t, const struct timespec *now,
		       bool full)
{
	char buf[FLY_TIME_TEXT_MAX];

	if (!time_known(t))
		return fly_xstrdup("-");
	if (full)
		fly_time_rfc3339(t, buf, sizeof(buf));
	else
		fly_time_ago(t, now, buf, sizeof(buf));
	return fly_xstrdup(buf);
}

static void fill_row(const struct fly_pod_info *p, const struct timespec *now,
		     bool full, char **row)
{
	const char *image = p->image_name ? p->image_name : "-";

	row[COL_UUID] = fly_xasprintf(
		"%.*s", full ? FLY_UUID_LEN : SHORT_UUID_LEN, p->uuid);
	row[COL_APP] = fly_xstrdup(p->app_name ? p->app_name : "-");
	row[COL_IMAGE] = p->image_version ? fly_xasprintf("%s:%s", image,
							  p->image_version)
					  : fly_xstrdup(image);
	row[COL_STATE] = fly_xstrdup(fly_pod_state_name(p->state));
	row[COL_CREATED] = time_cell(&p->created, now, full);
	row[COL_STARTED] = time_cell(&p->started, now, full);
	if (!has_exited(p->state))
		row[COL_EXIT] = fly_xstrdup("");
	else if (p->exit_code >= 0)
		row[COL_EXIT] = fly_xasprintf("%d", p->exit_code);
	else
		row[COL_EXIT] = fly_xstrdup("-");
}

/* Columns padded to their widths, with no white space at the end. */
static void print_row(char *const *row, const size_t *width)
{
	int last = N_COLS - 1;

	while (last > 0 && row[last][0] == '\0')
		last--;
	for (int c = 0; c < last; c++)
		printf("%-*s  ", (int)width[c], row[c]);
	printf("%s\n", row[last]);
}

static void print_table(const struct fly_pod_info *pods, size_t n,
			const struct opts *o)
{
	char **cells = fly_xcalloc((n + 1) * N_COLS, sizeof(*cells));
	size_t width[N_COLS];
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	for (int c = 0; c < N_COLS; c++) {
		cells[c] = fly_xstrdup(col_names[c]);
		width[c] = strlen(col_names[c]);
	}
	for (size_t i = 0; i < n; i++)
		fill_row(&pods[i], &now, o->full, &cells[(i + 1) * N_COLS]);
	for (size_t i = 0; i < (n + 1) * N_COLS; i++)
		if (strlen(cells[i]) > width[i % N_COLS])
			width[i % N_COLS] = strlen(cells[i]);
	for (size_t i = o->no_legend ? 1 : 0; i <= n; i++)
		print_row(&cells[i * N_COLS], width);
	for (size_t i = 0; i < (n + 1) * N_COLS; i++)
		free(cells[i]);
	free(cells);
}

static void set_string(json_t *obj, const char *key, const char *value)
{
	if (value)
		json_object_set_new(obj, key, json_string(value));
}

static void set_time(json_t *obj, const char *key, const struct timespec *t)
{
	char buf[FLY_TIME_TEXT_MAX];

	if (!time_known(t))
		return;
	fly_time_rfc3339(t, buf, sizeof(buf));
	json_object_set_new(obj, key, json_string(buf));
}

/* The fields `list` and `status` share. */
static json_t *pod_json(const struct fly_pod_info *p)
{
	json_t *obj = json_object();

	set_string(obj, "uuid", p->uuid);
	set_string(obj, "state", fly_pod_state_name(p->state));
	set_string(obj, "app_name", p->app_name);
	set_time(obj, "created", &p->created);
	set_time(obj, "started", &p->started);
	if (p->pid > 0)
		json_object_set_new(obj, "pid", json_integer(p->pid));
	if (p->exit_code >= 0)
		json_object_set_new(obj, "exit_code",
				    json_integer(p->exit_code));
	return obj;
}

static json_t *list_entry_json(const struct fly_pod_info *p)
{
	json_t *obj = pod_json(p);

	set_string(obj, "image_name", p->image_name);
	set_string(obj, "image_version", p->image_version);
	set_string(obj, "image_id", p->image_id);
	set_time(obj, "exited", &p->exited);
	set_string(obj, "mount_ns", p->mount_ns);
	return obj;
}

static int print_json(json_t *json, enum format format, struct fly_error *err)
{
	size_t flags = JSON_PRESERVE_ORDER |
		       (format == FORMAT_JSON_PRETTY ? JSON_INDENT(2)
						     : JSON_COMPACT);
	int r = json_dumpf(json, stdout, flags);

	json_decref(json);
	if (r < 0)
		return fly_fail(err, errno, "write JSON");
	putchar('\n');
	return 0;
}

int fly_cmd_list(struct fly_ctx *ctx, int argc, char **argv,
		 struct fly_error *err)
{
	struct fly_pod_info *pods = NULL;
	size_t n = 0;
	struct opts o;
	int r = parse_opts(argc, argv, list_opts, list_usage, &o, err);

	if (r != 0)
		return r < 0 ? -1 : 0;
	if (optind < argc)
		return fly_usage(err, "list: unexpected argument \"%s\"",
				 argv[optind]);
	if (fly_pods_list(ctx, &pods, &n, err) < 0)
		return fly_wrap(err, "list");
	if (o.format == FORMAT_TABLE) {
		print_table(pods, n, &o);
	} else {
		json_t *array = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(array, list_entry_json(&pods[i]));
		r = print_json(array, o.format, err);
	}
	fly_pod_infos_free(pods, n);
	return r;
}

/* ---- status ---------------------------------------------------------- */

/* The one pod named by the argument or by --uuid-file. */
static int find_pod(const struct fly_ctx *ctx, const char *cmd, const char *ref,
		    const struct opts *o, struct fly_pod_info *ret,
		    struct fly_error *err)
{
	_cleanup_free_ char *from_file = NULL;

	if (o->uuid_file && ref)
		return fly_usage(err,
				 "%s: give a UUID or --uuid-file, not "
				 "both",
				 cmd);
	if (!o->uuid_file && !ref)
		return fly_usage(err, "%s: no pod given", cmd);
	if (o->uuid_file &&
	    fly_pod_uuid_file_read(o->uuid_file, &from_file, err) < 0)
		return -1;
	return fly_pod_find(ctx, from_file ? from_file : ref, ret, err);
}

/* Block until the pod's lock is free: fly holds it until it exits. */
static int wait_unlocked(const struct fly_ctx *ctx, const char *dir,
			 struct fly_error *err)
{
	_cleanup_close_ int dfd = ctx->sys->sys_open(dir,
						     O_RDONLY | O_DIRECTORY, 0);

	if (dfd < 0 && errno == ENOENT)
		return 0;
	if (dfd < 0)
		return fly_fail(err, errno, "open pod directory \"%s\"", dir);
	while (flock(dfd, LOCK_SH) < 0)
		if (errno != EINTR)
			return fly_fail(err, errno,
					"wait for the lock of "
					"\"%s\"",
					dir);
	return 0;
}

static bool name_exists(const char *dir, const char *name)
{
	_cleanup_free_ char *path = fly_path_join(dir, name);

	return faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Block until name in dir exists (want) or is gone (!want), or dir
 * itself goes away.  Told by inotify: nothing is polled. */
static int wait_for_name(const char *dir, const char *name, bool want,
			 struct fly_error *err)
{
	_cleanup_close_ int fd = inotify_init1(IN_CLOEXEC);
	uint32_t mask = IN_ONLYDIR | IN_DELETE_SELF | IN_MOVE_SELF |
			(want ? IN_CREATE | IN_MOVED_TO
			      : IN_DELETE | IN_MOVED_FROM);
	char buf[4096] __attribute__((aligned(8)));

	if (fd < 0)
		return fly_fail(err, errno, "inotify");
	if (inotify_add_watch(fd, dir, mask) < 0) {
		if (errno == ENOENT)
			return 0;
		return fly_fail(err, errno, "watch \"%s\"", dir);
	}
	while (name_exists(dir, name) != want) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno != EINTR)
			return fly_fail(err, errno, "watch \"%s\"", dir);
		for (ssize_t off = 0; off < n;) {
			const struct inotify_event *ev = (void *)(buf + off);

			if (ev->mask &
			    (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))
				return 0;
			off += (ssize_t)(sizeof(*ev) + ev->len);
		}
	}
	return 0;
}

/* Wait for the pod's next step towards its end. */
static int wait_step(const struct fly_ctx *ctx, const struct fly_pod_info *p,
		     struct fly_error *err)
{
	_cleanup_free_ char *prepared = NULL;

	switch (p->state) {
	case FLY_POD_RUNNING:
		return wait_unlocked(ctx, p->dir, err);
	case FLY_POD_CREATING:
		return wait_for_name(p->dir, "pod", true, err);
	case FLY_POD_PREPARED:
		prepared = fly_xasprintf("%s/pods/prepared", ctx->dir);
		return wait_for_name(prepared, p->uuid, false, err);
	default:
		return 0;
	}
}

static int wait_exited(const struct fly_ctx *ctx, struct fly_pod_info *p,
		       struct fly_error *err)
{
	while (p->state < FLY_POD_EXITED) {
		char uuid[FLY_UUID_LEN + 1];

		if (wait_step(ctx, p, err) < 0)
			return -1;
		memcpy(uuid, p->uuid, sizeof(uuid));
		fly_pod_info_clear(p);
		if (fly_pod_find(ctx, uuid, p, err) < 0)
			return -1;
	}
	return 0;
}

static bool shows_exit_code(const struct fly_pod_info *p)
{
	return p->state >= FLY_POD_EXITED && p->exit_code >= 0 && p->app_name;
}

static void print_status(const struct fly_pod_info *p)
{
	char buf[FLY_TIME_TEXT_MAX];

	printf("state=%s\n", fly_pod_state_name(p->state));
	if (time_known(&p->created)) {
		fly_time_rfc3339(&p->created, buf, sizeof(buf));
		printf("created=%s\n", buf);
	}
	if (time_known(&p->started)) {
		fly_time_rfc3339(&p->started, buf, sizeof(buf));
		printf("started=%s\n", buf);
	}
	if (p->pid > 0)
		printf("pid=%ld\n", (long)p->pid);
	printf("exited=%s\n", has_exited(p->state) ? "true" : "false");
	if (shows_exit_code(p))
		printf("app-%s=%d\n", p->app_name, p->exit_code);
}

static json_t *status_json(const struct fly_pod_info *p)
{
	json_t *obj = pod_json(p);

	json_object_set_new(obj, "exited", json_boolean(has_exited(p->state)));
	if (!shows_exit_code(p))
		json_object_del(obj, "exit_code");
	return obj;
}

int fly_cmd_status(struct fly_ctx *ctx, int argc, char **argv,
		   struct fly_error *err)
{
	struct fly_pod_info pod = { 0 };
	struct opts o;
	int r = parse_opts(argc, argv, status_opts, status_usage, &o, err);

	if (r != 0)
		return r < 0 ? -1 : 0;
	if (argc - optind > 1)
		return fly_usage(err, "status: unexpected argument \"%s\"",
				 argv[optind + 1]);
	r = find_pod(ctx, "status", optind < argc ? argv[optind] : NULL, &o,
		     &pod, err);
	if (r == 0 && o.wait)
		r = wait_exited(ctx, &pod, err);
	if (r == 0 && o.format == FORMAT_TABLE)
		print_status(&pod);
	else if (r == 0)
		r = print_json(status_json(&pod), o.format, err);
	fly_pod_info_clear(&pod);
	return r;
}

/* ---- stop ------------------------------------------------------------ */

static int already_stopped(const struct fly_pod_info *p)
{
	printf("pod %s is already stopped\n", p->uuid);
	return 0;
}

/* Whether the process behind pidfd is still the pod's app: the pod is
 * still running (its lock is held, no exit status yet) and the process
 * started before the pid file was written.  1 yes, 0 the app is gone. */
static int still_the_app(const struct fly_ctx *ctx,
			 const struct fly_pod_info *p, int pidfd,
			 struct fly_error *err)
{
	int held = fly_pod_lock_held(ctx, p->dir, err);
	int r;

	if (held <= 0)
		return held < 0 && err->errnum != ENOENT ? -1 : 0;
	if (name_exists(p->dir, "exit"))
		return 0;
	r = fly_proc_started_by(p->pid, &p->started, err);
	if (r < 0)
		return err->errnum == ESRCH ? 0 : -1;
	if (r == 0)
		return fly_fail(err, 0,
				"pod %s: process %ld started after the "
				"pod's pid file was written: it is not the "
				"pod's app, leaving it alone",
				p->uuid, (long)p->pid);
	/* What /proc said was about the pidfd's process only if that
	 * process is still alive now. */
	if (pidfd_send_signal(pidfd, 0, NULL, 0) < 0) {
		if (errno == ESRCH)
			return 0;
		return fly_fail(err, errno, "pod %s: process %ld", p->uuid,
				(long)p->pid);
	}
	return 1;
}

static int signal_app(const struct fly_ctx *ctx, const struct fly_pod_info *p,
		      int sig, struct fly_error *err)
{
	_cleanup_close_ int pidfd = -1;
	int r;

	if (p->pid <= 0)
		return fly_fail(err, 0, "pod %s has not started its app yet",
				p->uuid);
	pidfd = pidfd_open(p->pid, 0);
	if (pidfd < 0 && errno == ESRCH)
		return already_stopped(p);
	if (pidfd < 0 && errno == ENOSYS)
		return fly_fail(err, errno,
				"pod %s: fly signals an app only "
				"through a pidfd (Linux 5.3 and later)",
				p->uuid);
	if (pidfd < 0)
		return fly_fail(err, errno, "pod %s: open process %ld", p->uuid,
				(long)p->pid);
	r = still_the_app(ctx, p, pidfd, err);
	if (r <= 0)
		return r < 0 ? -1 : already_stopped(p);
	fly_debug("pod %s: signal %d to process %ld", p->uuid, sig,
		  (long)p->pid);
	if (pidfd_send_signal(pidfd, sig, NULL, 0) < 0)
		return errno == ESRCH ? already_stopped(p)
				      : fly_fail(err, errno,
						 "pod %s: signal process %ld",
						 p->uuid, (long)p->pid);
	printf("%s\n", p->uuid);
	return 0;
}

static int stop_one(const struct fly_ctx *ctx, const char *ref,
		    const struct opts *o, struct fly_error *err)
{
	struct fly_pod_info pod = { 0 };
	int r = find_pod(ctx, "stop", ref, o, &pod, err);

	if (r < 0)
		return -1;
	switch (pod.state) {
	case FLY_POD_RUNNING:
		r = signal_app(ctx, &pod, o->force ? SIGKILL : SIGTERM, err);
		break;
	case FLY_POD_EXITED:
	case FLY_POD_EXITED_GARBAGE:
		r = already_stopped(&pod);
		break;
	default:
		r = fly_fail(err, 0, "pod %s is %s, not running", pod.uuid,
			     fly_pod_state_name(pod.state));
	}
	fly_pod_info_clear(&pod);
	return r;
}

/* Several failures read as one line: "first; second". */
static void add_failure(struct fly_error *all, const struct fly_error *one)
{
	size_t len = strlen(all->msg);

	snprintf(all->msg + len, sizeof(all->msg) - len, "%s%s",
		 len ? "; " : "", one->msg);
	all->usage = all->usage || one->usage;
}

int fly_cmd_stop(struct fly_ctx *ctx, int argc, char **argv,
		 struct fly_error *err)
{
	struct opts o;
	int r = parse_opts(argc, argv, stop_opts, stop_usage, &o, err);
	int failed = 0;

	if (r != 0)
		return r < 0 ? -1 : 0;
	if (o.uuid_file) {
		const char *uuid = optind < argc ? argv[optind] : NULL;

		return stop_one(ctx, uuid, &o, err) < 0 ? -1 : 0;
	}
	if (optind >= argc)
		return fly_usage(err, "stop: no pod given");
	fly_error_clear(err);
	for (int i = optind; i < argc; i++) {
		struct fly_error one = { 0 };

		if (stop_one(ctx, argv[i], &o, &one) < 0) {
			add_failure(err, &one);
			failed++;
		}
	}
	return failed ? -1 : 0;
}

/* ---- gc -------------------------------------------------------------- */

static long long age_ns(const struct timespec *t, const struct timespec *now)
{
	return (long long)(now->tv_sec - t->tv_sec) * FLY_NSEC_PER_SEC +
	       (now->tv_nsec - t->tv_nsec);
}

/* Where gc moves the pod now, or NULL to leave it. */
static const char *gc_destination(const struct fly_pod_info *p,
				  const struct opts *o,
				  const struct timespec *now)
{
	const struct timespec *exited = time_known(&p->exited) ? &p->exited
							       : &p->changed;

	switch (p->state) {
	case FLY_POD_EXITED:
		return age_ns(exited, now) >= o->grace_ns ? "exited-garbage"
							  : NULL;
	case FLY_POD_PREPARED:
		return age_ns(&p->created, now) >= o->expire_ns ? "garbage"
								: NULL;
	case FLY_POD_CREATING:
		if (age_ns(&p->changed, now) < o->expire_ns ||
		    age_ns(&p->changed, now) < CREATING_MIN_AGE_NS)
			return NULL;
		return "garbage";
	default:
		return NULL;
	}
}

/* Open and lock the pod directory without waiting: -1 when it is in
 * use or gone (the caller leaves it), else the locked descriptor. */
static int lock_pod(const struct fly_ctx *ctx, const struct fly_pod_info *p)
{
	int dfd = ctx->sys->sys_open(p->dir, O_RDONLY | O_DIRECTORY, 0);

	if (dfd < 0) {
		fly_debug("pod %s: open \"%s\": %m", p->uuid, p->dir);
		return -1;
	}
	if (flock(dfd, LOCK_EX | LOCK_NB) < 0) {
		fly_debug("pod %s is in use: left alone", p->uuid);
		close(dfd);
		return -1;
	}
	return dfd;
}

/* Whether path still names the directory open as dfd. */
static bool same_dir(int dfd, const char *path)
{
	struct stat a, b;

	return fstat(dfd, &a) == 0 && stat(path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Move the pod to pods/to, under its lock.  false when it had to stay
 * where it is (with a warning). */
static bool mark_pod(const struct fly_ctx *ctx, const struct fly_pod_info *p,
		     const char *to)
{
	_cleanup_free_ char *parent = fly_xasprintf("%s/pods/%s", ctx->dir, to);
	_cleanup_free_ char *dest = fly_path_join(parent, p->uuid);
	_cleanup_close_ int dfd = lock_pod(ctx, p);
	struct fly_error err = { 0 };

	if (dfd < 0 || !same_dir(dfd, p->dir))
		return true;
	if (fly_mkdir_p(ctx, parent, 0711, &err) < 0) {
		fly_warn("pod %s kept: %s", p->uuid, err.msg);
		return false;
	}
	if (ctx->sys->sys_renameat(AT_FDCWD, p->dir, AT_FDCWD, dest) < 0) {
		fly_warn("pod %s kept: move it to \"%s\": %m", p->uuid, dest);
		return false;
	}
	fly_debug("pod %s (%s) moved to %s", p->uuid,
		  fly_pod_state_name(p->state), to);
	return true;
}

/* Open the absolute directory path one name at a time, following no
 * symbolic link on the way. */
static int open_no_symlinks(const struct fly_ctx *ctx, const char *path,
			    struct fly_error *err)
{
	_cleanup_free_ char *copy = fly_xstrdup(path);
	int fd = ctx->sys->sys_open("/", O_PATH | O_DIRECTORY, 0);
	char *save = NULL;

	for (char *name = strtok_r(copy, "/", &save); fd >= 0 && name;
	     name = strtok_r(NULL, "/", &save)) {
		int next = -1, e = EINVAL;

		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
			next = ctx->sys->sys_openat(
				fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
			e = errno;
		}
		close(fd);
		fd = next;
		errno = e;
	}
	if (fd < 0)
		return fly_fail(err, errno, "open \"%s\"", path);
	return fd;
}

/* Split path into its parent directory, opened without following any
 * symbolic link, and its last name. */
static int open_parent(const struct fly_ctx *ctx, const char *path,
		       char **ret_name, struct fly_error *err)
{
	_cleanup_free_ char *parent = fly_xstrdup(path);
	char *slash = strrchr(parent, '/');
	int fd;

	if (!slash || slash[1] == '\0')
		return fly_fail(err, EINVAL, "unmount \"%s\"", path);
	*ret_name = fly_xstrdup(slash + 1);
	slash[slash == parent ? 1 : 0] = '\0';
	fd = open_no_symlinks(ctx, parent, err);
	if (fd < 0)
		free(FLY_TAKE(*ret_name));
	return fd;
}

/* Make the mount at path and every mount below it private, so that
 * unmounting them reaches no peer: a bind of /dev or of a shared volume
 * shares a peer group with the host's, which would lose its submounts
 * along with the pod's. */
static int make_private(const struct fly_ctx *ctx, const char *path,
			struct fly_error *err)
{
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int pfd = open_parent(ctx, path, &name, err);
	_cleanup_close_ int fd = -1;
	char fdpath[32];

	if (pfd < 0)
		return -1;
	fd = ctx->sys->sys_openat(pfd, name, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0)
		return fly_fail(err, errno, "open \"%s\"", path);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (ctx->sys->sys_mount("none", fdpath, "none", MS_REC | MS_PRIVATE,
				NULL) < 0)
		return fly_fail(err, errno, "make \"%s\" private", path);
	return 0;
}

/* Unmount path, detaching it when it is busy.  The path is walked from
 * its parent, opened without symbolic links, so nothing the app left in
 * its root can redirect the unmount. */
static int unmount_one(const struct fly_ctx *ctx, const char *path,
		       struct fly_error *err)
{
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int pfd = open_parent(ctx, path, &name, err);
	_cleanup_free_ char *at = NULL;

	if (pfd < 0)
		return -1;
	at = fly_xasprintf("/proc/self/fd/%d/%s", pfd, name);
	fly_debug("unmount \"%s\"", path);
	if (ctx->sys->sys_umount2(at, UMOUNT_NOFOLLOW) == 0)
		return 0;
	if (errno == EBUSY) {
		fly_debug("\"%s\" is busy: detach it", path);
		if (ctx->sys->sys_umount2(at, UMOUNT_NOFOLLOW | MNT_DETACH) ==
		    0)
			return 0;
	}
	return fly_fail(err, errno, "unmount \"%s\"", path);
}

static bool parent_in(const struct fly_mount_entry *const *v, size_t n,
		      const struct fly_mount_entry *e)
{
	for (size_t i = 0; i < n; i++)
		if (v[i]->id == e->parent_id)
			return true;
	return false;
}

/* One pass over the mounts in order (as fly_pod_mounts_below() gives
 * them): the topmost are made private, then each is unmounted.  err
 * keeps the last failure to unmount. */
static int unmount_pass(const struct fly_ctx *ctx,
			const struct fly_mount_entry **order, size_t n,
			struct fly_error *err)
{
	fly_error_clear(err);
	for (size_t i = 0; i < n; i++)
		if (!parent_in(order, n, order[i]) &&
		    make_private(ctx, order[i]->target, err) < 0)
			return -1;
	for (size_t i = 0; i < n; i++) {
		struct fly_error one = { 0 };

		if (unmount_one(ctx, order[i]->target, &one) < 0)
			*err = one;
	}
	return 0;
}

/* Remove every mount at or below dir; try again while some remain, as a
 * mount may only go once what covers it has. */
static int unmount_below(const struct fly_ctx *ctx, const char *dir,
			 struct fly_error *err)
{
	fly_error_clear(err);
	for (int pass = 0;; pass++) {
		struct fly_mount_table t = { 0 };
		const struct fly_mount_entry **order = NULL;
		size_t n;
		int r = 0;

		if (fly_mounts_read("/proc/self/mountinfo", &t, err) < 0)
			return -1;
		n = fly_pod_mounts_below(&t, dir, &order);
		if (n > 0 && pass < UNMOUNT_PASSES)
			r = unmount_pass(ctx, order, n, err);
		else if (n > 0 && err->msg[0])
			r = -1;
		else if (n > 0)
			r = fly_fail(err, 0, "\"%s\" remains mounted",
				     order[0]->target);
		free(order);
		fly_mounts_free(&t);
		if (n == 0 || r < 0)
			return r;
	}
}

/* Remove a garbage pod: its mounts, then its directory.  -1, with err
 * saying why, when it had to be kept; a pod another process holds is left
 * alone and counts as done. */
static int sweep_pod(const struct fly_ctx *ctx, const struct fly_pod_info *p,
		     struct fly_error *err)
{
	_cleanup_close_ int dfd = lock_pod(ctx, p);

	if (dfd < 0)
		return 0;
	fly_error_clear(err);
	if (unmount_below(ctx, p->dir, err) < 0 ||
	    fly_rm_tree(ctx, p->dir, err) < 0)
		return -1;
	printf("removed pod %s\n", p->uuid);
	return 0;
}

static int mark_all(const struct fly_ctx *ctx, const struct opts *o,
		    size_t *kept, struct fly_error *err)
{
	struct fly_pod_info *pods = NULL;
	struct timespec now;
	size_t n = 0;

	if (fly_pods_list(ctx, &pods, &n, err) < 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &now);
	for (size_t i = 0; i < n; i++) {
		const char *to = gc_destination(&pods[i], o, &now);

		if (to && !mark_pod(ctx, &pods[i], to))
			(*kept)++;
	}
	fly_pod_infos_free(pods, n);
	return 0;
}

/* Sweep every garbage pod.  One pod's directory can be pinned by a mount
 * in another's tree (a recursive volume that holds the pods directory
 * shows every pod's rootfs), so that removing it fails with EBUSY until
 * the other pod's mounts are gone: the pods kept in one round are tried
 * again as long as the round before removed some. */
static int sweep_all(const struct fly_ctx *ctx, size_t *kept,
		     struct fly_error *err)
{
	struct fly_pod_info *pods = NULL;
	struct fly_error *why;
	bool *left;
	size_t n = 0, removed, remaining;

	if (fly_pods_list(ctx, &pods, &n, err) < 0)
		return -1;
	why = fly_xcalloc(n + 1, sizeof(*why));
	left = fly_xcalloc(n + 1, sizeof(*left));
	for (size_t i = 0; i < n; i++)
		left[i] = pods[i].state >= FLY_POD_EXITED_GARBAGE;
	do {
		removed = remaining = 0;
		for (size_t i = 0; i < n; i++) {
			if (!left[i])
				continue;
			if (sweep_pod(ctx, &pods[i], &why[i]) == 0) {
				left[i] = false;
				removed++;
			} else {
				remaining++;
			}
		}
	} while (removed > 0 && remaining > 0);
	for (size_t i = 0; i < n; i++) {
		if (!left[i])
			continue;
		fly_warn("pod %s kept in %s: %s", pods[i].uuid,
			 fly_pod_state_name(pods[i].state), why[i].msg);
		(*kept)++;
	}
	free(left);
	free(why);
	fly_pod_infos_free(pods, n);
	return 0;
}

int fly_cmd_gc(struct fly_ctx *ctx, int argc, char **argv,
	       struct fly_error *err)
{
	struct opts o;
	size_t kept = 0;
	int r = parse_opts(argc, argv, gc_opts, gc_usage, &o, err);

	if (r != 0)
		return r < 0 ? -1 : 0;
	if (optind < argc)
		return fly_usage(err, "gc: unexpected argument \"%s\"",
				 argv[optind]);
	if (mark_all(ctx, &o, &kept, err) < 0 || sweep_all(ctx, &kept, err) < 0)
		return fly_wrap(err, "gc");
	if (kept > 0)
		return fly_fail(err, 0,
				"gc: %zu pod%s could not be removed "
				"(see the warnings above)",
				kept, kept == 1 ? "" : "s");
	return 0;
}
