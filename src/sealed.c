#include "sealed.h"

#include "os.h"

sealed_t sealed;

_Static_assert(sizeof(sealed_t) % OS_PAGE == 0, "the sealed state fills whole pages");

void sealed_seal(void) { os_protect_read(&sealed, sizeof sealed); }
