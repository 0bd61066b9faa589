/* A set of live handles, so that a destroyed context or tensor passed back in is
 * reported as CLNN_INVALID_VALUE instead of being dereferenced. */
#include "context.h"

#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t handles_lock = PTHREAD_MUTEX_INITIALIZER;
static const void **handles;
static size_t handle_count, handle_capacity;

clnn_status clnn_handle_register(const void *handle)
{
    clnn_status st = CLNN_SUCCESS;
    pthread_mutex_lock(&handles_lock);
    if (handle_count == handle_capacity) {
        size_t cap = handle_capacity ? handle_capacity * 2 : 64;
        const void **grown = realloc(handles, cap * sizeof *grown);
        if (grown) {
            handles = grown;
            handle_capacity = cap;
        } else {
            st = clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "handle registry: out of memory");
        }
    }
    if (st == CLNN_SUCCESS) handles[handle_count++] = handle;
    pthread_mutex_unlock(&handles_lock);
    return st;
}

void clnn_handle_unregister(const void *handle)
{
    pthread_mutex_lock(&handles_lock);
    for (size_t i = 0; i < handle_count; i++) {
        if (handles[i] == handle) {
            handles[i] = handles[--handle_count];
            break;
        }
    }
    pthread_mutex_unlock(&handles_lock);
}

bool clnn_handle_is_live(const void *handle)
{
    bool live = false;
    pthread_mutex_lock(&handles_lock);
    /* Newest first: the handles a program uses most are usually recent. */
    for (size_t i = handle_count; i-- > 0;) {
        if (handles[i] == handle) {
            live = true;
            break;
        }
    }
    pthread_mutex_unlock(&handles_lock);
    return live;
}
