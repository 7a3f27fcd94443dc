/*
 * fuzz_experiment.c -- fuzz target: the experiment API of `cnngen run
 * EXP.lua` (gen/experiment.c) and the data its scripts hand it:
 * cnngen.data(name_or_dir), data:split(n), model:predict(image), the
 * option tables of model:train, and the networks given to cnngen.compile.
 *
 * The input is a script, run by experiment_try as `cnngen run` runs one,
 * beside a temporary directory that holds a tiny data set of 4x4 images
 * with 3 classes: data/ (plain IDX files), datagz/ (gzip'd), and
 * fashion-mnist (the same files, found through CNNGEN_DATASETS_DIR).  The
 * cc backend is given CC=false, so it fails at once.
 *
 * A prelude (one line, before the script) keeps each input short and its
 * files inside that directory: the paths given to cnngen.data,
 * model:save and model:load are taken in it (but the name
 * "fashion-mnist"); it refuses finite epochs above 3, networks above 4096
 * inputs or 64 units or maps, save and load of anything but a plain file
 * name, cnngen.data of an absolute path or one with "..", and more than
 * 4 compilations, 16 data sets and 64 calls of the model's methods (the
 * API's work in C is not counted against the sandbox's budgets).  Values
 * past 2^31, infinities and NaN go through: the API must refuse them
 * itself.  stdout (the scripts' print, the training reports) is
 * discarded.
 *
 * The API turns the generator's errors into errors of the script, so an
 * internal error is caught where it happens: every function of the
 * generator's module (require "cnngen") is wrapped so that an error other
 * than a user error aborts, with its traceback; and generated code that
 * tcc refuses leaves its source in TMPDIR, a directory of its own that
 * must stay empty.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lauxlib.h"
#include "experiment.h"
#include "fuzz.h"
#include "host.h"

#define FUZZ_SIDE 4
#define FUZZ_TRAIN 24
#define FUZZ_TEST 12

/* The prelude (see the top), after "do local DIR = [==[<the directory>]==] ". */
static const char prelude[] =
    "local compile, open, fns, real = cnngen.compile, cnngen.data, {}, setmetatable({}, { __mode = 'k' }) "
    "local function field(t, k) if type(t) == 'table' then return rawget(t, k) end end "
    "local function big(v, max) return type(v) == 'number' and v > max and v < 2^31 end "
    "local function named(p) return type(p) == 'string' or type(p) == 'number' end "
    "local function plain(p) if type(p) ~= 'string' then return true end "
    "  if #p == 0 or #p > 64 or p:byte(1) == 46 then return false end "
    "  for i = 1, #p do local c = p:byte(i) "
    "    if not (c == 45 or c == 46 or c == 95 or (c >= 48 and c <= 57) or (c >= 65 and c <= 90) or "
    "            (c >= 97 and c <= 122)) then return false end end "
    "  return true end "
    "local function inside(p) if type(p) ~= 'string' then return true end "
    "  if p:byte(1) == 47 then return false end "
    "  for i = 2, #p do if p:byte(i) == 46 and p:byte(i - 1) == 46 then return false end end "
    "  return true end "
    "local function tame(net) local a = field(net, '_args') "
    "  local input, layers = field(a, 'input'), field(a, 'layers') "
    "  if big(field(field(a, 'train'), 'epochs'), 3) then error('fuzz: at most 3 epochs', 3) end "
    "  if type(input) == 'table' then local n = 1 "
    "    for i = 1, 3 do local v = rawget(input, i) if type(v) == 'number' then n = n * v end end "
    "    if big(n, 4096) then error('fuzz: at most 4096 inputs', 3) end end "
    "  if type(layers) == 'table' then for _, L in next, layers do local la = field(L, '_args') "
    "    if big(field(la, 'units'), 64) or big(field(la, 'maps'), 64) then "
    "      error('fuzz: at most 64 units or maps', 3) end end end end "
    "local spent, most = {}, { compile = 4, data = 16, model = 64 } "
    "local function spend(what) spent[what] = (spent[what] or 0) + 1 "
    "  if spent[what] > most[what] then error('fuzz: too many calls of the API', 3) end end "
    "local methods = {} "
    "for _, k in ipairs({ 'train', 'evaluate', 'predict', 'save', 'load' }) do "
    "  methods[k] = function(self, p, ...) spend('model') "
    "    if k == 'train' and big(field((...), 'epochs'), 3) then error('fuzz: at most 3 epochs', 2) end "
    "    if k == 'save' or k == 'load' then "
    "      if not plain(p) then error('fuzz: a plain file name only', 2) end "
    "      if named(p) then p = DIR .. '/' .. p end end "
    "    return fns[k](real[self] or self, p, ...) end end "
    "local mt = { __index = methods, __metatable = 'cnngen.model' } "
    "cnngen.compile = function(net, ...) spend('compile') tame(net) local m = compile(net, ...) "
    "  for k in next, methods do fns[k] = m[k] end "
    "  local p = setmetatable({}, mt) real[p] = m return p end "
    "cnngen.data = function(name, ...) spend('data') "
    "  if not inside(name) then error('fuzz: a relative path only', 2) end "
    "  if named(name) and name ~= 'fashion-mnist' then name = DIR .. '/' .. name end "
    "  return open(name, ...) end "
    "end\n";

/* Wraps each function of the generator's module (see the top); the chunk
 * gets the C function to call with the traceback. */
