/* Kernel sources embedded at build time (build-aux/cl2c.sh -> cl_sources.c). */
#ifndef CLNN_CL_SOURCES_H
#define CLNN_CL_SOURCES_H

#include <stddef.h>

struct clnn_cl_source {
    const char *name; /* "elementwise.cl", "common.clh" */
    const char *text;
};

extern const struct clnn_cl_source clnn_cl_sources[];
extern const size_t clnn_cl_source_count;

#endif
