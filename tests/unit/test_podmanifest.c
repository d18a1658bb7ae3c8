/* Unit tests for podmanifest.c: every pod manifest rule with a manifest
 * that keeps it and one that breaks it, the parsed result, and the
 * round trip through fly_pod_manifest_to_json().
 *
 * Manifests are written with ' for " to keep the tables readable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "podmanifest.h"
#include "util.h"

#define N(a) (sizeof(a) / sizeof(*(a)))

#define HEX64                              \
	"0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef"
#define ID "sha512-" HEX64 HEX64

#define HEAD "'acKind':'PodManifest','acVersion':'0.8.11'"
/* The one app, then whatever follows it inside the app object. */
#define APP_OPEN "{" HEAD ",'apps':[{'name':'web','image':{'id':'" ID "'}"
#define APP_CLOSE "}]"
/* A pod with extra app fields, or with extra top-level fields. */
#define POD_APP(...) APP_OPEN __VA_ARGS__ APP_CLOSE "}"
#define POD(...) APP_OPEN APP_CLOSE __VA_ARGS__ "}"
#define VOL(...) POD(",'volumes':[" __VA_ARGS__ "]")

struct pod_case {
	const char *json;
	const char *error; /* how the message starts; NULL: valid */
};

static char *unquote(const char *s)
{
	char *t = strdup(s);

	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	return t;
}

static void check_cases(const struct pod_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct fly_pod_manifest *pm = NULL;
		struct fly_error err = { 0 };
		char *text = unquote(cases[i].json);
		int r = fly_pod_manifest_parse(text, strlen(text), &pm, &err);
		const char *want = cases[i].error;

		if (!want && r != 0)
			fail_msg("case %zu refused: %s\n%s", i, err.msg, text);
		if (want && r == 0)
			fail_msg("case %zu accepted, expected \"%s\"\n%s", i,
				 want, text);
		if (want && strncmp(err.msg, want, strlen(want)) != 0)
			fail_msg("case %zu: got \"%s\"\nexpected \"%s...\"", i,
				 err.msg, want);
		assert_true(r == 0 ? pm != NULL : pm == NULL);
		fly_pod_manifest_free(pm);
		free(text);
	}
}

static struct fly_pod_manifest *parse_ok(const char *json)
{
	struct fly_pod_manifest *pm = NULL;
	struct fly_error err = { 0 };
	char *text = unquote(json);

	if (fly_pod_manifest_parse(text, strlen(text), &pm, &err) < 0)
		fail_msg("refused: %s\n%s", err.msg, text);
	free(text);
	return pm;
}

