/* The CLNN_* environment, read in one place: once on first use, again on
 * clnn_env_reload(). Snapshots are kept (chained) while the process runs, so a
 * pointer from clnn_env_get() cannot dangle under a concurrent reload; reloads
 * are rare (tests, tools), so the chain stays short. */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct env_snapshot {
    clnn_env env;
    struct env_snapshot *older;
} env_snapshot;

static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;
static env_snapshot *current;

static int parse_log_level(const char *text)
{
    static const char *const names[] = {"off", "error", "warn", "info", "debug"};
    if (!text || !*text) return -1;
    for (size_t i = 0; i < CLNN_ARRAY_SIZE(names); i++)
        if (strcasecmp(text, names[i]) == 0) return (int)i;
    if (text[0] >= '0' && text[0] <= '4' && text[1] == '\0') return text[0] - '0';
    return -1;
}

static char *join_path(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p) {
        strcpy(p, a);
        strcat(p, "/");
        strcat(p, b);
    }
    return p;
}

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

static env_snapshot *read_env(void)
{
    env_snapshot *snapshot = calloc(1, sizeof *snapshot);
    if (!snapshot) return NULL;
    clnn_env *env = &snapshot->env;
    env->log_level = parse_log_level(getenv("CLNN_LOG"));
    env->device = clnn_strdup(nonempty(getenv("CLNN_DEVICE")));
    env->kernel_dir = clnn_strdup(nonempty(getenv("CLNN_KERNEL_DIR")));

    const char *tuning = getenv("CLNN_GEMM_TUNING");
    env->gemm_tuning = tuning && strcasecmp(tuning, "default") == 0
                           ? CLNN_GEMM_TUNING_DEFAULT
                           : CLNN_GEMM_TUNING_TABLE;

    env->conv_algo = clnn_strdup(nonempty(getenv("CLNN_CONV_ALGO")));
    env->attention_algo = clnn_strdup(nonempty(getenv("CLNN_ATTENTION_ALGO")));
    const char *profile = nonempty(getenv("CLNN_PROFILE"));
    env->profile = profile && strcmp(profile, "0") != 0;

    const char *cache = nonempty(getenv("CLNN_CACHE_DIR"));
    const char *xdg = nonempty(getenv("XDG_CACHE_HOME"));
    const char *home = nonempty(getenv("HOME"));
    env->disk_cache_enabled = true;
    if (cache && strcasecmp(cache, "off") == 0) {
        env->disk_cache_enabled = false;
    } else if (cache) {
        env->cache_dir = clnn_strdup(cache);
    } else if (xdg) {
        env->cache_dir = join_path(xdg, "clnn");
    } else if (home) {
        char *dot_cache = join_path(home, ".cache");
        env->cache_dir = dot_cache ? join_path(dot_cache, "clnn") : NULL;
        free(dot_cache);
    }
    if (!env->cache_dir) env->disk_cache_enabled = false;
    return snapshot;
}

const clnn_env *clnn_env_get(void)
{
    static const clnn_env fallback = {-1, NULL, NULL, false, NULL, CLNN_GEMM_TUNING_TABLE,
                                      NULL, NULL, false};
    pthread_mutex_lock(&env_lock);
    if (!current) current = read_env();
    const clnn_env *env = current ? &current->env : &fallback;
    pthread_mutex_unlock(&env_lock);
    return env;
}

void clnn_env_reload(void)
{
    env_snapshot *fresh = read_env();
    pthread_mutex_lock(&env_lock);
    if (fresh) { /* the old snapshot stays reachable: see the file comment */
        fresh->older = current;
        current = fresh;
    }
    pthread_mutex_unlock(&env_lock);
}
