/* What a pod runs, as one validated pod manifest.
 *
 * `fly run` and `fly prepare` turn their flags and the image into a pod
 * manifest; `fly run --pod-manifest` reads one; `fly run-prepared` reads
 * the one `prepare` wrote.  The manifest is parsed back with the same
 * strict rules in every case, so a run is always described by a document
 * fly itself accepts.  Settings appc has no field for travel as pod
 * annotations:
 *
 *   fly/mount-ns      "private" or "host"
 *   fly/dns, fly/dns-search, fly/dns-opt   comma-separated lists
 *   fly/dns-domain
 *   fly/hosts-entry   comma-separated IP=NAME items, or "host"
 *   fly/overlay       "false": the app gets a copy of the image          */
#pragma once

#include "aci.h"
#include "ctx.h"
#include "manifest.h"
#include "plan.h"
#include "podmanifest.h"
#include "runopts.h"

struct fly_pod_spec {
	char id[FLY_ID_LEN + 1];
	struct fly_image_manifest *image; /* the image's own manifest */
	struct fly_pod_manifest *pm;      /* what runs */
	char *text;                       /* pm as JSON text */
};

/* The pod manifest for an image run with these flags: the image's app
 * with --exec, the arguments, --user, --group and --working-dir applied,
 * the volumes that are mounted, and the settings above. */
int fly_pod_spec_from_flags(const struct fly_run_opts *o, const char *id,
			    struct fly_image_manifest *image,
			    struct fly_pod_spec *ret, struct fly_error *err);

/* Parse a pod manifest (from a file or a prepared pod); what gives it
 * the image is the caller's.  src names it in messages. */
int fly_pod_spec_parse(const char *text, size_t len, const char *src,
		       struct fly_pod_manifest **ret, struct fly_error *err);

/* The app that runs: the pod's own app section, else the image's. */
const struct fly_app *fly_pod_spec_app(const struct fly_pod_spec *spec);

/* The settings carried as annotations. */
enum fly_ns_mode fly_pod_spec_ns(const struct fly_pod_spec *spec);
bool fly_pod_spec_overlay(const struct fly_pod_spec *spec);
/* Lists split at commas, for dns.h; free with fly_strv_clear. */
void fly_pod_spec_list(const struct fly_pod_spec *spec, const char *name,
		       struct fly_strv *ret);
const char *fly_pod_spec_annotation(const struct fly_pod_spec *spec,
				    const char *name);

void fly_pod_spec_clear(struct fly_pod_spec *spec);
