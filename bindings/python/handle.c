/* handle.c - atail._atail.Handle: one libatail handle.
 *
 * Reading is done in batches: one call into the library's loop drains
 * every event that is ready (up to a budget) into a list, copying each line
 * out of the library's buffer, so a host loop pays one Python-level call
 * per wake-up, not per line. Lines iterated one by one (for, async for)
 * come from the handle's own buffer of the last batch, at C speed.
 *
 * The GIL is released only while waiting and in follow() (which may block
 * on a slow filesystem). The library allows one thread per handle at a
 * time, so `busy` makes any other call fail while the GIL is released.
 */
#include "binding.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <time.h>

#define DEFAULT_BATCH_EVENTS 4096
#define DEFAULT_BATCH_BYTES ((Py_ssize_t)1024 * 1024)

/* Raises OSError (the subclass the errno maps to) for a negative errno. */
static PyObject *raise_errno(int neg_errno, PyObject *filename)
{
    errno = -neg_errno;
    return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, filename);
}

static int check_usable(HandleObject *self)
{
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "atail handle is in use by another thread");
        return -1;
    }
    if (!self->t) {
        PyErr_SetString(PyExc_ValueError, "operation on a closed atail handle");
        return -1;
    }
    return 0;
}

/* Records `name` (borrowed) as the path of file `id`. */
static int set_path(HandleObject *self, int id, PyObject *name)
{
    while (PyList_GET_SIZE(self->paths) <= id)
        if (PyList_Append(self->paths, Py_None) < 0)
            return -1;
    return PyList_SetItem(self->paths, id, Py_NewRef(name));
}

/* The path an event reports (borrowed): the name its file was given by,
 * else (files the library added itself) its own copy, decoded once; the
 * state file's for file -1. NULL with an exception on failure. */
static PyObject *event_path(HandleObject *self, const struct atail_event *ev)
{
    if (ev->file < 0)
        return self->state_path ? self->state_path : Py_None;
    if (ev->file < PyList_GET_SIZE(self->paths)) {
        PyObject *known = PyList_GET_ITEM(self->paths, ev->file);
        if (known != Py_None)
            return known;
    }
    if (!ev->path)
        return Py_None;
    PyObject *name = PyUnicode_DecodeFSDefault(ev->path);
    if (!name)
        return NULL;
    int r = set_path(self, ev->file, name);
    Py_DECREF(name);
    return r < 0 ? NULL : PyList_GET_ITEM(self->paths, ev->file);
}

/* Converts an optional duration in milliseconds for a C unsigned field. */
static int parse_ms(const char *what, Py_ssize_t ms, unsigned min, unsigned *out)
{
    if (ms < (Py_ssize_t)min || (size_t)ms > UINT_MAX) {
        PyErr_Format(PyExc_ValueError, "%s must be between %u and %u", what, min, UINT_MAX);
        return -1;
    }
    *out = (unsigned)ms;
    return 0;
}

/* Handle(delimiter=10, max_line=..., read_size=..., *, poll=False,
 *        poll_interval_ms=..., rotate_grace_ms=..., state_path=None,
 *        state_interval_ms=..., spans=False, idle_close_ms=0) */
