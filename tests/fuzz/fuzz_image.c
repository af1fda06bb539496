/*
 * fuzz_image: the image header reader (core_image_probe in core/image.c: PNG's IHDR, the
 * JPEG segments up to the first start-of-frame), what every logo and contact photo
 * upload is judged by.
 *
 * Properties: the answer is 0, CORE_EINVALID or CORE_EBADREQ; CORE_EBADREQ exactly when the
 * bytes start with neither the PNG signature nor a JPEG start-of-image marker, and then no
 * type; otherwise the type follows the signature; 0 only with both sides in
 * 1..CORE_IMAGE_SIDE_MAX; the reader looks at no byte past len (ASan: the input is copied
 * to a buffer of exactly len bytes).
 */
#include <string.h>

#include "core/error.h"
#include "core/image.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *b = malloc(size ? size : 1);
    memcpy(b, data, size);
    const char *type = "unset";
    unsigned w = 7, h = 7;
    int rc = core_image_probe(b, size, &type, &w, &h);
    bool png = size >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0;
    bool jpeg = size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
    FUZZ_CHECK(rc == 0 || rc == CORE_EINVALID || rc == CORE_EBADREQ);
    FUZZ_CHECK((rc == CORE_EBADREQ) == (!png && !jpeg));
    if (rc == CORE_EBADREQ) {
        FUZZ_CHECK(type == NULL);
    } else {
        FUZZ_CHECK(type != NULL && strcmp(type, png ? "image/png" : "image/jpeg") == 0);
    }
    if (rc == 0)
        FUZZ_CHECK(w >= 1 && w <= CORE_IMAGE_SIDE_MAX && h >= 1 && h <= CORE_IMAGE_SIDE_MAX);
    free(b);
    return 0;
}
