/* The app's environment (behaviour.md 3.3) and the pod's env file.
 *
 * Precedence, lowest to highest:
 *   1. inherited host variables (--inherit-env); they only fill names that
 *      no other source sets,
 *   2. the image's app.environment,
 *   3. --set-env-file entries (a later line wins over an earlier one),
 *   4. --set-env values (a later flag wins over an earlier one).
 * Then the defaults below fill the names still missing.  USER, LOGNAME and
 * HOME stay "root" and "/root" even when the app runs as another user:
 * fly, like rkt, never derives them from the image's /etc/passwd.
 * Last, AC_APP_NAME=<app name> and container=fly are set and override any
 * value from the sources above: the appc spec makes the executor the owner
 * of both.  Nothing else reaches the app from the host. */
#pragma once

#include <stddef.h>

#include "ctx.h"
#include "err.h"
#include "manifest.h"

#define FLY_ENV_DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Parse a --set-env-file file (at most 16 MiB; lines end with "\n" or
 * "\r\n").  One `NAME=VALUE` per line: NAME is the text before the first
 * '=' and must match [A-Za-z_][A-Za-z_0-9.-]*, VALUE is the rest of the
 * line taken verbatim (no quotes, no escapes, no trimming).  Lines holding
 * only blanks, and lines whose first non-blank character is '#' or ';',
 * are ignored.  Any other line is an error naming the file and the line
 * number: "FILE" line 3: "1X" is not a valid variable name.
 * The pairs keep the file's order.  Free them with fly_env_list_free(). */
int fly_env_file_parse(const char *path, struct fly_name_value **ret,
		       size_t *ret_n, struct fly_error *err);

void fly_env_list_free(struct fly_name_value *list, size_t n);

/* Check one --set-env value: NAME=VALUE with a valid NAME.  A failure is a
 * usage error: --set-env: "FOO" is not of the form NAME=VALUE. */
int fly_env_check_assignment(const char *s, struct fly_error *err);

struct fly_env_sources {
	char *const *inherited; /* NULL-terminated host environment, or
				   * NULL without --inherit-env; entries
				   * without '=' or with an empty name are
				   * skipped */
	const struct fly_name_value *image; /* app.environment */
	size_t n_image;
	const struct fly_name_value *file; /* --set-env-file entries */
	size_t n_file;
	char *const *set; /* --set-env values, "NAME=VALUE" */
	size_t n_set;
	const char *app_name; /* becomes AC_APP_NAME */
};

/* Compose the app's environment as described at the top of this file.
 * *ret_envp is a NULL-terminated array of "NAME=VALUE" strings, one per
 * name, sorted by name (byte order), to free with fly_env_free().  A bad
 * --set-env value is a usage error. */
int fly_env_compose(const struct fly_env_sources *src, char ***ret_envp,
		    struct fly_error *err);

void fly_env_free(char **envp);

/* The PATH of envp, or FLY_ENV_DEFAULT_PATH when it has none. */
const char *fly_env_path(char *const *envp);

/* The pod's env file, read back by `fly enter`.  Format: each entry is
 * "NAME=VALUE" followed by one NUL byte, as in /proc/PID/environ, so values
 * may hold newlines.  The file is written atomically with mode 0600. */
int fly_env_write(const struct fly_ctx *ctx, const char *path,
		  char *const *envp, struct fly_error *err);

/* Read a file written by fly_env_write().  An entry without '=', with an
 * empty name, or a last entry without its NUL is an error. */
int fly_env_read(const char *path, char ***ret_envp, struct fly_error *err);
