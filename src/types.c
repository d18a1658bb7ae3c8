/* appc value types.  Every check is a small hand-written scanner over
 * ASCII: no regular expressions and no locale-dependent ctype calls. */
#include "types.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "poison.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c);
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Runs of [a-z0-9] joined by exactly one character out of seps. */
static bool is_runs_joined_by(const char *s, const char *seps)
{
	bool need_run = true;

	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (is_lower_alnum(*s)) {
			need_run = false;
			continue;
		}
		if (need_run || !strchr(seps, *s))
			return false;
		need_run = true;
	}
	return !need_run;
}

bool fly_is_acidentifier(const char *s)
{
	return is_runs_joined_by(s, "-._~/");
}

bool fly_is_acname(const char *s)
{
	return is_runs_joined_by(s, "-");
}

/* A semver numeric identifier: "0" or digits without a leading zero.
 * Returns the end of it, NULL when there is none. */
static const char *scan_numeric(const char *s)
{
	const char *p = s;

	while (is_digit(*p))
		p++;
	if (p == s || (*s == '0' && p - s > 1))
		return NULL;
	return p;
}

/* Dot-separated identifiers of [0-9A-Za-z-].  In a pre-release an
 * all-digit identifier must not have a leading zero; build metadata
 * allows one.  Returns the end, NULL on a syntax error. */
static const char *scan_identifiers(const char *s, bool pre_release)
{
	for (;;) {
		const char *start = s;
		bool numeric = true;

		while (is_alpha(*s) || is_digit(*s) || *s == '-') {
			numeric = numeric && is_digit(*s);
			s++;
		}
		if (s == start)
			return NULL;
		if (pre_release && numeric && *start == '0' && s - start > 1)
			return NULL;
		if (*s != '.')
			return s;
		s++;
	}
}

bool fly_is_semver(const char *s)
{
	const char *p;

	if (!s)
		return false;
	p = scan_numeric(s);
	for (int i = 0; i < 2 && p; i++)
		p = *p == '.' ? scan_numeric(p + 1) : NULL;
	if (p && *p == '-')
		p = scan_identifiers(p + 1, true);
	if (p && *p == '+')
		p = scan_identifiers(p + 1, false);
	return p && *p == '\0';
}

