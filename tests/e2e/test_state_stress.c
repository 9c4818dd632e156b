/* test_state_stress.c - the checkpoint proofs of issue 4, end to end:
 * atail -F --state killed with SIGKILL 100 times (25 under valgrind) at
 * random moments while log_writer writes and rotates, restarted each time
 * with the same state (no gap; what comes again is exactly what was output
 * after the last save); and a followed file deleted while atail is stopped
 * and replaced by another that gets the same inode number (read from 0).
 *
 * The kill test reads the state file after each kill (format in
 * src/checkpoint.h: "f DEV INO OFFSET ... PATH") to know where the next run
 * must start: the line after the one ending at OFFSET in the file with
 * inode INO. The seed is printed; ATAIL_TEST_SEED=N repeats its choices. */
#include "cli_common.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static void kill_leftovers(void)
{
    kill_scratch_procs();
}

TestSuite(state_stress, .fini = kill_leftovers, .timeout = 240);

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t test_seed(const char *test)
{
    const char *env = getenv("ATAIL_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)now_ms() ^ (uint64_t)getpid();
    fprintf(stderr, "%s: ATAIL_TEST_SEED=%" PRIu64 "\n", test, seed);
    return seed;
}

/* ---- kill -9 under rotation ------------------------------------------------ */

#define RESTARTS 100
#define RATE "2000"
/* A rotation every 1.5 s at 2000 lines/s, and every rotated file kept: the
 * test never deletes what atail has still to read. */
#define ROTATE_EVERY "3000"
#define KEEP "1000"
#define INTERVAL "--state-interval=0.1"
/* A run lives 0 to MAX_LIFE_MS before its SIGKILL (from its fork). */
#define MAX_LIFE_MS 300
/* Under valgrind (scripts/valgrind.sh), whose start of atail alone takes
 * about 0.5 s, a run lives harness_slowdown() times longer, so that the
 * kills fall while it follows as they do natively; there are fewer
 * restarts, as each costs that much more; and a rotation comes every
 * 4.5 s instead of 1.5 s: the time atail may go unsaved across restarts
 * (see `waited`) includes two of its starts, over a second under
 * valgrind, and must stay shorter than a rotation period. */
#define RESTARTS_VALGRIND 25
#define ROTATE_EVERY_VALGRIND "9000"

/* The first and last sequence numbers of the complete lines of one run's
 * output (0 when none), which must follow one another. */
struct run_seqs {
    long first, last, lines;
};

static struct run_seqs parse_run(const struct buf *out, int run)
{
    struct run_seqs r = {0, 0, 0};
    const char *end = out->data + out->len;
    while (end > out->data && end[-1] != '\n')
        end--; /* a line cut by the kill is not output */
    for (const char *s = out->data; s < end;) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *q = memmem(s, (size_t)(nl - s), "seq=", 4);
        cr_assert_not_null(q, "run %d: a line without seq=: %.*s", run, (int)(nl - s), s);
        long seq = strtol(q + 4, NULL, 10);
        if (r.lines > 0)
            cr_assert_eq(seq, r.last + 1, "run %d: seq=%ld after seq=%ld (a gap, or out of order)",
                         run, seq, r.last);
        else
            r.first = seq;
        r.last = seq;
        r.lines++;
        s = nl + 1;
    }
    return r;
}

struct mark {
    bool found;
    unsigned long long ino, offset;
};

static bool same_mark(const struct mark *a, const struct mark *b)
{
    return a->found == b->found && a->ino == b->ino && a->offset == b->offset;
}

/* The saved position of `name` in the state file st. */
static struct mark read_mark(const char *st, const char *name)
{
    struct mark m = {0};
    if (access(st, F_OK) != 0)
        return m;
    struct buf b = {0};
    read_file(st, &b);
    cr_assert(strncmp(b.data, "atail-state 1\n", 14) == 0, "state file format: %s", b.data);
    for (char *line = strtok(b.data, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned long long dev, ino, off;
        char path[256];
        if (sscanf(line, "f %llu %llu %llu %*u %*s %*u %*s %255s", &dev, &ino, &off, path) == 4 &&
            strcmp(path, name) == 0) {
            m.found = true;
            m.ino = ino;
            m.offset = off;
        }
    }
    cr_assert(m.found, "no entry for %s in the state file:\n%s", name, b.data);
    buf_free(&b);
    return m;
}

/* The largest seq= in the files prefix* of the scratch directory (once
 * the writer has stopped). */
static long last_written(const char *prefix)
{
    DIR *d = opendir(scratch_dir());
    cr_assert_not_null(d);
    long last = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        struct buf b = {0};
        read_file(scratch_path(e->d_name), &b);
        for (const char *s = b.data; (s = strstr(s, "seq=")) != NULL; s += 4) {
            long seq = strtol(s + 4, NULL, 10);
            if (seq > last)
                last = seq;
        }
        buf_free(&b);
    }
    closedir(d);
    return last;
}

