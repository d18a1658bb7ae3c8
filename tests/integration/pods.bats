#!/usr/bin/env bats
# fly list, status, stop and gc (behaviour.md section 4), in both modes.
# shellcheck disable=SC2154 # stderr is set by bats' run

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
	if [ -n "$FLY_PID" ]; then
		kill -KILL "$FLY_PID" 2>/dev/null || true
		wait "$FLY_PID" 2>/dev/null || true
	fi
	fly_teardown
}

# run_pod STATUS [fly run flags...] -- [inspect commands...]
# Run a pod to its end, expecting STATUS; sets POD to its UUID.
run_pod() {
	local expect=$1 flags=()

	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		flags+=("$1")
		shift
	done
	shift
	rm -f "$WORK/uuid"
	run_fly "-$expect" run --uuid-file-save="$WORK/uuid" "${flags[@]}" \
		"$IMG" --exec=/inspect -- "$@"
	POD=$(cat "$WORK/uuid")
}

# start_pod [fly run flags...] -- [inspect commands...]
# Run a pod in the background until its app has printed "echo started";
# sets POD and FLY_PID (the fly this test started, the only process it
# signals itself).
start_pod() {
	local flags=() i

	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		flags+=("$1")
		shift
	done
	shift
	rm -f "$WORK/uuid"
	"$IMPL" run --uuid-file-save="$WORK/uuid" "${flags[@]}" "$IMG" \
		--exec=/inspect -- "$@" >"$WORK/app.out" 2>&1 &
	FLY_PID=$!
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

# Wait for the background fly; FLY_STATUS is its exit status.
wait_fly() {
	FLY_STATUS=0
	wait "$FLY_PID" || FLY_STATUS=$?
	FLY_PID=
}

# A copy of the files of pod $POD (not its directories, where overlayfs
# leaves one nobody may read) as pod UUID $1 in state directory $2.
copy_pod() {
	local file

	mkdir -p "$FLY_DIR/pods/$2/$1"
	for file in "$FLY_DIR/pods/run/$POD"/*; do
		[ ! -f "$file" ] || cp -p -- "$file" "$FLY_DIR/pods/$2/$1/"
	done
}

# --- the pod's directory ------------------------------------------------

# covers: 4.1 3.0.2 3.0.5
# bats test_tags=area:lifecycle,core
@test "a pod's directory holds its manifest and the app's pid and pgid" {
	local dir stat

	run_pod 0 -- read=/proc/self/stat
	dir=$FLY_DIR/pods/run/$POD
	stat=$(grep '^read /proc/self/stat: ok ' <<<"$output")
	read -r -a stat <<<"${stat#read /proc/self/stat: ok }"
	assert_equal "$(cat "$dir/pid")" "${stat[0]}"
	assert_equal "$(cat "$dir/pgid")" "${stat[4]}"
	run_cmd -0 jq -r '[.acKind, .apps[0].name] | join(" ")' "$dir/pod"
	assert_output 'PodManifest fly-test'
}

# covers: 4.1
# bats test_tags=area:lifecycle,fly
@test "the pod's env file holds exactly the environment the app got" {
	run_pod 0 --set-env=MARK=pod-env -- env
	printf '%s\n' "${lines[@]#env }" >app.env
	tr '\0' '\n' <"$FLY_DIR/pods/run/$POD/env" | LC_ALL=C sort >pod.env
	run_cmd -0 grep -x MARK=pod-env pod.env
	run_cmd -0 diff app.env pod.env
}

# --- list -------------------------------------------------------------

# covers: 4.2 4.3
# bats test_tags=area:lifecycle,fly
@test "list shows a pod after it ran, with its app, image, state and exit status" {
	run_pod 3 -- exit=3
	run_fly -0 list
	assert_line --index 0 --regexp '^UUID +APP +IMAGE NAME +STATE +CREATED +STARTED +EXIT$'
	ago='(just now|[0-9]+ seconds? ago)'
	assert_line --index 1 --regexp \
		"^${POD:0:8}  fly-test  example.com/fly-test:1.0.0  exited  +$ago +$ago +3$"
}

# covers: 4.2 4.3
# bats test_tags=area:lifecycle,fly
@test "list --full shows whole UUIDs and RFC 3339 times; --no-legend drops the header" {
	run_pod 0 -- exit=0
	run_fly -0 list --full --no-legend
	assert_equal "${#lines[@]}" 1
	time='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z'
	assert_output --regexp "^$POD +fly-test .* exited +$time +$time +0$"
}

# covers: 4.2 4.3
# bats test_tags=area:lifecycle,fly
@test "list --format=json gives every field a script needs" {
	run_pod 7 -- exit=7
	run_fly -0 list --format=json
	run_cmd -0 jq -r '.[0] | [.uuid, .state, .app_name, .image_name,
		(.image_id | startswith("sha512-")), (.created | test("Z$")),
		(.started | test("Z$")), (.exited | test("Z$")), (.pid > 0),
		.exit_code, .mount_ns] | map(tostring) | join(" ")' <<<"$output"
	assert_output "$POD exited fly-test example.com/fly-test true true true true true 7 private"
}

# covers: 4.3
# bats test_tags=area:lifecycle,fly
@test "list is sorted by creation time and shows a running pod without exit status" {
	run_pod 0 -- exit=0
	first=$POD
	start_pod -- echo=started sleep=30
	run_fly -0 list --full --no-legend
	assert_line --index 0 --regexp "^$first .* exited .* 0$"
	assert_line --index 1 --regexp "^$POD .* running +[^ ]+T[^ ]+ +[^ ]+T[^ ]+Z$"
}

# bats test_tags=area:lifecycle,fly
@test "list --format=json of no pods is an empty array" {
	run_fly -0 list --format=json
	assert_output '[]'
}

# --- status -----------------------------------------------------------

# covers: 4.2 4.3
# bats test_tags=area:lifecycle,extension
@test "status of an app that exited 7 shows app-fly-test=7" {
	run_pod 7 -- exit=7
	run_fly -0 status "$POD"
	assert_line --index 0 'state=exited'
	assert_line --index 1 --regexp '^created=[0-9-]+T[0-9:]+Z$'
	assert_line --index 2 --regexp '^started=[0-9-]+T[0-9:]+Z$'
	assert_line --index 3 --regexp '^pid=[0-9]+$'
	assert_line --index 4 'exited=true'
	assert_line --index 5 'app-fly-test=7'
	assert_equal "${#lines[@]}" 6
}

# covers: 4.3
# bats test_tags=area:lifecycle,core
@test "status of a running pod says so, with no exit status" {
	start_pod -- echo=started sleep=30
	run_fly -0 status "${POD:0:8}"
	assert_line 'state=running'
	assert_line 'exited=false'
	assert_line "pid=$(cat "$FLY_DIR/pods/run/$POD/pid")"
	refute_line --partial 'app-'
}

# covers: 4.2
# bats test_tags=area:lifecycle,extension
@test "status of an app killed by a signal shows 128+N" {
	run_pod 143 -- kill=15
	run_fly -0 status "$POD"
	assert_line 'app-fly-test=143'
}

# covers: 4.2 4.3
# bats test_tags=area:lifecycle,extension
@test "status --wait returns once the app has exited" {
	start_pod -- echo=started sleep=1 exit=4
	run_fly -0 status --wait "$POD"
	assert_line 'state=exited'
	assert_line 'exited=true'
	assert_line 'app-fly-test=4'
	wait_fly
	assert_equal "$FLY_STATUS" 4
}

# covers: 4.2 4.3
# bats test_tags=area:lifecycle,extension
@test "status --wait of a prepared pod waits for it to run and exit" {
	run_fly -0 prepare "$IMG" --exec=/inspect -- sleep=0.5 exit=5
	uuid=$output
	"$IMPL" status --wait "$uuid" >status.out 2>&1 &
	waiter=$!
	sleep 0.5
	kill -0 "$waiter"
	run_fly -5 run-prepared "$uuid"
	wait "$waiter"
	run cat status.out
	assert_line 'state=exited'
	assert_line 'app-fly-test=5'
}

# covers: 4.3
# bats test_tags=area:lifecycle,core
@test "status --wait of an exited pod returns at once" {
	run_pod 0 -- exit=0
	run_cmd -0 timeout 10 "$IMPL" status --wait "$POD"
	assert_line 'state=exited'
}

# covers: 4.2 4.3
# bats test_tags=area:lifecycle,fly
@test "status --format=json has the same fields" {
	run_pod 7 -- exit=7
	run_fly -0 status --format=json --uuid-file="$WORK/uuid"
	run_cmd -0 jq -r '[.uuid, .state, .exited, .app_name, .exit_code,
		(.pid > 0), (.created | test("Z$"))] | map(tostring) |
		join(" ")' <<<"$output"
	assert_output "$POD exited true fly-test 7 true true"
}

# covers: 4.3
# bats test_tags=area:lifecycle,core
@test "status of a prepared pod shows no pid and has not exited" {
	run_fly -0 prepare "$IMG"
	run_fly -0 status "$output"
	assert_line 'state=prepared'
	assert_line 'exited=false'
	refute_line --regexp '^(pid|started)='
}

# covers: 3.6.2
# bats test_tags=area:exit-status,fly
@test "an unknown pod is not found: exit 254 and one line" {
	run_fly -254 --separate-stderr status 0123abcd
	assert_equal "$stderr" 'fly: pod "0123abcd" not found'
	run_fly -254 --separate-stderr stop 0123abcd
	assert_equal "$stderr" 'fly: pod "0123abcd" not found'
}

# bats test_tags=area:lifecycle,fly
@test "an ambiguous prefix says how many pods match" {
	run_pod 0 -- exit=0
	copy_pod abcdef00-0000-4000-8000-000000000001 run
	copy_pod abcdef00-0000-4000-8000-000000000002 exited-garbage
	run_fly -254 status abcdef
	assert_output 'fly: pod "abcdef" is ambiguous: 2 pods match'
	run_fly -0 status abcdef00-0000-4000-8000-000000000002
	assert_line 'state=exited-garbage'
}

# --- stop -------------------------------------------------------------

# covers: 4.4 4.2
# bats test_tags=area:lifecycle,extension
@test "stop of an app that ignores SIGTERM needs --force, then it has exited 137" {
	start_pod -- ignore=15 echo=started sleep=30
	run_fly -0 stop "$POD"
	assert_output "$POD"
	sleep 0.5
	run_fly -0 status "$POD"
	assert_line 'state=running'
	run_fly -0 stop --force "$POD"
	assert_output "$POD"
	wait_fly
	assert_equal "$FLY_STATUS" 137
	run_fly -0 status "$POD"
	assert_line 'state=exited'
	assert_line 'app-fly-test=137'
}

# covers: 4.4
# bats test_tags=area:lifecycle,core
@test "stop sends SIGTERM to the app, which then exits 143" {
	start_pod -- echo=started sleep=30
	run_fly -0 stop --uuid-file="$WORK/uuid"
	wait_fly
	assert_equal "$FLY_STATUS" 143
	run_fly -0 status "$POD"
	assert_line 'state=exited'
}

# rkt's fly could not stop a pod whose main process had died.
# covers: 6.4
# bats test_tags=area:lifecycle,core
@test "stop of a pod whose app was killed succeeds, with --force too" {
	start_pod -- echo=started sleep=30
	kill -KILL "$(cat "$FLY_DIR/pods/run/$POD/pid")"
	wait_fly
	run_fly -0 stop "$POD"
	run_fly -0 stop --force "$POD"
}

# A pod's directory can be pinned from another pod's tree: a mount on the
# same directory reached through a bind in the other pod keeps the kernel
# from removing it (EBUSY) until that pod's mounts are gone.  In a mount
# namespace of its own, two host mode pods pin each other that way; one gc
# removes both, and every mount.
# covers: 6.3 4.5
# bats test_tags=area:lifecycle,core
@test "one gc removes host pods that pin each other's directories" {
	require_root
	# shellcheck disable=SC2016 # expanded by the inner bash
	run_cmd -0 unshare --mount --propagation unchanged bash -c '
		set -e
		start=$(wc -l </proc/self/mountinfo)
		for pod in a b; do
			"$IMPL" run --mount-ns=host --uuid-file-save=$pod "$IMG" \
				--exec=/inspect
		done
		a=$FLY_DIR/pods/run/$(cat a) b=$FLY_DIR/pods/run/$(cat b)
		for pair in "$a $b" "$b $a"; do
			set -- $pair
			mkdir "$1/rootfs/mnt"
			mount --bind "$FLY_DIR" "$1/rootfs/mnt"
			mount -t tmpfs pin "$1/rootfs/mnt/pods/run/${2##*/}/rootfs"
		done
		"$IMPL" gc --grace-period=0
		echo "left $(($(wc -l </proc/self/mountinfo) - start)) mounts"
		echo "left $(find "$FLY_DIR/pods" -mindepth 2 -maxdepth 2 | wc -l) pods"'
	assert_line 'left 0 mounts'
	assert_line 'left 0 pods'
}