static PyObject *handle_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"delimiter",
                             "max_line",
                             "read_size",
                             "poll",
                             "poll_interval_ms",
                             "rotate_grace_ms",
                             "state_path",
                             "state_interval_ms",
                             "spans",
                             "idle_close_ms",
                             NULL};
    struct atail_options opt;
    atail_options_init(&opt);
    int delimiter = opt.delimiter, poll = 0, spans = 0;
    Py_ssize_t max_line = (Py_ssize_t)opt.max_line, read_size = (Py_ssize_t)opt.read_size;
    Py_ssize_t poll_ms = opt.poll_interval_ms, grace_ms = opt.rotate_grace_ms;
    Py_ssize_t state_ms = opt.state_interval_ms, idle_ms = 0;
    PyObject *state = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|inn$pnnOnpn:Handle", kwlist, &delimiter,
                                     &max_line, &read_size, &poll, &poll_ms, &grace_ms, &state,
                                     &state_ms, &spans, &idle_ms))
        return NULL;
    if (delimiter < 0 || delimiter > 255) {
        PyErr_SetString(PyExc_ValueError, "delimiter must be a byte value (0 to 255)");
        return NULL;
    }
    if (max_line < 1 || read_size < 1) {
        PyErr_SetString(PyExc_ValueError, "max_line and read_size must be positive");
        return NULL;
    }
    if (parse_ms("poll_interval_ms", poll_ms, 1, &opt.poll_interval_ms) < 0 ||
        parse_ms("rotate_grace_ms", grace_ms, 0, &opt.rotate_grace_ms) < 0 ||
        parse_ms("state_interval_ms", state_ms, 0, &opt.state_interval_ms) < 0 ||
        parse_ms("idle_close_ms", idle_ms, 0, &opt.idle_close_ms) < 0)
        return NULL;
    opt.delimiter = delimiter;
    opt.max_line = (size_t)max_line;
    opt.read_size = (size_t)read_size;
    if (poll)
        opt.flags |= ATAIL_OPEN_POLL;
    if (spans)
        opt.flags |= ATAIL_OPEN_SPANS;

    HandleObject *self = (HandleObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->raise_errors = 1;
    self->batch_max = DEFAULT_BATCH_EVENTS;
    self->paths = PyList_New(0);
    if (!self->paths)
        goto fail;
    PyObject *encoded = NULL;
    if (state != Py_None) {
        self->state_path = PyOS_FSPath(state);
        if (!self->state_path || !PyUnicode_FSConverter(self->state_path, &encoded))
            goto fail;
        opt.state_path = PyBytes_AS_STRING(encoded);
        /* Commits cover every event returned by atail_next(): read no
         * further ahead than what the caller is given. */
        self->batch_max = 1;
    }
    int r = atail_open(&self->t, &opt);
    Py_XDECREF(encoded);
    if (r < 0) {
        if (r == -EINVAL)
            PyErr_SetString(PyExc_ValueError, "invalid atail handle options");
        else if (r == -ENOMEM || r == -EMFILE || r == -ENFILE || !self->state_path)
            raise_errno(r, NULL);
        else
            raise_errno(r, self->state_path); /* -EBUSY, -EBADMSG, reading it */
        goto fail;
    }
    return (PyObject *)self;
fail:
    Py_DECREF(self);
    return NULL;
}

static void handle_dealloc(PyObject *obj)
{
    HandleObject *self = (HandleObject *)obj;
    PyTypeObject *tp = Py_TYPE(obj);
    self->t = atail_close(self->t);
    Py_XDECREF(self->paths);
    Py_XDECREF(self->state_path);
    Py_XDECREF(self->lines);
    Py_XDECREF(self->pending);
    tp->tp_free(obj);
    Py_DECREF(tp);
}

/* ---- adding files --------------------------------------------------------- */

/* Parses the follow options shared by follow() and follow_fd(); NULL
 * arguments keep their defaults. */
static int parse_follow_options(PyObject *start, PyObject *count, PyObject *follow, int retry,
                                struct atail_follow_options *fo)
{
    atail_follow_options_init(fo);
    if (retry)
        fo->flags |= ATAIL_FOLLOW_RETRY;
    if (start) {
        long s = PyLong_AsLong(start);
        if (s == -1 && PyErr_Occurred())
            return -1;
        if (s < ATAIL_START_END || s > ATAIL_START_BYTE) {
            PyErr_Format(PyExc_ValueError, "unknown start position %ld", s);
            return -1;
        }
        fo->start = (enum atail_start)s;
    }
    if (count) {
        unsigned long long c = PyLong_AsUnsignedLongLong(count);
        if (c == (unsigned long long)-1 && PyErr_Occurred())
            return -1;
        fo->count = (uint64_t)c;
    }
    if (follow) {
        long f = PyLong_AsLong(follow);
        if (f == -1 && PyErr_Occurred())
            return -1;
        if (f < ATAIL_FOLLOW_NONE || f > ATAIL_FOLLOW_NAME) {
            PyErr_Format(PyExc_ValueError, "unknown follow mode %ld", f);
            return -1;
        }
        fo->follow = (enum atail_follow_mode)f;
    }
    return 0;
}

