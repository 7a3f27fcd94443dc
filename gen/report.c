/*
 * report.c -- the report page: its assembly from the net, its weights, a
 * data set's test part and the runs' epochs (see report.h).  The pictures
 * themselves are runtime/draw.c's.
 */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "outfile.h"

static const char *const report_fashion[] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };

static const char report_style[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#222;"
    "background:#fff;margin:0 auto;max-width:1180px;padding:0 20px 40px}\n"
    "h1{font-size:22px;margin:18px 0 2px}h2{font-size:18px;border-bottom:1px solid #ddd;"
    "padding-bottom:4px;margin:30px 0 10px}h3{font-size:14px;margin:14px 0 6px}\n"
    "nav a{margin-right:14px;color:#4e79a7;text-decoration:none}.sub{color:#555;margin:0}\n"
    "table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;text-align:right;"
    "border-bottom:1px solid #eee;white-space:nowrap}.l{text-align:left}th{font-weight:600}\n"
    "img{image-rendering:pixelated;display:block}figure{margin:0}"
    "figcaption{font-size:11px;color:#555;text-align:center;max-width:180px}\n"
    "pre{background:#f7f7f7;padding:8px;overflow-x:auto;font-size:12px}.note{color:#666;font-style:italic}\n"
    "svg{display:block;max-width:100%;height:auto}svg.chart,svg.heatmap,svg.chain{fill:#333}"
    "svg text{font-size:12px}svg .title{font-weight:600;font-size:13px}svg .tick{font-size:11px}\n"
    ".grid{stroke:#eee}.axis{stroke:#888}.frame{fill:none;stroke:#888}.series polyline{stroke-width:2}"
    ".box{fill:#f4f6fa;stroke:#4e79a7}.boxtitle{font-weight:600}.boxsub{font-family:monospace}"
    ".arrow{fill:none;stroke:#666;stroke-width:1.5}\n"
    ".row{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}"
    ".filters{display:flex;flex-wrap:wrap;gap:8px}.filter-row{display:flex;gap:10px;align-items:center;"
    "margin:3px 0}.filter-row span{width:56px;font-size:11px;color:#555;text-align:right}\n"
    ".features{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start;margin-bottom:20px}\n"
    ".mistakes{display:grid;grid-template-columns:repeat(auto-fill,minmax(112px,1fr));gap:10px}\n";

/* Writes the box of each [data-key] element and each svg into its
 * data-rect, for a test (or a reader) to see where the page put it. */
static const char report_layout_script[] =
    "<script>\n(function () {\n"
    "  var els = document.querySelectorAll('[data-key], svg[id]'), i, r;\n"
    "  for (i = 0; i < els.length; ++i) {\n"
    "    r = els[i].getBoundingClientRect();\n"
    "    els[i].setAttribute('data-rect', Math.round(r.left + window.scrollX) + ' ' +\n"
    "      Math.round(r.top + window.scrollY) + ' ' + Math.round(r.width) + ' ' + Math.round(r.height));\n"
    "  }\n"
    "  document.body.setAttribute('data-laid-out', String(els.length));\n"
    "})();\n</script>\n";

/* Append v (a whole number >= 0) with thousands separators. */
static void report_commas(draw_buf *b, double v)
{
    if (v >= 1000) {
        report_commas(b, floor(v / 1000));
        draw_printf(b, ",%03.0f", fmod(v, 1000));
    } else {
        draw_printf(b, "%.0f", v);
    }
}

/* A cell of v with thousands separators. */
static void report_count_cell(draw_buf *b, const char *tag, double v)
{
    draw_printf(b, "<%s>", tag);
    report_commas(b, v);
    draw_printf(b, "</%s>", tag);
}

static const char *report_shape(const int *s, char *buf, size_t len)
{
    if (s[1] == 1 && s[2] == 1) snprintf(buf, len, "[%d]", s[0]);
    else snprintf(buf, len, "[%d][%d][%d]", s[0], s[1], s[2]);
    return buf;
}

/* A cJSON tree into b inside a <script type="application/json" id=id>. */
static void report_json(draw_buf *b, const char *id, cJSON *j)
{
    char *text = j ? cJSON_PrintUnformatted(j) : NULL, *p;
    if (!text) {
        b->failed = 1;
        return;
    }
    draw_printf(b, "<script type=\"application/json\" id=\"%s\">", id);
    for (p = text; *p; ++p) {               /* "</" would end the script */
        if (p[0] == '<' && p[1] == '/') draw_puts(b, "<\\");
        else draw_add(b, p, 1);
    }
    draw_puts(b, "</script>\n");
    cJSON_free(text);
}

/* <img> of im, its size given (so the layout needs no decoding). */
static void report_img(draw_buf *b, const char *id, const draw_image *im, const char *title)
{
    draw_puts(b, "<img");
    if (id) draw_printf(b, " id=\"%s\"", id);
    draw_printf(b, " width=\"%d\" height=\"%d\" alt=\"\" title=\"", im->w, im->h);
    draw_text(b, title);
    draw_puts(b, "\" src=\"");
    draw_png_uri(b, im);
    draw_puts(b, "\">");
}

/* One image of a split (one channel, in [0, 1]) drawn dark on white. */
static int report_sample(draw_buf *b, const ds_split *s, int k, int px, const char *title)
{
    draw_image im;
    double lo = 0, hi = 1;
    int scale = px / s->cols > 1 ? px / s->cols : 1;
    if (draw_grid(&im, s->x + (size_t)k * s->rows * s->cols, 1, s->rows, s->cols, 1, scale, 0,
                  &lo, &hi, draw_ink) != 0)
        return -1;
    report_img(b, NULL, &im, title);
    draw_image_free(&im);
    return 0;
}

/* ================================================================ */
/* Sections                                                         */
/* ================================================================ */

static void report_network(draw_buf *b, const net *n)
{
    const char **title = malloc((size_t)(n->nlayers + 1) * sizeof *title);
    const char **sub = malloc((size_t)(n->nlayers + 1) * sizeof *sub);
    char (*tb)[48] = malloc((size_t)(n->nlayers + 1) * sizeof *tb);
    char (*sb)[48] = malloc((size_t)(n->nlayers + 1) * sizeof *sb);
    char sh[48];
    double params = 0, macs = 0;
    int k, in_shape[3];
    in_shape[0] = n->in_c;
    in_shape[1] = n->in_h;
    in_shape[2] = n->in_w;
    draw_puts(b, "<section id=\"network\" data-key>\n<h2>The network</h2>\n"
              "<table id=\"layers\"><tr><th>#</th><th class=\"l\">layer</th><th class=\"l\">output</th>"
              "<th>parameters</th><th>forward MACs</th><th>backward MACs</th></tr>\n");
    draw_printf(b, "<tr><td>0</td><td class=\"l\">input</td><td class=\"l\">%s</td><td></td><td></td><td></td></tr>\n",
                report_shape(in_shape, sh, sizeof sh));
    for (k = 0; k < n->nlayers; ++k) {
        const net_layer *L = &n->layers[k];
        draw_printf(b, "<tr><td>%d</td><td class=\"l\">", L->index);
        draw_text(b, L->desc);
        draw_printf(b, "</td><td class=\"l\">%s</td>", report_shape(L->out, sh, sizeof sh));
        report_count_cell(b, "td", (double)(L->wcount + L->bcount));
        report_count_cell(b, "td", L->macs_fwd);
        report_count_cell(b, "td", L->macs_bwd);
        draw_puts(b, "</tr>\n");
        params += (double)(L->wcount + L->bcount);
        macs += L->macs_fwd;
    }
    draw_puts(b, "<tr><th></th><th class=\"l\">total</th><th></th>");
    report_count_cell(b, "th", params);
    report_count_cell(b, "th", macs);
    draw_puts(b, "<th></th></tr>\n</table>\n");
    if (title && sub && tb && sb) {
        title[0] = "input";
        sub[0] = report_shape(in_shape, sb[0], sizeof sb[0]);
        for (k = 0; k < n->nlayers; ++k) {
            const net_layer *L = &n->layers[k];
            /* the layer's description up to its shapes ("conv 20@5x5, ...") */
            const char *colon = strstr(L->desc, ": ");
            int len = colon ? (int)(colon - L->desc) : (int)strlen(L->desc);
            snprintf(tb[k + 1], sizeof tb[k + 1], "%.*s", len, L->desc);
            title[k + 1] = tb[k + 1];
            sub[k + 1] = report_shape(L->out, sb[k + 1], sizeof sb[k + 1]);
        }
        draw_svg_chain(b, "diagram", title, sub, n->nlayers + 1);
    } else {
        b->failed = 1;
    }
    draw_puts(b, "<details><summary>cnngen info</summary><pre id=\"info\">");
    draw_text(b, n->info.text ? n->info.text : "");
    draw_puts(b, "</pre></details>\n</section>\n");
    free(title);
    free(sub);
    free(tb);
    free(sb);
}

static void report_curves(draw_buf *b, const report_run *runs, int nruns)
{
    draw_series *s = calloc(nruns > 0 ? (size_t)nruns : 1, sizeof *s);
    double **v = calloc(3 * (nruns > 0 ? (size_t)nruns : 1), sizeof *v);
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "runs");
    int i, k, points = 0;
    draw_puts(b, "<section id=\"curves\" data-key>\n<h2>Training</h2>\n");
    if (!s || !v || !arr) {
        b->failed = 1;
        goto done;
    }
    for (i = 0; i < nruns; ++i) {
        const report_run *r = &runs[i];
        cJSON *run = cJSON_CreateObject(), *eps;
        cJSON_AddItemToArray(arr, run);
        cJSON_AddStringToObject(run, "label", r->label);
        eps = cJSON_AddArrayToObject(run, "epochs");
        v[3 * i] = malloc((r->n ? (size_t)r->n : 1) * sizeof **v);
        v[3 * i + 1] = malloc((r->n ? (size_t)r->n : 1) * sizeof **v);
        v[3 * i + 2] = malloc((r->n ? (size_t)r->n : 1) * sizeof **v);
        if (!eps || !v[3 * i] || !v[3 * i + 1] || !v[3 * i + 2]) {
            b->failed = 1;
            goto done;
        }
        for (k = 0; k < r->n; ++k) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddItemToArray(eps, e);
            cJSON_AddNumberToObject(e, "epoch", r->e[k].epoch);
            cJSON_AddNumberToObject(e, "cost", r->e[k].cost);           /* NaN: null */
            cJSON_AddNumberToObject(e, "accuracy", r->e[k].accuracy);
            cJSON_AddNumberToObject(e, "seconds", r->e[k].seconds);
            cJSON_AddNumberToObject(e, "samples_per_s", r->e[k].samples_per_s);
            v[3 * i][k] = r->e[k].epoch;
            v[3 * i + 1][k] = r->e[k].cost;
            v[3 * i + 2][k] = r->e[k].accuracy;
        }
        points += r->n;
    }
    if (points == 0) {
        draw_puts(b, nruns ? "<p class=\"note\">No epoch has ended yet.</p>\n"
                  : "<p class=\"note\">No training log given (--runs FILE, the output of "
                    "<code>cnngen run --json</code>).</p>\n");
    } else {
        draw_puts(b, "<div class=\"row\">\n");
        for (i = 0; i < nruns; ++i) {
            s[i].label = runs[i].label;
            s[i].x = v[3 * i];
            s[i].y = v[3 * i + 1];
            s[i].n = runs[i].n;
        }
        draw_svg_lines(b, "cost-chart", "Training cost (mean over the epoch)", "epoch", "cost", s, nruns, 0);
        for (i = 0; i < nruns; ++i)
            s[i].y = v[3 * i + 2];
        draw_svg_lines(b, "accuracy-chart", "Test accuracy", "epoch", "accuracy", s, nruns, 1);
        draw_puts(b, "</div>\n");
    }
    report_json(b, "runs-data", root);
