/* cli_common.h - helpers shared by the end-to-end tests of atail's own
 * features (test_cli_name.c, test_cli_state.c, test_cli_json.c,
 * test_cli_glob.c, test_cli_spawn.c), on top of harness.h. Every wait has
 * a deadline; nothing sleeps blindly. */
#ifndef ATAIL_TEST_CLI_COMMON_H
#define ATAIL_TEST_CLI_COMMON_H

#include "harness.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* Deadlines, scaled under valgrind (harness_slowdown()). */
#define WAIT_MS (10000 * harness_slowdown())
#define GNU_TAIL "/usr/bin/tail"

static inline const char *atail(void)
{
    return bin_path("atail");
}

/* Asserts that the whole stdout of p becomes `want`. */
static inline void expect_output(struct proc *p, const char *want, const char *what)
{
    bool seen = proc_wait_output(p, want, WAIT_MS);
    cr_assert(seen && p->out.len == strlen(want),
              "%s: want stdout \"%s\", got \"%s\" (stderr \"%s\")", what, want, p->out.data,
              p->err.data);
}

/* Asserts that the stderr of p comes to contain `want`. */
static inline void expect_stderr(struct proc *p, const char *want, const char *what)
{
    cr_assert(proc_wait_stderr(p, want, WAIT_MS), "%s: want stderr to hold \"%s\", got \"%s\"",
              what, want, p->err.data);
}

static inline bool running(struct proc *p)
{
    if (p->status != -1)
        return false;
    int st;
    if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
        p->status = st;
        return false;
    }
    return true;
}

/* Stops a follower that must still be running with sig, and checks that
 * it ends by that signal (not by the SIGKILL sent after the deadline). */
static inline void stop_by(struct proc *p, int sig)
{
    cr_assert(running(p), "atail ended early: status %d, stdout \"%s\", stderr \"%s\"", p->status,
              p->out.data, p->err.data);
    int st = proc_stop(p, sig, WAIT_MS);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == sig, "signal %d did not end atail (status %d)",
              sig, st);
}

/* Ends atail (a, by SIGTERM) and GNU tail (g), checks they said the same
 * on stderr (GNU's "tail" read as "atail") and that it is `want`, and frees
 * both. */
static inline void same_stderr(struct proc *a, struct proc *g, const char *want)
{
    stop_by(a, SIGTERM);
    proc_stop(g, SIGKILL, WAIT_MS);
    char *g_err = gnu_as_atail(&g->err);
    cr_expect_str_eq(a->err.data, g_err, "stderr differs from GNU tail's");
    cr_expect_str_eq(a->err.data, want);
    free(g_err);
    proc_free(a);
    proc_free(g);
}

/* Starts argv in the scratch directory (file names in messages stay
 * short, and children are found there by scratch_procs()). */
static inline struct proc *start_in_scratch(const char *const argv[])
{
    return proc_start(argv, scratch_dir(), 0);
}

/* Runs a python3 program with the given arguments and stdin text; returns
 * the process (exited). */
static inline struct proc *python(const char *program, const char *arg1, const char *stdin_data,
                                  size_t stdin_len)
{
    const char *argv[] = {"/usr/bin/python3", "-c", program, arg1, NULL};
    return run(argv, stdin_data ? stdin_data : "", stdin_data ? stdin_len : 0, WAIT_MS * 3);
}

/* Whether process pid has an inotify watch: a follower that prints its
 * initial content before arming its watches (GNU tail) would miss a
 * change made before that; one that watches a directory (a pattern)
 * could take a new file for an initial one. */
static inline bool has_inotify_watch(pid_t pid)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/fdinfo", (int)pid);
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    for (struct dirent *e; !found && (e = readdir(d)) != NULL;) {
        char path[384];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        char line[256];
        while (!found && fgets(line, sizeof line, f))
            found = strncmp(line, "inotify wd:", 11) == 0;
        fclose(f);
    }
    closedir(d);
    return found;
}

static inline void wait_inotify_watch(struct proc *p)
{
    long long deadline = now_ms() + WAIT_MS;
    while (!has_inotify_watch(p->pid)) {
        cr_assert_lt(now_ms(), deadline, "no inotify watch in process %d", (int)p->pid);
        proc_wait_output(p, "\x01never", 5); /* reads its output meanwhile */
    }
}

#endif
