export * from './errors.js';
export * from './roles.js';
export * from './mediaSchemas.js';
export * from './requests.js';
export * from './notifications.js';
export * from './views.js';
export * from './envelope.js';
export * from './token.js';
