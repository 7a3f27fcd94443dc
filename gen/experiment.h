/*
 * experiment.h -- `cnngen run EXP.lua` for scripts that drive an
 * experiment through the `cnngen` module (see experiment.c).
 */
#ifndef CNNGEN_EXPERIMENT_H
#define CNNGEN_EXPERIMENT_H

#include "lua.h"
#include "net.h"

/* Run the file at path in the sandbox with the `cnngen` module.  If it
 * used the module, it was an experiment: return 1 with the exit status in
 * *status (its errors already printed).  Otherwise return 0: the caller
 * goes on as for a description.  A plain description has run then, once:
 * *desc keeps its result for the generator (net.h), and what it printed
 * went to stderr, as a description's print does.  After an error before
 * any use of the module, *desc is empty (desc->T NULL): the caller runs
 * the description again and reports the error itself.  Release *desc
 * with net_desc_free. */
int experiment_try(lua_State *T, const char *path, int *status, net_desc *desc);

#endif
