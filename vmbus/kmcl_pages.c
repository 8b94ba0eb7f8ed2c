/* hvrt's extension to the KMCL face: whole pages a client can share with
 * the host. A GPADL or GPA-direct data must be memory the platform can name
 * by guest-physical address; on the hosted platform malloc's memory is not
 * (it lies outside the simulated guest's RAM), so drivers ask here. */
#include <hvrt/vmbus.h>
#include "arch/platform.h"

PVOID HvrtAllocatePages(UINT32 PageCount)
{
    uint64_t gpa;
    return PageCount == 0 ? NULL : platform_pages_alloc(PageCount, &gpa);
}

void HvrtFreePages(PVOID Pages, UINT32 PageCount)
{
    if (Pages != NULL && PageCount != 0)
        platform_pages_free(Pages, PageCount);
}
