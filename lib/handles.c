/* The handle table behind lib/handles.h: a growable array of pointers,
 * free slots found by a scan (there are few). */
#include <stdlib.h>

#include "lib/handles.h"

static void **slots;
static uint32_t slot_count;

uint32_t handle_new(void *object)
{
    uint32_t i = 0;
    while (i < slot_count && slots[i] != NULL)
        i++;
    if (i == slot_count) {
        uint32_t grown = slot_count ? slot_count * 2 : 32;
        void **bigger = realloc(slots, grown * sizeof(*slots));
        if (bigger == NULL)
            return 0;
        for (uint32_t k = slot_count; k < grown; k++)
            bigger[k] = NULL;
        slots = bigger;
        slot_count = grown;
    }
    slots[i] = object;
    return i + 1;
}

void *handle_get(uint32_t handle)
{
    return handle >= 1 && handle <= slot_count ? slots[handle - 1] : NULL;
}

void handle_free(uint32_t handle)
{
    if (handle >= 1 && handle <= slot_count)
        slots[handle - 1] = NULL;
}
