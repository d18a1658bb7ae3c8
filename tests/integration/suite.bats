#!/usr/bin/env bats
# The conformance suite's own tools (docs/conformance.md): its adapters,
# its runner and the check that keeps every behaviour covered.
# shellcheck disable=SC2154 # stderr is set by bats' run

load helpers

setup() {
	fly_setup
	ADAPTERS=$REPO/tests/integration/adapters
}

teardown() {
	fly_teardown
}

# A stand-in for rkt that prints the arguments it was given.
fake_rkt() {
	cat >fake-rkt <<-'EOF'
		#!/bin/sh
		for a in "$@"; do echo "arg $a"; done
	EOF
	chmod +x fake-rkt
	touch stage1.aci
}

# bats test_tags=area:harness,harness
@test "the fly adapter claims every level and passes calls to fly" {
	run_cmd -0 "$ADAPTERS/fly" features
	assert_output 'core lifecycle extension fly unprivileged'
	run_cmd -0 "$ADAPTERS/fly" check
	run_cmd -0 "$ADAPTERS/fly" version
	assert_output --partial 'appc version'
}

# bats test_tags=area:harness,harness
@test "the fly adapter's check names a missing binary" {
	FLY=$WORK/no-fly run_cmd -1 "$ADAPTERS/fly" check
	assert_output --partial "$WORK/no-fly"
}

# bats test_tags=area:harness,harness
@test "the rkt adapter claims the core level and the life cycle only" {
	run_cmd -0 "$ADAPTERS/rkt" features
	assert_output 'core lifecycle'
}

# An adapter that claims FEATURES and passes calls to fly.
fake_adapter() {
	printf '%s\n' '#!/bin/sh' \
		"[ \"\$1\" = features ] && { echo '$1'; exit 0; }" \
		"[ \"\$1\" = check ] && exit 0" \
		"exec '$FLY' \"\$@\"" >adapter
	chmod +x adapter
}

# bats test_tags=area:harness,harness
@test "tests of a level or area the adapter does not claim skip, saying so" {
	fake_adapter core
	# (printf, so that bats does not take these tags as this file's)
	printf '%s\n' "load '$REPO/tests/integration/helpers'" \
		'setup() { fly_setup; }' 'teardown() { fly_teardown; }' \
		'# bats test_tags=area:exec,core' '@test "core" {' '	true' '}' \
		'# bats test_tags=area:exec,extension' '@test "ext" {' '	true' '}' \
		'# bats test_tags=area:exec,fly' '@test "own" {' '	true' '}' \
		'# bats test_tags=area:lifecycle,core' '@test "life" {' '	true' '}' \
		>gate.bats
	IMPL=$WORK/adapter IMPL_FEATURES='' run_cmd -0 bats --tap gate.bats
	assert_line 'ok 1 core'
	assert_line 'ok 2 ext # skip level extension: not claimed by the adapter adapter'
	assert_line 'ok 3 own # skip level fly: not claimed by the adapter adapter'
	assert_line 'ok 4 life # skip area lifecycle: not claimed by the adapter adapter'
	fake_adapter 'core lifecycle extension fly'
	IMPL=$WORK/adapter IMPL_FEATURES='' run_cmd -0 bats --tap gate.bats
	refute_output --partial '# skip'
}

# bats test_tags=area:harness,harness
@test "the rkt adapter's check names what is missing" {
	RKT=$WORK/no-rkt STAGE1=$WORK/stage1.aci run_cmd -1 "$ADAPTERS/rkt" check
	assert_output --partial 'set RKT=PATH and STAGE1=PATH'
	fake_rkt
	RKT=$WORK/fake-rkt STAGE1='' run_cmd -1 "$ADAPTERS/rkt" check
	assert_output --partial 'STAGE1 is not set'
	RKT=$WORK/fake-rkt STAGE1=$WORK/none.aci run_cmd -1 "$ADAPTERS/rkt" check
	assert_output --partial "STAGE1 \"$WORK/none.aci\" is not readable"
}

# bats test_tags=area:harness,harness
@test "the rkt adapter turns fly's calls into rkt's" {
	fake_rkt
	export RKT=$WORK/fake-rkt STAGE1=$WORK/stage1.aci
	run_cmd -0 "$ADAPTERS/rkt" --debug run --mount-ns=host \
		--volume=v,kind=host,source=/tmp img.aci --exec=/x -- a
	assert_output "$(printf 'arg %s\n' --insecure-options=image \
		--dir="$FLY_DIR" --debug run --stage1-path="$STAGE1" \
		--volume=v,kind=host,source=/tmp img.aci --exec=/x -- a)"
	run_cmd -0 "$ADAPTERS/rkt" image fetch img.aci
	assert_output "$(printf 'arg %s\n' --insecure-options=image \
		--dir="$FLY_DIR" fetch img.aci)"
	run_cmd -0 "$ADAPTERS/rkt" image list
	assert_line 'arg image'
	run_cmd -0 "$ADAPTERS/rkt" status --wait 1234
	assert_output "$(printf 'arg %s\n' --insecure-options=image \
		--dir="$FLY_DIR" status --wait 1234)"
}

# bats test_tags=area:harness,harness
@test "rkt with its fly stage1 runs the test image through its adapter" {
	run "$ADAPTERS/rkt" check
	[ "$status" -eq 0 ] || skip "the rkt adapter cannot run: $output"
	require_root
	IMG=$WORK/std.aci
	"$FIXTURES/mkimage" "$IMG"
	run_cmd -7 "$ADAPTERS/rkt" run "$IMG" --exec=/inspect -- exit=7
}

