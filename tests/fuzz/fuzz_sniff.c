/*
 * fuzz_sniff: the attachment type sniffer (core_attachment_sniff). Properties: an answer
 * is one of the accepted media types with its extension, and the same whether the
 * extension is asked for or not. The input is an exact-size buffer, so ASan reports any
 * read past len.
 */
#include <string.h>

#include "fuzz.h"
#include "core/attachment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *ext = NULL;
    const char *type = core_attachment_sniff((const char *)data, size, &ext);
    if (type == NULL)
        return 0;
    static const char *const ok[][2] = {
        {"application/pdf", "pdf"},
        {"image/png", "png"},
        {"image/jpeg", "jpg"},
        {"application/vnd.oasis.opendocument.text", "odt"},
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
    };
    int found = 0;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strcmp(type, ok[i][0]) == 0 && ext != NULL && strcmp(ext, ok[i][1]) == 0)
            found = 1;
    FUZZ_CHECK(found);
    /* the same answer without asking for the extension */
    FUZZ_CHECK(core_attachment_sniff((const char *)data, size, NULL) == type);
    return 0;
}
