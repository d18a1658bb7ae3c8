#include "libmnt.h"

#include "poison.h"

FLY_DL_DEFINE(fly_mnt, FLY_MNT_FUNCTIONS, FLY_MNT_SONAME)