# bats test_tags=area:harness,harness
@test "the suite refuses an unknown area, naming the known ones" {
	run_cmd -2 "$REPO/tests/integration/conformance" --only=nowhere
	assert_output --partial 'unknown area "nowhere"'
	assert_output --partial 'mounts propagation volumes'
	run_cmd -2 "$REPO/tests/integration/conformance" --format=xml
	assert_output --partial 'unknown or malformed option "--format=xml"'
}

# bats test_tags=area:harness,harness
@test "the suite's --help prints its usage on stdout" {
	run_cmd -0 --separate-stderr "$REPO/tests/integration/conformance" --help
	assert_line --index 0 --partial "fly's conformance suite"
	assert_output --partial '--impl'
	assert_output --partial '--report-dir'
	assert_equal "$stderr" ''
}

# A suite of its own in $WORK/copy for ci/check-conformance to check: one
# behaviour, 9.9, of LEVEL (default core), and a test at TEST_LEVEL
# (default core) that covers it.
copy_suite() {
	local level=${1:-core} test_level=${2:-core}

	mkdir -p copy/ci copy/docs copy/tests/integration/lib
	cp "$REPO/ci/check-conformance" copy/ci/
	cp "$REPO/tests/integration/lib/testmap.awk" copy/tests/integration/lib/
	printf '9.9\t%s\tA behaviour of the copy\n' "$level" \
		>copy/tests/integration/behaviours
	grep -F -e '<!-- behaviour table' -e '<!-- end of the behaviour table' \
		"$REPO/docs/conformance.md" >copy/docs/conformance.md
	# (printf, so that bats does not take these tags as this file's)
	printf '%s\n' '# covers: 9.9' "# bats test_tags=area:exec,$test_level" \
		"@test \"the copy's behaviour\" {" '	true' '}' \
		"# bats test_tags=area:harness,harness" \
		'@test "another test" {' '	true' '}' \
		>copy/tests/integration/one.bats
}

# bats test_tags=area:harness,harness
@test "the coverage check writes the behaviour table and then passes" {
	copy_suite
	run_cmd -1 copy/ci/check-conformance
	assert_output --partial 'the behaviour table is not the suite'
	run_cmd -0 copy/ci/check-conformance --write
	assert_output --partial 'rewrote the table'
	row="| 9.9 | A behaviour of the copy | core "
	row+="| one.bats: the copy's behaviour | exec | core |"
	run grep -cF "$row" copy/docs/conformance.md
	assert_output 1
	run_cmd -0 copy/ci/check-conformance
	assert_output 'check-conformance: 1 behaviours, 2 tests, the table is current'
}

# bats test_tags=area:harness,harness
@test "removing a behaviour's only test fails the coverage check, naming it" {
	copy_suite
	run_cmd -0 copy/ci/check-conformance --write
	sed -i '/^# covers: 9.9$/,/^}$/d' copy/tests/integration/one.bats
	run_cmd -1 copy/ci/check-conformance
	assert_output --partial 'behaviour 9.9 (A behaviour of the copy) has no test'
	line="behaviour 9.9: the table names one.bats: the copy's behaviour,"
	assert_output --partial "$line which no longer covers it"
	assert_output --partial 'the behaviour table is not the suite'
}

# bats test_tags=area:harness,harness
@test "removing one of a behaviour's tests fails the check, naming both" {
	copy_suite
	printf '%s\n' '# covers: 9.9' '# bats test_tags=area:exec,core' \
		'@test "a second test of it" {' '	true' '}' \
		>copy/tests/integration/two.bats
	run_cmd -0 copy/ci/check-conformance --write
	rm copy/tests/integration/two.bats
	run_cmd -1 copy/ci/check-conformance
	assert_output --partial 'behaviour 9.9: the table names two.bats: '\
'a second test of it, which no longer covers it'
	refute_output --partial 'has no test'
}

# bats test_tags=area:harness,harness
@test "a core behaviour covered only by an extension test fails the check" {
	copy_suite core extension
	run_cmd -1 copy/ci/check-conformance --write
	assert_output --partial 'core behaviour 9.9 (A behaviour of the copy) has no core test'
	copy_suite extension extension
	run_cmd -0 copy/ci/check-conformance --write
}

# bats test_tags=area:harness,harness
@test "a test without an area or level, or with another's name, fails the check" {
	copy_suite
	printf '@test "an untagged test" {\n\ttrue\n}\n' \
		>>copy/tests/integration/one.bats
	printf '# bats test_tags=area:exec,core\n@test "another test" {\n}\n' \
		>>copy/tests/integration/one.bats
	run_cmd -1 copy/ci/check-conformance --write
	assert_output --partial '"an untagged test": no known area'
	assert_output --partial '"an untagged test": no known level'
	assert_output --partial 'two tests are named "another test"'
}

# bats test_tags=area:harness,harness
@test "a covered ID that is not a behaviour fails the check" {
	copy_suite
	sed -i 's/^# covers: 9.9$/# covers: 9.9 8.8/' copy/tests/integration/one.bats
	run_cmd -1 copy/ci/check-conformance --write
	assert_output --partial 'covers "8.8", which is not in tests/integration/behaviours'
}
