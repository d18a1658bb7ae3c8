#!/usr/bin/env bats
# fly run (behaviour.md section 3), in both modes: real root inside a
# private mount namespace, and an unprivileged user.

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

# --- 3: order of operations, mounts -------------------------------------

@test "the app sees /dev, /proc and /sys bound recursively" {
	run_app -- mounts ls=/dev
	assert_success
	assert_line --regexp '^mount /dev devtmpfs '
	assert_line --regexp '^mount /dev/pts devpts '
	assert_line --regexp '^mount /proc proc '
	assert_line --regexp '^mount /sys sysfs '
	assert_line --regexp '^ls /dev: .*null.*'
}

@test "the app gets a fresh tmpfs on /tmp with mode 1777" {
	run_app -- mounts stat=/tmp ls=/tmp
	assert_success
	assert_line --regexp '^mount /tmp tmpfs rw,nosuid,nodev'
	assert_line --regexp '^stat /tmp: dir 1777 '
	assert_line 'ls /tmp:'
}

@test "the app's exit status is fly's" {
	run_app -- exit=7
	assert_equal "$status" 7
	run_app -- exit=0
	assert_success
}

@test "an app killed by a signal shows as 128+N" {
	run_app -- kill=15
	assert_equal "$status" 143
}

@test "fly stays as the app's parent and the pid file names the app" {
	"$IMPL" run --uuid-file-save="$WORK/uuid" "$IMG" --exec=/inspect -- \
		pid >out &
	pid=$!
	wait "$pid"
	app=$(cat "$FLY_DIR/pods/run/$(cat uuid)/pid")
	run cat out
	assert_output "pid $app ppid $pid"
}

@test "the app's exit status is recorded in the pod" {
	run_fly -7 run --uuid-file-save="$WORK/uuid" "$IMG" --exec=/inspect -- \
		exit=7
	assert_equal "$(cat "$FLY_DIR/pods/run/$(cat uuid)/exit")" 7
}

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

@test "a pre-start handler runs first, in the pod, with the app's environment" {
	make_image app.aci example.com/hooks '["/inspect", "read=/tmp/pre"]' \
		'"environment": [{"name": "GREETING", "value": "hi"}],
		 "eventHandlers": [{"name": "pre-start", "exec": ["/bin/sh", "-c", "echo $GREETING > /tmp/pre"]}]'
	run_fly -0 run app.aci
	assert_output 'read /tmp/pre: ok hi\n'
}

@test "a failing pre-start handler stops the run before the app" {
	make_image app.aci example.com/hooks '["/inspect", "echo=app-ran"]' \
		'"eventHandlers": [{"name": "pre-start", "exec": ["/bin/false"]}]'
	run_fly -254 run app.aci
	assert_output --partial 'pre-start handler exited with 1'
	refute_output --partial 'app-ran'
}

@test "a post-stop handler runs after the app; the app's status stays" {
	mkdir out
	make_image app.aci example.com/hooks '["/inspect", "write=/tmp/x", "exit=3"]' \
		'"mountPoints": [{"name": "out", "path": "/out"}],
		 "eventHandlers": [{"name": "post-stop", "exec": ["/bin/sh", "-c", "cat /tmp/x > /out/seen"]}]'
	run_fly -3 run --volume=out,kind=host,source="$WORK/out" app.aci
	assert_equal "$(cat out/seen)" fly
}

@test "one run's writes are never seen by another" {
	run_app -- write=/data/mark write=/etc/mark
	assert_line 'write /data/mark: ok'
	run_app -- read=/data/mark read=/etc/mark
	assert_line 'read /data/mark: error No such file or directory'
	assert_line 'read /etc/mark: error No such file or directory'
}

@test "--no-overlay gives each run its own copy of the image" {
	run_fly -0 run --no-overlay "$IMG" --exec=/inspect -- \
		write=/etc/mark read=/etc/mark
	assert_line 'read /etc/mark: ok fly\n'
	run_fly -0 run --no-overlay "$IMG" --exec=/inspect -- read=/etc/mark
	assert_output 'read /etc/mark: error No such file or directory'
	run_app -- read=/etc/mark
	assert_output 'read /etc/mark: error No such file or directory'
}