done:
    draw_puts(b, "</section>\n");
    cJSON_Delete(root);
    for (i = 0; v && i < 3 * nruns; ++i)
        free(v[i]);
    free(v);
    free(s);
}

/* One conv layer's filters: a PNG per map, its input channels side by side. */
static int report_conv_filters(draw_buf *b, const net_layer *L, const float *params, int first)
{
    int cin = L->in[0], maps = L->out[0], ksz = L->kh * L->kw, m, c;
    int scale = first ? (60 / L->kw > 1 ? 60 / L->kw : 1) : (24 / L->kw > 2 ? 24 / L->kw : 2);
    double *lo = malloc((size_t)cin * sizeof *lo), *hi = malloc((size_t)cin * sizeof *hi);
    char id[64], title[160];
    int rc = -1;
    if (!lo || !hi) goto done;
    draw_printf(b, "<h3>Layer %d: ", L->index);
    draw_text(b, L->desc);
    draw_printf(b, "</h3>\n<div id=\"filters-l%d\" class=\"%s\" data-key>\n", L->index,
                first ? "filters" : "filter-rows");
    for (m = 0; m < maps; ++m) {
        const float *w = params + L->woff + (size_t)m * cin * ksz;
        double a = 0;
        draw_image im;
        for (c = 0; c < cin * ksz; ++c)
            if (fabs(w[c]) > a) a = fabs(w[c]);
        for (c = 0; c < cin; ++c) {
            lo[c] = -a;
            hi[c] = a;
        }
        if (draw_grid(&im, w, cin, L->kh, L->kw, cin, scale, 2, lo, hi, draw_diverging) != 0)
            goto done;
        snprintf(id, sizeof id, "filter-l%d-m%d", L->index, m);
        snprintf(title, sizeof title, "map %d: weights from %.3g (blue) to %.3g (red), 0 white", m, -a, a);
        if (first) {
            draw_puts(b, "<figure>");
            report_img(b, id, &im, title);
            draw_printf(b, "<figcaption>%d</figcaption></figure>\n", m);
        } else {
            draw_printf(b, "<div class=\"filter-row\"><span>map %d</span>", m);
            report_img(b, id, &im, title);
            draw_puts(b, "</div>\n");
        }
        draw_image_free(&im);
    }
    draw_puts(b, "</div>\n");
    rc = 0;
done:
    free(lo);
    free(hi);
    return rc;
}

