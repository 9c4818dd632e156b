/* watch.h - the change-notification backend interface.
 *
 * A backend tells the handle which followed files may have changed. It owns
 * its descriptors and registers them in the handle's epoll set; when one of
 * them polls readable, the handle calls dispatch(), which reports changes
 * through the callback. Backends are const vtables chosen at run time
 * (c-ares style), one file each:
 *   inotify  Linux; no wakeup while nothing changes;
 *   poll     stat polling on a timer, for filesystems inotify cannot see
 *            (network, FUSE), when inotify watches run out, or on request.
 * Which file goes to which backend is decided in one place: handle.c's
 * choose_backend(). */
#ifndef ATAIL_WATCH_H
#define ATAIL_WATCH_H

#include <stdint.h>

struct watch;

/* What changed, as reported to the callback. */
#define WATCH_MODIFIED 0x1u  /* the file's data may have changed */
#define WATCH_ATTRIB 0x2u    /* the file's metadata changed (unlink, chmod) */
#define WATCH_GONE 0x4u      /* the file was deleted or moved away */
#define WATCH_NAME 0x8u      /* a name in a watched directory changed */
#define WATCH_DIR_GONE 0x10u /* a watched directory was deleted or moved */
/* Anything may have changed (queue overflow, poll tick): recheck all. */
#define WATCH_ALL 0x20u
/* With WATCH_NAME, what happened to the entry. */
#define WATCH_CREATED 0x40u
#define WATCH_DELETED 0x80u
#define WATCH_MOVED_FROM 0x100u /* renamed away; MOVED_TO with the same cookie */
#define WATCH_MOVED_TO 0x200u   /* follows, naming its new name */

/* file_id is the handle's id for the file, wid the watch that fired (-1 for
 * WATCH_ALL); `name` is the entry's name for WATCH_NAME (NULL otherwise).
 * After WATCH_GONE or WATCH_DIR_GONE from inotify, wid no longer exists.
 * cookie pairs a WATCH_MOVED_FROM with its WATCH_MOVED_TO (0 otherwise). */
typedef void watch_cb(void *ctx, uint32_t file_id, int wid, unsigned what, const char *name,
                      uint32_t cookie);

struct watch_ops {
    const char *name;
    /* Creates the backend and registers its descriptor in epfd with epoll
     * data `tag`. interval_ms is the poll backend's period. Returns 0 or a
     * negative errno. */
    int (*create)(struct watch **out, int epfd, uint64_t tag, unsigned interval_ms);
    void (*destroy)(struct watch *w);
    /* Watches the file open as fd for file_id. Returns a watch id >= 0 or a
     * negative errno (-ENOSPC: no watches left). */
    int (*add_file)(struct watch *w, int fd, uint32_t file_id);
    /* Watches the directory at path for changes of its entries on behalf of
     * file_id. Returns a watch id >= 0 or a negative errno. */
    int (*add_dir)(struct watch *w, const char *path, uint32_t file_id);
    /* Stops reporting watch wid to file_id. */
    void (*remove)(struct watch *w, int wid, uint32_t file_id);
    /* Reads what the backend's descriptor has and reports it. Returns 0 or
     * a negative errno. */
    int (*dispatch)(struct watch *w, watch_cb *cb, void *ctx);
};

extern const struct watch_ops watch_inotify_ops;
extern const struct watch_ops watch_poll_ops;

#endif
