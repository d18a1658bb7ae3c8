#include "log.h"

#include <stdarg.h>
#include <stdio.h>

#include "poison.h"

static bool debug_on;

void fly_log_set_debug(bool on)
{
	debug_on = on;
}

bool fly_log_debug_enabled(void)
{
	return debug_on;
}

void fly_debug(const char *fmt, ...)
{
	va_list ap;

	if (!debug_on)
		return;
	va_start(ap, fmt);
	fputs("fly: debug: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void fly_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fly: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