@test "the app can remove and rename the image's directories" {
	run_fly -0 run "$IMG" --exec=/bin/sh -- -c \
		'rm -r /etc && mv /home /house && ls /'
	refute_line etc
	assert_line house
	run_app -- ls=/etc
	assert_output 'ls /etc: group hosts mtab passwd'
}

@test "a missing image is a fly failure: exit 254 and one line" {
	run_fly -254 --separate-stderr run "$WORK/nothing.aci"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^fly: .*nothing\.aci'
}

@test "an unknown run flag is a usage error: exit 2" {
	run_fly -2 --separate-stderr run --bogus "$IMG"
	assert_regex "$stderr" 'unknown flag "--bogus"'
	assert_equal "$output" ""
}

@test "arguments after -- replace the image's arguments" {
	make_image app.aci example.com/args '["/inspect", "echo=from-image"]'
	run_fly -0 run app.aci
	assert_output 'echo from-image'
	run_fly -0 run app.aci -- echo=from-flags
	assert_output 'echo from-flags'
}

@test "--exec replaces the image's program" {
	run_fly -0 run "$IMG" --exec=/bin/sh -- -c 'echo via-shell'
	assert_output 'via-shell'
}

@test "an image without an app needs --exec" {
	make_image noapp.aci example.com/noapp -
	run_fly -2 run noapp.aci
	assert_output --partial 'give --exec'
	run_fly -0 run noapp.aci --exec=/inspect -- echo=ok
	assert_output 'echo ok'
}

# --- 3.3 environment ----------------------------------------------------

@test "nothing leaks from the host environment" {
	LEAK=secret run_app -- env
	assert_success
	refute_line --partial LEAK
	assert_line 'env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	assert_line 'env SHELL=/bin/sh'
	assert_line 'env USER=root'
	assert_line 'env LOGNAME=root'
	assert_line 'env HOME=/root'
	assert_line 'env AC_APP_NAME=fly-test'
	assert_line 'env container=fly'
}

@test "environment precedence: inherited < image < env file < --set-env" {
	make_image app.aci example.com/envs '["/inspect", "env"]' \
		'"environment": [{"name": "A", "value": "image"}, {"name": "B", "value": "image"}, {"name": "C", "value": "image"}, {"name": "PATH", "value": "/bin"}]'
	printf '# comment\n; also\n\nB=file\nC=file\n' >vars.env
	A=host D=host run_fly -0 run --inherit-env --set-env-file=vars.env \
		--set-env=C=flag app.aci
	assert_line 'env A=image'
	assert_line 'env B=file'
	assert_line 'env C=flag'
	assert_line 'env D=host'
	assert_line 'env PATH=/bin'
}

@test "a malformed env file line is an error naming the file and line" {
	printf 'GOOD=1\nnot a variable\n' >bad.env
	run_fly -254 run --set-env-file=bad.env "$IMG"
	assert_output --partial 'bad.env'
	assert_output --partial 'line 2'
}

# --- 3.4 user, group, executable ---------------------------------------

@test "the app runs as the image's user and group by name" {
	require_root
	make_image app.aci example.com/ids '["/inspect", "ids"]' \
		'"user": "user", "group": "users", "supplementaryGIDs": [50]'
	run_fly -0 run app.aci
	assert_line 'uid 1000 1000 1000'
	assert_line 'gid 100 100 100'
	assert_line 'groups 50,100'
}

@test "--user and --group take numbers and paths in the image" {
	require_root
	run_fly -0 run --user=1234 --group=/home/user "$IMG" \
		--exec=/inspect -- ids
	assert_line 'uid 1234 1234 1234'
	assert_line 'gid 0 0 0'
}

