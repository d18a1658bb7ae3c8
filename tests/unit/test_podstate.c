/* Unit tests for podstate.c: the state of hand-made pod directories, the
 * list of pods, finding one pod, and the order gc unmounts in. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mock_sys.h"
#include "testlib.h"
#include "podstate.h"
#include "util.h"

#define UUID_A "0a1b2c3d-0000-4000-8000-000000000001"
#define UUID_B "0a1b2c3d-0000-4000-8000-000000000002"
#define UUID_C "f0000000-0000-4000-8000-000000000003"
#define IMAGE_ID                                                           \
	"sha512-"                                                          \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char tmp[256];
static struct fly_ctx ctx = { .sys = &mock_sys };

static int setup(void **state)
{
	(void)state;
	if (test_tmpdir(tmp, sizeof(tmp)) < 0)
		return -1;
	ctx.dir = tmp;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return test_rmtree(tmp);
}

static char *pod_dir(const char *parent, const char *uuid)
{
	return fly_xasprintf("%s/pods/%s/%s", tmp, parent, uuid);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = fly_path_join(dir, name);
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	free(path);
}

static void set_mtime(const char *dir, const char *name, time_t t)
{
	struct timespec times[2] = { { .tv_sec = t }, { .tv_sec = t } };
	char *path = fly_path_join(dir, name);

	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
	free(path);
}

static char *manifest(const char *app, const char *image)
{
	return fly_xasprintf(
		"{\"acKind\": \"PodManifest\", \"acVersion\": \"0.8.11\","
		" \"apps\": [{\"name\": \"%s\", \"image\": {\"id\": \"%s\","
		" \"name\": \"%s\", \"labels\": [{\"name\": \"version\","
		" \"value\": \"1.0.0\"}]}, \"app\": {\"exec\": [\"/x\"],"
		" \"user\": \"0\", \"group\": \"0\"}}]}",
		app, IMAGE_ID, image);
}

/* A pod directory in pods/parent, with a manifest unless app is NULL;
 * returns its path. */
static char *make_pod(const char *parent, const char *uuid, const char *app)
{
	char *dir = pod_dir(parent, uuid);
	struct fly_error err = { 0 };

	assert_int_equal(fly_mkdir_p(&ctx, dir, 0711, &err), 0);
	if (app) {
		char *text = manifest(app, "example.com/fly-test");

		write_file(dir, "pod", text);
		free(text);
	}
	return dir;
}

/* Hold the pod's lock as fly does: on an open file description of its
 * own, which a new open by the code under test conflicts with. */
static int hold_lock(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	return fd;
}

static void read_pod(const char *parent, const char *uuid,
		     struct fly_pod_info *info)
{
	struct fly_error err = { 0 };

	if (fly_pod_info_read(&ctx, parent, uuid, info, &err) < 0)
		fail_msg("read pod: %s", err.msg);
}

static void a_prepared_pod_is_prepared_whatever_its_lock(void **state)
{
	struct fly_pod_info info;
	char *dir = make_pod("prepared", UUID_A, "web");
	int fd;

	(void)state;
	read_pod("prepared", UUID_A, &info);
	assert_int_equal(info.state, FLY_POD_PREPARED);
	assert_string_equal(fly_pod_state_name(info.state), "prepared");
	fly_pod_info_clear(&info);
	fd = hold_lock(dir);
	read_pod("prepared", UUID_A, &info);
	assert_int_equal(info.state, FLY_POD_PREPARED);
	fly_pod_info_clear(&info);
	close(fd);
	free(dir);
}

static void a_pod_without_a_manifest_is_still_being_created(void **state)
{
	struct fly_pod_info info;
	char *dir = make_pod("run", UUID_A, NULL);

	(void)state;
	read_pod("run", UUID_A, &info);
	assert_int_equal(info.state, FLY_POD_CREATING);
	assert_string_equal(fly_pod_state_name(info.state), "creating");
	assert_null(info.app_name);
	assert_int_equal(info.created.tv_sec, 0);
	assert_true(info.changed.tv_sec > 0);
	fly_pod_info_clear(&info);
	free(dir);
}

static void a_started_pod_whose_lock_is_held_is_running(void **state)
{
	struct fly_pod_info info;
	char *dir = make_pod("run", UUID_A, "web");
	int fd = hold_lock(dir);

	(void)state;
	write_file(dir, "pid", "4242\n");
	read_pod("run", UUID_A, &info);
	assert_int_equal(info.state, FLY_POD_RUNNING);
	assert_int_equal(info.pid, 4242);
	assert_true(info.started.tv_sec > 0);
	assert_int_equal(info.exit_code, -1);
	fly_pod_info_clear(&info);
	close(fd);
	free(dir);
}

