// onnxruntime-node's native binding returns typed arrays of Node's own realm, and onnxruntime-common
// (loaded in jest's sandbox) checks them with `instanceof`: give the sandbox the outer realm's classes.
const { TestEnvironment } = require('jest-environment-node');

class OuterRealmEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of ['Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array', 'ArrayBuffer']) {
      this.global[name] = globalThis[name];
    }
  }
}
module.exports = OuterRealmEnvironment;
