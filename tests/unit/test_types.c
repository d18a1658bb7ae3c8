/* Unit tests for types.c: each appc value type with values it must accept
 * and values it must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "types.h"

#define N(a) (sizeof(a) / sizeof(*(a)))

static void check_all(bool (*check)(const char *), const char *const *good,
		      size_t n_good, const char *const *bad, size_t n_bad)
{
	for (size_t i = 0; i < n_good; i++)
		if (!check(good[i]))
			fail_msg("refused valid value \"%s\"", good[i]);
	for (size_t i = 0; i < n_bad; i++)
		if (check(bad[i]))
			fail_msg("accepted invalid value \"%s\"", bad[i]);
	assert_false(check(NULL));
}

static void acidentifiers_are_lower_case_runs_joined_by_one_separator(
	void **state)
{
	static const char *const good[] = {
		"database",
		"example.com/database",
		"example.com/user/app_v1",
		"sub-domain.example.com/org/product/release",
		"a",
		"0",
		"a-b",
		"a.b",
		"a_b",
		"a~b",
		"a/b",
	};
	static const char *const bad[] = {
		"",
		"Database",
		"-a",
		"a-",
		"a--b",
		"a./b",
		"/a",
		"a/",
		"a b",
		"a+b",
		"a:b",
		"ä",
		"a\nb",
		/* appc's prose lists it as an example; its regex refuses it */
		"example.com/~user/app_v1",
	};

	(void)state;
	check_all(fly_is_acidentifier, good, N(good), bad, N(bad));
}

static void acnames_are_lower_case_runs_joined_by_dashes(void **state)
{
	static const char *const good[] = {
		"database",
		"product-database",
		"a-1-b",
		"0",
	};
	static const char *const bad[] = {
		"", "Database", "a.b", "a_b", "a/b", "-a", "a-", "a--b", "a b",
	};

	(void)state;
	check_all(fly_is_acname, good, N(good), bad, N(bad));
}

static void semver_follows_the_full_2_0_grammar(void **state)
{
	static const char *const good[] = {
		"0.0.0",
		"0.8.11",
		"1.2.3",
		"10.20.30",
		"1.0.0-alpha",
		"1.0.0-alpha.1",
		"1.0.0-0.3.7",
		"1.0.0-x.7.z.92",
		"1.0.0-x-y-z.--",
		"1.0.0+20130313144700",
		"1.0.0-beta+exp.sha.5114f85",
		"1.0.0+001",
		"1.0.0-0",
		"1.0.0-rc.1+build.01",
		"99999999999999999999.0.0",
	};
	static const char *const bad[] = {
		"",         "1",          "1.2",       "1.2.3.4",    "01.2.3",
		"1.02.3",   "1.2.03",     "v1.2.3",    "1.2.3-",     "1.2.3+",
		"1.2.3-01", "1.2.3-a..b", "1.2.3-a_b", "1.2.3+a..b", " 1.2.3",
		"1.2.3 ",   "-1.2.3",     "1.2.3-+",   "1.2.a",
	};

	(void)state;
	check_all(fly_is_semver, good, N(good), bad, N(bad));
}

static void environment_names_start_with_a_letter_or_underscore(void **state)
{
	static const char *const good[] = {
		"PATH", "_", "a", "A_B", "a.b-c", "x1", "REDUCE_WORKER_DEBUG",
	};
	static const char *const bad[] = {
		"", "1BAD", ".a", "-a", "A=B", "A B", "A$", "é",
	};

	(void)state;
	check_all(fly_is_env_name, good, N(good), bad, N(bad));
}

static void timestamps_are_rfc3339_with_t_and_valid_fields(void **state)
{
	static const char *const good[] = {
		"2014-10-27T19:32:27.67021798Z", "2015-05-18T13:49:28-04:00",
		"2016-02-29T00:00:00Z",          "2000-02-29T23:59:59+23:59",
		"2015-06-30T23:59:60Z",          "1999-12-31T12:00:00.5+05:30",
		"2015-04-30T01:02:03Z",
	};
	static const char *const bad[] = {
		"",
		"2014-10-27 19:32:27Z",
		"2014-10-27t19:32:27Z",
		"2014-10-27T19:32:27",
		"2014-10-27T19:32:27z",
		"2014-13-01T00:00:00Z",
		"2014-00-01T00:00:00Z",
		"2014-01-00T00:00:00Z",
		"2014-01-32T00:00:00Z",
		"2015-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z",
		"2015-04-31T00:00:00Z",
		"2014-01-01T24:00:00Z",
		"2014-01-01T00:60:00Z",
		"2014-01-01T00:00:61Z",
		"2014-01-01T00:00:00.Z",
		"2014-01-01T00:00:00+24:00",
		"2014-01-01T00:00:00+01:60",
		"2014-01-01T00:00:00+0100",
		"14-01-01T00:00:00Z",
		"2014-1-01T00:00:00Z",
		"2014-01-01T00:00:00Z ",
		"2014-01-01T00:00Z",
	};

	(void)state;
	check_all(fly_is_rfc3339, good, N(good), bad, N(bad));
}

