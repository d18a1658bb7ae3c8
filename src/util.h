/* Small helpers shared by every module: memory, strings, files, paths. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ctx.h"

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(fly_freep)
#define _cleanup_close_ _cleanup_(fly_closep)

void fly_freep(void *p);
void fly_closep(const int *fd);

/* Return *p and set it to NULL (hand ownership out of a cleanup var). */
#define FLY_TAKE(p)                        \
	({                                 \
		__typeof__(p) take_ = (p); \
		(p) = NULL;                \
		take_;                     \
	})
#define FLY_TAKE_FD(fd)             \
	({                          \
		int takefd_ = (fd); \
		(fd) = -1;          \
		takefd_;            \
	})

/* Allocation that aborts on exhaustion: fly cannot do anything useful
 * without memory, and a partial state is worse than a crash report. */
void *fly_xmalloc(size_t n);
void *fly_xcalloc(size_t n, size_t size);
void *fly_xrealloc(void *p, size_t n);
char *fly_xstrdup(const char *s);
__attribute__((format(printf, 1, 2))) char *fly_xasprintf(const char *fmt, ...);

/* "a" + "/" + "b" with exactly one slash between them. */
char *fly_path_join(const char *a, const char *b);

bool fly_str_has_prefix(const char *s, const char *prefix);

/* Read a whole file (at most max bytes).  *ret is NUL-terminated. */
int fly_read_file(const char *path, size_t max, char **ret, size_t *ret_len,
		  struct fly_error *err);

/* write(2) all of data, retrying after EINTR and short writes. */
int fly_write_all(int fd, const void *data, size_t len);

/* Write data to path through a temporary name in the same directory and
 * rename it into place, so readers see the old or the new file, never a
 * part.  The file is fsync'ed. */
int fly_write_file_atomic(const struct fly_ctx *ctx, const char *path,
			  const void *data, size_t len, mode_t mode,
			  struct fly_error *err);

/* The same, fsync'ed only when sync is true: for files whose loss in a
 * crash costs nothing (a pod's runtime files). */
int fly_write_file(const struct fly_ctx *ctx, const char *path,
		   const void *data, size_t len, mode_t mode, bool sync,
		   struct fly_error *err);

/* mkdir -p, each created directory with mode. */
int fly_mkdir_p(const struct fly_ctx *ctx, const char *path, mode_t mode,
		struct fly_error *err);

/* rm -rf that never crosses a mount point: a directory on another
 * filesystem or mount (bind mounts included) makes it stop with EXDEV
 * and leaves that directory and its parents in place. */
int fly_rm_tree(const struct fly_ctx *ctx, const char *path,
		struct fly_error *err);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void fly_hex(const unsigned char *in, size_t n, char *out);
