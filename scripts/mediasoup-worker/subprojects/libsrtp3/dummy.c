/* ClassBridge shim: placeholder translation unit for a dummy static library. */
int classbridge_shim_dummy_libsrtp3(void) { return 0; }
