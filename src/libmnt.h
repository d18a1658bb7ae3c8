/* libmount, loaded only when fly reads a mount table (dynlib.h).
 *
 * Linked in, libmount and the libraries it needs (libblkid, libselinux,
 * libpcre2) cost every `fly run` a third of a millisecond at start-up,
 * although a run without volumes never reads a mount table.
 * mountinfo.c, the only user, calls it through this table after
 * fly_mnt_load(). */
#pragma once

#include <libmount.h>

#include "dynlib.h"

#define FLY_MNT_SONAME "libmount.so.1"

#define FLY_MNT_FUNCTIONS(X)          \
	X(mnt_free_iter)              \
	X(mnt_fs_get_fstype)          \
	X(mnt_fs_get_id)              \
	X(mnt_fs_get_optional_fields) \
	X(mnt_fs_get_parent_id)       \
	X(mnt_fs_get_target)          \
	X(mnt_fs_get_vfs_options)     \
	X(mnt_get_builtin_optmap)     \
	X(mnt_new_iter)               \
	X(mnt_new_table_from_file)    \
	X(mnt_optstr_get_flags)       \
	X(mnt_table_get_nents)        \
	X(mnt_table_next_fs)          \
	X(mnt_unref_table)

FLY_DL_TABLE(fly_mnt, FLY_MNT_FUNCTIONS);
