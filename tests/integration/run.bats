#!/usr/bin/env bats
# fly run (behaviour.md section 3), in both modes: real root inside a
# private mount namespace, and an unprivileged user.
# shellcheck disable=SC2154 # stderr and stderr_lines are set by bats' run

load helpers

setup_file() {
	IMG=$BATS_FILE_TMPDIR/std.aci
	"$FIXTURES/mkimage" "$IMG"
	export IMG
}

setup() { fly_setup; }
teardown() { fly_teardown; }

# run_app [fly run flags...] -- [inspect commands...]
run_app() {
	local flags=()

	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		flags+=("$1")
		shift
	done
	shift
	run_fly run "${flags[@]}" "$IMG" --exec=/inspect -- "$@"
}

host_mounts() {
	wc -l </proc/self/mountinfo
}

# The pods in every state of the data directory, one path a line.
pods_left() {
	find "$FLY_DIR" -mindepth 3 -maxdepth 3 -path "$FLY_DIR/pods/*"
}

# wait_for_line FILE TEXT: wait up to 5s for a line TEXT in FILE.
wait_for_line() {
	local i

	for i in $(seq 100); do
		grep -qxF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "wait_for_line: no line \"$2\" in $1 after $i tries" >&2
	return 1
}

# --- 3: order of operations, mounts -------------------------------------

# covers: 3.0.4
# bats test_tags=area:mounts,core
@test "the app sees /dev, /proc and /sys bound recursively" {
	run_app -- mounts ls=/dev
	assert_success
	assert_line --regexp '^mount /dev devtmpfs '
	assert_line --regexp '^mount /dev/pts devpts '
	assert_line --regexp '^mount /proc proc '
	assert_line --regexp '^mount /sys sysfs '
	assert_line --regexp '^ls /dev: .*null.*'
}

# covers: 3.0.4
# bats test_tags=area:mounts,core
@test "the app gets a fresh tmpfs on /tmp with mode 1777" {
	run_app -- mounts stat=/tmp ls=/tmp
	assert_success
	assert_line --regexp '^mount /tmp tmpfs rw[, ]'
	assert_line --regexp '^stat /tmp: dir 1777 '
	assert_line 'ls /tmp:'
}

# covers: 3.6.1
# bats test_tags=area:exit-status,core
@test "the app's exit status is fly's" {
	run_app -- exit=7
	assert_equal "$status" 7
	run_app -- exit=0
	assert_success
}

# covers: 3.6.1
# bats test_tags=area:exit-status,core
@test "an app killed by a signal shows as 128+N" {
	run_app -- kill=15
	assert_equal "$status" 143
}

# covers: 3.0.5
# bats test_tags=area:lifecycle,fly
@test "fly stays as the app's parent and the pid file names the app" {
	"$IMPL" run --uuid-file-save="$WORK/uuid" "$IMG" --exec=/inspect -- \
		pid >out &
	pid=$!
	wait "$pid"
	app=$(cat "$FLY_DIR/pods/run/$(cat uuid)/pid")
	run cat out
	assert_output "pid $app ppid $pid"
}

# covers: 4.2
# bats test_tags=area:lifecycle,extension
@test "the app's exit status is recorded in the pod" {
	run_fly -7 run --uuid-file-save="$WORK/uuid" "$IMG" --exec=/inspect -- \
		exit=7
	assert_equal "$(cat "$FLY_DIR/pods/run/$(cat uuid)/exit")" 7
}

# covers: 3.0.8 4.2
# bats test_tags=area:exec,extension
@test "a signal sent to fly reaches the app, and fly dies by it too" {
	"$IMPL" run --uuid-file-save="$WORK/uuid" "$IMG" --exec=/inspect -- \
		echo=started sleep=30 >out &
	pid=$!
	for _ in $(seq 100); do
		grep -q started out 2>/dev/null && break
		sleep 0.05
	done
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	assert_equal "$status" 143
	assert_equal "$(cat "$FLY_DIR/pods/run/$(cat uuid)/exit")" 143
}

# covers: 3.0.8
# bats test_tags=area:exec,extension
@test "a pre-start handler runs first, in the pod, with the app's environment" {
	# shellcheck disable=SC2016 # expanded by the handler's shell
	make_image app.aci example.com/hooks '["/inspect", "read=/tmp/pre"]' \
		'"environment": [{"name": "GREETING", "value": "hi"}],
		 "eventHandlers": [{"name": "pre-start", "exec": ["/bin/sh", "-c", "echo $GREETING > /tmp/pre"]}]'
	run_fly -0 run app.aci
	assert_output 'read /tmp/pre: ok hi\n'
}

# covers: 3.0.8
# bats test_tags=area:exec,extension
@test "a failing pre-start handler stops the run before the app" {
	make_image app.aci example.com/hooks '["/inspect", "echo=app-ran"]' \
		'"eventHandlers": [{"name": "pre-start", "exec": ["/bin/false"]}]'
	run_fly -254 run app.aci
	assert_output --partial 'pre-start'
	refute_output --partial 'app-ran'
}

