/**
 * engine/wasm_blob_files.ts: while captured, tfjs's worker-script Blob becomes a file that is written once, however
 * often Emscripten asks for its URL (once per pool worker). Rewriting it while an earlier worker read it gave that
 * worker an empty script, and the process sometimes exited with 0 before wasm was up (the CI failure of
 * wasm_threads.test.ts under the full suite's load).
 */
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from '../helpers/temp_dir';
import { captureBlobUrls } from '../../engine/wasm_blob_files';

const WORKER = "self.onmessage = () => {}; // Emscripten's worker script\n";

function captured<T>(fn: (dir: string) => T): T {
  const dir = tempDir('blob-files');
  const restore = captureBlobUrls(dir);
  try {
    return fn(dir);
  } finally {
    restore();
  }
}

test('the worker script is written once: later URLs are the same file, left as it is', () => {
  captured((dir) => {
    const blob = new Blob([WORKER], { type: 'application/javascript' });
    const file = URL.createObjectURL(blob);
    expect(file).toBe(path.join(dir, 'worker.js'));
    const text = fs.readFileSync(file, 'utf8');
    expect(text.endsWith(WORKER)).toBe(true);
    expect(text).toContain(JSON.stringify(path.join(dir, 'factory.js'))); // the stub: the factory Blob is that file
    fs.writeFileSync(file, 'a worker is reading this'); // stands for: a worker has it open now
    for (let i = 0; i < 7; i++) expect(URL.createObjectURL(new Blob([WORKER]))).toBe(file);
    expect(fs.readFileSync(file, 'utf8')).toBe('a worker is reading this');
  });
});

test('a second, different worker script is refused; Blobs that are not text keep real blob: URLs', () => {
  captured(() => {
    URL.createObjectURL(new Blob([WORKER]));
    expect(() => URL.createObjectURL(new Blob(['another script']))).toThrow('two different worker scripts');
    const url = URL.createObjectURL(new Blob([new Uint8Array([1, 2, 3])]));
    expect(url.startsWith('blob:')).toBe(true);
    URL.revokeObjectURL(url);
  });
});

test('restoring gives back Blob and URL.createObjectURL', () => {
  const { Blob: before } = globalThis;
  const create = URL.createObjectURL;
  captured(() => expect(globalThis.Blob).not.toBe(before));
  expect(globalThis.Blob).toBe(before);
  expect(URL.createObjectURL).toBe(create);
});
