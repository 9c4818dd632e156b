/* handle.h - the handle's insides, shared by atail.c (the public calls and
 * the event loop) and name.c (following by name). Not installed. */
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

/* atail.c */
int handle_add_path(atail *t, const char *path, const struct atail_follow_options *fo);
/* A file that could not be followed: its only events are ERROR (err), then
 * END. Returns its id or -ENOMEM. */
int handle_add_failed(atail *t, const char *path, int err);
int handle_set_backend(atail *t, struct backend **be, const char *dir);
uint64_t handle_now_ms(void);
void handle_enqueue(atail *t, struct file *f);
void handle_arm_timer(atail *t);
int handle_watch_file(atail *t, struct file *f);
void handle_unwatch_file(atail *t, struct file *f);
void handle_use_polling(atail *t, struct file *f);
/* Takes in the watch events f's backend has queued, so that what the
 * caller looks at next is not newer than what the events told. */
void handle_catch_up_events(atail *t, const struct file *f);

/* name.c: following by name. */
int name_init(atail *t, struct file *f, unsigned flags);
/* Cuts the last component off a directory path, in place. Returns false at
 * the top ("/" or "."). */
bool name_path_up(char *p);
void name_on_change(atail *t, struct file *f, int wid, unsigned what, const char *name,
                    uint32_t cookie);
void name_recheck(atail *t, struct file *f);
/* Called when f has nothing to deliver: leaves a drained old file for the
 * one its name leads to now, or gives it up when its name is gone. Returns
 * true when f may have events again. */
bool name_settle(atail *t, struct file *f);
void name_release(atail *t, struct file *f);
/* Looks among the entries of f's directory named like f plus a suffix
 * (app.log.1, app.log-20261126) for one that match() accepts; returns its
 * descriptor (the caller owns it) or -1. */
typedef bool sibling_match(int fd, void *ctx);
int name_find_sibling(const struct file *f, sibling_match *match, void *ctx);
/* f was truncated (f->truncated_at): finish its copy if one is found next
 * to it, then read it from 0. */
void name_truncated(atail *t, struct file *f);
/* f is to be read to its end, then next_fd (owned from now on) from 0. */
void name_expect(atail *t, struct file *f, int next_fd);
/* After a restart: queues, oldest first, the rotated siblings born after
 * the open file and that are not cur_fd's file (generations rotated while
 * nobody followed the name), to be read before cur_fd's. */
void name_queue_later_siblings(atail *t, struct file *f, int cur_fd);

/* name_link.c: while f's name is a symbolic link, watches its final
 * target's directory (inotify only); stops when it is not one. */
void name_watch_link(atail *t, struct file *f);
void name_unwatch_link(struct file *f);
/* Whether a change reported by watch wid concerns f's link target. */
bool name_link_changed(struct file *f, int wid, unsigned what, const char *name);

/* state.c: checkpoints. */
int state_open(atail *t, const char *path);
void state_close(atail *t);
/* Decides where f starts from the state file; returns 1 when it did (the
 * start options are then ignored), 0 when f has no usable entry, or a
 * negative errno. */
int state_resume(atail *t, struct file *f);
/* Notes that f delivered data up to its current position. */
int state_delivered(atail *t, struct file *f);
int state_commit(atail *t);
int state_save(atail *t);
/* The periodic save deadline passed. */
void state_on_timer(atail *t, uint64_t now);

/* glob.c: globs. */
void glob_on_change(atail *t, uint32_t glob_id, unsigned what, const char *name);
void glob_rescan_pending(atail *t);
void glob_file_ended(atail *t, struct file *f);
void glob_free_all(atail *t);

#endif