# bats test_tags=area:lifecycle,fly
@test "stop of an exited pod says so and succeeds" {
	run_pod 0 -- exit=0
	run_fly -0 stop "$POD"
	assert_output "pod $POD is already stopped"
}

# covers: 4.4 6.4
# bats test_tags=area:lifecycle,fly
@test "stop signals nothing when the pid file names another process" {
	run_pod 0 -- exit=0
	sleep 30 &
	other=$!
	copy_pod abcdef00-0000-4000-8000-000000000001 run
	dir=$FLY_DIR/pods/run/abcdef00-0000-4000-8000-000000000001
	echo "$other" >"$dir/pid"
	rm "$dir/exit"
	exec {lock}<"$dir"
	flock -x "$lock"
	touch -d '-1 hour' "$dir/pid"
	run_fly -254 stop abcdef00
	exec {lock}<&-
	assert_output --partial 'is not the pod'"'"'s app'
	kill -0 "$other"
	kill "$other"
	wait "$other" || true
}

# bats test_tags=area:lifecycle,fly
@test "stop of a prepared pod is refused" {
	run_fly -0 prepare "$IMG"
	uuid=$output
	run_fly -254 stop "$uuid"
	assert_output "fly: pod $uuid is prepared, not running"
}

# bats test_tags=area:lifecycle,fly
@test "stop of several pods tries each and fails when one failed" {
	run_pod 0 -- exit=0
	run_fly -254 stop "$POD" 0123abcd
	assert_line "pod $POD is already stopped"
	assert_line 'fly: pod "0123abcd" not found'
}

