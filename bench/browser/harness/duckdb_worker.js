// DuckDB-WASM's worker, wrapped: it records the WebAssembly.Memory objects of the modules it
// instantiates in `self.__benchWasmMemories`, where the bench's memory sampler reads them
// (lib/memory.mjs). `Runtime.queryObjects`, which finds them in the app's worker, crashes
// Chromium 156's renderer in DuckDB's worker. Then it runs DuckDB's own worker script.
'use strict';

self.__benchWasmMemories = [];
const remember = (memory) => {
  if (memory instanceof WebAssembly.Memory && !self.__benchWasmMemories.includes(memory)) {
    self.__benchWasmMemories.push(memory);
  }
};
const rememberExports = (result) => {
  const instance = result instanceof WebAssembly.Instance ? result : result.instance;
  for (const value of Object.values(instance?.exports ?? {})) remember(value);
  return result;
};
for (const name of ['instantiate', 'instantiateStreaming']) {
  const original = WebAssembly[name];
  WebAssembly[name] = function (...args) {
    return original.apply(this, args).then(rememberExports);
  };
}
const OriginalMemory = WebAssembly.Memory;
function Memory(descriptor) {
  const memory = new OriginalMemory(descriptor);
  remember(memory);
  return memory;
}
Memory.prototype = OriginalMemory.prototype;
WebAssembly.Memory = Memory;

importScripts(new URL(self.location.href).searchParams.get('script'));
