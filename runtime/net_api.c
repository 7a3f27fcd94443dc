/*
 * net_api.c -- the work struct and parameter vectors of a generated
 * network (see net_api.h).
 */
#include "net_api.h"

#include <stdlib.h>
#include <string.h>

/* See net_api.h. */
void *net_work_new(const net_api *api)
{
    size_t size = api->work_size ? api->work_size : 1;
    void *w = NULL;
    if (posix_memalign(&w, 64, size) != 0) return NULL;
    memset(w, 0, size);
    return w;
}

/* See net_api.h. */
float *net_params_new(const net_api *api)
{
    /* [16 floats][lead floats][params]: the float just before params
     * records lead, for net_params_free */
    size_t lead = api->param_lead < 16 ? api->param_lead : 0;
    float *base;
    void *p = NULL;
    if (posix_memalign(&p, 64, (16 + lead + api->param_count + 1) * sizeof(float)) != 0) return NULL;
    base = p;
    base[16 + lead - 1] = (float)lead;
    return base + 16 + lead;
}

void net_params_free(float *params)
{
    if (params) free(params - 16 - (size_t)params[-1]);
}
