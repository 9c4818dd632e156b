/* checkpoint.c - see checkpoint.h. The parser trusts nothing: every field
 * is checked, numbers for overflow, the whole file against its checksum. */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "atail-state 1\n"

uint64_t ckpt_hash(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* ---- the path index ------------------------------------------------------ */

static int reindex(struct ckpt *c, size_t cap)
{
    size_t *idx = calloc(cap, sizeof *idx);
    if (!idx)
        return -ENOMEM;
    for (size_t i = 0; i < c->n; i++) {
        size_t h = (size_t)ckpt_hash(c->e[i].path, strlen(c->e[i].path)) & (cap - 1);
        while (idx[h])
            h = (h + 1) & (cap - 1);
        idx[h] = i + 1;
    }
    free(c->index);
    c->index = idx;
    c->index_cap = cap;
    return 0;
}

struct ckpt_entry *ckpt_find(const struct ckpt *c, const char *path)
{
    if (!c->index_cap)
        return NULL;
    size_t h = (size_t)ckpt_hash(path, strlen(path)) & (c->index_cap - 1);
    for (; c->index[h]; h = (h + 1) & (c->index_cap - 1)) {
        struct ckpt_entry *e = &c->e[c->index[h] - 1];
        if (strcmp(e->path, path) == 0)
            return e;
    }
    return NULL;
}

int ckpt_put(struct ckpt *c, const struct ckpt_entry *e)
{
    struct ckpt_entry *old = ckpt_find(c, e->path);
    if (old) {
        char *p = old->path;
        *old = *e;
        old->path = p;
        return 0;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        struct ckpt_entry *ne = realloc(c->e, cap * sizeof *ne);
        if (!ne)
            return -ENOMEM;
        c->e = ne;
        c->cap = cap;
    }
    char *p = strdup(e->path);
    if (!p)
        return -ENOMEM;
    c->e[c->n] = *e;
    c->e[c->n].path = p;
    c->n++;
    if (c->n * 2 > c->index_cap) {
        if (reindex(c, c->index_cap ? c->index_cap * 2 : 32) < 0) {
            free(p);
            c->n--;
            return -ENOMEM;
        }
        return 0;
    }
    size_t h = (size_t)ckpt_hash(p, strlen(p)) & (c->index_cap - 1);
    while (c->index[h])
        h = (h + 1) & (c->index_cap - 1);
    c->index[h] = c->n;
    return 0;
}

void ckpt_free(struct ckpt *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->e[i].path);
    free(c->e);
    free(c->index);
    memset(c, 0, sizeof *c);
}

/* ---- parsing ------------------------------------------------------------- */

/* A cursor over one line (without its newline). */
struct cur {
    const char *p, *end;
};

static bool take_space(struct cur *c)
{
    if (c->p < c->end && *c->p == ' ') {
        c->p++;
        return true;
    }
    return false;
}

static bool take_dec(struct cur *c, uint64_t *v)
{
    const char *start = c->p;
    uint64_t x = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        unsigned d = (unsigned)(*c->p - '0');
        if (x > (UINT64_MAX - d) / 10)
            return false;
        x = x * 10 + d;
        c->p++;
    }
    /* No empty number and no leading zeros: one spelling per value. */
    if (c->p == start || (*start == '0' && c->p - start > 1))
        return false;
    *v = x;
    return true;
}

