/* clnn-bench --tune gemm: searches CLBlast's Xgemm parameter space on the chosen
 * device, checks every candidate against a CPU reference, and saves the fastest
 * set (then the direct/indirect threshold) in clnn's tuning database
 * (include/clnn/tuning.h), where every later process finds it.
 *
 * The space: work-group tiles MWG, NWG in {32, 64, 128}, KWG in {16, 32}, thread
 * grids MDIMC = MDIMA and NDIMC = NDIMB in {4, 8, 16}, vector widths VWM, VWN in
 * {2, 4, 8}, local-memory caching SA = SB in {0, 1}; the rest as CLBlast's
 * defaults (GEMMK 0, KREG 1, KWI 2, no strides). Candidates that break CLBlast's
 * divisibility rules or the device's work-group limit are dropped; a seeded
 * shuffle then picks `--budget` of them (default 24), after the set in effect
 * now, so a run is reproducible and never saves something slower than what it
 * found. Each candidate costs a CLBlast compile (seconds on a CPU). */
#include "bench.h"

#include <clnn/tuning.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TUNE_VERIFY_TOLERANCE 1e-4 /* as the gemm suite: fp32 error relative to sum |a b| */
#define TUNE_MAX_CANDIDATES 1500

static const char *const xgemm_names[16] = {"GEMMK", "KREG", "KWG",   "KWI",  "MDIMA", "MDIMC",
                                            "MWG",   "NDIMB", "NDIMC", "NWG", "SA",    "SB",
                                            "STRM",  "STRN",  "VWM",   "VWN"};
enum { P_GEMMK, P_KREG, P_KWG, P_KWI, P_MDIMA, P_MDIMC, P_MWG, P_NDIMB, P_NDIMC, P_NWG, P_SA,
       P_SB, P_STRM, P_STRN, P_VWM, P_VWN };

static clnn_tuning_params xgemm_set(size_t mwg, size_t nwg, size_t kwg, size_t mdim,
                                    size_t ndim, size_t vwm, size_t vwn, size_t cache)
{
    clnn_tuning_params p;
    memset(&p, 0, sizeof p);
    strcpy(p.family, "Xgemm");
    p.count = 16;
    for (int i = 0; i < 16; i++) strcpy(p.names[i], xgemm_names[i]);
    size_t v[16] = {0, 1, kwg, 2, mdim, mdim, mwg, ndim, ndim, nwg, cache, cache, 0, 0, vwm, vwn};
    memcpy(p.values, v, sizeof v);
    return p;
}

/* CLBlast's constraints on an Xgemm set (see its xgemm tuner). */
static int xgemm_valid(const size_t *v, size_t max_wg)
{
    size_t mdimc = v[P_MDIMC], ndimc = v[P_NDIMC];
    return mdimc * ndimc <= max_wg && v[P_MWG] % (mdimc * v[P_VWM]) == 0 &&
           v[P_NWG] % (ndimc * v[P_VWN]) == 0 && v[P_MWG] % (v[P_MDIMA] * v[P_VWM]) == 0 &&
           v[P_NWG] % (v[P_NDIMB] * v[P_VWN]) == 0 &&
           v[P_KWG] % ((mdimc * ndimc) / v[P_MDIMA]) == 0 &&
           v[P_KWG] % ((mdimc * ndimc) / v[P_NDIMB]) == 0 && v[P_KWG] % v[P_KWI] == 0;
}

static size_t xgemm_space(clnn_tuning_params *out, size_t max_wg)
{
    static const size_t tiles[] = {32, 64, 128}, kwgs[] = {16, 32}, dims[] = {4, 8, 16},
                        vws[] = {2, 4, 8}, caches[] = {0, 1};
    size_t n = 0;
    for (size_t a = 0; a < 3; a++)
        for (size_t b = 0; b < 3; b++)
            for (size_t c = 0; c < 2; c++)
                for (size_t d = 0; d < 3; d++)
                    for (size_t e = 0; e < 3; e++)
                        for (size_t f = 0; f < 3; f++)
                            for (size_t g = 0; g < 3; g++)
                                for (size_t h = 0; h < 2 && n < TUNE_MAX_CANDIDATES; h++) {
                                    clnn_tuning_params p =
                                        xgemm_set(tiles[a], tiles[b], kwgs[c], dims[d], dims[e],
                                                  vws[f], vws[g], caches[h]);
                                    if (xgemm_valid(p.values, max_wg)) out[n++] = p;
                                }
    return n;
}

/* A reproducible shuffle (xorshift32), so --budget N always tries the same sets. */
static void shuffle(clnn_tuning_params *c, size_t n, uint32_t seed)
{
    for (size_t i = n; i > 1; i--) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        size_t j = seed % i;
        clnn_tuning_params t = c[i - 1];
        c[i - 1] = c[j];
        c[j] = t;
    }
}

static void describe(const clnn_tuning_params *p, char *out, size_t len)
{
    const size_t *v = p->values;
    snprintf(out, len, "%zux%zux%zu grid %zux%zu vec %zu/%zu %s", v[P_MWG], v[P_NWG], v[P_KWG],
             v[P_MDIMC], v[P_NDIMC], v[P_VWM], v[P_VWN], v[P_SA] ? "local" : "global");
}

/* The scored shapes: a large square and the im2col GEMM of a 3x3 64-channel conv. */
static const size_t score_shapes[][3] = {{512, 512, 512}, {64, 3136, 576}};
#define SCORE_COUNT (sizeof score_shapes / sizeof score_shapes[0])

typedef struct tune_state {
    clnn_context_t ctx;
    clnn_device_info info;
    bench_gemm_problem check;              /* odd-sized, verified per candidate */
    bench_gemm_problem scored[SCORE_COUNT];
    int repeat;
} tune_state;

