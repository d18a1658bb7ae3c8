#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>

#include "mock_sys.h"
#include "util.h"

int test_tmpdir(char *buf, size_t size)
{
	snprintf(buf, size, "/tmp/fly-unit-XXXXXX");
	if (!mkdtemp(buf))
		return -1;
	mock_sys_reset(buf);
	return 0;
}

int test_rmtree(const char *path)
{
	struct fly_ctx real = { .sys = &fly_sys_real };
	struct fly_error err = { 0 };

	if (fly_rm_tree(&real, path, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}
