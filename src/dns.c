#include "dns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"
#include "poison.h"

/* A NULL-terminated list of strings with its length. */
struct strv {
	char **v;
	size_t n;
};

/* Text built by appending. */
struct text {
	char *s;
	size_t len;
};

static void free_strings(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void strv_done(struct strv *s)
{
	free_strings(s->v);
}

static void strv_add(struct strv *s, const char *str)
{
	s->v = fly_xrealloc(s->v, (s->n + 2) * sizeof(*s->v));
	s->v[s->n++] = fly_xstrdup(str);
	s->v[s->n] = NULL;
}

/* Every comma-separated item of every value, empty items included. */
static void split_items(char *const *values, size_t n, struct strv *ret)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *copy = fly_xstrdup(values[i]);
		char *rest = copy, *item;

		while ((item = strsep(&rest, ",")))
			strv_add(ret, item);
	}
}

static void text_add(struct text *t, const char *str)
{
	size_t n = strlen(str);

	t->s = fly_xrealloc(t->s, t->len + n + 1);
	memcpy(t->s + t->len, str, n + 1);
	t->len += n;
}

/* "KEYWORD A B C\n", nothing when the list is empty. */
static void text_add_line(struct text *t, const char *keyword,
			  char *const *items, size_t n)
{
	if (n == 0)
		return;
	text_add(t, keyword);
	for (size_t i = 0; i < n; i++) {
		text_add(t, " ");
		text_add(t, items[i]);
	}
	text_add(t, "\n");
}

/* Parse an address into a family and 16 bytes; false if it is none. */
static bool parse_ip(const char *s, int *ret_family, unsigned char *ret_addr)
{
	memset(ret_addr, 0, sizeof(struct in6_addr));
	*ret_family = AF_INET;
	if (inet_pton(AF_INET, s, ret_addr) == 1)
		return true;
	*ret_family = AF_INET6;
	return inet_pton(AF_INET6, s, ret_addr) == 1;
}

static bool is_ip(const char *s)
{
	unsigned char addr[sizeof(struct in6_addr)];
	int family;

	return parse_ip(s, &family, addr);
}

static bool same_ip(const char *a, const char *b)
{
	unsigned char x[sizeof(struct in6_addr)], y[sizeof(struct in6_addr)];
	int fx, fy;

	return parse_ip(a, &fx, x) && parse_ip(b, &fy, y) && fx == fy &&
	       memcmp(x, y, sizeof(x)) == 0;
}

static bool is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

static bool is_host_name(const char *s)
{
	size_t label = 0;

	if (strlen(s) > 253)
		return false;
	for (const char *p = s;; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || p[-1] == '-')
				return false;
			if (*p == '\0')
				return true;
			label = 0;
			continue;
		}
		if (!is_ldh(*p) || (label == 0 && *p == '-') || ++label > 63)
			return false;
	}
}

