import type { Command } from 'commander';
import { startViewServer } from '../view/server.js';
import { integerOption } from './options.js';

/** `srcaco view [FOLDER...] [--port P]`: the browser viewer over data roots, runs and evaluation outputs. */
export function register(program: Command): void {
  program
    .command('view')
    .description('browse and compare LR, bicubic, models and HR in the browser; run models there (read-only, 127.0.0.1)')
    .argument('[folders...]', 'data roots (srcaco prep --out), run folders or eval outputs to serve (default: .)')
    .addOption(integerOption('--port <p>', 'port to listen on (default: any free port)', { min: 0, max: 65535 }))
    .action(async (folders: string[], raw: { port?: number }) => {
      const view = await startViewServer({ roots: folders.length > 0 ? folders : ['.'], port: raw.port });
      process.stdout.write(`srcaco view: ${view.url} (serving ${folders.length > 0 ? folders.join(', ') : '.'}; Ctrl-C stops)\n`);
      await new Promise<void>((done) => {
        const stop = () => void view.close().then(done);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