/* Geometric mean GFLOPS of the scored shapes, or -1 when the candidate fails
 * (CLBlast refuses it, or its result is wrong). */
static double score(tune_state *s, const clnn_tuning_params *p, double gflops[SCORE_COUNT],
                    char *why, size_t why_len)
{
    clnn_status st = bench_noted(clnn_tuning_set(s->ctx, p), "clnn_tuning_set");
    double error = 0.0;
    if (st == CLNN_SUCCESS) st = bench_gemm_problem_enqueue(s->ctx, &s->check);
    if (st == CLNN_SUCCESS) st = bench_gemm_problem_verify(&s->check, &error);
    if (st != CLNN_SUCCESS) {
        snprintf(why, why_len, "%s", bench_error_text);
        return -1.0;
    }
    if (!(error <= TUNE_VERIFY_TOLERANCE)) {
        snprintf(why, why_len, "wrong result (error %.2g)", error);
        return -1.0;
    }
    double log_sum = 0.0;
    for (size_t i = 0; i < SCORE_COUNT; i++) {
        double seconds;
        st = bench_time(s->ctx, bench_gemm_problem_enqueue, &s->scored[i], s->repeat, &seconds);
        if (st != CLNN_SUCCESS) {
            snprintf(why, why_len, "%s", bench_error_text);
            return -1.0;
        }
        const size_t *d = score_shapes[i];
        gflops[i] = 2.0 * (double)d[0] * (double)d[1] * (double)d[2] / seconds * 1e-9;
        log_sum += log(gflops[i]);
    }
    return exp(log_sum / SCORE_COUNT);
}

static int tune_xgemm(tune_state *s, const bench_options *o, clnn_tuning_params *best)
{
    clnn_tuning_params *space = malloc(TUNE_MAX_CANDIDATES * sizeof *space);
    if (!space) return bench_out_of_memory(), -1;
    size_t n = xgemm_space(space, s->info.max_work_group_size);
    shuffle(space, n, 0x2545f491u);
    size_t budget = (size_t)o->tune_budget < n ? (size_t)o->tune_budget : n;

    clnn_tuning_params current;
    clnn_tuning_source source;
    char from[64];
    clnn_status st = bench_noted(
        clnn_tuning_get(s->ctx, "Xgemm", &current, &source, from, sizeof from), "clnn_tuning_get");
    if (st != CLNN_SUCCESS) {
        free(space);
        return -1;
    }
    printf("Xgemm: %zu valid sets, trying %zu after the one in effect (%s)\n", n, budget,
           from);
    printf("%-4s %-40s %10s %10s %10s  %s\n", "#", "set", "512^3", "64x3136", "score", "");
    double best_score = -1.0;
    for (size_t i = 0; i <= budget; i++) {
        int baseline = i == 0;
        if (baseline && current.count == 0) continue; /* CLBlast defaults: cannot be set */
        const clnn_tuning_params *p = baseline ? &current : &space[i - 1];
        double gflops[SCORE_COUNT] = {0};
        char name[64], why[BENCH_ERROR_MAX];
        describe(p, name, sizeof name);
        double sc = score(s, p, gflops, why, sizeof why);
        if (sc < 0) {
            printf("%-4zu %-40s %s\n", i, name, why);
            continue;
        }
        int better = sc > best_score;
        printf("%-4zu %-40s %10.1f %10.1f %10.1f  %s%s\n", i, name, gflops[0], gflops[1], sc,
               baseline ? "(in effect) " : "", better ? "*" : "");
        fflush(stdout);
        if (better) {
            best_score = sc;
            *best = *p;
        }
    }
    free(space);
    return best_score > 0 ? 0 : -1;
}

int bench_tune(bench_options *o, const char *suite)
{
    if (strcmp(suite, "gemm") != 0) {
        fprintf(stderr,
                "%s: --tune knows the gemm suite only (CLBlast's Xgemm parameters); the "
                "conv and attention algorithms are chosen by heuristics\n",
                bench_prog);
        return 2;
    }
    tune_state s;
    memset(&s, 0, sizeof s);
    s.repeat = o->repeat < 5 ? o->repeat : 5;
    peak_result peak;
    if (bench_open(o, &s.ctx, &s.info, &peak) != CLNN_SUCCESS) return bench_report_failure();
    char path[1024];
    clnn_status st = bench_noted(clnn_tuning_database_path(s.ctx, path, sizeof path),
                                 "clnn_tuning_database_path");
    if (st == CLNN_SUCCESS) st = bench_gemm_problem_create(s.ctx, 257, 255, 129, &s.check);
    for (size_t i = 0; i < SCORE_COUNT && st == CLNN_SUCCESS; i++)
        st = bench_gemm_problem_create(s.ctx, score_shapes[i][0], score_shapes[i][1],
                                       score_shapes[i][2], &s.scored[i]);
    int rc = st == CLNN_SUCCESS ? 0 : bench_report_failure();
    clnn_tuning_params best;
    if (rc == 0) {
        printf("device: %s (%s)\ndatabase: %s\n", s.info.device_name, s.info.platform_name,
               path);
        rc = tune_xgemm(&s, o, &best) == 0 ? 0 : 1;
    }
    if (rc == 0 && !o->tune_dry_run) {
        char name[64];
        describe(&best, name, sizeof name);
        st = bench_noted(clnn_tuning_save(s.ctx, &best), "clnn_tuning_save");
        if (st == CLNN_SUCCESS) printf("saved Xgemm %s to %s\n", name, path);
        else rc = bench_report_failure();
    }
    bench_gemm_problem_destroy(&s.check);
    for (size_t i = 0; i < SCORE_COUNT; i++) bench_gemm_problem_destroy(&s.scored[i]);
    clnn_context_destroy(s.ctx);
    return rc;
}
