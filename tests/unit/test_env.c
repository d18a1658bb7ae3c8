/* Unit tests for env.c: the env file parser, the composition rules of
 * behaviour.md 3.3 and the pod env file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "env.h"
#include "mock_sys.h"
#include "testlib.h"
#include "util.h"

static char tmp[256];
static struct fly_ctx ctx = { .sys = &mock_sys };

static int setup(void **state)
{
	(void)state;
	if (test_tmpdir(tmp, sizeof(tmp)) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return test_rmtree(tmp);
}

/* Write len bytes to tmp/name and return the path (to free). */
static char *put_file(const char *name, const char *data, size_t len)
{
	char *path = fly_path_join(tmp, name);
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static const char *env_get(char **envp, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; envp[i]; i++)
		if (strncmp(envp[i], name, len) == 0 && envp[i][len] == '=')
			return envp[i] + len + 1;
	return NULL;
}

static size_t env_count(char **envp)
{
	size_t n = 0;

	while (envp[n])
		n++;
	return n;
}

static char **compose(const struct fly_env_sources *src)
{
	struct fly_error err = { 0 };
	char **envp = NULL;

	if (fly_env_compose(src, &envp, &err) < 0)
		fail_msg("compose: %s", err.msg);
	return envp;
}

static void env_file_lines_become_pairs_in_order(void **state)
{
	static const char text[] = "B=2\nA=1\nC=\n";
	struct fly_error err = { 0 };
	struct fly_name_value *list = NULL;
	char *path = put_file("env", text, strlen(text));
	size_t n = 0;

	(void)state;
	assert_int_equal(fly_env_file_parse(path, &list, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].name, "B");
	assert_string_equal(list[0].value, "2");
	assert_string_equal(list[1].name, "A");
	assert_string_equal(list[2].name, "C");
	assert_string_equal(list[2].value, "");
	fly_env_list_free(list, n);
	free(path);
}

static void env_file_skips_blank_and_comment_lines(void **state)
{
	static const char text[] = "\n   \n\t\n# a comment\n  # indented\n"
				   "; semicolon\n\t; indented\nX=1\n";
	struct fly_error err = { 0 };
	struct fly_name_value *list = NULL;
	char *path = put_file("env", text, strlen(text));
	size_t n = 0;

	(void)state;
	assert_int_equal(fly_env_file_parse(path, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].name, "X");
	assert_string_equal(list[0].value, "1");
	fly_env_list_free(list, n);
	free(path);
}

