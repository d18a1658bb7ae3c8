#include "libarchive.h"

#include <dlfcn.h>
#include <stdbool.h>

#include "log.h"
#include "poison.h"

struct fly_la fly_la;

static const char *const names[] = {
#define FLY_LA_NAME(name) #name,
	FLY_LA_FUNCTIONS(FLY_LA_NAME)
#undef FLY_LA_NAME
};

int fly_la_load(struct fly_error *err)
{
	static bool loaded;
	void **slots = (void **)&fly_la;
	void *lib;

	if (loaded)
		return 0;
	lib = dlopen(FLY_LA_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return fly_fail(err, 0, "load %s: %s", FLY_LA_SONAME,
				dlerror());
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		slots[i] = dlsym(lib, names[i]);
		if (!slots[i])
			return fly_fail(err, 0, "%s: no %s", FLY_LA_SONAME,
					names[i]);
	}
	fly_debug("loaded %s", FLY_LA_SONAME);
	loaded = true;
	return 0;
}
