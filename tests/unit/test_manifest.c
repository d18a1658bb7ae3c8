/* Unit tests for manifest.c: every image manifest rule with a manifest
 * that keeps it and one that breaks it, the parsed result, and the app
 * section written back as JSON.
 *
 * Manifests are written with ' for " to keep the tables readable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "manifest.h"

#define N(a) (sizeof(a) / sizeof(*(a)))

#define HEX64                              \
	"0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef"
#define ID "sha512-" HEX64 HEX64

#define HEAD                                             \
	"'acKind':'ImageManifest','acVersion':'0.8.11'," \
	"'name':'example.com/app'"
#define IMG(...) "{" HEAD __VA_ARGS__ "}"
#define APP(...) IMG(",'app':{'user':'0','group':'0'" __VA_ARGS__ "}")
#define ISO(name, ...) \
	APP(",'isolators':[{'name':'" name "','value':" __VA_ARGS__ "}]")

struct manifest_case {
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

static void check_cases(const struct manifest_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct fly_image_manifest *m = NULL;
		struct fly_error err = { 0 };
		char *text = unquote(cases[i].json);
		int r = fly_image_manifest_parse(text, strlen(text), &m, &err);
		const char *want = cases[i].error;

		if (!want && r != 0)
			fail_msg("case %zu refused: %s\n%s", i, err.msg, text);
		if (want && r == 0)
			fail_msg("case %zu accepted, expected \"%s\"\n%s", i,
				 want, text);
		if (want && strncmp(err.msg, want, strlen(want)) != 0)
			fail_msg("case %zu: got \"%s\"\nexpected \"%s...\"", i,
				 err.msg, want);
		assert_true(r == 0 ? m != NULL : m == NULL);
		fly_image_manifest_free(m);
		free(text);
	}
}

static void the_document_must_be_one_json_object(void **state)
{
	static const struct manifest_case cases[] = {
		{ IMG(""), NULL },
		{ "{", "line 1 column 1: " },
		{ IMG("") " x", "line 1 column " },
		{ "[]", "expected an object, got an array" },
		{ "{'acKind':'ImageManifest','acKind':'ImageManifest'}",
		  "line 1 column " },
		{ IMG(",'extension':1"), "extension: unknown field" },
		{ IMG(",'labels':null,'app':null,'annotations':null"), NULL },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void duplicate_keys_are_reported_by_jansson(void **state)
{
	struct fly_image_manifest *m = NULL;
	struct fly_error err = { 0 };
	char *text = unquote(IMG(",'name':'other'"));

	(void)state;
	assert_int_equal(fly_image_manifest_parse(text, strlen(text), &m, &err),
			 -1);
	assert_non_null(strstr(err.msg, "duplicate"));
	assert_null(m);
	free(text);
}

static void ac_kind_version_and_name_are_required_and_checked(void **state)
{
	static const struct manifest_case cases[] = {
		{ "{'acVersion':'0.8.11','name':'a'}",
		  "missing required field \"acKind\"" },
		{ "{'acKind':1,'acVersion':'0.8.11','name':'a'}",
		  "acKind: expected a string, got an integer" },
		{ "{'acKind':'PodManifest','acVersion':'0.8.11','name':'a'}",
		  "acKind: expected \"ImageManifest\", got \"PodManifest\"" },
		{ "{'acKind':'ImageManifest','name':'a'}",
		  "missing required field \"acVersion\"" },
		{ "{'acKind':'ImageManifest','acVersion':'1.0','name':'a'}",
		  "acVersion: \"1.0\" is not a semantic version" },
		{ "{'acKind':'ImageManifest','acVersion':'0.0.0','name':'a'}",
		  "acVersion: \"0.0.0\" is not a valid appc version" },
		{ "{'acKind':'ImageManifest','acVersion':'0.0.0+b','name':'a'}",
		  "acVersion: \"0.0.0+b\" is not a valid appc version" },
		{ "{'acKind':'ImageManifest','acVersion':'0.0.0-rc.1',"
		  "'name':'a'}",
		  NULL },
		{ "{'acKind':'ImageManifest','acVersion':'0.8.11-rc.1+b.5',"
		  "'name':'a'}",
		  NULL },
		{ "{'acKind':'ImageManifest','acVersion':'0.8.11'}",
		  "missing required field \"name\"" },
		{ "{'acKind':'ImageManifest','acVersion':'0.8.11','name':null}",
		  "name: expected a string, got null" },
		{ "{'acKind':'ImageManifest','acVersion':'0.8.11',"
		  "'name':'Example.com'}",
		  "name: \"Example.com\" is not a valid name" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void labels_have_unique_valid_names_and_a_known_os_and_arch(void **state)
{
	static const struct manifest_case cases[] = {
		{ IMG(",'labels':[{'name':'version','value':'1.0.0'},"
		      "{'name':'os','value':'linux'},"
		      "{'name':'arch','value':'amd64'}]"),
		  NULL },
		{ IMG(",'labels':{}"),
		  "labels: expected an array, got an object" },
		{ IMG(",'labels':['os']"),
		  "labels[0]: expected an object, got a string" },
		{ IMG(",'labels':[{'name':'os'}]"),
		  "labels[0]: missing required field \"value\"" },
		{ IMG(",'labels':[{'name':'os','value':1}]"),
		  "labels[0].value: expected a string, got an integer" },
		{ IMG(",'labels':[{'name':'os','value':'linux','x':1}]"),
		  "labels[0].x: unknown field" },
		{ IMG(",'labels':[{'name':'Version','value':'1'}]"),
		  "labels[0].name: \"Version\" is not a valid name" },
		{ IMG(",'labels':[{'name':'name','value':'x'}]"),
		  "labels[0].name: \"name\" is not allowed as a label" },
		{ IMG(",'labels':[{'name':'os','value':'linux'},"
		      "{'name':'os','value':'linux'}]"),
		  "labels[1]: duplicate label \"os\"" },
		{ IMG(",'labels':[{'name':'os','value':'windows'}]"),
		  "labels[0].value: \"windows\" is not a supported os" },
		{ IMG(",'labels':[{'name':'os','value':'freebsd'},"
		      "{'name':'arch','value':'x86_64'}]"),
		  "labels[1].value: \"x86_64\" is not a valid arch for os"
		  " \"freebsd\"" },
		{ IMG(",'labels':[{'name':'arch','value':'arm64'},"
		      "{'name':'os','value':'linux'}]"),
		  "labels[0].value: \"arm64\" is not a valid arch" },
		{ IMG(",'labels':[{'name':'arch','value':'anything'}]"), NULL },
		{ IMG(",'labels':[{'name':'os','value':'darwin'},"
		      "{'name':'arch','value':'x86_64'}]"),
		  NULL },
		{ IMG(",'labels':[{'name':'os','value':'freebsd'},"
		      "{'name':'arch','value':'arm'}]"),
		  NULL },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void an_app_needs_a_user_and_a_group(void **state)
{
	static const struct manifest_case cases[] = {
		{ APP(""), NULL },
		{ IMG(",'app':[]"), "app: expected an object, got an array" },
		{ IMG(",'app':{'group':'0'}"),
		  "app: missing required field \"user\"" },
		{ IMG(",'app':{'user':'0'}"),
		  "app: missing required field \"group\"" },
		{ IMG(",'app':{'user':'','group':'0'}"),
		  "app.user: must not be empty" },
		{ IMG(",'app':{'user':'0','group':''}"),
		  "app.group: must not be empty" },
		{ IMG(",'app':{'user':0,'group':'0'}"),
		  "app.user: expected a string, got an integer" },
		{ APP(",'readonly':true"), "app.readonly: unknown field" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void exec_is_an_array_of_strings_that_may_be_empty(void **state)
{
	static const struct manifest_case cases[] = {
		{ APP(",'exec':['/bin/sh','-c','true']"), NULL },
		{ APP(",'exec':[]"), NULL },
		{ APP(",'exec':null"), NULL },
		{ APP(",'exec':'/bin/sh'"),
		  "app.exec: expected an array, got a string" },
		{ APP(",'exec':['/bin/sh',1]"),
		  "app.exec[1]: expected a string, got an integer" },
		{ APP(",'exec':['','x']"), "app.exec[0]: empty program name" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void supplementary_gids_are_ids_in_either_spelling(void **state)
{
	static const struct manifest_case cases[] = {
		{ APP(",'supplementaryGIDs':[0,4294967294]"), NULL },
		{ APP(",'supplementaryGids':[10]"), NULL },
		{ APP(",'supplementaryGIDs':[1],'supplementaryGids':[2]"),
		  "app: both \"supplementaryGIDs\" and \"supplementaryGids\"" },
		{ APP(",'supplementaryGIDs':[-1]"),
		  "app.supplementaryGIDs[0]: -1 is out of range" },
		{ APP(",'supplementaryGIDs':[1,4294967295]"),
		  "app.supplementaryGIDs[1]: 4294967295 is out of range" },
		{ APP(",'supplementaryGids':['10']"),
		  "app.supplementaryGids[0]: expected an integer, got a"
		  " string" },
		{ APP(",'supplementaryGIDs':[1.5]"),
		  "app.supplementaryGIDs[0]: expected an integer, got a"
		  " fractional number" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void working_directory_is_absolute(void **state)
{
	static const struct manifest_case cases[] = {
		{ APP(",'workingDirectory':'/opt/work'"), NULL },
		{ APP(",'workingDirectory':'opt'"),
		  "app.workingDirectory: \"opt\" is not an absolute path" },
		{ APP(",'workingDirectory':''"),
		  "app.workingDirectory: \"\" is not an absolute path" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void environment_names_are_valid_and_unique(void **state)
{
	static const struct manifest_case cases[] = {
		{ APP(",'environment':[{'name':'PATH','value':'/bin'},"
		      "{'name':'_a.b-c','value':''}]"),
		  NULL },
		{ APP(",'environment':[{'name':'A','value':'1'},"
		      "{'name':'B','value':'2'},"
		      "{'name':'1BAD','value':'3'}]"),
		  "app.environment[2].name: \"1BAD\" is not a valid name" },
		{ APP(",'environment':[{'name':'A=B','value':'1'}]"),
		  "app.environment[0].name: \"A=B\" is not a valid name" },
		{ APP(",'environment':[{'name':'A','value':'1'},"
		      "{'name':'A','value':'2'}]"),
		  "app.environment[1]: duplicate environment variable \"A\"" },
		{ APP(",'environment':[{'name':'A'}]"),
		  "app.environment[0]: missing required field \"value\"" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void event_handlers_are_pre_start_or_post_stop_once_each(void **state)
{
	static const struct manifest_case cases[] = {
		{ APP(",'eventHandlers':[{'name':'pre-start','exec':['/a']},"
		      "{'name':'post-stop','exec':['/b','x']}]"),
		  NULL },
		{ APP(",'eventHandlers':[{'name':'pre-stop','exec':['/a']}]"),
		  "app.eventHandlers[0].name: \"pre-stop\" is not an event" },
		{ APP(",'eventHandlers':[{'name':'pre-start','exec':['/a']},"
		      "{'name':'pre-start','exec':['/b']}]"),
		  "app.eventHandlers[1]: duplicate event handler"
		  " \"pre-start\"" },
		{ APP(",'eventHandlers':[{'name':'pre-start','exec':[]}]"),
		  "app.eventHandlers[0].exec: must not be empty" },
		{ APP(",'eventHandlers':[{'name':'pre-start'}]"),
		  "app.eventHandlers[0]: missing required field \"exec\"" },
		{ APP(",'eventHandlers':[{'name':'pre-start','exec':[true]}]"),
		  "app.eventHandlers[0].exec[0]: expected a string" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void isolators_must_be_known_and_well_formed(void **state)
{
	static const struct manifest_case cases[] = {
		{ ISO("resource/gpu", "{}"),
		  "app.isolators[0].name: \"resource/gpu\" is not an isolator"
		  " fly knows" },
		{ APP(",'isolators':[{'name':'os/linux/no-new-privileges'}]"),
		  "app.isolators[0]: missing required field \"value\"" },
		{ APP(",'isolators':{}"),
		  "app.isolators: expected an array, got an object" },
		{ ISO("os/unix/sysctl", "{'net.ipv4.ip_forward':'1'}"),
		  "app.isolators[0].name: \"os/unix/sysctl\" is allowed only"
		  " in a pod manifest" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void cpu_and_memory_isolators_take_request_and_limit(void **state)
{
	static const struct manifest_case cases[] = {
		{ ISO("resource/cpu", "{'request':'250m','limit':'500m'}"),
		  NULL },
		{ ISO("resource/memory", "{'limit':'1.5Gi'}"), NULL },
		{ ISO("resource/memory", "{'request':'1G','default':false}"),
		  NULL },
		{ ISO("resource/cpu", "'1'"),
		  "app.isolators[0].value: expected an object, got a string" },
		{ ISO("resource/cpu", "{'limit':'5 cores'}"),
		  "app.isolators[0].value.limit: \"5 cores\" is not a"
		  " quantity" },
		{ ISO("resource/memory", "{'request':'1GB'}"),
		  "app.isolators[0].value.request: \"1GB\" is not a"
		  " quantity" },
		{ ISO("resource/memory", "{'limit':'-1G'}"),
		  "app.isolators[0].value.limit: \"-1G\" is negative" },
		{ ISO("resource/cpu", "{'limit':1}"),
		  "app.isolators[0].value.limit: expected a string" },
		{ ISO("resource/cpu", "{'limit':'1','default':true}"),
		  "app.isolators[0].value.default: must be false" },
		{ ISO("resource/cpu", "{'max':'1'}"),
		  "app.isolators[0].value.max: unknown field" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void bandwidth_and_iops_isolators_need_default_true(void **state)
{
	static const struct manifest_case cases[] = {
		{ ISO("resource/block-bandwidth",
		      "{'default':true,'limit':'2M'}"),
		  NULL },
		{ ISO("resource/block-iops", "{'default':true,'limit':'1000'}"),
		  NULL },
		{ ISO("resource/network-bandwidth",
		      "{'default':true,'limit':'1G'}"),
		  NULL },
		{ ISO("resource/block-bandwidth",
		      "{'default':false,'limit':'2M'}"),
		  "app.isolators[0].value.default: must be true" },
		{ ISO("resource/block-iops", "{'limit':'1000'}"),
		  "app.isolators[0].value: missing required field"
		  " \"default\"" },
		{ ISO("resource/network-bandwidth",
		      "{'default':true,'request':'1G'}"),
		  "app.isolators[0].value.request: not supported" },
		{ ISO("resource/block-bandwidth",
		      "{'default':true,'limit':'fast'}"),
		  "app.isolators[0].value.limit: \"fast\" is not a quantity" },
		{ ISO("resource/network-bandwidth", "{'default':'yes'}"),
		  "app.isolators[0].value.default: expected a boolean" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void capability_sets_are_non_empty_and_exclusive(void **state)
{
	static const struct manifest_case cases[] = {
		{ ISO("os/linux/capabilities-retain-set",
		      "{'set':['CAP_NET_BIND_SERVICE']}"),
		  NULL },
		{ ISO("os/linux/capabilities-remove-set",
		      "{'set':['CAP_SYS_CHROOT','CAP_MKNOD']}"),
		  NULL },
		{ ISO("os/linux/capabilities-retain-set", "{'set':[]}"),
		  "app.isolators[0].value.set: must not be empty" },
		{ ISO("os/linux/capabilities-retain-set", "{}"),
		  "app.isolators[0].value: missing required field \"set\"" },
		{ ISO("os/linux/capabilities-remove-set", "{'set':[1]}"),
		  "app.isolators[0].value.set[0]: expected a string" },
		{ ISO("os/linux/capabilities-remove-set", "{'set':['']}"),
		  "app.isolators[0].value.set[0]: must not be empty" },
		{ APP(",'isolators':["
		      "{'name':'os/linux/capabilities-retain-set',"
		      "'value':{'set':['CAP_KILL']}},"
		      "{'name':'os/linux/capabilities-remove-set',"
		      "'value':{'set':['CAP_KILL']}}]"),
		  "app.isolators[1]: \"os/linux/capabilities-remove-set\""
		  " cannot be combined with"
		  " \"os/linux/capabilities-retain-set\"" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void seccomp_sets_are_single_with_an_errno_name(void **state)
{
	static const struct manifest_case cases[] = {
		{ ISO("os/linux/seccomp-remove-set",
		      "{'errno':'ENOTSUP','set':['reboot']}"),
		  NULL },
		{ ISO("os/linux/seccomp-retain-set",
		      "{'errno':'','set':['@appc.io/all']}"),
		  NULL },
		{ ISO("os/linux/seccomp-retain-set",
		      "{'errno':'E2BIG','set':['read']}"),
		  NULL },
		{ ISO("os/linux/seccomp-remove-set", "{'set':[]}"),
		  "app.isolators[0].value.set: must not be empty" },
		{ ISO("os/linux/seccomp-remove-set",
		      "{'errno':'eperm','set':['reboot']}"),
		  "app.isolators[0].value.errno: \"eperm\" is not an errno"
		  " name" },
		{ ISO("os/linux/seccomp-remove-set",
		      "{'errno':'PERM','set':['reboot']}"),
		  "app.isolators[0].value.errno: \"PERM\" is not an errno" },
		{ ISO("os/linux/seccomp-remove-set",
		      "{'errno':1,'set':['reboot']}"),
		  "app.isolators[0].value.errno: expected a string" },
		{ APP(",'isolators':["
		      "{'name':'os/linux/seccomp-retain-set',"
		      "'value':{'set':['read']}},"
		      "{'name':'os/linux/seccomp-remove-set',"
		      "'value':{'set':['reboot']}}]"),
		  "app.isolators[1]: \"os/linux/seccomp-remove-set\" cannot be"
		  " combined with \"os/linux/seccomp-retain-set\"" },
		{ APP(",'isolators':["
		      "{'name':'os/linux/seccomp-remove-set',"
		      "'value':{'set':['read']}},"
		      "{'name':'os/linux/seccomp-remove-set',"
		      "'value':{'set':['reboot']}}]"),
		  "app.isolators[1]: duplicate isolator"
		  " \"os/linux/seccomp-remove-set\"" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void linux_isolators_check_their_value_types_and_ranges(void **state)
{
	static const struct manifest_case cases[] = {
		{ ISO("os/linux/no-new-privileges", "true"), NULL },
		{ ISO("os/linux/no-new-privileges", "'yes'"),
		  "app.isolators[0].value: expected a boolean, got a string" },
		{ ISO("os/linux/selinux-context",
		      "{'user':'system_u','role':'system_r',"
		      "'type':'dhcpc_t','level':'s0:c1,c2'}"),
		  NULL },
		{ ISO("os/linux/selinux-context",
		      "{'user':'system_u','role':'system_r','type':'t'}"),
		  "app.isolators[0].value: missing required field \"level\"" },
		{ ISO("os/linux/selinux-context",
		      "{'user':'u','role':'r','type':'','level':'s0'}"),
		  "app.isolators[0].value.type: must not be empty" },
		{ APP(",'isolators':["
		      "{'name':'os/linux/selinux-context','value':"
		      "{'user':'u','role':'r','type':'t','level':'s0'}},"
		      "{'name':'os/linux/selinux-context','value':"
		      "{'user':'u','role':'r','type':'t','level':'s0'}}]"),
		  "app.isolators[1]: duplicate isolator" },
		{ ISO("os/linux/oom-score-adj", "-1000"), NULL },
		{ ISO("os/linux/oom-score-adj", "1000"), NULL },
		{ ISO("os/linux/oom-score-adj", "1001"),
		  "app.isolators[0].value: 1001 is out of range (-1000 to"
		  " 1000)" },
		{ ISO("os/linux/oom-score-adj", "'5'"),
		  "app.isolators[0].value: expected an integer, got a string" },
		{ ISO("os/linux/cpu-shares", "2"), NULL },
		{ ISO("os/linux/cpu-shares", "262144"), NULL },
		{ ISO("os/linux/cpu-shares", "1"),
		  "app.isolators[0].value: 1 is out of range (2 to 262144)" },
		{ ISO("os/linux/cpu-shares", "262145"),
		  "app.isolators[0].value: 262145 is out of range" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void mount_points_have_unique_names_and_absolute_paths(void **state)
{
	static const struct manifest_case cases[] = {
		{ APP(",'mountPoints':[{'name':'work','path':'/var/lib/work',"
		      "'readOnly':true},{'name':'cache','path':'/c'}]"),
		  NULL },
		{ APP(",'mountPoints':[{'name':'Work','path':'/w'}]"),
		  "app.mountPoints[0].name: \"Work\" is not a valid name" },
		{ APP(",'mountPoints':[{'name':'work','path':'w'}]"),
		  "app.mountPoints[0].path: \"w\" is not an absolute path" },
		{ APP(",'mountPoints':[{'name':'work'}]"),
		  "app.mountPoints[0]: missing required field \"path\"" },
		{ APP(",'mountPoints':[{'name':'w','path':'/a'},"
		      "{'name':'w','path':'/b'}]"),
		  "app.mountPoints[1]: duplicate mount point \"w\"" },
		{ APP(",'mountPoints':[{'name':'w','path':'/a',"
		      "'readOnly':'true'}]"),
		  "app.mountPoints[0].readOnly: expected a boolean, got a"
		  " string" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void ports_stay_within_1_to_65535(void **state)
{
	static const struct manifest_case cases[] = {
		{ APP(",'ports':[{'name':'health','port':4000,"
		      "'protocol':'tcp','socketActivated':true},"
		      "{'name':'ftp-data','port':20000,'count':1000,"
		      "'protocol':'tcp'}]"),
		  NULL },
		{ APP(",'ports':[{'name':'a','port':65535,'protocol':'udp'}]"),
		  NULL },
		{ APP(",'ports':[{'name':'a','port':65000,'count':536,"
		      "'protocol':'tcp'}]"),
		  NULL },
		{ APP(",'ports':[{'name':'a','port':65000,'count':537,"
		      "'protocol':'tcp'}]"),
		  "app.ports[0]: ports 65000 to 65536 go beyond 65535" },
		{ APP(",'ports':[{'name':'a','port':0,'protocol':'tcp'}]"),
		  "app.ports[0].port: 0 is out of range (1 to 65535)" },
		{ APP(",'ports':[{'name':'a','port':65536,'protocol':'tcp'}]"),
		  "app.ports[0].port: 65536 is out of range" },
		{ APP(",'ports':[{'name':'a','port':1,'count':0,"
		      "'protocol':'tcp'}]"),
		  "app.ports[0].count: 0 is out of range" },
		{ APP(",'ports':[{'name':'a','port':1,'protocol':''}]"),
		  "app.ports[0].protocol: must not be empty" },
		{ APP(",'ports':[{'name':'a','port':1}]"),
		  "app.ports[0]: missing required field \"protocol\"" },
		{ APP(",'ports':[{'name':'A','port':1,'protocol':'tcp'}]"),
		  "app.ports[0].name: \"A\" is not a valid name" },
		{ APP(",'ports':[{'name':'a','port':1,'protocol':'tcp',"
		      "'socketActivated':1}]"),
		  "app.ports[0].socketActivated: expected a boolean" },
		{ APP(",'ports':[{'name':'a','port':1,'protocol':'tcp'},"
		      "{'name':'a','port':2,'protocol':'tcp'}]"),
		  "app.ports[1]: duplicate port \"a\"" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void user_annotations_and_labels_are_string_maps(void **state)
{
	static const struct manifest_case cases[] = {
		{ APP(",'userAnnotations':{'Any Key':'v'},"
		      "'userLabels':{'team':'x'}"),
		  NULL },
		{ APP(",'userAnnotations':{'a':true}"),
		  "app.userAnnotations.a: expected a string, got a boolean" },
		{ APP(",'userLabels':['a']"),
		  "app.userLabels: expected an object, got an array" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void dependencies_name_an_image_and_may_pin_its_id(void **state)
{
	static const struct manifest_case cases[] = {
		{ IMG(",'dependencies':[{'imageName':'example.com/base',"
		      "'imageID':'" ID "','labels':[{'name':'os',"
		      "'value':'linux'}],'size':22017258}]"),
		  NULL },
		{ IMG(",'dependencies':[{'imageName':'example.com/base'}]"),
		  NULL },
		{ IMG(",'dependencies':[{'imageID':'" ID "'}]"),
		  "dependencies[0]: missing required field \"imageName\"" },
		{ IMG(",'dependencies':[{'imageName':'Base'}]"),
		  "dependencies[0].imageName: \"Base\" is not a valid name" },
		{ IMG(",'dependencies':[{'imageName':'b',"
		      "'imageID':'sha512-abc'}]"),
		  "dependencies[0].imageID: \"sha512-abc\" is not an image"
		  " ID" },
		{ IMG(",'dependencies':[{'imageName':'b','labels':"
		      "[{'name':'name','value':'x'}]}]"),
		  "dependencies[0].labels[0].name: \"name\" is not allowed" },
		{ IMG(",'dependencies':[{'imageName':'b','size':-1}]"),
		  "dependencies[0].size: -1 is out of range" },
		{ IMG(",'dependencies':[{'imageName':'b','size':'1'}]"),
		  "dependencies[0].size: expected an integer" },
		{ IMG(",'dependencies':[{'imageName':'b','imageId':'x'}]"),
		  "dependencies[0].imageId: unknown field" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void path_whitelist_holds_absolute_paths(void **state)
{
	static const struct manifest_case cases[] = {
		{ IMG(",'pathWhitelist':['/etc/a','/usr/bin/b','/etc/d/']"),
		  NULL },
		{ IMG(",'pathWhitelist':[]"), NULL },
		{ IMG(",'pathWhitelist':['/a','etc/x']"),
		  "pathWhitelist[1]: \"etc/x\" is not an absolute path" },
		{ IMG(",'pathWhitelist':[1]"),
		  "pathWhitelist[0]: expected a string, got an integer" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void annotations_are_unique_with_checked_well_known_values(void **state)
{
	static const struct manifest_case cases[] = {
		{ IMG(",'annotations':[{'name':'authors','value':'C <c@x>'},"
		      "{'name':'created',"
		      "'value':'2014-10-27T19:32:27.67021798Z'},"
		      "{'name':'documentation',"
		      "'value':'https://example.com/docs'},"
		      "{'name':'homepage','value':'http://example.com'}]"),
		  NULL },
		{ IMG(",'annotations':[{'name':'created',"
		      "'value':'2014-10-27 19:32:27Z'}]"),
		  "annotations[0].value: \"2014-10-27 19:32:27Z\" is not an"
		  " RFC 3339 timestamp" },
		{ IMG(",'annotations':[{'name':'homepage',"
		      "'value':'ftp://example.com'}]"),
		  "annotations[0].value: \"ftp://example.com\" is not an http"
		  " or https URL" },
		{ IMG(",'annotations':[{'name':'documentation',"
		      "'value':'https://'}]"),
		  "annotations[0].value: \"https://\" is not an http" },
		{ IMG(",'annotations':[{'name':'authors','value':'a'},"
		      "{'name':'authors','value':'b'}]"),
		  "annotations[1]: duplicate annotation \"authors\"" },
		{ IMG(",'annotations':[{'name':'Authors','value':'a'}]"),
		  "annotations[0].name: \"Authors\" is not a valid name" },
		{ IMG(",'annotations':[{'name':'appc.io/executor/"
		      "supports-systemd-notify','value':false}]"),
		  "annotations[0].value: expected a string, got a boolean" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static void values_in_messages_are_quoted_and_escaped(void **state)
{
	static const struct manifest_case cases[] = {
		{ "{'acKind':'ImageManifest','acVersion':'0.8.11',"
		  "'name':'a\\nb'}",
		  "name: \"a\\nb\" is not a valid name" },
	};

	(void)state;
	check_cases(cases, N(cases));
}

static const char full_manifest[] =
	"{'acKind':'ImageManifest','acVersion':'0.8.11',"
	"'name':'example.com/reduce-worker',"
	"'labels':[{'name':'version','value':'1.0.0'},"
	"{'name':'os','value':'linux'},{'name':'arch','value':'amd64'}],"
	"'app':{'exec':['/usr/bin/reduce-worker','--quiet'],"
	"'user':'100','group':'300','supplementaryGids':[400,500],"
	"'eventHandlers':[{'exec':['/usr/bin/data-downloader'],"
	"'name':'pre-start'}],"
	"'workingDirectory':'/opt/work',"
	"'environment':[{'name':'REDUCE_WORKER_DEBUG','value':'true'}],"
	"'isolators':[{'name':'resource/cpu',"
	"'value':{'request':'250m','limit':'500m'}}],"
	"'mountPoints':[{'name':'work','path':'/var/lib/work',"
	"'readOnly':true}],"
	"'ports':[{'name':'health','port':4000,'protocol':'tcp',"
	"'socketActivated':true},{'name':'web','port':80,"
	"'protocol':'tcp'}],"
	"'userLabels':{'team':'data'}},"
	"'dependencies':[{'imageName':'example.com/base',"
	"'imageID':'" ID "','size':22017258}],"
	"'pathWhitelist':['/etc/reduce-worker.conf'],"
	"'annotations':[{'name':'authors','value':'Carly'}]}";

static struct fly_image_manifest *parse_ok(const char *json)
{
	struct fly_image_manifest *m = NULL;
	struct fly_error err = { 0 };
	char *text = unquote(json);

	if (fly_image_manifest_parse(text, strlen(text), &m, &err) < 0)
		fail_msg("refused: %s", err.msg);
	free(text);
	return m;
}

static void a_parsed_manifest_holds_every_field(void **state)
{
	struct fly_image_manifest *m = parse_ok(full_manifest);
	const struct fly_app *app = m->app;

	(void)state;
	assert_string_equal(m->ac_version, "0.8.11");
	assert_string_equal(m->name, "example.com/reduce-worker");
	assert_int_equal(m->n_labels, 3);
	assert_string_equal(fly_name_value_get(m->labels, m->n_labels, "os"),
			    "linux");
	assert_null(fly_name_value_get(m->labels, m->n_labels, "env"));
	assert_string_equal(app->exec[0], "/usr/bin/reduce-worker");
	assert_string_equal(app->exec[1], "--quiet");
	assert_null(app->exec[2]);
	assert_string_equal(app->user, "100");
	assert_string_equal(app->group, "300");
	assert_int_equal(app->n_supplementary_gids, 2);
	assert_int_equal(app->supplementary_gids[1], 500);
	assert_string_equal(app->working_directory, "/opt/work");
	assert_string_equal(app->environment[0].value, "true");
	assert_string_equal(app->event_handlers[0].name, "pre-start");
	assert_string_equal(app->event_handlers[0].exec[0],
			    "/usr/bin/data-downloader");
	assert_string_equal(app->isolators[0].name, "resource/cpu");
	assert_string_equal(json_string_value(json_object_get(
				    app->isolators[0].value, "limit")),
			    "500m");
	assert_true(app->mount_points[0].read_only);
	assert_int_equal(app->ports[0].count, 1);
	assert_true(app->ports[0].socket_activated);
	assert_false(app->ports[1].socket_activated);
	assert_string_equal(app->user_labels[0].value, "data");
	assert_string_equal(m->dependencies[0].image_id, ID);
	assert_int_equal(m->dependencies[0].size, 22017258);
	assert_string_equal(m->path_whitelist[0], "/etc/reduce-worker.conf");
	assert_null(m->path_whitelist[1]);
	assert_string_equal(m->annotations[0].value, "Carly");
	assert_non_null(json_object_get(m->json, "app"));
	fly_image_manifest_free(m);
}

static void absent_optional_fields_read_as_empty(void **state)
{
	struct fly_image_manifest *m = parse_ok(APP(",'exec':null"));

	(void)state;
	assert_int_equal(m->n_labels, 0);
	assert_int_equal(m->n_dependencies, 0);
	assert_null(m->path_whitelist[0]);
	assert_null(m->app->exec[0]);
	assert_null(m->app->working_directory);
	assert_int_equal(m->app->n_isolators, 0);
	fly_image_manifest_free(m);
}

static void an_app_from_a_pod_prefixes_its_own_path_and_allows_sysctl(
	void **state)
{
	char *text = unquote("{'user':'0','group':'0','isolators':["
			     "{'name':'os/unix/sysctl','value':"
			     "{'net.ipv4.ip_forward':'1'}}]}");
	json_t *obj = json_loads(text, 0, NULL);
	struct fly_error err = { 0 };
	struct fly_app *app = NULL;

	(void)state;
	assert_int_equal(fly_app_parse(obj, "apps[0].app", &app, &err), -1);
	assert_string_equal(err.msg,
			    "apps[0].app.isolators[0].name:"
			    " \"os/unix/sysctl\" is allowed only in a pod"
			    " manifest");
	assert_null(app);
	assert_int_equal(fly_app_parse_scoped(obj, "apps[0].app", FLY_SCOPE_POD,
					      &app, &err),
			 0);
	assert_string_equal(app->isolators[0].name, "os/unix/sysctl");
	fly_app_free(app);
	json_decref(obj);
	free(text);
}

static void an_app_written_as_json_parses_back_the_same(void **state)
{
	struct fly_image_manifest *m = parse_ok(full_manifest);
	struct fly_error err = { 0 };
	struct fly_app *again = NULL;
	json_t *first = fly_app_to_json(m->app);
	json_t *second;

	(void)state;
	assert_non_null(first);
	assert_non_null(json_object_get(first, "supplementaryGIDs"));
	assert_int_equal(fly_app_parse(first, "app", &again, &err), 0);
	second = fly_app_to_json(again);
	assert_true(json_equal(first, second));
	assert_int_equal(again->n_supplementary_gids, 2);
	assert_true(again->mount_points[0].read_only);
	json_decref(first);
	json_decref(second);
	fly_app_free(again);
	fly_image_manifest_free(m);
}

static void an_app_with_a_string_that_is_not_utf8_cannot_be_written(
	void **state)
{
	char user[] = "\xff";
	char *exec[] = { NULL };
	struct fly_app app = { .exec = exec, .user = user, .group = user };

	(void)state;
	assert_null(fly_app_to_json(&app));
}

static void free_functions_accept_null(void **state)
{
	(void)state;
	fly_image_manifest_free(NULL);
	fly_app_free(NULL);
	fly_name_values_free(NULL, 0);
	fly_isolators_free(NULL, 0);
	fly_port_clear(NULL);
	assert_null(fly_name_value_get(NULL, 0, "os"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_document_must_be_one_json_object),
		cmocka_unit_test(duplicate_keys_are_reported_by_jansson),
		cmocka_unit_test(
			ac_kind_version_and_name_are_required_and_checked),
		cmocka_unit_test(
			labels_have_unique_valid_names_and_a_known_os_and_arch),
		cmocka_unit_test(an_app_needs_a_user_and_a_group),
		cmocka_unit_test(exec_is_an_array_of_strings_that_may_be_empty),
		cmocka_unit_test(supplementary_gids_are_ids_in_either_spelling),
		cmocka_unit_test(working_directory_is_absolute),
		cmocka_unit_test(environment_names_are_valid_and_unique),
		cmocka_unit_test(
			event_handlers_are_pre_start_or_post_stop_once_each),
		cmocka_unit_test(isolators_must_be_known_and_well_formed),
		cmocka_unit_test(
			cpu_and_memory_isolators_take_request_and_limit),
		cmocka_unit_test(
			bandwidth_and_iops_isolators_need_default_true),
		cmocka_unit_test(capability_sets_are_non_empty_and_exclusive),
		cmocka_unit_test(seccomp_sets_are_single_with_an_errno_name),
		cmocka_unit_test(
			linux_isolators_check_their_value_types_and_ranges),
		cmocka_unit_test(
			mount_points_have_unique_names_and_absolute_paths),
		cmocka_unit_test(ports_stay_within_1_to_65535),
		cmocka_unit_test(user_annotations_and_labels_are_string_maps),
		cmocka_unit_test(dependencies_name_an_image_and_may_pin_its_id),
		cmocka_unit_test(path_whitelist_holds_absolute_paths),
		cmocka_unit_test(
			annotations_are_unique_with_checked_well_known_values),
		cmocka_unit_test(values_in_messages_are_quoted_and_escaped),
		cmocka_unit_test(a_parsed_manifest_holds_every_field),
		cmocka_unit_test(absent_optional_fields_read_as_empty),
		cmocka_unit_test(
			an_app_from_a_pod_prefixes_its_own_path_and_allows_sysctl),
		cmocka_unit_test(an_app_written_as_json_parses_back_the_same),
		cmocka_unit_test(
			an_app_with_a_string_that_is_not_utf8_cannot_be_written),
		cmocka_unit_test(free_functions_accept_null),
	};

	return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}
