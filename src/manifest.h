/* The appc image manifest, parsed and strictly validated.
 *
 * Errors name the JSON path of the offending field and never carry a
 * "manifest" prefix; callers add where the manifest came from, e.g.
 *   app.environment[2].name: "1BAD" is not a valid name          */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct fly_name_value { /* labels, annotations, environment */
	char *name;
	char *value;
};

struct fly_mount_point {
	char *name; /* ACName */
	char *path; /* absolute */
	bool read_only;
};

struct fly_port {
	char *name;
	char *protocol;
	unsigned int port;
	unsigned int count;
	bool socket_activated;
};

struct fly_event_handler {
	char *name;  /* "pre-start" or "post-stop" */
	char **exec; /* NULL-terminated */
};

struct fly_isolator {
	char *name;
	json_t *value; /* validated, kept as JSON */
};

struct fly_app {
	char **exec; /* NULL-terminated; may be empty */
	char *user;
	char *group;
	gid_t *supplementary_gids;
	size_t n_supplementary_gids;
	char *working_directory; /* NULL when absent */
	struct fly_name_value *environment;
	size_t n_environment;
	struct fly_event_handler *event_handlers;
	size_t n_event_handlers;
	struct fly_isolator *isolators;
	size_t n_isolators;
	struct fly_mount_point *mount_points;
	size_t n_mount_points;
	struct fly_port *ports;
	size_t n_ports;
	struct fly_name_value *user_annotations; /* free-form, never used */
	size_t n_user_annotations;
	struct fly_name_value *user_labels; /* free-form, never used */
	size_t n_user_labels;
};

struct fly_dependency {
	char *image_name;
	char *image_id; /* NULL when absent */
	struct fly_name_value *labels;
	size_t n_labels;
	uint64_t size; /* 0 when absent */
};

struct fly_image_manifest {
	char *ac_version;
	char *name;
	struct fly_name_value *labels;
	size_t n_labels;
	struct fly_app *app; /* NULL when the image has no app */
	struct fly_dependency *dependencies;
	size_t n_dependencies;
	char **path_whitelist; /* NULL-terminated; may be empty */
	struct fly_name_value *annotations;
	size_t n_annotations;
	json_t *json; /* the document as parsed */
};

/* Parse and validate the JSON text of an image manifest. */
int fly_image_manifest_parse(const char *text, size_t len,
			     struct fly_image_manifest **ret,
			     struct fly_error *err);
void fly_image_manifest_free(struct fly_image_manifest *m);

/* Validate a parsed "app" object (image manifests and pod manifests share
 * it); path is the JSON path used in messages, e.g. "app".  This is the
 * image manifest's scope; fly_app_parse_scoped() below takes either. */
int fly_app_parse(json_t *obj, const char *path, struct fly_app **ret,
		  struct fly_error *err);
void fly_app_free(struct fly_app *app);

/* The value of a label or annotation, NULL when absent. */
const char *fly_name_value_get(const struct fly_name_value *list, size_t n,
			       const char *name);

/* Where an app section or isolator list stands: os/unix/sysctl is
 * allowed only in a pod manifest. */
enum fly_scope {
	FLY_SCOPE_IMAGE,
	FLY_SCOPE_POD,
};

/* fly_app_parse() for either manifest. */
int fly_app_parse_scoped(json_t *obj, const char *path, enum fly_scope scope,
			 struct fly_app **ret, struct fly_error *err);

/* The app section as JSON that fly_app_parse_scoped() accepts back.
 * NULL when a string in it is not valid UTF-8. */
json_t *fly_app_to_json(const struct fly_app *app);

/* Building blocks shared by the image and pod manifest parsers.  Every
 * path argument is the JSON path of the value, "" for the document. */

enum fly_json_kind {
	FLY_JSON_STRING,
	FLY_JSON_BOOL,
	FLY_JSON_INT,
	FLY_JSON_ARRAY,
	FLY_JSON_OBJECT,
	FLY_JSON_ANY, /* any value, null included */
};

struct fly_json_field { /* one key an object may hold */
	const char *key;
	enum fly_json_kind kind;
	bool required;
};

