/* A growable NULL-terminated array of owned strings. */
#pragma once

#include <stddef.h>

struct fly_strv {
	char **v; /* NULL-terminated once anything was pushed */
	size_t n;
};

void fly_strv_push(struct fly_strv *s, const char *str);
void fly_strv_clear(struct fly_strv *s);
