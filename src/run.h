/* The run engine: from a pod spec to a running, supervised app
 * (behaviour.md section 3).  The commands (cmd_run.c) build the spec;
 * the engine resolves it, creates or adopts the pod directory, enters
 * the namespaces, mounts and starts the app. */
#pragma once

#include <stdbool.h>

#include "creds.h"
#include "ctx.h"
#include "dns.h"
#include "launch.h"
#include "mountexec.h"
#include "ns.h"
#include "plan.h"
#include "pod.h"
#include "podspec.h"
#include "strv.h"
#include "volumes.h"

struct fly_run {
	struct fly_pod_spec spec;
	char **envp;       /* the app's composed environment */
	int image_lock;    /* keeps the image from removal */
	int store_root_fd; /* the stored image's tree */
	struct fly_creds creds;
	struct fly_volume_use *uses;
	size_t n_uses;
	struct fly_plan_volume *pvols;
	struct fly_strv sources;
	struct fly_dns dns;
	struct fly_hosts hosts;
	char *resolv_text;
	char *hosts_text;
	struct fly_pod pod;
	struct fly_mount_table host_mounts;
	struct fly_mount_plan plan;
	struct fly_mount_state mounts;
	struct fly_userns_map idmap;
	struct fly_launch launch;
	char *root_path;
	bool started; /* the app started: the pod is kept */
};

void fly_run_init(struct fly_run *r);
void fly_run_clear(struct fly_run *r);

/* Open the stored image of r->spec and keep it from removal. */
int fly_run_use_image(const struct fly_ctx *ctx, struct fly_run *r,
		      struct fly_error *err);

/* Everything that can be refused before a pod exists: credentials,
 * volumes, DNS and hosts settings. */
int fly_run_resolve(const struct fly_ctx *ctx, struct fly_run *r,
		    struct fly_error *err);

/* Create the pod directory in pods/STATE with the manifest and env. */
int fly_run_create_pod(const struct fly_ctx *ctx, struct fly_run *r,
		       const char *state, struct fly_error *err);

/* Namespaces, mounts, the app; returns fly's exit status for it. */
int fly_run_start(const struct fly_ctx *ctx, struct fly_run *r,
		  struct fly_error *err);

/* After a failure: detach what was mounted and remove the pod, unless
 * the app had started (then the pod stays for `fly gc`). */
void fly_run_abandon(const struct fly_ctx *ctx, struct fly_run *r);
