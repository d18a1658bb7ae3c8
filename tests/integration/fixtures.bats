#!/usr/bin/env bats
# The test fixtures themselves: mkaci, mkimage, the manifest helpers and the
# inspect program, whose line format every other test relies on.
# shellcheck disable=SC2154 # stderr and stderr_lines are set by bats' run

load helpers

setup() {
	fly_setup
	mkdir -p rootfs/bin rootfs/etc
	echo hello >rootfs/etc/greeting
	chmod 0644 rootfs/etc/greeting
	ln -s ../etc/greeting rootfs/bin/link
	manifest_json example.com/plain '["/bin/true"]' >manifest
}

teardown() {
	if [ -n "${PUBLIC:-}" ]; then
		rm -rf --one-file-system -- "$PUBLIC"
	fi
	fly_teardown
}

# Assert that ACI (decompressed by the command DECOMPRESS) lists "manifest"
# first, "rootfs/" second and only rootfs/ entries after them.
assert_aci_layout() {
	local aci=$1 decompress=$2

	run_cmd -0 bash -c "set -o pipefail; $decompress <\"\$1\" | tar -tf -" \
		- "$aci"
	assert_equal "${lines[0]}" manifest
	assert_equal "${lines[1]}" rootfs/
	assert_line rootfs/etc/greeting
	assert_line rootfs/bin/link
	for line in "${lines[@]:1}"; do
		[[ $line == rootfs/* ]] || fail "entry \"$line\" is outside rootfs/"
	done
	run_cmd -0 bash -c "set -o pipefail; $decompress <\"\$1\" | \
		tar -xOf - manifest" - "$aci"
	assert_output "$(cat manifest)"
}

uncompressed_sha512() {
	local sum

	sum=$("$1" -dc <"$2" | sha512sum)
	echo "sha512-${sum%% *}"
}

# bats test_tags=area:harness,harness
@test "mkaci writes a plain tar with the manifest first and rootfs/ after it" {
	run_cmd -0 "$FIXTURES/mkaci" manifest rootfs out.aci
	assert_equal "$(head -c 262 out.aci | tail -c 5)" ustar
	assert_aci_layout out.aci cat
}

# bats test_tags=area:harness,harness
@test "mkaci compresses with gzip" {
	run_cmd -0 "$FIXTURES/mkaci" -c gzip manifest rootfs out.aci
	gzip -t out.aci
	assert_aci_layout out.aci 'gzip -dc'
}

# bats test_tags=area:harness,harness
@test "mkaci compresses with bzip2" {
	run_cmd -0 "$FIXTURES/mkaci" -c bzip2 manifest rootfs out.aci
	bzip2 -t out.aci
	assert_aci_layout out.aci 'bzip2 -dc'
}

# bats test_tags=area:harness,harness
@test "mkaci compresses with xz" {
	run_cmd -0 "$FIXTURES/mkaci" -c xz manifest rootfs out.aci
	xz -t out.aci
	assert_aci_layout out.aci 'xz -dc'
}

# bats test_tags=area:harness,harness
@test "mkaci compresses with zstd" {
	run_cmd -0 "$FIXTURES/mkaci" -c zstd manifest rootfs out.aci
	zstd -q -t out.aci
	assert_aci_layout out.aci 'zstd -dc'
}

# bats test_tags=area:harness,harness
@test "mkaci gives the same bytes for the same tree whatever the mtimes" {
	"$FIXTURES/mkaci" -c gzip manifest rootfs first.aci
	touch -d '2001-02-03 04:05' rootfs/etc/greeting rootfs/bin
	"$FIXTURES/mkaci" -c gzip manifest rootfs second.aci
	cmp first.aci second.aci
}

# bats test_tags=area:harness,harness
@test "mkaci stores every owner as 0:0 and -o keeps the real owners" {
	if [ "$(id -u)" = 0 ]; then
		chown 1234:4321 rootfs/etc/greeting
	fi
	owner=$(stat -c %u/%g rootfs/etc/greeting)
	"$FIXTURES/mkaci" manifest rootfs zero.aci
	"$FIXTURES/mkaci" -o manifest rootfs real.aci
	run_cmd -0 tar -tvf zero.aci --numeric-owner
	refute_line --regexp '^[^ ]+ ([1-9][0-9]*/[0-9]+|[0-9]+/[1-9][0-9]*) '
	run_cmd -0 tar -tvf real.aci --numeric-owner rootfs/etc/greeting
	assert_output --regexp "^-rw-r--r-- $owner "
}

# bats test_tags=area:harness,harness
@test "mkaci -x prints the SHA-512 of the uncompressed tar as the image ID" {
	run_cmd -0 --separate-stderr "$FIXTURES/mkaci" -x -c gzip manifest \
		rootfs out.aci
	assert_output "$(uncompressed_sha512 gzip out.aci)"
	assert_output --regexp '^sha512-[0-9a-f]{128}$'
}

# bats test_tags=area:harness,harness
@test "mkaci refuses an unknown compression with its usage and status 2" {
	run_cmd -2 --separate-stderr "$FIXTURES/mkaci" -c lzip manifest \
		rootfs out.aci
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" 'mkaci: unknown compression "lzip"'
	assert_equal "${stderr_lines[1]%% *}" Usage:
	assert [ ! -e out.aci ]
}

# bats test_tags=area:harness,harness
@test "mkaci refuses a missing rootfs and writes nothing" {
	run_cmd -1 "$FIXTURES/mkaci" manifest no-such-dir out.aci
	assert_output 'mkaci: rootfs "no-such-dir" is not a directory'
	assert [ ! -e out.aci ]
}

# bats test_tags=area:harness,harness
@test "mkaci leaves no partial archive behind when compression fails" {
	mkdir bin
	printf '#!/bin/sh\nhead -c 100\nexit 1\n' >bin/zstd
	chmod +x bin/zstd
	PATH=$WORK/bin:$PATH run_cmd '!' "$FIXTURES/mkaci" -c zstd manifest \
		rootfs out.aci
	assert_line 'mkaci: cannot write "out.aci"'
	run_cmd -0 ls -A
	assert_output "$(printf 'bin\nmanifest\nrootfs')"
}

# bats test_tags=area:harness,harness
@test "mkimage puts busybox, its applets and inspect in the image" {
	make_image image.aci
	mkdir x
	tar -xf image.aci -C x
	assert [ -f x/rootfs/bin/busybox ] && assert [ -x x/rootfs/bin/busybox ]
	for applet in sh ls cat echo id mount mkdir sleep true false env pwd \
		stat touch test; do
		assert_equal "$(readlink "x/rootfs/bin/$applet")" busybox
	done
	cmp x/rootfs/inspect "$INSPECT"
	assert [ -x x/rootfs/inspect ]
}

# bats test_tags=area:harness,harness
@test "mkimage writes the standard users and groups and no hosts, resolv.conf or mtab" {
	make_image image.aci
	mkdir x
	tar -xf image.aci -C x
	run_cmd -0 cat x/rootfs/etc/passwd
	assert_line 'root:x:0:0:root:/root:/bin/sh'
	assert_line 'daemon:x:2:2:daemon:/:/bin/false'
	assert_line 'user:x:1000:1000:user:/home/user:/bin/sh'
	assert_equal "${#lines[@]}" 3
	run_cmd -0 cat x/rootfs/etc/group
	assert_output "$(printf '%s\n' root:x:0: staff:x:50: users:x:100:user \
		user:x:1000:)"
	assert [ ! -e x/rootfs/etc/hosts ]
	assert [ ! -e x/rootfs/etc/resolv.conf ]
	assert [ ! -e x/rootfs/etc/mtab ]
}

# bats test_tags=area:harness,harness
@test "mkimage creates the standard directories with a sticky /tmp" {
	make_image image.aci
	mkdir x
	tar -xf image.aci -C x
	for dir in tmp home/user root etc dev proc sys data; do
		assert [ -d "x/rootfs/$dir" ]
	done
	run_cmd -0 tar -tvf image.aci
	assert_line --regexp '^drwxrwxrwt .* rootfs/tmp/$'
	assert_line --regexp '^drwx------ .* rootfs/root/$'
}

# bats test_tags=area:harness,harness
@test "mkimage's default manifest runs /inspect env as root" {
	make_image image.aci
	run_cmd -0 tar -xOf image.aci manifest
	assert_line '  "acKind": "ImageManifest",'
	assert_line '  "acVersion": "0.8.11",'
	assert_line '  "name": "example.com/fly-test",'
	assert_line '    { "name": "version", "value": "1.0.0" },'
	assert_line '    { "name": "os", "value": "linux" },'
	assert_line '    { "name": "arch", "value": "amd64" }'
	assert_line '    "exec": ["/inspect", "env"],'
	assert_line '    "user": "0",'
	assert_line '    "group": "0"'
}

# bats test_tags=area:harness,harness
@test "mkimage -n names the image and -m replaces the whole manifest" {
	make_image -n example.com/other named.aci
	run_cmd -0 tar -xOf named.aci manifest
	assert_line '  "name": "example.com/other",'
	make_image -m manifest own.aci
	run_cmd -0 tar -xOf own.aci manifest
	assert_output "$(cat manifest)"
}

# bats test_tags=area:harness,harness
@test "mkimage -x prints the image ID of the archive it wrote" {
	run_cmd -0 --separate-stderr "$FIXTURES/mkimage" -x -c xz image.aci
	assert_output "$(uncompressed_sha512 xz image.aci)"
	xz -t image.aci
}

# bats test_tags=area:harness,harness
@test "mkimage -a copies a directory over the rootfs" {
	mkdir -p extra/etc
	echo '127.0.0.1 extra' >extra/etc/hosts
	make_image -a extra image.aci
	run_cmd -0 tar -xOf image.aci rootfs/etc/hosts
	assert_output '127.0.0.1 extra'
}

# bats test_tags=area:harness,harness
@test "make_image writes its manifest with manifest_json" {
	make_image image.aci example.com/app '["/bin/sh", "-c", "true"]' \
		'"user": "user", "workingDirectory": "/tmp"'
	run_cmd -0 tar -xOf image.aci manifest
	assert_line '  "name": "example.com/app",'
	assert_line '    "exec": ["/bin/sh", "-c", "true"],'
	assert_line '    "group": "0",'
	assert_line '    "user": "user", "workingDirectory": "/tmp"'
	refute_line --partial '"user": "0"'
}

# bats test_tags=area:harness,harness
@test "manifest_json leaves out the app for - and only exec for an empty exec" {
	run_cmd -0 manifest_json example.com/none - '' '"annotations": []'
	refute_line --partial '"app"'
	assert_line '  "annotations": []'
	assert_equal "${lines[-1]}" '}'
	run_cmd -0 manifest_json example.com/noexec ''
	assert_line '  "app": {'
	refute_line --partial '"exec"'
}

# bats test_tags=area:harness,harness
@test "inspect runs its commands in order and exit=N ends it with status N" {
	run_cmd -3 "$INSPECT" echo=hi exit=3 echo=never
	assert_output 'echo hi'
}

# bats test_tags=area:harness,harness
@test "inspect args prints its arguments as received" {
	run_cmd -0 "$INSPECT" args 'echo=two words'
	assert_output "$(printf 'arg0 %s\narg1 args\narg2 echo=two words\n%s' \
		"$INSPECT" 'echo two words')"
}

# bats test_tags=area:harness,harness
@test "inspect env prints the environment sorted by name, newlines escaped" {
	run_cmd -0 env -i B=2 A.B=3 A=1 "NL=a
b" EMPTY= "$INSPECT" env
	assert_output "$(printf '%s\n' 'env A=1' 'env A.B=3' 'env B=2' \
		'env EMPTY=' 'env NL=a\nb')"
}

# bats test_tags=area:harness,harness
@test "inspect cwd prints the working directory" {
	mkdir here
	cd here
	run_cmd -0 "$INSPECT" cwd
	assert_output "cwd $(pwd -P)"
}

# bats test_tags=area:harness,harness
@test "inspect ids prints real, effective and saved ids and the sorted groups" {
	groups=$(sed -n 's/^Groups:\t*//p' /proc/self/status | tr ' ' '\n' |
		grep . | sort -n | paste -sd, || true)
	run_cmd -0 "$INSPECT" ids
	assert_line --index 0 "uid $(id -u) $(id -u) $(id -u)"
	assert_line --index 1 "gid $(id -g) $(id -g) $(id -g)"
	assert_line --index 2 "groups $groups"
}

# bats test_tags=area:harness,harness
@test "inspect ids shows the credentials a root caller gave it" {
	require_root
	# The test directory is private to root: give the other users a copy.
	PUBLIC=$(mktemp -d /tmp/fly-inspect.XXXXXX)
	chmod 0755 "$PUBLIC"
	cp "$INSPECT" "$PUBLIC/inspect"
	run_cmd -0 setpriv --reuid=1000 --regid=100 --groups=100,5,50 \
		"$PUBLIC/inspect" ids
	assert_output "$(printf '%s\n' 'uid 1000 1000 1000' 'gid 100 100 100' \
		'groups 5,50,100')"
	run_cmd -0 setpriv --reuid=2 --regid=2 --clear-groups \
		"$PUBLIC/inspect" ids
	assert_line 'groups '
}

# Run inspect with ARGS in a new mount namespace: as root directly, as a
# user inside a new user namespace.
inspect_in_mount_namespace() {
	if [ "$FLY_TEST_MODE" = root ]; then
		require_root
		run_cmd -0 unshare --mount --propagation private "$@"
	else
		require_userns
		run_cmd -0 unshare --user --map-root-user --mount \
			--propagation private "$@"
	fi
}

# bats test_tags=area:harness,harness
@test "inspect mounts shows target, type, options and propagation" {
	mkdir shared private
	here=$(pwd -P)
	# shellcheck disable=SC2016 # expanded by the inner shell
	inspect_in_mount_namespace sh -c '
		mount -t tmpfs -o ro,nosuid fly-test private &&
		mount -t tmpfs fly-test shared &&
		mount --make-shared shared && exec "$1" mounts' - "$INSPECT"
	assert_line --regexp "^mount $here/shared tmpfs rw[^ ]* shared:[0-9]+\$"
	assert_line --regexp "^mount $here/private tmpfs ro,nosuid[^ ]* private\$"
	assert_line --regexp '^mount /proc proc [^ ]+ [^ ]+$'
}

# bats test_tags=area:harness,harness
@test "inspect mount-tmpfs mounts a tmpfs where it is told" {
	here=$(pwd -P)
	inspect_in_mount_namespace "$INSPECT" mkdir=t mount-tmpfs=t write=t/f \
		mounts
	assert_line 'mount-tmpfs t: ok'
	assert_line 'write t/f: ok'
	assert_line --regexp "^mount $here/t tmpfs "
	assert [ ! -e t/f ]
}

# bats test_tags=area:harness,harness
@test "inspect mount-tmpfs reports the error when mounting is not allowed" {
	require_user_mode
	run_cmd -0 "$INSPECT" mount-tmpfs=.
	assert_output 'mount-tmpfs .: error Operation not permitted'
}

# bats test_tags=area:harness,harness
@test "inspect read shows the content with newlines as \\n, or the error" {
	printf 'one\ntwo\n' >file
	: >empty
	run_cmd -0 "$INSPECT" read=file read=empty read=missing
	assert_line --index 0 'read file: ok one\ntwo\n'
	assert_line --index 1 'read empty: ok '
	assert_line --index 2 'read missing: error No such file or directory'
}

# bats test_tags=area:harness,harness
@test "inspect read stops after 4096 bytes" {
	head -c 5000 /dev/zero | tr '\0' x >big
	run_cmd -0 "$INSPECT" read=big
	assert_output "read big: ok $(head -c 4096 big)"
}

# bats test_tags=area:harness,harness
@test "inspect write puts fly and a newline in the file, truncating it" {
	echo 'a much longer old content' >file
	run_cmd -0 "$INSPECT" write=file write=new write=missing/file
	assert_line --index 0 'write file: ok'
	assert_line --index 1 'write new: ok'
	assert_line --index 2 'write missing/file: error No such file or directory'
	assert_equal "$(cat file)" fly
	assert_equal "$(cat new)" fly
}

# bats test_tags=area:harness,harness
@test "inspect stat prints type, mode, uid and gid without following links" {
	touch file
	chmod 0640 file
	mkdir dir
	chmod 2750 dir
	ln -s file link
	mkfifo fifo
	ids="$(id -u) $(id -g)"
	run_cmd -0 "$INSPECT" stat=file stat=dir stat=link stat=fifo \
		stat=/dev/null stat=missing
	assert_line --index 0 "stat file: file 0640 $ids"
	assert_line --index 1 "stat dir: dir 2750 $ids"
	assert_line --index 2 "stat link: link 0777 $ids"
	assert_line --index 3 "stat fifo: fifo $(stat -c %04a fifo) $ids"
	assert_line --index 4 --regexp '^stat /dev/null: char 0666 [0-9]+ [0-9]+$'
	assert_line --index 5 'stat missing: error No such file or directory'
}

# bats test_tags=area:harness,harness
@test "inspect ls lists the names in a directory sorted, or the error" {
	mkdir dir empty
	touch dir/b dir/a dir/.hidden dir/C
	run_cmd -0 "$INSPECT" ls=dir ls=empty ls=missing
	assert_line --index 0 'ls dir: .hidden C a b'
	assert_line --index 1 'ls empty:'
	assert_line --index 2 'ls missing: error No such file or directory'
}

# bats test_tags=area:harness,harness
@test "inspect mkdir and touch create what they name and report errors" {
	echo kept >old
	run_cmd -0 "$INSPECT" mkdir=d mkdir=d touch=d/f touch=old touch=no/f
	assert_output "$(printf '%s\n' 'mkdir d: ok' 'mkdir d: error File exists' \
		'touch d/f: ok' 'touch old: ok' \
		'touch no/f: error No such file or directory')"
	assert [ -d d ] && assert [ -f d/f ]
	assert_equal "$(cat old)" kept
}

# bats test_tags=area:harness,harness
@test "inspect kill dies by the signal even when it was ignored, after its earlier lines" {
	# shellcheck disable=SC2016 # expanded by the inner shell
	run_cmd -143 bash -c 'trap "" TERM; exec "$1" echo=before kill=15 \
		echo=after' - "$INSPECT"
	assert_output 'echo before'
}

# bats test_tags=area:harness,harness
@test "inspect ignore keeps it running through that signal" {
	run_cmd -124 timeout -s TERM 0.5 "$INSPECT" ignore=15 sleep=1.5 \
		echo=survived
	assert_output "$(printf '%s\n' 'ignore 15: ok' 'echo survived')"
}

# bats test_tags=area:harness,harness
@test "inspect sleep accepts fractional seconds" {
	start=$(date +%s%N)
	run_cmd -0 "$INSPECT" sleep=0.3 echo=done
	elapsed=$((($(date +%s%N) - start) / 1000000))
	assert_output 'echo done'
	assert [ "$elapsed" -ge 300 ]
}

# bats test_tags=area:harness,harness
@test "inspect pid prints its own pid and its parent's" {
	# shellcheck disable=SC2016 # expanded by the inner shell
	run_cmd -0 bash -c 'echo "pid $$ ppid $PPID"; exec "$1" pid' - "$INSPECT"
	assert_equal "${#lines[@]}" 2
	assert_equal "${lines[1]}" "${lines[0]}"
}

# bats test_tags=area:harness,harness
@test "inspect refuses an unknown command with status 99 before running anything" {
	run_cmd -99 --separate-stderr "$INSPECT" echo=first no-such-command
	assert_equal "$output" ""
	assert_equal "$stderr" 'inspect: unknown command "no-such-command"'
}

# bats test_tags=area:harness,harness
@test "inspect refuses missing, unexpected and malformed values with status 99" {
	run_cmd -99 "$INSPECT" echo
	assert_output 'inspect: command needs =VALUE "echo"'
	run_cmd -99 "$INSPECT" env=1
	assert_output 'inspect: command takes no value "env=1"'
	run_cmd -99 "$INSPECT" exit=three
	assert_output 'inspect: not a number in range "three"'
	run_cmd -99 "$INSPECT" sleep=soon
	assert_output 'inspect: not a duration in seconds "soon"'
}

# bats test_tags=area:harness,harness
@test "inspect is linked statically so it runs in any image" {
	run_cmd -0 readelf --program-headers "$INSPECT"
	refute_output --partial INTERP
	refute_output --partial DYNAMIC
}
