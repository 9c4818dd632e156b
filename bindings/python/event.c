/* event.c - atail.Event: an immutable copy of one struct atail_event. */
#include "binding.h"

#include <structmember.h>

typedef struct {
    PyObject ob_base; /* PyObject_HEAD */
    PyObject *kind;   /* interned str: "line", "eof", ... */
    PyObject *path;   /* str or bytes, as the file was named when added */
    PyObject *data;   /* bytes for line and data events, else None */
    unsigned long long offset;
    int file;
    unsigned int flags;
    int error; /* positive errno for error events, else 0 */
} EventObject;

PyObject *event_from(struct module_state *st, const struct atail_event *ev, PyObject *path)
{
    PyObject *data;
    if (ev->kind == ATAIL_EVENT_LINE || ev->kind == ATAIL_EVENT_DATA) {
        data = PyBytes_FromStringAndSize(ev->data, (Py_ssize_t)ev->len);
        if (!data)
            return NULL;
    } else {
        data = Py_NewRef(Py_None);
    }
    EventObject *e = PyObject_New(EventObject, st->event_type);
    if (!e) {
        Py_DECREF(data);
        return NULL;
    }
    e->kind = Py_NewRef(st->kinds[(unsigned)ev->kind < KIND_COUNT ? ev->kind : 0]);
    e->path = Py_NewRef(path);
    e->data = data;
    e->offset = ev->offset;
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

static PyMemberDef event_members[] = {
    {"kind", T_OBJECT_EX, offsetof(EventObject, kind), READONLY,
     "What happened: 'line'; 'eof' (the file's initial content is delivered); 'truncated' "
     "(the file shrank; reading starts again at 0); 'rotated' (following by name, the name "
     "leads to a new file, read from its start; the old one was read to its end); 'appeared' "
     "(a missing name can be read now); 'gone' (the name leads to no readable file; error says "
     "why); 'error' (see error); 'end' (the file gives no more events)."},
    {"path", T_OBJECT_EX, offsetof(EventObject, path), READONLY,
     "The file, as it was named to open() (str or bytes); for file -1, the state file."},
    {"file", T_INT, offsetof(EventObject, file), READONLY,
     "Index of the file in the order the files were given to open(); -1 for the state "
     "file."},
    {"offset", T_ULONGLONG, offsetof(EventObject, offset), READONLY,
     "Offset in the file of the line's first byte (of the end, for 'eof'; of the old end, for "
     "'truncated')."},
    {"data", T_OBJECT_EX, offsetof(EventObject, data), READONLY,
     "The line without its delimiter (bytes) for 'line' events, else None."},
    {"flags", T_UINT, offsetof(EventObject, flags), READONLY,
     "LINE_CUT and LINE_NO_DELIM bits of a line event."},
    {"error", T_INT, offsetof(EventObject, error), READONLY,
     "The errno of an 'error' or 'gone' event, else 0."},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef event_getset[] = {
    {"cut", event_cut, NULL,
     "True when the line was longer than max_line: this is a piece and the rest follows.", NULL},
    {"no_delim", event_no_delim, NULL,
     "True when the file ended without a delimiter after this line.", NULL},
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
