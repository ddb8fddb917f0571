/* ClassBridge shim: placeholder translation unit for a dummy static library. */
int classbridge_shim_dummy_abseil_cpp(void) { return 0; }