static int report_filters(draw_buf *b, const report_in *in)
{
    int k, first = 1;
    draw_puts(b, "<section id=\"filters\" data-key>\n<h2>Learned filters</h2>\n"
              "<p class=\"sub\">Each map's weights over its input channels, scaled to the map's "
              "largest |w|: blue negative, white 0, red positive.</p>\n");
    for (k = 0; k < in->net->nlayers; ++k) {
        const net_layer *L = &in->net->layers[k];
        if (strcmp(L->kind, "conv")) continue;
        if (report_conv_filters(b, L, in->params, first) != 0)
            return -1;
        first = 0;
    }
    if (first)
        draw_puts(b, "<p class=\"note\">The network has no conv layer.</p>\n");
    draw_puts(b, "</section>\n");
    return 0;
}

/* The arg-max of y[0..n), the first on ties (as train_eval). */
static int report_argmax(const float *y, size_t n)
{
    size_t k, best = 0;
    for (k = 1; k < n; ++k)
        if (y[k] > y[best]) best = k;
    return (int)best;
}

typedef size_t (*report_activation_fn)(const void *w, int l, float *out);

/* Test image i and the maps of every conv and max-pool layer. */
static int report_feature_row(draw_buf *b, const report_in *in, report_activation_fn act, void *work,
                              float *y, float *a, int i, const char *const *names)
{
    const ds_split *s = in->test;
    char title[200], id[64];
    int k, pred;
    in->api->forward.f(in->params, work, s->x + (size_t)i * in->api->in_size, y);
    pred = report_argmax(y, in->api->out_size);
    draw_printf(b, "<div id=\"features-%d\" class=\"features\" data-key>\n<figure>", i);
    snprintf(title, sizeof title, "test image %d", i);
    if (report_sample(b, s, i, 84, title) != 0) return -1;
    draw_printf(b, "<figcaption>test image %d: ", i);
    draw_text(b, names[s->y[i]]);
    draw_puts(b, ", predicted ");
    draw_text(b, names[pred]);
    draw_puts(b, "</figcaption></figure>\n");
    for (k = 0; k < in->net->nlayers; ++k) {
        const net_layer *L = &in->net->layers[k];
        size_t n = (size_t)L->out[0] * L->out[1] * L->out[2], u;
        double lo = HUGE_VAL, hi = -HUGE_VAL, *los, *his;
        int c, scale = 48 / L->out[1] > 1 ? 48 / L->out[1] : 1, rc;
        draw_image im;
        if (L->out[1] == 1 && L->out[2] == 1) continue;     /* no maps: a dense layer's units */
        if (act(work, L->index, a) != n) return -1;
        for (u = 0; u < n; ++u) {
            if (a[u] < lo) lo = a[u];
            if (a[u] > hi) hi = a[u];
        }
        los = malloc((size_t)L->out[0] * sizeof *los);
        his = malloc((size_t)L->out[0] * sizeof *his);
        if (!los || !his) {
            free(los);
            free(his);
            return -1;
        }
        for (c = 0; c < L->out[0]; ++c) {
            los[c] = lo;
            his[c] = hi;
        }
        rc = draw_grid(&im, a, L->out[0], L->out[1], L->out[2], (int)ceil(sqrt(L->out[0])), scale, 3,
                       los, his, draw_viridis);
        free(los);
        free(his);
        if (rc != 0) return -1;
        snprintf(title, sizeof title, "a^%d: %d maps %dx%d, %.3g (dark) .. %.3g (yellow)", L->index,
                 L->out[0], L->out[1], L->out[2], lo, hi);
        snprintf(id, sizeof id, "features-%d-l%d", i, L->index);
        draw_puts(b, "<figure>");
        report_img(b, id, &im, title);
        draw_printf(b, "<figcaption>layer %d %s: %d maps %dx%d, %.3g .. %.3g</figcaption></figure>\n",
                    L->index, L->kind, L->out[0], L->out[1], L->out[2], lo, hi);
        draw_image_free(&im);
    }
    draw_puts(b, "</div>\n");
    return 0;
}