/* Records the name of a newly added file under its id; returns the id. */
static PyObject *added(HandleObject *self, int id, PyObject *name)
{
    return set_path(self, id, name) < 0 ? NULL : PyLong_FromLong(id);
}

static PyObject *handle_follow(PyObject *obj, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"path", "start", "count", "follow", "retry", NULL};
    HandleObject *self = (HandleObject *)obj;
    PyObject *path, *start = NULL, *count = NULL, *follow = NULL;
    int retry = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|$OOOp:follow", kwlist, &path, &start, &count,
                                     &follow, &retry))
        return NULL;
    struct atail_follow_options fo;
    if (check_usable(self) < 0 || parse_follow_options(start, count, follow, retry, &fo) < 0)
        return NULL;
    PyObject *name = PyOS_FSPath(path); /* what events report: str or bytes */
    if (!name)
        return NULL;
    PyObject *encoded = NULL;
    if (!PyUnicode_FSConverter(name, &encoded)) {
        Py_DECREF(name);
        return NULL;
    }
    self->busy = 1;
    PyThreadState *ts = PyEval_SaveThread(); /* open() may block on a slow filesystem */
    int r = atail_follow(self->t, PyBytes_AS_STRING(encoded), &fo);
    PyEval_RestoreThread(ts);
    self->busy = 0;
    Py_DECREF(encoded);
    PyObject *result = r < 0 ? raise_errno(r, name) : added(self, r, name);
    Py_DECREF(name);
    return result;
}

static PyObject *handle_follow_fd(PyObject *obj, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"fd", "name", "start", "count", "follow", NULL};
    HandleObject *self = (HandleObject *)obj;
    int fd;
    PyObject *name, *start = NULL, *count = NULL, *follow = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "iU|$OOO:follow_fd", kwlist, &fd, &name, &start,
                                     &count, &follow))
        return NULL;
    struct atail_follow_options fo;
    if (check_usable(self) < 0 || parse_follow_options(start, count, follow, 0, &fo) < 0)
        return NULL;
    const char *cname = PyUnicode_AsUTF8(name);
    if (!cname)
        return NULL;
    int r = atail_follow_fd(self->t, fd, cname, &fo);
    if (r < 0)
        return raise_errno(r, name);
    return added(self, r, name);
}

/* Fills strs (n + 1 slots) with the encoded items of seq, NULL-terminated;
 * their bytes objects go into `keep`. */
static int encode_paths(PyObject *seq, Py_ssize_t n, PyObject *keep, const char **strs)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *encoded = NULL;
        if (!PyUnicode_FSConverter(PySequence_Fast_GET_ITEM(seq, i), &encoded))
            return -1;
        int r = PyList_Append(keep, encoded);
        strs[i] = PyBytes_AS_STRING(encoded);
        Py_DECREF(encoded);
        if (r < 0)
            return -1;
    }
    strs[n] = NULL;
    return 0;
}

