/* event.c - atail.Event: an immutable copy of one struct atail_event. */
#include "binding.h"

#include <structmember.h>

typedef struct {
    PyObject ob_base;     /* PyObject_HEAD */
    PyObject *kind;       /* interned str: "line", "eof", ... */
    PyObject *path;       /* str or bytes, as the file was named when added */
    PyObject *data;       /* bytes for line and data events, else None */
    PyObject *lost_range; /* (from, to) of a lost event, else None */
    unsigned long long offset;
    unsigned long long size;
    int file;
    unsigned int flags;
    int error; /* positive errno for error events, else 0 */
} EventObject;

PyObject *event_from(struct module_state *st, atail *t, const struct atail_event *ev,
                     PyObject *path)
{
    PyObject *data, *range;
    uint64_t from, to;
    if (ev->kind == ATAIL_EVENT_LOST && atail_lost_range(t, ev->file, &from, &to) == 0)
        range = Py_BuildValue("(KK)", (unsigned long long)from, (unsigned long long)to);
    else
        range = Py_NewRef(Py_None);
    if (!range)
        return NULL;
    if (ev->kind == ATAIL_EVENT_LINE || ev->kind == ATAIL_EVENT_DATA) {
        data = PyBytes_FromStringAndSize(ev->data, (Py_ssize_t)ev->len);
        if (!data) {
            Py_DECREF(range);
            return NULL;
        }
    } else {
        data = Py_NewRef(Py_None);
    }
    EventObject *e = PyObject_New(EventObject, st->event_type);
    if (!e) {
        Py_DECREF(data);
        Py_DECREF(range);
        return NULL;
    }
    e->kind = Py_NewRef(st->kinds[(unsigned)ev->kind < KIND_COUNT ? ev->kind : 0]);
    e->path = Py_NewRef(path);
    e->data = data;
    e->lost_range = range;
    e->offset = ev->offset;
    e->size = ev->len;
    e->file = ev->file;
    e->flags = ev->flags;
    e->error = ev->error < 0 ? -ev->error : ev->error;
    return (PyObject *)e;
}

static void event_dealloc(PyObject *self)
{
    EventObject *e = (EventObject *)self;
    PyTypeObject *tp = Py_TYPE(self);
    Py_XDECREF(e->kind);
    Py_XDECREF(e->path);
    Py_XDECREF(e->data);
    Py_XDECREF(e->lost_range);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *event_repr(PyObject *self)
{
    EventObject *e = (EventObject *)self;
    return PyUnicode_FromFormat("atail.Event(kind=%R, path=%R, file=%d, offset=%llu, data=%R, "
                                "flags=%u, error=%d)",
                                e->kind, e->path, e->file, e->offset, e->data, e->flags, e->error);
}

static PyObject *event_cut(PyObject *self, void *closure)
{
    (void)closure;
    return PyBool_FromLong((((EventObject *)self)->flags & ATAIL_LINE_CUT) != 0);
}

static PyObject *event_no_delim(PyObject *self, void *closure)
{
    (void)closure;
    return PyBool_FromLong((((EventObject *)self)->flags & ATAIL_LINE_NO_DELIM) != 0);
}

static PyObject *event_at_least(PyObject *self, void *closure)
{
    (void)closure;
    return PyBool_FromLong((((EventObject *)self)->flags & ATAIL_LOST_AT_LEAST) != 0);
}

static PyMemberDef event_members[] = {
    {"kind", T_OBJECT_EX, offsetof(EventObject, kind), READONLY,
     "What happened: 'line'; 'eof' (the file's initial content is delivered); 'truncated' "
     "(the file shrank; reading starts again at 0); 'rotated' (following by name, the name "
     "leads to a new file, read from its start; the old one was read to its end); 'appeared' "
     "(a missing name can be read now); 'gone' (the name leads to no readable file; error says "
     "why); 'lost' (data lost for good: see size, at_least, lost_range); 'polling' (the name "
     "is polled from now on); 'error' (see error); 'end' (the file gives no more events)."},
    {"path", T_OBJECT_EX, offsetof(EventObject, path), READONLY,
     "The file, as it was named to open() (str or bytes); for file -1, the state file."},
    {"file", T_INT, offsetof(EventObject, file), READONLY,
     "Index of the file in the order the files were given to open(); -1 for the state "
     "file."},
    {"offset", T_ULONGLONG, offsetof(EventObject, offset), READONLY,
     "Offset in the file of the line's first byte (of the end, for 'eof'; of the old end, for "
     "'truncated'; for 'lost', the file's running total of bytes lost)."},
    {"data", T_OBJECT_EX, offsetof(EventObject, data), READONLY,
     "The line without its delimiter (bytes) for 'line' events, else None."},
    {"size", T_ULONGLONG, offsetof(EventObject, size), READONLY,
     "Bytes: of the data for 'line' events; lost, for 'lost' events (0: not known)."},
    {"lost_range", T_OBJECT_EX, offsetof(EventObject, lost_range), READONLY,
     "For a 'lost' event whose bytes are known, (from, to): their offsets in the lost file "
     "(with at_least, more followed); else None."},
    {"flags", T_UINT, offsetof(EventObject, flags), READONLY,
     "LINE_CUT and LINE_NO_DELIM bits of a line event; LOST_AT_LEAST of a lost event."},
    {"error", T_INT, offsetof(EventObject, error), READONLY,
     "The errno of an 'error' or 'gone' event, else 0."},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef event_getset[] = {
    {"cut", event_cut, NULL,
     "True when the line was longer than max_line: this is a piece and the rest follows.", NULL},
    {"no_delim", event_no_delim, NULL,
     "True when the file ended without a delimiter after this line.", NULL},
    {"at_least", event_at_least, NULL,
     "True when a 'lost' event's size is a lower bound: more was lost, how much is not known.",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(event_doc, "One event of a follower, as given by Follower.events().\n\n"
                        "Events are immutable copies: they stay valid forever.");

static PyType_Slot event_slots[] = {
    {Py_tp_dealloc, event_dealloc}, {Py_tp_repr, event_repr},       {Py_tp_members, event_members},
    {Py_tp_getset, event_getset},   {Py_tp_doc, (void *)event_doc}, {0, NULL},
};

PyType_Spec event_spec = {
    .name = "atail.Event",
    .basicsize = sizeof(EventObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = event_slots,
};
