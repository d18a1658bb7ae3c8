/* A syscall table for unit tests.  Calls that change mounts, namespaces,
 * credentials or exec are recorded as text lines and never reach the
 * kernel; filesystem calls (open, mkdir, symlink...) go to the real kernel
 * so tests can build a real directory tree and check path resolution on it.
 * Any call can be made to fail with a chosen errno. */
#pragma once

#include <stddef.h>

#include "sys.h"

extern const struct fly_sys mock_sys;

/* Forget recorded calls and injected failures.  Paths under root are
 * printed as "<root>/..." so expectations do not depend on a temp name. */
void mock_sys_reset(const char *root);

/* Make the nth (1-based) recorded call whose line starts with prefix fail
 * with errnum.  Filesystem calls match as "openat2 PATH" etc. */
void mock_sys_fail(const char *prefix, int nth, int errnum);

/* The recorded lines, NULL-terminated. */
const char *const *mock_sys_calls(void);
size_t mock_sys_count(void);

/* cmocka-assert that the recorded calls are exactly these, in order. */
void mock_sys_assert_calls(const char *const *expected);

/* Print the recorded calls (for writing expectations). */
void mock_sys_dump(void);
