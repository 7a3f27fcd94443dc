@ -- the forward outside training (forward, predict): the winners, which
@ -- the backward alone reads, left out
${include("maxpool_forward_loops.c.tpl", "", { pass = "infer", winners = false })}
