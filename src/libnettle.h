/* nettle's SHA-512, loaded only when fly reads an image (dynlib.h), so
 * that a `fly run` of a stored image does not load it at start-up.
 * hasher.c, the only user, calls it through this table after
 * fly_nettle_load(). */
#pragma once

#include <nettle/sha2.h>

#include "dynlib.h"

#define FLY_NETTLE_SONAME "libnettle.so.8" /* the ABI of nettle 3.x */

#define FLY_NETTLE_FUNCTIONS(X) \
	X(nettle_sha512_init)   \
	X(nettle_sha512_update) \
	X(nettle_sha512_digest)

FLY_DL_TABLE(fly_nettle, FLY_NETTLE_FUNCTIONS);
