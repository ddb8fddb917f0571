export * from './syncPattern.js';
export * from './y4m.js';
export * from './wav.js';
export * from './fakeMedia.js';
export * from './analyzeMedia.js';
export * from './recordInPage.js';
export * from './speech.js';
export * from './wordErrors.js';
