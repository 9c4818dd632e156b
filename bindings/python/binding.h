/* binding.h - what the parts of the _atail extension module share.
 *
 * The module is a thin layer: a Handle owns one libatail handle and copies
 * each event's borrowed data into Python objects before the next call into
 * the library (see "Borrowed data" in atail.h). Types are heap types held
 * in the module's state, so the module keeps no C globals of its own.
 */
#ifndef ATAIL_PY_BINDING_H
#define ATAIL_PY_BINDING_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <atail.h>

/* Names of event kinds, indexed by enum atail_event_kind; [0] for a kind
 * this module does not know (a newer library). */
#define KIND_COUNT (ATAIL_EVENT_POLLING + 1)

struct module_state {
    PyTypeObject *handle_type;
    PyTypeObject *event_type;
    PyTypeObject *alines_type;
    PyTypeObject *ready_type;
    PyObject *kinds[KIND_COUNT]; /* interned str */
};

typedef struct {
    PyObject ob_base;     /* PyObject_HEAD */
    atail *t;             /* NULL once closed */
    PyObject *paths;      /* list: file id -> path (str or bytes), or None */
    PyObject *state_path; /* the checkpoint file as given, or NULL */
    PyObject *lines;      /* list of lines read and not yet returned, or NULL */
    Py_ssize_t next;      /* index in `lines` of the next one to return */
    Py_ssize_t batch_max; /* most events one read gathers by default */
    int raise_errors;     /* line reads raise error events (else skip them) */
    int busy;             /* a call has released the GIL */
    int ended;            /* atail_next() returned 0: nothing more will come */
    PyObject *pending;    /* an exception set aside by a read that had
                             lines to return first, for the next read */
} HandleObject;

extern PyType_Spec handle_spec;
extern PyType_Spec event_spec;
extern PyType_Spec alines_spec;
extern PyType_Spec ready_spec;

/* The next buffered line of h (a new reference), or NULL, with no
 * exception set, when none is buffered. */
PyObject *handle_pop_line(HandleObject *h);

/* A new async line iterator over h; refill() is called for an awaitable
 * when no line is buffered. */
PyObject *alines_new(struct module_state *st, HandleObject *h, PyObject *refill);

/* A new Event holding copies of ev's borrowed data; `path` (str or bytes,
 * borrowed) is what the event reports as its path; for a LOST event, t
 * tells its range (atail_lost_range()). */
PyObject *event_from(struct module_state *st, atail *t, const struct atail_event *ev,
                     PyObject *path);

#endif
