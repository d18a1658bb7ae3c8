/* Unit tests for dns.c: the DNS and hosts flags and the files built from
 * them (behaviour.md 3.5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"

#define N(a) (sizeof(a) / sizeof(*(a)))

static struct fly_dns dns_ok(const struct fly_dns_flags *flags)
{
	struct fly_error err = { 0 };
	struct fly_dns d = { 0 };

	if (fly_dns_parse(flags, &d, &err) < 0)
		fail_msg("dns: %s", err.msg);
	return d;
}

/* Expect a usage error; returns the message (static buffer). */
static const char *dns_fails(const struct fly_dns_flags *flags)
{
	static struct fly_error err;
	struct fly_dns d = { 0 };

	fly_error_clear(&err);
	assert_int_equal(fly_dns_parse(flags, &d, &err), -1);
	assert_int_equal(err.usage, 1);
	assert_null(d.servers);
	return err.msg;
}

static const char *dns_value_fails(const char *value)
{
	char *dns[] = { (char *)value };
	struct fly_dns_flags f = { .dns = dns, .n_dns = 1 };

	return dns_fails(&f);
}

static struct fly_hosts hosts_ok(char *const *values, size_t n)
{
	struct fly_error err = { 0 };
	struct fly_hosts h = { 0 };

	if (fly_hosts_parse(values, n, &h, &err) < 0)
		fail_msg("hosts: %s", err.msg);
	return h;
}

static const char *hosts_value_fails(const char *value)
{
	static struct fly_error err;
	char *values[] = { (char *)"1.1.1.1=ok", (char *)value };
	struct fly_hosts h = { 0 };

	fly_error_clear(&err);
	assert_int_equal(fly_hosts_parse(values, 2, &h, &err), -1);
	assert_int_equal(err.usage, 1);
	assert_null(h.entries);
	return err.msg;
}

static void no_dns_flag_leaves_the_image_file_alone(void **state)
{
	struct fly_dns_flags f = { 0 };
	struct fly_dns d;

	(void)state;
	d = dns_ok(&f);
	assert_int_equal(d.mode, FLY_DNS_IMAGE);
	assert_int_equal(d.n_servers, 0);
	assert_null(d.domain);
	fly_dns_free(&d);
}

static void host_and_none_are_recognised(void **state)
{
	char *host[] = { (char *)"host" };
	char *none[] = { (char *)"none" };
	struct fly_dns_flags f = { .dns = host, .n_dns = 1 };
	struct fly_dns d;

	(void)state;
	d = dns_ok(&f);
	assert_int_equal(d.mode, FLY_DNS_HOST);
	assert_int_equal(d.n_servers, 0);
	fly_dns_free(&d);
	f.dns = none;
	d = dns_ok(&f);
	assert_int_equal(d.mode, FLY_DNS_NONE);
	fly_dns_free(&d);
}

static void host_and_none_must_be_given_alone(void **state)
{
	char *two[] = { (char *)"8.8.8.8", (char *)"host" };
	char *both[] = { (char *)"none", (char *)"host" };
	char *twice[] = { (char *)"host", (char *)"host" };
	struct fly_dns_flags f = { .dns = two, .n_dns = 2 };

	(void)state;
	assert_string_equal(dns_fails(&f),
			    "--dns: \"host\" must be given alone");
	f.dns = both;
	assert_string_equal(dns_fails(&f),
			    "--dns: \"none\" must be given alone");
	f.dns = twice;
	dns_fails(&f);
	assert_string_equal(dns_value_fails("none,1.1.1.1"),
			    "--dns: \"none\" must be given alone");
}

static void nameservers_keep_their_order_across_flags_and_commas(void **state)
{
	char *dns[] = { (char *)"8.8.8.8", (char *)"2001:4860:4860::8888",
			(char *)"1.1.1.1,9.9.9.9" };
	struct fly_dns_flags f = { .dns = dns, .n_dns = 3 };
	struct fly_dns d;

	(void)state;
	d = dns_ok(&f);
	assert_int_equal(d.mode, FLY_DNS_WRITE);
	assert_int_equal(d.n_servers, 4);
	assert_string_equal(d.servers[0], "8.8.8.8");
	assert_string_equal(d.servers[1], "2001:4860:4860::8888");
	assert_string_equal(d.servers[2], "1.1.1.1");
	assert_string_equal(d.servers[3], "9.9.9.9");
	assert_null(d.servers[4]);
	fly_dns_free(&d);
}

