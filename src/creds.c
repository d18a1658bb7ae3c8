#include "creds.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inroot.h"
#include "log.h"
#include "util.h"
#include "poison.h"

/* What a value names, for lookups and messages. */
struct id_kind {
	const char *what; /* "user" or "group" */
	const char *db;   /* the image's database of names */
	bool user;
};

static const struct id_kind user_kind = { "user", "/etc/passwd", true };
static const struct id_kind group_kind = { "group", "/etc/group", false };

/* (uid_t)-1 tells the kernel "leave unchanged"; it is never an id. */
#define ID_INVALID UINT32_MAX

static void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

/* Returns 1 with *ret set when s is all decimal digits, 0 when s is not a
 * number, -1 when it looks like one but is no valid id. */
static int parse_id(const struct id_kind *k, const char *s, uint32_t *ret,
		    struct fly_error *err)
{
	unsigned long long v;

	if (s[0] == '-' || s[0] == '+')
		return fly_fail(err, 0,
				"%s \"%s\": ids are unsigned decimal "
				"numbers",
				k->what, s);
	if (s[strspn(s, "0123456789")] != '\0')
		return 0;

	errno = 0;
	v = strtoull(s, NULL, 10);
	if (errno == ERANGE || v >= ID_INVALID)
		return fly_fail(err, 0,
				"%s \"%s\": out of range (the largest "
				"id is %u)",
				k->what, s, ID_INVALID - 1);
	*ret = (uint32_t)v;
	return 1;
}

static int id_from_file(const struct fly_ctx *ctx, int rootfs_fd,
			const struct id_kind *k, const char *path,
			uint32_t *ret, struct fly_error *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = fly_inroot_openat(ctx, rootfs_fd, path, O_PATH);
	if (fd < 0)
		return fly_fail(err, errno,
				"%s \"%s\": look up the file in "
				"the image",
				k->what, path);
	if (fstat(fd, &st) < 0)
		return fly_fail(err, errno,
				"%s \"%s\": stat the file in the "
				"image",
				k->what, path);

	*ret = k->user ? st.st_uid : st.st_gid;
	return 0;
}

static int open_db(const struct fly_ctx *ctx, int rootfs_fd,
		   const struct id_kind *k, const char *name, FILE **ret,
		   struct fly_error *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = fly_inroot_openat(ctx, rootfs_fd, k->db,
			       O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		return fly_fail(err, 0, "%s \"%s\": the image has no %s",
				k->what, name, k->db);
	if (fd < 0)
		return fly_fail(err, errno, "%s \"%s\": open the image's %s",
				k->what, name, k->db);
	if (fstat(fd, &st) < 0)
		return fly_fail(err, errno, "%s \"%s\": stat the image's %s",
				k->what, name, k->db);
	if (!S_ISREG(st.st_mode))
		return fly_fail(err, 0,
				"%s \"%s\": the image's %s is not a "
				"regular file",
				k->what, name, k->db);

	*ret = fdopen(fd, "r");
	if (!*ret)
		return fly_fail(err, errno, "%s \"%s\": read the image's %s",
				k->what, name, k->db);
	/* cppcheck-suppress unreadVariable ; read by the cleanup attribute */
	(void)FLY_TAKE_FD(fd); /* *ret owns it now */
	return 0;
}

static bool find_user(FILE *f, const char *name, uint32_t *ret)
{
	struct passwd *pw;

	while ((pw = fgetpwent(f)))
		if (strcmp(pw->pw_name, name) == 0) {
			*ret = pw->pw_uid;
			return true;
		}
	return false;
}

static bool find_group(FILE *f, const char *name, uint32_t *ret)
{
	struct group *gr;

	while ((gr = fgetgrent(f)))
		if (strcmp(gr->gr_name, name) == 0) {
			*ret = gr->gr_gid;
			return true;
		}
	return false;
}

static int lookup_name(const struct fly_ctx *ctx, int rootfs_fd,
		       const struct id_kind *k, const char *name, uint32_t *ret,
		       struct fly_error *err)
{
	_cleanup_(fclosep) FILE *f = NULL;
	bool found;

	if (open_db(ctx, rootfs_fd, k, name, &f, err) < 0)
		return -1;

	errno = 0;
	found = k->user ? find_user(f, name, ret) : find_group(f, name, ret);
	if (!found && ferror(f))
		return fly_fail(err, errno ? errno : EIO,
				"%s \"%s\": read the "
				"image's %s",
				k->what, name, k->db);
	if (!found)
		return fly_fail(err, 0,
				"%s \"%s\": not found in the "
				"image's %s",
				k->what, name, k->db);
	return 0;
}

static int resolve_id(const struct fly_ctx *ctx, int rootfs_fd,
		      const struct id_kind *k, const char *value, uint32_t *ret,
		      struct fly_error *err)
{
	int r;

	if (!value || value[0] == '\0')
		return fly_fail(err, 0, "%s: no value given", k->what);
	if (strcmp(value, "root") == 0) {
		*ret = 0;
		return 0;
	}
	r = parse_id(k, value, ret, err);
	if (r != 0)
		return r < 0 ? -1 : 0;

	if (value[0] == '/')
		r = id_from_file(ctx, rootfs_fd, k, value, ret, err);
	else
		r = lookup_name(ctx, rootfs_fd, k, value, ret, err);
	if (r < 0)
		return -1;
	if (*ret == ID_INVALID)
		return fly_fail(err, 0,
				"%s \"%s\": resolves to the invalid id "
				"%u",
				k->what, value, ID_INVALID);
	fly_debug("%s \"%s\" is %u in the image", k->what, value, *ret);
	return 0;
}

static void set_groups(struct fly_creds *c, const gid_t *supp, size_t n)
{
	c->groups = fly_xcalloc(n + 1, sizeof(*c->groups));
	c->groups[0] = c->gid;
	c->n_groups = 1;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < c->n_groups && c->groups[j] != supp[i])
			j++;
		if (j == c->n_groups)
			c->groups[c->n_groups++] = supp[i];
	}
}

int fly_creds_resolve(const struct fly_ctx *ctx, int rootfs_fd,
		      const char *user, const char *group, const gid_t *supp,
		      size_t n_supp, struct fly_creds *ret,
		      struct fly_error *err)
{
	uint32_t uid, gid;

	if (resolve_id(ctx, rootfs_fd, &user_kind, user, &uid, err) < 0)
		return -1;
	if (resolve_id(ctx, rootfs_fd, &group_kind, group, &gid, err) < 0)
		return -1;
	for (size_t i = 0; i < n_supp; i++)
		if (supp[i] == (gid_t)ID_INVALID)
			return fly_fail(err, 0,
					"supplementary gid %u is not a "
					"valid id",
					supp[i]);

	ret->uid = uid;
	ret->gid = gid;
	set_groups(ret, supp, n_supp);
	return 0;
}

void fly_creds_free(struct fly_creds *creds)
{
	if (!creds)
		return;
	free(creds->groups);
	creds->groups = NULL;
	creds->n_groups = 0;
}
