@ -- the forward outside training (forward, predict): the winners, which
@ -- the backward alone reads, left out
${include("maxpool_forward_offsets.c.tpl", "", { pass = "infer", winners = false })}
