import type { Command } from 'commander';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { buildResultTable, tableToCsv, tableToHtml, tableToMarkdown, type TablePart } from '../metrics/result-table.js';
import { readResultRows } from '../metrics/row-files.js';
import { choiceOption, makeOutDir, outOption } from './options.js';

const FORMATS = { md: tableToMarkdown, csv: tableToCsv, html: tableToHtml } as const;
type TableFormat = keyof typeof FORMATS;
const PARTS = ['both', 'roi', 'full', 'roiOriginal'] as const;

interface TableOptions {
  format: TableFormat;
  part: (typeof PARTS)[number];
  out?: string;
}

/** `srcaco table RESULTS...`: result rows to the paper's Tables 4 and 5. */
export function register(program: Command): void {
  program
    .command('table')
    .description("lay evaluation rows out as the paper's Table 4 (ROI) and Table 5 (full image); best per column and scale in bold")
    .argument('<results...>', 'row .json files from srcaco eval, or folders of them')
    .addOption(choiceOption('--format <fmt>', 'md, csv or html', Object.keys(FORMATS) as TableFormat[]).default('md'))
    .addOption(choiceOption('--part <part>', "'both' (Tables 4 and 5), 'roi', 'full' or 'roiOriginal' (empty ROIs averaged in, as the original)", PARTS).default('both'))
    .addOption(outOption('write table.<fmt> into this folder instead of printing it'))
    .action(async (paths: string[], raw: TableOptions) => {
      const format = FORMATS[raw.format];
      const parts: TablePart[] = raw.part === 'both' ? ['roi', 'full'] : [raw.part];
      const rows = await readResultRows(paths);
      const text = parts.map((p) => format(buildResultTable(rows, p))).join('\n');
      if (raw.out === undefined) {
        process.stdout.write(text);
        return;
      }
      await makeOutDir(raw.out);
      const file = join(raw.out, `table.${raw.format}`);
      await writeFileAtomic(file, [new TextEncoder().encode(text)]);
      process.stdout.write(`wrote ${file}\n`);
    });
}