# --- gc ---------------------------------------------------------------

# covers: 4.5
# bats test_tags=area:lifecycle,core
@test "gc --grace-period=0 removes exited pods and never a running one" {
	run_pod 0 -- exit=0
	exited=$POD
	start_pod -- echo=started sleep=30
	run_fly -0 gc --grace-period=0
	[ ! -e "$FLY_DIR/pods/run/$exited" ]
	[ ! -e "$FLY_DIR/pods/exited-garbage/$exited" ]
	run_fly -254 status "$exited"
	run_fly -0 status "$POD"
	assert_line 'state=running'
	[ -f "$FLY_DIR/pods/run/$POD/pod" ]
}

# covers: 4.5
# bats test_tags=area:lifecycle,core
@test "gc keeps pods that exited within the grace period" {
	run_pod 0 -- exit=0
	run_fly -0 gc
	run_fly -0 gc --grace-period=1h
	run_fly -0 status "$POD"
	assert_line 'state=exited'
	[ -f "$FLY_DIR/pods/run/$POD/pod" ]
}

# bats test_tags=area:lifecycle,fly
@test "gc expires prepared pods after --expire-prepared" {
	run_fly -0 prepare "$IMG"
	uuid=$output
	run_fly -0 gc --grace-period=0
	assert_output ''
	run_fly -0 gc --expire-prepared=0
	assert_output "removed pod $uuid"
	[ ! -e "$FLY_DIR/pods/prepared/$uuid" ]
	[ ! -e "$FLY_DIR/pods/garbage/$uuid" ]
}