# covers: 3.0.8
# bats test_tags=area:exec,extension
@test "a post-stop handler runs after the app; the app's status stays" {
	mkdir out
	make_image app.aci example.com/hooks '["/inspect", "write=/tmp/x", "exit=3"]' \
		'"mountPoints": [{"name": "out", "path": "/out"}],
		 "eventHandlers": [{"name": "post-stop", "exec": ["/bin/sh", "-c", "cat /tmp/x > /out/seen"]}]'
	run_fly -3 run --volume=out,kind=host,source="$WORK/out" app.aci
	assert_equal "$(cat out/seen)" fly
}

# covers: 2.10
# bats test_tags=area:mounts,core
@test "one run's writes are never seen by another" {
	run_app -- write=/data/mark write=/etc/mark
	assert_line 'write /data/mark: ok'
	run_app -- read=/data/mark read=/etc/mark
	assert_line 'read /data/mark: error No such file or directory'
	assert_line 'read /etc/mark: error No such file or directory'
}

# covers: 2.10
# bats test_tags=area:mounts,fly
@test "--no-overlay gives each run its own copy of the image" {
	run_fly -0 run --no-overlay "$IMG" --exec=/inspect -- \
		write=/etc/mark read=/etc/mark
	assert_line 'read /etc/mark: ok fly\n'
	run_fly -0 run --no-overlay "$IMG" --exec=/inspect -- read=/etc/mark
	assert_output 'read /etc/mark: error No such file or directory'
	run_app -- read=/etc/mark
	assert_output 'read /etc/mark: error No such file or directory'
}

# covers: 2.10
# bats test_tags=area:mounts,core
@test "the app can remove and rename the image's directories" {
	run_fly -0 run "$IMG" --exec=/bin/sh -- -c \
		'rm -r /etc && mv /home /house && ls /'
	refute_line etc
	assert_line house
	run_app -- ls=/etc
	assert_output 'ls /etc: group hosts mtab passwd'
}

# covers: 3.6.2
# bats test_tags=area:exit-status,core
@test "a missing image is a failure: exit 254 and one line naming it" {
	run_fly -254 --separate-stderr run "$WORK/nothing.aci"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" 'nothing\.aci'
}

# covers: 3.6.3
# bats test_tags=area:exit-status,core
@test "an unknown run flag is a usage error: exit 2" {
	run_fly -2 run --bogus "$IMG"
	assert_output --partial -- '--bogus'
}

# covers: 3.6.2 3.6.3
# bats test_tags=area:exit-status,fly
@test "fly words its failures as fly: what it was doing: cause" {
	run_fly -254 --separate-stderr run "$WORK/nothing.aci"
	assert_equal "$stderr" "fly: open \"$WORK/nothing.aci\": No such file or directory"
	run_fly -2 --separate-stderr run --bogus "$IMG"
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" 'fly: run: unknown flag "--bogus" or missing value'
	assert_equal "${stderr_lines[-1]}" "Try 'fly --help'."
	printf 'GOOD=1\nnot a variable\n' >bad.env
	run_fly -254 --separate-stderr run --set-env-file=bad.env "$IMG"
	assert_equal "$stderr" 'fly: --set-env-file: "bad.env" line 2: '\
'"not a variable" is not of the form NAME=VALUE'
	run_fly -254 --separate-stderr run --user=postgres "$IMG"
	assert_equal "$stderr" "fly: user \"postgres\": not found in the image's /etc/passwd"
	run_fly -254 --separate-stderr run --working-dir=/nowhere "$IMG"
	assert_equal "$stderr" 'fly: working directory "/nowhere": No such file or directory'
	mkdir dir && echo x >file
	run_fly -254 --separate-stderr run --volume=d,kind=host,source="$WORK/dir" \
		--mount=volume=d,target=/etc/passwd "$IMG"
	assert_regex "$stderr" '^fly: .*volume "d": the target "/etc/passwd" '\
'in the image is a file, the source a directory'
	run_fly -254 --separate-stderr run --volume=f,kind=host,source="$WORK/file" \
		--mount=volume=f,target=/etc "$IMG"
	assert_regex "$stderr" '^fly: .*volume "f": the target "/etc" '\
'in the image is a directory, the source a file'
	run_fly -2 --separate-stderr run --volume=data,kind=host "$IMG"
	assert_equal "${stderr_lines[0]}" 'fly: --volume data: kind=host needs source='
	run_fly -2 --separate-stderr run \
		--volume=data,kind=host,source=/x,readOnly=maybe "$IMG"
	assert_equal "${stderr_lines[0]}" 'fly: --volume: readOnly="maybe" is not true or false'
}

# bats test_tags=area:exec,core
@test "arguments after -- replace the image's arguments" {
	make_image app.aci example.com/args '["/inspect", "echo=from-image"]'
	run_fly -0 run app.aci
	assert_output 'echo from-image'
	run_fly -0 run app.aci -- echo=from-flags
	assert_output 'echo from-flags'
}

# covers: 3.4.3
# bats test_tags=area:exec,core
@test "--exec replaces the image's program" {
	run_fly -0 run "$IMG" --exec=/bin/sh -- -c 'echo via-shell'
	assert_output 'via-shell'
}

# covers: 3.6.3
# bats test_tags=area:exec,fly
@test "an image without an app needs --exec" {
	make_image noapp.aci example.com/noapp -
	run_fly -2 run noapp.aci
	assert_output --partial 'give --exec'
	run_fly -0 run noapp.aci --exec=/inspect -- echo=ok
	assert_output 'echo ok'
}

# --- 3.3 environment ----------------------------------------------------

