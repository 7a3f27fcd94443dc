@ -- the forward outside training (forward, predict): the winners, which
@ -- the backward alone reads, left out
${include("maxpool_forward_rows.c.tpl", "", { pass = "infer", winners = false })}
