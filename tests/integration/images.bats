#!/usr/bin/env bats
# The image store and `fly image ...` (behaviour.md 2, issue 2 "Images").
# shellcheck disable=SC2154 # stderr and stderr_lines are set by bats' run

load helpers

setup() {
	fly_setup
}

# A failing test may leave read-only directories in the store, which an
# unprivileged rm cannot empty.
teardown() {
	chmod -R u+w "$FLY_DIR" 2>/dev/null || true
	fly_teardown
}

# The one image directory in the store (fails unless there is exactly one).
only_image() {
	local dirs=("$FLY_DIR"/images/sha512-*)

	[ "${#dirs[@]}" -eq 1 ] && [ -d "${dirs[0]}" ] || return 1
	printf '%s\n' "${dirs[0]}"
}

# Nothing in DIR/images and nothing left in DIR/tmp.
assert_store_empty() {
	run_cmd -0 find "$FLY_DIR/images" "$FLY_DIR/tmp" -mindepth 1
	assert_output ""
}

assert_tmp_empty() {
	run_cmd -0 find "$FLY_DIR/tmp" -mindepth 1
	assert_output ""
}

# The store lists no image: what any implementation shows of an empty
# store, where assert_store_empty looks at fly's own directories.
assert_no_images() {
	run_fly -0 image list --no-legend
	assert_output ""
}

image_id_of() {
	local sum

	sum=$(sha512sum <"$1")
	echo "sha512-${sum%% *}"
}

# hostile_aci OUT KIND: a valid manifest and rootfs/, then one entry that
# would land outside the rootfs or reach a file there ($OUTSIDE is where
# it would go; $OUTSIDE/secret is a file a hard link could reach).
hostile_aci() {
	local out=$1 kind=$2 d=$BATS_TEST_TMPDIR/hostile-$2 up

	mkdir -p "$d/rootfs/etc" "$d/x/link" "$OUTSIDE"
	manifest_json example.com/hostile '["/bin/sh"]' >"$d/manifest"
	echo ok >"$d/rootfs/etc/ok"
	echo evil >"$d/evil"
	echo evil >"$d/x/link/evil"
	echo secret >"$OUTSIDE/secret"
	ln -s "$OUTSIDE" "$d/link"
	tar -cf "$out" --format=gnu -C "$d" manifest rootfs
	case $kind in
	dotdot)
		tar -rf "$out" --format=gnu -P -C "$d" \
			--transform='s,^evil$,rootfs/../../evil,' evil ;;
	absolute)
		tar -rf "$out" --format=gnu -P -C "$d" \
			--transform="s,^evil\$,$OUTSIDE/evil," evil ;;
	symlink)
		tar -rf "$out" --format=gnu -C "$d" \
			--transform='s,^link$,rootfs/link,' link
		tar -rf "$out" --format=gnu -C "$d/x" \
			--transform='s,^link/,rootfs/link/,' link/evil ;;
	hardlink | hardlink-dotdot)
		# rootfs/etc/hl is stored as a hard link to rootfs/etc/ok, whose
		# name as a link target (only) is turned into one outside.
		up=$OUTSIDE/secret
		if [ "$kind" = hardlink-dotdot ]; then
			up=rootfs/$(printf '../%.0s' {1..40})${OUTSIDE#/}/secret
		fi
		ln "$d/rootfs/etc/ok" "$d/rootfs/etc/hl"
		tar -cf "$out" --format=gnu -P --no-recursion -C "$d" \
			--transform="s,^rootfs/etc/ok\$,$up,RS" \
			manifest rootfs rootfs/etc rootfs/etc/ok rootfs/etc/hl ;;
	esac
}

# Nothing of a refused hostile image reached $OUTSIDE or the host.
assert_nothing_escaped() {
	[ ! -e "$BATS_TEST_TMPDIR/evil" ] && [ ! -e "$FLY_DIR/evil" ]
	[ ! -e "$OUTSIDE/evil" ]
	assert_equal "$(stat -c %h "$OUTSIDE/secret")" 1
	assert_equal "$(cat "$OUTSIDE/secret")" secret
}

# ---- fetch and the image ID ------------------------------------------------