/* The file among prefix* in the scratch directory whose inode is ino, open.
 * The writer renames them meanwhile: a name is only a way to the file, and
 * a scan that a rename got in the way of is done again. */
static int open_by_inode(const char *prefix, unsigned long long ino)
{
    for (int scan = 0; scan < 100; scan++) {
        DIR *d = opendir(scratch_dir());
        cr_assert_not_null(d);
        int found = -1;
        for (struct dirent *e; found < 0 && (e = readdir(d)) != NULL;) {
            if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
                continue;
            int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC);
            struct stat sb;
            if (fd >= 0 && fstat(fd, &sb) == 0 && (unsigned long long)sb.st_ino == ino)
                found = fd;
            else if (fd >= 0)
                close(fd);
        }
        closedir(d);
        if (found >= 0)
            return found;
        poll(NULL, 0, 1);
    }
    cr_assert_fail("the state names inode %llu, which no %s* file has", ino, prefix);
    return -1;
}

/* The sequence number of the last line the mark m says was output: the
 * line ending at its offset in the file prefix* with its inode, which must
 * be a line's end. At offset 0, the line before the file's first. */
static long seq_at_mark(const char *prefix, const struct mark *m, bool writing)
{
    if (!m->found)
        return 0;
    int fd = open_by_inode(prefix, m->ino);
    char buf[4096 + 1];
    long seq = -1;
    if (m->offset > 0) {
        struct stat sb;
        cr_assert_eq(fstat(fd, &sb), 0);
        cr_assert_leq(m->offset, (unsigned long long)sb.st_size,
                      "state offset %llu beyond the end of inode %llu (%lld bytes)", m->offset,
                      m->ino, (long long)sb.st_size);
        size_t n = m->offset < sizeof buf - 1 ? (size_t)m->offset : sizeof buf - 1;
        cr_assert_eq(pread(fd, buf, n, (off_t)(m->offset - n)), (ssize_t)n);
        buf[n] = '\0';
        cr_assert_eq(buf[n - 1], '\n', "state offset %llu of inode %llu is not at a line end",
                     m->offset, m->ino);
        buf[n - 1] = '\0';
        const char *q = strrchr(buf, '\n');
        q = strstr(q ? q : buf, "seq=");
        cr_assert_not_null(q, "no seq= before offset %llu of inode %llu", m->offset, m->ino);
        seq = strtol(q + 4, NULL, 10);
    } else {
        /* A file just created may be empty: its first line is on the way,
         * unless the writer has stopped. */
        long long deadline = now_ms() + WAIT_MS;
        ssize_t n;
        while ((n = pread(fd, buf, sizeof buf - 1, 0)) <= 0 || !memchr(buf, '\n', (size_t)n)) {
            if (!writing && n <= 0)
                break;
            cr_assert_lt(now_ms(), deadline, "inode %llu gets no line", m->ino);
            poll(NULL, 0, 1);
        }
        if (n > 0) {
            buf[n] = '\0';
            const char *q = strstr(buf, "seq=");
            cr_assert_not_null(q);
            seq = strtol(q + 4, NULL, 10) - 1;
        } else {
            seq = last_written(prefix);
        }
    }
    close(fd);
    return seq;
}

/* Waits, reading p's output meanwhile, until the position saved for name
 * in the state file st differs from `before`. */
static void wait_state_change(struct proc *p, const char *st, const char *name,
                              const struct mark *before)
{
    long long deadline = now_ms() + WAIT_MS;
    for (;;) {
        struct mark m = read_mark(st, name);
        if (m.found && !same_mark(&m, before))
            return;
        cr_assert_lt(now_ms(), deadline, "atail saved no new position for %d ms (stderr: %s)",
                     WAIT_MS, p->err.data);
        proc_wait_output(p, "\x01never", 5);
    }
}

/* atail says nothing but the rotations it follows (the last notice may be
 * cut by the kill: it is written in more than one piece). */
static void expect_only_rotation_notices(const struct proc *a, int run)
{
    static const char notice[] = "atail: 'crash.log' has been replaced;  following new file\n";
    const size_t len = sizeof notice - 1;
    for (const char *s = a->err.data; *s;) {
        size_t left = strlen(s);
        if (strncmp(s, notice, left < len ? left : len) != 0) {
            cr_expect_fail("run %d: stderr: %s", run, a->err.data);
            break;
        }
        s += left < len ? left : len;
    }
}