static int report_features(draw_buf *b, const report_in *in, const char *const *names)
{
    char sym[128];
    void *p, *work = NULL;
    report_activation_fn act;
    size_t most = 1;
    float *y = NULL, *a = NULL;
    int k, rc = -1;
    draw_puts(b, "<section id=\"features\" data-key>\n<h2>Feature maps</h2>\n"
              "<p class=\"sub\">The activations a<sup>l</sup> of the forward pass for the first test "
              "images, each layer's maps scaled to that layer's range for the image (dark low, "
              "yellow high).</p>\n");
    snprintf(sym, sizeof sym, "%s_jit_activation", in->net->name);
    p = jit_symbol(in->api, sym);
    if (!p) {
        draw_puts(b, "<p class=\"note\">This build has no activation read-out.</p>\n</section>\n");
        return 0;
    }
    memcpy(&act, &p, sizeof p);
    for (k = 0; k < in->net->nlayers; ++k) {
        const int *o = in->net->layers[k].out;
        size_t n = (size_t)o[0] * o[1] * o[2];
        if (n > most) most = n;
    }
    work = net_work_new(in->api);
    y = malloc(in->api->out_size * sizeof *y);
    a = malloc(most * sizeof *a);
    if (!work || !y || !a) goto done;
    for (k = 0; k < REPORT_FEATURE_IMAGES && k < in->test->n; ++k)
        if (report_feature_row(b, in, act, work, y, a, k, names) != 0)
            goto done;
    draw_puts(b, "</section>\n");
    rc = 0;
done:
    free(work);
    free(y);
    free(a);
    return rc;
}

