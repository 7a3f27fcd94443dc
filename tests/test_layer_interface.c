/*
 * test_layer_interface.c -- a layer kind needs nothing outside its own
 * module (gen/lua/registry.lua, the layer interface).
 *
 * Two toy kinds, defined here -- their Lua modules and their templates
 * as strings -- are registered through registry.register (tb_set_prelude
 * runs the registration in every generator state build.c makes), used in
 * descriptions, generated, compiled with gcc -std=c99 -Wall -Wextra
 * -pedantic -Werror and tcc -Wall -Werror, and run: the forward equals
 * what the toys compute (written out below, with ref.c for the conv and
 * dense layers around them), the gradient passes the check against
 * finite differences.
 *   chanscale { act }  a^l[c][u] = σ(w[c]·a^{l-1}[c][u] + b[c]): weights,
 *                      an activation, δ given by the cost as the last layer
 *   softsign {}        a^l[u] = a^{l-1}[u] / (1 + |a^{l-1}[u]|): no
 *                      weights, no activation (the cost gives ∂C/∂a^L), no
 *                      backward as layer 1
 * And the interface's own promises: layer/TEMPLATE.lua implements every
 * member, every built-in kind answers every member, a member the
 * interface does not have is refused, a kind that refuses int8 gets one
 * line naming the layer, and one resolved net generates several forms
 * without a generation seeing another's options.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"

#include "build.h"
#include "fsutil.h"
#include "gradcheck.h"
#include "host.h"
#include "proc.h"
#include "ref.h"

/* ---- the toy kinds ---------------------------------------------------------- */

