/**
 * `resdet serve`'s static server (export/web/static_server.ts): files below the folder are served with the
 * content types browsers need (wasm, scripts), '/' is index.html, and no request path leaves the folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AddressInfo } from 'net';
import { resolveRequest, staticServer } from '../../export/web/static_server';
import { tempDir } from '../helpers/temp_dir';

const root = tempDir('static-server');
fs.writeFileSync(path.join(root, 'index.html'), '<p>hi</p>');
fs.writeFileSync(path.join(root, 'a.wasm'), Buffer.from([0, 97, 115, 109]));
fs.mkdirSync(path.join(root, 'sub'));
fs.writeFileSync(path.join(path.dirname(root), 'outside-secret.txt'), 'secret');

test('request paths resolve inside the folder only', () => {
  expect(resolveRequest(root, '/')).toBe(path.join(root, 'index.html'));
  expect(resolveRequest(root, '/a.wasm?v=1')).toBe(path.join(root, 'a.wasm'));
  expect(resolveRequest(root, '/../outside-secret.txt')).toBeNull();
  expect(resolveRequest(root, '/%2e%2e/outside-secret.txt')).toBeNull();
  expect(resolveRequest(root, '/sub')).toBeNull();
  expect(resolveRequest(root, '/missing.js')).toBeNull();
});

test('the server answers with content types, 404 and 405', async () => {
  const server = staticServer(root);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const wasm = await fetch(`${base}/a.wasm`);
    expect(wasm.status).toBe(200);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(Buffer.from(await wasm.arrayBuffer())).toEqual(Buffer.from([0, 97, 115, 109]));
    const index = await fetch(`${base}/`);
    expect(await index.text()).toBe('<p>hi</p>');
    expect(index.headers.get('content-type')).toContain('text/html');
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(405);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