static PyObject *handle_follow_glob(PyObject *obj, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"pattern", "exclude", "start", "count", "follow", "retry", NULL};
    HandleObject *self = (HandleObject *)obj;
    PyObject *pattern, *exclude = Py_None, *start = NULL, *count = NULL, *follow = NULL;
    int retry = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O$OOOp:follow_glob", kwlist, &pattern, &exclude,
                                     &start, &count, &follow, &retry))
        return NULL;
    struct atail_follow_options fo;
    if (check_usable(self) < 0 || parse_follow_options(start, count, follow, retry, &fo) < 0)
        return NULL;
    if (!follow)
        fo.follow = ATAIL_FOLLOW_NAME;
    PyObject *name = PyOS_FSPath(pattern);
    if (!name)
        return NULL;
    PyObject *result = NULL, *keep = PyList_New(0), *seq = NULL, *encoded = NULL;
    const char **strs = NULL;
    Py_ssize_t n;
    if (!keep)
        goto done;
    seq = exclude == Py_None ? PyTuple_New(0)
                             : PySequence_Fast(exclude, "exclude must be a sequence of patterns");
    if (!seq)
        goto done;
    n = PySequence_Fast_GET_SIZE(seq);
    strs = PyMem_New(const char *, (size_t)n + 2);
    if (!strs) {
        PyErr_NoMemory();
        goto done;
    }
    /* strs[0] is the pattern, strs[1..] the NULL-terminated excludes. */
    if (encode_paths(seq, n, keep, strs + 1) < 0)
        goto done;
    if (!PyUnicode_FSConverter(name, &encoded))
        goto done;
    strs[0] = PyBytes_AS_STRING(encoded);
    self->busy = 1;
    PyThreadState *ts = PyEval_SaveThread(); /* reads the directory */
    int r = atail_follow_glob(self->t, strs[0], strs + 1, &fo);
    PyEval_RestoreThread(ts);
    self->busy = 0;
    if (r == -EINVAL)
        PyErr_Format(PyExc_ValueError, "invalid glob pattern or options: %R", name);
    else
        result = r < 0 ? raise_errno(r, name) : PyLong_FromLong(r);
done:
    Py_XDECREF(encoded);
    PyMem_Free(strs);
    Py_XDECREF(seq);
    Py_XDECREF(keep);
    Py_DECREF(name);
    return result;
}

static PyObject *handle_fileno(PyObject *obj, PyObject *unused)
{
    HandleObject *self = (HandleObject *)obj;
    (void)unused;
    if (check_usable(self) < 0)
        return NULL;
    return PyLong_FromLong(atail_fd(self->t));
}

/* ---- reading ------------------------------------------------------------ */

/* Takes the current exception, normalized (PyErr_Fetch() is deprecated
 * from 3.12 on). */
static PyObject *take_exception(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb)
        PyException_SetTraceback(value, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
#endif
}

/* Raises the exception a previous read set aside, if any. */
static int raise_pending(HandleObject *self)
{
    PyObject *exc = self->pending;
    if (!exc)
        return 0;
    self->pending = NULL;
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(exc);
#else
    PyErr_Restore(Py_NewRef((PyObject *)Py_TYPE(exc)), exc, PyException_GetTraceback(exc));
#endif
    return -1;
}

/* Ends a read on the current exception: `list` (a new reference) is
 * returned when it holds lines, which would be lost otherwise, and the
 * exception is raised by the next read; else the exception is raised now. */
static PyObject *fail_after(HandleObject *self, PyObject *list)
{
    if (PyList_GET_SIZE(list) == 0) {
        Py_DECREF(list);
        return NULL;
    }
    Py_XSETREF(self->pending, take_exception());
    return list;
}

/* Gathers what is ready now: lines (bytes), or Event objects when
 * `events`. Returns a new list, empty when nothing is ready (then
 * self->ended tells whether anything ever will be), or NULL. */
