export { EchoDetector } from './EchoDetector.js';
export type { EchoDetectorOptions } from './echoConfig.js';
export { DEFAULT_ECHO_CONFIG } from './echoConfig.js';
export type { EchoState, EchoVerdict } from './EchoVerdict.js';
export { EchoGuards } from './EchoGuards.js';
export type { EchoRole } from './EchoGuards.js';
