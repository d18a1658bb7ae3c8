#include "cmd.h"

#include "poison.h"

int fly_cmd_run(struct fly_ctx *ctx, int argc, char **argv,
	       struct fly_error *err)
{
	(void)ctx;
	(void)argc;
	return fly_fail(err, 0, "%s: not available in this build", argv[0]);
}
