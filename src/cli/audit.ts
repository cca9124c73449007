import type { Command } from 'commander';
import { SrcacoError } from '../errors.js';
import { formatAuditReport } from '../prep/audit-report.js';
import { auditDataset } from '../prep/audit.js';
import { splitFileOption } from './options.js';
import { progressBar, type Progress } from './progress.js';

/** `srcaco audit DIR`: duplicates, leakage and malformed files of a tiles or patches dataset. */
export function register(program: Command): void {
  program
    .command('audit')
    .description('check a tiles or patches dataset: duplicate tiles (from pixels), split leakage, duplicate and empty-ROI patches, size/bit-depth mismatches, missing files; exits non-zero on leakage')
    .argument('<dir>', 'a tiles folder (HighRes1024/, ...) or a patches folder written by `srcaco prep`')
    .addOption(splitFileOption("the split to check leakage against (default: the split folders, else the paper's)"))
    .option('--json', 'print {"duplicates": [[a, b]], "leaks": [{"tiles": [a, b], "splits": [..]}], "problems": [..]}')
    .action(async (dir: string, raw: { splitFile?: string; json?: boolean }) => {
      let bar: Progress | undefined;
      const report = await auditDataset(dir, {
        splitFile: raw.splitFile,
        onProgress: (done, total) => {
          bar ??= progressBar('audit', total, 'files');
          bar.tick();
          if (done === total) bar.stop();
        },
      });
      bar?.stop();
      if (raw.json) {
        const { duplicates, leaks, problems } = report;
        process.stdout.write(`${JSON.stringify({ duplicates, leaks, problems }, null, 2)}\n`);
      } else {
        process.stdout.write(formatAuditReport(report));
      }
      if (report.leaks.length > 0) {
        const pairs = report.leaks.map((l) => `${l.tiles[0]}-${l.tiles[1]} ${l.splits[0]}/${l.splits[1]}`).join(', ');
        throw new SrcacoError('data', `split leakage: duplicate tiles across splits (${pairs}); move each duplicate into its twin's split or drop it`, { path: dir });
      }
    });
}
