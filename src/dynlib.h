/* Libraries fly loads with dlopen only when a command needs them.
 *
 * Every `fly run` of a stored image pays at start-up for each library
 * linked into fly: libarchive alone brings a dozen more, libmount brings
 * libblkid, libselinux (whose constructor probes for SELinux) and libpcre2.
 * Those are loaded here, on first use, into a table of function pointers
 * declared with the library's own prototypes (libarchive.h, libmount.h,
 * nettle.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Load SONAME once and fill SLOTS[i] with the symbol NAMES[i], for N names.
 * *LOADED is set once everything was found; later calls return at once. */
int fly_dl_load(const char *soname, const char *const *names, size_t n,
		void **slots, bool *loaded, struct fly_error *err);

/* The table type and loader of one library, from its X-macro list:
 *   FLY_DL_TABLE(fly_mnt, FLY_MNT_FUNCTIONS) declares struct fly_mnt,
 *   its instance and int fly_mnt_load(struct fly_error *). */
#define FLY_DL_POINTER(name) __typeof__(name) *name;
#define FLY_DL_TABLE(table, FUNCTIONS)    \
	struct table {                    \
		FUNCTIONS(FLY_DL_POINTER) \
	};                                \
	extern struct table table;        \
	int table##_load(struct fly_error *err)

/* The definitions that go with FLY_DL_TABLE, in the library's .c file. */
#define FLY_DL_NAME(name) #name,
#define FLY_DL_DEFINE(table, FUNCTIONS, soname)                                \
	struct table table;                                                    \
	int table##_load(struct fly_error *err)                                \
	{                                                                      \
		static const char *const names[] = { FUNCTIONS(FLY_DL_NAME) }; \
		static bool loaded;                                            \
		return fly_dl_load(soname, names,                              \
				   sizeof(names) / sizeof(*names),             \
				   (void **)&table, &loaded, err);             \
	}
