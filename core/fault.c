/* fault.c: see fault.h. Deliberately simple: it runs only where tests enable it. */
#include "core/fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool core_fault(const char *point)
{
    const char *path = getenv("ECCPD_FAULT_FILE");
    if (path == NULL || *path == '\0')
        return false;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    char line[128];
    bool hit = false;
    while (!hit && fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        hit = strcmp(line, point) == 0;
    }
    fclose(f);
    return hit;
}

int64_t core_fault_clock_skew(void)
{
    static _Atomic int64_t skew = -1;
    int64_t v = skew;
    if (v < 0) {
        const char *s = getenv("ECCPD_FAULT_CLOCK_SKEW");
        v = s != NULL ? strtoll(s, NULL, 10) : 0;
        if (v < 0)
            v = 0;
        skew = v;
    }
    return v;
}
