/**
 * The Blob URLs tfjs's threaded wasm build hands Emscripten (its worker script, its own module factory), as files
 * Node's worker_threads can load (engine/wasm_threads.ts says why and when).
 */
import * as fs from 'fs';
import * as path from 'path';

/** `Blob`s made from text are remembered; `URL.createObjectURL` of tfjs's worker script gives a file instead. */
export function captureBlobUrls(dir: string): () => void {
  const OriginalBlob = globalThis.Blob;
  const createObjectURL = URL.createObjectURL;
  const text = new WeakMap<Blob, string>();
  const factoryFile = path.join(dir, 'factory.js');
  class TextBlob extends OriginalBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      const parts = args[0];
      if (!parts?.every((p) => typeof p === 'string')) return;
      const body = parts.join('');
      text.set(this, body);
      if (body.startsWith('var WasmBackendModuleThreadedSimd') && !fs.existsSync(factoryFile)) {
        fs.writeFileSync(factoryFile, bundleRequires() + body);
      }
    }
  }
  globalThis.Blob = TextBlob as typeof Blob;
  const workerFile = path.join(dir, 'worker.js');
  let workerText: string | undefined;
  URL.createObjectURL = (blob: Blob): string => {
    const body = text.get(blob);
    if (body === undefined) return createObjectURL(blob);
    // Asked once per worker of the pool: written the first time only. Rewriting it (truncate, then write) while an
    // earlier worker reads it gave that worker an empty script; it ended at once, and with the other workers loaded
    // (and unref'd by Emscripten) nothing held the event loop: the process exited with 0 before the backend was up.
    if (workerText === undefined) {
      // inside the worker, the factory Blob it is sent becomes the factory file written above
      const stub = `URL.createObjectURL = () => ${JSON.stringify(factoryFile)}; URL.revokeObjectURL = () => {};\n`;
      fs.writeFileSync(workerFile, stub + body);
      workerText = body;
    } else if (body !== workerText) {
      throw new Error('tfjs-backend-wasm asked for two different worker scripts');
    }
    return workerFile;
  };
  return () => {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = createObjectURL;
  };
}

/**
 * The factory's text refers to the Node modules its bundle required at the top (`var require$$0 = require('fs');`
 * ...) and to rollup's `commonjsGlobal`: the same declarations, read from the bundle, for the worker's copy.
 */
function bundleRequires(): string {
  const bundle = fs.readFileSync(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js'), 'utf8');
  const lines = bundle.slice(0, 4000).match(/^var require\$\$\d+ = require\('[\w/]+'\);$/gm) ?? [];
  return `${lines.join('\n')}\nvar commonjsGlobal = globalThis;\n`;
}
