/* newlib's malloc brackets its work with __malloc_lock/__malloc_unlock
 * (no-ops in newlib's own build, which has no threads). Here they keep the
 * dispatch thread from preempting a passive thread inside malloc, so a dpc
 * may allocate too. They nest; newlib calls them on the same thread. */
#include <reent.h>

#include "lib/thread.h"

void __malloc_lock(struct _reent *r)
{
    (void)r;
    thread_preempt_disable();
}

void __malloc_unlock(struct _reent *r)
{
    (void)r;
    thread_preempt_enable();
}
