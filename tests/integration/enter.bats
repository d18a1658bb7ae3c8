#!/usr/bin/env bats
# fly enter (behaviour.md section 4), in both modes: a command run in the
# root of a running pod sees what the app sees.

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

teardown() {
	stop_pod
	fly_teardown
}

# start_pod [fly run flags...] -- [inspect commands...]
# Run a pod in the background and wait until its app has started and
# printed its first line.  Sets POD (its UUID) and FLY_PID (the fly
# process this test started, the only one it ever signals).
start_pod() {
	local flags=()

	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		flags+=("$1")
		shift
	done
	shift
	"$IMPL" run --uuid-file-save="$WORK/uuid" "${flags[@]}" "$IMG" \
		--exec=/inspect -- echo=started "$@" >"$WORK/app.out" 2>&1 &
	FLY_PID=$!
	wait_for_app
}

wait_for_app() {
	local i

	for i in $(seq 100); do
		if [ -s "$WORK/uuid" ] && grep -qx 'echo started' "$WORK/app.out"
		then
			POD=$(cat "$WORK/uuid")
			return 0
		fi
		kill -0 "$FLY_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "the pod did not start (after $i tries):" >&2
	cat "$WORK/app.out" >&2
	return 1
}

# SIGTERM to the fly this test started: fly passes it on to the app.
stop_pod() {
	if [ -n "$FLY_PID" ]; then
		kill "$FLY_PID" 2>/dev/null || true
		wait "$FLY_PID" 2>/dev/null || true
		FLY_PID=
	fi
}

# covers: 4.6 6.6
# bats test_tags=area:lifecycle,core
@test "enter sees the pod's environment, --set-env included" {
	start_pod --set-env=X=1 -- sleep=30
	run_fly -0 enter "$POD" /inspect env
	assert_line 'env X=1'
	assert_line --regexp '^env PATH=/usr/local/sbin:'
}

# covers: 4.6 3.3.4
# bats test_tags=area:lifecycle,extension
@test "enter sees AC_APP_NAME and container=fly" {
	start_pod -- sleep=30
	run_fly -0 enter "$POD" /inspect env
	assert_line 'env AC_APP_NAME=fly-test'
	assert_line 'env container=fly'
}

# covers: 4.6
# bats test_tags=area:lifecycle,core
@test "enter starts in the app's working directory" {
	start_pod --working-dir=/data -- sleep=30
	run_fly -0 enter "$POD" /inspect cwd ids
	assert_line 'cwd /data'
	assert_line 'uid 0 0 0'
	assert_line 'gid 0 0 0'
}

# covers: 4.6
# bats test_tags=area:lifecycle,core
@test "enter runs with the app's user, group and supplementary groups" {
	require_root
	make_image app.aci example.com/ids '["/inspect"]' \
		'"user": "user", "group": "users", "supplementaryGIDs": [50],
		"workingDirectory": "/home/user"'
	"$IMPL" run --uuid-file-save="$WORK/uuid" app.aci -- echo=started \
		sleep=30 >"$WORK/app.out" 2>&1 &
	FLY_PID=$!
	wait_for_app
	run_fly -0 enter "$POD" /inspect ids cwd
	assert_line 'uid 1000 1000 1000'
	assert_line 'gid 100 100 100'
	assert_line 'groups 50,100'
	assert_line 'cwd /home/user'
}

# covers: 4.6
# bats test_tags=area:lifecycle,core
@test "enter sees the pod's mounts: its volume and its own /tmp" {
	mkdir vol && echo shared >vol/file
	start_pod --volume=v,kind=host,source="$WORK/vol" \
		--mount=volume=v,target=/vol -- write=/tmp/from-app sleep=30
	run_fly -0 enter "$POD" /inspect mounts read=/vol/file ls=/tmp
	assert_line --regexp '^mount /tmp tmpfs '
	assert_line --regexp '^mount /vol '
	assert_line 'read /vol/file: ok shared\n'
	assert_line 'ls /tmp: from-app'
	run ls /tmp/from-app
	assert_failure
}

# covers: 4.6
# bats test_tags=area:lifecycle,core
@test "enter sees the mounts of a pod in the host's mount namespace" {
	require_root
	start_pod --mount-ns=host -- write=/tmp/from-app sleep=30
	run_fly -0 enter "$POD" /inspect ls=/tmp
	assert_output 'ls /tmp: from-app'
}

# covers: 4.6
# bats test_tags=area:lifecycle,core
@test "a bare command is found in the pod's PATH and its status is enter's" {
	start_pod -- sleep=30
	# shellcheck disable=SC2016 # expanded by the pod's shell
	run_fly -7 enter "$POD" sh -c 'echo "in $(pwd) as $(id -u)"; exit 7'
	assert_output 'in / as 0'
}

# bats test_tags=area:lifecycle,fly
@test "the default command is the pod's /bin/sh" {
	start_pod -- sleep=30
	run_cmd -0 bash -c "echo 'echo \$0' | \"\$IMPL\" enter $POD"
	assert_output '/bin/sh'
}

# covers: 4.6
# bats test_tags=area:lifecycle,core
@test "a missing command is an error naming it" {
	start_pod -- sleep=30
	run_fly -254 enter "$POD" nosuchprog
	assert_output --partial "can't find the executable"
	assert_output --partial nosuchprog
}

# bats test_tags=area:lifecycle,fly
@test "--app must name the pod's app" {
	start_pod -- sleep=30
	run_fly -254 enter --app=wrong "$POD" /inspect echo=in
	assert_output "fly: enter: pod $POD: --app: no app \"wrong\" (the pod's app is \"fly-test\")"
	run_fly -0 enter --app=fly-test "$POD" /inspect echo=in
	assert_output 'echo in'
}

# bats test_tags=area:lifecycle,fly
@test "--uuid-file and a UUID prefix name the pod" {
	start_pod -- sleep=30
	run_fly -0 enter --uuid-file="$WORK/uuid" /inspect echo=by-file
	assert_output 'echo by-file'
	run_fly -0 enter "${POD:0:8}" /inspect echo=by-prefix
	assert_output 'echo by-prefix'
}

# bats test_tags=area:lifecycle,fly
@test "enter of an exited pod fails clearly" {
	run_fly -0 run --uuid-file-save=uuid "$IMG" --exec=/inspect -- exit=0
	run_fly -254 enter "$(cat uuid)" /inspect echo=in
	assert_output "fly: enter: pod $(cat uuid): has exited: only a running pod can be entered"
}

# bats test_tags=area:lifecycle,fly
@test "enter of a prepared pod says to start it" {
	run_fly -0 prepare --uuid-file-save=uuid "$IMG"
	run_fly -254 enter "$(cat uuid)"
	assert_output --partial 'is prepared, not running'
}

# bats test_tags=area:exit-status,fly
@test "enter of an unknown pod is an error" {
	run_fly -254 enter 00000000 /inspect echo=in
	assert_output --partial '"00000000" not found'
}

# bats test_tags=area:exit-status,fly
@test "enter without a UUID is a usage error" {
	run_fly -2 enter
	assert_output --partial 'no pod UUID given'
}
