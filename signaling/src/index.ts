export { startServer } from './server.js';
export type { RunningServer, StartOptions } from './server.js';
export { loadConfig, ConfigError } from './config.js';
export type { ServerConfig } from './config.js';
export { createLogger } from './logger.js';
export { TokenService } from './auth/TokenService.js';
export type { DirectoryInput } from './domain/schemas.js';
export { installProcessGuard } from './processGuard.js';