static void a_pod_whose_lock_is_held_in_another_process_is_running(void **state)
{
	struct fly_pod_info info;
	char *dir = make_pod("run", UUID_A, "web");
	int ready[2], status;
	pid_t child;
	char c;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int fd = open(dir, O_RDONLY | O_DIRECTORY);

		flock(fd, LOCK_EX);
		c = 'x';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	read_pod("run", UUID_A, &info);
	assert_int_equal(info.state, FLY_POD_RUNNING);
	fly_pod_info_clear(&info);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
	read_pod("run", UUID_A, &info);
	assert_int_equal(info.state, FLY_POD_EXITED);
	fly_pod_info_clear(&info);
	close(ready[0]);
	close(ready[1]);
	free(dir);
}

static void reading_a_state_leaves_the_lock_free(void **state)
{
	struct fly_pod_info info;
	char *dir = make_pod("run", UUID_A, "web");
	int fd;

	(void)state;
	read_pod("run", UUID_A, &info);
	assert_int_equal(info.state, FLY_POD_EXITED);
	fly_pod_info_clear(&info);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
	free(dir);
}

static void an_exited_pod_without_an_exit_file_has_no_status(void **state)
{
	struct fly_pod_info info;
	char *dir = make_pod("run", UUID_A, "web");

	(void)state;
	write_file(dir, "pid", "4242\n");
	read_pod("run", UUID_A, &info);
	assert_int_equal(info.state, FLY_POD_EXITED);
	assert_int_equal(info.exit_code, -1);
	assert_int_equal(info.exited.tv_sec, 0);
	assert_int_equal(info.pid, 4242);
	fly_pod_info_clear(&info);
	free(dir);
}

static void an_exited_pod_shows_its_exit_status_and_time(void **state)
{
	struct fly_pod_info info;
	char *dir = make_pod("run", UUID_A, "web");

	(void)state;
	write_file(dir, "pid", "4242\n");
	write_file(dir, "exit", "7\n");
	set_mtime(dir, "pod", 1000);
	set_mtime(dir, "pid", 2000);
	set_mtime(dir, "exit", 3000);
	read_pod("run", UUID_A, &info);
	assert_int_equal(info.state, FLY_POD_EXITED);
	assert_int_equal(info.exit_code, 7);
	assert_int_equal(info.created.tv_sec, 1000);
	assert_int_equal(info.started.tv_sec, 2000);
	assert_int_equal(info.exited.tv_sec, 3000);
	fly_pod_info_clear(&info);
	free(dir);
}

static void a_malformed_exit_file_leaves_the_status_unknown(void **state)
{
	static const char *const bad[] = { "", "seven\n", "256\n", "-1\n",
					   "7 8\n" };
	struct fly_pod_info info;
	char *dir = make_pod("run", UUID_A, "web");

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(dir, "exit", bad[i]);
		read_pod("run", UUID_A, &info);
		assert_int_equal(info.state, FLY_POD_EXITED);
		assert_int_equal(info.exit_code, -1);
		fly_pod_info_clear(&info);
	}
	free(dir);
}

static void the_manifest_names_the_app_and_the_image(void **state)
{
	struct fly_pod_info info;
	char *dir = make_pod("run", UUID_A, "web");

	(void)state;
	write_file(dir, "mount-ns", "host\n");
	write_file(dir, "userns", "");
	read_pod("run", UUID_A, &info);
	assert_string_equal(info.uuid, UUID_A);
	assert_string_equal(info.dir, dir);
	assert_string_equal(info.app_name, "web");
	assert_string_equal(info.image_name, "example.com/fly-test");
	assert_string_equal(info.image_version, "1.0.0");
	assert_string_equal(info.image_id, IMAGE_ID);
	assert_string_equal(info.mount_ns, "host");
	assert_true(info.userns);
	fly_pod_info_clear(&info);
	free(dir);
}

static void a_broken_manifest_leaves_the_names_unknown(void **state)
{
	struct fly_pod_info info;
	char *dir = make_pod("run", UUID_A, NULL);

	(void)state;
	write_file(dir, "pod", "{\"acKind\": \"Nonsense\"");
	read_pod("run", UUID_A, &info);
	assert_int_equal(info.state, FLY_POD_EXITED);
	assert_null(info.app_name);
	assert_null(info.image_id);
	assert_null(info.mount_ns);
	assert_false(info.userns);
	fly_pod_info_clear(&info);
	free(dir);
}