static const char toys_lua[] =
    "local registry = require('registry')\n"
    "local function kind(texts)\n"
    "  return { template_text = function(name) return texts[name] end }\n"
    "end\n"
    /* chanscale */
    "local cs = kind({\n"
    "  ['chanscale_forward_plain.c.tpl'] = [=[\n"
    "/* ---- layer ${l}: ${L.desc}\n"
    " *   a^${l}[c][u] = σ(w[c] · a^${l-1}[c][u] + b[c]),  ${act.doc}\n"
    " */\n"
    "static void ${P}_l${l}_chanscale_forward(${fwd_params})\n"
    "{\n"
    "    ptrdiff_t c, u;\n"
    "    for (c = 0; c < ${L.c}; ++c) {\n"
    "        const ${real} wc = (${wbase})[c], bc = ${bref('c')};\n"
    "        for (u = 0; u < ${L.hw}; ++u) {\n"
    "            const ${real} z = wc * ${L.src}[c*${L.hw} + u] + bc;\n"
    "@ if L.store_z then\n"
    "            w->z${l}[c*${L.hw} + u] = z;\n"
    "@ end\n"
    "            w->a${l}[c*${L.hw} + u] = ${act.sigma('z')};\n"
    "        }\n"
    "    }\n"
    "}\n"
    "\n"
    "]=],\n"
    "  ['chanscale_backward_plain.c.tpl'] = [=[\n"
    "/* ---- layer ${l} backward: ${L.desc}\n"
    " *   δ^${l}[c][u] = ∂C/∂a^${l}[c][u] · σ'(z^${l}[c][u])  (or given by the cost)\n"
    " *   ∂C/∂b[c] += Σ_u δ^${l}[c][u],  ∂C/∂w[c] += Σ_u δ^${l}[c][u] · a^${l-1}[c][u]\n"
    " *   ∂C/∂a^${l-1}[c][u] = w[c] · δ^${l}[c][u]\n"
    " */\n"
    "static void ${P}_l${l}_chanscale_backward(${bwd_params})\n"
    "{\n"
    "    ptrdiff_t c, u;\n"
    "    for (c = 0; c < ${L.c}; ++c) {\n"
    "        ${real} gw = ${zero}, gb = ${zero};\n"
    "        for (u = 0; u < ${L.hw}; ++u) {\n"
    "            const ptrdiff_t k = c*${L.hw} + u;\n"
    "@ if L.delta_given or act.identity then\n"
    "            const ${real} d = w->d${l}[k];\n"
    "@ else\n"
    "            const ${real} a = w->a${l}[k], d = ${act.d_times('w->d' .. l .. '[k]', 'a')};\n"
    "@ end\n"
    "            gw += d * ${L.src}[k];\n"
    "            gb += d;\n"
    "@ if L.propagate then\n"
    "            w->d${l-1}[k] = p[${L.woff} + c] * d;\n"
    "@ end\n"
    "        }\n"
    "        g[${L.woff} + c] += gw;\n"
    "        g[${L.boff} + c] += gb;\n"
    "    }\n"
    "}\n"
    "\n"
    "]=] })\n"
    "cs.example = 'chanscale { act = \"tanh\" }'\n"
    "cs.schema = { act = { type = 'act', default = 'tanh' } }\n"
    "function cs.resolve(L, s)\n"
    "  L.c, L.hw = s[1], s[2] * s[3]\n"
    "  L.out = { s[1], s[2], s[3] }\n"
    "  L.n_in, L.n_out = L.c * L.hw, L.c * L.hw\n"
    "  L.wcount, L.bcount, L.fan_in = L.c, L.c, 1\n"
    "  L.macs_fwd = L.n_out\n"
    "  L.desc = string.format('chanscale, %s: [%d][%d][%d]', L.act, s[1], s[2], s[3])\n"
    "  L.wlayout = string.format('w [%d], b [%d]', L.c, L.c)\n"
    "end\n"
    "function cs.place(L) L.macs_bwd = 2 * L.macs_fwd end\n"
    "function cs.forms(L, gen) return { forward = 'plain', backward = gen.mode == 'train' and 'plain' } end\n"
    "function cs.work(L, gen)\n"
    "  local k = L.index\n"
    "  local f = { { name = 'a' .. k, count = L.n_out, comment = 'chanscale output' } }\n"
    "  if L.store_z then f[#f + 1] = { name = 'z' .. k, count = L.n_out, comment = 'z (for the cost)' } end\n"
    "  if gen.mode == 'train' then f[#f + 1] = { name = 'd' .. k, count = L.n_out, comment = 'its δ' } end\n"
    "  return f\n"
    "end\n"
    "registry.register('chanscale', cs)\n"
    /* softsign */
    "local ss = kind({\n"
    "  ['softsign_forward_plain.c.tpl'] = [=[\n"
    "/* ---- layer ${l}: ${L.desc}\n"
    " *   a^${l}[u] = a^${l-1}[u] / (1 + |a^${l-1}[u]|)\n"
    " */\n"
    "static void ${P}_l${l}_softsign_forward(${fwd_params})\n"
    "{\n"
    "    ptrdiff_t u;\n"
    "    for (u = 0; u < ${L.n_out}; ++u)\n"
    "        w->a${l}[u] = ${L.src}[u] / (${one} + ${fn('fabs')}(${L.src}[u]));\n"
    "}\n"
    "\n"
    "]=],\n"
    "  ['softsign_backward_plain.c.tpl'] = [=[\n"
    "/* ---- layer ${l} backward: ${L.desc}\n"
    " *   ∂C/∂a^${l-1}[u] = ∂C/∂a^${l}[u] · (1 − |a^${l}[u]|)²\n"
    " */\n"
    "static void ${P}_l${l}_softsign_backward(${bwd_params})\n"
    "{\n"
    "    ptrdiff_t u;\n"
    "    for (u = 0; u < ${L.n_out}; ++u) {\n"
    "        const ${real} e = ${one} - ${fn('fabs')}(w->a${l}[u]);\n"
    "        w->d${l-1}[u] = w->d${l}[u] * e * e;\n"
    "    }\n"
    "}\n"
    "\n"
    "]=] })\n"
    "ss.example = 'softsign {}'\n"
    "ss.schema = {}\n"
    "function ss.resolve(L, s)\n"
    "  L.out = { s[1], s[2], s[3] }\n"
    "  L.n_in = s[1] * s[2] * s[3]\n"
    "  L.n_out = L.n_in\n"
    "  L.wcount, L.bcount, L.fan_in, L.macs_fwd, L.macs_bwd = 0, 0, 0, 0, 0\n"
    "  L.desc = string.format('softsign: [%d][%d][%d] (no w, b)', s[1], s[2], s[3])\n"
    "  L.wlayout = ''\n"
    "end\n"
    "function ss.forms(L, gen)\n"
    "  return { forward = 'plain', backward = gen.mode == 'train' and L.propagate and 'plain' }\n"
    "end\n"
    "function ss.work(L, gen)\n"
    "  local k = L.index\n"
    "  local f = { { name = 'a' .. k, count = L.n_out, comment = 'softsign output' } }\n"
    "  if gen.mode == 'train' then f[#f + 1] = { name = 'd' .. k, count = L.n_out, comment = '∂C/∂a' } end\n"
    "  return f\n"
    "end\n"
    "registry.register('softsign', ss)\n";