static PyObject *read_batch(HandleObject *self, Py_ssize_t max_events, Py_ssize_t max_bytes,
                            int events)
{
    if (check_usable(self) < 0 || raise_pending(self) < 0)
        return NULL;
    struct module_state *st = events ? PyType_GetModuleState(Py_TYPE(self)) : NULL;
    PyObject *list = PyList_New(0);
    if (!list)
        return NULL;
    Py_ssize_t bytes = 0;
    while (!self->ended && PyList_GET_SIZE(list) < max_events && bytes < max_bytes) {
        struct atail_event ev;
        int r = atail_next(self->t, &ev);
        if (r == -EAGAIN)
            break;
        if (r == 0) {
            self->ended = 1;
            break;
        }
        if (r < 0) {
            raise_errno(r, NULL);
            return fail_after(self, list);
        }
        PyObject *item, *path;
        if (events) {
            path = event_path(self, &ev);
            item = path ? event_from(st, self->t, &ev, path) : NULL;
        } else if (ev.kind == ATAIL_EVENT_LINE || ev.kind == ATAIL_EVENT_DATA) {
            item = PyBytes_FromStringAndSize(ev.data, (Py_ssize_t)ev.len);
        } else if (ev.kind == ATAIL_EVENT_ERROR && self->raise_errors) {
            path = event_path(self, &ev);
            if (path)
                raise_errno(ev.error, path);
            return fail_after(self, list);
        } else {
            continue; /* metadata, for events() */
        }
        if (!item)
            return fail_after(self, list);
        bytes += (Py_ssize_t)ev.len;
        int appended = PyList_Append(list, item);
        Py_DECREF(item);
        if (appended < 0)
            return fail_after(self, list);
    }
    return list;
}

static PyObject *handle_read_batch(PyObject *obj, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"max_events", "max_bytes", "events", NULL};
    Py_ssize_t max_events = ((HandleObject *)obj)->batch_max, max_bytes = DEFAULT_BATCH_BYTES;
    int events = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|nn$p:read_batch", kwlist, &max_events,
                                     &max_bytes, &events))
        return NULL;
    if (max_events < 1 || max_bytes < 1) {
        PyErr_SetString(PyExc_ValueError, "max_events and max_bytes must be positive");
        return NULL;
    }
    return read_batch((HandleObject *)obj, max_events, max_bytes, events);
}

PyObject *handle_pop_line(HandleObject *h)
{
    if (!h->lines)
        return NULL;
    if (h->next < PyList_GET_SIZE(h->lines))
        return Py_NewRef(PyList_GET_ITEM(h->lines, h->next++));
    Py_CLEAR(h->lines);
    return NULL;
}

/* Keeps batch (a non-empty list) as the line buffer; returns its first. */
static PyObject *hold(HandleObject *self, PyObject *batch)
{
    Py_XSETREF(self->lines, Py_NewRef(batch));
    self->next = 0;
    return handle_pop_line(self);
}

static PyObject *handle_hold(PyObject *obj, PyObject *batch)
{
    if (!PyList_CheckExact(batch) || PyList_GET_SIZE(batch) == 0) {
        PyErr_SetString(PyExc_TypeError, "hold() takes a non-empty list");
        return NULL;
    }
    return hold((HandleObject *)obj, batch);
}

static PyObject *handle_take_lines(PyObject *obj, PyObject *unused)
{
    HandleObject *self = (HandleObject *)obj;
    (void)unused;
    if (!self->lines)
        return PyList_New(0);
    PyObject *rest = PyList_GetSlice(self->lines, self->next, PyList_GET_SIZE(self->lines));
    if (rest)
        Py_CLEAR(self->lines);
    return rest;
}

static double monotonic_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for news, at most `timeout` seconds (< 0: no limit), without the
 * GIL. Returns 1 when ready, 0 on timeout, -1 with an exception set. */
