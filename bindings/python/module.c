/* module.c - the _atail extension module: its state, constants and types.
 * The Pythonic interface (atail.open(), Follower) is atail/__init__.py. */
#include "binding.h"

static const char *const kind_names[KIND_COUNT] = {
    [0] = "unknown",
    [ATAIL_EVENT_LINE] = "line",
    [ATAIL_EVENT_DATA] = "data",
    [ATAIL_EVENT_EOF] = "eof",
    [ATAIL_EVENT_TRUNCATED] = "truncated",
    [ATAIL_EVENT_ERROR] = "error",
    [ATAIL_EVENT_END] = "end",
    [ATAIL_EVENT_ROTATED] = "rotated",
    [ATAIL_EVENT_APPEARED] = "appeared",
    [ATAIL_EVENT_GONE] = "gone",
    [ATAIL_EVENT_LOST] = "lost",
    [ATAIL_EVENT_POLLING] = "polling",
};

static struct module_state *get_state(PyObject *module)
{
    return PyModule_GetState(module);
}

static int add_int(PyObject *m, const char *name, long long value)
{
    PyObject *v = PyLong_FromLongLong(value);
    if (!v)
        return -1;
    int r = PyModule_AddObjectRef(m, name, v);
    Py_DECREF(v);
    return r;
}

static int module_exec(PyObject *m)
{
    struct module_state *st = get_state(m);
    for (int k = 0; k < KIND_COUNT; k++) {
        st->kinds[k] = PyUnicode_InternFromString(kind_names[k]);
        if (!st->kinds[k])
            return -1;
    }
    st->event_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &event_spec, NULL);
    if (!st->event_type || PyModule_AddType(m, st->event_type) < 0)
        return -1;
    st->handle_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &handle_spec, NULL);
    if (!st->handle_type || PyModule_AddType(m, st->handle_type) < 0)
        return -1;
    st->alines_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &alines_spec, NULL);
    if (!st->alines_type || PyModule_AddType(m, st->alines_type) < 0)
        return -1;
    st->ready_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &ready_spec, NULL);
    if (!st->ready_type)
        return -1;

    const struct {
        const char *name;
        long long value;
    } ints[] = {
        {"START_END", ATAIL_START_END},
        {"START_BEGIN", ATAIL_START_BEGIN},
        {"START_LAST_LINES", ATAIL_START_LAST_LINES},
        {"START_LAST_BYTES", ATAIL_START_LAST_BYTES},
        {"START_LINE", ATAIL_START_LINE},
        {"START_BYTE", ATAIL_START_BYTE},
        {"FOLLOW_NONE", ATAIL_FOLLOW_NONE},
        {"FOLLOW_DESCRIPTOR", ATAIL_FOLLOW_DESCRIPTOR},
        {"FOLLOW_NAME", ATAIL_FOLLOW_NAME},
        {"LINE_CUT", ATAIL_LINE_CUT},
        {"LINE_NO_DELIM", ATAIL_LINE_NO_DELIM},
        {"LOST_AT_LEAST", ATAIL_LOST_AT_LEAST},
        {"DEFAULT_MAX_LINE", ATAIL_DEFAULT_MAX_LINE},
        {"DEFAULT_READ_SIZE", ATAIL_DEFAULT_READ_SIZE},
        {"DEFAULT_POLL_INTERVAL_MS", ATAIL_DEFAULT_POLL_INTERVAL_MS},
        {"DEFAULT_ROTATE_GRACE_MS", ATAIL_DEFAULT_ROTATE_GRACE_MS},
        {"DEFAULT_STATE_INTERVAL_MS", ATAIL_DEFAULT_STATE_INTERVAL_MS},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (add_int(m, ints[i].name, ints[i].value) < 0)
            return -1;
    return PyModule_AddStringConstant(m, "LIBRARY_VERSION", ATAIL_VERSION_STRING);
}

static int module_traverse(PyObject *m, visitproc visit, void *arg)
{
    struct module_state *st = get_state(m);
    Py_VISIT(st->handle_type);
    Py_VISIT(st->event_type);
    Py_VISIT(st->alines_type);
    Py_VISIT(st->ready_type);
    return 0;
}

static int module_clear(PyObject *m)
{
    struct module_state *st = get_state(m);
    Py_CLEAR(st->handle_type);
    Py_CLEAR(st->event_type);
    Py_CLEAR(st->alines_type);
    Py_CLEAR(st->ready_type);
    for (int k = 0; k < KIND_COUNT; k++)
        Py_CLEAR(st->kinds[k]);
    return 0;
}

static void module_free(void *m)
{
    module_clear(m);
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, (void *)module_exec},
    {0, NULL},
};

PyDoc_STRVAR(module_doc, "Low-level binding of libatail; use the atail package instead.");

static struct PyModuleDef atail_module = {
    PyModuleDef_HEAD_INIT,   .m_name = "atail._atail",
    .m_doc = module_doc,     .m_size = sizeof(struct module_state),
    .m_slots = module_slots, .m_traverse = module_traverse,
    .m_clear = module_clear, .m_free = module_free,
};

PyMODINIT_FUNC PyInit__atail(void);

PyMODINIT_FUNC PyInit__atail(void)
{
    return PyModuleDef_Init(&atail_module);
}
