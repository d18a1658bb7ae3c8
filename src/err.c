#include "err.h"

#include <stdio.h>
#include <string.h>

#include "poison.h"

__attribute__((format(printf, 3, 0))) static void vset(struct fly_error *err,
						       int errnum,
						       const char *fmt,
						       va_list ap)
{
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);

	err->errnum = errnum;
	if (errnum > 0 && n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s",
			 strerror(errnum));
}

int(fly_fail)(struct fly_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, errnum, fmt, ap);
	va_end(ap);
	err->usage = 0;
	return -1;
}

int(fly_usage)(struct fly_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, 0, fmt, ap);
	va_end(ap);
	err->usage = 1;
	return -1;
}

int(fly_wrap)(struct fly_error *err, const char *fmt, ...)
{
	char prefix[512];
	size_t lp, lm, room;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	lp = strlen(prefix);
	lm = strlen(err->msg);
	room = sizeof(err->msg) - lp - 3;
	if (lm > room)
		lm = room;
	memmove(err->msg + lp + 2, err->msg, lm);
	err->msg[lp + 2 + lm] = '\0';
	memcpy(err->msg, prefix, lp);
	memcpy(err->msg + lp, ": ", 2);
	return -1;
}

void fly_error_clear(struct fly_error *err)
{
	memset(err, 0, sizeof(*err));
}
