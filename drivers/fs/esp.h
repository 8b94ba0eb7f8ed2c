/* The ESP file system (esp.c), for tests: its table entry, and a way to
 * forget the mount when the disks go. */
#ifndef HVRT_DRIVERS_ESP_H
#define HVRT_DRIVERS_ESP_H

#include <hvrt/fs.h>

extern const struct hvrt_fs esp_fs;
void esp_forget(void);

#endif
