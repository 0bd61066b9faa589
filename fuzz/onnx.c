/* libFuzzer harness for the ONNX loader: clnn_onnx_model_load_memory on the
 * input, then every shape query. Loading uploads the initializers, so one
 * context on the default device (PoCL) is made at start-up; models are never
 * run (that would compile kernels per input). External data is looked up in a
 * temporary directory holding one 64-byte file, e.bin, so the fuzzer reaches the
 * external-data checks without making the loader read other files. */
#include <clnn/onnx.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static clnn_context_t ctx;
static char base_dir[4096], data_file[4200];

static void remove_dir(void)
{
    unlink(data_file);
    rmdir(base_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    clnn_log_set_level(CLNN_LOG_OFF);
    if (clnn_context_create(&ctx) != CLNN_SUCCESS) {
        fprintf(stderr, "fuzz-onnx: no OpenCL context: %s\n", clnn_last_error());
        exit(1);
    }
    const char *dir = getenv("TMPDIR");
    snprintf(base_dir, sizeof(base_dir), "%s/clnn-fuzz-onnx-XXXXXX",
             dir && dir[0] ? dir : "/tmp");
    if (!mkdtemp(base_dir)) {
        perror("fuzz-onnx: mkdtemp");
        exit(1);
    }
    atexit(remove_dir);
    snprintf(data_file, sizeof(data_file), "%s/e.bin", base_dir);
    static const float values[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    FILE *f = fopen(data_file, "wb");
    if (!f || fwrite(values, sizeof(values), 1, f) != 1 || fclose(f) != 0) {
        perror("fuzz-onnx: writing e.bin");
        exit(1);
    }
    return 0;
}

static void query(clnn_onnx_model_t model)
{
    int n = 0;
    clnn_onnx_value info;
    const char *op, *name;
    if (clnn_onnx_model_input_count(model, &n) != CLNN_SUCCESS)
        abort();
    for (int i = 0; i < n; i++)
        if (clnn_onnx_model_input_info(model, i, &info) != CLNN_SUCCESS)
            abort();
    if (clnn_onnx_model_output_count(model, &n) != CLNN_SUCCESS)
        abort();
    for (int i = 0; i < n; i++)
        if (clnn_onnx_model_output_info(model, i, &info) != CLNN_SUCCESS)
            abort();
    if (clnn_onnx_model_node_count(model, &n) != CLNN_SUCCESS)
        abort();
    for (int i = 0; i < n; i++)
        if (clnn_onnx_model_node_info(model, i, &op, &name, &info) != CLNN_SUCCESS ||
            !op || !name)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clnn_onnx_model_t model = NULL;
    /* protobuf-c wants a non-NULL pointer even for an empty message */
    static const uint8_t empty;
    clnn_status s = clnn_onnx_model_load_memory(ctx, size ? (const void *)data : &empty,
                                                size, base_dir, &model);
    if (s != CLNN_SUCCESS) {
        (void)strlen(clnn_last_error());
        return 0;
    }
    query(model);
    clnn_onnx_model_destroy(model);
    return 0;
}
