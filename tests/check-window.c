/* Window output sizes and padding against ONNX's formulas and known cases. */
#include "harness.h"

#include <string.h>

static void expect_output(clnn_window2d w, int64_t in_h, int64_t in_w, int64_t want_h,
                          int64_t want_w, const int64_t want_pads[4])
{
    int64_t oh = -1, ow = -1, pads[4];
    harness_expect_ok(clnn_window2d_output(&w, in_h, in_w, &oh, &ow, pads));
    ck_assert_int_eq(oh, want_h);
    ck_assert_int_eq(ow, want_w);
    for (int i = 0; i < 4; i++) ck_assert_int_eq(pads[i], want_pads[i]);
}

START_TEST(explicit_padding_stride_dilation)
{
    expect_output(clnn_window2d_square(3, 1, 1), 28, 28, 28, 28, (int64_t[]){1, 1, 1, 1});
    expect_output(clnn_window2d_square(3, 2, 0), 31, 31, 15, 15, (int64_t[]){0, 0, 0, 0});
    expect_output(clnn_window2d_square(2, 2, 0), 5, 5, 2, 2, (int64_t[]){0, 0, 0, 0});
    clnn_window2d w = clnn_window2d_square(3, 1, 0);
    w.dilations[0] = w.dilations[1] = 2; /* span 5 */
    expect_output(w, 7, 5, 3, 1, (int64_t[]){0, 0, 0, 0});
    clnn_window2d asym = {{3, 5}, {2, 1}, {1, 1}, {0, 1, 2, 3}, CLNN_PAD_EXPLICIT, 0};
    expect_output(asym, 6, 7, 3, 7, (int64_t[]){0, 1, 2, 3}); /* (6+2-3)/2+1, 7+4-5+1 */
    expect_output(clnn_window2d_square(1, 1, 0), 1, 1, 1, 1, (int64_t[]){0, 0, 0, 0});
}
END_TEST

START_TEST(auto_pad_same_and_valid)
{
    clnn_window2d w = clnn_window2d_square(3, 2, 0);
    w.auto_pad = CLNN_PAD_SAME_UPPER; /* out = ceil(6/2) = 3, total pad = 2*2+3-6 = 1 */
    expect_output(w, 6, 6, 3, 3, (int64_t[]){0, 0, 1, 1});
    w.auto_pad = CLNN_PAD_SAME_LOWER;
    expect_output(w, 6, 6, 3, 3, (int64_t[]){1, 1, 0, 0});
    w.auto_pad = CLNN_PAD_VALID; /* floor((6-3)/2)+1 = 2; pads ignored */
    w.pads[0] = 9;
    expect_output(w, 6, 6, 2, 2, (int64_t[]){0, 0, 0, 0});
    clnn_window2d big = clnn_window2d_square(4, 1, 0);
    big.auto_pad = CLNN_PAD_SAME_UPPER; /* even kernel: 3 of padding, 1 before 2 after */
    expect_output(big, 5, 5, 5, 5, (int64_t[]){1, 1, 2, 2});
}
END_TEST

START_TEST(ceil_mode_rounds_up_but_stays_inside)
{
    clnn_window2d w = clnn_window2d_square(2, 2, 0);
    w.ceil_mode = 1; /* 5 -> ceil(3/2)+1 = 3 */
    expect_output(w, 5, 5, 3, 3, (int64_t[]){0, 0, 0, 0});
    clnn_window2d p = clnn_window2d_square(2, 2, 1);
    p.ceil_mode = 1; /* (4+2-2)/2 = 2 -> 3; last start 4 >= 4+1? no: stays 3 */
    expect_output(p, 4, 4, 3, 3, (int64_t[]){1, 1, 1, 1});
    clnn_window2d q = clnn_window2d_square(3, 3, 1);
    q.ceil_mode = 1; /* room 4+2-3 = 3 -> ceil(3/3)+1 = 2; last start 3 < 5: 2 */
    expect_output(q, 4, 4, 2, 2, (int64_t[]){1, 1, 1, 1});
    clnn_window2d r = clnn_window2d_square(2, 2, 1);
    r.ceil_mode = 1; /* in 3: room 3 -> 3; last start 4 >= 3+1 -> 2 (PyTorch agrees) */
    expect_output(r, 3, 3, 2, 2, (int64_t[]){1, 1, 1, 1});
}
END_TEST

START_TEST(bad_windows_are_rejected)
{
    int64_t oh = 7, ow = 7;
    clnn_window2d w = clnn_window2d_square(3, 1, 0);
    harness_expect_status(clnn_window2d_output(&w, 2, 2, &oh, &ow, NULL), CLNN_INVALID_VALUE);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "larger than the padded input"));
    w.strides[1] = 0;
    harness_expect_status(clnn_window2d_output(&w, 9, 9, &oh, &ow, NULL), CLNN_INVALID_VALUE);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "strides"));
    w = clnn_window2d_square(3, 1, 0);
    w.strides[0] = -2;
    harness_expect_status(clnn_window2d_output(&w, 9, 9, &oh, &ow, NULL), CLNN_INVALID_VALUE);
    w = clnn_window2d_square(0, 1, 0);
    harness_expect_status(clnn_window2d_output(&w, 9, 9, &oh, &ow, NULL), CLNN_INVALID_VALUE);
    w = clnn_window2d_square(3, 1, -1);
    harness_expect_status(clnn_window2d_output(&w, 9, 9, &oh, &ow, NULL), CLNN_INVALID_VALUE);
    w = clnn_window2d_square(3, 1, 0);
    w.dilations[0] = 0;
    harness_expect_status(clnn_window2d_output(&w, 9, 9, &oh, &ow, NULL), CLNN_INVALID_VALUE);
    w = clnn_window2d_square(3, 1, 0);
    w.auto_pad = (clnn_auto_pad)9;
    harness_expect_status(clnn_window2d_output(&w, 9, 9, &oh, &ow, NULL), CLNN_INVALID_VALUE);
    w = clnn_window2d_square(INT64_MAX, 1, 0);
    harness_expect_status(clnn_window2d_output(&w, 9, 9, &oh, &ow, NULL), CLNN_INVALID_VALUE);
    w = clnn_window2d_square(3, 1, 0);
    harness_expect_status(clnn_window2d_output(&w, 0, 9, &oh, &ow, NULL), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_window2d_output(NULL, 9, 9, &oh, &ow, NULL), CLNN_NULL_POINTER);
    harness_expect_status(clnn_window2d_output(&w, 9, 9, NULL, &ow, NULL), CLNN_NULL_POINTER);
    ck_assert_int_eq(oh, 7); /* outputs untouched on failure */
    ck_assert_int_eq(ow, 7);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("window");
    TCase *tc = harness_tcase(s, "output-size");
    tcase_add_test(tc, explicit_padding_stride_dilation);
    tcase_add_test(tc, auto_pad_same_and_valid);
    tcase_add_test(tc, ceil_mode_rounds_up_but_stays_inside);
    tcase_add_test(tc, bad_windows_are_rejected);
    return harness_main(s);
}
