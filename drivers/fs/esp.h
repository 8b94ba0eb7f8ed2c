/* The ESP file system (esp.c; its entry, hvrt_esp_fs, is in hvrt/fs.h),
 * for tests: a way to forget the mount when the disks go. */
#ifndef HVRT_DRIVERS_ESP_H
#define HVRT_DRIVERS_ESP_H

#include <hvrt/fs.h>

void esp_forget(void);

#endif
