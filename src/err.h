/* The error contract: library code fills a fly_error and returns -1;
 * callers add context with fly_wrap(); only main() prints and exits. */
#pragma once

#include <stdarg.h>

#define FLY_EXIT_FAILURE 254 /* fly itself failed */
#define FLY_EXIT_USAGE 2     /* bad command line */

struct fly_error {
	int errnum; /* saved errno of the failing call, 0 if none */
	int usage;  /* 1 when the failure is a command-line mistake */
	char msg[2048];
};

/* Set the message; with errnum > 0 ": strerror(errnum)" is appended.
 * Always returns -1 so callers can write `return fly_fail(...)`. */
__attribute__((format(printf, 3, 4))) int fly_fail(struct fly_error *err,
						   int errnum, const char *fmt,
						   ...);

/* Like fly_fail, marking the error as a usage error (exit status 2). */
__attribute__((format(printf, 2, 3))) int fly_usage(struct fly_error *err,
						    const char *fmt, ...);

/* Prepend "context: " to the message.  Returns -1. */
__attribute__((format(printf, 2, 3))) int fly_wrap(struct fly_error *err,
						   const char *fmt, ...);

void fly_error_clear(struct fly_error *err);

/* clang --analyze reads one file at a time: these macros tell it that the
 * three always return -1.  err.c defines them with their names in
 * parentheses, which keeps the macros out of the definitions. */
#ifdef __clang_analyzer__
#define fly_fail(...) (fly_fail(__VA_ARGS__), -1)
#define fly_usage(...) (fly_usage(__VA_ARGS__), -1)
#define fly_wrap(...) (fly_wrap(__VA_ARGS__), -1)
#endif