static void garbage_directories_give_their_states(void **state)
{
	struct fly_pod_info info;
	char *a = make_pod("exited-garbage", UUID_A, "web");
	char *b = make_pod("garbage", UUID_B, "web");
	int fd = hold_lock(a);

	(void)state;
	read_pod("exited-garbage", UUID_A, &info);
	assert_int_equal(info.state, FLY_POD_EXITED_GARBAGE);
	assert_string_equal(fly_pod_state_name(info.state), "exited-garbage");
	fly_pod_info_clear(&info);
	read_pod("garbage", UUID_B, &info);
	assert_int_equal(info.state, FLY_POD_GARBAGE);
	assert_string_equal(fly_pod_state_name(info.state), "garbage");
	fly_pod_info_clear(&info);
	close(fd);
	free(a);
	free(b);
}

static void a_missing_pod_directory_is_enoent(void **state)
{
	struct fly_pod_info info;
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(fly_pod_info_read(&ctx, "run", UUID_A, &info, &err),
			 -1);
	assert_int_equal(err.errnum, ENOENT);
	fly_pod_info_clear(&info);
}

static void list_gives_every_pod_oldest_first(void **state)
{
	struct fly_pod_info *pods = NULL;
	struct fly_error err = { 0 };
	char *a = make_pod("run", UUID_A, "a");
	char *b = make_pod("prepared", UUID_B, "b");
	char *c = make_pod("exited-garbage", UUID_C, "c");
	size_t n = 0;

	(void)state;
	set_mtime(a, "pod", 3000);
	set_mtime(b, "pod", 1000);
	set_mtime(c, "pod", 2000);
	assert_int_equal(fly_pods_list(&ctx, &pods, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(pods[0].uuid, UUID_B);
	assert_int_equal(pods[0].state, FLY_POD_PREPARED);
	assert_string_equal(pods[1].uuid, UUID_C);
	assert_int_equal(pods[1].state, FLY_POD_EXITED_GARBAGE);
	assert_string_equal(pods[2].uuid, UUID_A);
	assert_int_equal(pods[2].state, FLY_POD_EXITED);
	fly_pod_infos_free(pods, n);
	free(a);
	free(b);
	free(c);
}

static void list_of_no_pods_is_empty(void **state)
{
	struct fly_pod_info *pods = NULL;
	struct fly_error err = { 0 };
	size_t n = 7;

	(void)state;
	assert_int_equal(fly_pods_list(&ctx, &pods, &n, &err), 0);
	assert_int_equal(n, 0);
	fly_pod_infos_free(pods, n);
}

static void list_skips_names_that_are_not_uuids(void **state)
{
	struct fly_pod_info *pods = NULL;
	struct fly_error err = { 0 };
	char *a = make_pod("run", UUID_A, "a");
	char *b = make_pod("run", "0A1B2C3D-0000-4000-8000-000000000002", "b");
	char *c = make_pod("run", UUID_C ".tmp", "c");
	size_t n = 0;

	(void)state;
	assert_int_equal(fly_pods_list(&ctx, &pods, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(pods[0].uuid, UUID_A);
	fly_pod_infos_free(pods, n);
	free(a);
	free(b);
	free(c);
}

static void a_pod_seen_in_two_directories_is_listed_once(void **state)
{
	struct fly_pod_info *pods = NULL;
	struct fly_error err = { 0 };
	char *a = make_pod("run", UUID_A, "a");
	char *b = make_pod("exited-garbage", UUID_A, "a");
	size_t n = 0;

	(void)state;
	assert_int_equal(fly_pods_list(&ctx, &pods, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pods[0].state, FLY_POD_EXITED_GARBAGE);
	fly_pod_infos_free(pods, n);
	free(a);
	free(b);
}

static void find(const char *ref, const char *uuid)
{
	struct fly_pod_info info;
	struct fly_error err = { 0 };

	if (fly_pod_find(&ctx, ref, &info, &err) < 0)
		fail_msg("find \"%s\": %s", ref, err.msg);
	assert_string_equal(info.uuid, uuid);
	fly_pod_info_clear(&info);
}

static void find_fails(const char *ref, const char *message)
{
	struct fly_pod_info info;
	struct fly_error err = { 0 };

	assert_int_equal(fly_pod_find(&ctx, ref, &info, &err), -1);
	assert_string_equal(err.msg, message);
	assert_int_equal(err.usage, 0);
	fly_pod_info_clear(&info);
}

static void a_unique_prefix_finds_its_pod(void **state)
{
	char *a = make_pod("run", UUID_A, "a");
	char *b = make_pod("garbage", UUID_B, "b");
	char *c = make_pod("prepared", UUID_C, "c");

	(void)state;
	find(UUID_A, UUID_A);
	find("0a1b2c3d-0000-4000-8000-000000000002", UUID_B);
	find("f", UUID_C);
	find("F000", UUID_C);
	free(a);
	free(b);
	free(c);
}

static void an_ambiguous_prefix_says_how_many_match(void **state)
{
	char *a = make_pod("run", UUID_A, "a");
	char *b = make_pod("exited-garbage", UUID_B, "b");

	(void)state;
	find_fails("0a1b", "pod \"0a1b\" is ambiguous: 2 pods match");
	free(a);
	free(b);
}

static void an_unknown_pod_is_not_found(void **state)
{
	char *a = make_pod("run", UUID_A, "a");

	(void)state;
	find_fails("0a1c", "pod \"0a1c\" not found");
	find_fails("xyz", "pod \"xyz\" not found");
	find_fails("", "pod \"\" not found");
	find_fails(UUID_A "0", "pod \"" UUID_A "0\" not found");
	free(a);
}

static void the_uuid_file_is_read_without_white_space(void **state)
{
	struct fly_error err = { 0 };
	char *path = fly_path_join(tmp, "uuid");
	char *uuid = NULL;

	(void)state;
	write_file(tmp, "uuid", "  " UUID_A "\n\n");
	assert_int_equal(fly_pod_uuid_file_read(path, &uuid, &err), 0);
	assert_string_equal(uuid, UUID_A);
	free(uuid);
	write_file(tmp, "uuid", " \n");
	assert_int_equal(fly_pod_uuid_file_read(path, &uuid, &err), -1);
	assert_non_null(strstr(err.msg, "holds no UUID"));
	free(path);
	path = fly_path_join(tmp, "missing");
	assert_int_equal(fly_pod_uuid_file_read(path, &uuid, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_true(strncmp(err.msg, "--uuid-file: ", 13) == 0);
	free(path);
}

static void lock_held_tells_a_held_lock_from_a_free_one(void **state)
{
	struct fly_error err = { 0 };
	char *dir = make_pod("run", UUID_A, "a");
	char *gone = pod_dir("run", UUID_B);
	int fd;

	(void)state;
	assert_int_equal(fly_pod_lock_held(&ctx, dir, &err), 0);
	fd = hold_lock(dir);
	assert_int_equal(fly_pod_lock_held(&ctx, dir, &err), 1);
	close(fd);
	assert_int_equal(fly_pod_lock_held(&ctx, dir, &err), 0);
	assert_int_equal(fly_pod_lock_held(&ctx, gone, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	free(dir);
	free(gone);
}

static void image_ids_come_from_pods_not_yet_garbage(void **state)
{
	struct fly_strv ids = { 0 };
	struct fly_error err = { 0 };
	char *a = make_pod("run", UUID_A, "a");
	char *b = make_pod("prepared", UUID_B, "b");
	char *c = make_pod("exited-garbage", UUID_C, "c");

	(void)state;
	assert_int_equal(fly_pods_image_ids(&ctx, &ids, &err), 0);
	assert_int_equal(ids.n, 1);
	assert_string_equal(ids.v[0], IMAGE_ID);
	fly_strv_clear(&ids);
	fly_rm_tree(&ctx, a, &err);
	fly_rm_tree(&ctx, b, &err);
	assert_int_equal(fly_pods_image_ids(&ctx, &ids, &err), 0);
	assert_int_equal(ids.n, 0);
	fly_strv_clear(&ids);
	free(a);
	free(b);
	free(c);
}

static void mounts_below_come_children_first(void **state)
{
	struct fly_mount_entry e[] = {
		{ .id = 10, .parent_id = 1, .target = (char *)"/" },
		{ .id = 20, .parent_id = 10, .target = (char *)"/p/rootfs" },
		{ .id = 21,
		  .parent_id = 20,
		  .target = (char *)"/p/rootfs/dev" },
		{ .id = 22,
		  .parent_id = 21,
		  .target = (char *)"/p/rootfs/dev/pts" },
		{ .id = 23,
		  .parent_id = 20,
		  .target = (char *)"/p/rootfs/proc" },
		{ .id = 24, .parent_id = 10, .target = (char *)"/p2/rootfs" },
		{ .id = 25,
		  .parent_id = 20,
		  .target = (char *)"/p/rootfs/tmp" },
	};
	struct fly_mount_table t = { .entries = e, .n = 7 };
	const struct fly_mount_entry **order = NULL;
	size_t n;

	(void)state;
	n = fly_pod_mounts_below(&t, "/p", &order);
	assert_int_equal(n, 5);
	assert_int_equal(order[0]->id, 25);
	assert_int_equal(order[1]->id, 23);
	assert_int_equal(order[2]->id, 22);
	assert_int_equal(order[3]->id, 21);
	assert_int_equal(order[4]->id, 20);
	free(order);
}

static void a_mount_covering_another_goes_first(void **state)
{
	struct fly_mount_entry e[] = {
		{ .id = 30, .parent_id = 1, .target = (char *)"/p/a/b" },
		{ .id = 31, .parent_id = 1, .target = (char *)"/p/a" },
		{ .id = 32, .parent_id = 1, .target = (char *)"/p" },
		{ .id = 33, .parent_id = 32, .target = (char *)"/p" },
	};
	struct fly_mount_table t = { .entries = e, .n = 4 };
	const struct fly_mount_entry **order = NULL;
	size_t n;

	(void)state;
	n = fly_pod_mounts_below(&t, "/p", &order);
	assert_int_equal(n, 4);
	assert_int_equal(order[0]->id, 33);
	assert_int_equal(order[1]->id, 32);
	assert_int_equal(order[2]->id, 31);
	assert_int_equal(order[3]->id, 30);
	free(order);
}

static void mounts_beside_the_pod_are_left_out(void **state)
{
	struct fly_mount_entry e[] = {
		{ .id = 40, .parent_id = 1, .target = (char *)"/p/x" },
		{ .id = 41, .parent_id = 1, .target = (char *)"/px" },
		{ .id = 42, .parent_id = 1, .target = (char *)"/" },
	};
	struct fly_mount_table t = { .entries = e, .n = 3 };
	const struct fly_mount_entry **order = NULL;

	(void)state;
	assert_int_equal(fly_pod_mounts_below(&t, "/p", &order), 1);
	assert_int_equal(order[0]->id, 40);
	free(order);
	assert_int_equal(fly_pod_mounts_below(&t, "/q", &order), 0);
	free(order);
}

static void a_process_started_before_now_passes(void **state)
{
	struct fly_error err = { 0 };
	struct timespec now;

	(void)state;
	clock_gettime(CLOCK_REALTIME, &now);
	assert_int_equal(fly_proc_started_by(getpid(), &now, &err), 1);
}

static void a_process_younger_than_the_pid_file_is_refused(void **state)
{
	struct fly_error err = { 0 };
	struct timespec now, before;
	pid_t child;
	int status;

	(void)state;
	clock_gettime(CLOCK_REALTIME, &before);
	before.tv_sec -= 1;
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(fly_proc_started_by(child, &before, &err), 0);
	clock_gettime(CLOCK_REALTIME, &now);
	assert_int_equal(fly_proc_started_by(child, &now, &err), 1);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(fly_proc_started_by(child, &now, &err), -1);
	assert_int_equal(err.errnum, ESRCH);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(a_prepared_pod_is_prepared_whatever_its_lock),
		T(a_pod_without_a_manifest_is_still_being_created),
		T(a_started_pod_whose_lock_is_held_is_running),
		T(a_pod_whose_lock_is_held_in_another_process_is_running),
		T(reading_a_state_leaves_the_lock_free),
		T(an_exited_pod_without_an_exit_file_has_no_status),
		T(an_exited_pod_shows_its_exit_status_and_time),
		T(a_malformed_exit_file_leaves_the_status_unknown),
		T(the_manifest_names_the_app_and_the_image),
		T(a_broken_manifest_leaves_the_names_unknown),
		T(garbage_directories_give_their_states),
		T(a_missing_pod_directory_is_enoent),
		T(list_gives_every_pod_oldest_first),
		T(list_of_no_pods_is_empty),
		T(list_skips_names_that_are_not_uuids),
		T(a_pod_seen_in_two_directories_is_listed_once),
		T(a_unique_prefix_finds_its_pod),
		T(an_ambiguous_prefix_says_how_many_match),
		T(an_unknown_pod_is_not_found),
		T(the_uuid_file_is_read_without_white_space),
		T(lock_held_tells_a_held_lock_from_a_free_one),
		T(image_ids_come_from_pods_not_yet_garbage),
		T(mounts_below_come_children_first),
		T(a_mount_covering_another_goes_first),
		T(mounts_beside_the_pod_are_left_out),
		T(a_process_started_before_now_passes),
		T(a_process_younger_than_the_pid_file_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
