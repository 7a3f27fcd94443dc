@ -- a^l = softmax(z^l) for each sample of the chunk
    for (s = 0; s < n; ++s) {
${include("softmax.c.tpl", "        ")}
    }
