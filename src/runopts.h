/* The flags of `fly run` (behaviour.md section 1), parsed and checked. */
#pragma once

#include <stdbool.h>

#include "err.h"
#include "plan.h"
#include "strv.h"
#include "volumes.h"

struct fly_run_opts {
	const char *image;    /* file or store reference */
	const char *exec;     /* --exec, NULL when not given */
	struct fly_strv args; /* after `--` */
	bool has_args;
	struct fly_pod_volume *volumes;
	size_t n_volumes;
	struct fly_pod_mount *mounts;
	size_t n_mounts;
	struct fly_strv set_env;
	struct fly_strv env_files;
	bool inherit_env;
	const char *user;
	const char *group;
	const char *working_dir;
	struct fly_strv dns;
	struct fly_strv dns_search;
	struct fly_strv dns_opt;
	const char *dns_domain;
	struct fly_strv hosts;
	const char *uuid_file_save;
	const char *pod_manifest; /* --pod-manifest=FILE */
	enum fly_ns_mode ns;
	bool read_only_rootfs;
	bool no_overlay;
	bool help;
};

/* Flags may stand before and after IMAGE; arguments for the app follow
 * `--`.  With --pod-manifest there is no IMAGE and the flags that the
 * manifest already says (volumes, mounts, exec, user...) are refused.
 * Mistakes are usage errors. */
int fly_run_opts_parse(int argc, char **argv, struct fly_run_opts *ret,
		       struct fly_error *err);
void fly_run_opts_clear(struct fly_run_opts *o);

extern const char fly_run_usage[];
extern const char fly_prepare_usage[];
