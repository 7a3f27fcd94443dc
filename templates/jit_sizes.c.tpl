
/* ---- sizes as functions, for cnngen's in-process builds (not in ${header}) */
size_t ${P}_work_size(void);
size_t ${P}_in_size(void);
size_t ${P}_out_size(void);
size_t ${P}_param_count(void);
size_t ${P}_work_size(void) { return sizeof(${P}_work); }
size_t ${P}_in_size(void) { return ${PU}_IN_SIZE; }
size_t ${P}_out_size(void) { return ${PU}_OUT_SIZE; }
size_t ${P}_param_count(void) { return ${PU}_PARAM_COUNT; }