# covers: 3.3.3 3.3.5
# bats test_tags=area:env,core
@test "nothing leaks from the host environment" {
	LEAK=secret run_app -- env
	assert_success
	refute_line --partial LEAK
	assert_line 'env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	assert_line 'env SHELL=/bin/sh'
	assert_line 'env USER=root'
	assert_line 'env LOGNAME=root'
	assert_line 'env HOME=/root'
}

# covers: 3.3.3
# bats test_tags=area:env,core
@test "PATH, SHELL, USER, LOGNAME and HOME defaults fill only missing names" {
	make_image app.aci example.com/defaults '["/inspect", "env"]' \
		'"environment": [{"name": "SHELL", "value": "/bin/ash"},
			{"name": "HOME", "value": "/home/user"},
			{"name": "USER", "value": "user"}]'
	run_fly -0 run app.aci
	assert_line 'env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	assert_line 'env SHELL=/bin/ash'
	assert_line 'env USER=user'
	assert_line 'env LOGNAME=root'
	assert_line 'env HOME=/home/user'
	refute_line 'env SHELL=/bin/sh'
	refute_line 'env USER=root'
	refute_line 'env HOME=/root'
}

# covers: 3.3.4
# bats test_tags=area:env,extension
@test "AC_APP_NAME names the app and container=fly is set" {
	run_app -- env
	assert_success
	assert_line 'env AC_APP_NAME=fly-test'
	assert_line 'env container=fly'
	make_image app.aci example.com/other-name '["/inspect", "env"]' \
		'"environment": [{"name": "container", "value": "image"}]'
	run_fly -0 run app.aci
	assert_line 'env AC_APP_NAME=other-name'
	assert_line 'env container=fly'
}

# covers: 3.3.1 3.3.2 3.3.3
# bats test_tags=area:env,core
@test "environment precedence: inherited < image < env file < --set-env" {
	make_image app.aci example.com/envs '["/inspect", "env"]' \
		'"environment": [{"name": "A", "value": "image"},
			{"name": "B", "value": "image"},
			{"name": "C", "value": "image"},
			{"name": "PATH", "value": "/bin"}]'
	printf '# comment\n; also\n\nB=file\nC=file\n' >vars.env
	A=host D=host run_fly -0 run --inherit-env --set-env-file=vars.env \
		--set-env=C=flag app.aci
	assert_line 'env A=image'
	assert_line 'env B=file'
	assert_line 'env C=flag'
	assert_line 'env D=host'
	assert_line 'env PATH=/bin'
}

# covers: 3.3.2
# bats test_tags=area:env,core
@test "a malformed env file line is an error naming the file and line" {
	printf 'GOOD=1\nnot a variable\n' >bad.env
	run_fly -254 run --set-env-file=bad.env "$IMG"
	assert_output --partial 'bad.env'
}

# --- 3.4 user, group, executable ---------------------------------------

# covers: 3.4.1 3.4.2 6.5
# bats test_tags=area:credentials,core
@test "the app runs as the image's user and group by name" {
	require_root
	make_image app.aci example.com/ids '["/inspect", "ids"]' \
		'"user": "user", "group": "users", "supplementaryGIDs": [50]'
	run_fly -0 run app.aci
	assert_line 'uid 1000 1000 1000'
	assert_line 'gid 100 100 100'
	assert_line 'groups 50,100'
}

# covers: 3.4.2 6.5
# bats test_tags=area:credentials,core
@test "supplementaryGIDs and the primary gid are the app's groups" {
	require_root
	make_image app.aci example.com/groups '["/inspect", "ids"]' \
		'"user": "1000", "group": "1000", "supplementaryGIDs": [100, 50, 7]'
	run_fly -0 run app.aci
	assert_line 'gid 1000 1000 1000'
	assert_line 'groups 7,50,100,1000'
	run_fly -0 run --user=2 --group=2 "$IMG" --exec=/inspect -- ids
	assert_line 'gid 2 2 2'
	assert_line 'groups 2'
}

# covers: 3.4.1
# bats test_tags=area:credentials,core
@test "--user and --group take numbers and paths in the image" {
	require_root
	run_fly -0 run --user=1234 --group=/home/user "$IMG" \
		--exec=/inspect -- ids
	assert_line 'uid 1234 1234 1234'
	assert_line 'gid 0 0 0'
}

# covers: 3.4.1 3.6.2
# bats test_tags=area:credentials,core
@test "an unknown user is an error, looked up in the image only" {
	run_fly -254 run --user=postgres "$IMG" --exec=/inspect -- ids
	assert_output --partial 'postgres'
	refute_output --partial 'uid '
}

# bats test_tags=area:credentials,extension
@test "unprivileged, a user the namespace does not map is a clear error" {
	require_user_mode
	run_fly -254 run --user=user "$IMG" --exec=/inspect -- ids
	assert_output --partial 'not mapped in the user namespace'
}

