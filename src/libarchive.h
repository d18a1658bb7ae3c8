/* libarchive, loaded only when fly reads or writes an image.
 *
 * libarchive pulls in a dozen libraries (libxml2 and ICU among them) that
 * would cost every `fly run` of a stored image milliseconds and megabytes
 * at start-up, for nothing.  aci.c, the only user, calls it through this
 * table after fly_la_load(). */
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "dynlib.h"

#define FLY_LA_SONAME "libarchive.so.13" /* the ABI of libarchive 3.x */

#define FLY_LA_FUNCTIONS(X)                        \
	X(archive_entry_clear)                     \
	X(archive_entry_copy_hardlink)             \
	X(archive_entry_copy_pathname)             \
	X(archive_entry_filetype)                  \
	X(archive_entry_free)                      \
	X(archive_entry_hardlink)                  \
	X(archive_entry_hardlink_utf8)             \
	X(archive_entry_linkify)                   \
	X(archive_entry_linkresolver_free)         \
	X(archive_entry_linkresolver_new)          \
	X(archive_entry_linkresolver_set_strategy) \
	X(archive_entry_mode)                      \
	X(archive_entry_mtime)                     \
	X(archive_entry_mtime_nsec)                \
	X(archive_entry_new)                       \
	X(archive_entry_pathname)                  \
	X(archive_entry_pathname_utf8)             \
	X(archive_entry_set_filetype)              \
	X(archive_entry_set_mtime)                 \
	X(archive_entry_set_pathname)              \
	X(archive_entry_set_perm)                  \
	X(archive_entry_set_size)                  \
	X(archive_entry_size)                      \
	X(archive_errno)                           \
	X(archive_error_string)                    \
	X(archive_filter_name)                     \
	X(archive_format)                          \
	X(archive_read_data)                       \
	X(archive_read_data_block)                 \
	X(archive_read_disk_can_descend)           \
	X(archive_read_disk_descend)               \
	X(archive_read_disk_new)                   \
	X(archive_read_disk_open)                  \
	X(archive_read_disk_set_behavior)          \
	X(archive_read_disk_set_symlink_hybrid)    \
	X(archive_read_free)                       \
	X(archive_read_new)                        \
	X(archive_read_next_header)                \
	X(archive_read_next_header2)               \
	X(archive_read_open)                       \
	X(archive_read_support_filter_bzip2)       \
	X(archive_read_support_filter_gzip)        \
	X(archive_read_support_filter_xz)          \
	X(archive_read_support_filter_zstd)        \
	X(archive_read_support_format_raw)         \
	X(archive_read_support_format_tar)         \
	X(archive_set_error)                       \
	X(archive_write_add_filter_gzip)           \
	X(archive_write_close)                     \
	X(archive_write_data)                      \
	X(archive_write_data_block)                \
	X(archive_write_disk_new)                  \
	X(archive_write_disk_set_options)          \
	X(archive_write_finish_entry)              \
	X(archive_write_free)                      \
	X(archive_write_header)                    \
	X(archive_write_new)                       \
	X(archive_write_open_fd)                   \
	X(archive_write_set_bytes_in_last_block)   \
	X(archive_write_set_format)

FLY_DL_TABLE(fly_la, FLY_LA_FUNCTIONS);
