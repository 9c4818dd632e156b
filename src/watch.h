/* watch.h - the change-notification backend interface.
 *
 * A backend tells the handle which followed files may have changed. It owns
 * its descriptors and registers them in the handle's epoll set; when one of
 * them polls readable, the handle calls dispatch(), which reports changes
 * through the callback. Backends are const vtables chosen at run time
 * (c-ares style): inotify first; stat polling comes as a second backend. */
#ifndef ATAIL_WATCH_H
#define ATAIL_WATCH_H

#include <stdint.h>

struct watch;

/* What changed, as reported to the callback. */
#define WATCH_MODIFIED 0x1u /* data may have been appended or truncated */
#define WATCH_ATTRIB 0x2u   /* metadata changed (unlink, chmod) */
#define WATCH_GONE 0x4u     /* the file was deleted or moved away */
#define WATCH_OVERFLOW 0x8u /* events were lost: every file may have changed */

typedef void watch_cb(void *ctx, uint32_t file_id, unsigned what);

struct watch_ops {
    const char *name;
    /* Creates the backend and registers its descriptors in epfd with
     * epoll data `tag`. Returns 0 or a negative errno. */
    int (*create)(struct watch **out, int epfd, uint64_t tag);
    void (*destroy)(struct watch *w);
    /* Watches the file open as fd (known to the handle as file_id).
     * Returns a watch id >= 0 or a negative errno (-ENOSPC: no watches
     * left). */
    int (*add)(struct watch *w, int fd, uint32_t file_id);
    void (*remove)(struct watch *w, int wid, uint32_t file_id);
    /* Reads what the backend's descriptor has and reports it. Returns 0 or
     * a negative errno. */
    int (*dispatch)(struct watch *w, watch_cb *cb, void *ctx);
};

extern const struct watch_ops watch_inotify_ops;

#endif
