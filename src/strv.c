#include "strv.h"

#include <stdlib.h>

#include "util.h"
#include "poison.h"

void fly_strv_push(struct fly_strv *s, const char *str)
{
	s->v = fly_xrealloc(s->v, (s->n + 2) * sizeof(char *));
	s->v[s->n++] = fly_xstrdup(str);
	s->v[s->n] = NULL;
}

void fly_strv_clear(struct fly_strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