static bool take_hex16(struct cur *c, uint64_t *v)
{
    if (c->end - c->p < 16)
        return false;
    uint64_t x = 0;
    for (int i = 0; i < 16; i++) {
        char ch = c->p[i];
        unsigned d;
        if (ch >= '0' && ch <= '9')
            d = (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            d = (unsigned)(ch - 'a' + 10);
        else
            return false;
        x = x << 4 | d;
    }
    c->p += 16;
    *v = x;
    return true;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* The rest of the line: an escaped, non-empty path. */
static char *take_path(struct cur *c)
{
    size_t n = (size_t)(c->end - c->p);
    if (n == 0)
        return NULL;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    while (c->p < c->end) {
        unsigned char ch = (unsigned char)*c->p;
        if (ch == '%') {
            if (c->end - c->p < 3)
                goto bad;
            int hi = hexval(c->p[1]), lo = hexval(c->p[2]);
            int v = hi * 16 + lo;
            /* Only what the writer escapes may be escaped, and never NUL. */
            if (hi < 0 || lo < 0 || v == 0 || (v > 0x20 && v < 0x7f && v != '%'))
                goto bad;
            out[o++] = (char)v;
            c->p += 3;
        } else if (ch < 0x21 || ch > 0x7e) {
            goto bad;
        } else {
            out[o++] = (char)ch;
            c->p++;
        }
    }
    out[o] = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

static int parse_entry(struct cur *c, struct ckpt_entry *e)
{
    uint64_t fp_len, tail_len;
    if (!(take_space(c) && take_dec(c, &e->dev) && take_space(c) && take_dec(c, &e->ino) &&
          take_space(c) && take_dec(c, &e->offset) && take_space(c) && take_dec(c, &fp_len) &&
          take_space(c) && take_hex16(c, &e->fp_hash) && take_space(c) && take_dec(c, &tail_len) &&
          take_space(c) && take_hex16(c, &e->tail_hash) && take_space(c)))
        return -EBADMSG;
    if (fp_len > CKPT_FP_MAX || tail_len > CKPT_TAIL_MAX || tail_len > e->offset)
        return -EBADMSG;
    e->fp_len = (uint32_t)fp_len;
    e->tail_len = (uint32_t)tail_len;
    e->path = take_path(c);
    return e->path ? 0 : -EBADMSG;
}

int ckpt_parse(const char *buf, size_t len, struct ckpt *c, size_t *bad_line)
{
    size_t line = 1;
    int r = -EBADMSG;
    if (len < sizeof MAGIC - 1 || memcmp(buf, MAGIC, sizeof MAGIC - 1) != 0)
        goto fail;
    const char *p = buf + sizeof MAGIC - 1;
    const char *end = buf + len;
    for (;;) {
        line++;
        r = -EBADMSG;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl || nl - p > (ptrdiff_t)CKPT_MAX_LINE)
            goto fail;
        struct cur cur = {p + 2, nl};
        if (nl - p >= 2 && p[0] == 'f' && p[1] == ' ') {
            cur.p = p + 1;
            struct ckpt_entry e = {0};
            r = parse_entry(&cur, &e);
            if (r == 0 && ckpt_find(c, e.path))
                r = -EBADMSG; /* one entry per path */
            if (r == 0)
                r = ckpt_put(c, &e);
            free(e.path);
            if (r < 0)
                goto fail;
            p = nl + 1;
            continue;
        }
        if (nl - p < 4 || memcmp(p, "end ", 4) != 0)
            goto fail;
        cur.p = p + 3;
        uint64_t count, sum;
        if (!(take_space(&cur) && take_dec(&cur, &count) && take_space(&cur) &&
              take_hex16(&cur, &sum) && cur.p == nl))
            goto fail;
        if (count != c->n || sum != ckpt_hash(buf, (size_t)(p - buf)) || nl + 1 != end)
            goto fail;
        return 0;
    }
fail:
    ckpt_free(c);
    if (bad_line)
        *bad_line = line;
    return r;
}

/* ---- serializing --------------------------------------------------------- */

struct out {
    char *buf;
    size_t len, cap;
    bool failed;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n)
            cap *= 2;
        char *b = realloc(o->buf, cap);
        if (!b) {
            o->failed = true;
            return;
        }
        o->buf = b;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void put_path(struct out *o, const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
        if (*s < 0x21 || *s > 0x7e || *s == '%') {
            char esc[3] = {'%', hex[*s >> 4], hex[*s & 15]};
            put(o, esc, 3);
        } else {
            put(o, (const char *)s, 1);
        }
    }
}

int ckpt_serialize(const struct ckpt *c, char **out, size_t *len)
{
    struct out o = {0};
    char line[256];
    put(&o, MAGIC, sizeof MAGIC - 1);
    for (size_t i = 0; i < c->n; i++) {
        const struct ckpt_entry *e = &c->e[i];
        int n =
            snprintf(line, sizeof line,
                     "f %" PRIu64 " %" PRIu64 " %" PRIu64 " %u %016" PRIx64 " %u %016" PRIx64 " ",
                     e->dev, e->ino, e->offset, e->fp_len, e->fp_hash, e->tail_len, e->tail_hash);
        put(&o, line, (size_t)n);
        put_path(&o, e->path);
        put(&o, "\n", 1);
    }
    if (o.failed) {
        free(o.buf);
        return -ENOMEM;
    }
    int n = snprintf(line, sizeof line, "end %zu %016" PRIx64 "\n", c->n, ckpt_hash(o.buf, o.len));
    put(&o, line, (size_t)n);
    if (o.failed) {
        free(o.buf);
        return -ENOMEM;
    }
    *out = o.buf;
    *len = o.len;
    return 0;
}

/* ---- files --------------------------------------------------------------- */

int ckpt_load(const char *path, struct ckpt *c, size_t *bad_line)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        int err = S_ISREG(st.st_mode) ? -errno : -EINVAL;
        close(fd);
        return err;
    }
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    for (;;) {
        if (len == cap) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                close(fd);
                return -ENOMEM;
            }
            buf = b;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = -errno;
            free(buf);
            close(fd);
            return err;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    int r = ckpt_parse(buf, len, c, bad_line);
    free(buf);
    return r;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int ckpt_save(const char *path, const struct ckpt *c)
{
    char *data;
    size_t len;
    int r = ckpt_serialize(c, &data, &len);
    if (r < 0)
        return r;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    char *dir = strdup(path);
    if (!tmp || !dir) {
        free(tmp);
        free(dir);
        free(data);
        return -ENOMEM;
    }
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        r = -errno;
    } else {
        r = write_all(fd, data, len);
        if (r == 0 && fsync(fd) < 0)
            r = -errno;
        if (close(fd) < 0 && r == 0)
            r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
            r = -errno;
        if (r < 0)
            unlink(tmp);
    }
    if (r == 0) {
        char *slash = strrchr(dir, '/');
        const char *d = ".";
        if (slash == dir)
            d = "/";
        else if (slash) {
            *slash = '\0';
            d = dir;
        }
        int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    free(tmp);
    free(dir);
    free(data);
    return r;
}
