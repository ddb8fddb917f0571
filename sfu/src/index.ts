export * from './SfuControl.js';
export * from './LocalSfu.js';
export * from './config.js';
export { TypedEmitter } from './TypedEmitter.js';