Test(state_stress, kill9_100_times_while_rotating)
{
    uint64_t rng = test_seed("kill9_100_times_while_rotating");
    const char *st = scratch_path("stress.state");
    write_str(scratch_path("crash.log"), "");
    const bool vg = runs_under_valgrind(atail());
    struct proc *w = start_in_scratch(
        (const char *[]){bin_path("log_writer"), "--rate", RATE, "--file", "crash.log", "--rotate",
                         "rename", "--rotate-every", vg ? ROTATE_EVERY_VALGRIND : ROTATE_EVERY,
                         "--keep", KEEP, "--report", "rotations.txt", NULL});
    const char *argv[] = {atail(),  "-F",        "-n", "+1", "--state=stress.state",
                          INTERVAL, "crash.log", NULL};
    long printed = 0;    /* the largest seq output so far */
    long want_first = 1; /* where the next run that outputs anything must start */
    long max_dup = 0, total_dup = 0;
    int spontaneous = 0; /* runs whose state advanced without waiting for it */
    bool advanced = false;
    long long t0 = now_ms();
    struct mark m = {0};
    const int restarts = vg ? RESTARTS_VALGRIND : RESTARTS;
    const long max_life = MAX_LIFE_MS * harness_slowdown();
    for (int run = 0; run <= restarts; run++) {
        struct proc *a = start_in_scratch(argv);
        long long started = now_ms();
        /* After a run that saved nothing, the next one waits for a save
         * before its random life: the unsaved window (under a second)
         * stays shorter than a rotation period. Two rotations while atail
         * is stopped lose the middle file today: a known bug, reported
         * with these tests and left out of them until it is fixed. */
        bool waited = run == 0 || !advanced;
        if (waited)
            wait_state_change(a, st, "crash.log", &m);
        if (run < restarts) {
            long life = (long)(splitmix(&rng) % (uint64_t)(max_life + 1));
            long left = life - (long)(now_ms() - started);
            if (left > 0)
                proc_wait_output(a, "\x01never", (int)left);
            kill(a->pid, SIGKILL);
            cr_assert(proc_wait_exit(a, WAIT_MS), "run %d: atail did not die", run);
        } else {
            /* The last run: the writer stops, everything comes out, and
             * atail stops cleanly. */
            int ws = proc_stop(w, SIGTERM, WAIT_MS);
            cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "log_writer: status %d, %s", ws,
                      w->err.data);
            long last = last_written("crash.log");
            char want[64];
            snprintf(want, sizeof want, "seq=%ld\n", last);
            cr_assert(proc_wait_output(a, want, WAIT_MS * 3),
                      "the last run did not reach seq=%ld (stderr: %s)", last, a->err.data);
            stop_by(a, SIGTERM);
        }
        expect_only_rotation_notices(a, run);
        struct run_seqs r = parse_run(&a->out, run);
        if (r.lines > 0) {
            cr_assert_eq(r.first, want_first,
                         "run %d starts at seq=%ld, but the state it started with was saved "
                         "after seq=%ld (output so far ends at seq=%ld)",
                         run, r.first, want_first - 1, printed);
            if (r.last > printed)
                printed = r.last;
        }
        proc_free(a);

        struct mark now = read_mark(st, "crash.log");
        advanced = !same_mark(&now, &m);
        spontaneous += advanced && !waited;
        m = now;
        long saved = seq_at_mark("crash.log", &m, run < restarts);
        cr_assert_leq(saved, printed,
                      "run %d: the state says seq=%ld was output, but the output ends at "
                      "seq=%ld",
                      run, saved, printed);
        long dup = printed - saved; /* output after the last save: comes again */
        if (run < restarts) {
            total_dup += dup;
            if (dup > max_dup)
                max_dup = dup;
        } else {
            cr_assert_eq(dup, 0, "the clean stop saved seq=%ld, not the last seq=%ld", saved,
                         printed);
        }
        want_first = saved + 1;
    }
    proc_free(w);

    /* After the clean stop, nothing is new. */
    struct proc *p = start_in_scratch(
        (const char *[]){atail(), "-n", "+1", "--state=stress.state", "crash.log", NULL});
    cr_assert(proc_wait_exit(p, WAIT_MS));
    cr_expect_str_eq(p->out.data, "", "a run after the clean stop");
    cr_expect_eq(exit_code(p), 0, "%s", p->err.data);
    proc_free(p);
    struct buf rot = {0};
    read_file(scratch_path("rotations.txt"), &rot);
    long rotations = 0;
    for (const char *s = rot.data; (s = strstr(s, "# ")) != NULL; s += 2)
        rotations++;
    buf_free(&rot);
    fprintf(stderr,
            "kill9_100_times_while_rotating: %d kills, seq 1..%ld, %ld rotations; the state "
            "advanced unprompted in %d runs; lines output again after a restart: max %ld, "
            "total %ld (%.1f s)\n",
            restarts, printed, rotations, spontaneous, max_dup, total_dup,
            (double)(now_ms() - t0) / 1000);
}

