#include "duration.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "poison.h"

/* Fractions keep at most this many digits; later ones change nothing a
 * nanosecond can show. */
#define FRACTION_SCALE_MAX 1000000000000000000ULL

static const struct {
	const char *name;
	uint64_t ns;
} units[] = {
	{ "ns", 1 },
	{ "us", 1000 },
	{ "\xc2\xb5s", 1000 }, /* U+00B5 MICRO SIGN */
	{ "\xce\xbcs", 1000 }, /* U+03BC GREEK SMALL LETTER MU */
	{ "ms", 1000000 },
	{ "s", 1000000000ULL },
	{ "m", 60 * 1000000000ULL },
	{ "h", 3600 * 1000000000ULL },
};

enum parse_result { PARSE_OK, PARSE_BAD, PARSE_TOO_LARGE };

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The unit at *p, which ends at the next digit, dot or the end. */
static uint64_t parse_unit(const char **p)
{
	size_t len = strcspn(*p, "0123456789.");

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strlen(units[i].name) == len &&
		    strncmp(*p, units[i].name, len) == 0) {
			*p += len;
			return units[i].ns;
		}
	}
	return 0;
}

/* One number-unit pair at *p, added to *total. */
static enum parse_result parse_pair(const char **p, uint64_t *total)
{
	uint64_t whole = 0, frac = 0, scale = 1, unit, v;
	int digits = 0;

	for (; is_digit(**p); (*p)++, digits++) {
		if (whole > (UINT64_MAX - 9) / 10)
			return PARSE_TOO_LARGE;
		whole = whole * 10 + (uint64_t)(**p - '0');
	}
	if (**p == '.')
		for ((*p)++; is_digit(**p); (*p)++, digits++)
			if (scale < FRACTION_SCALE_MAX) {
				frac = frac * 10 + (uint64_t)(**p - '0');
				scale *= 10;
			}
	if (digits == 0)
		return PARSE_BAD;
	unit = parse_unit(p);
	if (unit == 0)
		return PARSE_BAD;
	if (whole > (uint64_t)INT64_MAX / unit)
		return PARSE_TOO_LARGE;
	v = whole * unit + (uint64_t)((unsigned __int128)frac * unit / scale);
	if (v > (uint64_t)INT64_MAX - *total)
		return PARSE_TOO_LARGE;
	*total += v;
	return PARSE_OK;
}

static enum parse_result parse_pairs(const char *p, int64_t *ret_ns)
{
	uint64_t total = 0;

	if (*p == '\0')
		return PARSE_BAD;
	while (*p) {
		enum parse_result r = parse_pair(&p, &total);

		if (r != PARSE_OK)
			return r;
	}
	*ret_ns = (int64_t)total;
	return PARSE_OK;
}

int fly_duration_parse(const char *flag, const char *text, int64_t *ret_ns,
		       struct fly_error *err)
{
	const char *p = text[0] == '+' ? text + 1 : text;
	enum parse_result r;

	if (text[0] == '-')
		return fly_usage(err, "%s: \"%s\" is negative", flag, text);
	if (strcmp(p, "0") == 0) {
		*ret_ns = 0;
		return 0;
	}
	r = parse_pairs(p, ret_ns);
	if (r == PARSE_TOO_LARGE)
		return fly_usage(err, "%s: \"%s\" is too long a duration", flag,
				 text);
	if (r != PARSE_OK)
		return fly_usage(err,
				 "%s: \"%s\" is not a duration such as "
				 "30m, 1h30m, 10s or 500ms",
				 flag, text);
	return 0;
}

void fly_time_ago(const struct timespec *then, const struct timespec *now,
		  char *buf, size_t size)
{
	static const struct {
		int64_t seconds;
		const char *one, *many;
	} steps[] = {
		{ 365 * 86400, "1 year", "years" },
		{ 30 * 86400, "1 month", "months" },
		{ 7 * 86400, "1 week", "weeks" },
		{ 86400, "1 day", "days" },
		{ 3600, "1 hour", "hours" },
		{ 60, "1 minute", "minutes" },
		{ 1, "1 second", "seconds" },
	};
	int64_t age = (int64_t)(now->tv_sec - then->tv_sec);

	if (now->tv_nsec < then->tv_nsec)
		age--;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int64_t n = age / steps[i].seconds;

		if (n == 1) {
			snprintf(buf, size, "%s ago", steps[i].one);
			return;
		}
		if (n > 1) {
			snprintf(buf, size, "%lld %s ago", (long long)n,
				 steps[i].many);
			return;
		}
	}
	snprintf(buf, size, "just now");
}

void fly_time_rfc3339(const struct timespec *t, char *buf, size_t size)
{
	struct tm tm;

	if (!gmtime_r(&t->tv_sec, &tm) ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t->tv_sec);
}
