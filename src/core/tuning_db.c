/* The tuning database (include/clnn/tuning.h): one small text file per device and
 * driver in the cache directory. The header names what the file was measured on
 * and must match exactly; each entry line carries its own checksum, so one bad
 * line costs only its family. Writes go through a temporary file and a rename. */
#include "tuning.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DB_MAX_BYTES (64 * 1024)
#define DB_MAX_ENTRIES 16

static char *db_header(clnn_context_t ctx)
{
    const clnn_device_info *d = &ctx->info;
    size_t n = strlen(d->platform_name) + strlen(d->device_name) + strlen(d->driver_version) +
               96;
    char *h = malloc(n);
    if (h)
        snprintf(h, n, "clnn tuning database 1\nplatform %s\ndevice %s\ndriver %s\n",
                 d->platform_name, d->device_name, d->driver_version);
    return h;
}

char *clnn_tuning_db_path(clnn_context_t ctx)
{
    if (!ctx->cache_dir) return NULL;
    char *header = db_header(ctx);
    if (!header) return NULL;
    uint64_t h = clnn_hash64(header, strlen(header), CLNN_HASH_SEED);
    free(header);
    size_t n = strlen(ctx->cache_dir) + 40;
    char *path = malloc(n);
    if (path) snprintf(path, n, "%s/tuning-%016llx.txt", ctx->cache_dir, (unsigned long long)h);
    return path;
}

static bool is_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= CLNN_TUNING_NAME_MAX) return false;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

clnn_status clnn_tuning_check(const clnn_tuning_params *p, const char *fn)
{
    char family[CLNN_TUNING_NAME_MAX + 1];
    memcpy(family, p->family, CLNN_TUNING_NAME_MAX);
    family[CLNN_TUNING_NAME_MAX] = '\0';
    if (!is_name(family))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: params->family '%.32s' is not a kernel family name",
                         fn, family);
    if (p->count < 1 || p->count > CLNN_TUNING_MAX_PARAMS)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: params->count is %u (must be 1..%d)", fn,
                         p->count, CLNN_TUNING_MAX_PARAMS);
    for (unsigned i = 0; i < p->count; i++) {
        char name[CLNN_TUNING_NAME_MAX + 1];
        memcpy(name, p->names[i], CLNN_TUNING_NAME_MAX);
        name[CLNN_TUNING_NAME_MAX] = '\0';
        if (!is_name(name))
            return clnn_fail(CLNN_INVALID_VALUE, "%s: params->names[%u] '%.32s' is not a name", fn,
                             i, name);
    }
    return CLNN_SUCCESS;
}

/* "<family> <NAME>=<value> ..." without the checksum. */
static void format_entry(const clnn_tuning_params *p, char *out, size_t len)
{
    size_t used = (size_t)snprintf(out, len, "%s", p->family);
    for (unsigned i = 0; i < p->count && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, " %s=%zu", p->names[i], p->values[i]);
}

static uint64_t entry_checksum(const char *text, size_t len)
{
    return clnn_hash64(text, len, CLNN_HASH_SEED);
}

/* Parses one entry line (modified in place); false if it is malformed. */
static bool parse_entry(char *line, clnn_tuning_params *p)
{
    char *mark = strstr(line, " checksum=");
    if (!mark) return false;
    char *end;
    errno = 0;
    unsigned long long sum = strtoull(mark + 10, &end, 16);
    if (errno || end != mark + 26 || *end) return false;
    if (entry_checksum(line, (size_t)(mark - line)) != sum) return false;
    *mark = '\0';
    memset(p, 0, sizeof *p);
    char *save = NULL;
    char *tok = strtok_r(line, " ", &save);
    if (!tok || !is_name(tok)) return false;
    strcpy(p->family, tok);
    while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
        char *eq = strchr(tok, '=');
        if (!eq || p->count == CLNN_TUNING_MAX_PARAMS) return false;
        *eq = '\0';
        errno = 0;
        unsigned long long v = strtoull(eq + 1, &end, 10);
        if (!is_name(tok) || errno || end == eq + 1 || *end || eq[1] == '-' || v > SIZE_MAX)
            return false;
        strcpy(p->names[p->count], tok);
        p->values[p->count++] = (size_t)v;
    }
    return p->count > 0;
}

