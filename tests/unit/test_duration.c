/* Unit tests for duration.c: Go-style durations and how times read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "duration.h"

#define SEC FLY_NSEC_PER_SEC

static int64_t parse_ok(const char *text)
{
	struct fly_error err = { 0 };
	int64_t ns = -1;

	if (fly_duration_parse("--grace-period", text, &ns, &err) < 0)
		fail_msg("\"%s\" refused: %s", text, err.msg);
	return ns;
}

static void parse_bad(const char *text, const char *why)
{
	struct fly_error err = { 0 };
	int64_t ns = -1;

	if (fly_duration_parse("--grace-period", text, &ns, &err) == 0)
		fail_msg("\"%s\" accepted as %lld ns", text, (long long)ns);
	assert_int_equal(err.usage, 1);
	assert_true(strncmp(err.msg, "--grace-period: ", 16) == 0);
	if (!strstr(err.msg, why))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", text, err.msg,
			 why);
	assert_int_equal(ns, -1);
}

static void zero_needs_no_unit(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("0"), 0);
	assert_int_equal(parse_ok("0s"), 0);
	assert_int_equal(parse_ok("+0"), 0);
}

static void each_unit_has_its_length(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("3ns"), 3);
	assert_int_equal(parse_ok("2us"), 2000);
	assert_int_equal(parse_ok("2\xc2\xb5s"), 2000);
	assert_int_equal(parse_ok("2\xce\xbcs"), 2000);
	assert_int_equal(parse_ok("500ms"), SEC / 2);
	assert_int_equal(parse_ok("10s"), 10 * SEC);
	assert_int_equal(parse_ok("30m"), 30 * 60 * SEC);
	assert_int_equal(parse_ok("24h"), 24 * 3600 * SEC);
}

static void pairs_add_up(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1h30m"), 90 * 60 * SEC);
	assert_int_equal(parse_ok("2h45m30.5s"),
			 (2 * 3600 + 45 * 60 + 30) * SEC + SEC / 2);
	assert_int_equal(parse_ok("1s1s1s"), 3 * SEC);
	assert_int_equal(parse_ok("1m500ms"), 60 * SEC + SEC / 2);
}

static void fractions_are_exact_to_the_nanosecond(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1.5h"), 90 * 60 * SEC);
	assert_int_equal(parse_ok(".5s"), SEC / 2);
	assert_int_equal(parse_ok("1.s"), SEC);
	assert_int_equal(parse_ok("0.000000001s"), 1);
	assert_int_equal(parse_ok("1.0000000000000000000009s"), SEC);
	assert_int_equal(parse_ok("0.1ms"), 100000);
}

static void a_number_without_a_unit_is_refused(void **state)
{
	(void)state;
	parse_bad("10", "is not a duration");
	parse_bad("1h30", "is not a duration");
	parse_bad("00", "is not a duration");
}

static void malformed_durations_are_refused(void **state)
{
	(void)state;
	parse_bad("", "is not a duration");
	parse_bad("h", "is not a duration");
	parse_bad(".s", "is not a duration");
	parse_bad("1x", "is not a duration");
	parse_bad("1.2.3s", "is not a duration");
	parse_bad(" 1s", "is not a duration");
	parse_bad("1s ", "is not a duration");
	parse_bad("1 s", "is not a duration");
	parse_bad("1H", "is not a duration");
	parse_bad("1h+1m", "is not a duration");
	parse_bad("++1s", "is not a duration");
}

static void a_negative_duration_is_refused(void **state)
{
	(void)state;
	parse_bad("-1s", "is negative");
	parse_bad("-0", "is negative");
}

static void the_longest_duration_is_about_292_years(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("9223372036854775807ns"), INT64_MAX);
	assert_int_equal(parse_ok("2562047h"), 2562047LL * 3600 * SEC);
	parse_bad("9223372036854775808ns", "too long");
	parse_bad("2562048h", "too long");
	parse_bad("2562047h48m", "too long");
	parse_bad("99999999999999999999999s", "too long");
	parse_bad("9223372036854775807ns1ns", "too long");
}

static void the_flag_is_named_in_the_message(void **state)
{
	struct fly_error err = { 0 };
	int64_t ns;

	(void)state;
	assert_int_equal(
		fly_duration_parse("--expire-prepared", "soon", &ns, &err), -1);
	assert_string_equal(err.msg,
			    "--expire-prepared: \"soon\" is not a "
			    "duration such as 30m, 1h30m, 10s or 500ms");
}

static void ago(time_t seconds, long nsec_then, const char *expected)
{
	struct timespec now = { .tv_sec = 1700000000, .tv_nsec = 500 };
	struct timespec then = { .tv_sec = now.tv_sec - seconds,
				 .tv_nsec = nsec_then };
	char buf[FLY_TIME_TEXT_MAX];

	fly_time_ago(&then, &now, buf, sizeof(buf));
	assert_string_equal(buf, expected);
}

static void ages_read_in_the_largest_whole_unit(void **state)
{
	(void)state;
	ago(0, 0, "just now");
	ago(1, 0, "1 second ago");
	ago(1, 900, "just now");
	ago(59, 0, "59 seconds ago");
	ago(60, 0, "1 minute ago");
	ago(5 * 60 + 59, 0, "5 minutes ago");
	ago(3600, 0, "1 hour ago");
	ago(23 * 3600, 0, "23 hours ago");
	ago(86400, 0, "1 day ago");
	ago(6 * 86400, 0, "6 days ago");
	ago(14 * 86400, 0, "2 weeks ago");
	ago(60 * 86400, 0, "2 months ago");
	ago(365 * 86400, 0, "1 year ago");
	ago(800 * 86400, 0, "2 years ago");
	ago(-30, 0, "just now");
}

static void times_print_as_rfc3339_in_utc(void **state)
{
	struct timespec t = { .tv_sec = 0 };
	char buf[FLY_TIME_TEXT_MAX];

	(void)state;
	fly_time_rfc3339(&t, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	t.tv_sec = 1700000000;
	t.tv_nsec = 999999999;
	fly_time_rfc3339(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2023-11-14T22:13:20Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(zero_needs_no_unit),
		cmocka_unit_test(each_unit_has_its_length),
		cmocka_unit_test(pairs_add_up),
		cmocka_unit_test(fractions_are_exact_to_the_nanosecond),
		cmocka_unit_test(a_number_without_a_unit_is_refused),
		cmocka_unit_test(malformed_durations_are_refused),
		cmocka_unit_test(a_negative_duration_is_refused),
		cmocka_unit_test(the_longest_duration_is_about_292_years),
		cmocka_unit_test(the_flag_is_named_in_the_message),
		cmocka_unit_test(ages_read_in_the_largest_whole_unit),
		cmocka_unit_test(times_print_as_rfc3339_in_utc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
