/* Parameter access from the host and safetensors save/load of the weights. */
#include "model.h"
#include "../core/check.h"

#include <stdlib.h>
#include <string.h>

static clnn_status check_param(const clnn_model *m, int index, const char *fn)
{
    if (!m) return clnn_fail(CLNN_NULL_POINTER, "%s: model is NULL", fn);
    if (!m->compiled) return clnn_fail(CLNN_INVALID_VALUE, "%s: compile the model first", fn);
    if (index < 0 || index >= m->nparams)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: index %d is outside 0..%d", fn, index,
                         m->nparams - 1);
    return CLNN_SUCCESS;
}

clnn_status clnn_model_param_tensors(clnn_model_t m, int *count)
{
    if (!m || !count)
        return clnn_fail(CLNN_NULL_POINTER, "clnn_model_param_tensors: %s is NULL",
                         m ? "count" : "model");
    *count = m->nparams;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_get_param(clnn_model_t m, int index, const char **name,
                                 clnn_tensor_desc *desc, float *values, float *grad)
{
    clnn_status st = check_param(m, index, "clnn_model_get_param");
    if (st) return st;
    const model_param *p = &m->params[index];
    if (values && (st = clnn_buffer_read(m->ctx, p->value, 0, values, p->bytes))) return st;
    if (grad && (st = clnn_buffer_read(m->ctx, p->grad, 0, grad, p->bytes))) return st;
    if (name) *name = p->name;
    if (desc) *desc = p->desc;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_set_param(clnn_model_t m, int index, const float *values)
{
    clnn_status st = check_param(m, index, "clnn_model_set_param");
    if (st) return st;
    if (!values) return clnn_fail(CLNN_NULL_POINTER, "clnn_model_set_param: values is NULL");
    return clnn_buffer_write(m->ctx, m->params[index].value, 0, values, m->params[index].bytes);
}

/* Host copies of every parameter, in one allocation (offsets in `at`). */
static clnn_status host_buffer(const clnn_model *m, const char *fn, size_t *at, float **out)
{
    size_t total = 0;
    for (int i = 0; i < m->nparams; i++) {
        at[i] = total;
        total += m->params[i].bytes / sizeof(float);
    }
    *out = malloc(total ? total * sizeof(float) : 1);
    return *out ? CLNN_SUCCESS : clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: out of memory", fn);
}

clnn_status clnn_model_save_weights(clnn_model_t m, const char *path)
{
    const char *fn = "clnn_model_save_weights";
    clnn_status st = check_param(m, 0, fn);
    if (st) return st;
    if (!path) return clnn_fail(CLNN_NULL_POINTER, "%s: path is NULL", fn);
    size_t at[MODEL_MAX_PARAMS];
    clnn_safetensors_entry entries[MODEL_MAX_PARAMS];
    float *host;
    if ((st = host_buffer(m, fn, at, &host))) return st;
    for (int i = 0; i < m->nparams && !st; i++) {
        const model_param *p = &m->params[i];
        st = clnn_buffer_read(m->ctx, p->value, 0, host + at[i], p->bytes);
        memset(&entries[i], 0, sizeof entries[i]);
        entries[i].name = p->name;
        entries[i].dtype = CLNN_FLOAT32;
        entries[i].rank = p->desc.rank;
        memcpy(entries[i].dims, p->desc.dims, sizeof entries[i].dims);
        entries[i].data = host + at[i];
    }
    const char *meta[2] = {"format", "clnn"};
    if (!st) st = clnn_safetensors_save(path, entries, (size_t)m->nparams, meta, 1);
    free(host);
    return st;
}

/* Copies every parameter out of the file into host memory, or fails naming it. */
static clnn_status read_all(const clnn_model *m, const clnn_safetensors *file,
                            const char *path, const size_t *at, float *host)
{
    const char *fn = "clnn_model_load_weights";
    for (int i = 0; i < m->nparams; i++) {
        const model_param *p = &m->params[i];
        clnn_safetensors_info info;
        if (clnn_safetensors_find(file, p->name, &info) != CLNN_SUCCESS)
            return clnn_fail(CLNN_BAD_FORMAT, "%s: %s has no tensor '%s'", fn, path, p->name);
        int same = info.has_dtype && info.dtype == CLNN_FLOAT32 && info.rank == p->desc.rank;
        for (int d = 0; same && d < info.rank; d++) same = info.dims[d] == p->desc.dims[d];
        if (!same) {
            char want[96];
            clnn_format_shape(&p->desc, want, sizeof want);
            return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: tensor '%s' in %s is %s of rank %d, "
                             "expected F32 %s", fn, p->name, path, info.dtype_name, info.rank,
                             want);
        }
        clnn_status st = clnn_safetensors_read(file, p->name, host + at[i], p->bytes);
        if (st) return st;
    }
    return CLNN_SUCCESS;
}

clnn_status clnn_model_load_weights(clnn_model_t m, const char *path)
{
    const char *fn = "clnn_model_load_weights";
    clnn_status st = check_param(m, 0, fn);
    if (st) return st;
    if (!path) return clnn_fail(CLNN_NULL_POINTER, "%s: path is NULL", fn);
    clnn_safetensors *file;
    if ((st = clnn_safetensors_load(path, &file))) return st;
    size_t at[MODEL_MAX_PARAMS];
    float *host;
    if (!(st = host_buffer(m, fn, at, &host))) {
        st = read_all(m, file, path, at, host);
        for (int i = 0; i < m->nparams && !st; i++)
            st = clnn_buffer_write(m->ctx, m->params[i].value, 0, host + at[i],
                                   m->params[i].bytes);
        free(host);
    }
    clnn_safetensors_free(file);
    return st;
}
