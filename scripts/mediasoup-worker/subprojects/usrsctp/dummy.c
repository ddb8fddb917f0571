/* ClassBridge shim: placeholder translation unit for a dummy static library. */
int classbridge_shim_dummy_usrsctp(void) { return 0; }