/* A cell "xx.xx%" of good / all, or "-" when all is 0. */
static void report_pct(draw_buf *b, long good, long all)
{
    if (all > 0) draw_printf(b, "<td>%.2f%%</td>", 100.0 * (double)good / (double)all);
    else draw_puts(b, "<td>-</td>");
}

/* {"float": m, "int8": m} with the confusion matrices. */
static void report_confusion_json(draw_buf *b, const train_eval_result *r, const train_eval_result *q)
{
    cJSON *root = cJSON_CreateObject();
    const train_eval_result *e[2];
    int t, i, k;
    e[0] = r;
    e[1] = q;
    for (t = 0; t < 2 && root; ++t) {
        cJSON *m;
        if (!e[t]) continue;
        m = cJSON_AddArrayToObject(root, t ? "int8" : "float");
        for (i = 0; m && i < e[t]->classes; ++i) {
            cJSON *row = cJSON_CreateArray();
            cJSON_AddItemToArray(m, row);
            for (k = 0; k < e[t]->classes; ++k)
                cJSON_AddItemToArray(row, cJSON_CreateNumber((double)e[t]->confusion[(size_t)i * e[t]->classes + k]));
        }
    }
    report_json(b, "confusion-data", root);
    cJSON_Delete(root);
}

static void report_confusion(draw_buf *b, const report_in *in, const char *const *names)
{
    const train_eval_result *r = in->eval, *q = in->eval_q8;
    int i, k;
    draw_puts(b, "<section id=\"confusion\" data-key>\n<h2>Test results</h2>\n");
    if (!r) {
        draw_puts(b, "<p class=\"note\">After the first epoch.</p>\n</section>\n");
        return;
    }
    draw_printf(b, "<p>Test accuracy <b>%.2f%%</b> (%d of %d), mean cost %.4f", 100 * r->accuracy,
                r->correct, r->n, r->cost);
    if (q)
        draw_printf(b, "; the int8 code: <b>%.2f%%</b> (%d of %d; calibrated on %ld training images)",
                    100 * q->accuracy, q->correct, q->n, in->q8_calibrated);
    draw_puts(b, ".</p>\n<div class=\"row\">\n<div><h3>Confusion matrix</h3>\n");
    draw_svg_heatmap(b, "confusion-matrix", r->confusion, r->classes, names);
    draw_printf(b, "</div>\n<div><h3>Per class</h3>\n<table id=\"per-class\"><tr><th class=\"l\">class</th>"
                "<th>images</th><th>correct</th><th>accuracy</th>%s</tr>\n", q ? "<th>int8</th>" : "");
    for (i = 0; i < r->classes; ++i) {
        long row = 0, qrow = 0;
        const long *c = r->confusion + (size_t)i * r->classes;
        for (k = 0; k < r->classes; ++k) {
            row += c[k];
            if (q) qrow += q->confusion[(size_t)i * r->classes + k];
        }
        draw_printf(b, "<tr><td class=\"l\">%d ", i);
        draw_text(b, names[i]);
        draw_printf(b, "</td><td>%ld</td><td>%ld</td>", row, c[i]);
        report_pct(b, c[i], row);
        if (q) report_pct(b, q->confusion[(size_t)i * r->classes + i], qrow);
        draw_puts(b, "</tr>\n");
    }
    draw_puts(b, "</table></div>\n</div>\n");
    report_confusion_json(b, r, q);
    draw_puts(b, "</section>\n");
}

