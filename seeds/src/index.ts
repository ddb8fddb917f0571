export * from './demoDistrict.js';
