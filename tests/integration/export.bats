#!/usr/bin/env bats
# fly export (behaviour.md section 4), in both modes: an exited pod's root
# as a new ACI that fly runs.

load helpers

setup_file() {
	IMG=$BATS_FILE_TMPDIR/std.aci
	"$FIXTURES/mkimage" "$IMG"
	export IMG
}

setup() {
	fly_setup
	FLY_PID=
}

# After a removal in the pod, overlayfs leaves its shared whiteout in
# work/work, a directory of mode 0000 that an unprivileged rm -rf cannot
# empty: open it up first.
teardown() {
	if [ -n "$FLY_PID" ]; then
		kill "$FLY_PID" 2>/dev/null || true
		wait "$FLY_PID" 2>/dev/null || true
	fi
	find "$FLY_DIR/pods" -xdev -type d -path '*/work/*' \
		-exec chmod u+rwx {} + 2>/dev/null || true
	fly_teardown
}

# run_pod [fly run flags...] -- [inspect commands...]: run a pod to its
# end and set POD to its UUID.
run_pod() {
	local flags=()

	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		flags+=("$1")
		shift
	done
	shift
	run_fly -0 run --uuid-file-save="$WORK/uuid" "${flags[@]}" "$IMG" \
		--exec=/inspect -- "$@"
	POD=$(cat "$WORK/uuid")
}

# covers: 4.7
# bats test_tags=area:lifecycle,core
@test "a file the pod wrote is in the exported image" {
	run_pod -- write=/data/hello write=/etc/mark
	run_fly -0 export "$POD" out.aci
	run_fly -0 run out.aci --exec=/inspect -- read=/data/hello read=/etc/mark
	assert_line 'read /data/hello: ok fly\n'
	assert_line 'read /etc/mark: ok fly\n'
}

# covers: 4.7
# bats test_tags=area:lifecycle,core
@test "a file the pod removed stays removed, the others stay" {
	run_fly -0 run --uuid-file-save=uuid "$IMG" --exec=/bin/sh -- \
		-c 'rm /etc/group'
	run_fly -0 export "$(cat uuid)" out.aci
	run_fly -0 run out.aci --exec=/inspect -- read=/etc/group stat=/etc/passwd
	assert_line 'read /etc/group: error No such file or directory'
	assert_line --regexp '^stat /etc/passwd: file 0644 '
}

# covers: 4.7
# bats test_tags=area:lifecycle,fly
@test "the exported manifest is valid: the image's, with the app as it ran" {
	run_pod --working-dir=/data -- echo=ran
	run_fly -0 export "$POD" out.aci
	run_fly -0 image fetch out.aci
	id=$output
	run_fly -0 image cat-manifest "$id"
	run jq -c '[.name, .labels[0].value, .app.exec, .app.workingDirectory]' \
		<<<"$output"
	assert_output '["example.com/fly-test","1.0.0",["/inspect","echo=ran"],"/data"]'
	run_fly -0 run out.aci
	assert_output 'echo ran'
}

# covers: 4.7
# bats test_tags=area:lifecycle,fly
@test "an image's dependencies are rendered into the exported layer" {
	make_image base.aci example.com/base -
	make_image app.aci example.com/app '["/inspect", "echo=app"]' '' \
		'"dependencies": [{"imageName": "example.com/base"}]'
	run_fly -0 image fetch base.aci
	run_fly -0 run --uuid-file-save=uuid app.aci
	run_fly -0 export "$(cat uuid)" out.aci
	run_fly -0 image fetch out.aci
	run_fly -0 image cat-manifest "$output"
	refute_output --partial 'dependencies'
}

# bats test_tags=area:lifecycle,fly
@test "export refuses a running pod" {
	"$IMPL" run --uuid-file-save=uuid "$IMG" --exec=/inspect -- \
		echo=started sleep=30 >app.out 2>&1 &
	FLY_PID=$!
	for _ in $(seq 100); do
		grep -qx 'echo started' app.out && break
		sleep 0.1
	done
	run_fly -254 export "$(cat uuid)" out.aci
	assert_output --partial 'is running: stop it first'
	[ ! -e out.aci ]
}

# bats test_tags=area:lifecycle,fly
@test "an existing output needs --overwrite, which replaces it" {
	run_pod -- write=/data/hello
	echo old >out.aci
	run_fly -254 export "$POD" out.aci
	assert_output 'fly: export: "out.aci" exists: give --overwrite to replace it'
	run cat out.aci
	assert_output old
	run_fly -0 export --overwrite "$POD" out.aci
	run_fly -0 run out.aci --exec=/inspect -- read=/data/hello
	assert_output 'read /data/hello: ok fly\n'
	run ls
	refute_output --partial '.tmp'
}

# bats test_tags=area:lifecycle,fly
@test "export refuses a pod whose host mounts remain, until they are gone" {
	require_root
	run_pod --mount-ns=host -- write=/data/hello
	run_fly -254 export "$POD" out.aci
	assert_output --partial 'mounts remain under'
	assert_output --partial 'fly gc'
	umount -R "$FLY_DIR/pods/run/$POD/rootfs"
	run_fly -0 export "$POD" out.aci
	run_fly -0 run out.aci --exec=/inspect -- read=/data/hello
	assert_output 'read /data/hello: ok fly\n'
}

# bats test_tags=area:lifecycle,fly
@test "export of a prepared pod is refused" {
	run_fly -0 prepare --uuid-file-save=uuid "$IMG"
	run_fly -254 export "$(cat uuid)" out.aci
	assert_output --partial 'is prepared: it has not run yet'
}

# bats test_tags=area:lifecycle,fly
@test "export takes --uuid-file and a UUID prefix" {
	run_pod -- write=/data/hello
	run_fly -0 export --uuid-file="$WORK/uuid" one.aci
	run_fly -0 export "${POD:0:8}" two.aci
	[ -s one.aci ] && [ -s two.aci ]
}

# bats test_tags=area:exit-status,fly
@test "export of an unknown pod is an error" {
	run_fly -254 export 00000000 out.aci
	assert_output --partial '"00000000" not found'
}

# bats test_tags=area:exit-status,fly
@test "export needs a pod and an output file" {
	run_fly -2 export 00000000
	assert_output --partial 'expected a pod UUID and an output file'
}
