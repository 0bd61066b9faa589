/* libFuzzer harness for the IDX reader (plain or gzip). clnn_idx_load takes a
 * path, so each input is written to one temporary file first. No device needed. */
#include <clnn/data.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[4096];

static void remove_file(void)
{
    unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    clnn_log_set_level(CLNN_LOG_OFF);
    /* Memory-backed /dev/shm when there is one: on a disk each input costs ms. */
    const char *dir = getenv("TMPDIR");
    if (!dir || !dir[0])
        dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, sizeof(path), "%s/clnn-fuzz-idx-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("fuzz-idx: mkstemp");
        exit(1);
    }
    close(fd);
    atexit(remove_file);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror("fuzz-idx: writing the input");
        abort();
    }
    clnn_idx *idx = NULL;
    if (clnn_idx_load(path, &idx) != CLNN_SUCCESS) {
        (void)strlen(clnn_last_error());
        return 0;
    }
    size_t count = 1;
    for (int i = 0; i < idx->rank; i++)
        count *= idx->dims[i];
    if (idx->rank < 1 || idx->rank > CLNN_IDX_MAX_RANK || count != idx->count)
        abort();
    /* Touch the last byte so ASan sees a buffer shorter than the header says. */
    size_t bytes = idx->count * idx->element_size;
    if (((volatile unsigned char *)idx->data)[bytes - 1] == 0x5a)
        idx->count = count;
    clnn_idx_free(idx);
    return 0;
}