# Run fly as uid 65534 with subordinate ids bound over /etc/subuid and
# /etc/subgid inside the test's own mount namespace.
# covers: 3.2.4 3.4.1
# bats test_tags=area:credentials,extension
@test "unprivileged with subordinate ids, the image's users can run" {
	require_root
	[ -f /etc/subuid ] && [ -f /etc/subgid ] ||
		skip "the host has no /etc/subuid or /etc/subgid to bind over"
	command -v newuidmap >/dev/null || skip "newuidmap is not installed"
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$IMPL" ||
		skip "uid 65534 cannot reach $IMPL"
	pub=$(mktemp -d /tmp/fly-subid-XXXXXX)
	chmod 755 "$pub"
	cp "$IMG" "$pub/img.aci"
	chmod 644 "$pub/img.aci"
	mkdir "$pub/home" && chown 65534:65534 "$pub/home"
	echo '65534:200000:65536' >"$pub/subid"
	mount --bind "$pub/subid" /etc/subuid
	mount --bind "$pub/subid" /etc/subgid
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME="$pub/home" FLY_DIR="$pub/home/fly" "$IMPL" run \
		--user=user --group=users \
		"$pub/img.aci" --exec=/inspect -- ids write=/tmp/x stat=/tmp/x
	umount /etc/subuid /etc/subgid
	rm -rf --one-file-system "$pub"
	assert_success
	assert_line 'uid 1000 1000 1000'
	assert_line 'gid 100 100 100'
	assert_line 'stat /tmp/x: file 0644 1000 100'
}

# covers: 3.4.3
# bats test_tags=area:exec,core
@test "a bare executable name is searched in the app's PATH" {
	run_fly -0 run "$IMG" --exec=sh -- -c 'echo found'
	assert_output 'found'
}

# covers: 3.4.3 3.6.2
# bats test_tags=area:exec,core
@test "a missing executable is an error" {
	run_fly -254 run "$IMG" --exec=nosuchprog
	assert_output --partial "can't find the executable"
	run_fly -254 run "$IMG" --exec=/no/such
	assert_output --partial "can't find the executable"
}

# covers: 3.0.6
# bats test_tags=area:exec,core
@test "the working directory comes from the image or --working-dir" {
	make_image app.aci example.com/wd '["/inspect", "cwd"]' \
		'"workingDirectory": "/home/user"'
	run_fly -0 run app.aci
	assert_output 'cwd /home/user'
	run_fly -0 run --working-dir=/etc app.aci
	assert_output 'cwd /etc'
}

# covers: 3.0.6 3.6.2
# bats test_tags=area:exec,core
@test "a missing working directory is an error, never created" {
	run_fly -254 run --working-dir=/nowhere "$IMG" --exec=/inspect -- cwd
	assert_output --partial '/nowhere'
	refute_output --partial 'cwd '
}

# --- 3.1 volumes ------------------------------------------------------------

# covers: 3.1.5
# bats test_tags=area:volumes,core
@test "a host volume shows the source and the app's writes reach it" {
	mkdir src && echo hello >src/file
	run_fly -0 run --volume=data,kind=host,source="$WORK/src" \
		--mount=volume=data,target=/mnt/data "$IMG" --exec=/inspect -- \
		read=/mnt/data/file write=/mnt/data/new
	assert_line 'read /mnt/data/file: ok hello\n'
	assert_line 'write /mnt/data/new: ok'
	assert_equal "$(cat src/new)" fly
}

# bats test_tags=area:volumes,core
@test "an image mount point gets the volume of its name" {
	mkdir src && echo hi >src/f
	make_image app.aci example.com/mp '["/inspect", "read=/srv/f"]' \
		'"mountPoints": [{"name": "data", "path": "/srv"}]'
	run_fly -0 run --volume=data,kind=host,source="$WORK/src" app.aci
	assert_output 'read /srv/f: ok hi\n'
}

# covers: 3.1.3
# bats test_tags=area:volumes,core
@test "a read-only volume refuses writes; readOnly comes from the image too" {
	mkdir src
	make_image app.aci example.com/ro '["/inspect", "write=/srv/x"]' \
		'"mountPoints": [{"name": "data", "path": "/srv", "readOnly": true}]'
	run_fly -0 run --volume=data,kind=host,source="$WORK/src" app.aci
	assert_output 'write /srv/x: error Read-only file system'
	run_fly -0 run --volume=data,kind=host,source="$WORK/src",readOnly=false app.aci
	assert_output 'write /srv/x: ok'
}

# covers: 3.1.1
# bats test_tags=area:volumes,core
@test "a mount point without a volume is an error" {
	make_image app.aci example.com/mp '["/inspect"]' \
		'"mountPoints": [{"name": "data", "path": "/srv"}]'
	run_fly -254 run app.aci
	assert_output --partial 'missing volume for mountpoint "data"'
}

# covers: 3.1.1
# bats test_tags=area:volumes,core
@test "a volume nobody mounts is ignored" {
	mkdir src
	run_fly -0 run --volume=unused,kind=host,source="$WORK/src" "$IMG" \
		--exec=/inspect -- echo=ran
	assert_output 'echo ran'
}

# covers: 3.1.2
# bats test_tags=area:volumes,core
@test "a --mount whose target differs from the image mount point conflicts" {
	mkdir src
	make_image app.aci example.com/mp '["/inspect"]' \
		'"mountPoints": [{"name": "data", "path": "/srv"}]'
	run_fly -254 run --volume=data,kind=host,source="$WORK/src" \
		--mount=volume=data,target=/other app.aci
	assert_output --partial 'conflicting path information'
}

