export * from './SfuControl.js';
export * from './LocalSfu.js';
export * from './config.js';
export { TypedEmitter } from './TypedEmitter.js';
export { MediaTap } from './MediaTap.js';