@test "an unknown user is an error, looked up in the image only" {
	run_fly -254 run --user=postgres "$IMG" --exec=/inspect -- ids
	assert_output --partial 'user "postgres"'
}

@test "unprivileged, a user the namespace does not map is a clear error" {
	require_user_mode
	run_fly -254 run --user=user "$IMG" --exec=/inspect -- ids
	assert_output --partial 'not mapped in the user namespace'
}

# Run fly as uid 65534 with subordinate ids bound over /etc/subuid and
# /etc/subgid inside the test's own mount namespace.
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

@test "a bare executable name is searched in the app's PATH" {
	run_fly -0 run "$IMG" --exec=sh -- -c 'echo found'
	assert_output 'found'
}

@test "a missing executable is an error" {
	run_fly -254 run "$IMG" --exec=nosuchprog
	assert_output --partial "can't find the executable"
	run_fly -254 run "$IMG" --exec=/no/such
	assert_output --partial "can't find the executable"
}

@test "the working directory comes from the image or --working-dir" {
	make_image app.aci example.com/wd '["/inspect", "cwd"]' \
		'"workingDirectory": "/home/user"'
	run_fly -0 run app.aci
	assert_output 'cwd /home/user'
	run_fly -0 run --working-dir=/etc app.aci
	assert_output 'cwd /etc'
}

@test "a missing working directory is an error, never created" {
	run_fly -254 run --working-dir=/nowhere "$IMG" --exec=/inspect -- cwd
	assert_output --partial '"/nowhere"'
}

# --- 3.1 volumes ------------------------------------------------------------

@test "a host volume shows the source and the app's writes reach it" {
	mkdir src && echo hello >src/file
	run_fly -0 run --volume=data,kind=host,source="$WORK/src" \
		--mount=volume=data,target=/mnt/data "$IMG" --exec=/inspect -- \
		read=/mnt/data/file write=/mnt/data/new
	assert_line 'read /mnt/data/file: ok hello\n'
	assert_line 'write /mnt/data/new: ok'
	assert_equal "$(cat src/new)" fly
}

@test "an image mount point gets the volume of its name" {
	mkdir src && echo hi >src/f
	make_image app.aci example.com/mp '["/inspect", "read=/srv/f"]' \
		'"mountPoints": [{"name": "data", "path": "/srv"}]'
	run_fly -0 run --volume=data,kind=host,source="$WORK/src" app.aci
	assert_output 'read /srv/f: ok hi\n'
}

@test "a read-only volume refuses writes; readOnly comes from the image too" {
	mkdir src
	make_image app.aci example.com/ro '["/inspect", "write=/srv/x"]' \
		'"mountPoints": [{"name": "data", "path": "/srv", "readOnly": true}]'
	run_fly -0 run --volume=data,kind=host,source="$WORK/src" app.aci
	assert_output 'write /srv/x: error Read-only file system'
	run_fly -0 run --volume=data,kind=host,source="$WORK/src",readOnly=false app.aci
	assert_output 'write /srv/x: ok'
}

@test "a mount point without a volume is an error" {
	make_image app.aci example.com/mp '["/inspect"]' \
		'"mountPoints": [{"name": "data", "path": "/srv"}]'
	run_fly -254 run app.aci
	assert_output --partial 'missing volume for mountpoint "data"'
}

@test "a --mount whose target differs from the image mount point conflicts" {
	mkdir src
	make_image app.aci example.com/mp '["/inspect"]' \
		'"mountPoints": [{"name": "data", "path": "/srv"}]'
	run_fly -254 run --volume=data,kind=host,source="$WORK/src" \
		--mount=volume=data,target=/other app.aci
	assert_output --partial 'conflicting path information'
}

@test "one volume mounted twice, or two volumes of one name, are errors" {
	mkdir src
	run_fly -254 run --volume=d,kind=host,source="$WORK/src" \
		--mount=volume=d,target=/a --mount=volume=d,target=/b "$IMG"
	assert_output --partial 'duplicate mount'
	run_fly -254 run --volume=d,kind=host,source="$WORK/src" \
		--volume=d,kind=host,source="$WORK/src" "$IMG"
	assert_output --partial 'duplicate volume name'
}

