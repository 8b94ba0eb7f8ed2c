#ifndef HVRT_LIB_APPS_H
#define HVRT_LIB_APPS_H

/* The app running now, for fault reports; NULL in the runtime itself. */
const char *apps_current_name(void);

#endif
