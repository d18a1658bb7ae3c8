/* SHA-512 of a stream on a second thread, so that hashing an image
 * overlaps its decompression and extraction.
 *
 * The caller takes a buffer, fills it and submits it; the thread hashes
 * submitted buffers in order.  A submitted buffer stays untouched until
 * FLY_HASHER_SLOTS - 1 further buffers have been taken, so a reader may
 * keep reading the last one it was given. */
#pragma once

#include <stddef.h>

#include "err.h"

#define FLY_HASHER_SLOTS 8
#define FLY_HASHER_BUF (256 * 1024)
#define FLY_SHA512_SIZE 64

struct fly_hasher;

/* NULL, with err set, when nettle cannot be loaded or the thread cannot be
 * started. */
struct fly_hasher *fly_hasher_new(struct fly_error *err);

/* The next buffer to fill (FLY_HASHER_BUF bytes); waits while the thread
 * still needs it. */
unsigned char *fly_hasher_take(struct fly_hasher *h);

/* Hand the taken buffer, filled with len bytes, to the thread. */
void fly_hasher_submit(struct fly_hasher *h, size_t len);

/* Wait for every submitted buffer and write the digest. */
void fly_hasher_finish(struct fly_hasher *h, unsigned char md[FLY_SHA512_SIZE]);

/* Stop the thread (also before finish) and free everything. */
void fly_hasher_free(struct fly_hasher *h);
