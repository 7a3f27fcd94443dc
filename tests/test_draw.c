/*
 * test_draw.c -- suite "draw": runtime/draw.c in-process: base64, escaping,
 * the colour maps, PNG encoding (decoded back with libpng's reader), the
 * grid layout, and the SVG charts' structure.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "draw.h"

Test(draw, base64_is_rfc4648s)
{
    static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    int k;
    for (k = 0; k < 7; ++k) {
        draw_buf b = { NULL, 0, 0, 0 };
        draw_puts(&b, "");
        draw_base64(&b, in[k], strlen(in[k]));
        cr_expect_str_eq(b.s, out[k], "base64(\"%s\")", in[k]);
        draw_buf_free(&b);
    }
}

Test(draw, text_is_escaped_for_html)
{
    draw_buf b = { NULL, 0, 0, 0 };
    draw_text(&b, "<a href=\"x\">Tom's & Jerry's</a>");
    cr_expect_str_eq(b.s, "&lt;a href=&quot;x&quot;&gt;Tom&#39;s &amp; Jerry&#39;s&lt;/a&gt;");
    draw_printf(&b, "|%d|%s", 42, "z");
    cr_expect(strstr(b.s, "|42|z") != NULL);
    draw_buf_free(&b);
}

Test(draw, diverging_map_is_white_at_zero_and_dark_at_the_ends)
{
    draw_rgb mid = draw_diverging(draw_unit(0, -2, 2)), neg = draw_diverging(0), pos = draw_diverging(1);
    cr_expect(mid.r == mid.g && mid.g == mid.b && mid.r > 240, "0 is not white: %d %d %d", mid.r, mid.g, mid.b);
    cr_expect(neg.b > neg.r && pos.r > pos.b, "negative is not blue or positive not red");
    cr_expect(neg.r + neg.g + neg.b < 200 && pos.r + pos.g + pos.b < 200, "the ends are not dark");
    cr_expect_eq(draw_unit(5, 1, 1), 0.5);
    cr_expect_eq(draw_unit(-9, -1, 1), 0);
    cr_expect_eq(draw_unit(9, -1, 1), 1);
    cr_expect_eq(draw_diverging(NAN).r, neg.r, "NaN is not clamped");
}

Test(draw, grid_png_decodes_to_its_tiles)
{
    /* two 2x3 tiles, 4x enlarged, 2 pixels apart, each on its own range */
    static const float v[12] = { 0, 1, 2, 3, 4, 5, 10, 10, 10, 10, 10, 20 };
    const double lo[2] = { 0, 10 }, hi[2] = { 5, 20 };
    draw_image im;
    unsigned char *png, *rgb;
    size_t len;
    png_image p;
    int t, y, x, bad = 0;
    cr_assert_eq(draw_grid(&im, v, 2, 2, 3, 2, 4, 2, lo, hi, draw_viridis), 0);
    cr_assert_eq(im.w, 2 * 12 + 2);
    cr_assert_eq(im.h, 8);
    cr_assert_eq(draw_png(&im, &png, &len), 0);
    memset(&p, 0, sizeof p);
    p.version = PNG_IMAGE_VERSION;
    cr_assert(png_image_begin_read_from_memory(&p, png, len), "%s", p.message);
    p.format = PNG_FORMAT_RGB;
    rgb = malloc(PNG_IMAGE_SIZE(p));
    cr_assert(png_image_finish_read(&p, NULL, rgb, 0, NULL), "%s", p.message);
    cr_assert_eq((int)p.width, im.w);
    for (t = 0; t < 2; ++t)
        for (y = 0; y < 8; ++y)
            for (x = 0; x < 12; ++x) {
                draw_rgb c = draw_viridis(draw_unit(v[t * 6 + y / 4 * 3 + x / 4], lo[t], hi[t]));
                const unsigned char *q = rgb + 3 * (y * im.w + t * 14 + x);
                bad += q[0] != c.r || q[1] != c.g || q[2] != c.b;
            }
    cr_expect_eq(bad, 0, "%d pixels differ", bad);
    cr_expect(rgb[3 * 12] == 255 && rgb[3 * 13 + 2] == 255, "the gap is not white");
    free(rgb);
    free(png);
    draw_image_free(&im);
}

Test(draw, line_chart_draws_each_series_and_skips_gaps)
{
    const double x[3] = { 1, 2, 3 }, y1[3] = { 0.5, NAN, 0.25 }, y2[3] = { 0.1, 0.2, 0.3 };
    draw_series s[2];
    draw_buf b = { NULL, 0, 0, 0 };
    const char *p;
    int lines = 0, marks = 0;
    s[0].label = "a<b";
    s[0].x = x;
    s[0].y = y1;
    s[0].n = 3;
    s[1].label = "c";
    s[1].x = x;
    s[1].y = y2;
    s[1].n = 3;
    draw_svg_lines(&b, "ch", "T", "epoch", "cost", s, 2, 0);
    cr_assert(!b.failed);
    cr_expect(strstr(b.s, "<svg id=\"ch\"") && strstr(b.s, "data-points=\"3 3\""), "%.200s", b.s);
    cr_expect(strstr(b.s, "a&lt;b") != NULL, "the label is not escaped");
    cr_expect(!strstr(b.s, "http"), "the SVG names a URL (xmlns?)");
    for (p = b.s; (p = strstr(p, "<polyline")) != NULL; ++p) ++lines;
    for (p = b.s; (p = strstr(p, "<circle")) != NULL; ++p) ++marks;
    cr_expect_eq(lines, 3, "a NaN splits a curve: 2 + 1 polylines, not %d", lines);
    cr_expect_eq(marks, 5);
    draw_buf_free(&b);
}

Test(draw, heat_map_shows_every_count_row_by_row)
{
    const long m[4] = { 7, 1, 0, 12 };
    const char *const labels[2] = { "cat", "dog" };
    draw_buf b = { NULL, 0, 0, 0 };
    const char *p = NULL;
    long seen[4];
    int k = 0;
    draw_svg_heatmap(&b, "hm", m, 2, labels);
    for (p = b.s; (p = strstr(p, "class=\"n\"")) != NULL && k < 4; ++k) {
        p = strchr(p, '>') + 1;
        seen[k] = strtol(p, NULL, 10);
    }
    cr_assert_eq(k, 4);
    cr_expect_arr_eq(seen, m, sizeof m);
    cr_expect(strstr(b.s, ">dog</text>") != NULL);
    draw_buf_free(&b);
}
