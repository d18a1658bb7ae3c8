/* Unit tests for cmd_export.c: the overlay options, the new manifest, and
 * the command's checks and mounts against the recording syscall table. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "aci.h"
#include "cmd.h"
#include "manifest.h"
#include "mock_sys.h"
#include "testlib.h"
#include "store.h"
#include "util.h"

#define UUID "0123abcd-0000-4000-8000-000000000001"

static char tmp[256];
static char id[FLY_ID_LEN + 1];
static struct fly_ctx ctx = { .sys = &mock_sys };

static const char image_manifest[] =
	"{\"acKind\": \"ImageManifest\", \"acVersion\": \"0.8.11\",\n"
	" \"name\": \"example.com/app\",\n"
	" \"labels\": [{\"name\": \"version\", \"value\": \"1.0.0\"},\n"
	"   {\"name\": \"os\", \"value\": \"linux\"}],\n"
	" \"app\": {\"exec\": [\"/bin/app\"], \"user\": \"0\", \"group\": "
	"\"0\"},\n"
	" \"dependencies\": [{\"imageName\": \"example.com/base\"}],\n"
	" \"pathWhitelist\": [\"/bin/app\"],\n"
	" \"annotations\": [{\"name\": \"authors\", \"value\": \"fly\"}]}\n";

__attribute__((format(printf, 1, 2))) static char *path_in(const char *fmt, ...)
{
	char *rel = NULL, *p;
	va_list ap;

	va_start(ap, fmt);
	assert_true(vasprintf(&rel, fmt, ap) >= 0);
	va_end(ap);
	p = fly_path_join(tmp, rel);
	free(rel);
	return p;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void make_dirs(const char *path)
{
	struct fly_error err = { 0 };

	assert_int_equal(fly_mkdir_p(&ctx, path, 0755, &err), 0);
}

static char *pod_manifest(void)
{
	return fly_xasprintf(
		"{\"acKind\": \"PodManifest\", \"acVersion\": \"0.8.11\",\n"
		" \"apps\": [{\"name\": \"app\",\n"
		"   \"image\": {\"id\": \"%s\", \"name\": "
		"\"example.com/app\"},\n"
		"   \"app\": {\"exec\": [\"/bin/app\", \"--ran\"],\n"
		"     \"user\": \"0\", \"group\": \"0\"}}]}\n",
		id);
}

/* The store holds the image; pods/run/UUID is an exited pod. */
static int setup(void **state)
{
	struct fly_error err = { 0 };
	char *dir, *text;

	(void)state;
	if (test_tmpdir(tmp, sizeof(tmp)) < 0)
		return -1;
	ctx.dir = tmp;
	ctx.uid = getuid();
	ctx.gid = getgid();
	ctx.root = true;
	if (fly_store_prepare(&ctx, &err) < 0)
		return -1;
	snprintf(id, sizeof(id), "sha512-");
	memset(id + 7, 'a', FLY_ID_LEN - 7);
	dir = path_in("images/%s/rootfs/bin", id);
	make_dirs(dir);
	free(dir);
	dir = path_in("images/%s/manifest", id);
	write_text(dir, image_manifest);
	free(dir);
	for (const char *const *sub =
		     (const char *const[]){ "rootfs", "upper", "work", NULL };
	     *sub; sub++) {
		dir = path_in("pods/run/%s/%s", UUID, *sub);
		make_dirs(dir);
		free(dir);
	}
	dir = path_in("pods/run/%s/pod", UUID);
	text = pod_manifest();
	write_text(dir, text);
	free(text);
	free(dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return test_rmtree(tmp);
}

static int run_export(const char *a, const char *b, const char *c,
		      struct fly_error *err)
{
	char *argv[] = { (char *)"export", (char *)a, (char *)b, (char *)c,
			 NULL };
	int argc = 1;

	while (argc < 4 && argv[argc])
		argc++;
	optind = 0;
	return fly_cmd_export(&ctx, argc, argv, err);
}

static struct fly_image_manifest *parse(const char *text)
{
	struct fly_image_manifest *m = NULL;
	struct fly_error err = { 0 };

	assert_int_equal(fly_image_manifest_parse(text, strlen(text), &m, &err),
			 0);
	return m;
}

/* ---- overlay options ---------------------------------------------------- */

static void the_overlay_has_the_upper_layer_over_the_image_and_no_upperdir(
	void **state)
{
	char *opts = fly_export_overlay_options("/d/pods/run/u/upper",
						"/d/images/i/rootfs");

	(void)state;
	assert_string_equal(opts,
			    "lowerdir=/d/pods/run/u/upper:/d/images/i/rootfs");
	free(opts);
}

static void colons_commas_and_backslashes_in_paths_are_escaped(void **state)
{
	char *opts = fly_export_overlay_options("/a:b", "/c,d\\e");

	(void)state;
	assert_string_equal(opts, "lowerdir=/a\\:b:/c\\,d\\\\e");
	free(opts);
}

/* ---- the manifest ------------------------------------------------------- */

static void the_manifest_takes_the_pod_s_app_and_keeps_the_image_s_name(
	void **state)
{
	struct fly_image_manifest *image = parse(image_manifest);
	struct fly_image_manifest *out;
	struct fly_app app = *image->app;
	char *exec[] = { (char *)"/bin/app", (char *)"--ran", NULL };
	struct fly_error err = { 0 };
	char *text = NULL;

	(void)state;
	app.exec = exec;
	app.working_directory = (char *)"/srv";
	assert_int_equal(fly_export_manifest(image, &app, &text, &err), 0);
	out = parse(text);
	assert_string_equal(out->name, "example.com/app");
	assert_string_equal(out->app->exec[1], "--ran");
	assert_string_equal(out->app->working_directory, "/srv");
	assert_string_equal(
		fly_name_value_get(out->labels, out->n_labels, "version"),
		"1.0.0");
	assert_string_equal(fly_name_value_get(out->annotations,
					       out->n_annotations, "authors"),
			    "fly");
	fly_image_manifest_free(out);
	fly_image_manifest_free(image);
	free(text);
}

static void the_manifest_drops_dependencies_and_the_whitelist(void **state)
{
	struct fly_image_manifest *image = parse(image_manifest);
	struct fly_image_manifest *out;
	struct fly_error err = { 0 };
	char *text = NULL;

	(void)state;
	assert_int_equal(fly_export_manifest(image, NULL, &text, &err), 0);
	assert_null(strstr(text, "dependencies"));
	assert_null(strstr(text, "pathWhitelist"));
	out = parse(text);
	assert_int_equal(out->n_dependencies, 0);
	assert_string_equal(out->app->exec[0], "/bin/app");
	assert_null(out->app->exec[1]);
	fly_image_manifest_free(out);
	fly_image_manifest_free(image);
	free(text);
}

static void an_app_an_image_may_not_hold_is_refused(void **state)
{
	struct fly_image_manifest *image = parse(image_manifest);
	struct fly_app app = *image->app;
	struct fly_error err = { 0 };
	char *text = NULL;

	(void)state;
	app.working_directory = (char *)"relative";
	assert_int_equal(fly_export_manifest(image, &app, &text, &err), -1);
	assert_null(text);
	assert_non_null(strstr(err.msg, "the new manifest: "
					"app.workingDirectory"));
	fly_image_manifest_free(image);
}

/* ---- the command -------------------------------------------------------- */

static void an_exited_pod_is_mounted_read_only_in_a_private_namespace(
	void **state)
{
	struct fly_error err = { 0 };
	char *out = path_in("out.aci");
	char *opts = fly_xasprintf("lowerdir=%s/pods/run/%s/upper:"
				   "%s/images/%s/rootfs",
				   tmp, UUID, tmp, id);
	char *mount = fly_xasprintf("mount overlay <root>/pods/run/%s/rootfs "
				    "overlay MS_RDONLY %s",
				    UUID, opts);
	const char *expected[] = {
		"unshare 0x20000",
		"mount none / none MS_REC|MS_PRIVATE NULL",
		mount,
		NULL,
	};
	struct stat st;

	(void)state;
	assert_int_equal(run_export(UUID, out, NULL, &err), 0);
	mock_sys_assert_calls(expected);
	assert_int_equal(stat(out, &st), 0);
	free(mount);
	free(opts);
	free(out);
}

static void a_pod_that_ran_on_a_copy_is_exported_from_its_rootfs(void **state)
{
	struct fly_error err = { 0 };
	char *file = path_in("pods/run/%s/rootfs/hello", UUID);
	char *out = path_in("out.aci");
	char *back = path_in("back");
	struct fly_aci aci = { 0 };
	char *read_back;
	int fd;

	(void)state;
	write_text(file, "fly\n");
	assert_int_equal(run_export(UUID, out, NULL, &err), 0);
	assert_int_equal(mock_sys_count(), 0);

	make_dirs(back);
	fd = open(out, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fly_aci_read(&ctx, fd, out, -1, back, &aci, &err), 0);
	close(fd);
	assert_string_equal(aci.manifest->app->exec[1], "--ran");
	free(file);
	file = path_in("back/hello");
	assert_int_equal(fly_read_file(file, 100, &read_back, NULL, &err), 0);
	assert_string_equal(read_back, "fly\n");
	free(read_back);
	fly_aci_clear(&aci);
	free(back);
	free(out);
	free(file);
}

static void a_running_pod_is_refused(void **state)
{
	struct fly_error err = { 0 };
	char *dir = path_in("pods/run/%s", UUID);
	char *out = path_in("out.aci");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	(void)state;
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(run_export("0123abcd", out, NULL, &err), -1);
	assert_string_equal(err.msg, "export: pod " UUID ": is running: stop "
				     "it first (`fly stop " UUID "`)");
	assert_int_equal(mock_sys_count(), 0);
	assert_int_equal(access(out, F_OK), -1);
	close(fd);
	free(out);
	free(dir);
}

static void an_existing_output_needs_overwrite(void **state)
{
	struct fly_error err = { 0 };
	char *out = path_in("out.aci");
	struct stat st;

	(void)state;
	write_text(out, "old\n");
	assert_int_equal(run_export(UUID, out, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "exists: give --overwrite"));
	assert_int_equal(mock_sys_count(), 0);

	assert_int_equal(run_export("--overwrite", UUID, out, &err), 0);
	assert_int_equal(stat(out, &st), 0);
	assert_true(st.st_size > 4);
	free(out);
}

static void a_prepared_pod_is_refused(void **state)
{
	struct fly_error err = { 0 };
	char *from = path_in("pods/run/%s", UUID);
	char *to = path_in("pods/prepared/%s", UUID);
	char *parent = path_in("pods/prepared");
	char *out = path_in("out.aci");

	(void)state;
	make_dirs(parent);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(run_export(UUID, out, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "is prepared: it has not run yet"));
	free(out);
	free(parent);
	free(to);
	free(from);
}

static void an_unknown_pod_is_not_found(void **state)
{
	struct fly_error err = { 0 };
	char *out = path_in("out.aci");

	(void)state;
	assert_int_equal(run_export("ffff", out, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "\"ffff\" not found"));
	free(out);
}

static void a_missing_operand_is_a_usage_error(void **state)
{
	struct fly_error err = { 0 };

	(void)state;
	assert_int_equal(run_export(UUID, NULL, NULL, &err), -1);
	assert_true(err.usage);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			the_overlay_has_the_upper_layer_over_the_image_and_no_upperdir),
		cmocka_unit_test(
			colons_commas_and_backslashes_in_paths_are_escaped),
		cmocka_unit_test(
			the_manifest_takes_the_pod_s_app_and_keeps_the_image_s_name),
		cmocka_unit_test(
			the_manifest_drops_dependencies_and_the_whitelist),
		cmocka_unit_test(an_app_an_image_may_not_hold_is_refused),
		cmocka_unit_test_setup_teardown(
			an_exited_pod_is_mounted_read_only_in_a_private_namespace,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			a_pod_that_ran_on_a_copy_is_exported_from_its_rootfs,
			setup, teardown),
		cmocka_unit_test_setup_teardown(a_running_pod_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			an_existing_output_needs_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(a_prepared_pod_is_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(an_unknown_pod_is_not_found,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			a_missing_operand_is_a_usage_error, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