# covers: 4.5
# bats test_tags=area:lifecycle,fly
@test "gc finishes pods left in the garbage directories" {
	run_pod 0 -- exit=0
	mkdir -p "$FLY_DIR/pods/exited-garbage"
	mv "$FLY_DIR/pods/run/$POD" "$FLY_DIR/pods/exited-garbage/"
	run_fly -0 gc
	assert_output "removed pod $POD"
}

# covers: 4.5
# bats test_tags=area:lifecycle,fly
@test "gc racing 20 concurrent runs loses no running pod and leaves no mount" {
	local pids=() i host=()

	[ "$FLY_TEST_MODE" != root ] || host=(--mount-ns=host)
	for i in $(seq 20); do
		if [ $((i % 2)) = 0 ]; then
			"$IMPL" run "${host[@]}" "$IMG" --exec=/inspect -- \
				write=/data/mark sleep=1 read=/data/mark \
				>"out.$i" 2>&1 &
		else
			"$IMPL" run "$IMG" --exec=/inspect -- \
				write=/data/mark sleep=0.5 read=/data/mark \
				>"out.$i" 2>&1 &
		fi
		pids+=($!)
	done
	while jobs -r | grep -q .; do
		"$IMPL" gc --grace-period=0 >>gc.out 2>&1 || {
			cat gc.out >&2
			false
		}
	done
	for i in $(seq 20); do
		wait "${pids[$((i - 1))]}" || {
			echo "run $i failed:" >&2
			cat "out.$i" >&2
			false
		}
		run cat "out.$i"
		assert_output $'write /data/mark: ok\nread /data/mark: ok fly\\n'
	done
	run_cmd -0 grep -q '^removed pod ' gc.out
	run_fly -0 gc --grace-period=0
	run_fly -0 list --no-legend
	assert_output ''
	run_cmd -0 mounts_under "$FLY_DIR"
	assert_output ''
	run_cmd -1 grep warning gc.out
}

