/* handle.h - the handle's insides (struct atail) and the machinery of
 * handle.c, which every module of the library uses and which uses none of
 * them. Not installed. */
#ifndef ATAIL_HANDLE_H
#define ATAIL_HANDLE_H

#include "atail.h"
#include "file.h"
#include "strset.h"
#include "watch.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* epoll data tags: small constants, then files by id. */
#define TAG_INOTIFY 0u
#define TAG_POLL 1u
#define TAG_WAKE 2u
#define TAG_TIMER 3u
#define TAG_PID 4u
#define TAG_FILE0 8u

/* Watch ids with this bit are globs (glob.c), not files. */
#define GLOB_ID_BIT 0x80000000u

/* A pattern whose matches are followed, now and when they appear. */
struct glob_watch {
    char *dir;                      /* the literal directory part */
    char *pattern;                  /* fnmatch(3) pattern for names in dir */
    char **exclude;                 /* NULL-terminated fnmatch patterns, or NULL */
    struct atail_follow_options fo; /* for files that appear later */
    struct backend *be;
    int wid;
    bool rescan;           /* dir changed: look for new matches */
    struct strset names;   /* names followed now (live files) */
    struct strset skipped; /* names leading to a file read under another name */
    struct strset failed;  /* names that could not be followed (said once; retried
                              at each rescan) */
};

/* One change-notification backend in use by the handle. */
struct backend {
    const struct watch_ops *ops;
    struct watch *w; /* NULL until first needed */
    uint64_t tag;
};

struct atail {
    struct reader_config cfg;
    unsigned flags;
    unsigned poll_interval_ms;
    unsigned rotate_grace_ms;
    int epfd;
    int wakefd;
    bool woken;     /* wakefd holds a count: atail_fd() polls readable */
    bool collected; /* the epoll set was asked since the caller last waited */
    int timerfd;
    uint64_t timer_at_ms; /* when timerfd fires, 0 when disarmed */
    struct backend inotify;
    struct backend poll;
    watch_cb *on_watch; /* the loop's handler of watch events (loop.c) */

    struct file **files;
    size_t n_files, cap_files;
    size_t n_ended;   /* files whose END event has been returned */
    size_t catchup;   /* first file whose initial content is not delivered */
    size_t n_waiting; /* files with a grace deadline */

    uint32_t *runq; /* ring of file ids that may have events */
    bool *queued;   /* by file id */
    size_t rq_head, rq_len, rq_cap;

    int pidfd;     /* atail_watch_pid(): a pidfd, or -1 */
    int pid;       /* the process watched, 0 if none */
    bool pid_dead; /* it died: finish once everything is delivered */

    char *scratch; /* cfg.read_size bytes for backward reading */

    /* Checkpoints (state.c). */
    char *state_path; /* NULL: no state file */
    int state_lock;   /* descriptor holding the lock on state_path.lock */
    unsigned state_interval_ms;
    struct ckpt state; /* what was loaded, updated by commits */
    uint32_t *touched; /* ids of files delivered since the last commit */
    size_t n_touched, cap_touched;
    bool state_unsaved;  /* commits not yet saved */
    bool save_soon;      /* save at the next commit (the first, after a file's
                            initial content, after a rotation) */
    uint64_t save_at_ms; /* periodic save deadline, 0 if none */
    int save_error;      /* a failed periodic save, to report as an event */

    /* Idle files closed (idle.c). */
    unsigned idle_close_ms; /* 0: never */
    uint64_t idle_sweep_ms; /* next look for idle files, 0 if none */

    struct glob_watch **globs;
    size_t n_globs;
    bool globs_pending; /* some glob wants a rescan */
};

/* handle.c: the handle's machinery, beneath the modules. */
uint64_t handle_now_ms(void);
int handle_epoll_add(int epfd, int fd, uint64_t tag);
/* Keeps atail_fd() readable until atail_next() returns -EAGAIN (wake), and
 * lets it go (unwake). */
void handle_wake(atail *t);
void handle_unwake(atail *t);
void handle_enqueue(atail *t, struct file *f);
/* Moves the catch-up position past files whose initial content is out. */
void handle_advance_catchup(atail *t);
/* Makes room for one more file in the table and the run queue. */
int handle_grow_tables(atail *t);
/* Chooses f's backend (polling when asked, on remote filesystems, or when
 * inotify instances run out) and creates it if needed. */
int handle_set_file_backend(atail *t, struct file *f);
/* The backend for watching directory dir (globs). */
int handle_set_backend(atail *t, struct backend **be, const char *dir);
void handle_arm_timer(atail *t);
int handle_watch_file(atail *t, struct file *f);
void handle_unwatch_file(atail *t, struct file *f);
void handle_use_polling(atail *t, struct file *f);
/* Removes the watch on the directory of f's link target (name_link.c) and
 * forgets the target. */
void handle_unwatch_link(struct file *f);
/* Takes in the watch events f's backend has queued (through t->on_watch),
 * so that what the caller looks at next is not newer than what the events
 * told. */
void handle_catch_up_events(atail *t, const struct file *f);

#endif