static int wait_ready(HandleObject *self, double timeout)
{
    if (check_usable(self) < 0)
        return -1;
    if (self->ended || self->pending)
        return 1;
    double deadline = timeout >= 0 ? monotonic_now() + timeout : 0;
    for (;;) {
        int ms = -1;
        if (timeout >= 0) {
            double left = ceil((deadline - monotonic_now()) * 1000.0);
            ms = left <= 0 ? 0 : left >= INT_MAX ? INT_MAX : (int)left;
        }
        self->busy = 1;
        PyThreadState *ts = PyEval_SaveThread();
        int r = atail_wait(self->t, ms);
        PyEval_RestoreThread(ts);
        self->busy = 0;
        if (r == -EINTR) {
            if (PyErr_CheckSignals() < 0) /* KeyboardInterrupt and the like */
                return -1;
            continue;
        }
        if (r < 0) {
            raise_errno(r, NULL);
            return -1;
        }
        return r > 0;
    }
}

static PyObject *handle_wait(PyObject *obj, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"timeout", NULL};
    PyObject *timeout = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:wait", kwlist, &timeout))
        return NULL;
    double secs = -1;
    if (timeout != Py_None) {
        secs = PyFloat_AsDouble(timeout);
        if (secs == -1.0 && PyErr_Occurred())
            return NULL;
        if (!(secs >= 0)) {
            PyErr_SetString(PyExc_ValueError, "timeout must be None or a number >= 0");
            return NULL;
        }
    }
    int r = wait_ready((HandleObject *)obj, secs);
    return r < 0 ? NULL : PyBool_FromLong(r);
}

/* Blocking iteration over lines: for line in handle. */
static PyObject *handle_iternext(PyObject *obj)
{
    HandleObject *self = (HandleObject *)obj;
    PyObject *line = handle_pop_line(self);
    if (line)
        return line;
    for (;;) {
        PyObject *batch = read_batch(self, self->batch_max, DEFAULT_BATCH_BYTES, 0);
        if (!batch)
            return NULL;
        if (PyList_GET_SIZE(batch) > 0) {
            line = hold(self, batch);
            Py_DECREF(batch);
            return line;
        }
        Py_DECREF(batch);
        if (self->ended)
            return NULL; /* StopIteration */
        if (wait_ready(self, -1) < 0)
            return NULL;
    }
}

static PyObject *handle_commit(PyObject *obj, PyObject *unused)
{
    HandleObject *self = (HandleObject *)obj;
    (void)unused;
    if (check_usable(self) < 0)
        return NULL;
    int r = atail_commit(self->t);
    return r < 0 ? raise_errno(r, self->state_path) : Py_NewRef(Py_None);
}

static PyObject *handle_save(PyObject *obj, PyObject *unused)
{
    HandleObject *self = (HandleObject *)obj;
    (void)unused;
    if (check_usable(self) < 0)
        return NULL;
    self->busy = 1;
    PyThreadState *ts = PyEval_SaveThread(); /* fsync */
    int r = atail_save(self->t);
    PyEval_RestoreThread(ts);
    self->busy = 0;
    return r < 0 ? raise_errno(r, self->state_path) : Py_NewRef(Py_None);
}

static PyObject *handle_watch_pid(PyObject *obj, PyObject *arg)
{
    HandleObject *self = (HandleObject *)obj;
    long pid = PyLong_AsLong(arg);
    if (pid == -1 && PyErr_Occurred())
        return NULL;
    if (pid <= 0 || pid > INT_MAX) {
        PyErr_SetString(PyExc_ValueError, "pid must be a positive process id");
        return NULL;
    }
    if (check_usable(self) < 0)
        return NULL;
    int r = atail_watch_pid(self->t, (int)pid);
    return r < 0 ? raise_errno(r, NULL) : Py_NewRef(Py_None);
}

static PyObject *handle_alines(PyObject *obj, PyObject *refill)
{
    HandleObject *self = (HandleObject *)obj;
    if (!PyCallable_Check(refill)) {
        PyErr_SetString(PyExc_TypeError, "alines() takes a callable");
        return NULL;
    }
    return alines_new(PyType_GetModuleState(Py_TYPE(self)), self, refill);
}

