#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "poison.h"

struct builder {
	struct fly_mount_plan *plan;
	size_t cap;
};

static struct fly_mount_op *add_op(struct builder *b, enum fly_op_kind kind,
				   const char *source, const char *target)
{
	struct fly_mount_plan *p = b->plan;
	struct fly_mount_op *op;

	if (p->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		p->ops = fly_xrealloc(p->ops, b->cap * sizeof(*p->ops));
	}
	op = &p->ops[p->n++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->slot = -1;
	op->source = source ? fly_xstrdup(source) : NULL;
	op->target = target ? fly_xstrdup(target) : NULL;
	return op;
}

static bool is_mountpoint(const struct fly_plan_input *in, const char *path)
{
	return in->host && fly_mounts_find(in->host, path);
}

/* Volumes are mounted parents first, so a volume inside another one is
 * not hidden by it; otherwise in the order given. */
static size_t depth_of(const char *path)
{
	size_t n = 0;

	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			n++;
	return n;
}

static const struct fly_plan_volume **volumes_in_order(
	const struct fly_plan_input *in)
{
	const struct fly_plan_volume **v = fly_xcalloc(in->n_volumes + 1,
						       sizeof(*v));

	for (size_t i = 0; i < in->n_volumes; i++) {
		size_t j = i;

		while (j > 0 && depth_of(v[j - 1]->target) >
					depth_of(in->volumes[i].target)) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = &in->volumes[i];
	}
	return v;
}

static char *volume_what(const struct fly_plan_volume *v)
{
	return fly_xasprintf("volume \"%s\"", v->name);
}

/* Whether target is the root of a pod: PODS/STATE/UUID/rootfs. */
static bool is_pod_root(const struct fly_plan_input *in, const char *target)
{
	const char *rest, *slash;

	if (!in->pods || !fly_path_is_below(target, in->pods))
		return false;
	rest = target + strlen(in->pods);
	for (int i = 0; i < 2; i++) {
		slash = strchr(rest + 1, '/');
		if (!slash || slash == rest + 1)
			return false;
		rest = slash;
	}
	return strcmp(rest, "/rootfs") == 0;
}

static bool planned(const struct builder *b, enum fly_op_kind kind,
		    const char *target)
{
	for (size_t i = 0; i < b->plan->n; i++)
		if (b->plan->ops[i].kind == kind &&
		    strcmp(b->plan->ops[i].target, target) == 0)
			return true;
	return false;
}

/* Making a source recursively shared also shares the roots of the
 * host-mode pods below it, which their fly made unbindable: a volume
 * whose source holds the pods directory would then carry, and propagate
 * into, every other pod's tree, and the mounts would multiply with each
 * run.  Their roots are made unbindable again. */
static void plan_other_roots(struct builder *b, const struct fly_plan_input *in,
			     const char *source)
{
	for (size_t i = 0; i < in->host->n; i++) {
		const char *target = in->host->entries[i].target;

		if (fly_path_is_below(target, source) &&
		    is_pod_root(in, target) &&
		    strcmp(target, in->rootfs) != 0 &&
		    !planned(b, FLY_OP_MAKE_UNBINDABLE, target)) {
			struct fly_mount_op *op = add_op(
				b, FLY_OP_MAKE_UNBINDABLE, NULL, target);

			op->what = fly_xstrdup("another pod's root");
			op->if_mounted = true;
		}
	}
}

/* Shared sources first: make them shared on the host, then, in a private
 * namespace, keep a detached copy taken before the namespace turns slave,
 * so mounts the app makes under the target still reach the host. */
static void plan_namespace(struct builder *b, const struct fly_plan_input *in,
			   int *slots)
{
	bool can_share = !in->userns;

	for (size_t i = 0; i < in->n_volumes && can_share; i++) {
		if (!is_mountpoint(in, in->volumes[i].source))
			continue;
		add_op(b, FLY_OP_MAKE_SHARED, NULL, in->volumes[i].source)
			->what = volume_what(&in->volumes[i]);
		plan_other_roots(b, in, in->volumes[i].source);
	}
	if (in->ns == FLY_NS_HOST)
		return;
	add_op(b, FLY_OP_UNSHARE, NULL, NULL);
	for (size_t i = 0; i < in->n_volumes && can_share; i++) {
		struct fly_mount_op *op;

		if (!is_mountpoint(in, in->volumes[i].source))
			continue;
		op = add_op(b, FLY_OP_CLONE, in->volumes[i].source, NULL);
		op->recursive = in->volumes[i].recursive;
		op->slot = slots[i] = (int)b->plan->n_slots++;
		op->what = volume_what(&in->volumes[i]);
	}
	add_op(b, FLY_OP_MAKE_RSLAVE, NULL, "/");
}

/* overlayfs splits its options at ',' and lower layers at ':'; a
 * backslash keeps either in a path. */
static char *overlay_escape(const char *path)
{
	char *out = fly_xmalloc(2 * strlen(path) + 1), *o = out;

	for (const char *p = path; *p; p++) {
		if (*p == ',' || *p == ':' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

static void plan_rootfs(struct builder *b, const struct fly_plan_input *in)
{
	struct fly_mount_op *op;

	if (in->lower && !in->no_overlay) {
		_cleanup_free_ char *lower = overlay_escape(in->lower);
		_cleanup_free_ char *upper = overlay_escape(in->upper);
		_cleanup_free_ char *work = overlay_escape(in->work);

		op = add_op(b, FLY_OP_OVERLAY, in->lower, in->rootfs);
		op->data = fly_xasprintf("lowerdir=%s,upperdir=%s,workdir=%s%s",
					 lower, upper, work,
					 in->userns ? ",userxattr" : "");
	} else {
		op = add_op(b, FLY_OP_BIND_SELF, in->lower, in->rootfs);
	}
	op->what = fly_xstrdup("the app's root");
	op = add_op(b, FLY_OP_MAKE_UNBINDABLE, NULL, in->rootfs);
	op->what = fly_xstrdup("the app's root");
}

static void plan_system(struct builder *b)
{
	static const char *const binds[] = { "/dev", "/proc", "/sys" };
	struct fly_mount_op *op;

	for (size_t i = 0; i < 3; i++) {
		op = add_op(b, FLY_OP_BIND, binds[i], binds[i]);
		op->recursive = true;
		op->create = FLY_CREATE_DIR;
		op->what = fly_xstrdup(binds[i]);
	}
	op = add_op(b, FLY_OP_TMPFS, "tmpfs", "/tmp");
	op->data = fly_xstrdup("mode=1777");
	op->create = FLY_CREATE_DIR;
	op->what = fly_xstrdup("/tmp");
}

/* A read-only recursive volume makes every submount read-only too: one
 * op for the volume and one for each host mount below its source. */
static void plan_read_only(struct builder *b, const struct fly_plan_input *in,
			   const struct fly_plan_volume *v)
{
	size_t len = strlen(v->source);

	add_op(b, FLY_OP_READ_ONLY, NULL, v->target)->what = volume_what(v);
	if (!v->recursive || !in->host)
		return;
	for (size_t i = 0; i < in->host->n; i++) {
		const char *t = in->host->entries[i].target;
		char *sub;

		if (!fly_path_is_below(t, v->source))
			continue;
		sub = fly_path_join(v->target,
				    strcmp(v->source, "/") ? t + len : t);
		add_op(b, FLY_OP_READ_ONLY, NULL, sub)->what = volume_what(v);
		free(sub);
	}
}

static void plan_volumes(struct builder *b, const struct fly_plan_input *in,
			 const int *slots)
{
	const struct fly_plan_volume **order = volumes_in_order(in);

	for (size_t k = 0; k < in->n_volumes; k++) {
		const struct fly_plan_volume *v = order[k];
		struct fly_mount_op *op;

		op = add_op(b, FLY_OP_BIND, v->source, v->target);
		op->slot = slots[v - in->volumes];
		op->recursive = v->recursive;
		op->create = v->source_is_dir ? FLY_CREATE_DIR
					      : FLY_CREATE_FILE;
		op->what = volume_what(v);
		if (v->read_only)
			plan_read_only(b, in, v);
	}
	free(order);
}

static void plan_file(struct builder *b, enum fly_file_mode mode,
		      const char *target, const char *host, const char *text)
{
	struct fly_mount_op *op;

	if (mode == FLY_FILE_KEEP)
		return;
	if (mode == FLY_FILE_HOST) {
		op = add_op(b, FLY_OP_BIND, host, target);
		op->create = FLY_CREATE_FILE;
	} else {
		op = add_op(b, FLY_OP_WRITE_FILE, NULL, target);
		op->data = fly_xstrdup(text);
		op->if_missing = mode == FLY_FILE_DEFAULT;
	}
	op->what = fly_xstrdup(target);
}

static int check_files(const struct fly_plan_input *in, struct fly_error *err)
{
	for (size_t i = 0; i < in->n_volumes; i++) {
		const char *t = in->volumes[i].target;

		if (in->resolv != FLY_FILE_KEEP &&
		    strcmp(t, "/etc/resolv.conf") == 0)
			return fly_fail(err, 0,
					"volume \"%s\" and --dns both "
					"provide /etc/resolv.conf",
					in->volumes[i].name);
		if ((in->hosts == FLY_FILE_HOST ||
		     in->hosts == FLY_FILE_WRITE) &&
		    strcmp(t, "/etc/hosts") == 0)
			return fly_fail(err, 0,
					"volume \"%s\" and "
					"--hosts-entry both provide "
					"/etc/hosts",
					in->volumes[i].name);
	}
	if (in->ns == FLY_NS_HOST && in->userns)
		return fly_fail(err, 0, "--mount-ns=host needs real root");
	return 0;
}

int fly_plan_build(const struct fly_plan_input *in, struct fly_mount_plan *ret,
		   struct fly_error *err)
{
	struct builder b = { .plan = ret };
	int *slots;

	memset(ret, 0, sizeof(*ret));
	if (check_files(in, err) < 0)
		return -1;
	slots = fly_xcalloc(in->n_volumes + 1, sizeof(*slots));
	for (size_t i = 0; i < in->n_volumes; i++)
		slots[i] = -1;
	plan_namespace(&b, in, slots);
	plan_rootfs(&b, in);
	plan_system(&b);
	plan_volumes(&b, in, slots);
	free(slots);
	plan_file(&b, in->resolv, "/etc/resolv.conf", in->resolv_host,
		  in->resolv_text);
	plan_file(&b, in->hosts, "/etc/hosts", in->hosts_host, in->hosts_text);
	add_op(&b, FLY_OP_SYMLINK, NULL, "/etc/mtab")->data = fly_xstrdup(
		"../proc/self/mounts");
	ret->ops[ret->n - 1].if_missing = true;
	ret->ops[ret->n - 1].what = fly_xstrdup("/etc/mtab");
	if (in->read_only_rootfs)
		add_op(&b, FLY_OP_READ_ONLY, NULL, "/")->what = fly_xstrdup(
			"the app's root");
	return 0;
}

void fly_plan_free(struct fly_mount_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->ops[i].source);
		free(plan->ops[i].target);
		free(plan->ops[i].data);
		free(plan->ops[i].what);
	}
	free(plan->ops);
	memset(plan, 0, sizeof(*plan));
}

static const char *create_name(enum fly_create c)
{
	return c == FLY_CREATE_DIR    ? " create=dir"
	       : c == FLY_CREATE_FILE ? " create=file"
				      : "";
}

static char *describe_bind(const struct fly_mount_op *op)
{
	const char *rec = op->recursive ? " recursive" : "";

	if (op->slot >= 0)
		return fly_xasprintf("bind slot %d (%s) on %s%s%s", op->slot,
				     op->source, op->target, rec,
				     create_name(op->create));
	return fly_xasprintf("bind %s on %s%s%s", op->source, op->target, rec,
			     create_name(op->create));
}

char *fly_op_describe(const struct fly_mount_op *op)
{
	const char *missing = op->if_missing ? " if missing" : "";

	switch (op->kind) {
	case FLY_OP_MAKE_SHARED:
		return fly_xasprintf("make-rshared %s", op->target);
	case FLY_OP_UNSHARE:
		return fly_xstrdup("unshare mount namespace");
	case FLY_OP_CLONE:
		return fly_xasprintf("clone %s to slot %d%s", op->source,
				     op->slot,
				     op->recursive ? " recursive" : "");
	case FLY_OP_MAKE_RSLAVE:
		return fly_xasprintf("make-rslave %s", op->target);
	case FLY_OP_OVERLAY:
		return fly_xasprintf("overlay %s on %s", op->data, op->target);
	case FLY_OP_BIND_SELF:
		if (op->source)
			return fly_xasprintf("copy %s to %s, bind it on itself",
					     op->source, op->target);
		return fly_xasprintf("bind %s on itself", op->target);
	case FLY_OP_MAKE_UNBINDABLE:
		return fly_xasprintf("make-unbindable %s%s", op->target,
				     op->if_mounted ? " if mounted" : "");
	case FLY_OP_BIND:
		return describe_bind(op);
	case FLY_OP_TMPFS:
		return fly_xasprintf("tmpfs on %s %s%s", op->target, op->data,
				     create_name(op->create));
	case FLY_OP_READ_ONLY:
		return fly_xasprintf("read-only %s", op->target);
	case FLY_OP_WRITE_FILE:
		return fly_xasprintf("write %s (%zu bytes)%s", op->target,
				     strlen(op->data), missing);
	case FLY_OP_SYMLINK:
		return fly_xasprintf("symlink %s -> %s%s", op->target, op->data,
				     missing);
	}
	return fly_xstrdup("unknown op");
}
