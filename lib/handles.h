/* Small integer handles for objects newlib's pthread types can only name
 * (pthread_t, pthread_mutex_t and pthread_cond_t are 32-bit ids in newlib
 * 3.3.0). Handles are index + 1: never 0, never the 0xFFFFFFFF of a
 * static initializer. Passive level only (they may allocate). */
#ifndef HVRT_LIB_HANDLES_H
#define HVRT_LIB_HANDLES_H

#include <stdint.h>

#define HANDLE_STATIC_INIT 0xFFFFFFFFu   /* PTHREAD_MUTEX_INITIALIZER and friends */

/* 0 when out of memory. */
uint32_t handle_new(void *object);
/* NULL for a handle that names nothing (never made, or freed). */
void *handle_get(uint32_t handle);
void handle_free(uint32_t handle);

#endif