@test "bad --volume syntax is a usage error" {
	run_fly -2 run --volume=data,kind=host "$IMG"
	assert_output --partial 'kind=host needs source='
	run_fly -2 run --volume=data,kind=host,source=/x,readOnly=maybe "$IMG"
	assert_output --partial 'readOnly'
}

@test "a missing host source is an error and leaves no pod behind" {
	run_fly -254 run --volume=d,kind=host,source="$WORK/gone" \
		--mount=volume=d,target=/d "$IMG"
	assert_output --partial "$WORK/gone"
	run ls "$FLY_DIR/pods/run"
	assert_output ''
}

@test "a file source creates a file target; parents are created 0755" {
	echo content >file
	run_fly -0 run --volume=f,kind=host,source="$WORK/file" \
		--mount=volume=f,target=/new/dir/file "$IMG" --exec=/inspect -- \
		stat=/new/dir read=/new/dir/file
	assert_line --regexp '^stat /new/dir: dir 0755 '
	assert_line 'read /new/dir/file: ok content\n'
}

@test "a directory source on a file target is an error, and the reverse" {
	mkdir dir && echo x >file
	run_fly -254 run --volume=d,kind=host,source="$WORK/dir" \
		--mount=volume=d,target=/etc/passwd "$IMG"
	assert_output --partial 'is a file, the source a directory'
	run_fly -254 run --volume=f,kind=host,source="$WORK/file" \
		--mount=volume=f,target=/etc "$IMG"
	assert_output --partial 'is a directory, the source a file'
}

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

@test "an empty volume is created with the given mode" {
	run_fly -0 run --volume=s,kind=empty,mode=0700 \
		--mount=volume=s,target=/scratch "$IMG" --exec=/inspect -- \
		stat=/scratch write=/scratch/f
	assert_line --regexp '^stat /scratch: dir 0700 0 0$'
	assert_line 'write /scratch/f: ok'
}

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

@test "with --mount-ns=host the pod's mounts stay until gc" {
	require_root
	before=$(host_mounts)
	run_fly -0 run --mount-ns=host "$IMG" --exec=/inspect -- echo=done
	[ "$(host_mounts)" -gt "$before" ]
	run mounts_under "$FLY_DIR/pods"
	assert_output --partial '/rootfs/dev'
}

@test "--mount-ns=host needs real root" {
	require_user_mode
	run_fly -254 run --mount-ns=host "$IMG"
	assert_output --partial 'needs real root'
}

@test "a failure after mounting in the host namespace leaves no mount" {
	require_root
	before=$(host_mounts)
	run_fly -254 run --mount-ns=host "$IMG" --exec=/nothing/here
	assert_equal "$(host_mounts)" "$before"
}