# covers: 4.5 3.2.2 6.3
# bats test_tags=area:lifecycle,core
@test "gc of a --mount-ns=host pod removes its leftover mounts" {
	require_root
	run_pod 0 --mount-ns=host -- exit=0
	run_cmd -0 mounts_under "$FLY_DIR/pods/run/$POD"
	refute_output ''
	run_fly -0 gc --grace-period=0
	[ ! -e "$FLY_DIR/pods/run/$POD" ]
	run_cmd -0 mounts_under "$FLY_DIR"
	assert_output ''
}

# covers: 4.5
# bats test_tags=area:lifecycle,core
@test "gc unmounts a host pod's /dev without taking the shared /dev's submounts along" {
	require_root
	# A namespace of its own where / is shared, as on most hosts: the
	# pod's bind of /dev then shares a peer group with /dev.
	# shellcheck disable=SC2016 # expanded by the inner shell
	run_cmd -0 unshare --mount --propagation unchanged -- bash -c '
		set -e
		mount --make-rshared /
		under_dev() { awk '"'"'$5 ~ "^/dev/"'"'"' /proc/self/mountinfo | wc -l; }
		before=$(under_dev)
		"$IMPL" run --mount-ns=host "$IMG" --exec=/inspect -- exit=0
		"$IMPL" gc --grace-period=0
		after=$(under_dev)
		echo "submounts of /dev: $before before, $after after"
		grep -c "$FLY_DIR" /proc/self/mountinfo || true'
	assert_line --regexp '^submounts of /dev: ([0-9]+) before, \1 after$'
	assert_line --index "$((${#lines[@]} - 1))" '0'
}

# covers: 4.5 6.3
# bats test_tags=area:lifecycle,core
@test "a leftover bind of a volume in a pod directory costs its data nothing" {
	require_root
	run_pod 0 -- exit=0
	mkdir -p "$WORK/vol" "$FLY_DIR/pods/run/$POD/leftover"
	echo precious >"$WORK/vol/data"
	mount --bind "$WORK/vol" "$FLY_DIR/pods/run/$POD/leftover"
	run_fly -0 gc --grace-period=0
	[ ! -e "$FLY_DIR/pods/run/$POD" ]
	assert_equal "$(cat "$WORK/vol/data")" precious
	run_cmd -0 mounts_under "$FLY_DIR"
	assert_output ''
}

# covers: 4.5 6.3
# bats test_tags=area:lifecycle,fly
@test "a pod with a mount gc cannot remove is kept, and the data below it survives" {
	require_userns
	run_pod 0 -- exit=0
	dir=$FLY_DIR/pods/run/$POD
	mkdir -p "$WORK/vol" "$dir/leftover"
	echo precious >"$WORK/vol/data"
	# The bind is made in one user namespace and gc runs in a nested one,
	# where the kernel forbids unmounting it (a locked mount).
	# shellcheck disable=SC2016 # expanded by the inner shell
	run_cmd -254 unshare --user --map-root-user --mount -- bash -c '
		mount --bind "$1/vol" "$2/leftover" &&
		unshare --user --map-root-user --mount -- \
			"$IMPL" gc --grace-period=0' - "$WORK" "$dir"
	assert_line --regexp "^fly: warning: pod $POD kept in exited-garbage: unmount .*leftover"
	assert_line 'fly: gc: 1 pod could not be removed (see the warnings above)'
	assert_equal "$(cat "$WORK/vol/data")" precious
	[ -d "$FLY_DIR/pods/exited-garbage/$POD/leftover" ]
	run_fly -0 gc
	assert_output "removed pod $POD"
}

# --- flags and help -----------------------------------------------------

# bats test_tags=area:exit-status,fly
@test "each command prints its usage for --help and exits 0" {
	for cmd in list status stop gc; do
		run_fly -0 --separate-stderr "$cmd" --help
		assert_output --regexp "^Usage: fly $cmd "
		assert_equal "$stderr" ''
	done
}

# bats test_tags=area:exit-status,fly
@test "a bad flag or duration is a usage error naming it" {
	run_fly -2 list --wait
	assert_line 'fly: list: unknown flag "--wait"'
	run_fly -2 gc --grace-period=soon
	assert_line 'fly: --grace-period: "soon" is not a duration such as 30m, 1h30m, 10s or 500ms'
	run_fly -2 gc --expire-prepared=-1h
	assert_line 'fly: --expire-prepared: "-1h" is negative'
	run_fly -2 list --format=yaml
	assert_line --partial '--format: "yaml"'
	run_fly -2 status
	assert_line 'fly: status: no pod given'
	run_fly -2 stop
	assert_line 'fly: stop: no pod given'
	run_fly -2 gc now
	assert_line 'fly: gc: unexpected argument "now"'
}
