/* What every operation is handed: the syscall shim and who is asking. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "sys.h"

struct fly_ctx {
	const struct fly_sys *sys;
	const char *dir; /* data directory, absolute, no trailing slash */
	uid_t uid;       /* real uid of the caller on the host */
	gid_t gid;
	bool root; /* real root in the initial user namespace */
};
