/* Command entry points.  Each returns the exit status to use (>= 0) or -1
 * with err filled; main() turns that into a message and 254 (or 2 for a
 * usage error).  argv[0] is the command's own name. */
#pragma once

#include "ctx.h"

typedef int fly_cmd_fn(struct fly_ctx *ctx, int argc, char **argv,
		       struct fly_error *err);

fly_cmd_fn fly_cmd_run;
fly_cmd_fn fly_cmd_prepare;
fly_cmd_fn fly_cmd_run_prepared;
fly_cmd_fn fly_cmd_enter;
fly_cmd_fn fly_cmd_export;
fly_cmd_fn fly_cmd_image;
fly_cmd_fn fly_cmd_version;
fly_cmd_fn fly_cmd_list;
fly_cmd_fn fly_cmd_status;
fly_cmd_fn fly_cmd_stop;
fly_cmd_fn fly_cmd_gc;

/* The pure steps of `fly export`, for its unit tests. */
struct fly_image_manifest;
struct fly_app;

/* Overlay mount options showing upper over lower, read-only: no upperdir,
 * hence no workdir.  ':', ',' and '\' in the paths are escaped. */
char *fly_export_overlay_options(const char *upper, const char *lower);

/* The exported image's manifest: the image's own, with app (as the pod
 * ran it; NULL keeps the image's) and without dependencies and
 * pathWhitelist, which the exported tree already holds applied.  The
 * text is validated as an image manifest. */
int fly_export_manifest(const struct fly_image_manifest *image,
			const struct fly_app *app, char **ret_text,
			struct fly_error *err);
