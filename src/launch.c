#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "poison.h"

static const int forwarded[] = {
	SIGHUP,  SIGINT,   SIGQUIT, SIGTERM, SIGUSR1,
	SIGUSR2, SIGWINCH, SIGCONT, SIGALRM, SIGPIPE,
};

static void forwarded_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(*forwarded); i++)
		sigaddset(set, forwarded[i]);
	sigaddset(set, SIGCHLD);
}

void fly_launch_block_signals(sigset_t *ret_old)
{
	sigset_t set;

	forwarded_set(&set);
	sigprocmask(SIG_BLOCK, &set, ret_old);
}

int fly_launch_enter(const struct fly_ctx *ctx, const struct fly_launch *l,
		     struct fly_error *err)
{
	const struct fly_creds *c = l->creds;

	if (ctx->sys->sys_fchdir(l->root_fd) < 0 ||
	    ctx->sys->sys_chroot(".") < 0)
		return fly_fail(err, errno, "chroot \"%s\"", l->root_path);
	if (ctx->sys->sys_chdir(l->workdir) < 0)
		return fly_fail(err, errno, "working directory \"%s\"",
				l->workdir);
	if (l->set_groups &&
	    ctx->sys->sys_setgroups(c->n_groups, c->groups) < 0)
		return fly_fail(err, errno, "set groups");
	if (!l->set_groups)
		fly_debug("setgroups is denied in this user namespace: groups "
			  "not set");
	if (ctx->sys->sys_setresgid(c->gid, c->gid, c->gid) < 0)
		return fly_fail(err, errno, "set gid %u", (unsigned int)c->gid);
	if (ctx->sys->sys_setresuid(c->uid, c->uid, c->uid) < 0)
		return fly_fail(err, errno, "set uid %u", (unsigned int)c->uid);
	return 0;
}

/* In the child: never returns.  A failure goes to the parent through the
 * close-on-exec pipe, which an exec closes silently. */
__attribute__((noreturn)) static void child_exec(const struct fly_ctx *ctx,
						 const struct fly_launch *l,
						 const char *exe,
						 char *const *argv,
						 int report_fd)
{
	struct fly_error err = { 0 };

	sigprocmask(SIG_SETMASK, &l->child_mask, NULL);
	if (fly_launch_enter(ctx, l, &err) == 0) {
		ctx->sys->sys_execve(exe, argv, l->envp);
		fly_fail(&err, errno, "exec \"%s\"", exe);
	}
	if (write(report_fd, err.msg, strlen(err.msg)) < 0)
		_exit(FLY_EXIT_FAILURE);
	_exit(FLY_EXIT_FAILURE);
}

static int read_report(int fd, pid_t pid, struct fly_error *err)
{
	char msg[sizeof(err->msg)];
	ssize_t n;

	do
		n = read(fd, msg, sizeof(msg) - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	msg[n] = '\0';
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fly_fail(err, 0, "%s", msg);
}

int fly_launch_spawn(const struct fly_ctx *ctx, const struct fly_launch *l,
		     const char *exe, char *const *argv, pid_t *ret_pid,
		     struct fly_error *err)
{
	int report[2];
	pid_t pid;
	int r;

	if (pipe2(report, O_CLOEXEC) < 0)
		return fly_fail(err, errno, "pipe");
	fly_debug("chroot \"%s\", chdir \"%s\", uid %u gid %u", l->root_path,
		  l->workdir, (unsigned int)l->creds->uid,
		  (unsigned int)l->creds->gid);
	pid = ctx->sys->sys_fork();
	if (pid == 0) {
		close(report[0]);
		child_exec(ctx, l, exe, argv, report[1]);
	}
	close(report[1]);
	if (pid < 0) {
		close(report[0]);
		return fly_fail(err, errno, "fork");
	}
	r = read_report(report[0], pid, err);
	close(report[0]);
	if (r < 0)
		return -1;
	fly_debug("exec \"%s\" as pid %ld", exe, (long)pid);
	*ret_pid = pid;
	return 0;
}

/* Terminal signals reach the whole foreground process group, the app
 * included: only signals sent to fly itself are passed on. */
static void forward(pid_t pid, const siginfo_t *si)
{
	if (si->si_code == SI_KERNEL)
		return;
	fly_debug("forwarding signal %d to pid %ld", si->si_signo, (long)pid);
	kill(pid, si->si_signo);
}

int fly_launch_supervise(pid_t pid, int *ret_wstatus, struct fly_error *err)
{
	sigset_t set;
	siginfo_t si;

	forwarded_set(&set);
	for (;;) {
		pid_t done = waitpid(pid, ret_wstatus, WNOHANG);

		if (done == pid)
			return 0;
		if (done < 0 && errno != EINTR)
			return fly_fail(err, errno, "wait for pid %ld",
					(long)pid);
		if (sigwaitinfo(&set, &si) < 0) {
			if (errno == EINTR)
				continue;
			return fly_fail(err, errno, "wait for signals");
		}
		if (si.si_signo != SIGCHLD)
			forward(pid, &si);
	}
}

int fly_wait_code(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return WEXITSTATUS(wstatus);
}

int fly_wait_exit(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return FLY_EXIT_SIGNAL + WTERMSIG(wstatus);
	return WEXITSTATUS(wstatus);
}
