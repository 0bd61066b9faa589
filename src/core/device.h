/* Device discovery and capability queries (device.c). */
#ifndef CLNN_DEVICE_H
#define CLNN_DEVICE_H

#include "internal.h"

/* Fills `info` for one device (the platform/device indices are left to the caller). */
clnn_status clnn_device_query(cl_platform_id platform, cl_device_id device,
                              clnn_device_info *info);

/* Whether the device supports an extension (one query; "cl_khr_fp16" ...). */
bool clnn_device_has_extension(cl_device_id device, const char *extension);

#endif
