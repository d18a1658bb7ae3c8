# Shared setup for fly's integration tests, loaded by every .bats file:
#
#   load helpers
#   setup() { fly_setup; }
#   teardown() { fly_teardown; }
#
# tests/fixtures/README.md describes the fixtures and every helper below.
# shellcheck shell=bash

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
bats_require_minimum_version 1.5.0

REPO=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
FIXTURES=$REPO/tests/fixtures
FLY_BUILD=${FLY_BUILD:-$REPO/build}
FLY=${FLY:-$FLY_BUILD/fly}
[[ $FLY == /* ]] || FLY=$PWD/$FLY
INSPECT=$FLY_BUILD/fixtures/inspect
# The implementation under test is reached only through its adapter
# (docs/conformance.md): IMPL names it, fly's own by default.
IMPL=${IMPL:-$REPO/tests/integration/adapters/fly}
[[ $IMPL == */* ]] || IMPL=$REPO/tests/integration/adapters/$IMPL
[[ $IMPL == /* ]] || IMPL=$PWD/$IMPL
if [ -z "${FLY_TEST_MODE:-}" ]; then
	if [ "$(id -u)" = 0 ]; then
		FLY_TEST_MODE=root
	else
		FLY_TEST_MODE=user
	fi
fi
export REPO FIXTURES FLY_BUILD FLY INSPECT IMPL FLY_TEST_MODE

# A fresh data directory (exported as FLY_DIR, which fly reads) and a fresh
# work directory (WORK, also the current directory) for every test.
fly_setup() {
	FLY_DIR=$BATS_TEST_TMPDIR/data
	WORK=$BATS_TEST_TMPDIR/work
	export FLY_DIR WORK
	mkdir "$FLY_DIR" "$WORK"
	cd "$WORK" || return
	conformance_gate
}

# The area and level of the running test, from its "# bats test_tags="
# line: "AREA LEVEL".
own_tags() {
	# (the name through the environment: awk -v would read its escapes)
	awk -f "$REPO/tests/integration/lib/testmap.awk" "$BATS_TEST_FILENAME" |
		WANT=$BATS_TEST_DESCRIPTION awk -F '\t' \
			'$2 == ENVIRON["WANT"] { print $3, $4 }'
}

# Skip a test the implementation under test does not claim, as its
# adapter's features say (docs/conformance.md): the levels "extension"
# (fly's behaviours beyond rkt's) and "fly" (fly's own command line and
# store), and the optional area "lifecycle" (prepare, status, stop, gc,
# enter, export).
conformance_gate() {
	local area level

	IMPL_FEATURES=${IMPL_FEATURES:-$("$IMPL" features)}
	export IMPL_FEATURES
	read -r area level < <(own_tags) || true
	case $level in
	extension | fly)
		impl_claims "$level" ||
			skip "level $level: not claimed by the ${IMPL##*/} adapter"
		;;
	esac
	if [ "$area" = lifecycle ] && ! impl_claims lifecycle; then
		skip "area lifecycle: not claimed by the ${IMPL##*/} adapter"
	fi
}

# Whether the adapter's features list WORD.
impl_claims() {
	[[ " $IMPL_FEATURES " == *" $1 "* ]]
}