/* The toys' forward, from the math above. */
static void toy_chanscale(const double *w, const double *b, int c, int hw, int act, const double *in, double *out)
{
    int k, u;
    for (k = 0; k < c; ++k)
        for (u = 0; u < hw; ++u) out[k * hw + u] = w[k] * in[k * hw + u] + b[k];
    ref_activate(act, out, out, (size_t)c * (size_t)hw);
}

static void toy_softsign(size_t n, const double *in, double *out)
{
    size_t u;
    for (u = 0; u < n; ++u) out[u] = in[u] / (1.0 + fabs(in[u]));
}

/* ---- the nets ----------------------------------------------------------------- */

typedef struct toy_net {
    const char *name, *src;
    size_t in, out, params;
    /* y = the net's forward on x, with the parameters p */
    void (*forward)(const double *p, const double *x, double *y);
} toy_net;

/* A: the toys between the input and a dense softmax layer, chanscale first
 * (it reads x), softsign in the middle */
static void net_a(const double *p, const double *x, double *y)
{
    double a1[24], a2[24];
    ref_net d = ref_net_make(2, 4, 3, REF_LOGLIK);
    ref_add_dense(&d, 3, REF_SOFTMAX);
    toy_chanscale(p, p + 2, 2, 12, REF_TANH, x, a1);
    toy_softsign(24, a1, a2);
    ref_forward(&d, p + 4, a2, y);
}

/* B: chanscale as the sigmoid output layer (cross-entropy: z for the
 * cost, δ given by it) over a conv layer it propagates δ to */
static void net_b(const double *p, const double *x, double *y)
{
    double a1[32];
    ref_net c = ref_net_make(1, 5, 5, REF_QUADRATIC);
    ref_add_conv(&c, 2, 2, 2, 1, 1, 0, REF_SIGMOID);
    ref_forward(&c, p, x, a1);
    toy_chanscale(p + 10, p + 12, 2, 16, REF_SIGMOID, a1, y);
}

/* C: softsign first (no backward), chanscale linear, softsign as the
 * output layer of the quadratic cost */
static void net_c(const double *p, const double *x, double *y)
{
    double a1[18], a2[18];
    toy_softsign(18, x, a1);
    toy_chanscale(p, p + 2, 2, 9, REF_LINEAR, a1, a2);
    toy_softsign(18, a2, y);
}

static const toy_net nets[] = {
    { "a", "return network { name = 'a', input = { 2, 4, 3 }, layers = {\n"
           "  chanscale { act = 'tanh' }, softsign {}, dense { units = 3, act = 'softmax' } } }\n",
      24, 3, 4 + 75, net_a },
    { "b", "return network { name = 'b', input = { 1, 5, 5 }, layers = {\n"
           "  conv { maps = 2, kernel = 2, act = 'sigmoid' }, chanscale { act = 'sigmoid' } },\n"
           "  cost = 'cross-entropy' }\n",
      25, 32, 10 + 4, net_b },
    { "c", "return network { name = 'c', input = { 2, 3, 3 }, layers = {\n"
           "  softsign {}, chanscale { act = 'linear' }, softsign {} }, cost = 'quadratic' }\n",
      18, 18, 4, net_c },
};

static void toys_init(void)
{
    tb_set_prelude(toys_lua);
}