static void env_file_values_are_taken_verbatim(void **state)
{
	static const char text[] = "Q=\"quoted\" ok \nE=a=b=c\nH=#not a "
				   "comment\nW=last";
	struct fly_error err = { 0 };
	struct fly_name_value *list = NULL;
	char *path = put_file("env", text, strlen(text));
	size_t n = 0;

	(void)state;
	assert_int_equal(fly_env_file_parse(path, &list, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(list[0].value, "\"quoted\" ok ");
	assert_string_equal(list[1].value, "a=b=c");
	assert_string_equal(list[2].value, "#not a comment");
	assert_string_equal(list[3].value, "last");
	fly_env_list_free(list, n);
	free(path);
}

static void env_file_accepts_crlf_line_ends(void **state)
{
	static const char text[] = "A=1\r\n\r\n# c\r\nB=2\r\n";
	struct fly_error err = { 0 };
	struct fly_name_value *list = NULL;
	char *path = put_file("env", text, strlen(text));
	size_t n = 0;

	(void)state;
	assert_int_equal(fly_env_file_parse(path, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].value, "1");
	assert_string_equal(list[1].value, "2");
	fly_env_list_free(list, n);
	free(path);
}

static void env_file_line_without_equals_is_refused_with_its_number(
	void **state)
{
	static const char text[] = "A=1\n# fine\nNOVALUE\n";
	struct fly_error err = { 0 };
	struct fly_name_value *list = NULL;
	char *path = put_file("env", text, strlen(text));
	char *want = fly_xasprintf("\"%s\" line 3: \"NOVALUE\" is not of the "
				   "form NAME=VALUE",
				   path);
	size_t n = 0;

	(void)state;
	assert_int_equal(fly_env_file_parse(path, &list, &n, &err), -1);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.usage, 0);
	assert_null(list);
	free(want);
	free(path);
}

static void env_file_invalid_names_are_refused(void **state)
{
	static const char *const bad[] = { "1X=y\n", " X=y\n", "A B=y\n",
					   "=y\n", "X$=y\n" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct fly_error err = { 0 };
		struct fly_name_value *list = NULL;
		char *path = put_file("env", bad[i], strlen(bad[i]));
		size_t n = 0;

		assert_int_equal(fly_env_file_parse(path, &list, &n, &err), -1);
		assert_non_null(strstr(err.msg, "line 1: "));
		assert_non_null(strstr(err.msg, "not a valid variable name"));
		free(path);
	}
}

static void env_file_with_a_nul_byte_is_refused(void **state)
{
	static const char text[] = "A=1\nB=x\0y\n";
	struct fly_error err = { 0 };
	struct fly_name_value *list = NULL;
	char *path = put_file("env", text, sizeof(text) - 1);
	size_t n = 0;

	(void)state;
	assert_int_equal(fly_env_file_parse(path, &list, &n, &err), -1);
	assert_non_null(strstr(err.msg, "line 2: a NUL byte"));
	free(path);
}

static void env_file_missing_is_an_error(void **state)
{
	struct fly_error err = { 0 };
	struct fly_name_value *list = NULL;
	char *path = fly_path_join(tmp, "absent");
	size_t n = 0;

	(void)state;
	assert_int_equal(fly_env_file_parse(path, &list, &n, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_non_null(strstr(err.msg, path));
	free(path);
}

static void env_file_larger_than_16_mib_is_refused(void **state)
{
	size_t len = (16u << 20) + 1;
	char *text = fly_xmalloc(len);
	struct fly_error err = { 0 };
	struct fly_name_value *list = NULL;
	char *path;
	size_t n = 0;

	(void)state;
	memset(text, '#', len);
	path = put_file("env", text, len);
	assert_int_equal(fly_env_file_parse(path, &list, &n, &err), -1);
	assert_int_equal(err.errnum, EFBIG);
	assert_null(list);
	free(text);
	free(path);
}

static void env_file_empty_gives_no_pairs(void **state)
{
	struct fly_error err = { 0 };
	struct fly_name_value *list = NULL;
	char *path = put_file("env", "", 0);
	size_t n = 7;

	(void)state;
	assert_int_equal(fly_env_file_parse(path, &list, &n, &err), 0);
	assert_int_equal(n, 0);
	fly_env_list_free(list, n);
	free(path);
}

static void without_sources_the_app_gets_exactly_the_defaults(void **state)
{
	static const char *const want[] = {
		"AC_APP_NAME=web",
		"HOME=/root",
		"LOGNAME=root",
		("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		 "/sbin:/bin"),
		"SHELL=/bin/sh",
		"USER=root",
		"container=fly",
	};
	struct fly_env_sources src = { .app_name = "web" };
	char **envp;

	(void)state;
	setenv("FLY_UNIT_LEAK", "1", 1);
	envp = compose(&src);
	assert_int_equal(env_count(envp), sizeof(want) / sizeof(*want));
	for (size_t i = 0; envp[i]; i++)
		assert_string_equal(envp[i], want[i]);
	assert_null(env_get(envp, "FLY_UNIT_LEAK"));
	unsetenv("FLY_UNIT_LEAK");
	fly_env_free(envp);
}

static void set_env_beats_env_file_which_beats_the_image(void **state)
{
	static const struct fly_name_value image[] = {
		{ (char *)"X", (char *)"image" },
		{ (char *)"Y", (char *)"image" },
		{ (char *)"Z", (char *)"image" },
	};
	static const struct fly_name_value file[] = {
		{ (char *)"X", (char *)"file" },
		{ (char *)"Y", (char *)"file" },
	};
	char *set[] = { (char *)"X=set" };
	struct fly_env_sources src = {
		.image = image,
		.n_image = 3,
		.file = file,
		.n_file = 2,
		.set = set,
		.n_set = 1,
		.app_name = "a",
	};
	char **envp;

	(void)state;
	envp = compose(&src);
	assert_string_equal(env_get(envp, "X"), "set");
	assert_string_equal(env_get(envp, "Y"), "file");
	assert_string_equal(env_get(envp, "Z"), "image");
	fly_env_free(envp);
}

static void a_later_env_file_line_wins(void **state)
{
	static const char text[] = "X=first\nX=second\n";
	struct fly_error err = { 0 };
	struct fly_name_value *list = NULL;
	char *path = put_file("env", text, strlen(text));
	struct fly_env_sources src = { .app_name = "a" };
	char **envp;
	size_t n = 0;

	(void)state;
	assert_int_equal(fly_env_file_parse(path, &list, &n, &err), 0);
	src.file = list;
	src.n_file = n;
	envp = compose(&src);
	assert_string_equal(env_get(envp, "X"), "second");
	fly_env_free(envp);
	fly_env_list_free(list, n);
	free(path);
}

static void a_later_set_env_wins_and_values_may_hold_equals(void **state)
{
	char *set[] = { (char *)"A=first", (char *)"A=second", (char *)"B=x=y",
			(char *)"C=" };
	struct fly_env_sources src = { .set = set,
				       .n_set = 4,
				       .app_name = "a" };
	char **envp;

	(void)state;
	envp = compose(&src);
	assert_string_equal(env_get(envp, "A"), "second");
	assert_string_equal(env_get(envp, "B"), "x=y");
	assert_string_equal(env_get(envp, "C"), "");
	fly_env_free(envp);
}

static void inherited_variables_only_fill_names_not_yet_set(void **state)
{
	static const struct fly_name_value image[] = {
		{ (char *)"X", (char *)"image" },
	};
	char *host[] = { (char *)"X=host", (char *)"H=host",
			 (char *)"PATH=/host/bin", (char *)"S=host", NULL };
	char *set[] = { (char *)"S=set" };
	struct fly_env_sources src = {
		.inherited = host,
		.image = image,
		.n_image = 1,
		.set = set,
		.n_set = 1,
		.app_name = "a",
	};
	char **envp;

	(void)state;
	envp = compose(&src);
	assert_string_equal(env_get(envp, "X"), "image");
	assert_string_equal(env_get(envp, "S"), "set");
	assert_string_equal(env_get(envp, "H"), "host");
	assert_string_equal(env_get(envp, "PATH"), "/host/bin");
	fly_env_free(envp);
}

static void inherited_entries_without_a_name_are_skipped(void **state)
{
	char *host[] = { (char *)"NOEQUALS", (char *)"=value", (char *)"OK=1",
			 NULL };
	struct fly_env_sources src = { .inherited = host, .app_name = "a" };
	char **envp;

	(void)state;
	envp = compose(&src);
	assert_string_equal(env_get(envp, "OK"), "1");
	assert_null(env_get(envp, "NOEQUALS"));
	for (size_t i = 0; envp[i]; i++)
		assert_true(envp[i][0] != '=');
	assert_int_equal(env_count(envp), 8);
	fly_env_free(envp);
}

static void defaults_never_replace_a_value_given(void **state)
{
	static const struct fly_name_value image[] = {
		{ (char *)"PATH", (char *)"/opt/bin" },
		{ (char *)"HOME", (char *)"/home/app" },
		{ (char *)"USER", (char *)"app" },
	};
	char *set[] = { (char *)"SHELL=/bin/bash", (char *)"LOGNAME=app" };
	struct fly_env_sources src = { .image = image,
				       .n_image = 3,
				       .set = set,
				       .n_set = 2,
				       .app_name = "a" };
	char **envp;

	(void)state;
	envp = compose(&src);
	assert_string_equal(env_get(envp, "PATH"), "/opt/bin");
	assert_string_equal(env_get(envp, "HOME"), "/home/app");
	assert_string_equal(env_get(envp, "USER"), "app");
	assert_string_equal(env_get(envp, "SHELL"), "/bin/bash");
	assert_string_equal(env_get(envp, "LOGNAME"), "app");
	fly_env_free(envp);
}

static void app_name_and_container_override_user_values(void **state)
{
	static const struct fly_name_value image[] = {
		{ (char *)"AC_APP_NAME", (char *)"spoof" },
	};
	char *set[] = { (char *)"container=docker" };
	char *host[] = { (char *)"container=lxc", NULL };
	struct fly_env_sources src = { .inherited = host,
				       .image = image,
				       .n_image = 1,
				       .set = set,
				       .n_set = 1,
				       .app_name = "real" };
	char **envp;

	(void)state;
	envp = compose(&src);
	assert_string_equal(env_get(envp, "AC_APP_NAME"), "real");
	assert_string_equal(env_get(envp, "container"), "fly");
	fly_env_free(envp);
}

static void the_environment_is_sorted_by_name(void **state)
{
	char *set[] = { (char *)"b=1", (char *)"A_B=1", (char *)"A=1",
			(char *)"AB=1", (char *)"Z=1" };
	struct fly_env_sources src = { .set = set,
				       .n_set = 5,
				       .app_name = "a" };
	char **envp;

	(void)state;
	envp = compose(&src);
	assert_string_equal(envp[0], "A=1");
	assert_string_equal(envp[1], "AB=1");
	assert_string_equal(envp[2], "AC_APP_NAME=a");
	assert_string_equal(envp[3], "A_B=1");
	for (size_t i = 1; envp[i]; i++)
		assert_true(strcmp(envp[i - 1], envp[i]) < 0);
	fly_env_free(envp);
}

static void bad_set_env_values_are_usage_errors(void **state)
{
	static const char *const bad[] = { "NOEQUALS", "1X=y", "=y", "A B=y" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct fly_error err = { 0 };
		char *set[] = { (char *)"OK=1", (char *)bad[i] };
		struct fly_env_sources src = { .set = set,
					       .n_set = 2,
					       .app_name = "a" };
		char **envp = NULL;

		assert_int_equal(fly_env_compose(&src, &envp, &err), -1);
		assert_int_equal(err.usage, 1);
		assert_true(fly_str_has_prefix(err.msg, "--set-env: "));
		assert_null(envp);
	}
}

static void check_assignment_names_the_problem(void **state)
{
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(fly_env_check_assignment("GOOD=x", &err), 0);
	assert_int_equal(fly_env_check_assignment("K", &err), -1);
	assert_string_equal(err.msg, "--set-env: \"K\" is not of the form "
				     "NAME=VALUE");
	assert_int_equal(fly_env_check_assignment("9K=v", &err), -1);
	assert_string_equal(err.msg, "--set-env: \"9K\" is not a valid "
				     "variable name");
}

static void the_pod_env_file_round_trips_any_value(void **state)
{
	char *envp[] = { (char *)"A=1",
			 (char *)"EMPTY=", (char *)"MULTI=line one\nline two\n",
			 (char *)"EQ=a=b", NULL };
	struct fly_error err = { 0 };
	char *path = fly_path_join(tmp, "env");
	char **back = NULL;
	struct stat st;

	(void)state;
	assert_int_equal(fly_env_write(&ctx, path, envp, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(fly_env_read(path, &back, &err), 0);
	assert_int_equal(env_count(back), 4);
	for (size_t i = 0; envp[i]; i++)
		assert_string_equal(back[i], envp[i]);
	fly_env_free(back);
	free(path);
}

static void the_pod_env_file_is_nul_separated(void **state)
{
	char *envp[] = { (char *)"A=1", (char *)"B=x\ny", NULL };
	static const char want[] = "A=1\0B=x\ny";
	struct fly_error err = { 0 };
	char *path = fly_path_join(tmp, "env");
	char *data = NULL;
	size_t len;

	(void)state;
	assert_int_equal(fly_env_write(&ctx, path, envp, &err), 0);
	assert_int_equal(fly_read_file(path, 100, &data, &len, &err), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(data, want, sizeof(want));
	free(data);
	free(path);
}

static void an_empty_pod_env_file_reads_as_no_variables(void **state)
{
	char *envp[] = { NULL };
	struct fly_error err = { 0 };
	char *path = fly_path_join(tmp, "env");
	char **back = NULL;

	(void)state;
	assert_int_equal(fly_env_write(&ctx, path, envp, &err), 0);
	assert_int_equal(fly_env_read(path, &back, &err), 0);
	assert_non_null(back);
	assert_null(back[0]);
	fly_env_free(back);
	free(path);
}

static void a_damaged_pod_env_file_is_refused(void **state)
{
	static const char truncated[] = "A=1\0B=2";
	static const char nameless[] = "A=1\0=2\0";
	static const char noequals[] = "A=1\0B\0";
	struct fly_error err = { 0 };
	char **back = NULL;
	char *path;

	(void)state;
	path = put_file("t", truncated, sizeof(truncated) - 1);
	assert_int_equal(fly_env_read(path, &back, &err), -1);
	assert_non_null(strstr(err.msg, "no terminating NUL"));
	free(path);
	path = put_file("n", nameless, sizeof(nameless) - 1);
	assert_int_equal(fly_env_read(path, &back, &err), -1);
	assert_non_null(strstr(err.msg, "entry 2 is not of the form"));
	free(path);
	path = put_file("e", noequals, sizeof(noequals) - 1);
	assert_int_equal(fly_env_read(path, &back, &err), -1);
	assert_non_null(strstr(err.msg, "entry 2 is not of the form"));
	assert_null(back);
	free(path);
}

static void a_failed_pod_env_write_is_reported(void **state)
{
	char *envp[] = { (char *)"A=1", NULL };
	struct fly_error err = { 0 };
	char *path = fly_path_join(tmp, "env");

	(void)state;
	mock_sys_fail("open", 1, EACCES);
	assert_int_equal(fly_env_write(&ctx, path, envp, &err), -1);
	assert_int_equal(err.errnum, EACCES);
	assert_int_equal(access(path, F_OK), -1);
	free(path);
}

static void a_missing_pod_env_file_is_an_error(void **state)
{
	struct fly_error err = { 0 };
	char *path = fly_path_join(tmp, "absent");
	char **back = NULL;

	(void)state;
	assert_int_equal(fly_env_read(path, &back, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	free(path);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(env_file_lines_become_pairs_in_order),
		T(env_file_skips_blank_and_comment_lines),
		T(env_file_values_are_taken_verbatim),
		T(env_file_accepts_crlf_line_ends),
		T(env_file_line_without_equals_is_refused_with_its_number),
		T(env_file_invalid_names_are_refused),
		T(env_file_with_a_nul_byte_is_refused),
		T(env_file_missing_is_an_error),
		T(env_file_larger_than_16_mib_is_refused),
		T(env_file_empty_gives_no_pairs),
		T(without_sources_the_app_gets_exactly_the_defaults),
		T(set_env_beats_env_file_which_beats_the_image),
		T(a_later_env_file_line_wins),
		T(a_later_set_env_wins_and_values_may_hold_equals),
		T(inherited_variables_only_fill_names_not_yet_set),
		T(inherited_entries_without_a_name_are_skipped),
		T(defaults_never_replace_a_value_given),
		T(app_name_and_container_override_user_values),
		T(the_environment_is_sorted_by_name),
		T(bad_set_env_values_are_usage_errors),
		T(check_assignment_names_the_problem),
		T(the_pod_env_file_round_trips_any_value),
		T(the_pod_env_file_is_nul_separated),
		T(an_empty_pod_env_file_reads_as_no_variables),
		T(a_damaged_pod_env_file_is_refused),
		T(a_failed_pod_env_write_is_reported),
		T(a_missing_pod_env_file_is_an_error),
	};

	return cmocka_run_group_tests_name("env", tests, NULL, NULL);
}
