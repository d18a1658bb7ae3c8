/* The pod manifest fly writes for a run: one app, its image, its volumes
 * and mounts, as appc's PodManifest (JSON text, malloc'ed). */
#pragma once

#include <stdbool.h>

#include "manifest.h"
#include "volumes.h"

char *fly_pod_json_for_run(const char *image_id,
			   const struct fly_image_manifest *image,
			   const char *app_name, char *const *argv,
			   const struct fly_volume_use *uses, size_t n_uses,
			   bool read_only_rootfs);