/* ---- inode reuse ------------------------------------------------------------- */

/* Runs atail -F -n +1 --state=reuse.state reuse.log until it has output
 * `want` (all of it, nothing else), then stops it cleanly. */
static void follow_once(const char *want, const char *what)
{
    struct proc *a = start_in_scratch(
        (const char *[]){atail(), "-F", "-n", "+1", "--state=reuse.state", "reuse.log", NULL});
    expect_output(a, want, what);
    stop_by(a, SIGTERM);
    cr_expect_str_eq(a->err.data, "", "%s: stderr", what);
    proc_free(a);
}

/* Deletes reuse.log and creates files until one gets its inode number,
 * which then becomes reuse.log with `content`. Files made meanwhile stay
 * until then, so that their inodes are not handed out again. Returns
 * whether the inode came back. */
static bool replace_with_same_inode(const char *content)
{
    const char *f = scratch_path("reuse.log");
    struct stat sb;
    cr_assert_eq(stat(f, &sb), 0);
    ino_t old = sb.st_ino;
    cr_assert_eq(unlink(f), 0);
    enum { MAX_TRIES = 2000 };
    char name[64];
    int n = 0;
    bool same = false;
    while (!same && n < MAX_TRIES) {
        snprintf(name, sizeof name, "cand.%d", n++);
        int fd = open(scratch_path(name), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        cr_assert_geq(fd, 0, "%s: %s", name, strerror(errno));
        same = fstat(fd, &sb) == 0 && sb.st_ino == old;
        close(fd);
    }
    if (same) {
        write_str(scratch_path(name), content);
        cr_assert_eq(rename(scratch_path(name), f), 0);
        cr_assert_eq(stat(f, &sb), 0);
        cr_assert_eq(sb.st_ino, old);
        n--;
    }
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "cand.%d", i);
        unlink(scratch_path(name));
    }
    return same;
}

/* head, then "word N\n" for N from..to; malloc'ed. */
static char *lines_of(const char *head, const char *word, int from, int to)
{
    size_t cap = strlen(head) + (size_t)(to - from + 1) * 64 + 1;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    size_t n = (size_t)snprintf(s, cap, "%s", head);
    for (int i = from; i <= to; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s %d\n", word, i);
    return s;
}

/* old is followed and saved; reuse.log is deleted while atail is stopped;
 * a file with the same inode number and content `new` takes its name: the
 * next run outputs all of new. Tried a few times, in case another process
 * takes the freed inode first. */
static void inode_reuse(const char *old, const char *new, const char *what)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        unlink(scratch_path("reuse.state"));
        write_str(scratch_path("reuse.log"), old);
        follow_once(old, "the old file");
        if (!replace_with_same_inode(new))
            continue;
        follow_once(new, what);
        return;
    }
    cr_assert_fail("%s: the filesystem of %s did not hand out a freed inode number again (5 times "
                   "2000 new files): inode reuse cannot be tested here",
                   what, scratch_dir());
}

Test(state_stress, inode_reuse_longer_new_file)
{
    char *old = lines_of("", "old line", 1, 300); /* 3.8 KB: a full 1 KiB fingerprint */
    char *new = lines_of("", "a new file, line", 1, 400);
    inode_reuse(old, new, "a longer file with the old inode");
    free(old);
    free(new);
}

Test(state_stress, inode_reuse_shorter_new_file)
{
    char *old = lines_of("", "old line", 1, 300);
    char *new = lines_of("", "new", 1, 3);
    inode_reuse(old, new, "a shorter file with the old inode");
    free(old);
    free(new);
}

Test(state_stress, inode_reuse_small_files)
{
    /* Under 1 KiB: the fingerprint is the whole file. */
    inode_reuse("a\n", "b\nc\nd\n", "a small file with the old inode");
}

Test(state_stress, inode_reuse_same_first_kilobytes)
{
    /* The same first 1.1 KB (a header), then other lines before the old
     * offset: the hash of the bytes before the offset tells them apart. */
    char *head = lines_of("", "# header", 1, 100);
    char *old = lines_of(head, "old line", 1, 50);
    char *new = lines_of(head, "new line", 1, 80);
    inode_reuse(old, new, "a file with the old inode and the same first bytes");
    free(head);
    free(old);
    free(new);
}