static void quantities_follow_the_kubernetes_syntax(void **state)
{
	static const char *const good[] = {
		"0",     "128974848", "125952Ki", "123Mi", "0.3",  "300m",
		"1.5Gi", "1e3",       "1E3",      "2e-3",  "1e+9", "1k",
		"1M",    "1G",        "1T",       "1P",    "1E",   "1Ti",
		"1Pi",   "1Ei",       "5.",       ".5",    "+1",   "-1",
		"100u",  "100n",
	};
	static const char *const bad[] = {
		"",     "m",    ".",   "1.2.3", "1K",    "1Kib",
		"1mi",  "1 Gi", "1e",  "1e-",   "1e3.5", "1GB",
		"0x10", "1,5",  "--1", "1i",    "abc",
	};

	(void)state;
	check_all(fly_is_quantity, good, N(good), bad, N(bad));
}

static void urls_are_http_or_https_with_a_host(void **state)
{
	static const char *const good[] = {
		"https://example.com",
		"http://example.com/docs",
		"HTTPS://example.com",
		"https://user@example.com:8443/a?b#c",
		"http://[::1]:80/",
		"http://127.0.0.1",
		"http://host:",
		"https://example.com?q",
		"https://example.com#top",
	};
	static const char *const bad[] = {
		"",
		"example.com",
		"ftp://example.com",
		"https://",
		"https:///path",
		"https://:80",
		"https://user@/x",
		"https://exa mple.com",
		"https://example.com/a b",
		"https://[]:80",
		"https://[::1]x",
		"https://host:8x",
		"https//example.com",
		"mailto:a@example.com",
	};

	(void)state;
	check_all(fly_is_http_url, good, N(good), bad, N(bad));
}

#define HEX64                              \
	"0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef"

static void image_ids_are_sha512_with_the_full_lower_case_digest(void **state)
{
	static const char *const good[] = { "sha512-" HEX64 HEX64 };
	static const char *const bad[] = {
		"",
		"sha512-",
		"sha512-abc",
		"sha512-" HEX64 HEX64 "0",
		"sha256-" HEX64 HEX64,
		"SHA512-" HEX64 HEX64,
		"sha512-" HEX64 "0123456789ABCDEF0123456789abcdef"
		"0123456789abcdef0123456789abcdef",
		"sha512_" HEX64 HEX64,
		HEX64 HEX64,
	};

	(void)state;
	check_all(fly_is_image_id, good, N(good), bad, N(bad));
}

static void os_names_are_linux_freebsd_or_darwin(void **state)
{
	static const char *const good[] = { "linux", "freebsd", "darwin" };
	static const char *const bad[] = { "", "Linux", "windows", "plan9" };

	(void)state;
	check_all(fly_is_os, good, N(good), bad, N(bad));
}

static void arch_must_fit_the_os(void **state)
{
	static const char *const linux_arches[] = {
		"amd64",  "i386",   "aarch64", "aarch64_be", "armv6l",
		"armv7l", "armv7b", "ppc64",   "ppc64le",    "s390x",
	};

	(void)state;
	for (size_t i = 0; i < N(linux_arches); i++)
		assert_true(fly_is_arch_for_os("linux", linux_arches[i]));
	assert_true(fly_is_arch_for_os("freebsd", "amd64"));
	assert_true(fly_is_arch_for_os("freebsd", "i386"));
	assert_true(fly_is_arch_for_os("freebsd", "arm"));
	assert_true(fly_is_arch_for_os("darwin", "x86_64"));
	assert_true(fly_is_arch_for_os("darwin", "i386"));
	assert_false(fly_is_arch_for_os("linux", "x86_64"));
	assert_false(fly_is_arch_for_os("linux", "arm"));
	assert_false(fly_is_arch_for_os("freebsd", "aarch64"));
	assert_false(fly_is_arch_for_os("darwin", "amd64"));
	assert_false(fly_is_arch_for_os("windows", "amd64"));
	assert_false(fly_is_arch_for_os(NULL, "amd64"));
	assert_false(fly_is_arch_for_os("linux", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			acidentifiers_are_lower_case_runs_joined_by_one_separator),
		cmocka_unit_test(acnames_are_lower_case_runs_joined_by_dashes),
		cmocka_unit_test(semver_follows_the_full_2_0_grammar),
		cmocka_unit_test(
			environment_names_start_with_a_letter_or_underscore),
		cmocka_unit_test(
			timestamps_are_rfc3339_with_t_and_valid_fields),
		cmocka_unit_test(quantities_follow_the_kubernetes_syntax),
		cmocka_unit_test(urls_are_http_or_https_with_a_host),
		cmocka_unit_test(
			image_ids_are_sha512_with_the_full_lower_case_digest),
		cmocka_unit_test(os_names_are_linux_freebsd_or_darwin),
		cmocka_unit_test(arch_must_fit_the_os),
	};

	return cmocka_run_group_tests_name("types", tests, NULL, NULL);
}