static PyObject *handle_close(PyObject *obj, PyObject *unused)
{
    HandleObject *self = (HandleObject *)obj;
    (void)unused;
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "atail handle is in use by another thread");
        return NULL;
    }
    self->t = atail_close(self->t);
    Py_CLEAR(self->lines);
    Py_RETURN_NONE;
}

static PyObject *handle_get_closed(PyObject *obj, void *closure)
{
    (void)closure;
    return PyBool_FromLong(((HandleObject *)obj)->t == NULL);
}

static PyObject *handle_get_ended(PyObject *obj, void *closure)
{
    (void)closure;
    return PyBool_FromLong(((HandleObject *)obj)->ended);
}

static PyObject *handle_get_raise_errors(PyObject *obj, void *closure)
{
    (void)closure;
    return PyBool_FromLong(((HandleObject *)obj)->raise_errors);
}

static int handle_set_raise_errors(PyObject *obj, PyObject *value, void *closure)
{
    (void)closure;
    int v = value ? PyObject_IsTrue(value) : -1;
    if (v < 0) {
        if (!value)
            PyErr_SetString(PyExc_AttributeError, "cannot delete raise_errors");
        return -1;
    }
    ((HandleObject *)obj)->raise_errors = v;
    return 0;
}

static PyObject *handle_get_paths(PyObject *obj, void *closure)
{
    (void)closure;
    return PyList_AsTuple(((HandleObject *)obj)->paths);
}

PyDoc_STRVAR(follow_doc,
             "follow(path, *, start=START_END, count=0, follow=FOLLOW_DESCRIPTOR, retry=False)"
             " -> int\n--\n\n"
             "Starts following the file at path (str, bytes or os.PathLike); returns its id.\n"
             "Raises OSError (FileNotFoundError, ...) with the errno and the path.");
PyDoc_STRVAR(follow_fd_doc,
             "follow_fd(fd, name, *, start=START_END, count=0, follow=FOLLOW_DESCRIPTOR) -> int\n"
             "--\n\n"
             "Starts following a duplicate of the open descriptor fd, reported as name.");
PyDoc_STRVAR(follow_glob_doc,
             "follow_glob(pattern, exclude=None, *, start=START_END, count=0, follow=FOLLOW_NAME,"
             " retry=False) -> int\n--\n\n"
             "Follows every regular file matching pattern (wildcards in its last component),\n"
             "now and as they appear; exclude: patterns of names to leave out. Returns how\n"
             "many files matched now.");
PyDoc_STRVAR(fileno_doc, "fileno() -> int\n--\n\n"
                         "The descriptor that polls readable when the handle may have news.");
PyDoc_STRVAR(read_batch_doc,
             "read_batch(max_events=4096, max_bytes=1048576, *, events=False) -> list\n--\n\n"
             "Returns the events ready now, without blocking: the lines (bytes, without their\n"
             "delimiter) or, with events=True, Event objects. Stops after max_events items or\n"
             "max_bytes bytes of data. An empty list means nothing now (wait for fileno()),\n"
             "or, when `ended` is true, nothing ever. Without events=True, an error event\n"
             "raises OSError, after the lines that came before it were returned.\n"
             "Lines buffered for iteration are not included (see take_lines()).");
PyDoc_STRVAR(hold_doc, "hold(batch) -> bytes\n--\n\n"
                       "Buffers the lines of batch (a non-empty list) for iteration and returns "
                       "the first.");
PyDoc_STRVAR(take_lines_doc, "take_lines() -> list\n--\n\n"
                             "Removes and returns the lines buffered for iteration.");
PyDoc_STRVAR(wait_doc, "wait(timeout=None) -> bool\n--\n\n"
                       "Blocks until the handle may have news, at most timeout seconds\n"
                       "(None: no limit). Returns False on timeout. Releases the GIL.");
