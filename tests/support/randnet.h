/*
 * randnet.h -- test support: random VALID networks, a pure function of a
 * seed.  One draw for every test that wants random nets: the random-net
 * property test (tests/test_random_nets.c: forward and gradients against
 * the reference) and the warning property test (tests/test_werror.c: every
 * form compiled with -Werror).
 *
 * A net: 1-3 input channels, 4-12 pixels a side (20-40 one time in
 * four; square two times in three), 1-4 layers drawn from the
 * reference's table of kinds (ref.h: ref_kind, by their weights; each
 * kind's own draw gives its fields), a cost, and activations that suit
 * it: the last layer of log-likelihood is a softmax, of cross-entropy a
 * sigmoid; quadratic nets may end in anything, a softmax one time in
 * four where the last kind takes it.
 * Fewer than RN_MAX_PARAMS parameters, at least one.
 *
 * Where the draw grows: a layer kind is one entry in ref.c's table
 * (ref_kinds, with its draw) and needs nothing here; a variant of a kind's
 * fields that the reference models (a window that does not tile, pad =
 * "same") is one line in randnet.c's rn_variants.
 */
#ifndef TESTS_RANDNET_H
#define TESTS_RANDNET_H

#include "ref.h"

#define RN_MAX_PARAMS 3000

/* The net of seed (the first usable attempt of its stream). */
ref_net rn_net(unsigned long long seed);

#endif
