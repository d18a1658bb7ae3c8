#!/usr/bin/env bats
# The command surface: version, help and usage errors (behaviour.md 1, 3.6).
# shellcheck disable=SC2154 # stderr and stderr_lines are set by bats' run

load helpers

setup() {
	fly_setup
}

teardown() {
	fly_teardown
}

# bats test_tags=area:exit-status,fly
@test "fly version prints fly's version and the appc version" {
	run_fly -0 --separate-stderr version
	assert_line --index 0 --regexp '^fly version [0-9]+\.[0-9]+\.[0-9]+'
	assert_line --index 1 'appc version 0.8.11'
	assert_equal "$stderr" ""
}

# bats test_tags=area:exit-status,fly
@test "fly --help prints the usage on stdout and exits 0" {
	run_fly -0 --separate-stderr --help
	assert_line --index 0 --partial 'Usage: fly'
	assert_line --partial 'run IMAGE'
	assert_equal "$stderr" ""
}

# bats test_tags=area:exit-status,fly
@test "fly -h is the same as fly --help" {
	run_fly -0 -h
	assert_line --index 0 --partial 'Usage: fly'
}

# covers: 3.6.3
# bats test_tags=area:exit-status,fly
@test "an unknown command exits 2 with a hint on stderr and nothing on stdout" {
	run_fly -2 --separate-stderr no-such-command
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" 'fly: unknown command "no-such-command"'
	assert_equal "${stderr_lines[-1]}" "Try 'fly --help'."
}

# covers: 3.6.3
# bats test_tags=area:exit-status,fly
@test "an unknown global flag exits 2 with a hint on stderr and nothing on stdout" {
	run_fly -2 --separate-stderr --no-such-flag version
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" 'fly: unknown flag "--no-such-flag"'
	assert_equal "${stderr_lines[-1]}" "Try 'fly --help'."
}

# covers: 3.6.3
# bats test_tags=area:exit-status,core
@test "an unknown command or global flag is a usage error: exit 2" {
	run_fly -2 no-such-command
	assert_output --partial 'no-such-command'
	run_fly -2 --no-such-flag version
	assert_output --partial -- '--no-such-flag'
}

# covers: 3.6.3
# bats test_tags=area:exit-status,fly
@test "fly without a command exits 2 with a hint" {
	run_fly -2 --separate-stderr
	assert_equal "$output" ""
	assert_equal "${stderr_lines[-1]}" "Try 'fly --help'."
}

# covers: 3.6.3
# bats test_tags=area:exit-status,fly
@test "an unexpected argument to version exits 2 with a hint" {
	run_fly -2 --separate-stderr version extra
	assert_equal "$output" ""
	assert_equal "${stderr_lines[-1]}" "Try 'fly --help'."
}

# bats test_tags=area:exit-status,fly
@test "fly version needs no data directory" {
	rmdir "$FLY_DIR"
	run_fly -0 --dir="$WORK/never-made" version
	assert [ ! -e "$WORK/never-made" ]
	assert [ ! -e "$FLY_DIR" ]
}
