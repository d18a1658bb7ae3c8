/* Volumes and mounts (behaviour.md 3.1): the --volume and --mount flags,
 * parsed into the pod manifest's types, and the rules that pair volumes
 * with the image's mount points. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "manifest.h"
#include "podmanifest.h"

/* One volume mounted at one target, with the flags that apply. */
struct fly_volume_use {
	const struct fly_pod_volume *volume;
	char *target;
	bool read_only;
	bool recursive;
};

/* `NAME,kind=host,source=PATH[,readOnly=BOOL][,recursive=BOOL]` or
 * `NAME,kind=empty[,mode=0755][,uid=N][,gid=N][,readOnly=BOOL]`.
 * Mistakes are usage errors naming the flag. */
int fly_volume_parse(const char *arg, struct fly_pod_volume *ret,
		     struct fly_error *err);

/* `volume=NAME,target=PATH`. */
int fly_mount_parse(const char *arg, struct fly_pod_mount *ret,
		    struct fly_error *err);
void fly_pod_mount_clear(struct fly_pod_mount *m);

/* Pair volumes with mount points and explicit mounts.  A volume nobody
 * mounts is left out; a mount point without a volume, a mount whose path
 * differs from the mount point of the same name, a volume mounted twice
 * and two volumes of one name are errors. */
int fly_volumes_resolve(const struct fly_mount_point *points, size_t n_points,
			const struct fly_pod_volume *volumes, size_t n_volumes,
			const struct fly_pod_mount *mounts, size_t n_mounts,
			struct fly_volume_use **ret, size_t *ret_n,
			struct fly_error *err);
void fly_volume_uses_free(struct fly_volume_use *uses, size_t n);
