/* Debug output, chosen at run time with --debug.  Goes to stderr only. */
#pragma once

#include <stdbool.h>

void fly_log_set_debug(bool on);
bool fly_log_debug_enabled(void);

__attribute__((format(printf, 1, 2))) void fly_debug(const char *fmt, ...);

/* A warning the user should see even without --debug. */
__attribute__((format(printf, 1, 2))) void fly_warn(const char *fmt, ...);
