#include "libnettle.h"

#include "poison.h"

FLY_DL_DEFINE(fly_nettle, FLY_NETTLE_FUNCTIONS, FLY_NETTLE_SONAME)
