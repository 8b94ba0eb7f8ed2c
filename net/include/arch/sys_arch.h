/* lwIP's operating-system types on hvrt's threads (lib/thread.h): a
 * semaphore is a counting semaphore, a mutex a sleeping mutex, a mailbox a
 * bounded queue guarded by a mutex and two conditions. Waiting happens only
 * at passive level; posting from dispatch level uses the trypost path. */
#ifndef HVRT_NET_ARCH_SYS_ARCH_H
#define HVRT_NET_ARCH_SYS_ARCH_H

#include <stdbool.h>
#include <stdint.h>

struct hvrt_sys_sem;
struct hvrt_sys_mutex;
struct hvrt_sys_mbox;
struct thread;

typedef struct hvrt_sys_sem *sys_sem_t;
typedef struct hvrt_sys_mutex *sys_mutex_t;
typedef struct hvrt_sys_mbox *sys_mbox_t;
typedef struct thread *sys_thread_t;
typedef unsigned long sys_prot_t;

#define SYS_MBOX_NULL NULL
#define SYS_SEM_NULL NULL

#define sys_sem_valid(s) ((s) != NULL && *(s) != NULL)
#define sys_sem_set_invalid(s) do { if ((s) != NULL) *(s) = NULL; } while (0)
#define sys_mutex_valid(m) ((m) != NULL && *(m) != NULL)
#define sys_mutex_set_invalid(m) do { if ((m) != NULL) *(m) = NULL; } while (0)
#define sys_mbox_valid(m) ((m) != NULL && *(m) != NULL)
#define sys_mbox_set_invalid(m) do { if ((m) != NULL) *(m) = NULL; } while (0)

#endif
