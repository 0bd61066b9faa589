/* MNIST / Fashion-MNIST: two IDX files per split, converted to float images in
 * [0, 1] and int32 labels. */
#include "../core/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FN "clnn_dataset_load_mnist"
#define MNIST_CLASSES 10

/* Finds "<dir>/<base>.gz", else "<dir>/<base>"; a miss names the package. */
static clnn_status find_file(const char *dir, const char *base, char **path)
{
    size_t n = strlen(dir) + strlen(base) + 5;
    char *p = malloc(n);
    if (!p) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, FN ": path of %s", base);
    struct stat sb;
    snprintf(p, n, "%s/%s.gz", dir, base);
    if (stat(p, &sb) != 0) {
        snprintf(p, n, "%s/%s", dir, base);
        if (stat(p, &sb) != 0) {
            clnn_status st = clnn_fail(CLNN_IO_ERROR,
                                       FN ": '%s/%s.gz' (or without .gz) not found; install "
                                          "the Debian package dataset-fashion-mnist or pass "
                                          "the directory holding the files",
                                       dir, base);
            free(p);
            return st;
        }
    }
    *path = p;
    return CLNN_SUCCESS;
}

static clnn_status load_checked(const char *dir, const char *base, int rank, clnn_idx **out,
                                char **path)
{
    clnn_status st = find_file(dir, base, path);
    if (st != CLNN_SUCCESS) return st;
    st = clnn_idx_load(*path, out);
    if (st == CLNN_SUCCESS && ((*out)->type != CLNN_IDX_UBYTE || (*out)->rank != rank)) {
        st = clnn_fail(CLNN_BAD_FORMAT, FN ": '%s': expected ubyte data of rank %d, found type "
                                           "0x%02x rank %d",
                       *path, rank, (unsigned)(*out)->type, (*out)->rank);
        clnn_idx_free(*out);
        *out = NULL;
    }
    if (st != CLNN_SUCCESS) {
        free(*path);
        *path = NULL;
    }
    return st;
}

/* Converts validated files into a data set. */
static clnn_status build(const clnn_idx *images, const clnn_idx *labels, const char *labels_path,
                         clnn_dataset **out)
{
    const unsigned char *lab = labels->data, *pix = images->data;
    for (size_t i = 0; i < labels->count; i++)
        if (lab[i] >= MNIST_CLASSES)
            return clnn_fail(CLNN_BAD_FORMAT, FN ": '%s': label %u at index %zu is outside 0..%d",
                             labels_path, lab[i], i, MNIST_CLASSES - 1);
    clnn_dataset *ds = calloc(1, sizeof *ds);
    int64_t idims[4] = {images->dims[0], 1, images->dims[1], images->dims[2]};
    int64_t ldims[1] = {labels->dims[0]};
    if (ds) {
        ds->images = malloc(images->count * sizeof *ds->images);
        ds->labels = malloc(labels->count * sizeof *ds->labels);
    }
    if (!ds || !ds->images || !ds->labels) {
        clnn_dataset_free(ds);
        return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, FN ": %zu images", images->count);
    }
    clnn_status st = clnn_tensor_desc_set(&ds->images_desc, CLNN_FLOAT32, 4, idims);
    if (st == CLNN_SUCCESS) st = clnn_tensor_desc_set(&ds->labels_desc, CLNN_INT32, 1, ldims);
    if (st != CLNN_SUCCESS) {
        clnn_dataset_free(ds);
        return st;
    }
    for (size_t i = 0; i < images->count; i++) ds->images[i] = (float)pix[i] / 255.0f;
    for (size_t i = 0; i < labels->count; i++) ds->labels[i] = lab[i];
    ds->count = labels->count;
    ds->classes = MNIST_CLASSES;
    *out = ds;
    return CLNN_SUCCESS;
}

clnn_status clnn_dataset_load_mnist(const char *dir, clnn_dataset_split split,
                                    clnn_dataset **out)
{
    if (!out) return clnn_fail(CLNN_NULL_POINTER, FN ": out is NULL");
    if (split != CLNN_DATASET_TRAIN && split != CLNN_DATASET_TEST)
        return clnn_fail(CLNN_INVALID_VALUE, FN ": split %d is neither CLNN_DATASET_TRAIN nor "
                                               "CLNN_DATASET_TEST",
                         (int)split);
    if (!dir) dir = CLNN_FASHION_MNIST_DIR;
    const char *prefix = split == CLNN_DATASET_TRAIN ? "train" : "t10k";
    char ibase[32], lbase[32], *ipath = NULL, *lpath = NULL;
    snprintf(ibase, sizeof ibase, "%s-images-idx3-ubyte", prefix);
    snprintf(lbase, sizeof lbase, "%s-labels-idx1-ubyte", prefix);
    clnn_idx *images = NULL, *labels = NULL;
    clnn_status st = load_checked(dir, ibase, 3, &images, &ipath);
    if (st == CLNN_SUCCESS) st = load_checked(dir, lbase, 1, &labels, &lpath);
    if (st == CLNN_SUCCESS && images->dims[0] != labels->dims[0])
        st = clnn_fail(CLNN_BAD_FORMAT, FN ": '%s' holds %u images but '%s' %u labels", ipath,
                       images->dims[0], lpath, labels->dims[0]);
    if (st == CLNN_SUCCESS) st = build(images, labels, lpath, out);
    clnn_idx_free(images);
    clnn_idx_free(labels);
    free(ipath);
    free(lpath);
    return st;
}

void clnn_dataset_free(clnn_dataset *dataset)
{
    if (!dataset) return;
    free(dataset->images);
    free(dataset->labels);
    free(dataset);
}