# covers: 2.1 2.3
# bats test_tags=area:images,core
@test "plain, gzip, bzip2 and xz archives of one tar give one ID, the sha512sum of the tar" {
	local comp id

	make_image -c none plain.aci
	id=$(image_id_of plain.aci)
	gzip -n -c plain.aci >gzip.aci
	bzip2 -c plain.aci >bzip2.aci
	xz -c plain.aci >xz.aci
	for comp in plain gzip bzip2 xz; do
		run_fly -0 --separate-stderr image fetch "$comp.aci"
		assert_output "$id"
	done
	run_fly -0 image list --no-legend
	assert_equal "${#lines[@]}" 1
}

# covers: 2.2 2.3
# bats test_tags=area:images,extension
@test "a zstd archive is read too, with the ID of its tar" {
	make_image -c none plain.aci
	zstd -q -c plain.aci >zstd.aci
	run_fly -0 --separate-stderr image fetch zstd.aci
	assert_output "$(image_id_of plain.aci)"
	run_fly -0 run zstd.aci --exec=/inspect -- echo=zstd
	assert_output 'echo zstd'
}

# covers: 2.1
# bats test_tags=area:images,core
@test "the compression is detected by content, not by the file name" {
	make_image -c none plain.aci
	xz -c plain.aci >image.tar.gz
	run_fly -0 image fetch image.tar.gz
	assert_output "$(image_id_of plain.aci)"
}

# covers: 2.1
# bats test_tags=area:images,core
@test "only manifest and rootfs/ may stand at the top level" {
	local extra

	mkdir -p img/rootfs/etc img/etc
	manifest_json example.com/extra '["/bin/sh"]' >img/manifest
	echo ok >img/rootfs/etc/ok
	echo extra >img/extra
	echo extra >img/etc/passwd
	for extra in extra etc; do
		tar -cf "$extra.aci" --format=gnu -C img manifest rootfs "$extra"
		run_fly -254 image fetch "$extra.aci"
	done
	tar -cf good.aci --format=gnu -C img manifest rootfs
	run_fly -0 image fetch good.aci
	assert_output "$(image_id_of good.aci)"
	run_fly -0 image list --no-legend
	assert_equal "${#lines[@]}" 1
}

# covers: 2.8
# bats test_tags=area:images,fly
@test "fetch keeps the archive unchanged and renders the rootfs by image ID" {
	local dir

	make_image -c gzip img.aci
	run_fly -0 image fetch img.aci
	dir=$(only_image)
	assert_equal "$dir" "$FLY_DIR/images/$(image_id_of <(gzip -dc img.aci))"
	cmp img.aci "$dir/aci"
	[ -x "$dir/rootfs/inspect" ]
	[ -f "$dir/manifest" ] && [ -f "$dir/info.json" ]
	assert_tmp_empty
}

# covers: 2.8
# bats test_tags=area:images,fly
@test "a second fetch of the same file extracts nothing" {
	local dir before after

	make_image -c gzip img.aci
	run_fly -0 image fetch img.aci
	dir=$(only_image)
	before=$(stat -c '%i %Y' "$dir/rootfs" "$dir/info.json")
	run_fly -0 --separate-stderr --debug image fetch img.aci
	refute_line --partial rendering
	[[ $stderr != *rendering* ]]
	after=$(stat -c '%i %Y' "$dir/rootfs" "$dir/info.json")
	assert_equal "$after" "$before"
}

# covers: 2.8
# bats test_tags=area:images,fly
@test "a second run of a fetched image extracts nothing" {
	local dir before after

	make_image -c gzip img.aci
	run_fly -0 image fetch img.aci
	dir=$(only_image)
	before=$(stat -c '%i %Y' "$dir/rootfs" "$dir/rootfs/etc" "$dir/info.json")
	for _ in 1 2; do
		run_fly -0 --separate-stderr --debug run img.aci \
			--exec=/inspect -- echo=ran
		assert_output 'echo ran'
		[[ $stderr == *"is in the store as $(basename "$dir")"* ]]
		[[ $stderr != *rendering* ]]
	done
	after=$(stat -c '%i %Y' "$dir/rootfs" "$dir/rootfs/etc" "$dir/info.json")
	assert_equal "$after" "$before"
	run_cmd -0 only_image
	assert_tmp_empty
}

# covers: 2.8
# bats test_tags=area:images,core
@test "a copy of an imported file gives the same ID and no second image" {
	local id

	make_image img.aci
	run_fly -0 image fetch img.aci
	id=$output
	cp img.aci copy.aci
	run_fly -0 image fetch copy.aci
	assert_output "$id"
	run_fly -0 image list --no-legend
	assert_equal "${#lines[@]}" 1
}

