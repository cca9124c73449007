import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readDownstream } from '../downstream/downstream.js';
import { SrcacoError } from '../errors.js';
import type { SplitName } from '../io/layout.js';
import { readEvaluatedRows } from '../metrics/row-files.js';
import { buildReport, type ReportNote } from '../report/build-report.js';
import { readCropSets } from '../report/crop-files.js';
import { RunFolder } from '../train/run-folder.js';
import { outOption, splitOption } from './options.js';

interface RawReportOptions {
  results: string[];
  out: string;
  title: string;
  split?: SplitName;
  crops?: string;
  note?: string[];
  notesFile?: string;
  downstream?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `srcaco report`: result rows (and optional crops) to an HTML report folder. */
export function register(program: Command): void {
  program
    .command('report')
    .description('HTML report of evaluation rows: Tables 4/5, ROI PSNR per scale (Fig. 6), image crops (Fig. 7), notes; plus results.json')
    .requiredOption('--results <files...>', 'row .json files from srcaco eval, folders of them, or training run folders (their eval/ rows)')
    .addOption(outOption('report folder (index.html, results.json, crops/)').makeOptionMandatory())
    .option('--title <text>', 'report title', 'srcaco results')
    .addOption(splitOption('keep only rows of this split (needed when the rows mix splits)'))
    .option('--crops <dir>', 'folder with crops.json and its TIFFs (see writeCropSets) shown as Fig. 7')
    .option('--note <text>', 'a paragraph for the notes section (repeatable)', collect)
    .option('--notes-file <file>', 'a JSON list of notes: strings or {title, text?, data?}')
    .option('--downstream <file>', 'a downstream.json from srcaco downstream: adds the nucleus-count section')
    .action(async (raw: RawReportOptions) => {
      // A training run folder stands for the rows `srcaco eval --run` wrote into it.
      const rowPaths = await Promise.all(raw.results.map(async (p) => ((await RunFolder.isRun(p)) ? (await RunFolder.open(p)).evalRowFiles() : [p])));
      let evaluated = await readEvaluatedRows(rowPaths.flat());
      if (raw.split !== undefined) {
        evaluated = evaluated.filter((e) => e.row.split === raw.split);
        if (evaluated.length === 0) throw new SrcacoError('usage', `no result row has split '${raw.split}'`, { option: '--split' });
      }
      const rows = evaluated.map((e) => e.row);
      const images = new Map(evaluated.flatMap((e) => (e.images ? [[e.row, e.images] as const] : [])));
      const notes: ReportNote[] = [...(raw.note ?? [])];
      if (raw.notesFile !== undefined) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(await readFile(raw.notesFile, 'utf8'));
        } catch (e) {
          throw new SrcacoError('input', `cannot read the notes (${(e as Error).message})`, { path: raw.notesFile, cause: e });
        }
        const ok = (n: unknown) => typeof n === 'string' || (!!n && typeof (n as { title?: unknown }).title === 'string');
        if (!Array.isArray(parsed) || !parsed.every(ok)) {
          throw new SrcacoError('input', 'the notes file must be a JSON list of strings or {title, text?, data?}', { path: raw.notesFile });
        }
        notes.push(...(parsed as ReportNote[]));
      }
      const crops = raw.crops === undefined ? [] : await readCropSets(raw.crops);
      const downstream = raw.downstream === undefined ? undefined : { result: await readDownstream(raw.downstream), dir: dirname(raw.downstream) };
      const built = await buildReport({ rows, images, crops, title: raw.title, notes, outDir: raw.out, ...(downstream ? { downstream } : {}) });
      process.stdout.write(`wrote ${built.indexPath} (${rows.length} rows, ${crops.length} crop sets) and ${built.resultsPath}\n`);
    });
}
