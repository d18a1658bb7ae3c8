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
