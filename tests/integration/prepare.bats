#!/usr/bin/env bats
# fly prepare, fly run-prepared and fly run --pod-manifest
# (behaviour.md sections 1 and 4).
# shellcheck disable=SC2154 # stderr is set by bats' run

load helpers

setup_file() {
	IMG=$BATS_FILE_TMPDIR/std.aci
	"$FIXTURES/mkimage" "$IMG"
	export IMG
}

setup() { fly_setup; }
teardown() { fly_teardown; }

# pod_manifest ID [APP_MEMBERS] [VOLUMES_JSON] [MOUNTS_JSON] [EXTRA]
pod_manifest() {
	local app=""

	[ -z "${2:-}" ] || app="\"app\": {$2},"
	printf '{\n  "acKind": "PodManifest",\n  "acVersion": "0.8.11",\n'
	printf '  "apps": [{\n    "name": "probe",\n'
	printf '    "image": { "id": "%s" },\n    %s\n' "$1" "$app"
	printf '    "mounts": %s%s\n  }],\n' "${4:-[]}" "${5:+, $5}"
	printf '  "volumes": %s\n}\n' "${3:-[]}"
}

image_id() {
	"$IMPL" image fetch "$IMG"
}

# bats test_tags=area:lifecycle,core
@test "prepare prints a UUID and leaves a prepared pod that has not started" {
	run_fly -0 --separate-stderr prepare "$IMG"
	assert_output --regexp '^[0-9a-f-]{36}$'
	pod=$FLY_DIR/pods/prepared/$output
	assert [ -f "$pod/pod" ]
	assert [ ! -e "$pod/pid" ]
	assert [ ! -e "$FLY_DIR/pods/run/$output" ]
}

# bats test_tags=area:lifecycle,core
@test "prepare then run-prepared gives the same result as run" {
	flags=(--set-env=A=1 --working-dir=/etc)
	run_fly -5 run "${flags[@]}" "$IMG" --exec=/inspect -- env cwd ids exit=5
	direct=$output
	run_fly -0 prepare "${flags[@]}" "$IMG" --exec=/inspect -- env cwd ids exit=5
	uuid=$output
	run_fly -5 run-prepared "$uuid"
	assert_equal "$output" "$direct"
	[ -d "$FLY_DIR/pods/run/$uuid" ]
	[ ! -e "$FLY_DIR/pods/prepared/$uuid" ]
}

# bats test_tags=area:lifecycle,fly
@test "run-prepared takes an unambiguous prefix or --uuid-file, once" {
	run_fly -0 prepare --uuid-file-save="$WORK/uuid" "$IMG" \
		--exec=/inspect -- echo=ran
	assert_equal "$output" "$(cat uuid)"
	run_fly -0 run-prepared --uuid-file="$WORK/uuid"
	assert_output 'echo ran'
	run_fly -254 run-prepared --uuid-file="$WORK/uuid"
	assert_output --partial 'is exited, not prepared'
	run_fly -0 prepare "$IMG" --exec=/inspect -- echo=again
	run_fly -0 run-prepared "${output:0:8}"
	assert_output 'echo again'
}

# covers: 3.6.2 3.6.3
# bats test_tags=area:lifecycle,fly
@test "run-prepared of an unknown UUID is an error; no UUID is a usage error" {
	run_fly -254 run-prepared 00000000
	assert_output --partial 'pod "00000000" not found'
	run_fly -2 run-prepared
}

# covers: 3.0.2
# bats test_tags=area:lifecycle,core
@test "--uuid-file-save on run writes the pod's UUID" {
	run_fly -0 run --uuid-file-save="$WORK/uuid" "$IMG" --exec=/bin/true
	[ -d "$FLY_DIR/pods/run/$(cat uuid)" ]
}

# bats test_tags=area:lifecycle,core
@test "--pod-manifest runs the pod it describes" {
	id=$(image_id)
	mkdir src && echo from-host >src/f
	pod_manifest "$id" \
		'"exec": ["/inspect", "read=/mnt/f", "env", "ids"],
		"user": "0", "group": "0",
		"environment": [{"name": "FROM", "value": "manifest"}]' \
		"[{\"name\": \"v\", \"kind\": \"host\", \"source\": \"$WORK/src\"}]" \
		'[{"volume": "v", "path": "/mnt"}]' >pod.json
	run_fly -0 run --pod-manifest=pod.json
	assert_line 'read /mnt/f: ok from-host\n'
	assert_line 'env FROM=manifest'
}

# covers: 3.3.4
# bats test_tags=area:env,extension
@test "with --pod-manifest, AC_APP_NAME is the pod's name for the app" {
	id=$(image_id)
	pod_manifest "$id" \
		'"exec": ["/inspect", "env"], "user": "0", "group": "0"' >pod.json
	run_fly -0 run --pod-manifest=pod.json
	assert_line 'env AC_APP_NAME=probe'
	assert_line 'env container=fly'
}

# bats test_tags=area:mounts,fly
@test "readOnlyRootFS makes the root read-only while volumes stay writable" {
	id=$(image_id)
	mkdir src
	pod_manifest "$id" \
		'"exec": ["/inspect", "write=/x", "write=/mnt/x"], "user": "0", "group": "0"' \
		"[{\"name\": \"v\", \"kind\": \"host\", \"source\": \"$WORK/src\"}]" \
		'[{"volume": "v", "path": "/mnt"}]' '"readOnlyRootFS": true' >pod.json
	run_fly -0 run --pod-manifest=pod.json
	assert_line 'write /x: error Read-only file system'
	assert_line 'write /mnt/x: ok'
}

# covers: 3.0.1
# bats test_tags=area:lifecycle,fly
@test "an invalid pod manifest is refused with the JSON path" {
	id=$(image_id)
	pod_manifest "$id" '' \
		'[{"name": "v", "kind": "host", "source": "relative"}]' >pod.json
	run_fly -254 --separate-stderr run --pod-manifest=pod.json
	assert_regex "$stderr" 'volumes\[0\]\.source'
	run find "$FLY_DIR" -mindepth 3 -maxdepth 3 -path '*/pods/*'
	assert_output ''
}

# covers: 3.6.3
# bats test_tags=area:lifecycle,fly
@test "--pod-manifest with an image or with --volume is a usage error" {
	echo '{}' >pod.json
	run_fly -2 run --pod-manifest=pod.json "$IMG"
	assert_output --partial 'cannot be given too'
	run_fly -2 run --pod-manifest=pod.json --volume=v,kind=empty
	assert_output --partial '--volume cannot be given too'
}

# covers: 3.6.2
# bats test_tags=area:lifecycle,fly
@test "a pod manifest naming an image not in the store is an error" {
	pod_manifest "sha512-$(printf '%0128d' 0)" >pod.json
	run_fly -254 run --pod-manifest=pod.json
	assert_output --partial 'apps[0].image.id'
}
