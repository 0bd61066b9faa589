/* Node attributes with ONNX defaults, and node-naming error messages. */
#include "src/onnx/onnx_internal.h"

#include <stdio.h>
#include <string.h>

const Onnx__AttributeProto *onnx_attr(const onnx_node *n, const char *name)
{
    for (size_t i = 0; i < n->proto->n_attribute; i++) {
        const Onnx__AttributeProto *a = n->proto->attribute[i];
        if (a->name && strcmp(a->name, name) == 0)
            return a;
    }
    return NULL;
}

int64_t onnx_attr_int(const onnx_node *n, const char *name, int64_t dflt)
{
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    if (!a)
        return dflt;
    if (a->has_i || a->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT)
        return a->i;
    return a->n_ints == 1 ? a->ints[0] : dflt;
}

float onnx_attr_float(const onnx_node *n, const char *name, float dflt)
{
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    if (!a)
        return dflt;
    if (a->has_f || a->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT)
        return a->f;
    return a->n_floats == 1 ? a->floats[0] : dflt;
}

size_t onnx_attr_ints(const onnx_node *n, const char *name, const int64_t **v)
{
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    *v = a ? a->ints : NULL;
    return a ? a->n_ints : 0;
}

const char *onnx_attr_string(const onnx_node *n, const char *name, const char *dflt)
{
    static _Thread_local char buf[64];
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    if (!a || !a->has_s)
        return dflt;
    size_t len = a->s.len < sizeof(buf) - 1 ? a->s.len : sizeof(buf) - 1;
    memcpy(buf, a->s.data, len);
    buf[len] = '\0';
    return buf;
}

const char *onnx_node_name(const onnx_node *n)
{
    return n->proto->name && n->proto->name[0] ? n->proto->name : "(unnamed)";
}

static clnn_status node_vfail(const onnx_node *n, clnn_status s, const char *fmt,
                              va_list ap)
{
    char what[512];
    vsnprintf(what, sizeof(what), fmt, ap);
    return clnn_fail(s, "onnx: node '%s' (%s): %s", onnx_node_name(n),
                     n->proto->op_type ? n->proto->op_type : "?", what);
}

clnn_status onnx_unsupported(const onnx_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    clnn_status s = node_vfail(n, CLNN_NOT_SUPPORTED, fmt, ap);
    va_end(ap);
    return s;
}

clnn_status onnx_node_fail(const onnx_node *n, clnn_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    clnn_status s = node_vfail(n, st, fmt, ap);
    va_end(ap);
    return s;
}

clnn_status onnx_axis(const onnx_node *n, int64_t axis, int rank, int *out)
{
    if (axis < -rank || axis >= rank)
        return onnx_node_fail(n, CLNN_INVALID_VALUE, "axis %lld out of range for rank %d",
                              (long long)axis, rank);
    *out = (int)(axis < 0 ? axis + rank : axis);
    return CLNN_SUCCESS;
}
