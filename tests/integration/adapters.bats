#!/usr/bin/env bats
# The conformance suite's adapters (docs/conformance.md) and its runner.

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
	assert_output 'core extension fly unprivileged'
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
@test "the rkt adapter claims the core level only" {
	run_cmd -0 "$ADAPTERS/rkt" features
	assert_output core
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
	run_cmd -1 "$REPO/tests/integration/conformance" --only=nowhere
	assert_output --partial 'unknown area "nowhere"'
	assert_output --partial 'mounts propagation volumes'
}
