/* Status names and the thread-local last-error message. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define CLNN_ERROR_MAX 16384

static _Thread_local char last_error[CLNN_ERROR_MAX];

const char *clnn_status_string(clnn_status status)
{
    switch (status) {
    case CLNN_SUCCESS: return "CLNN_SUCCESS";
    case CLNN_INVALID_VALUE: return "CLNN_INVALID_VALUE";
    case CLNN_NULL_POINTER: return "CLNN_NULL_POINTER";
    case CLNN_SHAPE_MISMATCH: return "CLNN_SHAPE_MISMATCH";
    case CLNN_OUT_OF_HOST_MEMORY: return "CLNN_OUT_OF_HOST_MEMORY";
    case CLNN_OUT_OF_DEVICE_MEMORY: return "CLNN_OUT_OF_DEVICE_MEMORY";
    case CLNN_NOT_SUPPORTED: return "CLNN_NOT_SUPPORTED";
    case CLNN_DEVICE_NOT_FOUND: return "CLNN_DEVICE_NOT_FOUND";
    case CLNN_BUILD_PROGRAM_FAILURE: return "CLNN_BUILD_PROGRAM_FAILURE";
    case CLNN_OPENCL_ERROR: return "CLNN_OPENCL_ERROR";
    case CLNN_INSUFFICIENT_WORKSPACE: return "CLNN_INSUFFICIENT_WORKSPACE";
    case CLNN_IO_ERROR: return "CLNN_IO_ERROR";
    case CLNN_BAD_FORMAT: return "CLNN_BAD_FORMAT";
    case CLNN_INTERNAL: return "CLNN_INTERNAL";
    }
    return "CLNN_UNKNOWN_STATUS";
}

const char *clnn_last_error(void) { return last_error; }

void clnn_clear_error(void) { last_error[0] = '\0'; }

const char *clnn_version(void) { return PACKAGE_VERSION; }

clnn_status clnn_fail(clnn_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    clnn_log_debug("%s: %s", clnn_status_string(status), last_error);
    return status;
}

void clnn_error_append(const char *text)
{
    size_t used = strlen(last_error);
    if (used + 1 < sizeof last_error)
        snprintf(last_error + used, sizeof last_error - used, "%s", text);
}

const char *clnn_cl_error_name(cl_int err)
{
    switch (err) {
#define NAME(e) case e: return #e;
    NAME(CL_SUCCESS) NAME(CL_DEVICE_NOT_FOUND) NAME(CL_DEVICE_NOT_AVAILABLE)
    NAME(CL_COMPILER_NOT_AVAILABLE) NAME(CL_MEM_OBJECT_ALLOCATION_FAILURE)
    NAME(CL_OUT_OF_RESOURCES) NAME(CL_OUT_OF_HOST_MEMORY)
    NAME(CL_PROFILING_INFO_NOT_AVAILABLE) NAME(CL_MEM_COPY_OVERLAP)
    NAME(CL_IMAGE_FORMAT_MISMATCH) NAME(CL_IMAGE_FORMAT_NOT_SUPPORTED)
    NAME(CL_BUILD_PROGRAM_FAILURE) NAME(CL_MAP_FAILURE)
    NAME(CL_MISALIGNED_SUB_BUFFER_OFFSET)
    NAME(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
    NAME(CL_COMPILE_PROGRAM_FAILURE) NAME(CL_LINKER_NOT_AVAILABLE)
    NAME(CL_LINK_PROGRAM_FAILURE) NAME(CL_DEVICE_PARTITION_FAILED)
    NAME(CL_KERNEL_ARG_INFO_NOT_AVAILABLE) NAME(CL_INVALID_VALUE)
    NAME(CL_INVALID_DEVICE_TYPE) NAME(CL_INVALID_PLATFORM) NAME(CL_INVALID_DEVICE)
    NAME(CL_INVALID_CONTEXT) NAME(CL_INVALID_QUEUE_PROPERTIES)
    NAME(CL_INVALID_COMMAND_QUEUE) NAME(CL_INVALID_HOST_PTR)
    NAME(CL_INVALID_MEM_OBJECT) NAME(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR)
    NAME(CL_INVALID_IMAGE_SIZE) NAME(CL_INVALID_SAMPLER) NAME(CL_INVALID_BINARY)
    NAME(CL_INVALID_BUILD_OPTIONS) NAME(CL_INVALID_PROGRAM)
    NAME(CL_INVALID_PROGRAM_EXECUTABLE) NAME(CL_INVALID_KERNEL_NAME)
    NAME(CL_INVALID_KERNEL_DEFINITION) NAME(CL_INVALID_KERNEL)
    NAME(CL_INVALID_ARG_INDEX) NAME(CL_INVALID_ARG_VALUE) NAME(CL_INVALID_ARG_SIZE)
    NAME(CL_INVALID_KERNEL_ARGS) NAME(CL_INVALID_WORK_DIMENSION)
    NAME(CL_INVALID_WORK_GROUP_SIZE) NAME(CL_INVALID_WORK_ITEM_SIZE)
    NAME(CL_INVALID_GLOBAL_OFFSET) NAME(CL_INVALID_EVENT_WAIT_LIST)
    NAME(CL_INVALID_EVENT) NAME(CL_INVALID_OPERATION) NAME(CL_INVALID_GL_OBJECT)
    NAME(CL_INVALID_BUFFER_SIZE) NAME(CL_INVALID_MIP_LEVEL)
    NAME(CL_INVALID_GLOBAL_WORK_SIZE) NAME(CL_INVALID_PROPERTY)
    NAME(CL_INVALID_IMAGE_DESCRIPTOR) NAME(CL_INVALID_COMPILER_OPTIONS)
    NAME(CL_INVALID_LINKER_OPTIONS) NAME(CL_INVALID_DEVICE_PARTITION_COUNT)
#undef NAME
    case -1001: return "CL_PLATFORM_NOT_FOUND_KHR";
    }
    return "CL_UNKNOWN_ERROR";
}

clnn_status clnn_fail_cl(cl_int err, const char *what)
{
    clnn_status status;
    switch (err) {
    case CL_OUT_OF_HOST_MEMORY: status = CLNN_OUT_OF_HOST_MEMORY; break;
    case CL_MEM_OBJECT_ALLOCATION_FAILURE:
    case CL_INVALID_BUFFER_SIZE:
    case CL_OUT_OF_RESOURCES: status = CLNN_OUT_OF_DEVICE_MEMORY; break;
    case CL_BUILD_PROGRAM_FAILURE: status = CLNN_BUILD_PROGRAM_FAILURE; break;
    case CL_DEVICE_NOT_FOUND:
    case -1001: status = CLNN_DEVICE_NOT_FOUND; break;
    default: status = CLNN_OPENCL_ERROR; break;
    }
    return clnn_fail(status, "%s: %s (%d)", what, clnn_cl_error_name(err), (int)err);
}