static unsigned long long lcg(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

/* Generated in every form, float and double, the C compiles without a
 * diagnostic under gcc (-O2, to see its flow warnings) and tcc. */
Test(layer_interface, toy_kinds_compile_warning_free, .init = toys_init, .timeout = 120)
{
    static const char *const reals[] = { "float", "double" }, *const unrolls[] = { "none", "kernel", "full" };
    size_t n;
    int r, u;
    fs_scratch_make("toys");
    for (n = 0; n < sizeof nets / sizeof nets[0]; ++n)
        for (r = 0; r < 2; ++r)
            for (u = 0; u < 3; ++u) {
                tb_gen g;
                char err[1024], c[80], h[80];
                int rc = tb_generate(nets[n].src, reals[r], unrolls[u], &g, err, sizeof err);
                cr_assert_eq(rc, 0, "net %s, %s, --unroll %s: %s", nets[n].name, reals[r], unrolls[u], err);
                snprintf(c, sizeof c, "%s.c", g.name);
                snprintf(h, sizeof h, "%s.h", g.name);
                fs_spit(fs_path(c), g.c, strlen(g.c));
                fs_spit(fs_path(h), g.h, strlen(g.h));
                free(proc_ok("cd '%s' && gcc -std=c99 -Wall -Wextra -pedantic -Werror -O2 -c %s -o gcc.o 2>&1",
                             fs_scratch(), c));
                free(proc_ok("cd '%s' && tcc -Wall -Werror -c %s -o tcc.o 2>&1", fs_scratch(), c));
                tb_gen_free(&g);
            }
    fs_scratch_remove();
}

/* Built with tcc in double in every form (and with cc), the forward is the
 * toys' and every gradient component matches finite differences. */
Test(layer_interface, toy_kinds_forward_and_gradient, .init = toys_init, .timeout = 120)
{
    static const char *const unrolls[] = { "none", "kernel", "full", "none" };
    size_t n, k;
    int u;
    for (n = 0; n < sizeof nets / sizeof nets[0]; ++n)
        for (u = 0; u < 4; ++u) {
            const char *backend = u == 3 ? "cc" : "tcc";
            const toy_net *t = &nets[n];
            double x[32], y[32], want[32], *p;
            unsigned long long s = 99 + n;
            char err[1024];
            net_api api;
            void *work;
            gc_opts o;
            gc_result res;
            cr_assert_eq(tb_build(t->src, "double", unrolls[u], backend, NULL, &api, err, sizeof err), 0,
                         "net %s, --unroll %s, %s: %s", t->name, unrolls[u], backend, err);
            cr_assert(api.in_size == t->in && api.out_size == t->out && api.param_count == t->params,
                      "net %s: in %zu out %zu params %zu", t->name, api.in_size, api.out_size, api.param_count);
            p = malloc(api.param_count * sizeof *p);
            work = malloc(api.work_size);
            cr_assert(p && work);
            api.init.d(p, 7);
            for (k = 0; k < t->in; ++k) x[k] = (double)(lcg(&s) % 2001) / 1000.0 - 1.0;
            api.forward.d(p, work, x, y);
            t->forward(p, x, want);
            for (k = 0; k < t->out; ++k)
                cr_assert(fabs(y[k] - want[k]) <= 1e-12 * fabs(want[k]) + 1e-14,
                          "net %s, --unroll %s, %s: y[%zu] = %.17g, the toys give %.17g", t->name, unrolls[u],
                          backend, k, y[k], want[k]);
            memset(&o, 0, sizeof o);
            gradcheck_defaults(&o);
            o.seed = 5 + n;
            cr_assert_eq(gradcheck_run(&api, NULL, 0, &o, &res, err, sizeof err), 0, "%s", err);
            cr_assert(gradcheck_group_ok(&res, 1e-6) && res.checked == api.param_count,
                      "net %s, --unroll %s, %s: gradient component %zu: backprop %.17g, finite difference %.17g "
                      "(%zu checked, %zu skipped)", t->name, unrolls[u], backend, res.worst_index, res.worst_g,
                      res.worst_fd, res.checked, res.skipped);
            free(p);
            free(work);
            jit_release(&api);
        }
}

/* ---- the interface's promises ----------------------------------------------- */

/* Runs Lua `code` in a new generator state; returns NULL or its error
 * (malloc'd). */
static char *run_lua(const char *code)
{
    lua_State *T = host_new();
    char *msg = NULL;
    cr_assert(T);
    if (luaL_dostring(T, code) != LUA_OK) {
        const char *e = lua_tostring(T, -1);
        msg = strdup(e ? e : "?");
    }
    lua_close(T);
    return msg;
}

Test(layer_interface, template_and_every_kind_answer_every_member)
{
    char *e = run_lua(
        "local registry = require('registry')\n"
        "local T = require('layer.TEMPLATE')\n"
        "local bad = registry.check('TEMPLATE', T)\n"
        "if bad then error(bad, 0) end\n"
        "local members = {}\n"
        "for _, k in ipairs(registry.REQUIRED) do members[#members + 1] = k end\n"
        "for k in pairs(registry.defaults) do members[#members + 1] = k end\n"
        "for _, k in ipairs(members) do\n"
        "  if rawget(T, k) == nil then error('layer/TEMPLATE.lua does not show ' .. k, 0) end\n"
        "  for _, name in ipairs(registry.order) do\n"
        "    local v = registry.kinds[name][k]\n"
        "    if v == nil or (registry.defaults[k] and type(v) ~= 'function') then\n"
        "      error(name .. ' does not answer ' .. k .. ' as a function', 0)\n"
        "    end\n"
        "  end\n"
        "end\n");
    cr_assert_null(e, "%s", e);
}

Test(layer_interface, a_member_the_interface_does_not_have_is_refused)
{
    char *e = run_lua(
        "local registry = require('registry')\n"
        "registry.register('typo', { example = 'typo {}', schema = {}, resolve = print, forms = print,\n"
        "                            work = print, cost_give_delta = print })\n");
    cr_assert(e && strstr(e, "layer kind typo: 'cost_give_delta' is not a member of the layer interface"),
              "%s", e ? e : "(accepted)");
    free(e);
}

/* The toys keep the default int8 policy, "refuse": one line naming the layer. */
Test(layer_interface, a_kind_without_int8_is_refused_in_one_line, .init = toys_init)
{
    lua_State *T = host_new();
    char err[1024];
    int rc;
    cr_assert(T && luaL_dostring(T, toys_lua) == LUA_OK);
    lua_newtable(T);
    lua_pushstring(T, "inference");
    lua_setfield(T, -2, "mode");
    lua_pushstring(T, "int8");
    lua_setfield(T, -2, "quantize");
    rc = host_describe_source(T, nets[0].src, strlen(nets[0].src), "toy.lua", "info", -1, 2, err, sizeof err);
    cr_assert_eq(rc, HOST_USER, "status %d: %s", rc, err);
    cr_assert_str_eq(err, "toy.lua:2: softsign (layer 2): --quantize int8 cannot quantize a softsign layer "
                          "(it has no int8 form)");
    lua_close(T);
}

/* One resolved net generates several forms (float and double, every
 * unroll, training with two chunk sizes, inference, int8), each equal to
 * its generation from a fresh resolve, in any order: no generation leaves
 * state on the layer records that another would see. */
Test(layer_interface, one_resolve_generates_every_form, .timeout = 60)
{
    static const char src[] =
        "return network { name = 'm', input = { 1, 12, 12 }, layers = {\n"
        "  conv { maps = 3, kernel = 3, pad = 1, act = 'relu' }, maxpool { size = 2 },\n"
        "  conv { maps = 4, kernel = 3, act = 'tanh' }, dense { units = 10, act = 'softmax' } },\n"
        "  train = { batch = 6 } }\n";
    static const char code[] =
        "local desc = ...\n"
        "local cnngen, quant = require('cnngen'), require('quant')\n"
        "local function w(path, n)\n"
        "  local t = {}\n"
        "  for k = 1, n do t[k] = ((k * 7919) % 255 - 127) / 512 end\n"
        "  return t, 'h'\n"
        "end\n"
        "local net = cnngen.resolve(desc, { chunk = 'm.lua' })\n"
        "local forms = {\n"
        "  { real = 'float', unroll = 'kernel', backend = 'tcc' }, { real = 'double', unroll = 'none' },\n"
        "  { real = 'float', unroll = 'full' }, { real = 'float', unroll = 'none', chunk_size = 2 },\n"
        "  { real = 'double', unroll = 'kernel', mode = 'inference', weights_path = 'w', load_weights = w },\n"
        "  { real = 'float', unroll = 'none', mode = 'inference', weights_path = 'w', load_weights = w,\n"
        "    quantize = 'int8', calibration = quant.stand_in(net) },\n"
        "}\n"
        "local function gen(o)\n"
        "  local c = { chunk = 'm.lua' }\n"
        "  for k, v in pairs(o) do c[k] = v end\n"
        "  return cnngen.generate(desc, c).unit\n"
        "end\n"
        "local fresh = {}\n"
        "for i, o in ipairs(forms) do fresh[i] = gen(o) end\n"
        "local resolve = cnngen.resolve\n"
        "cnngen.resolve = function() return net end\n"
        "for _, order in ipairs({ { 1, 2, 3, 4, 5, 6 }, { 6, 4, 2, 5, 3, 1 } }) do\n"
        "  for _, i in ipairs(order) do\n"
        "    if gen(forms[i]) ~= fresh[i] then\n"
        "      cnngen.resolve = resolve\n"
        "      error('form ' .. i .. ' from the one resolved net differs from its own generation', 0)\n"
        "    end\n"
        "  end\n"
        "end\n"
        "cnngen.resolve = resolve\n";
    lua_State *T = host_new();
    char err[1024];
    int last_line;
    cr_assert(T);
    cr_assert_eq(host_sandbox(T, src, strlen(src), "m.lua", NULL, &last_line, err, sizeof err), HOST_OK, "%s", err);
    cr_assert_eq(luaL_loadstring(T, code), LUA_OK, "%s", lua_tostring(T, -1));
    lua_insert(T, -2);
    cr_assert_eq(lua_pcall(T, 1, 0, 0), LUA_OK, "%s", lua_tostring(T, -1));
    lua_close(T);
}
