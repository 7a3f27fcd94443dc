/*
 * exp_world.h -- cnngen.world() and cnngen.gather() of experiment
 * scripts, for sweeps under mpirun (see exp_world.c).
 */
#ifndef CNNGEN_EXP_WORLD_H
#define CNNGEN_EXP_WORLD_H

#include "lua.h"

/* cnngen.world() -> rank, size (0, 1 without mpirun) */
int exp_world(lua_State *L);

/* cnngen.gather(value) -> on rank 0, the list of every rank's value in
 * rank order; nil on the others. */
int exp_gather(lua_State *L);

#endif
