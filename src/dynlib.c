#include "dynlib.h"

#include <dlfcn.h>

#include "log.h"
#include "poison.h"

int fly_dl_load(const char *soname, const char *const *names, size_t n,
		void **slots, bool *loaded, struct fly_error *err)
{
	void *lib;

	if (*loaded)
		return 0;
	lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return fly_fail(err, 0, "load %s: %s", soname, dlerror());
	for (size_t i = 0; i < n; i++) {
		slots[i] = dlsym(lib, names[i]);
		if (!slots[i]) {
			dlclose(lib);
			return fly_fail(err, 0, "%s: no %s", soname, names[i]);
		}
	}
	fly_debug("loaded %s", soname);
	*loaded = true;
	return 0;
}