@test "undoing a failed host-mode run never unmounts the host's /dev mounts" {
	require_root
	# In a namespace of its own where /dev is shared, as on systemd hosts:
	# the pod's /dev bind is then a peer of the real one.
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

@test "a mount the app makes under a shared volume appears on the host" {
	require_root
	propagation_case
}

@test "propagation to the host works with --mount-ns=host too" {
	require_root
	propagation_case --mount-ns=host
}

@test "unprivileged, the app's mounts cannot reach the host" {
	require_user_mode
	mkdir src
	run_fly -0 --debug run --volume=v,kind=host,source="$WORK/src" \
		--mount=volume=v,target=/vol "$IMG" --exec=/inspect -- \
		mkdir=/vol/sub mount-tmpfs=/vol/sub
	assert_line 'mount-tmpfs /vol/sub: ok'
	assert_output --partial "the app's mounts cannot reach the host"
	run mounts_under "$WORK/src"
	assert_output ''
}

# --- 3.5 DNS and hosts --------------------------------------------------

@test "--dns writes the app's resolv.conf" {
	run_fly -0 run --dns=192.0.2.1 --dns-search=example.com \
		--dns-opt=ndots:2 --dns-domain=example.com "$IMG" \
		--exec=/inspect -- read=/etc/resolv.conf
	assert_output 'read /etc/resolv.conf: ok nameserver 192.0.2.1\nsearch example.com\noptions ndots:2\ndomain example.com\n'
}

@test "--dns=host binds the host's resolv.conf; no flag leaves the image's" {
	[ -e /etc/resolv.conf ] || skip "the host has no /etc/resolv.conf"
	run_fly -0 run --dns=host "$IMG" --exec=/inspect -- \
		stat=/etc/resolv.conf
	assert_line --regexp '^stat /etc/resolv.conf: file '
	run_fly -0 run "$IMG" --exec=/inspect -- read=/etc/resolv.conf
	assert_output 'read /etc/resolv.conf: error No such file or directory'
}

@test "a resolv.conf volume is used as it is" {
	echo 'nameserver 198.51.100.7' >resolv
	run_fly -0 run --volume=r,kind=host,source="$WORK/resolv" \
		--mount=volume=r,target=/etc/resolv.conf "$IMG" \
		--exec=/inspect -- read=/etc/resolv.conf
	assert_output 'read /etc/resolv.conf: ok nameserver 198.51.100.7\n'
}

@test "--hosts-entry writes /etc/hosts; a missing one gets localhost" {
	run_fly -0 run --hosts-entry=192.0.2.5=db "$IMG" --exec=/inspect -- \
		read=/etc/hosts
	assert_output --partial '192.0.2.5 db'
	run_fly -0 run "$IMG" --exec=/inspect -- read=/etc/hosts
	assert_output 'read /etc/hosts: ok 127.0.0.1 localhost localdomain\n'
}

@test "an image's own /etc/hosts is never changed" {
	mkdir -p extra/etc && echo '10.1.1.1 mine' >extra/etc/hosts
	make_image -a extra app.aci
	run_fly -0 run app.aci --exec=/inspect -- read=/etc/hosts
	assert_output 'read /etc/hosts: ok 10.1.1.1 mine\n'
}

@test "/etc/mtab becomes a link to ../proc/self/mounts" {
	run_fly -0 run "$IMG" --exec=/bin/readlink -- /etc/mtab
	assert_output '../proc/self/mounts'
}

# --- pod record, --debug, read-only root ---------------------------------

@test "the run leaves a pod record: manifest, pid, pgid, env" {
	run_fly -0 run --uuid-file-save="$WORK/uuid" "$IMG" --exec=/inspect -- pid
	uuid=$(cat uuid)
	pod=$FLY_DIR/pods/run/$uuid
	[ -f "$pod/pod" ]
	grep -q '"acKind": "PodManifest"' "$pod/pod"
	assert_line --regexp "^pid $(cat "$pod/pid") ppid [0-9]+$"
	[ -s "$pod/pgid" ]
	tr '\0' '\n' <"$pod/env" | grep -qx 'container=fly'
}

@test "--debug logs every mount, the chroot and the exec" {
	run_fly -0 --separate-stderr --debug run "$IMG" --exec=/inspect -- \
		echo=x
	assert_regex "$stderr" 'mount plan: bind /dev on /dev recursive'
	assert_regex "$stderr" 'mount plan: tmpfs on /tmp'
	assert_regex "$stderr" 'chroot "'
	assert_regex "$stderr" 'exec "/inspect" as pid [0-9]+'
	assert_output 'echo x'
}

@test "--read-only-rootfs keeps volumes and /tmp writable" {
	mkdir src
	run_fly -0 run --read-only-rootfs --volume=d,kind=host,source="$WORK/src" \
		--mount=volume=d,target=/d "$IMG" --exec=/inspect -- \
		write=/x write=/d/x write=/tmp/x
	assert_line 'write /x: error Read-only file system'
	assert_line 'write /d/x: ok'
	assert_line 'write /tmp/x: ok'
}