/* Reads the file's valid entries; false when there is no usable file. */
static bool db_load(clnn_context_t ctx, const char *path, clnn_tuning_params *entries,
                    size_t *count)
{
    *count = 0;
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char *text = malloc(DB_MAX_BYTES + 1);
    size_t n = text ? fread(text, 1, DB_MAX_BYTES + 1, f) : 0;
    fclose(f);
    char *header = db_header(ctx);
    bool ok = text && header && n <= DB_MAX_BYTES;
    if (ok) {
        text[n] = '\0';
        ok = strncmp(text, header, strlen(header)) == 0;
        if (!ok)
            clnn_log_warn("tuning database %s ignored: made for another device or driver", path);
    } else if (text && n > DB_MAX_BYTES) {
        clnn_log_warn("tuning database %s ignored: larger than %d bytes", path, DB_MAX_BYTES);
    }
    char *save = NULL;
    int line_no = 4;
    for (char *line = ok ? strtok_r(text + strlen(header), "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        line_no++;
        if (*count == DB_MAX_ENTRIES) break;
        if (parse_entry(line, &entries[*count])) (*count)++;
        else clnn_log_warn("tuning database %s: line %d ignored (malformed or corrupt)", path,
                           line_no);
    }
    free(header);
    free(text);
    return ok;
}

bool clnn_tuning_db_find(clnn_context_t ctx, const char *family, clnn_tuning_params *out)
{
    char *path = clnn_tuning_db_path(ctx);
    clnn_tuning_params *entries = path ? malloc(DB_MAX_ENTRIES * sizeof *entries) : NULL;
    size_t count = 0;
    bool found = false;
    if (entries && db_load(ctx, path, entries, &count))
        for (size_t i = count; i-- > 0 && !found;) /* the last entry of a family wins */
            if (strcmp(entries[i].family, family) == 0) {
                *out = entries[i];
                found = true;
            }
    free(entries);
    free(path);
    return found;
}

static bool write_entries(FILE *f, const char *header, const clnn_tuning_params *entries,
                          size_t count)
{
    bool ok = fputs(header, f) >= 0;
    for (size_t i = 0; i < count && ok; i++) {
        char line[CLNN_TUNING_MAX_PARAMS * (CLNN_TUNING_NAME_MAX + 24) + 64];
        format_entry(&entries[i], line, sizeof line);
        ok = fprintf(f, "%s checksum=%016llx\n", line,
                     (unsigned long long)entry_checksum(line, strlen(line))) > 0;
    }
    return ok;
}

clnn_status clnn_tuning_db_store(clnn_context_t ctx, const clnn_tuning_params *p)
{
    char *path = clnn_tuning_db_path(ctx);
    char *header = db_header(ctx);
    clnn_tuning_params *entries = malloc((DB_MAX_ENTRIES + 1) * sizeof *entries);
    char *tmp = path ? malloc(strlen(path) + 8) : NULL;
    clnn_status st = path && header && entries && tmp
                         ? CLNN_SUCCESS
                         : clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "clnn_tuning_save: out of memory");
    size_t count = 0;
    if (st == CLNN_SUCCESS) {
        db_load(ctx, path, entries, &count);
        size_t keep = 0; /* drop the family's old entry, keep the rest in order */
        for (size_t i = 0; i < count; i++)
            if (strcmp(entries[i].family, p->family) != 0) entries[keep++] = entries[i];
        entries[keep] = *p;
        count = keep + 1;
        sprintf(tmp, "%s.XXXXXX", path);
        int fd = mkstemp(tmp);
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
        bool ok = f && write_entries(f, header, entries, count);
        if (f) ok = fclose(f) == 0 && ok;
        else if (fd >= 0) close(fd);
        if (ok) ok = rename(tmp, path) == 0;
        if (!ok) {
            st = clnn_fail(CLNN_IO_ERROR, "clnn_tuning_save: cannot write %s: %s", path,
                           strerror(errno));
            if (fd >= 0) unlink(tmp);
        }
    }
    free(tmp);
    free(entries);
    free(header);
    free(path);
    return st;
}