# covers: 3.1.2
# bats test_tags=area:volumes,core
@test "one volume mounted twice, or two volumes of one name, are errors" {
	mkdir src
	run_fly -254 run --volume=d,kind=host,source="$WORK/src" \
		--mount=volume=d,target=/a --mount=volume=d,target=/b "$IMG"
	assert_output --partial 'duplicate mount'
	run_fly -254 run --volume=d,kind=host,source="$WORK/src" \
		--volume=d,kind=host,source="$WORK/src" "$IMG"
	assert_output --partial 'duplicate volume name'
}

# covers: 3.6.3
# bats test_tags=area:exit-status,core
@test "bad --volume syntax is a usage error" {
	run_fly -2 run --volume=data,kind=host "$IMG"
	assert_output --partial 'source'
	run_fly -2 run --volume=data,kind=host,source=/x,readOnly=maybe "$IMG"
	assert_output --partial 'maybe'
}

# covers: 3.0.1 3.1.6
# bats test_tags=area:volumes,core
@test "a missing host source is an error and leaves no pod behind" {
	run_fly -254 run --volume=d,kind=host,source="$WORK/gone" \
		--mount=volume=d,target=/d "$IMG"
	assert_output --partial "$WORK/gone"
	run pods_left
	assert_output ''
}

# Each refusal comes before any mount: with --mount-ns=host as root (where
# a mount would stay in this namespace), or unprivileged, the mount table
# and the data directory's pods are what they were.
# covers: 3.0.1
# bats test_tags=area:mounts,core
@test "a run refused at validation leaves no pod and no mount" {
	local ns=()

	if [ "$FLY_TEST_MODE" = root ]; then
		require_root
		ns=(--mount-ns=host)
	fi
	mkdir src
	make_image mp.aci example.com/mp '["/inspect"]' \
		'"mountPoints": [{"name": "data", "path": "/srv"}]'
	before=$(cat /proc/self/mountinfo)
	run_fly -254 run "${ns[@]}" mp.aci
	run_fly -254 run "${ns[@]}" --volume=data,kind=host,source="$WORK/src" \
		--mount=volume=data,target=/other mp.aci
	run_fly -254 run "${ns[@]}" --user=postgres "$IMG" --exec=/inspect
	run_fly -254 run "${ns[@]}" --volume=d,kind=host,source="$WORK/gone" \
		--mount=volume=d,target=/d "$IMG" --exec=/inspect
	assert_equal "$(cat /proc/self/mountinfo)" "$before"
	run pods_left
	assert_output ''
}

# covers: 3.1.5
# bats test_tags=area:volumes,core
@test "a file source creates a file target; parents are created 0755" {
	echo content >file
	run_fly -0 run --volume=f,kind=host,source="$WORK/file" \
		--mount=volume=f,target=/new/dir/file "$IMG" --exec=/inspect -- \
		stat=/new/dir read=/new/dir/file
	assert_line --regexp '^stat /new/dir: dir 0755 '
	assert_line 'read /new/dir/file: ok content\n'
}

# covers: 3.1.5
# bats test_tags=area:volumes,core
@test "a directory source on a file target is an error, and the reverse" {
	mkdir dir && echo x >file
	run_fly -254 run --volume=d,kind=host,source="$WORK/dir" \
		--mount=volume=d,target=/etc/passwd "$IMG"
	assert_output --partial '/etc/passwd'
	run_fly -254 run --volume=f,kind=host,source="$WORK/file" \
		--mount=volume=f,target=/etc "$IMG"
	assert_output --partial '/etc"'
}

# covers: 3.1.5 6.2
# bats test_tags=area:volumes,core
@test "a target through a symlink to / stays inside the image" {
	mkdir src rootfs-extra rootfs-extra/etc
	ln -s / rootfs-extra/escape
	ln -s ../../../../../../../tmp rootfs-extra/etc/up
	ln -s /nonexistent/place rootfs-extra/dangling
	make_image -a rootfs-extra app.aci
	run_fly -0 run --volume=d,kind=host,source="$WORK/src" \
		--mount=volume=d,target=/escape/landed app.aci --exec=/inspect -- \
		stat=/landed
	assert_line --regexp '^stat /landed: dir '
	[ ! -e /landed ]
	run_fly -0 run --volume=d,kind=host,source="$WORK/src" \
		--mount=volume=d,target=/etc/up/x app.aci --exec=/inspect -- \
		ls=/tmp
	assert_line 'ls /tmp: x'
	run_fly -0 run --volume=d,kind=host,source="$WORK/src" \
		--mount=volume=d,target=/dangling app.aci --exec=/inspect -- \
		stat=/nonexistent/place
	assert_line --regexp '^stat /nonexistent/place: dir '
	[ ! -e /nonexistent ]
}

# covers: 3.1.7
# bats test_tags=area:volumes,extension
@test "an empty volume is created with the given mode" {
	run_fly -0 run --volume=s,kind=empty,mode=0700 \
		--mount=volume=s,target=/scratch "$IMG" --exec=/inspect -- \
		stat=/scratch write=/scratch/f
	assert_line --regexp '^stat /scratch: dir 0700 0 0$'
	assert_line 'write /scratch/f: ok'
}

# covers: 3.1.3 3.1.4
# bats test_tags=area:volumes,core
@test "a non-recursive volume hides the source's submounts" {
	require_root
	mkdir -p src/sub && echo under >src/sub/file
	mount -t tmpfs tmpfs src/sub
	echo over >src/sub/file
	run_fly -0 run --volume=d,kind=host,source="$WORK/src" \
		--mount=volume=d,target=/v "$IMG" --exec=/inspect -- \
		read=/v/sub/file
	assert_output 'read /v/sub/file: ok under\n'
}