/* "path: message", or just the message at the document's top. */
__attribute__((format(printf, 3, 4))) int fly_json_fail(struct fly_error *err,
							const char *path,
							const char *fmt, ...);
/* "path: \"value\" message" with value quoted and escaped as JSON. */
__attribute__((format(printf, 4, 5))) int fly_json_fail_value(
	struct fly_error *err, const char *path, const char *value,
	const char *fmt, ...);
/* Both always return -1: told to clang --analyze as in err.h. */
#ifdef __clang_analyzer__
#define fly_json_fail(...) (fly_json_fail(__VA_ARGS__), -1)
#define fly_json_fail_value(...) (fly_json_fail_value(__VA_ARGS__), -1)
#endif
/* The path of key inside the object at path (malloc'ed). */
char *fly_json_path(const char *path, const char *key);
/* obj[key], NULL when absent or null (null stands for absent). */
json_t *fly_json_get(json_t *obj, const char *key);

/* Check that v is an object whose keys are all listed in fields (ended by
 * a NULL key), each of its kind, and that the required ones are present.
 * Unknown keys are refused: appc keeps extensions in annotations, so an
 * unknown key is most likely a misspelt one whose meaning would be lost. */
int fly_json_check_object(json_t *v, const char *path,
			  const struct fly_json_field *fields,
			  struct fly_error *err);
/* Check a manifest's acKind (must be kind) and acVersion (semver, not
 * 0.0.0); *ret_version receives a copy of the version. */
int fly_manifest_check_header(json_t *root, const char *kind,
			      char **ret_version, struct fly_error *err);
/* Check that v is an integer in [min, max]. */
int fly_json_int(json_t *v, const char *path, json_int_t min, json_int_t max,
		 json_int_t *ret, struct fly_error *err);
/* Value checks, failing with "path: \"value\" is not ...". */
int fly_json_check_acidentifier(const char *s, const char *path,
				struct fly_error *err);
int fly_json_check_acname(const char *s, const char *path,
			  struct fly_error *err);
int fly_json_check_image_id(const char *s, const char *path,
			    struct fly_error *err);
int fly_json_check_absolute(const char *s, const char *path,
			    struct fly_error *err);
/* Set obj[key] to v, taking v; false when v is NULL (a string was not
 * valid UTF-8 while v was built).  _list leaves out an empty array or
 * object. */
bool fly_json_put(json_t *obj, const char *key, json_t *v);
bool fly_json_put_list(json_t *obj, const char *key, json_t *v);
/* Parse document text; the top must be an object. */
int fly_json_load(const char *text, size_t len, json_t **ret,
		  struct fly_error *err);

/* {name, value} lists: labels (ACIdentifier names, not "name", os and
 * arch checked) and annotations (ACIdentifier names; created, homepage
 * and documentation checked).  v may be NULL for an absent list. */
int fly_labels_parse(json_t *v, const char *path, struct fly_name_value **ret,
		     size_t *ret_n, struct fly_error *err);
int fly_annotations_parse(json_t *v, const char *path,
			  struct fly_name_value **ret, size_t *ret_n,
			  struct fly_error *err);
/* An object of free-form string values (userAnnotations, userLabels). */
int fly_string_map_parse(json_t *v, const char *path,
			 struct fly_name_value **ret, size_t *ret_n,
			 struct fly_error *err);
void fly_name_values_free(struct fly_name_value *list, size_t n);
json_t *fly_name_values_to_json(const struct fly_name_value *list, size_t n);
json_t *fly_string_map_to_json(const struct fly_name_value *list, size_t n);

int fly_isolators_parse(json_t *v, const char *path, enum fly_scope scope,
			struct fly_isolator **ret, size_t *ret_n,
			struct fly_error *err);
void fly_isolators_free(struct fly_isolator *list, size_t n);
json_t *fly_isolators_to_json(const struct fly_isolator *list, size_t n);

/* One port object of an app (also a pod's podPort). */
int fly_port_parse(json_t *v, const char *path, struct fly_port *ret,
		   struct fly_error *err);
void fly_port_clear(struct fly_port *port);
json_t *fly_port_to_json(const struct fly_port *port);