bool fly_is_env_name(const char *s)
{
	if (!s || !(is_alpha(*s) || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!is_alpha(*s) && !is_digit(*s) && !strchr("_.-", *s))
			return false;
	return true;
}

/* Exactly n digits as a number, advancing *p.  False when fewer. */
static bool scan_digits(const char **p, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!is_digit((*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return true;
}

static bool scan_char(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* "YYYY-MM-DD" with the day valid for its month. */
static bool scan_date(const char **p)
{
	int y, m, d;

	if (!scan_digits(p, 4, &y) || !scan_char(p, '-') ||
	    !scan_digits(p, 2, &m) || !scan_char(p, '-') ||
	    !scan_digits(p, 2, &d))
		return false;
	return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* "hh:mm:ss" with optional fraction; 60 seconds allow a leap second. */
static bool scan_time(const char **p)
{
	int h, m, s;

	if (!scan_digits(p, 2, &h) || !scan_char(p, ':') ||
	    !scan_digits(p, 2, &m) || !scan_char(p, ':') ||
	    !scan_digits(p, 2, &s))
		return false;
	if (h > 23 || m > 59 || s > 60)
		return false;
	if (scan_char(p, '.')) {
		if (!is_digit(**p))
			return false;
		while (is_digit(**p))
			(*p)++;
	}
	return true;
}

/* "Z" or "+hh:mm" / "-hh:mm". */
static bool scan_offset(const char **p)
{
	int h, m;

	if (scan_char(p, 'Z'))
		return true;
	if (!scan_char(p, '+') && !scan_char(p, '-'))
		return false;
	if (!scan_digits(p, 2, &h) || !scan_char(p, ':') ||
	    !scan_digits(p, 2, &m))
		return false;
	return h <= 23 && m <= 59;
}

bool fly_is_rfc3339(const char *s)
{
	if (!s)
		return false;
	return scan_date(&s) && scan_char(&s, 'T') && scan_time(&s) &&
	       scan_offset(&s) && *s == '\0';
}

/* What may follow the number of a quantity: a decimal or binary SI
 * suffix, or a decimal exponent such as e3 or E-2. */
static bool is_quantity_suffix(const char *s)
{
	static const char *const suffixes[] = {
		"",  "n", "u",  "m",  "k",  "M",  "G",  "T",
		"P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
	};

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++)
		if (strcmp(s, suffixes[i]) == 0)
			return true;
	if (*s != 'e' && *s != 'E')
		return false;
	s++;
	if (*s == '+' || *s == '-')
		s++;
	if (!is_digit(*s))
		return false;
	while (is_digit(*s))
		s++;
	return *s == '\0';
}

/* The Kubernetes quantity syntax that appc resource isolators use:
 * an optional sign, digits with an optional fraction, then a suffix. */
bool fly_is_quantity(const char *s)
{
	size_t digits = 0;

	if (!s)
		return false;
	if (*s == '+' || *s == '-')
		s++;
	for (; is_digit(*s); s++)
		digits++;
	if (*s == '.')
		for (s++; is_digit(*s); s++)
			digits++;
	return digits > 0 && is_quantity_suffix(s);
}

/* A registered name (RFC 3986 reg-name) without percent decoding. */
static bool is_host_char(char c)
{
	return is_alpha(c) || is_digit(c) || strchr("-._~%!$&'()*+,;=", c);
}

static bool is_port(const char *s, const char *end)
{
	for (; s < end; s++)
		if (!is_digit(*s))
			return false;
	return true;
}

/* host[:port] or [v6]:port between s and end, after any userinfo. */
static bool is_authority(const char *s, const char *end)
{
	const char *at = memrchr(s, '@', (size_t)(end - s));
	const char *p;

	if (at)
		s = at + 1;
	if (*s == '[') {
		p = memchr(s, ']', (size_t)(end - s));
		if (!p || p == s + 1)
			return false;
		p++;
		return p == end || (*p == ':' && is_port(p + 1, end));
	}
	for (p = s; p < end && *p != ':'; p++)
		if (!is_host_char(*p))
			return false;
	return p > s && (p == end || is_port(p + 1, end));
}

bool fly_is_http_url(const char *s)
{
	const char *host;

	if (!s)
		return false;
	if (strncasecmp(s, "http://", 7) == 0)
		host = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		host = s + 8;
	else
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return is_authority(host, host + strcspn(host, "/?#"));
}

bool fly_is_image_id(const char *s)
{
	size_t n = 0;

	if (!s || strncmp(s, "sha512-", 7) != 0)
		return false;
	for (s += 7; is_digit(*s) || (*s >= 'a' && *s <= 'f'); s++)
		n++;
	return *s == '\0' && n == 128;
}

struct os_arches {
	const char *os;
	const char *const *arches; /* NULL-terminated */
};

static const char *const linux_arches[] = {
	"amd64",  "i386",  "aarch64", "aarch64_be", "armv6l", "armv7l",
	"armv7b", "ppc64", "ppc64le", "s390x",      NULL,
};
static const char *const freebsd_arches[] = { "amd64", "i386", "arm", NULL };
static const char *const darwin_arches[] = { "x86_64", "i386", NULL };

static const struct os_arches os_table[] = {
	{ "linux", linux_arches },
	{ "freebsd", freebsd_arches },
	{ "darwin", darwin_arches },
};

static const struct os_arches *find_os(const char *os)
{
	for (size_t i = 0; os && i < sizeof(os_table) / sizeof(*os_table); i++)
		if (strcmp(os, os_table[i].os) == 0)
			return &os_table[i];
	return NULL;
}

bool fly_is_os(const char *os)
{
	return find_os(os) != NULL;
}

bool fly_is_arch_for_os(const char *os, const char *arch)
{
	const struct os_arches *entry = find_os(os);

	if (!entry || !arch)
		return false;
	for (const char *const *a = entry->arches; *a; a++)
		if (strcmp(*a, arch) == 0)
			return true;
	return false;
}