/* The first REPORT_MISTAKES misclassified test images. */
static int report_mistakes(draw_buf *b, const report_in *in, const char *const *names)
{
    const ds_split *s = in->test;
    void *work;
    float *y;
    char title[200];
    int i, shown = 0, rc = -1;
    draw_puts(b, "<section id=\"mistakes\" data-key>\n<h2>Mistakes</h2>\n");
    if (!in->eval) {
        draw_puts(b, "<p class=\"note\">After the first epoch.</p>\n</section>\n");
        return 0;
    }
    draw_printf(b, "<p class=\"sub\">%d of the %d test images are misclassified; the first of them, "
                "each with its true class, the predicted one and the output for it.</p>\n"
                "<div id=\"mistakes-grid\" class=\"mistakes\" data-key>\n", in->eval->n - in->eval->correct,
                in->eval->n);
    work = net_work_new(in->api);
    y = malloc(in->api->out_size * sizeof *y);
    if (!work || !y) goto done;
    for (i = 0; i < s->n && shown < REPORT_MISTAKES; ++i) {
        int pred;
        in->api->forward.f(in->params, work, s->x + (size_t)i * in->api->in_size, y);
        pred = report_argmax(y, in->api->out_size);
        if (pred == s->y[i]) continue;
        snprintf(title, sizeof title, "test image %d", i);
        draw_puts(b, "<figure class=\"mistake\">");
        if (report_sample(b, s, i, 56, title) != 0) goto done;
        draw_printf(b, "<figcaption>#%d ", i);
        draw_text(b, names[s->y[i]]);
        draw_puts(b, " &#8594; ");
        draw_text(b, names[pred]);
        draw_printf(b, " (%.2f)</figcaption></figure>\n", (double)y[pred]);
        ++shown;
    }
    draw_puts(b, "</div>\n</section>\n");
    rc = 0;
done:
    free(work);
    free(y);
    return rc;
}

