/* alines.c - `async for` over lines at C speed.
 *
 * An AsyncLines object's __anext__ returns, while the handle has buffered
 * lines, a Ready object: an awaitable that completes at once with the line,
 * with no coroutine and no trip through the event loop. Only when the
 * buffer is empty does it call back into Python (refill), once per batch,
 * for the coroutine that waits on the event loop and reads the next batch.
 */
#include "binding.h"

typedef struct {
    PyObject ob_base; /* PyObject_HEAD */
    PyObject *value;  /* the result, until awaited */
} ReadyObject;

typedef struct {
    PyObject ob_base; /* PyObject_HEAD */
    HandleObject *handle;
    PyObject *refill;   /* called for an awaitable when nothing is buffered */
    ReadyObject *ready; /* reused while no one else holds it */
} AsyncLinesObject;

static PyObject *ready_new(struct module_state *st, PyObject *value)
{
    ReadyObject *r = PyObject_New(ReadyObject, st->ready_type);
    if (!r) {
        Py_DECREF(value);
        return NULL;
    }
    r->value = value; /* stolen */
    return (PyObject *)r;
}

static void ready_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    Py_XDECREF(((ReadyObject *)self)->value);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* The await protocol: the first step ends the awaitable with its value. */
static PyObject *ready_iternext(PyObject *self)
{
    PyObject *value = ((ReadyObject *)self)->value;
    if (value) {
        ((ReadyObject *)self)->value = NULL;
        PyObject *stop = PyObject_CallOneArg(PyExc_StopIteration, value);
        Py_DECREF(value);
        if (stop) {
            PyErr_SetObject(PyExc_StopIteration, stop);
            Py_DECREF(stop);
        }
    }
    return NULL;
}

static PyObject *ready_send(PyObject *self, PyObject *arg)
{
    (void)arg;
    return ready_iternext(self);
}

/* The same, for the interpreter's fast path: the value is returned, not
 * raised, so awaiting a ready line costs no exception. */
static PySendResult ready_am_send(PyObject *self, PyObject *arg, PyObject **result)
{
    (void)arg;
    ReadyObject *r = (ReadyObject *)self;
    *result = r->value ? r->value : Py_NewRef(Py_None);
    r->value = NULL;
    return PYGEN_RETURN;
}

static PyMethodDef ready_methods[] = {
    {"send", ready_send, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot ready_slots[] = {
    {Py_tp_dealloc, ready_dealloc},
    {Py_am_await, PyObject_SelfIter},
    {Py_am_send, ready_am_send},
    {Py_tp_iter, PyObject_SelfIter},
    {Py_tp_iternext, ready_iternext},
    {Py_tp_methods, ready_methods},
    {0, NULL},
};

PyType_Spec ready_spec = {
    .name = "atail._atail._Ready",
    .basicsize = sizeof(ReadyObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = ready_slots,
};

PyObject *alines_new(struct module_state *st, HandleObject *h, PyObject *refill)
{
    AsyncLinesObject *a = PyObject_GC_New(AsyncLinesObject, st->alines_type);
    if (!a)
        return NULL;
    a->handle = (HandleObject *)Py_NewRef((PyObject *)h);
    a->refill = Py_NewRef(refill);
    a->ready = NULL;
    PyObject_GC_Track(a);
    return (PyObject *)a;
}

static int alines_traverse(PyObject *self, visitproc visit, void *arg)
{
    AsyncLinesObject *a = (AsyncLinesObject *)self;
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(a->handle);
    Py_VISIT(a->refill);
    return 0;
}

static int alines_clear(PyObject *self)
{
    AsyncLinesObject *a = (AsyncLinesObject *)self;
    Py_CLEAR(a->handle);
    Py_CLEAR(a->refill);
    Py_CLEAR(a->ready);
    return 0;
}

static void alines_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    alines_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *alines_anext(PyObject *self)
{
    AsyncLinesObject *a = (AsyncLinesObject *)self;
    if (!a->handle) {
        PyErr_SetNone(PyExc_StopAsyncIteration);
        return NULL;
    }
    PyObject *line = handle_pop_line(a->handle);
    if (!line)
        return PyObject_CallNoArgs(a->refill);
    /* `async for` awaits each awaitable at once and drops it: the last
     * one is free again by the next line, and serves it. */
    if (a->ready && Py_REFCNT(a->ready) == 1 && !a->ready->value) {
        a->ready->value = line;
        return Py_NewRef((PyObject *)a->ready);
    }
    PyObject *r = ready_new(PyType_GetModuleState(Py_TYPE(self)), line);
    if (r && !a->ready)
        a->ready = (ReadyObject *)Py_NewRef(r);
    return r;
}

static PyType_Slot alines_slots[] = {
    {Py_tp_dealloc, alines_dealloc},
    {Py_tp_traverse, alines_traverse},
    {Py_tp_clear, alines_clear},
    {Py_am_aiter, PyObject_SelfIter},
    {Py_am_anext, alines_anext},
    {Py_tp_doc, (void *)"Lines of an atail follower, for async for."},
    {0, NULL},
};

PyType_Spec alines_spec = {
    .name = "atail._atail.AsyncLines",
    .basicsize = sizeof(AsyncLinesObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = alines_slots,
};
