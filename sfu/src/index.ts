export * from './SfuControl.js';
export * from './LocalSfu.js';
export * from './config.js';
export { TypedEmitter } from './TypedEmitter.js';
export { MediaTap } from './MediaTap.js';
export { RemoteSfu } from './remote/RemoteSfu.js';
export { SfuNodeServer } from './remote/SfuNodeServer.js';
export { SFU_RPC_METHODS, parseRequest as parseSfuRequest } from './remote/sfuRpc.js';
