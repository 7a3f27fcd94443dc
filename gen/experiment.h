/*
 * experiment.h -- `cnngen run EXP.lua` for scripts that drive an
 * experiment through the `cnngen` module (see experiment.c).
 */
#ifndef CNNGEN_EXPERIMENT_H
#define CNNGEN_EXPERIMENT_H

#include "lua.h"

/* Run the file at path in the sandbox with the `cnngen` module.  If it
 * used the module, it was an experiment: return 1 with the exit status in
 * *status (its errors already printed).  Otherwise (a plain description,
 * or an error before any use of the module) return 0: the caller goes on
 * as for a description, and reports any error itself. */
int experiment_try(lua_State *T, const char *path, int *status);

#endif
