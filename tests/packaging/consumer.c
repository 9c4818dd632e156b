/* A program of libatail's users, built by scripts/deb-test.sh against the
 * installed packages alone (`pkg-config --cflags --libs libatail`): prints
 * every line of FILE (read to its end, not followed) and the library's
 * version, then exits 0; 1 on any error. */
#include <atail.h>

#include <errno.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: consumer FILE\n");
        return 1;
    }
    atail *t = NULL;
    int r = atail_open(&t, NULL);
    if (r < 0) {
        fprintf(stderr, "consumer: atail_open: %s\n", atail_strerror(r));
        return 1;
    }
    struct atail_follow_options fo;
    atail_follow_options_init(&fo);
    fo.start = ATAIL_START_BEGIN;
    fo.follow = ATAIL_FOLLOW_NONE;
    r = atail_follow(t, argv[1], &fo);
    for (struct atail_event ev; r >= 0;) {
        r = atail_next(t, &ev);
        if (r == -EAGAIN) {
            r = atail_wait(t, 5000);
            continue;
        }
        if (r <= 0)
            break;
        if (ev.kind == ATAIL_EVENT_LINE)
            printf("%.*s\n", (int)ev.len, ev.data);
        else if (ev.kind == ATAIL_EVENT_ERROR)
            r = ev.error;
    }
    atail_close(t);
    if (r < 0) {
        fprintf(stderr, "consumer: %s: %s\n", argv[1], atail_strerror(r));
        return 1;
    }
    printf("libatail %s\n", ATAIL_VERSION_STRING);
    return 0;
}
