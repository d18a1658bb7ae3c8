/* appc value types: the syntax checks shared by image and pod manifests.
 * Each returns true when s is a valid value of that type. */
#pragma once

#include <stdbool.h>

bool fly_is_acidentifier(const char *s); /* [a-z0-9]+([-._~/][a-z0-9]+)* */
bool fly_is_acname(const char *s);       /* [a-z0-9]+(-[a-z0-9]+)* */
bool fly_is_semver(const char *s);       /* semver 2.0 */
bool fly_is_env_name(const char *s);     /* [A-Za-z_][A-Za-z_0-9.-]* */
bool fly_is_rfc3339(const char *s);      /* 2006-01-02T15:04:05Z07:00 */
bool fly_is_quantity(const char *s);     /* 500m, 1.5Gi, 1e3 ... */
bool fly_is_http_url(const char *s);     /* http:// or https:// + host */
bool fly_is_image_id(const char *s);     /* "sha512-" + 128 lower-case hex */
/* Whether arch is allowed for os ("linux", "freebsd", "darwin"). */
bool fly_is_os(const char *os);
bool fly_is_arch_for_os(const char *os, const char *arch);