# covers: 3.1.4
# bats test_tags=area:volumes,core
@test "a recursive volume carries the submounts" {
	require_root
	mkdir -p src/sub
	mount -t tmpfs tmpfs src/sub
	echo over >src/sub/file
	run_fly -0 run --volume=d,kind=host,source="$WORK/src",recursive=true \
		--mount=volume=d,target=/v "$IMG" --exec=/inspect -- \
		read=/v/sub/file
	assert_output 'read /v/sub/file: ok over\n'
}

# covers: 3.1.4
# bats test_tags=area:volumes,core
@test "a read-only recursive volume makes every submount read-only" {
	require_root
	mkdir -p src/sub
	mount -t tmpfs tmpfs src/sub
	run_fly -0 run \
		--volume=d,kind=host,source="$WORK/src",recursive=true,readOnly=true \
		--mount=volume=d,target=/v "$IMG" --exec=/inspect -- \
		write=/v/x write=/v/sub/x
	assert_line 'write /v/x: error Read-only file system'
	assert_line 'write /v/sub/x: error Read-only file system'
	run touch src/sub/y
	assert_success
}

# covers: 3.1.4
# bats test_tags=area:volumes,extension
@test "unprivileged, a source with submounts needs recursive=true" {
	require_user_mode
	run_fly -254 run --volume=d,kind=host,source=/dev \
		--mount=volume=d,target=/hostdev "$IMG" --exec=/inspect
	assert_output --partial 'can only be bound with recursive=true'
	run_fly -0 run --volume=d,kind=host,source=/dev,recursive=true \
		--mount=volume=d,target=/hostdev "$IMG" --exec=/inspect -- \
		ls=/hostdev/pts
	assert_output --regexp '^ls /hostdev/pts: .*ptmx'
}

# --- 3.2 namespaces and propagation -------------------------------------

# covers: 3.2.3
# bats test_tags=area:propagation,extension
@test "in a private namespace fly's mounts never reach the caller's table" {
	before=$(host_mounts)
	"$IMPL" run "$IMG" --exec=/inspect -- sleep=0.5 >/dev/null &
	pid=$!
	sleep 0.3
	during=$(host_mounts)
	wait "$pid"
	assert_equal "$during" "$before"
	assert_equal "$(host_mounts)" "$before"
}

# covers: 3.2.2
# bats test_tags=area:propagation,core
@test "with --mount-ns=host the pod's mounts stay until gc" {
	require_root
	before=$(host_mounts)
	run_fly -0 run --mount-ns=host "$IMG" --exec=/inspect -- echo=done
	[ "$(host_mounts)" -gt "$before" ]
	run mounts_under "$FLY_DIR/pods"
	assert_output --partial '/rootfs/dev'
	run_fly -0 gc --grace-period=0
	run mounts_under "$FLY_DIR/pods"
	assert_output ''
	assert_equal "$(host_mounts)" "$before"
}

# rkt's pods multiplied their mounts when /sys was shared and a volume held
# the pod directory: each pod's binds propagated into the others' views.
# In a mount namespace of its own (the test makes /sys shared), four host
# mode pods each add their own mounts and at most one view of each earlier
# pod's root, whether the volume is recursive or not; gc then takes
# everything away.
# covers: 6.1
# bats test_tags=area:propagation,extension
@test "pods' mounts do not multiply when a shared volume holds their directory" {
	local flags

	require_root
	for flags in '' ,recursive=true; do
		rm -rf --one-file-system vol && mkdir vol
		# shellcheck disable=SC2016 # expanded by the inner bash
		run_cmd -0 unshare --mount --propagation unchanged bash -c '
			set -e
			count() { wc -l </proc/self/mountinfo; }
			mount --make-rshared /sys
			mount --bind vol vol
			mount --make-shared vol
			export FLY_DIR=$PWD/vol/data
			start=$(count) before=$start
			for i in 1 2 3 4; do
				"$IMPL" run --mount-ns=host \
					--volume=v,kind=host,source="$PWD/vol$1" \
					--mount=volume=v,target=/vol "$IMG" \
					--exec=/inspect
				echo "run $i added $(($(count) - before))"
				before=$(count)
			done
			"$IMPL" gc --grace-period=0 >/dev/null
			echo "after gc $(($(count) - start))"' - "$flags"
		first=$(sed -n 's/^run 1 added //p' <<<"$output")
		for i in 2 3 4; do
			added=$(sed -n "s/^run $i added //p" <<<"$output")
			[ "$added" -le $((first + i - 1)) ] ||
				fail "volume$flags: run $i added $added mounts, the first $first"
		done
		assert_line 'after gc 0'
	done
}

# bats test_tags=area:propagation,extension
@test "--mount-ns=host needs real root" {
	require_user_mode
	run_fly -254 run --mount-ns=host "$IMG"
	assert_output --partial 'needs real root'
}

# bats test_tags=area:propagation,fly
@test "a failure after mounting in the host namespace leaves no mount" {
	require_root
	before=$(host_mounts)
	run_fly -254 run --mount-ns=host "$IMG" --exec=/nothing/here
	assert_equal "$(host_mounts)" "$before"
}

