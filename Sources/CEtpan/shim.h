#ifndef INTAKE_CETPAN_SHIM_H
#define INTAKE_CETPAN_SHIM_H
#include <libetpan/libetpan.h>

/* clist's iteration helpers are macros; Swift sees these functions instead. */
static inline clistiter *intake_clist_begin(clist *list) { return list == NULL ? NULL : list->first; }
static inline clistiter *intake_clist_next(clistiter *iter) { return iter == NULL ? NULL : iter->next; }
static inline void *intake_clist_content(clistiter *iter) { return iter == NULL ? NULL : iter->data; }
#endif
