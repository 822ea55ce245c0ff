/**
 * A tiny static file server for an exported web page (`resdet serve DIR`): GET and HEAD of the files below
 * the folder (index.html for '/'), with the content types browsers need for WebAssembly and module scripts;
 * nothing outside the folder is served.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
};

/** The file a request path names inside `root`, or null when it leaves it or names none. */
export function resolveRequest(root: string, url: string): string | null {
  const rel = decodeURIComponent(url.split('?')[0]);
  const file = path.resolve(root, '.' + (rel.endsWith('/') ? rel + 'index.html' : rel));
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  return fs.existsSync(file) && fs.statSync(file).isFile() ? file : null;
}

export function staticServer(dir: string): http.Server {
  const root = path.resolve(dir);
  return http.createServer((req, res) => {
    const file = req.method === 'GET' || req.method === 'HEAD' ? resolveRequest(root, req.url ?? '/') : null;
    if (!file) {
      res.writeHead(req.method === 'GET' || req.method === 'HEAD' ? 404 : 405, { 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
}
