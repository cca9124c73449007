import type { Command } from 'commander';
import type { ConfigValues } from '../models/config.js';
import { formatParamCounts, modelSummaries } from '../models/registry.js';

const formatConfig = (c: ConfigValues) =>
  Object.entries(c)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(' ') || '-';

/** Rows as left-aligned columns, two spaces apart. */
function columns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

/**
 * `srcaco models [--json]`: every registered model with its family, scales, parameter counts, the outputs its loss
 * sees, defaults and presets.
 */
export function register(program: Command): void {
  program
    .command('models')
    .description('list the registered models: family, scales, trainable parameters per scale, outputs trained on, default hyper-parameters and presets')
    .option('--json', 'print JSON (one object per model) instead of a table')
    .action((raw: { json?: boolean }) => {
      const models = modelSummaries();
      if (raw.json) {
        process.stdout.write(`${JSON.stringify(models, null, 2)}\n`);
        return;
      }
      const rows = models.map((m) => [
        m.name,
        m.displayName,
        m.family,
        m.scales.map((s) => `x${s}`).join(' '),
        formatParamCounts(m.params),
        m.trainedOn,
        formatConfig(m.defaults),
        Object.entries(m.presets).map(([p, c]) => `${p}: ${formatConfig(c)}`).join('; ') || '-',
      ]);
      process.stdout.write(`${columns([['method', 'paper name', 'family', 'scales', 'parameters', 'trained on', 'defaults', 'presets'], ...rows])}\n`);
    });
}
