const ${real} *z = ${sw}z${l};
${real} *a = ${sw}a${l}, zmax = z[0], sum = ${zero};
for (o = 1; o < ${L.units}; ++o) if (z[o] > zmax) zmax = z[o];
for (o = 0; o < ${L.units}; ++o) sum += a[o] = ${fn("exp")}(z[o] - zmax);
for (o = 0; o < ${L.units}; ++o) a[o] /= sum;
