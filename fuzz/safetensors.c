/* libFuzzer harness for the safetensors reader: parses the input from memory and,
 * when it is accepted, reads every tensor and metadata pair back through the
 * public API (so the offsets it validated are also used). No device needed. */
#include <clnn/data.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    clnn_log_set_level(CLNN_LOG_OFF);   /* rejected inputs are the common case */
    return 0;
}

/* Touches every byte of a tensor so ASan sees any read outside the buffer. */
static void read_tensor(const clnn_safetensors *file, const clnn_safetensors_info *info)
{
    const void *bytes = NULL;
    size_t n = 0;
    if (clnn_safetensors_data(file, info->name, &bytes, &n) != CLNN_SUCCESS ||
        n != info->bytes)
        abort();
    void *copy = malloc(n ? n : 1);
    if (!copy)
        return;
    if (clnn_safetensors_read(file, info->name, copy, n) != CLNN_SUCCESS ||
        memcmp(copy, bytes, n) != 0)
        abort();
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clnn_safetensors *file = NULL;
    if (clnn_safetensors_parse(data, size, "fuzz", &file) != CLNN_SUCCESS) {
        (void)strlen(clnn_last_error());   /* the message must be a valid string */
        return 0;
    }
    size_t count = clnn_safetensors_count(file);
    for (size_t i = 0; i < count; i++) {
        clnn_safetensors_info info, found;
        if (clnn_safetensors_info_at(file, i, &info) != CLNN_SUCCESS ||
            clnn_safetensors_find(file, info.name, &found) != CLNN_SUCCESS ||
            found.bytes != info.bytes)
            abort();
        read_tensor(file, &info);
    }
    size_t pairs = clnn_safetensors_metadata_count(file);
    for (size_t i = 0; i < pairs; i++) {
        const char *key = NULL, *value = NULL;
        if (clnn_safetensors_metadata_at(file, i, &key, &value) != CLNN_SUCCESS ||
            !clnn_safetensors_metadata_get(file, key))
            abort();
        (void)strlen(value);
    }
    clnn_safetensors_free(file);
    return 0;
}
