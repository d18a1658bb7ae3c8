/* Unit tests for dynlib.c: libraries loaded on first use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dynlib.h"
#include "libmnt.h"
#include "libnettle.h"

/* Load two symbols of nettle, the first a real one, the second SECOND. */
struct nettle_load {
	void *slots[2];
	struct fly_error err;
	bool loaded;
};

static int load_nettle(struct nettle_load *l, const char *second)
{
	const char *const names[] = { "nettle_sha512_init", second };

	return fly_dl_load("libnettle.so.8", names, 2, l->slots, &l->loaded,
			   &l->err);
}

static void a_library_loads_once_with_every_symbol(void **state)
{
	struct nettle_load l = { 0 };

	(void)state;
	assert_int_equal(load_nettle(&l, "nettle_sha512_digest"), 0);
	assert_true(l.loaded);
	assert_non_null(l.slots[0]);
	assert_non_null(l.slots[1]);
	/* Loaded: a second call changes nothing, even with other names. */
	l.slots[0] = NULL;
	assert_int_equal(load_nettle(&l, "fly_no_such_function"), 0);
	assert_null(l.slots[0]);
}

static void a_missing_library_is_named(void **state)
{
	static const char *const names[] = { "anything" };
	void *slot = NULL;
	struct fly_error err = { 0 };
	bool loaded = false;

	(void)state;
	assert_int_equal(fly_dl_load("libfly-missing.so.0", names, 1, &slot,
				     &loaded, &err),
			 -1);
	assert_false(loaded);
	assert_non_null(strstr(err.msg, "load libfly-missing.so.0: "));
}

static void a_missing_symbol_is_named_and_nothing_counts_as_loaded(void **state)
{
	struct nettle_load l = { 0 };

	(void)state;
	assert_int_equal(load_nettle(&l, "fly_no_such_function"), -1);
	assert_false(l.loaded);
	assert_string_equal(l.err.msg,
			    "libnettle.so.8: no fly_no_such_function");
}

static void the_tables_fly_uses_load(void **state)
{
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(fly_mnt_load(&err), 0);
	assert_non_null(fly_mnt.mnt_new_table_from_file);
	assert_int_equal(fly_nettle_load(&err), 0);
	assert_non_null(fly_nettle.nettle_sha512_update);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_library_loads_once_with_every_symbol),
		cmocka_unit_test(a_missing_library_is_named),
		cmocka_unit_test(
			a_missing_symbol_is_named_and_nothing_counts_as_loaded),
		cmocka_unit_test(the_tables_fly_uses_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