# The mount points at or below DIR, deepest first.
mounts_under() {
	local dir target

	dir=$(realpath -m -- "$1")
	while read -r _ _ _ _ target _; do
		target=${target//\\040/ }
		if [[ $target == "$dir" || $target == "$dir"/* ]]; then
			printf '%s\n' "$target"
		fi
	done </proc/self/mountinfo | sort -r
}

# Detach whatever a test left mounted in its directory (bats later removes
# the run directory with a plain rm -rf, which would go through a bind),
# then remove the test's directories without crossing into any mount.
fly_teardown() {
	local target

	cd "$BATS_TEST_TMPDIR" || return
	while read -r target; do
		[ -n "$target" ] || continue
		echo "teardown: detaching leftover mount \"$target\"" >&2
		umount --lazy -- "$target"
	done < <(mounts_under "$BATS_TEST_TMPDIR")
	# An unprivileged owner may still lack permission on directories it
	# owns (an overlay's work/work is mode 0000): give it back, on this
	# filesystem only.
	find "$FLY_DIR" "$WORK" -xdev -type d ! -perm -u=rwx \
		-exec chmod u+rwx {} + 2>/dev/null || true
	rm -rf --one-file-system -- "$FLY_DIR" "$WORK"
}

# Print a run's command, status and output to the test's log, which bats
# shows when the test fails.
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
report_run() {
	local separate=$1

	shift
	{
		printf '$'
		printf ' %q' "$@"
		printf '\nstatus: %s\noutput:\n%s\n' "$status" "$output"
		if [ "$separate" = 1 ]; then
			printf 'stderr:\n%s\n' "$stderr"
		fi
	} >&2
}

# run_cmd [!|-N] [--separate-stderr] [--keep-empty-lines] [--] CMD ARG...
# Like bats' run, but logs the command, status and output, and fails the
# test with that log when the status is not the expected one.
run_cmd() {
	local expect="" separate=0 flags=()

	while [ $# -gt 0 ]; do
		case $1 in
		'!') expect='!' ;;
		-[0-9] | -[0-9][0-9] | -[0-9][0-9][0-9]) expect=${1#-} ;;
		--separate-stderr) separate=1 && flags+=("$1") ;;
		--keep-empty-lines) flags+=("$1") ;;
		--) shift && break ;;
		*) break ;;
		esac
		shift
	done
	run "${flags[@]}" -- "$@"
	report_run "$separate" "$@"
	if [ "$expect" = '!' ] && [ "$status" -eq 0 ]; then
		echo "run_cmd: expected a non-zero status, got 0" >&2
		return 1
	fi
	if [ -n "$expect" ] && [ "$expect" != '!' ] &&
		[ "$status" -ne "$expect" ]; then
		echo "run_cmd: expected status $expect, got $status" >&2
		return 1
	fi
}

# run_fly [!|-N] [--separate-stderr] [--keep-empty-lines] [--] ARG...
# run_cmd on the implementation under test, through its adapter.
run_fly() {
	local opts=()

	while [ $# -gt 0 ]; do
		case $1 in
		'!' | -[0-9] | -[0-9][0-9] | -[0-9][0-9][0-9]) opts+=("$1") ;;
		--separate-stderr | --keep-empty-lines) opts+=("$1") ;;
		--) shift && break ;;
		*) break ;;
		esac
		shift
	done
	run_cmd "${opts[@]}" -- "$IMPL" "$@"
}

in_private_mount_namespace() {
	[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ]
}

# Real root, inside a mount namespace of its own so that nothing a test
# mounts can reach the host (ci/integration runs root mode that way).
require_root() {
	if [ "$FLY_TEST_MODE" != root ] || [ "$(id -u)" != 0 ]; then
		skip "needs real root (mode $FLY_TEST_MODE, uid $(id -u))"
	fi
	if ! in_private_mount_namespace; then
		skip "needs root inside a private mount namespace (run ci/integration)"
	fi
}

require_user_mode() {
	if [ "$FLY_TEST_MODE" != user ] || [ "$(id -u)" = 0 ]; then
		skip "needs an unprivileged user (mode $FLY_TEST_MODE, uid $(id -u))"
	fi
}

require_userns() {
	if ! unshare --user --map-root-user true 2>/dev/null; then
		skip "needs user namespaces, which this kernel refuses to uid $(id -u)"
	fi
}

# manifest_json NAME EXEC_JSON [APP_MEMBERS [TOP_MEMBERS]]
# Print an image manifest: acVersion 0.8.11, labels version 1.0.0, os linux,
# arch amd64, and an app running EXEC_JSON (a JSON array) as user and group
# "0".  APP_MEMBERS are extra JSON members of "app" (a "user" or "group"
# there replaces the default one); TOP_MEMBERS extra top-level members.
# EXEC_JSON "-" leaves "app" out; "" leaves out only "exec".
manifest_json() {
	local name=$1 exec=$2 app=${3:-} top=${4:-} members=() sep member

	printf '{\n  "acKind": "ImageManifest",\n  "acVersion": "0.8.11",\n'
	printf '  "name": "%s",\n  "labels": [\n' "$name"
	printf '    { "name": "version", "value": "1.0.0" },\n'
	printf '    { "name": "os", "value": "linux" },\n'
	printf '    { "name": "arch", "value": "amd64" }\n  ]'
	if [ "$exec" != - ]; then
		[ -z "$exec" ] || members+=("\"exec\": $exec")
		[[ $app =~ \"user\"[[:space:]]*: ]] || members+=('"user": "0"')
		[[ $app =~ \"group\"[[:space:]]*: ]] || members+=('"group": "0"')
		[ -z "$app" ] || members+=("$app")
		printf ',\n  "app": {'
		sep=
		for member in "${members[@]}"; do
			printf '%s\n    %s' "$sep" "$member"
			sep=,
		done
		printf '\n  }'
	fi
	[ -z "$top" ] || printf ',\n  %s' "$top"
	printf '\n}\n'
}

# make_image [-c COMP] [-n NAME] [-m FILE] [-a DIR]... [-x] OUT
#            [NAME EXEC_JSON [APP_MEMBERS [TOP_MEMBERS]]]
# Build the standard test image with mkimage; with manifest arguments the
# manifest comes from manifest_json.  -x prints the image ID.
make_image() {
	local opts=() manifest

	while [ $# -gt 0 ]; do
		case $1 in
		-c | -n | -m | -a) opts+=("$1" "$2") && shift ;;
		-x) opts+=("$1") ;;
		*) break ;;
		esac
		shift
	done
	if [ $# -gt 1 ]; then
		manifest=$(mktemp "$BATS_TEST_TMPDIR/manifest.XXXXXX")
		manifest_json "${@:2}" >"$manifest"
		opts+=(-m "$manifest")
	fi
	"$FIXTURES/mkimage" "${opts[@]}" "$1"
}
