/* DNS and hosts for the app (behaviour.md 3.5): the --dns, --dns-search,
 * --dns-opt, --dns-domain and --hosts-entry flags, and the text of the
 * resolv.conf and hosts files fly writes.
 *
 * As in rkt, every list flag value may hold several comma-separated
 * items: --dns=8.8.8.8,1.1.1.1 is the same as two --dns flags.  Mistakes
 * are usage errors that name the flag and the item:
 *   --dns: "300.1.1.1" is not an IP address
 * IP addresses are IPv4 dotted quads or IPv6 text (inet_pton); names are
 * host names of letters, digits and '-' (labels of 1 to 63 characters,
 * not starting or ending with '-', at most 253 characters in all). */
#pragma once

#include <stddef.h>

#include "err.h"

enum fly_dns_mode {
	FLY_DNS_IMAGE, /* no DNS flag: the image's resolv.conf is left alone */
	FLY_DNS_HOST,  /* --dns=host: bind the host's /etc/resolv.conf */
	FLY_DNS_NONE,  /* --dns=none: nothing is written or bound */
	FLY_DNS_WRITE, /* write fly_dns_resolv_conf() to /etc/resolv.conf */
};

struct fly_dns_flags {
	char *const *dns; /* --dns values */
	size_t n_dns;
	char *const *search; /* --dns-search values */
	size_t n_search;
	char *const *opts; /* --dns-opt values */
	size_t n_opts;
	const char *domain; /* --dns-domain, NULL when absent */
};

struct fly_dns {
	enum fly_dns_mode mode;
	/* Each list is NULL-terminated, or NULL when empty. */
	char **servers; /* IP addresses */
	size_t n_servers;
	char **search; /* domain names */
	size_t n_search;
	char **options; /* resolver options */
	size_t n_options;
	char *domain; /* NULL when not given */
};

/* Classify and check the DNS flags.  "host" and "none" must be the only
 * --dns item; any other item must be an IP address.  --dns-search,
 * --dns-opt and --dns-domain ask for a written resolv.conf, so they cannot
 * go with --dns=host or --dns=none; without --dns they give a resolv.conf
 * with no nameserver line.  An option is any text without blanks or
 * control characters ("ndots:2", "rotate").  Release with fly_dns_free(). */
int fly_dns_parse(const struct fly_dns_flags *flags, struct fly_dns *ret,
		  struct fly_error *err);

/* The resolv.conf text: "nameserver IP" lines, then "search A B",
 * "options X Y" and "domain D", each only when it has content. */
char *fly_dns_resolv_conf(const struct fly_dns *dns);

/* Free what *dns owns and clear it; accepts NULL. */
void fly_dns_free(struct fly_dns *dns);

/* What a missing /etc/hosts gets when no --hosts-entry is given. */
#define FLY_HOSTS_DEFAULT "127.0.0.1 localhost localdomain\n"

enum fly_hosts_mode {
	FLY_HOSTS_IMAGE, /* no flag: an existing /etc/hosts is left alone,
			    * a missing one gets FLY_HOSTS_DEFAULT */
	FLY_HOSTS_HOST,  /* --hosts-entry=host: bind the host's /etc/hosts */
	FLY_HOSTS_WRITE, /* IP=NAME entries: write fly_hosts_text() */
};

struct fly_hosts_entry {
	char *ip;     /* as first given */
	char **names; /* in order of appearance, each once,
				     * NULL-terminated */
	size_t n_names;
};

struct fly_hosts {
	enum fly_hosts_mode mode;
	struct fly_hosts_entry *entries; /* one per address, in order of
					   * first appearance */
	size_t n_entries;
};

/* Parse the --hosts-entry values: "host" (which must be the only item) or
 * IP=NAME items.  Names for one address (compared as addresses, so "::1"
 * and "0::1" are one) are gathered on its line.  Release with
 * fly_hosts_free(). */
int fly_hosts_parse(char *const *values, size_t n, struct fly_hosts *ret,
		    struct fly_error *err);

/* The hosts file text for FLY_HOSTS_WRITE: the FLY_HOSTS_DEFAULT line, so
 * localhost still resolves, then one "IP NAME..." line per address.  For
 * the other modes it is FLY_HOSTS_DEFAULT alone. */
char *fly_hosts_text(const struct fly_hosts *hosts);

/* Free what *hosts owns and clear it; accepts NULL. */
void fly_hosts_free(struct fly_hosts *hosts);