/* ================================================================ */
/* The page                                                         */
/* ================================================================ */

/* The class names: in->names, Fashion-MNIST's, or the numbers (into num). */
static const char *const *report_names(const report_in *in, char (*num)[12], const char **out)
{
    int k, classes = (int)in->api->out_size;
    if (in->names) return in->names;
    if (in->data && !strcmp(in->data, "fashion-mnist") && classes == 10) return report_fashion;
    for (k = 0; k < classes; ++k) {
        snprintf(num[k], sizeof num[k], "%d", k);
        out[k] = num[k];
    }
    return out;
}

int report_render(const report_in *in, draw_buf *b, char *err, size_t errlen)
{
    int classes = (int)in->api->out_size;
    char (*num)[12] = malloc((size_t)classes * sizeof *num);
    const char **out = malloc((size_t)classes * sizeof *out);
    const char *const *names;
    int rc = -1;
    if (!num || !out) goto done;
    names = report_names(in, num, out);
    draw_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    draw_text(b, in->net->name);
    draw_printf(b, ": cnngen report</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", report_style);
    draw_text(b, in->net->name);
    draw_puts(b, "</h1>\n<p class=\"sub\">");
    if (in->weights) {
        draw_puts(b, "weights ");
        draw_text(b, in->weights);
        draw_puts(b, "; ");
    }
    draw_text(b, in->data ? in->data : "");
    draw_printf(b, ": %d test images; cost %s</p>\n", in->test->n, in->net->cost);
    draw_puts(b, "<nav><a href=\"#network\">network</a><a href=\"#curves\">training</a>"
              "<a href=\"#filters\">filters</a><a href=\"#features\">feature maps</a>"
              "<a href=\"#confusion\">test results</a><a href=\"#mistakes\">mistakes</a></nav>\n");
    report_network(b, in->net);
    report_curves(b, in->runs, in->nruns);
    if (report_filters(b, in) != 0 || report_features(b, in, names) != 0)
        goto done;
    report_confusion(b, in, names);
    if (report_mistakes(b, in, names) != 0)
        goto done;
    draw_puts(b, report_layout_script);
    draw_puts(b, "</body>\n</html>\n");
    rc = b->failed ? -1 : 0;
done:
    if (rc != 0) snprintf(err, errlen, "out of memory for the report");
    free(num);
    free(out);
    return rc;
}

int report_write(const char *path, const report_in *in, char *err, size_t errlen)
{
    draw_buf b = { NULL, 0, 0, 0 };
    outfile_item item;
    int rc;
    if (report_render(in, &b, err, errlen) != 0) {
        draw_buf_free(&b);
        return -1;
    }
    item.path = path;
    item.data = b.s;
    item.len = b.len;
    rc = outfile_write(&item, 1, err, errlen);
    draw_buf_free(&b);
    return rc;
}