# covers: 3.6.2
# bats test_tags=area:propagation,core
@test "undoing a failed host-mode run never unmounts the host's /dev mounts" {
	require_root
	# In a namespace of its own where /dev is shared, as on systemd hosts:
	# the pod's /dev bind is then a peer of the real one.
	# shellcheck disable=SC2016 # expanded by the inner shell
	run unshare --mount --propagation unchanged bash -c '
		mount --make-rshared /dev
		count() { awk '"'"'$5 ~ "^/dev/"'"'"' /proc/self/mountinfo | wc -l; }
		before=$(count)
		"$IMPL" run --mount-ns=host "$IMG" --exec=/nothing/here
		echo "status $? /dev mounts $before $(count)"'
	assert_output --partial "can't find the executable"
	assert_line --regexp '^status 254 /dev mounts ([0-9]+) \1$'
}

propagation_case() {
	mkdir shared
	mount -t tmpfs shared-src shared
	mount --make-private shared
	run_fly -0 run "$@" --volume=v,kind=host,source="$WORK/shared" \
		--mount=volume=v,target=/vol "$IMG" --exec=/inspect -- \
		mkdir=/vol/sub mount-tmpfs=/vol/sub
	assert_line 'mount-tmpfs /vol/sub: ok'
	run mounts_under "$WORK/shared"
	assert_line "$WORK/shared/sub"
}

# covers: 3.2.1
# bats test_tags=area:propagation,core
@test "a mount the app makes under a shared volume appears on the host" {
	require_root
	propagation_case
}

# covers: 3.2.1 3.2.2
# bats test_tags=area:propagation,core
@test "propagation to the host works with --mount-ns=host too" {
	require_root
	propagation_case --mount-ns=host
}

# covers: 3.2.4
# bats test_tags=area:propagation,extension
@test "unprivileged, the app's mounts cannot reach the host" {
	require_user_mode
	mkdir src
	run_fly -0 --debug run --volume=v,kind=host,source="$WORK/src" \
		--mount=volume=v,target=/vol "$IMG" --exec=/inspect -- \
		mkdir=/vol/sub mount-tmpfs=/vol/sub
	assert_line 'mount-tmpfs /vol/sub: ok'
	assert_output --partial "the host's shared mounts are slaves here"
	assert_output --partial "the app's mounts cannot reach the host"
	run mounts_under "$WORK/src"
	assert_output ''
}

# Root sets up a shared mount, then runs fly as uid 65534 with it as a
# volume: a mount root makes under it during the run reaches the app, the
# app's own mount stays in the app's namespace.
# covers: 3.2.4
# bats test_tags=area:propagation,extension
@test "unprivileged, host mounts reach the app as slaves" {
	require_root
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$IMPL" ||
		skip "uid 65534 cannot reach $IMPL"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		unshare --user --map-root-user true 2>/dev/null ||
		skip "uid 65534 cannot create a user namespace"
	pub=$(mktemp -d /tmp/fly-slave-XXXXXX)
	chmod 755 "$pub"
	cp "$IMG" "$pub/img.aci"
	chmod 644 "$pub/img.aci"
	mkdir "$pub/home" "$pub/src" && chown 65534:65534 "$pub/home"
	mount -t tmpfs -o mode=0777 fly-shared "$pub/src"
	mount --make-shared "$pub/src"
	mkdir "$pub/src/sub" "$pub/src/own"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME="$pub/home" FLY_DIR="$pub/home/fly" "$IMPL" run \
		--volume=v,kind=host,source="$pub/src" \
		--mount=volume=v,target=/vol "$pub/img.aci" --exec=/inspect -- \
		echo=started sleep=1.5 read=/vol/sub/f mount-tmpfs=/vol/own \
		mounts >"$pub/out" 2>&1 &
	pid=$!
	if wait_for_line "$pub/out" 'echo started'; then
		mount -t tmpfs fly-host "$pub/src/sub"
		echo from-host >"$pub/src/sub/f"
	fi
	rc=0
	wait "$pid" || rc=$?
	run cat "$pub/out"
	host=$(mounts_under "$pub/src")
	umount "$pub/src/sub" 2>/dev/null || true
	umount --lazy "$pub/src"
	rm -rf --one-file-system "$pub"
	assert_equal "$rc" 0
	assert_line 'read /vol/sub/f: ok from-host\n'
	assert_line 'mount-tmpfs /vol/own: ok'
	assert_line --regexp '^mount /vol/sub tmpfs [^ ]+ master:[0-9]+$'
	assert_equal "$host" "$(printf '%s\n' "$pub/src/sub" "$pub/src")"
}

# --- 3.5 DNS and hosts --------------------------------------------------

# covers: 3.5.1 6.7
# bats test_tags=area:dns-hosts,core
@test "--dns writes the app's resolv.conf" {
	run_fly -0 run --dns=192.0.2.1 --dns-search=example.com \
		--dns-opt=ndots:2 --dns-domain=example.com "$IMG" \
		--exec=/inspect -- read=/etc/resolv.conf
	assert_output 'read /etc/resolv.conf: ok nameserver 192.0.2.1\n'\
'search example.com\noptions ndots:2\ndomain example.com\n'
}