static void the_header_is_a_pod_manifest_of_a_valid_version(void **state)
{
	static const struct pod_case cases[] = {
		{ POD(""), NULL },
		{ "{'acKind':'ImageManifest','acVersion':'0.8.11','apps':[]}",
		  "acKind: expected \"PodManifest\", got \"ImageManifest\"" },
		{ "{'acKind':'PodManifest','acVersion':'0.8','apps':[]}",
		  "acVersion: \"0.8\" is not a semantic version" },
		{ "{'acKind':'PodManifest','acVersion':'0.8.11'}",
		  "missing required field \"apps\"" },
		{ "[1]", "expected an object, got an array" },
		{ "{'acKind':'PodManifest'", "line 1 column " },
		{ POD(",'extra':{}"), "extra: unknown field" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void a_pod_holds_exactly_one_app(void **state)
{
	static const struct pod_case cases[] = {
		{ "{" HEAD ",'apps':[]}",
		  "apps: fly runs exactly one app per pod, got 0" },
		{ "{" HEAD ",'apps':[{'name':'a','image':{'id':'" ID "'}},"
		  "{'name':'b','image':{'id':'" ID "'}}]}",
		  "apps: fly runs exactly one app per pod, got 2" },
		{ "{" HEAD ",'apps':{}}",
		  "apps: expected an array, got an object" },
		{ "{" HEAD ",'apps':['web']}",
		  "apps[0]: expected an object, got a string" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void the_app_has_an_acname_and_an_image_id(void **state)
{
	static const struct pod_case cases[] = {
		{ "{" HEAD ",'apps':[{'image':{'id':'" ID "'}}]}",
		  "apps[0]: missing required field \"name\"" },
		{ "{" HEAD ",'apps':[{'name':'Web','image':{'id':'" ID "'}}]}",
		  "apps[0].name: \"Web\" is not a valid name" },
		{ "{" HEAD ",'apps':[{'name':'web'}]}",
		  "apps[0]: missing required field \"image\"" },
		{ "{" HEAD ",'apps':[{'name':'web','image':{}}]}",
		  "apps[0].image: missing required field \"id\"" },
		{ "{" HEAD ",'apps':[{'name':'web','image':"
		  "{'id':'sha512-12'}}]}",
		  "apps[0].image.id: \"sha512-12\" is not an image ID" },
		{ "{" HEAD ",'apps':[{'name':'web','image':{'id':'" ID "',"
		  "'name':'example.com/web','labels':[{'name':'version',"
		  "'value':'1'}]}}]}",
		  NULL },
		{ "{" HEAD ",'apps':[{'name':'web','image':{'id':'" ID "',"
		  "'name':'Example'}}]}",
		  "apps[0].image.name: \"Example\" is not a valid name" },
		{ "{" HEAD ",'apps':[{'name':'web','image':{'id':'" ID "',"
		  "'labels':[{'name':'os','value':'beos'}]}}]}",
		  "apps[0].image.labels[0].value: \"beos\" is not a supported"
		  " os" },
		{ POD_APP(",'readOnlyRootFS':true"), NULL },
		{ POD_APP(",'readOnlyRootFS':'true'"),
		  "apps[0].readOnlyRootFS: expected a boolean, got a string" },
		{ POD_APP(",'annotations':[{'name':'a','value':'1'}]"), NULL },
		{ POD_APP(",'annotations':[{'name':'a','value':'1'},"
			  "{'name':'a','value':'2'}]"),
		  "apps[0].annotations[1]: duplicate annotation \"a\"" },
		{ POD_APP(",'volumes':[]"), "apps[0].volumes: unknown field" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void an_app_section_replaces_the_images_and_is_checked(void **state)
{
	static const struct pod_case cases[] = {
		{ POD_APP(",'app':{'exec':['/bin/sh'],'user':'0',"
			  "'group':'0'}"),
		  NULL },
		{ POD_APP(",'app':{'group':'0'}"),
		  "apps[0].app: missing required field \"user\"" },
		{ POD_APP(",'app':{'user':'0','group':'0','environment':"
			  "[{'name':'1X','value':''}]}"),
		  "apps[0].app.environment[0].name: \"1X\" is not a valid"
		  " name" },
		{ POD_APP(",'app':{'user':'0','group':'0','isolators':"
			  "[{'name':'os/unix/sysctl','value':"
			  "{'net.ipv4.ip_forward':'1'}}]}"),
		  NULL },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void mounts_name_a_volume_and_an_absolute_path(void **state)
{
	static const struct pod_case cases[] = {
		{ APP_OPEN
		  ",'mounts':[{'volume':'data','path':'/data'}]" APP_CLOSE
		  ",'volumes':[{'name':'data','kind':'empty'}]}",
		  NULL },
		{ POD_APP(",'mounts':[{'volume':'data','path':'/data'}]"),
		  "apps[0].mounts[0].volume: \"data\" names no volume in"
		  " \"volumes\"" },
		{ POD_APP(",'mounts':[{'volume':'Data','path':'/data'}]"),
		  "apps[0].mounts[0].volume: \"Data\" is not a valid name" },
		{ POD_APP(",'mounts':[{'volume':'data','path':'data'}]"),
		  "apps[0].mounts[0].path: \"data\" is not an absolute path" },
		{ POD_APP(",'mounts':[{'volume':'data'}]"),
		  "apps[0].mounts[0]: missing required field \"path\"" },
		{ POD_APP(",'mounts':[{'volume':'data','mountPoint':'data'}]"),
		  "apps[0].mounts[0].mountPoint: unknown field" },
		{ POD_APP(",'mounts':[{'volume':'own','path':'/own',"
			  "'appVolume':{'name':'own','kind':'host',"
			  "'source':'/srv'}}]"),
		  NULL },
		{ POD_APP(",'mounts':[{'volume':'own','path':'/own',"
			  "'appVolume':{'name':'own','kind':'tmpfs'}}]"),
		  "apps[0].mounts[0].appVolume.kind: \"tmpfs\" is not a"
		  " volume kind" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void volumes_are_host_or_empty_with_their_own_fields(void **state)
{
	static const struct pod_case cases[] = {
		{ VOL("{'name':'a','kind':'host','source':'/srv',"
		      "'readOnly':true,'recursive':false}"),
		  NULL },
		{ VOL("{'name':'b','kind':'empty','mode':'0700','uid':1000,"
		      "'gid':4294967294,'readOnly':false}"),
		  NULL },
		{ VOL("{'name':'c','kind':'empty','mode':'1777'}"), NULL },
		{ VOL("{'name':'a','kind':'host'}"),
		  "volumes[0]: missing required field \"source\"" },
		{ VOL("{'name':'a','source':'/srv'}"),
		  "volumes[0]: missing required field \"kind\"" },
		{ VOL("{'name':'a','kind':'tmpfs'}"),
		  "volumes[0].kind: \"tmpfs\" is not a volume kind (host or"
		  " empty)" },
		{ VOL("{'name':'A','kind':'empty'}"),
		  "volumes[0].name: \"A\" is not a valid name" },
		{ VOL("{'name':'a','kind':'host','source':'srv'}"),
		  "volumes[0].source: \"srv\" is not an absolute path" },
		{ VOL("{'name':'a','kind':'empty','source':'/srv'}"),
		  "volumes[0].source: only a volume of kind host takes a"
		  " source" },
		{ VOL("{'name':'a','kind':'host','source':'/s','mode':'0755'}"),
		  "volumes[0].mode: only a volume of kind empty takes a mode" },
		{ VOL("{'name':'a','kind':'host','source':'/s','uid':0}"),
		  "volumes[0].uid: only a volume of kind empty" },
		{ VOL("{'name':'a','kind':'host','source':'/s','gid':0}"),
		  "volumes[0].gid: only a volume of kind empty" },
		{ VOL("{'name':'a','kind':'empty','mode':'0855'}"),
		  "volumes[0].mode: \"0855\" is not an octal mode" },
		{ VOL("{'name':'a','kind':'empty','mode':''}"),
		  "volumes[0].mode: \"\" is not an octal mode" },
		{ VOL("{'name':'a','kind':'empty','mode':'17777'}"),
		  "volumes[0].mode: \"17777\" is not a valid mode" },
		{ VOL("{'name':'a','kind':'empty','mode':493}"),
		  "volumes[0].mode: expected a string, got an integer" },
		{ VOL("{'name':'a','kind':'empty','uid':-1}"),
		  "volumes[0].uid: -1 is out of range" },
		{ VOL("{'name':'a','kind':'empty','gid':4294967295}"),
		  "volumes[0].gid: 4294967295 is out of range" },
		{ VOL("{'name':'a','kind':'host','source':'/s',"
		      "'readOnly':'yes'}"),
		  "volumes[0].readOnly: expected a boolean, got a string" },
		{ VOL("{'name':'a','kind':'host','source':'/s',"
		      "'recursive':1}"),
		  "volumes[0].recursive: expected a boolean, got an integer" },
		{ VOL("{'name':'a','kind':'empty'},"
		      "{'name':'a','kind':'host','source':'/s'}"),
		  "volumes[1]: duplicate volume \"a\"" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void pod_isolators_allow_sysctl_once(void **state)
{
	static const struct pod_case cases[] = {
		{ POD(",'isolators':[{'name':'os/unix/sysctl','value':"
		      "{'net.ipv4.ip_forward':'1'}},{'name':'resource/memory',"
		      "'value':{'limit':'4G'}}]"),
		  NULL },
		{ POD(",'isolators':[{'name':'os/unix/sysctl','value':"
		      "{'kernel.x':1}}]"),
		  "isolators[0].value.kernel.x: expected a string, got an"
		  " integer" },
		{ POD(",'isolators':[{'name':'os/unix/sysctl','value':"
		      "{'':'1'}}]"),
		  "isolators[0].value: empty sysctl name" },
		{ POD(",'isolators':[{'name':'os/unix/sysctl','value':{}},"
		      "{'name':'os/unix/sysctl','value':{}}]"),
		  "isolators[1]: duplicate isolator \"os/unix/sysctl\"" },
		{ POD(",'isolators':[{'name':'os/unix/ulimit','value':{}}]"),
		  "isolators[0].name: \"os/unix/ulimit\" is not an isolator" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void exposed_ports_name_a_host_port_and_ip(void **state)
{
	static const struct pod_case cases[] = {
		{ POD(",'ports':[{'name':'http','hostPort':8080},"
		      "{'name':'ftp','hostPort':2121,'hostIP':'203.0.113.23',"
		      "'podPort':{'name':'ftp','port':21,'protocol':'tcp'}}]"),
		  NULL },
		{ POD(",'ports':[{'name':'http'}]"),
		  "ports[0]: missing required field \"hostPort\"" },
		{ POD(",'ports':[{'name':'http','hostPort':0}]"),
		  "ports[0].hostPort: 0 is out of range (1 to 65535)" },
		{ POD(",'ports':[{'name':'http','hostPort':65536}]"),
		  "ports[0].hostPort: 65536 is out of range" },
		{ POD(",'ports':[{'name':'Http','hostPort':80}]"),
		  "ports[0].name: \"Http\" is not a valid name" },
		{ POD(",'ports':[{'name':'http','hostPort':80,"
		      "'hostIP':'::1'}]"),
		  "ports[0].hostIP: \"::1\" is not an IPv4 address" },
		{ POD(",'ports':[{'name':'http','hostPort':80,"
		      "'hostIP':'256.1.1.1'}]"),
		  "ports[0].hostIP: \"256.1.1.1\" is not an IPv4 address" },
		{ POD(",'ports':[{'name':'http','hostPort':80,'podPort':"
		      "{'name':'http','port':0,'protocol':'tcp'}}]"),
		  "ports[0].podPort.port: 0 is out of range" },
		{ POD(",'ports':[{'name':'http','hostPort':80},"
		      "{'name':'http','hostPort':81}]"),
		  "ports[1]: duplicate port \"http\"" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void pod_annotations_and_user_maps_are_checked(void **state)
{
	static const struct pod_case cases[] = {
		{ POD(",'annotations':[{'name':'ip-address',"
		      "'value':'10.1.2.3'}],'userAnnotations':{'k':'v'},"
		      "'userLabels':{'l':'w'}"),
		  NULL },
		{ POD(",'annotations':[{'name':'created','value':'now'}]"),
		  "annotations[0].value: \"now\" is not an RFC 3339" },
		{ POD(",'userAnnotations':{'k':1}"),
		  "userAnnotations.k: expected a string, got an integer" },
		{ POD(",'userLabels':'x'"),
		  "userLabels: expected an object, got a string" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static const char full_pod[] =
	"{'acVersion':'0.8.11','acKind':'PodManifest',"
	"'apps':[{'name':'worker','image':{'id':'" ID "',"
	"'name':'example.com/worker','labels':[{'name':'version',"
	"'value':'1.0.0'}]},"
	"'app':{'exec':['/bin/worker','--debug'],'user':'0','group':'0',"
	"'supplementaryGIDs':[5],'workingDirectory':'/w',"
	"'environment':[{'name':'A','value':'1'}],"
	"'eventHandlers':[{'name':'post-stop','exec':['/bin/clean']}],"
	"'isolators':[{'name':'os/linux/no-new-privileges','value':true}],"
	"'mountPoints':[{'name':'work','path':'/mnt/work'}],"
	"'ports':[{'name':'http','port':80,'protocol':'tcp'}],"
	"'userAnnotations':{'note':'x'}},"
	"'readOnlyRootFS':true,"
	"'mounts':[{'volume':'work','path':'/mnt/work'},"
	"{'volume':'scratch','path':'/tmp/s'},"
	"{'volume':'own','path':'/own','appVolume':{'name':'own',"
	"'kind':'host','source':'/srv/own','recursive':true}}],"
	"'annotations':[{'name':'foo','value':'baz'}]}],"
	"'volumes':[{'name':'work','kind':'host','source':'/opt/work',"
	"'readOnly':true},"
	"{'name':'scratch','kind':'empty','mode':'0700','uid':1000,"
	"'gid':100,'recursive':false},"
	"{'name':'unused','kind':'empty'}],"
	"'isolators':[{'name':'resource/memory','value':{'limit':'4G'}},"
	"{'name':'os/unix/sysctl','value':{'net.ipv4.ip_forward':'1'}}],"
	"'annotations':[{'name':'ip-address','value':'10.1.2.3'}],"
	"'ports':[{'name':'http','hostPort':8080,'hostIP':'127.0.0.1',"
	"'podPort':{'name':'http','port':80,'protocol':'tcp',"
	"'count':1}}],"
	"'userAnnotations':{'who':'me'},'userLabels':{'tier':'web'}}";

static void a_parsed_pod_holds_every_field_with_defaults(void **state)
{
	struct fly_pod_manifest *pm = parse_ok(full_pod);
	const struct fly_pod_app *app = &pm->app;

	(void)state;
	assert_string_equal(pm->ac_version, "0.8.11");
	assert_string_equal(app->name, "worker");
	assert_string_equal(app->image.id, ID);
	assert_string_equal(app->image.name, "example.com/worker");
	assert_string_equal(app->image.labels[0].value, "1.0.0");
	assert_string_equal(app->app->exec[1], "--debug");
	assert_true(app->read_only_rootfs);
	assert_int_equal(app->n_mounts, 3);
	assert_null(app->mounts[0].app_volume);
	assert_string_equal(app->mounts[2].app_volume->source, "/srv/own");
	assert_int_equal(app->mounts[2].app_volume->recursive, FLY_TRUE);
	assert_string_equal(app->annotations[0].value, "baz");
	assert_int_equal(pm->n_volumes, 3);
	assert_int_equal(pm->volumes[0].kind, FLY_POD_VOLUME_HOST);
	assert_int_equal(pm->volumes[0].read_only, FLY_TRUE);
	assert_int_equal(pm->volumes[0].recursive, FLY_UNSET);
	assert_int_equal(pm->volumes[1].kind, FLY_POD_VOLUME_EMPTY);
	assert_int_equal(pm->volumes[1].read_only, FLY_UNSET);
	assert_int_equal(pm->volumes[1].recursive, FLY_FALSE);
	assert_int_equal(pm->volumes[1].mode, 0700);
	assert_int_equal(pm->volumes[1].uid, 1000);
	assert_int_equal(pm->volumes[1].gid, 100);
	assert_null(pm->volumes[1].source);
	assert_int_equal(pm->volumes[2].mode, FLY_EMPTY_VOLUME_MODE);
	assert_int_equal(pm->volumes[2].uid, FLY_EMPTY_VOLUME_UID);
	assert_int_equal(pm->volumes[2].gid, FLY_EMPTY_VOLUME_GID);
	assert_ptr_equal(fly_pod_manifest_volume(pm, "scratch"),
			 &pm->volumes[1]);
	assert_null(fly_pod_manifest_volume(pm, "own"));
	assert_string_equal(pm->isolators[1].name, "os/unix/sysctl");
	assert_string_equal(pm->annotations[0].name, "ip-address");
	assert_int_equal(pm->ports[0].host_port, 8080);
	assert_string_equal(pm->ports[0].host_ip, "127.0.0.1");
	assert_int_equal(pm->ports[0].pod_port->port, 80);
	assert_string_equal(pm->user_annotations[0].value, "me");
	assert_string_equal(pm->user_labels[0].name, "tier");
	fly_pod_manifest_free(pm);
}

/* ---- round trips ---- */

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool nv_eq(const struct fly_name_value *a, size_t na,
		  const struct fly_name_value *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!str_eq(a[i].name, b[i].name) ||
		    !str_eq(a[i].value, b[i].value))
			return false;
	return true;
}

static bool volume_eq(const struct fly_pod_volume *a,
		      const struct fly_pod_volume *b)
{
	if (!a || !b)
		return a == b;
	return str_eq(a->name, b->name) && a->kind == b->kind &&
	       str_eq(a->source, b->source) && a->read_only == b->read_only &&
	       a->recursive == b->recursive && a->mode == b->mode &&
	       a->uid == b->uid && a->gid == b->gid;
}

static bool port_eq(const struct fly_port *a, const struct fly_port *b)
{
	if (!a || !b)
		return a == b;
	return str_eq(a->name, b->name) && str_eq(a->protocol, b->protocol) &&
	       a->port == b->port && a->count == b->count &&
	       a->socket_activated == b->socket_activated;
}

/* The app section is compared through its JSON, which names every
 * field; test_manifest checks that this JSON parses back the same. */
static bool app_section_eq(const struct fly_app *a, const struct fly_app *b)
{
	json_t *ja, *jb;
	bool eq;

	if (!a || !b)
		return a == b;
	ja = fly_app_to_json(a);
	jb = fly_app_to_json(b);
	eq = ja && jb && json_equal(ja, jb);
	json_decref(ja);
	json_decref(jb);
	return eq;
}

static bool pod_app_eq(const struct fly_pod_app *a, const struct fly_pod_app *b)
{
	if (!str_eq(a->name, b->name) || !str_eq(a->image.id, b->image.id) ||
	    !str_eq(a->image.name, b->image.name) ||
	    !nv_eq(a->image.labels, a->image.n_labels, b->image.labels,
		   b->image.n_labels) ||
	    !app_section_eq(a->app, b->app) ||
	    a->read_only_rootfs != b->read_only_rootfs ||
	    a->n_mounts != b->n_mounts ||
	    !nv_eq(a->annotations, a->n_annotations, b->annotations,
		   b->n_annotations))
		return false;
	for (size_t i = 0; i < a->n_mounts; i++)
		if (!str_eq(a->mounts[i].volume, b->mounts[i].volume) ||
		    !str_eq(a->mounts[i].path, b->mounts[i].path) ||
		    !volume_eq(a->mounts[i].app_volume,
			       b->mounts[i].app_volume))
			return false;
	return true;
}

static bool pod_ports_eq(const struct fly_pod_manifest *a,
			 const struct fly_pod_manifest *b)
{
	if (a->n_ports != b->n_ports)
		return false;
	for (size_t i = 0; i < a->n_ports; i++)
		if (!str_eq(a->ports[i].name, b->ports[i].name) ||
		    a->ports[i].host_port != b->ports[i].host_port ||
		    !str_eq(a->ports[i].host_ip, b->ports[i].host_ip) ||
		    !port_eq(a->ports[i].pod_port, b->ports[i].pod_port))
			return false;
	return true;
}

static bool pod_eq(const struct fly_pod_manifest *a,
		   const struct fly_pod_manifest *b)
{
	json_t *ia = fly_isolators_to_json(a->isolators, a->n_isolators);
	json_t *ib = fly_isolators_to_json(b->isolators, b->n_isolators);
	bool eq = json_equal(ia, ib);

	json_decref(ia);
	json_decref(ib);
	if (!eq || !str_eq(a->ac_version, b->ac_version) ||
	    !pod_app_eq(&a->app, &b->app) || a->n_volumes != b->n_volumes ||
	    !nv_eq(a->annotations, a->n_annotations, b->annotations,
		   b->n_annotations) ||
	    !pod_ports_eq(a, b) ||
	    !nv_eq(a->user_annotations, a->n_user_annotations,
		   b->user_annotations, b->n_user_annotations) ||
	    !nv_eq(a->user_labels, a->n_user_labels, b->user_labels,
		   b->n_user_labels))
		return false;
	for (size_t i = 0; i < a->n_volumes; i++)
		if (!volume_eq(&a->volumes[i], &b->volumes[i]))
			return false;
	return true;
}

/* parse(dump(to_json(pm))), failing the test when anything fails. */
static struct fly_pod_manifest *write_and_read(
	const struct fly_pod_manifest *pm)
{
	struct fly_pod_manifest *again = NULL;
	struct fly_error err = { 0 };
	json_t *json = fly_pod_manifest_to_json(pm);
	char *text;

	assert_non_null(json);
	text = json_dumps(json, JSON_COMPACT);
	assert_non_null(text);
	if (fly_pod_manifest_parse(text, strlen(text), &again, &err) < 0)
		fail_msg("written manifest refused: %s\n%s", err.msg, text);
	json_decref(json);
	free(text);
	return again;
}

static void a_parsed_pod_written_back_parses_to_the_same_pod(void **state)
{
	struct fly_pod_manifest *pm = parse_ok(full_pod);
	struct fly_pod_manifest *again = write_and_read(pm);
	json_t *first = fly_pod_manifest_to_json(pm);
	json_t *second = fly_pod_manifest_to_json(again);

	(void)state;
	assert_true(pod_eq(pm, again));
	assert_true(json_equal(first, second));
	json_decref(first);
	json_decref(second);
	fly_pod_manifest_free(again);
	fly_pod_manifest_free(pm);
}

static void a_minimal_pod_round_trips(void **state)
{
	struct fly_pod_manifest *pm = parse_ok(POD(""));
	struct fly_pod_manifest *again = write_and_read(pm);

	(void)state;
	assert_true(pod_eq(pm, again));
	assert_null(again->app.app);
	assert_int_equal(again->n_volumes, 0);
	fly_pod_manifest_free(again);
	fly_pod_manifest_free(pm);
}

/* What fly run does: fill the struct from flags, then write it. */
static struct fly_pod_manifest *build_pod(void)
{
	struct fly_pod_manifest *pm = fly_xcalloc(1, sizeof(*pm));
	struct fly_pod_volume *vols = fly_xcalloc(2, sizeof(*vols));
	struct fly_pod_mount *mounts = fly_xcalloc(1, sizeof(*mounts));

	pm->app.name = fly_xstrdup("hello");
	pm->app.image.id = fly_xstrdup(ID);
	pm->app.image.name = fly_xstrdup("example.com/hello");
	pm->app.app = fly_xcalloc(1, sizeof(*pm->app.app));
	pm->app.app->exec = fly_xcalloc(3, sizeof(char *));
	pm->app.app->exec[0] = fly_xstrdup("/bin/echo");
	pm->app.app->exec[1] = fly_xstrdup("hi");
	pm->app.app->user = fly_xstrdup("0");
	pm->app.app->group = fly_xstrdup("0");
	mounts[0].volume = fly_xstrdup("data");
	mounts[0].path = fly_xstrdup("/data");
	pm->app.mounts = mounts;
	pm->app.n_mounts = 1;
	vols[0] = (struct fly_pod_volume){
		.name = fly_xstrdup("data"),
		.kind = FLY_POD_VOLUME_HOST,
		.source = fly_xstrdup("/srv/data"),
		.read_only = FLY_FALSE,
		.recursive = FLY_TRUE,
	};
	vols[1] = (struct fly_pod_volume){
		.name = fly_xstrdup("tmp"),
		.kind = FLY_POD_VOLUME_EMPTY,
		.mode = 01777,
		.uid = 0,
		.gid = 0,
	};
	pm->volumes = vols;
	pm->n_volumes = 2;
	return pm;
}

static void a_pod_built_from_flags_round_trips(void **state)
{
	struct fly_pod_manifest *pm = build_pod();
	struct fly_pod_manifest *again = write_and_read(pm);

	(void)state;
	assert_null(pm->ac_version);
	assert_string_equal(again->ac_version, FLY_APPC_VERSION);
	free(pm->ac_version);
	pm->ac_version = fly_xstrdup(FLY_APPC_VERSION);
	assert_true(pod_eq(pm, again));
	assert_int_equal(again->volumes[1].mode, 01777);
	assert_int_equal(again->volumes[0].recursive, FLY_TRUE);
	assert_int_equal(again->volumes[0].read_only, FLY_FALSE);
	assert_int_equal(again->volumes[1].read_only, FLY_UNSET);
	fly_pod_manifest_free(again);
	fly_pod_manifest_free(pm);
}

static void the_written_empty_volume_carries_mode_uid_and_gid(void **state)
{
	struct fly_pod_manifest *pm = build_pod();
	json_t *json = fly_pod_manifest_to_json(pm);
	json_t *vol = json_array_get(json_object_get(json, "volumes"), 1);
	json_t *host = json_array_get(json_object_get(json, "volumes"), 0);

	(void)state;
	assert_string_equal(json_string_value(json_object_get(vol, "mode")),
			    "1777");
	assert_int_equal(json_integer_value(json_object_get(vol, "uid")), 0);
	assert_null(json_object_get(vol, "readOnly"));
	assert_null(json_object_get(host, "mode"));
	assert_true(json_is_false(json_object_get(host, "readOnly")));
	json_decref(json);
	fly_pod_manifest_free(pm);
}

static void a_pod_missing_a_required_string_cannot_be_written(void **state)
{
	struct fly_pod_manifest *pm = build_pod();

	(void)state;
	free(pm->volumes[0].source);
	pm->volumes[0].source = NULL;
	assert_null(fly_pod_manifest_to_json(pm));
	free(pm->app.image.id);
	pm->app.image.id = NULL;
	assert_null(fly_pod_manifest_to_json(pm));
	fly_pod_manifest_free(pm);
}

static void a_pod_with_a_path_that_is_not_utf8_cannot_be_written(void **state)
{
	struct fly_pod_manifest *pm = build_pod();

	(void)state;
	pm->app.mounts[0].path[1] = (char)0xff;
	assert_null(fly_pod_manifest_to_json(pm));
	fly_pod_manifest_free(pm);
}

static void free_functions_accept_null_and_clear_leaves_zeros(void **state)
{
	struct fly_pod_volume vol = {
		.name = fly_xstrdup("a"),
		.source = fly_xstrdup("/a"),
		.mode = 0755,
	};

	(void)state;
	fly_pod_manifest_free(NULL);
	fly_pod_volume_clear(NULL);
	fly_pod_volume_clear(&vol);
	assert_null(vol.name);
	assert_null(vol.source);
	assert_int_equal(vol.mode, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			the_header_is_a_pod_manifest_of_a_valid_version),
		cmocka_unit_test(a_pod_holds_exactly_one_app),
		cmocka_unit_test(the_app_has_an_acname_and_an_image_id),
		cmocka_unit_test(
			an_app_section_replaces_the_images_and_is_checked),
		cmocka_unit_test(mounts_name_a_volume_and_an_absolute_path),
		cmocka_unit_test(
			volumes_are_host_or_empty_with_their_own_fields),
		cmocka_unit_test(pod_isolators_allow_sysctl_once),
		cmocka_unit_test(exposed_ports_name_a_host_port_and_ip),
		cmocka_unit_test(pod_annotations_and_user_maps_are_checked),
		cmocka_unit_test(a_parsed_pod_holds_every_field_with_defaults),
		cmocka_unit_test(
			a_parsed_pod_written_back_parses_to_the_same_pod),
		cmocka_unit_test(a_minimal_pod_round_trips),
		cmocka_unit_test(a_pod_built_from_flags_round_trips),
		cmocka_unit_test(
			the_written_empty_volume_carries_mode_uid_and_gid),
		cmocka_unit_test(
			a_pod_missing_a_required_string_cannot_be_written),
		cmocka_unit_test(
			a_pod_with_a_path_that_is_not_utf8_cannot_be_written),
		cmocka_unit_test(
			free_functions_accept_null_and_clear_leaves_zeros),
	};

	return cmocka_run_group_tests_name("podmanifest", tests, NULL, NULL);
}
