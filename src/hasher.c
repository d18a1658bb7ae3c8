#include "hasher.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "libnettle.h"
#include "util.h"
#include "poison.h"

struct fly_hasher {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct sha512_ctx sha;
	unsigned char *bufs[FLY_HASHER_SLOTS];
	size_t len[FLY_HASHER_SLOTS];
	unsigned long taken;     /* buffers handed to the caller */
	unsigned long submitted; /* buffers handed to the thread */
	unsigned long hashed;    /* buffers the thread is done with */
	bool done;               /* no more buffers will come */
};

static void *hash_loop(void *data)
{
	struct fly_hasher *h = data;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		size_t slot = h->hashed % FLY_HASHER_SLOTS;

		while (h->hashed == h->submitted && !h->done)
			pthread_cond_wait(&h->changed, &h->lock);
		if (h->hashed == h->submitted)
			break;
		pthread_mutex_unlock(&h->lock);
		fly_nettle.nettle_sha512_update(&h->sha, h->len[slot],
						h->bufs[slot]);
		pthread_mutex_lock(&h->lock);
		h->hashed++;
		pthread_cond_broadcast(&h->changed);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

struct fly_hasher *fly_hasher_new(struct fly_error *err)
{
	struct fly_hasher *h;
	int e;

	if (fly_nettle_load(err) < 0)
		return NULL;
	h = fly_xcalloc(1, sizeof(*h));
	for (size_t i = 0; i < FLY_HASHER_SLOTS; i++)
		h->bufs[i] = fly_xmalloc(FLY_HASHER_BUF);
	fly_nettle.nettle_sha512_init(&h->sha);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->changed, NULL);
	e = pthread_create(&h->thread, NULL, hash_loop, h);
	if (e != 0) {
		h->done = true;
		fly_hasher_free(h);
		fly_fail(err, e, "start the SHA-512 thread");
		return NULL;
	}
	return h;
}

unsigned char *fly_hasher_take(struct fly_hasher *h)
{
	unsigned char *buf;

	pthread_mutex_lock(&h->lock);
	while (h->taken - h->hashed >= FLY_HASHER_SLOTS - 1)
		pthread_cond_wait(&h->changed, &h->lock);
	buf = h->bufs[h->taken % FLY_HASHER_SLOTS];
	h->taken++;
	pthread_mutex_unlock(&h->lock);
	return buf;
}

void fly_hasher_submit(struct fly_hasher *h, size_t len)
{
	pthread_mutex_lock(&h->lock);
	h->len[h->submitted % FLY_HASHER_SLOTS] = len;
	h->submitted++;
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
}

static void stop(struct fly_hasher *h)
{
	pthread_mutex_lock(&h->lock);
	if (h->done) {
		pthread_mutex_unlock(&h->lock);
		return;
	}
	h->done = true;
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
}

void fly_hasher_finish(struct fly_hasher *h, unsigned char md[FLY_SHA512_SIZE])
{
	stop(h);
	fly_nettle.nettle_sha512_digest(&h->sha, FLY_SHA512_SIZE, md);
}

void fly_hasher_free(struct fly_hasher *h)
{
	if (!h)
		return;
	stop(h);
	pthread_cond_destroy(&h->changed);
	pthread_mutex_destroy(&h->lock);
	for (size_t i = 0; i < FLY_HASHER_SLOTS; i++)
		free(h->bufs[i]);
	free(h);
}
