/* The appc pod manifest, parsed and strictly validated, and written back.
 *
 * fly runs exactly one app per pod, so the struct holds that app directly
 * ("apps" must have exactly one entry).  The struct is plain data owned
 * by it: fly run fills one from its flags (strings from fly_xstrdup,
 * arrays from fly_xcalloc) and writes it out with
 * fly_pod_manifest_to_json(); parsing what that writes gives the same
 * struct back.  Errors name the JSON path of the offending field, as in
 * manifest.h, e.g.  volumes[1].source: "tmp" is not an absolute path */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "manifest.h"

#define FLY_APPC_VERSION "0.8.11"  /* written when ac_version is NULL */
#define FLY_EMPTY_VOLUME_MODE 0755 /* defaults of an empty volume */
#define FLY_EMPTY_VOLUME_UID 0
#define FLY_EMPTY_VOLUME_GID 0

/* An optional boolean; zero (a calloc'ed struct) means "not given". */
enum fly_tristate {
	FLY_UNSET = 0,
	FLY_FALSE,
	FLY_TRUE,
};

enum fly_pod_volume_kind {
	FLY_POD_VOLUME_HOST,
	FLY_POD_VOLUME_EMPTY,
};

struct fly_pod_volume {
	char *name; /* ACName */
	enum fly_pod_volume_kind kind;
	char *source; /* host: absolute path; empty: NULL */
	enum fly_tristate read_only;
	enum fly_tristate recursive;
	mode_t mode; /* empty only: parsing fills the */
	uid_t uid;   /* FLY_EMPTY_VOLUME_* defaults when */
	gid_t gid;   /* they are not given */
};

struct fly_pod_mount {
	char *volume;                      /* ACName of a volume in "volumes" */
	char *path;                        /* absolute path inside the app */
	struct fly_pod_volume *app_volume; /* used instead; NULL: absent */
};

struct fly_pod_image {
	char *id;   /* "sha512-" + 128 hex digits */
	char *name; /* ACIdentifier; NULL when absent */
	struct fly_name_value *labels;
	size_t n_labels;
};

struct fly_pod_app {
	char *name; /* ACName */
	struct fly_pod_image image;
	struct fly_app *app; /* replaces the image's; NULL: absent */
	bool read_only_rootfs;
	struct fly_pod_mount *mounts;
	size_t n_mounts;
	struct fly_name_value *annotations; /* over the image's; pod wins */
	size_t n_annotations;
};

struct fly_pod_port {              /* a port exposed on the host */
	char *name;                /* ACName of an app's port */
	unsigned int host_port;    /* 1-65535 */
	char *host_ip;             /* IPv4 dotted quad; NULL: all */
	struct fly_port *pod_port; /* replaces the app's; NULL: absent */
};

struct fly_pod_manifest {
	char *ac_version;       /* NULL writes FLY_APPC_VERSION */
	struct fly_pod_app app; /* the one entry of "apps" */
	struct fly_pod_volume *volumes;
	size_t n_volumes;
	struct fly_isolator *isolators;
	size_t n_isolators;
	struct fly_name_value *annotations;
	size_t n_annotations;
	struct fly_pod_port *ports;
	size_t n_ports;
	struct fly_name_value *user_annotations; /* free-form, never used */
	size_t n_user_annotations;
	struct fly_name_value *user_labels; /* free-form, never used */
	size_t n_user_labels;
};

/* Parse and validate the JSON text of a pod manifest. */
int fly_pod_manifest_parse(const char *text, size_t len,
			   struct fly_pod_manifest **ret,
			   struct fly_error *err);
void fly_pod_manifest_free(struct fly_pod_manifest *pm);

/* The manifest as JSON.  It is only as valid as the struct: parse the
 * dumped text to validate a struct built by hand.  NULL when a required
 * string is NULL or a string is not valid UTF-8. */
json_t *fly_pod_manifest_to_json(const struct fly_pod_manifest *pm);

/* The volume of that name in pm->volumes, NULL when there is none. */
struct fly_pod_volume *fly_pod_manifest_volume(
	const struct fly_pod_manifest *pm, const char *name);

/* Free what a volume holds (not the struct itself). */
void fly_pod_volume_clear(struct fly_pod_volume *vol);