static void a_nameserver_must_be_an_ip_address(void **state)
{
	(void)state;
	assert_string_equal(dns_value_fails("300.1.1.1"),
			    "--dns: \"300.1.1.1\" is not an IP address");
	assert_string_equal(dns_value_fails("1.2.3"),
			    "--dns: \"1.2.3\" is not an IP address");
	assert_string_equal(dns_value_fails("dns.example"),
			    "--dns: \"dns.example\" is not an IP address");
	assert_string_equal(dns_value_fails("8.8.8.8,"),
			    "--dns: \"\" is not an IP address");
	assert_string_equal(dns_value_fails(" 8.8.8.8"),
			    "--dns: \" 8.8.8.8\" is not an IP address");
	dns_value_fails("fe80::1%eth0");
	dns_value_fails("1:2:3:4:5:6:7:8:9");
}

static void search_options_and_domain_alone_ask_for_a_file(void **state)
{
	char *search[] = { (char *)"corp.example" };
	struct fly_dns_flags f = { .search = search, .n_search = 1 };
	struct fly_dns d;
	char *text;

	(void)state;
	d = dns_ok(&f);
	assert_int_equal(d.mode, FLY_DNS_WRITE);
	assert_int_equal(d.n_servers, 0);
	text = fly_dns_resolv_conf(&d);
	assert_string_equal(text, "search corp.example\n");
	free(text);
	fly_dns_free(&d);

	f = (struct fly_dns_flags){ .domain = "example.com" };
	d = dns_ok(&f);
	assert_int_equal(d.mode, FLY_DNS_WRITE);
	text = fly_dns_resolv_conf(&d);
	assert_string_equal(text, "domain example.com\n");
	free(text);
	fly_dns_free(&d);
}

static void search_options_and_domain_refuse_host_and_none(void **state)
{
	char *host[] = { (char *)"host" };
	char *none[] = { (char *)"none" };
	char *search[] = { (char *)"a.example" };
	char *opts[] = { (char *)"rotate" };
	struct fly_dns_flags f = {
		.dns = host, .n_dns = 1, .search = search, .n_search = 1
	};

	(void)state;
	assert_string_equal(dns_fails(&f),
			    "--dns-search cannot be used with --dns=host");
	f = (struct fly_dns_flags){
		.dns = none, .n_dns = 1, .opts = opts, .n_opts = 1
	};
	assert_string_equal(dns_fails(&f),
			    "--dns-opt cannot be used with --dns=none");
	f = (struct fly_dns_flags){ .dns = host,
				    .n_dns = 1,
				    .domain = "example.com" };
	assert_string_equal(dns_fails(&f),
			    "--dns-domain cannot be used with --dns=host");
}

static void bad_search_domains_options_and_domain_are_refused(void **state)
{
	static const char *const bad_names[] = {
		"a b", "-bad.example", "bad-.example",        "a..b",
		".a",  "a.",           "under_score.example", "",
	};
	char *opts[] = { (char *)"ndots:2,,rotate" };
	char *tab[] = { (char *)"ndots:2\t" };
	struct fly_dns_flags f = { .opts = opts, .n_opts = 1 };
	char buf[300];

	(void)state;
	for (size_t i = 0; i < N(bad_names); i++) {
		char *search[] = { (char *)bad_names[i] };
		struct fly_dns_flags s = { .search = search, .n_search = 1 };

		snprintf(buf, sizeof(buf),
			 "--dns-search: \"%s\" is not a "
			 "domain name",
			 bad_names[i]);
		assert_string_equal(dns_fails(&s), buf);
	}
	assert_string_equal(dns_fails(&f),
			    "--dns-opt: \"\" is not a resolver option");
	f.opts = tab;
	dns_fails(&f);
	f = (struct fly_dns_flags){ .domain = "x y" };
	assert_string_equal(dns_fails(&f),
			    "--dns-domain: \"x y\" is not a domain name");
}

static void long_but_valid_names_are_accepted(void **state)
{
	char label[64], name[260];
	char *search[] = { name };
	struct fly_dns_flags f = { .search = search, .n_search = 1 };
	struct fly_dns d;

	(void)state;
	memset(label, 'a', 63);
	label[63] = '\0';
	snprintf(name, sizeof(name), "%s.%s.%s.%.61s", label, label, label,
		 label);
	assert_int_equal(strlen(name), 253);
	d = dns_ok(&f);
	assert_string_equal(d.search[0], name);
	fly_dns_free(&d);
	snprintf(name, sizeof(name), "%s.%s.%s.%.62s", label, label, label,
		 label);
	dns_fails(&f);
	snprintf(name, sizeof(name), "%sa.example", label);
	dns_fails(&f);
}

