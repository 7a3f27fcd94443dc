/*
 * fuzz_state.c -- fuzz target: the training-state sidecar "W.state"
 * (runtime/train.c: train_state_load).
 *
 * The input is the sidecar of a weights file w.bin.  Every input must end
 * in a state or a one-line message; a state read must have at most
 * TRAIN_STATE_ENTRIES entries, none negative, and read back the same
 * after train_state_save.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "train.h"

/* The adapters. */
static int state_load(const char *weights, train_state *st, char *err, size_t errlen)
{
    return train_state_load(weights, st, err, errlen);
}

static int state_save(const char *weights, const train_state *st, char *err, size_t errlen)
{
    return train_state_save(weights, st, err, errlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char weights[600], path[700], err[1024];
    train_state st, again;
    int rc, i;
    fuzz_path(weights, sizeof weights, "w.bin");
    snprintf(path, sizeof path, "%s%s", weights, TRAIN_STATE_SUFFIX);
    fuzz_write(path, data, size, 0);
    rc = state_load(weights, &st, err, sizeof err);
    if (rc < 0) {
        fuzz_check_message("train_state_load", err, path);
        return 0;
    }
    if (rc != 1) fuzz_bug("train_state_load", "no state read from a sidecar that exists");
    if (st.n < 0 || st.n > TRAIN_STATE_ENTRIES) fuzz_bug("train_state_load", "a wrong entry count");
    for (i = 0; i < st.n; ++i) {
        if (st.pos[i].epoch < 0 || st.pos[i].sample < 0) fuzz_bug("train_state_load", "a negative position");
        if (train_state_find(&st, st.pos[i].weights) == NULL) fuzz_bug("train_state_find", "lost an entry");
    }
    if (state_save(weights, &st, err, sizeof err) != 0) fuzz_bug("train_state_save", err);
    if (state_load(weights, &again, err, sizeof err) != 1) fuzz_bug("train_state_load", err);
    if (memcmp(&st, &again, sizeof st) != 0) fuzz_bug("train_state", "a state saved does not read back the same");
    return 0;
}
