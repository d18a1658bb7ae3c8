#include "libarchive.h"

#include "poison.h"

FLY_DL_DEFINE(fly_la, FLY_LA_FUNCTIONS, FLY_LA_SONAME)