static void resolv_conf_lines_come_in_a_fixed_order(void **state)
{
	char *dns[] = { (char *)"8.8.8.8", (char *)"::1" };
	char *search[] = { (char *)"a.example,b.example" };
	char *opts[] = { (char *)"ndots:2", (char *)"rotate" };
	struct fly_dns_flags f = { .dns = dns,
				   .n_dns = 2,
				   .search = search,
				   .n_search = 1,
				   .opts = opts,
				   .n_opts = 2,
				   .domain = "example.com" };
	struct fly_dns d;
	char *text;

	(void)state;
	d = dns_ok(&f);
	text = fly_dns_resolv_conf(&d);
	assert_string_equal(text, "nameserver 8.8.8.8\n"
				  "nameserver ::1\n"
				  "search a.example b.example\n"
				  "options ndots:2 rotate\n"
				  "domain example.com\n");
	free(text);
	fly_dns_free(&d);
	assert_null(d.servers);
	fly_dns_free(NULL);
}

static void without_hosts_entries_a_missing_file_gets_localhost(void **state)
{
	struct fly_hosts h;
	char *text;

	(void)state;
	h = hosts_ok(NULL, 0);
	assert_int_equal(h.mode, FLY_HOSTS_IMAGE);
	text = fly_hosts_text(&h);
	assert_string_equal(text, "127.0.0.1 localhost localdomain\n");
	free(text);
	fly_hosts_free(&h);
}

static void hosts_entry_host_binds_the_host_file(void **state)
{
	char *values[] = { (char *)"host" };
	struct fly_hosts h;

	(void)state;
	h = hosts_ok(values, 1);
	assert_int_equal(h.mode, FLY_HOSTS_HOST);
	assert_int_equal(h.n_entries, 0);
	fly_hosts_free(&h);
	assert_string_equal(hosts_value_fails("host"),
			    "--hosts-entry: \"host\" must be given alone");
}

static void names_for_one_address_share_its_line(void **state)
{
	char *values[] = { (char *)"10.0.0.1=db", (char *)"10.0.0.2=cache",
			   (char *)"10.0.0.1=db.local,10.0.0.1=db",
			   (char *)"::1=v6host", (char *)"0::1=other" };
	struct fly_hosts h;
	char *text;

	(void)state;
	h = hosts_ok(values, N(values));
	assert_int_equal(h.mode, FLY_HOSTS_WRITE);
	assert_int_equal(h.n_entries, 3);
	assert_int_equal(h.entries[0].n_names, 2);
	text = fly_hosts_text(&h);
	assert_string_equal(text, "127.0.0.1 localhost localdomain\n"
				  "10.0.0.1 db db.local\n"
				  "10.0.0.2 cache\n"
				  "::1 v6host other\n");
	free(text);
	fly_hosts_free(&h);
	assert_null(h.entries);
	fly_hosts_free(NULL);
}

static void bad_hosts_entries_are_usage_errors(void **state)
{
	(void)state;
	assert_string_equal(hosts_value_fails("noequals"),
			    "--hosts-entry: \"noequals\" is not of the form "
			    "IP=NAME");
	assert_string_equal(hosts_value_fails("300.1.1.1=x"),
			    "--hosts-entry: \"300.1.1.1\" is not an IP "
			    "address");
	assert_string_equal(hosts_value_fails("=name"),
			    "--hosts-entry: \"\" is not an IP address");
	assert_string_equal(hosts_value_fails("1.2.3.4=bad_name"),
			    "--hosts-entry: \"bad_name\" is not a valid host "
			    "name");
	assert_string_equal(hosts_value_fails("1.2.3.4="),
			    "--hosts-entry: \"\" is not a valid host name");
	assert_string_equal(hosts_value_fails("1.2.3.4=a,,"),
			    "--hosts-entry: \"\" is not of the form IP=NAME");
	hosts_value_fails("1.2.3.4=a=b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_dns_flag_leaves_the_image_file_alone),
		cmocka_unit_test(host_and_none_are_recognised),
		cmocka_unit_test(host_and_none_must_be_given_alone),
		cmocka_unit_test(
			nameservers_keep_their_order_across_flags_and_commas),
		cmocka_unit_test(a_nameserver_must_be_an_ip_address),
		cmocka_unit_test(
			search_options_and_domain_alone_ask_for_a_file),
		cmocka_unit_test(
			search_options_and_domain_refuse_host_and_none),
		cmocka_unit_test(
			bad_search_domains_options_and_domain_are_refused),
		cmocka_unit_test(long_but_valid_names_are_accepted),
		cmocka_unit_test(resolv_conf_lines_come_in_a_fixed_order),
		cmocka_unit_test(
			without_hosts_entries_a_missing_file_gets_localhost),
		cmocka_unit_test(hosts_entry_host_binds_the_host_file),
		cmocka_unit_test(names_for_one_address_share_its_line),
		cmocka_unit_test(bad_hosts_entries_are_usage_errors),
	};

	return cmocka_run_group_tests_name("dns", tests, NULL, NULL);
}
