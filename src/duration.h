/* Durations as fly's flags take them, in the syntax rkt's flags use
 * (Go's: "30m", "1h30m", "500ms"), and times as `fly list` and
 * `fly status` print them. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

#define FLY_NSEC_PER_SEC 1000000000LL

/* Room for what fly_time_ago() and fly_time_rfc3339() write. */
#define FLY_TIME_TEXT_MAX 40

/* Parse a duration into nanoseconds: "0", or one or more number-unit
 * pairs that add up ("2h45m30.5s").  Units are h, m, s, ms, us (or µs)
 * and ns; numbers may have a fraction; a leading "+" is allowed.  A
 * malformed, negative or too large duration (over about 292 years) is a
 * usage error whose message starts with flag, e.g. "--grace-period". */
int fly_duration_parse(const char *flag, const char *text, int64_t *ret_ns,
		       struct fly_error *err);

/* How long before now then was, in words: "just now", "1 second ago",
 * "5 minutes ago", "3 days ago", "2 years ago".  A then after now reads
 * "just now". */
void fly_time_ago(const struct timespec *then, const struct timespec *now,
		  char *buf, size_t size);

/* t as RFC 3339 in UTC, to the second: "2024-05-01T12:00:00Z". */
void fly_time_rfc3339(const struct timespec *t, char *buf, size_t size);