# covers: 2.3
# bats test_tags=area:images,core
@test "a changed file at the same path is read again" {
	local first

	make_image -n example.com/one img.aci
	run_fly -0 image fetch img.aci
	first=$output
	make_image -n example.com/two img.aci
	run_fly -0 image fetch img.aci
	refute_output "$first"
	assert_output "$(image_id_of img.aci)"
}

# covers: 2.3
# bats test_tags=area:images,core
@test "fetch prints one ID per file, in order" {
	make_image -n example.com/one one.aci
	make_image -n example.com/two two.aci
	run_fly -0 image fetch one.aci two.aci
	assert_line --index 0 "$(image_id_of one.aci)"
	assert_line --index 1 "$(image_id_of two.aci)"
}

# ---- concurrency and interruption --------------------------------------------

# covers: 2.9
# bats test_tags=area:images,core
@test "parallel fetches of one image all give its ID and store it once" {
	local i pids=()

	make_image -c gzip img.aci
	for i in 1 2 3 4; do
		"$IMPL" image fetch img.aci >"out.$i" 2>"err.$i" &
		pids+=($!)
	done
	for i in 1 2 3 4; do
		wait "${pids[$((i - 1))]}" || {
			cat "err.$i" >&2
			false
		}
		assert_equal "$(cat "out.$i")" "$(image_id_of <(gzip -dc img.aci))"
	done
	run_fly -0 image list --no-legend
	assert_equal "${#lines[@]}" 1
	run_fly -0 run img.aci --exec=/inspect -- echo=ran
	assert_output 'echo ran'
}

# covers: 2.9
# bats test_tags=area:images,fly
@test "eight parallel fetches of a new image all succeed and render it once" {
	local i id

	make_image -c gzip img.aci
	id=$(gzip -dc img.aci | sha512sum)
	id="sha512-${id%% *}"
	for i in 1 2 3 4 5 6 7 8; do
		"$IMPL" --debug image fetch img.aci >"out.$i" 2>"err.$i" &
	done
	for i in 1 2 3 4 5 6 7 8; do
		wait -n
	done
	for i in 1 2 3 4 5 6 7 8; do
		assert_equal "$(cat "out.$i")" "$id"
	done
	run_cmd -0 grep -l rendering err.1 err.2 err.3 err.4 err.5 err.6 \
		err.7 err.8
	assert_equal "${#lines[@]}" 1
	run_cmd -0 only_image
	assert_tmp_empty
}

# covers: 2.9
# bats test_tags=area:images,fly
@test "parallel fetches of copies of one image keep the first rendered tree" {
	local i inode

	make_image img.aci
	for i in 1 2 3 4 5 6 7 8; do
		cp img.aci "img.$i.aci"
	done
	for i in 1 2 3 4 5 6 7 8; do
		"$IMPL" image fetch "img.$i.aci" >"out.$i" 2>"err.$i" &
	done
	for i in 1 2 3 4 5 6 7 8; do
		wait -n
	done
	for i in 1 2 3 4 5 6 7 8; do
		assert_equal "$(cat "out.$i")" "$(image_id_of img.aci)"
	done
	run_cmd -0 only_image
	inode=$(stat -c %i "$output/rootfs")
	assert_tmp_empty
	run_fly -0 image fetch img.aci
	assert_equal "$(stat -c %i "$(only_image)/rootfs")" "$inode"
}

