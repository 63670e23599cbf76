/* The library's version (see bothive/version.h). */
#include "bothive/version.h"

const char *bh_version(int *number)
{
    if (number)
        *number = BH_VERSION_NUMBER;
    return BH_VERSION_STRING;
}
