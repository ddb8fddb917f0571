export * from './harness/localServer.js';
export * from './harness/browser.js';
export * from './harness/pageStats.js';
export * from './harness/BrowserLab.js';
export * from './harness/serverProcess.js';
export * from './harness/sdkPage.js';
export * from './media/index.js';
export * from './impairment/index.js';
