/* harness.h - helpers for end-to-end tests: run the real binaries on real
 * files, capture their output, and wait for expected output with a
 * deadline instead of sleeping blindly. Failures abort the current test
 * through Criterion's assertions. */
#ifndef ATAIL_TEST_HARNESS_H
#define ATAIL_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct buf {
    char *data; /* always NUL-terminated (the NUL is not counted) */
    size_t len;
    size_t cap;
};

struct proc {
    pid_t pid;
    int in_fd;  /* write end of the child's stdin, or -1 */
    int out_fd; /* read end of the child's stdout, or -1 once at EOF */
    int err_fd; /* read end of the child's stderr, or -1 once at EOF */
    struct buf out;
    struct buf err;
    int status;                         /* wait status once reaped, else -1 */
    struct proc *prev_live, *next_live; /* the procs not yet freed (see kill_scratch_procs()) */
};

/* Path of a built program: $ATAIL_BIN_DIR/name. The string is static for
 * the process and never freed. */
const char *bin_path(const char *name);

/* GNU tail names itself by argv[0] ("/usr/bin/tail: ..."): err with that
 * read as "atail: ...", for comparing messages. Malloc'ed: free() it. */
char *gnu_as_atail(const struct buf *err);

/* A new empty directory for this test, removed at exit. */
const char *scratch_dir(void);

/* scratch_dir()/name; returned string lives until exit. */
const char *scratch_path(const char *name);

void write_file(const char *path, const void *data, size_t len);
void append_file(const char *path, const void *data, size_t len);
void write_str(const char *path, const char *s);
void append_str(const char *path, const char *s);
/* Reads a whole file into b (b is reset first). */
void read_file(const char *path, struct buf *b);

void buf_free(struct buf *b);

#define PROC_STDIN 0x1u  /* give the child a pipe as stdin (p->in_fd) */
#define PROC_NATIVE 0x2u /* never under valgrind (see harness_valgrind()) */

/* Starts argv[0] (a path) with stdout and stderr captured. cwd may be NULL. */
struct proc *proc_start(const char *const argv[], const char *cwd, unsigned flags);

/* Reads what is available, waiting up to timeout_ms for the child's
 * stdout to contain `needle` (counted from the start of its output).
 * Returns true when it does. */
bool proc_wait_output(struct proc *p, const char *needle, int timeout_ms);

/* Like proc_wait_output(), for the child's stderr. */
bool proc_wait_stderr(struct proc *p, const char *needle, int timeout_ms);

/* Waits up to timeout_ms until the child's stdout holds at least n bytes
 * equal to `delim`. Returns true when it does. */
bool proc_wait_count(struct proc *p, char delim, size_t n, int timeout_ms);

/* Waits up to timeout_ms for the child to exit, reading its output to EOF.
 * Returns true if it exited; p->status holds the wait status. */
bool proc_wait_exit(struct proc *p, int timeout_ms);

/* Sends sig (if the child still runs), waits for it to exit (SIGKILL after
 * timeout_ms), and returns the wait status. */
int proc_stop(struct proc *p, int sig, int timeout_ms);

/* Closes the child's stdin. */
void proc_close_stdin(struct proc *p);

/* Stops the child if needed and frees everything. Accepts NULL. */
void proc_free(struct proc *p);

/* Runs argv to completion (at most timeout_ms), feeding stdin_data (may be
 * NULL: stdin is /dev/null) and capturing the output. Returns the process,
 * exited; the caller frees it. */
struct proc *run(const char *const argv[], const void *stdin_data, size_t stdin_len,
                 int timeout_ms);

/* run() with proc_start()'s flags (PROC_NATIVE; PROC_STDIN comes with
 * stdin_data). */
struct proc *run_flags(const char *const argv[], const void *stdin_data, size_t stdin_len,
                       int timeout_ms, unsigned flags);

/* Runs a shell command line with /bin/sh -c, like run(). */
struct proc *run_sh(const char *cmd, int timeout_ms);

/* Exit code of a reaped process, or 128+signal if it was killed. */
int exit_code(const struct proc *p);

/* ---- Under valgrind ---------------------------------------------------------
 * With ATAIL_VALGRIND=DIR in the environment (scripts/valgrind.sh), the
 * project's own programs, those under ATAIL_BIN_DIR, are run under
 * valgrind memcheck (proc_start() and everything built on it, unless
 * given PROC_NATIVE). */

/* True when ATAIL_VALGRIND is set. */
bool harness_valgrind(void);

/* True when the program at path would be run under valgrind: one of the
 * project's programs, with ATAIL_VALGRIND set. What valgrind's own
 * machinery costs (RSS, CPU time at start) must then not be judged as the
 * program's; a test skips only such an assertion, and says so. */
bool runs_under_valgrind(const char *path);

/* Factor by which tests scale their deadlines, and their bounds on how
 * long the project's programs take: 1 in the normal build (nothing is
 * loosened there), HARNESS_VALGRIND_SLOWDOWN with ATAIL_VALGRIND, as
 * memcheck runs code 10 to 50 times slower and takes half a second to
 * start a program. A bound that tells two behaviours apart by time (at
 * once, or after a 2 s grace period) is not scaled. */
#define HARNESS_VALGRIND_SLOWDOWN 10
int harness_slowdown(void);

/* Milliseconds on the monotonic clock. */
long long now_ms(void);

/* Sleeps ms milliseconds (polling loops in the tests). */
void sleep_ms(int ms);

/* Processes whose current directory is the scratch directory (children a
 * program started there and should have reaped): fills up to max pids and
 * returns how many there are. */
int scratch_procs(pid_t *pids, int max);

/* SIGKILLs every process in the scratch directory, and stops and frees
 * every proc the test started and did not free: a suite's .fini (only
 * there: a test's own procs are gone after it), so a test that fails
 * half-way leaves nothing running and nothing allocated. */
void kill_scratch_procs(void);

/* ---- Measuring a running process (bad-input and limit tests) ------------- */

/* Reads the child's standard output directly into dst (at most cap
 * bytes), not into p->out, for outputs too big to keep; its stderr goes on
 * being collected into p->err meanwhile. Waits up to timeout_ms for data.
 * Returns the number of bytes read (> 0), 0 at end of file, or -1 when
 * nothing came before the deadline. */
long proc_read_stdout(struct proc *p, void *dst, size_t cap, int timeout_ms);

/* True while the child runs (reaps it, setting p->status, once it ended). */
bool proc_running(struct proc *p);

/* A field of /proc/PID/status in kB ("VmHWM", "VmRSS"), or -1. */
long proc_status_kb(pid_t pid, const char *field);

/* Number of open descriptors of pid (entries of /proc/PID/fd), or -1. */
int proc_fd_count(pid_t pid);

/* Number of descriptors of pid whose link reads `target` (e.g.
 * "anon_inode:inotify"), or -1. */
int proc_fd_count_of(pid_t pid, const char *target);

/* Bytes pid has read so far (rchar in /proc/PID/io), or -1. */
long long proc_read_total(pid_t pid);

/* CPU time pid has used, user + system, in clock ticks, or -1. */
long long proc_cpu_ticks(pid_t pid);

/* Number of processes whose parent is pid (from /proc/PID/stat), and of
 * those, in *zombies, how many have ended and wait to be reaped. */
int proc_children(pid_t pid, int *zombies);

#endif
