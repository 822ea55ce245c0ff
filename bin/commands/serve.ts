/**
 * `resdet serve DIR [--port 8080]`: serves a folder (an exported web page, `resdet export --format web`) over
 * HTTP on localhost until interrupted; browsers run the page's WebAssembly only from http(s) pages.
 */
import * as fs from 'fs';
import { Command } from 'commander';
import { action, numFlag, UsageError } from '../errors';
import { staticServer } from '../../export/web/static_server';

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve a folder (the web page of resdet export --format web) on http://localhost:PORT/')
    .argument('<dir>', 'the folder to serve')
    .option('--port <n>', 'port (0: any free one)', numFlag('--port'), 8080)
    .option('--host <name>', 'interface to listen on', '127.0.0.1')
    .action(
      action(async (dir: string, f: { port: number; host: string }) => {
        if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${dir}: no such folder`);
        if (!Number.isInteger(f.port) || f.port < 0 || f.port > 65535) throw new UsageError(`--port must be an integer 0-65535, got ${f.port}`);
        const server = staticServer(dir);
        await new Promise<void>((resolve, reject) => {
          server.once('error', (e) => reject(new UsageError(`cannot listen on ${f.host}:${f.port}: ${e.message}`)));
          server.listen(f.port, f.host, () => resolve());
        });
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : f.port;
        process.stdout.write(`serving ${dir} on http://${f.host === '0.0.0.0' ? 'localhost' : f.host}:${port}/ (Ctrl-C stops)\n`);
        await new Promise<void>((resolve) => process.once('SIGINT', () => server.close(() => resolve())));
      }),
    );
}