PyDoc_STRVAR(alines_doc, "alines(refill) -> async iterator\n--\n\n"
                         "Iterates over lines with `async for`: a buffered line at once, else "
                         "the\nresult of awaiting refill(), which should read a batch and "
                         "return hold(batch)\nor raise StopAsyncIteration.");
PyDoc_STRVAR(commit_doc, "commit()\n--\n\n"
                         "Declares every event returned so far processed (atail_commit()).");
PyDoc_STRVAR(save_doc, "save()\n--\n\n"
                       "Saves the committed positions to the state file now.");
PyDoc_STRVAR(watch_pid_doc, "watch_pid(pid)\n--\n\n"
                            "Ends following once process pid has exited and what it wrote "
                            "is delivered.");
PyDoc_STRVAR(close_doc, "close()\n--\n\n"
                        "Releases every descriptor and buffer of the handle. Idempotent.");

static PyMethodDef handle_methods[] = {
    {"follow", (PyCFunction)(void (*)(void))handle_follow, METH_VARARGS | METH_KEYWORDS,
     follow_doc},
    {"follow_fd", (PyCFunction)(void (*)(void))handle_follow_fd, METH_VARARGS | METH_KEYWORDS,
     follow_fd_doc},
    {"follow_glob", (PyCFunction)(void (*)(void))handle_follow_glob, METH_VARARGS | METH_KEYWORDS,
     follow_glob_doc},
    {"fileno", handle_fileno, METH_NOARGS, fileno_doc},
    {"read_batch", (PyCFunction)(void (*)(void))handle_read_batch, METH_VARARGS | METH_KEYWORDS,
     read_batch_doc},
    {"hold", handle_hold, METH_O, hold_doc},
    {"take_lines", handle_take_lines, METH_NOARGS, take_lines_doc},
    {"wait", (PyCFunction)(void (*)(void))handle_wait, METH_VARARGS | METH_KEYWORDS, wait_doc},
    {"alines", handle_alines, METH_O, alines_doc},
    {"commit", handle_commit, METH_NOARGS, commit_doc},
    {"save", handle_save, METH_NOARGS, save_doc},
    {"watch_pid", handle_watch_pid, METH_O, watch_pid_doc},
    {"close", handle_close, METH_NOARGS, close_doc},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef handle_getset[] = {
    {"closed", handle_get_closed, NULL, "True once close() was called.", NULL},
    {"ended", handle_get_ended, NULL, "True once every file has ended: nothing more will come.",
     NULL},
    {"paths", handle_get_paths, NULL, "The followed files' names, by file id.", NULL},
    {"raise_errors", handle_get_raise_errors, handle_set_raise_errors,
     "Whether line reads raise OSError for error events (True) or skip them.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(handle_doc,
             "Handle(delimiter=10, max_line=DEFAULT_MAX_LINE, read_size=DEFAULT_READ_SIZE)\n--\n\n"
             "One libatail handle: the low-level interface under atail.open(). It owns its\n"
             "descriptors until close() (or its deallocation). Iterating it gives lines,\n"
             "blocking while none is ready. One thread at a time. Keyword-only options:\n"
             "poll, poll_interval_ms, rotate_grace_ms, state_path, state_interval_ms,\n"
             "spans (read_batch() then gives runs of whole lines as read, delimiters\n"
             "included, and a partial last line at once: ATAIL_OPEN_SPANS), and\n"
             "idle_close_ms (close files followed by name that stay unchanged).");

static PyType_Slot handle_slots[] = {
    {Py_tp_new, handle_new},         {Py_tp_dealloc, handle_dealloc},
    {Py_tp_iter, PyObject_SelfIter}, {Py_tp_iternext, handle_iternext},
    {Py_tp_methods, handle_methods}, {Py_tp_getset, handle_getset},
    {Py_tp_doc, (void *)handle_doc}, {0, NULL},
};

PyType_Spec handle_spec = {
    .name = "atail._atail.Handle",
    .basicsize = sizeof(HandleObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = handle_slots,
};