static bool is_option(const char *s)
{
	if (s[0] == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return false;
	return true;
}

static int parse_servers(char *const *values, size_t n, struct fly_dns *d,
			 struct fly_error *err)
{
	_cleanup_(strv_done) struct strv items = { 0 };

	split_items(values, n, &items);
	for (size_t i = 0; i < items.n; i++) {
		const char *item = items.v[i];
		bool host = strcmp(item, "host") == 0;
		bool special = host || strcmp(item, "none") == 0;

		if (special && items.n != 1)
			return fly_usage(err,
					 "--dns: \"%s\" must be given "
					 "alone",
					 item);
		if (special) {
			d->mode = host ? FLY_DNS_HOST : FLY_DNS_NONE;
			return 0;
		}
		if (!is_ip(item))
			return fly_usage(err,
					 "--dns: \"%s\" is not an IP "
					 "address",
					 item);
	}

	if (items.n > 0)
		d->mode = FLY_DNS_WRITE;
	d->n_servers = items.n;
	d->servers = FLY_TAKE(items.v);
	return 0;
}

/* Split and check one list flag; valid() says whether an item is good. */
static int parse_list(const char *flag, char *const *values, size_t n,
		      bool (*valid)(const char *), const char *what,
		      char ***ret, size_t *ret_n, struct fly_error *err)
{
	_cleanup_(strv_done) struct strv items = { 0 };

	split_items(values, n, &items);
	for (size_t i = 0; i < items.n; i++)
		if (!valid(items.v[i]))
			return fly_usage(err, "%s: \"%s\" is not %s", flag,
					 items.v[i], what);

	*ret_n = items.n;
	*ret = FLY_TAKE(items.v);
	return 0;
}

/* The flag that asks for a written resolv.conf, NULL when none does. */
static const char *write_flag(const struct fly_dns *d)
{
	if (d->n_search > 0)
		return "--dns-search";
	if (d->n_options > 0)
		return "--dns-opt";
	if (d->domain)
		return "--dns-domain";
	return NULL;
}

int fly_dns_parse(const struct fly_dns_flags *flags, struct fly_dns *ret,
		  struct fly_error *err)
{
	_cleanup_(fly_dns_free) struct fly_dns d = { 0 };
	const char *flag;

	if (parse_servers(flags->dns, flags->n_dns, &d, err) < 0)
		return -1;
	if (parse_list("--dns-search", flags->search, flags->n_search,
		       is_host_name, "a domain name", &d.search, &d.n_search,
		       err) < 0)
		return -1;
	if (parse_list("--dns-opt", flags->opts, flags->n_opts, is_option,
		       "a resolver option", &d.options, &d.n_options, err) < 0)
		return -1;
	if (flags->domain && !is_host_name(flags->domain))
		return fly_usage(err,
				 "--dns-domain: \"%s\" is not a domain "
				 "name",
				 flags->domain);
	if (flags->domain)
		d.domain = fly_xstrdup(flags->domain);

	flag = write_flag(&d);
	if (flag && (d.mode == FLY_DNS_HOST || d.mode == FLY_DNS_NONE))
		return fly_usage(err, "%s cannot be used with --dns=%s", flag,
				 d.mode == FLY_DNS_HOST ? "host" : "none");
	if (flag)
		d.mode = FLY_DNS_WRITE;

	*ret = d;
	memset(&d, 0, sizeof(d));
	return 0;
}

char *fly_dns_resolv_conf(const struct fly_dns *dns)
{
	struct text t = { fly_xstrdup(""), 0 };

	for (size_t i = 0; i < dns->n_servers; i++) {
		text_add(&t, "nameserver ");
		text_add(&t, dns->servers[i]);
		text_add(&t, "\n");
	}
	text_add_line(&t, "search", dns->search, dns->n_search);
	text_add_line(&t, "options", dns->options, dns->n_options);
	if (dns->domain)
		text_add_line(&t, "domain", &dns->domain, 1);
	return t.s;
}

void fly_dns_free(struct fly_dns *dns)
{
	if (!dns)
		return;
	free_strings(dns->servers);
	free_strings(dns->search);
	free_strings(dns->options);
	free(dns->domain);
	memset(dns, 0, sizeof(*dns));
}

static struct fly_hosts_entry *hosts_entry_for(struct fly_hosts *h,
					       const char *ip)
{
	struct fly_hosts_entry *e;

	for (size_t i = 0; i < h->n_entries; i++)
		if (same_ip(h->entries[i].ip, ip))
			return &h->entries[i];

	h->entries = fly_xrealloc(h->entries,
				  (h->n_entries + 1) * sizeof(*h->entries));
	e = &h->entries[h->n_entries++];
	*e = (struct fly_hosts_entry){ .ip = fly_xstrdup(ip) };
	e->names = fly_xcalloc(1, sizeof(*e->names));
	return e;
}

static void hosts_entry_add_name(struct fly_hosts_entry *e, const char *name)
{
	struct strv names = { e->names, e->n_names };

	for (size_t i = 0; i < e->n_names; i++)
		if (strcmp(e->names[i], name) == 0)
			return;
	strv_add(&names, name);
	e->names = names.v;
	e->n_names = names.n;
}

/* One IP=NAME item; item is modified. */
static int add_hosts_item(struct fly_hosts *h, char *item,
			  struct fly_error *err)
{
	char *eq = strchr(item, '=');
	const char *name;

	if (!eq)
		return fly_usage(err,
				 "--hosts-entry: \"%s\" is not of the "
				 "form IP=NAME",
				 item);
	*eq = '\0';
	name = eq + 1;
	if (!is_ip(item))
		return fly_usage(err,
				 "--hosts-entry: \"%s\" is not an IP "
				 "address",
				 item);
	if (!is_host_name(name))
		return fly_usage(err,
				 "--hosts-entry: \"%s\" is not a valid "
				 "host name",
				 name);

	hosts_entry_add_name(hosts_entry_for(h, item), name);
	return 0;
}

int fly_hosts_parse(char *const *values, size_t n, struct fly_hosts *ret,
		    struct fly_error *err)
{
	_cleanup_(fly_hosts_free) struct fly_hosts h = { 0 };
	_cleanup_(strv_done) struct strv items = { 0 };

	split_items(values, n, &items);
	for (size_t i = 0; i < items.n; i++) {
		if (strcmp(items.v[i], "host") == 0 && items.n != 1)
			return fly_usage(err, "--hosts-entry: \"host\" must be "
					      "given alone");
		if (strcmp(items.v[i], "host") == 0)
			h.mode = FLY_HOSTS_HOST;
		else if (add_hosts_item(&h, items.v[i], err) < 0)
			return -1;
	}
	if (h.n_entries > 0)
		h.mode = FLY_HOSTS_WRITE;

	*ret = h;
	memset(&h, 0, sizeof(h));
	return 0;
}

char *fly_hosts_text(const struct fly_hosts *hosts)
{
	struct text t = { fly_xstrdup(FLY_HOSTS_DEFAULT),
			  strlen(FLY_HOSTS_DEFAULT) };

	if (hosts->mode != FLY_HOSTS_WRITE)
		return t.s;
	for (size_t i = 0; i < hosts->n_entries; i++)
		text_add_line(&t, hosts->entries[i].ip, hosts->entries[i].names,
			      hosts->entries[i].n_names);
	return t.s;
}

void fly_hosts_free(struct fly_hosts *hosts)
{
	if (!hosts)
		return;
	for (size_t i = 0; i < hosts->n_entries; i++) {
		free(hosts->entries[i].ip);
		free_strings(hosts->entries[i].names);
	}
	free(hosts->entries);
	memset(hosts, 0, sizeof(*hosts));
}