# covers: 3.5.1
# bats test_tags=area:dns-hosts,core
@test "--dns=host binds the host's resolv.conf; no flag leaves the image's" {
	[ -e /etc/resolv.conf ] || skip "the host has no /etc/resolv.conf"
	run_fly -0 run --dns=host "$IMG" --exec=/inspect -- \
		stat=/etc/resolv.conf
	assert_line --regexp '^stat /etc/resolv.conf: file '
	run_fly -0 run "$IMG" --exec=/inspect -- read=/etc/resolv.conf
	assert_output 'read /etc/resolv.conf: error No such file or directory'
}

# covers: 3.5.1 6.7
# bats test_tags=area:dns-hosts,core
@test "a resolv.conf volume is used as it is" {
	echo 'nameserver 198.51.100.7' >resolv
	run_fly -0 run --volume=r,kind=host,source="$WORK/resolv" \
		--mount=volume=r,target=/etc/resolv.conf "$IMG" \
		--exec=/inspect -- read=/etc/resolv.conf
	assert_output 'read /etc/resolv.conf: ok nameserver 198.51.100.7\n'
}

# covers: 3.5.2
# bats test_tags=area:dns-hosts,core
@test "--hosts-entry writes /etc/hosts; a missing one gets localhost" {
	run_fly -0 run --hosts-entry=192.0.2.5=db "$IMG" --exec=/inspect -- \
		read=/etc/hosts
	assert_output --partial '192.0.2.5 db'
	run_fly -0 run "$IMG" --exec=/inspect -- read=/etc/hosts
	assert_output 'read /etc/hosts: ok 127.0.0.1 localhost localdomain\n'
}

# covers: 3.5.2
# bats test_tags=area:dns-hosts,core
@test "an image's own /etc/hosts is never changed" {
	mkdir -p extra/etc && echo '10.1.1.1 mine' >extra/etc/hosts
	make_image -a extra app.aci
	run_fly -0 run app.aci --exec=/inspect -- read=/etc/hosts
	assert_output 'read /etc/hosts: ok 10.1.1.1 mine\n'
}

# covers: 3.5.3
# bats test_tags=area:dns-hosts,core
@test "/etc/mtab becomes a link to ../proc/self/mounts" {
	run_fly -0 run "$IMG" --exec=/bin/readlink -- /etc/mtab
	assert_output '../proc/self/mounts'
}

# --- pod record, --debug, read-only root ---------------------------------

# covers: 3.0.2 3.0.5 3.0.7
# bats test_tags=area:lifecycle,core
@test "a run leaves pods/run/UUID with the pod manifest, rootfs, pid and pgid" {
	run_fly -0 run --uuid-file-save="$WORK/uuid" "$IMG" --exec=/inspect -- pid
	pod=$FLY_DIR/pods/run/$(cat uuid)
	assert_line --regexp "^pid $(cat "$pod/pid") ppid [0-9]+$"
	assert [ -s "$pod/pgid" ]
	grep -q '"acKind": *"PodManifest"' "$pod/pod"
	run find "$pod" -maxdepth 6 -type d -name rootfs
	assert_line --regexp '/rootfs$'
}

# covers: 4.1
# bats test_tags=area:lifecycle,fly
@test "the pod's env file holds the app's environment" {
	run_fly -0 run --uuid-file-save="$WORK/uuid" --set-env=FROM=flag "$IMG" \
		--exec=/bin/true
	run tr '\0' '\n' <"$FLY_DIR/pods/run/$(cat uuid)/env"
	assert_line 'container=fly'
	assert_line 'FROM=flag'
	assert_line 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
}

# covers: 3.0.5
# bats test_tags=area:lifecycle,core
@test "while the app runs, its pod has pid and pgid files and is locked" {
	"$IMPL" run --uuid-file-save="$WORK/uuid" "$IMG" --exec=/inspect -- \
		echo=started sleep=30 >out 2>&1 &
	pid=$!
	files=missing gc=none state=
	if wait_for_line out 'echo started'; then
		pod=$FLY_DIR/pods/run/$(cat uuid)
		if [ -s "$pod/pid" ] && [ -s "$pod/pgid" ]; then
			files=present
		fi
		run_fly gc --grace-period=0
		gc=$status
		[ -d "$pod" ] || gc=removed
		run_fly status "$(cat uuid)"
		state=$output
	fi
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" || true
	assert_equal "$files" present
	assert_equal "$gc" 0
	run grep -x 'state=running' <<<"$state"
	assert_success
}

# bats test_tags=area:mounts,fly
@test "--debug logs every mount, the chroot and the exec" {
	run_fly -0 --separate-stderr --debug run "$IMG" --exec=/inspect -- \
		echo=x
	assert_regex "$stderr" 'mount plan: bind /dev on /dev recursive'
	assert_regex "$stderr" 'mount plan: tmpfs on /tmp'
	assert_regex "$stderr" 'chroot "'
	assert_regex "$stderr" 'exec "/inspect" as pid [0-9]+'
	assert_output 'echo x'
}

# bats test_tags=area:mounts,fly
@test "--read-only-rootfs keeps volumes and /tmp writable" {
	mkdir src
	run_fly -0 run --read-only-rootfs --volume=d,kind=host,source="$WORK/src" \
		--mount=volume=d,target=/d "$IMG" --exec=/inspect -- \
		write=/x write=/d/x write=/tmp/x
	assert_line 'write /x: error Read-only file system'
	assert_line 'write /d/x: ok'
	assert_line 'write /tmp/x: ok'
}
