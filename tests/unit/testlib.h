/* What many unit tests need: a fresh directory per test, removed after. */
#pragma once

#include <stddef.h>

/* Make /tmp/fly-unit-XXXXXX in buf (at least 32 bytes) and point the
 * test syscall table's path display at it (mock_sys_reset).  0 or -1. */
int test_tmpdir(char *buf, size_t size);

/* Remove what test_tmpdir made, never crossing a mount.  0 or -1. */
int test_rmtree(const char *path);
