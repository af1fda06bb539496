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