# covers: 2.9
# bats test_tags=area:images,fly
@test "a fetch killed with SIGKILL leaves a store that the next fetch repairs" {
	local pid killed=0

	mkdir -p big/data
	head -c 80M /dev/urandom >big/data/random
	make_image -a big img.aci
	for _ in 1 2 3 4 5; do
		"$IMPL" image fetch img.aci >/dev/null 2>&1 &
		pid=$!
		while kill -0 "$pid" 2>/dev/null; do
			if compgen -G "$FLY_DIR/tmp/render-*/rootfs/*" >/dev/null; then
				kill -9 "$pid"
				killed=1
				break
			fi
		done
		wait "$pid" || true
		[ "$killed" = 1 ] && break
		rm -rf --one-file-system "$FLY_DIR"/images/* "$FLY_DIR"/locks/*
	done
	[ "$killed" = 1 ]
	run_cmd -0 find "$FLY_DIR/images" -mindepth 1
	assert_output ""
	run_fly -0 image list --no-legend
	assert_output ""
	assert_tmp_empty
	run_fly -0 image fetch img.aci
	assert_output "$(image_id_of img.aci)"
	cmp img.aci "$(only_image)/aci"
	cmp big/data/random "$(only_image)/rootfs/data/random"
	assert_tmp_empty
}

# ---- refused images ---------------------------------------------------------------

# covers: 2.5
# bats test_tags=area:images,core
@test "an entry with .. is refused and leaves no image" {
	OUTSIDE=$BATS_TEST_TMPDIR/outside
	hostile_aci bad.aci dotdot
	run_fly -254 image fetch bad.aci
	assert_nothing_escaped
	assert_no_images
}

# covers: 2.5
# bats test_tags=area:images,core
@test "an absolute entry name is refused and leaves no image" {
	OUTSIDE=$BATS_TEST_TMPDIR/outside
	hostile_aci bad.aci absolute
	run_fly -254 image fetch bad.aci
	assert_nothing_escaped
	assert_no_images
}

# covers: 2.5
# bats test_tags=area:images,core
@test "a write through a symlink out of the rootfs is refused" {
	OUTSIDE=$BATS_TEST_TMPDIR/outside
	hostile_aci bad.aci symlink
	run_fly -254 image fetch bad.aci
	assert_nothing_escaped
	assert_no_images
}

# A naive extractor would link the host's file into the image, where the
# app could then write to it.
# covers: 2.5
# bats test_tags=area:images,core
@test "a hard link to a file out of the rootfs is refused" {
	local kind

	OUTSIDE=$BATS_TEST_TMPDIR/outside
	for kind in hardlink hardlink-dotdot; do
		hostile_aci "$kind.aci" "$kind"
		run_fly -254 image fetch "$kind.aci"
		assert_nothing_escaped
		assert_no_images
	done
}

# covers: 2.5
# bats test_tags=area:images,extension
@test "a device node is refused when fly is not run by real root" {
	require_user_mode
	mkdir -p img/rootfs/dev
	manifest_json example.com/dev '["/bin/sh"]' >img/manifest
	tar -cf dev.aci --format=gnu --no-recursion -C img manifest rootfs \
		rootfs/dev -C /dev --transform='s,^null$,rootfs/dev/null,' null
	run_cmd -0 tar -tvf dev.aci rootfs/dev/null
	assert_output --regexp '^c'
	run_fly -254 image fetch dev.aci
	assert_output --partial rootfs/dev/null
	assert_no_images
}

# covers: 2.5 3.6.2
# bats test_tags=area:images,fly
@test "a refused entry is one line of fly's and leaves nothing in images/ or tmp/" {
	local kind

	OUTSIDE=$BATS_TEST_TMPDIR/outside
	for kind in dotdot absolute symlink hardlink hardlink-dotdot; do
		hostile_aci "$kind.aci" "$kind"
		run_fly -254 --separate-stderr image fetch "$kind.aci"
		assert_equal "$output" ""
		assert_equal "${#stderr_lines[@]}" 1
		[[ ${stderr_lines[0]} == "fly: image fetch: \"$kind.aci\": "* ]]
		assert_store_empty
	done
}

# covers: 2.4
# bats test_tags=area:images,core
@test "a bad manifest is refused with the field's JSON path" {
	make_image bad.aci example.com/bad '["/inspect"]' \
		'"environment": [{"name": "1BAD", "value": "x"}]'
	run_fly -254 --separate-stderr image fetch bad.aci
	assert_equal "$output" ""
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr == *"app.environment[0].name"* ]]
	assert_no_images
}

# covers: 2.4
# bats test_tags=area:images,fly
@test "a bad manifest is one line of fly's naming the field and the value" {
	make_image bad.aci example.com/bad '["/inspect"]' \
		'"environment": [{"name": "1BAD", "value": "x"}]'
	run_fly -254 --separate-stderr image fetch bad.aci
	[[ $stderr == "fly: image fetch: "*"app.environment[0].name"*"1BAD"* ]]
	assert_store_empty
}

# covers: 2.1
# bats test_tags=area:images,fly
@test "a file that is not an ACI is refused" {
	echo "not an image" >junk.aci
	run_fly -254 image fetch junk.aci
	assert_output --regexp '^fly: image fetch: .*not an ACI'
	assert_store_empty
}

# covers: 3.6.2
# bats test_tags=area:exit-status,fly
@test "a missing file is an error that names it" {
	run_fly -254 --separate-stderr image fetch missing.aci
	assert_equal "$stderr" \
		'fly: image fetch: open "missing.aci": No such file or directory'
}

# covers: 3.6.2
# bats test_tags=area:exit-status,fly
@test "a directory is not an image" {
	mkdir dir.aci
	run_fly -254 --separate-stderr image fetch dir.aci
	assert_equal "$stderr" 'fly: image fetch: read "dir.aci": Is a directory'
}

# covers: 3.6.2
# bats test_tags=area:exit-status,fly
@test "an unreadable file is an error that names it" {
	if [ "$(id -u)" = 0 ]; then
		skip "root reads any file"
	fi
	make_image img.aci
	chmod 000 img.aci
	run_fly -254 --separate-stderr image fetch img.aci
	assert_equal "$stderr" 'fly: image fetch: open "img.aci": Permission denied'
}

# ---- dependencies and pathWhitelist ---------------------------------------------------

# top depends on a (which depends on c) and then on b: depth-first, the
# layers go c, a, b, top, each over the ones before.
# covers: 2.7
# bats test_tags=area:images,core
@test "dependencies render depth-first from the store, later layers over earlier" {
	local f

	mkdir -p c/layers a/layers b/layers top/layers
	for f in x y w; do
		echo c >"c/layers/$f"
	done
	echo a >a/layers/x
	echo b >b/layers/y
	echo top >top/layers/z
	make_image -a c c.aci example.com/c -
	make_image -a a a.aci example.com/a - '' \
		'"dependencies": [{"imageName": "example.com/c"}]'
	make_image -a b b.aci example.com/b -
	make_image -a top top.aci example.com/top '["/inspect"]' '' \
		'"dependencies": [{"imageName": "example.com/a",
		  "labels": [{"name": "version", "value": "1.0.0"}]},
		  {"imageName": "example.com/b"}]'
	run_fly -0 image fetch c.aci a.aci b.aci
	run_fly -0 run top.aci -- read=/layers/x read=/layers/y \
		read=/layers/w read=/layers/z
	assert_output 'read /layers/x: ok a\n
read /layers/y: ok b\n
read /layers/w: ok c\n
read /layers/z: ok top\n'
}

# covers: 2.7
# bats test_tags=area:images,fly
@test "a dependency missing from the store is refused by name" {
	make_image top.aci example.com/top '["/inspect"]' '' \
		'"dependencies": [{"imageName": "example.com/base",
		  "labels": [{"name": "version", "value": "1.0.0"}]}]'
	run_fly -254 image fetch top.aci
	assert_output 'fly: image fetch: dependency "example.com/base" not found in the store'
	assert_store_empty
}

# covers: 2.7
# bats test_tags=area:images,fly
@test "layers with read-only directories merge, the upper mode winning" {
	local dir

	mkdir -p base/rootfs/ro top/rootfs/ro top/rootfs/new/inner
	manifest_json example.com/base - >base/manifest
	manifest_json example.com/top - '' \
		'"dependencies": [{"imageName": "example.com/base"}]' \
		>top/manifest
	echo a >base/rootfs/ro/a
	echo b >top/rootfs/ro/b
	echo c >top/rootfs/new/inner/c
	chmod 0755 base/rootfs/ro
	chmod 0555 top/rootfs/ro top/rootfs/new/inner top/rootfs/new
	tar -cf base.aci --format=gnu -C base manifest rootfs
	tar -cf top.aci --format=gnu -C top manifest rootfs
	chmod -R u+w top
	run_fly -0 image fetch base.aci top.aci
	dir=$FLY_DIR/images/${lines[1]}/rootfs
	assert_equal "$(cat "$dir/ro/a" "$dir/ro/b" "$dir/new/inner/c")" "a
b
c"
	assert_equal "$(stat -c %a "$dir/ro" "$dir/new" "$dir/new/inner")" "555
555
555"
	run_fly -0 image gc --grace-period=0
	assert_store_empty
}

# covers: 2.6
# bats test_tags=area:images,core
@test "pathWhitelist keeps only the listed files and every directory" {
	make_image wl.aci example.com/wl '["/inspect"]' '' \
		'"pathWhitelist": ["/inspect", "/etc/passwd"]'
	run_fly -0 run wl.aci -- stat=/inspect stat=/etc/passwd \
		stat=/etc/group stat=/bin/busybox stat=/bin/sh stat=/bin \
		stat=/home/user
	assert_line --regexp '^stat /inspect: file '
	assert_line --regexp '^stat /etc/passwd: file '
	assert_line 'stat /etc/group: error No such file or directory'
	assert_line 'stat /bin/busybox: error No such file or directory'
	assert_line 'stat /bin/sh: error No such file or directory'
	assert_line --regexp '^stat /bin: dir '
	assert_line --regexp '^stat /home/user: dir '
}

# ---- list, cat-manifest, rm, gc, export ---------------------------------------------

# bats test_tags=area:images,fly
@test "list shows a table with shortened IDs, or whole ones with --full" {
	local id

	make_image img.aci
	id=$(image_id_of img.aci)
	run_fly -0 image fetch img.aci
	run_fly -0 image list
	assert_line --index 0 --regexp '^ID +NAME +SIZE +IMPORTED +LAST USED$'
	assert_line --index 1 --regexp "^${id:0:39} +example.com/fly-test:1.0.0 +[0-9.]+MiB +"
	run_fly -0 image list --no-legend --full
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 --regexp "^$id +example.com/fly-test"
}

# bats test_tags=area:images,fly
@test "list --format=json gives full IDs, labels and RFC 3339 times" {
	local id

	make_image img.aci
	id=$(image_id_of img.aci)
	run_fly -0 image fetch img.aci
	run_fly -0 --separate-stderr image list --format=json
	assert_line --index 0 '['
	assert_line --partial "\"id\": \"$id\""
	assert_line --partial '"name": "example.com/fly-test"'
	assert_line --partial '"version": "1.0.0"'
	assert_line --partial "\"size\": $(stat -c %s img.aci)"
	assert_line --regexp '"imported": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"'
	assert_line --regexp '"last_used": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"'
}

# bats test_tags=area:images,fly
@test "an empty store lists nothing" {
	run_fly -0 image list --no-legend
	assert_output ""
	run_fly -0 image list --format=json
	assert_output "[]"
}

# bats test_tags=area:images,fly
@test "cat-manifest prints the manifest by ID, prefix, name or name:version" {
	local id

	make_image img.aci
	id=$(image_id_of img.aci)
	run_fly -0 image fetch img.aci
	for ref in "$id" "${id:0:20}" "${id:7:12}" example.com/fly-test \
		example.com/fly-test:1.0.0; do
		run_fly -0 image cat-manifest "$ref"
		assert_line --index 0 '{'
		assert_line --partial '"name": "example.com/fly-test"'
	done
	run_fly -0 image cat-manifest --pretty-print "${id:0:16}"
	assert_line '  "acKind": "ImageManifest",'
	run_fly -254 image cat-manifest example.com/fly-test:9.9.9
	assert_output 'fly: image cat-manifest: image "example.com/fly-test:9.9.9" not found'
}

# bats test_tags=area:images,fly
@test "an ID prefix needs four hex digits" {
	local id

	make_image img.aci
	id=$(image_id_of img.aci)
	run_fly -0 image fetch img.aci
	run_fly -0 image cat-manifest "${id:0:11}"
	run_fly -254 image cat-manifest "${id:0:10}"
	assert_output "fly: image cat-manifest: image ID \"${id:0:10}\" is not 4 to 128 hex digits"
	run_fly -254 image cat-manifest "${id:7:3}"
	assert_output "fly: image cat-manifest: image \"${id:7:3}\" not found"
}

# bats test_tags=area:images,fly
@test "rm removes images by ID prefix and reports each one" {
	local a b

	make_image -n example.com/a a.aci
	make_image -n example.com/b b.aci
	a=$(image_id_of a.aci)
	b=$(image_id_of b.aci)
	run_fly -0 image fetch a.aci b.aci
	run_fly -0 image rm "${a:0:20}" "${b:7:10}"
	assert_line --index 0 "removed $a"
	assert_line --index 1 "removed $b"
	run_fly -0 image list --no-legend
	assert_output ""
	assert_store_empty
}

# bats test_tags=area:images,fly
@test "rm tries every image and fails if one is missing" {
	local a

	make_image img.aci
	a=$(image_id_of img.aci)
	run_fly -0 image fetch img.aci
	run_fly -254 --separate-stderr image rm sha512-0000 "$a"
	assert_output "removed $a"
	assert_equal "$stderr" \
		'fly: image rm: "sha512-0000": image "sha512-0000" not found'
	assert_store_empty
}

# bats test_tags=area:images,fly
@test "an image removed and fetched again renders anew" {
	make_image img.aci
	run_fly -0 image fetch img.aci
	run_fly -0 image rm "$output"
	run_fly -0 image fetch img.aci
	run_cmd -0 only_image
	[ -x "$output/rootfs/inspect" ]
}

# bats test_tags=area:images,fly
@test "gc keeps recent images and removes them with --grace-period=0" {
	local id

	make_image img.aci
	id=$(image_id_of img.aci)
	run_fly -0 image fetch img.aci
	run_fly -0 image gc
	assert_output ""
	run_fly -0 image gc --grace-period=1h30m
	assert_output ""
	run_fly -0 image gc --grace-period=0
	assert_output "removed $id"
	assert_store_empty
}

# bats test_tags=area:images,fly
@test "gc keeps the image of a pod that fly gc has not removed" {
	make_image img.aci
	run_fly -0 run img.aci --exec=/bin/true
	run_fly -0 image gc --grace-period=0
	assert_output ""
	run_fly -0 gc --grace-period=0
	run_fly -0 image gc --grace-period=0
	assert_output --regexp '^removed sha512-'
	assert_store_empty
}

# bats test_tags=area:images,fly
@test "gc sweeps an interrupted render" {
	mkdir -p "$FLY_DIR/tmp/render-stale/rootfs/etc"
	run_fly -0 image gc
	assert_tmp_empty
}

# bats test_tags=area:exit-status,fly
@test "gc refuses a malformed grace period as a usage error" {
	run_fly -2 --separate-stderr image gc --grace-period=soon
	assert_equal "${stderr_lines[0]}" \
		'fly: image gc: --grace-period: "soon" is not a duration such as 30m, 1h30m, 10s or 500ms'
}

# covers: 2.8
# bats test_tags=area:images,fly
@test "export writes the archive byte for byte and fetching it gives the same ID" {
	local id

	make_image -c gzip img.aci
	run_fly -0 image fetch img.aci
	id=$output
	run_fly -0 image export "${id:0:16}" out.aci
	cmp img.aci out.aci
	run_fly -0 image rm "$id"
	run_fly -0 image fetch out.aci
	assert_output "$id"
}

# bats test_tags=area:images,fly
@test "export refuses to replace a file unless --overwrite" {
	make_image img.aci
	run_fly -0 image fetch img.aci
	echo old >out.aci
	run_fly -254 image export example.com/fly-test out.aci
	assert_output 'fly: image export: "out.aci" exists; use --overwrite to replace it'
	assert_equal "$(cat out.aci)" old
	run_fly -0 image export --overwrite example.com/fly-test out.aci
	cmp img.aci out.aci
	run_cmd -0 find . -name 'out.aci.tmp*'
	assert_output ""
}

# ---- usage ---------------------------------------------------------------------------

# bats test_tags=area:exit-status,fly
@test "fly image and each subcommand print their usage with --help" {
	local sub

	run_fly -0 --separate-stderr image --help
	assert_line --index 0 'Usage: fly image COMMAND [flags] [args]'
	for sub in fetch list cat-manifest rm gc export; do
		run_fly -0 --separate-stderr image "$sub" --help
		assert_line --index 0 --partial "Usage: fly image $sub"
		assert_equal "$stderr" ""
	done
}

# bats test_tags=area:exit-status,fly
@test "usage mistakes exit 2" {
	run_fly -2 image
	run_fly -2 image frobnicate
	run_fly -2 image fetch
	run_fly -2 image list --bogus
	assert_line --index 0 'fly: image list: unknown flag "--bogus"'
	run_fly -2 image list --format=yaml
	run_fly -2 image export only-one-arg
	run_fly -2 image cat-manifest
	run_fly -2 image rm
	run_fly -2 image gc --grace-period
}

# bats test_tags=area:images,fly
@test "images with read-only directories can be fetched and removed" {
	mkdir -p img/rootfs/locked/inner
	manifest_json example.com/ro - >img/manifest
	echo x >img/rootfs/locked/inner/file
	chmod 0555 img/rootfs/locked/inner img/rootfs/locked
	tar -cf img.aci --format=gnu -C img manifest rootfs
	chmod -R u+w img
	run_fly -0 image fetch img.aci
	assert_equal "$(stat -c %a "$(only_image)/rootfs/locked")" 555
	run_fly -0 image rm "$output"
	assert_store_empty
}