static const char trap[] =
    "local bug = ...\n"
    "local m = require('cnngen')\n"
    "local function pass(ok, ...) if ok then return ... end error((...), 0) end\n"
    "for k, f in pairs(m) do\n"
    "  if type(f) == 'function' then\n"
    "    m[k] = function(...)\n"
    "      return pass(xpcall(f, function(e)\n"
    "        if type(e) == 'table' and e.cnngen_user_error then return e end\n"
    "        bug(debug.traceback(tostring(e), 2))\n"
    "      end, ...))\n"
    "    end\n"
    "  end\n"
    "end\n";

static int internal_error(lua_State *L)
{
    fuzz_bug("internal error", lua_tostring(L, 1));
    return 0;
}

/* An IDX file of unsigned bytes: the header for dims, then the bytes. */
static void write_idx(const char *dir, const char *base, int gz, int ndims, const unsigned *dims,
                      const unsigned char *bytes, size_t n)
{
    unsigned char buf[16 + FUZZ_TRAIN * FUZZ_SIDE * FUZZ_SIDE] = { 0, 0, 8, 0 };
    char path[700];
    int k, b;
    buf[3] = (unsigned char)ndims;
    for (k = 0; k < ndims; ++k)
        for (b = 0; b < 4; ++b) buf[4 + 4 * k + b] = (unsigned char)(dims[k] >> (24 - 8 * b));
    memcpy(buf + 4 + 4 * ndims, bytes, n);
    snprintf(path, sizeof path, "%s/%s%s", dir, base, gz ? ".gz" : "");
    fuzz_write(path, buf, 4 + 4 * (size_t)ndims + n, gz);
}

/* The tiny data set in dir: bright rows, columns or a diagonal (classes
 * 0, 1, 2) over a little noise. */
static void write_data(const char *dir, int gz)
{
    static const char *const base[2][2] = { { "train-images-idx3-ubyte", "train-labels-idx1-ubyte" },
                                            { "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" } };
    unsigned char px[FUZZ_TRAIN * FUZZ_SIDE * FUZZ_SIDE], lb[FUZZ_TRAIN];
    int split, s, r, c;
    fuzz_mkdir(dir);
    for (split = 0; split < 2; ++split) {
        int n = split ? FUZZ_TEST : FUZZ_TRAIN;
        unsigned dims[3] = { (unsigned)n, FUZZ_SIDE, FUZZ_SIDE };
        for (s = 0; s < n; ++s) {
            int cls = (s + split) % 3, at = (s * 7 + split) % FUZZ_SIDE;
            lb[s] = (unsigned char)cls;
            for (r = 0; r < FUZZ_SIDE; ++r)
                for (c = 0; c < FUZZ_SIDE; ++c) {
                    int on = cls == 0 ? r == at : cls == 1 ? c == at : r == c;
                    px[(s * FUZZ_SIDE + r) * FUZZ_SIDE + c] = (unsigned char)(on ? 220 : (s * 13 + r * 5 + c) % 40);
                }
        }
        write_idx(dir, base[split][0], gz, 3, dims, px, (size_t)n * FUZZ_SIDE * FUZZ_SIDE);
        write_idx(dir, base[split][1], gz, 1, dims, lb, (size_t)n);
    }
}

static void setup(lua_State *T)
{
    char path[600];
    write_data(fuzz_path(path, sizeof path, "data"), 0);
    write_data(fuzz_path(path, sizeof path, "datagz"), 1);
    write_data(fuzz_path(path, sizeof path, "fashion-mnist"), 1);
    fuzz_mkdir(fuzz_path(path, sizeof path, "cache"));
    setenv("XDG_CACHE_HOME", path, 1);
    setenv("CNNGEN_DATASETS_DIR", fuzz_dir(), 1);
    setenv("TMPDIR", fuzz_path(path, sizeof path, "kept"), 1);
    fuzz_mkdir(path);
    setenv("CC", "false", 1);
    if (luaL_loadstring(T, trap) != LUA_OK) fuzz_bug("harness", lua_tostring(T, -1));
    lua_pushcfunction(T, internal_error);
    lua_call(T, 1, 0);
}

/* Nothing may be left in TMPDIR (see the top). */
static void check_kept(void)
{
    DIR *d = opendir(getenv("TMPDIR"));
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            fuzz_bug("internal error: generated code that tcc refuses, kept as", e->d_name);
    if (d) closedir(d);
}

/* The adapter: run the script at path as `cnngen run` would. */
static int run_script(lua_State *T, const char *path, int *status)
{
    net_desc d;
    int used;
    memset(&d, 0, sizeof d);
    used = experiment_try(T, path, status, &d);
    net_desc_free(&d);
    return used;
}

/* Point stdout at /dev/null, after flushing; the old fd is returned. */
static int quiet(void)
{
    int old, to;
    fflush(stdout);
    old = dup(1);
    to = open("/dev/null", O_WRONLY);
    if (old < 0 || to < 0 || dup2(to, 1) < 0) fuzz_bug("harness", "cannot redirect stdout");
    close(to);
    return old;
}

static void unquiet(int old)
{
    fflush(stdout);
    dup2(old, 1);
    close(old);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lua_State *T;
    char path[600];
    int out, status = 0;
    FILE *f;
    if (!T) {
        if (!(T = host_new())) fuzz_bug("host_new", "out of memory");
        setup(T);
        fuzz_lua_coverage(T);
    }
    f = fopen(fuzz_path(path, sizeof path, "exp.lua"), "wb");
    if (!f || fprintf(f, "do local DIR = [==[%s]==] %s", fuzz_dir(), prelude) < 0 ||
        fwrite(data, 1, size, f) != size || fclose(f) != 0)
        fuzz_bug("harness", "cannot write the script");
    out = quiet();
    run_script(T, path, &status);
    unquiet(out);
    lua_settop(T, 0);
    check_kept();
    return 0;
}
