/* On-disk cache of built program binaries (DESIGN section 5).
 *
 * One file per program identity, named by the identity's hash:
 *   magic "CLNNBIN1" | u32 identity length | u64 binary size | u64 checksum |
 *   identity bytes | binary bytes
 * The identity (source hash, options, device, driver, clnn version) is stored in
 * full and compared, so a hash collision or a foreign file is never trusted. Writes
 * go to a temporary file that is renamed into place, so readers never see half a
 * file. */
#include "program.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char cache_magic[8] = {'C', 'L', 'N', 'N', 'B', 'I', 'N', '1'};
#define HEADER_SIZE (8 + 4 + 8 + 8)
#define MAX_ENTRY_SIZE ((size_t)1 << 30)

char *clnn_disk_cache_path(const char *dir, const char *identity)
{
    uint64_t h = clnn_hash64(identity, strlen(identity), CLNN_HASH_SEED);
    size_t n = strlen(dir) + 32;
    char *path = malloc(n);
    if (path) snprintf(path, n, "%s/%016llx.bin", dir, (unsigned long long)h);
    return path;
}

static uint64_t entry_checksum(const char *identity, size_t id_len,
                               const unsigned char *binary, size_t size)
{
    return clnn_hash64(binary, size, clnn_hash64(identity, id_len, CLNN_HASH_SEED));
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *data = NULL;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && (size_t)st.st_size <= MAX_ENTRY_SIZE) {
        data = malloc((size_t)st.st_size);
        if (data && fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
            free(data);
            data = NULL;
        }
        *size = (size_t)st.st_size;
    }
    fclose(f);
    return data;
}

unsigned char *clnn_disk_cache_load(const char *dir, const char *identity, size_t *size)
{
    char *path = clnn_disk_cache_path(dir, identity);
    if (!path) return NULL;
    size_t file_size = 0;
    unsigned char *file = read_file(path, &file_size);
    unsigned char *binary = NULL;
    const char *problem = NULL;
    size_t id_len = strlen(identity);
    if (!file) {
        if (access(path, F_OK) == 0) problem = "unreadable or empty";
    } else if (file_size < HEADER_SIZE || memcmp(file, cache_magic, 8) != 0) {
        problem = "not a clnn cache entry";
    } else {
        uint32_t stored_id_len = get_u32(file + 8);
        uint64_t bin_size = get_u64(file + 12);
        uint64_t checksum = get_u64(file + 20);
        const unsigned char *id = file + HEADER_SIZE;
        if (stored_id_len != id_len || bin_size == 0 ||
            bin_size != file_size - HEADER_SIZE - (uint64_t)stored_id_len)
            problem = "truncated or wrong sizes";
        else if (memcmp(id, identity, id_len) != 0)
            problem = "made for another program, device or driver";
        else if (entry_checksum(identity, id_len, id + id_len, (size_t)bin_size) != checksum)
            problem = "checksum mismatch (corrupt)";
        else if ((binary = malloc((size_t)bin_size)) != NULL) {
            memcpy(binary, id + id_len, (size_t)bin_size);
            *size = (size_t)bin_size;
        }
    }
    if (problem) clnn_log_warn("program cache entry %s ignored: %s; rebuilding", path, problem);
    free(file);
    free(path);
    return binary;
}

void clnn_disk_cache_store(const char *dir, const char *identity,
                           const unsigned char *binary, size_t size)
{
    char *path = clnn_disk_cache_path(dir, identity);
    size_t id_len = strlen(identity);
    size_t tmp_len = path ? strlen(path) + 16 : 0;
    char *tmp = path ? malloc(tmp_len) : NULL;
    if (!tmp) {
        free(path);
        return;
    }
    snprintf(tmp, tmp_len, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    bool ok = false;
    if (fd >= 0) {
        unsigned char header[HEADER_SIZE];
        memcpy(header, cache_magic, 8);
        put_u32(header + 8, (uint32_t)id_len);
        put_u64(header + 12, size);
        put_u64(header + 20, entry_checksum(identity, id_len, binary, size));
        FILE *f = fdopen(fd, "wb");
        if (f) {
            ok = fwrite(header, 1, sizeof header, f) == sizeof header &&
                 fwrite(identity, 1, id_len, f) == id_len &&
                 fwrite(binary, 1, size, f) == size;
            ok = (fclose(f) == 0) && ok;
        } else {
            close(fd);
        }
        ok = ok && rename(tmp, path) == 0;
        if (!ok) unlink(tmp);
    }
    if (!ok) clnn_log_warn("cannot write program cache entry %s: %s", path, strerror(errno));
    free(tmp);
    free(path);
}

bool clnn_disk_cache_prepare(const char *dir)
{
    /* mkdir -p, then prove the directory is writable. */
    char *path = clnn_strdup(dir);
    if (!path) return false;
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    mkdir(path, 0755);
    bool ok = access(path, W_OK | X_OK) == 0;
    if (!ok)
        clnn_log_warn("program cache directory %s is not writable (%s); the disk cache "
                      "is disabled", path, strerror(errno));
    free(path);
    return ok;
}
