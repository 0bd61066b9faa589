/* Logging through a replaceable handler; the library never writes to stdout. */
#include "internal.h"

#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static clnn_log_handler log_handler;
static void *log_user;
static int log_level = -1; /* -1: not set by the API, use CLNN_LOG or warn */

static const char *level_name(clnn_log_level level)
{
    static const char *const names[] = {"off", "error", "warn", "info", "debug"};
    return (unsigned)level < CLNN_ARRAY_SIZE(names) ? names[level] : "?";
}

static void stderr_handler(clnn_log_level level, const char *message, void *user)
{
    (void)user;
    fprintf(stderr, "clnn: [%s] %s\n", level_name(level), message);
}

void clnn_log_set_handler(clnn_log_handler handler, void *user)
{
    pthread_mutex_lock(&log_lock);
    log_handler = handler;
    log_user = user;
    pthread_mutex_unlock(&log_lock);
}

void clnn_log_set_level(clnn_log_level level)
{
    if (level < CLNN_LOG_OFF) level = CLNN_LOG_OFF;
    if (level > CLNN_LOG_DEBUG) level = CLNN_LOG_DEBUG;
    log_level = (int)level;
}

clnn_log_level clnn_log_get_level(void)
{
    if (log_level >= 0) return (clnn_log_level)log_level;
    int from_env = clnn_env_get()->log_level;
    return from_env >= 0 ? (clnn_log_level)from_env : CLNN_LOG_WARN;
}

void clnn_log(clnn_log_level level, const char *fmt, ...)
{
    if (level == CLNN_LOG_OFF || level > clnn_log_get_level()) return;
    char message[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&log_lock);
    clnn_log_handler handler = log_handler ? log_handler : stderr_handler;
    void *user = log_handler ? log_user : NULL;
    pthread_mutex_unlock(&log_lock);
    handler(level, message, user);
}
