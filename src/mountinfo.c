#include "mountinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "libmnt.h"
#include "util.h"
#include "poison.h"

static const unsigned long kept_flags = MS_RDONLY | MS_NOSUID | MS_NODEV |
					MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |
					MS_RELATIME;

static int tag_value(const char *fields, const char *tag)
{
	const char *p = fields ? strstr(fields, tag) : NULL;

	while (p && p != fields && p[-1] != ' ')
		p = strstr(p + 1, tag);
	return p ? atoi(p + strlen(tag)) : 0;
}

static void fill_entry(struct libmnt_fs *fs, struct fly_mount_entry *e)
{
	const char *opts = fly_mnt.mnt_fs_get_vfs_options(fs);
	const char *fields = fly_mnt.mnt_fs_get_optional_fields(fs);
	unsigned long flags = 0;

	e->id = fly_mnt.mnt_fs_get_id(fs);
	e->parent_id = fly_mnt.mnt_fs_get_parent_id(fs);
	e->target = fly_xstrdup(fly_mnt.mnt_fs_get_target(fs)
					? fly_mnt.mnt_fs_get_target(fs)
					: "");
	e->fstype = fly_xstrdup(fly_mnt.mnt_fs_get_fstype(fs)
					? fly_mnt.mnt_fs_get_fstype(fs)
					: "");
	if (opts)
		fly_mnt.mnt_optstr_get_flags(
			opts, &flags,
			fly_mnt.mnt_get_builtin_optmap(MNT_LINUX_MAP));
	e->flags = flags & kept_flags;
	e->shared = tag_value(fields, "shared:");
	e->master = tag_value(fields, "master:");
}

int fly_mounts_read(const char *path, struct fly_mount_table *ret,
		    struct fly_error *err)
{
	struct libmnt_table *tb;
	struct libmnt_iter *itr;
	struct libmnt_fs *fs;
	size_t n;

	if (fly_mnt_load(err) < 0)
		return -1;
	tb = fly_mnt.mnt_new_table_from_file(path);
	if (!tb)
		return fly_fail(err, errno ? errno : EINVAL, "read \"%s\"",
				path);
	n = (size_t)fly_mnt.mnt_table_get_nents(tb);
	ret->entries = fly_xcalloc(n, sizeof(*ret->entries));
	ret->n = 0;
	itr = fly_mnt.mnt_new_iter(MNT_ITER_FORWARD);
	if (!itr)
		abort();
	while (ret->n < n && fly_mnt.mnt_table_next_fs(tb, itr, &fs) == 0)
		fill_entry(fs, &ret->entries[ret->n++]);
	fly_mnt.mnt_free_iter(itr);
	fly_mnt.mnt_unref_table(tb);
	return 0;
}

void fly_mounts_free(struct fly_mount_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->entries[i].target);
		free(t->entries[i].fstype);
	}
	free(t->entries);
	t->entries = NULL;
	t->n = 0;
}

const struct fly_mount_entry *fly_mounts_find(const struct fly_mount_table *t,
					      const char *target)
{
	for (size_t i = t->n; i-- > 0;)
		if (strcmp(t->entries[i].target, target) == 0)
			return &t->entries[i];
	return NULL;
}

bool fly_path_is_below(const char *target, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return strcmp(target, "/") != 0 && target[0] == '/';
	return strncmp(target, dir, n) == 0 && target[n] == '/';
}
