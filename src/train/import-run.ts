/**
 * `srcaco import-run`: a run folder of the original SR-CACO-2 code (the released models'
 * `<NET>/<train ds>/id_…-x_<s>-netG_<NET>-…/`: `best-models/G-model.pth` and the configuration `yaml.dump`
 * saved beside it, `config_model.yml` in the released folders, `config_final.yml` where training wrote it)
 * made into a srcaco run folder, so `eval --run`, `upscale --run` and `report` use the authors' models.
 * Read from the configuration: netG.net_type (the method), scale, train_dsets (the cell) and the network's
 * hyper-parameters (`<net_type>_<name>` in netG, by the names our models share with the original).
 */
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { SrcacoError } from '../errors.js';
import { exportOnnx } from '../infer/export.js';
import { modelStateOf, readWeightsFile } from '../infer/weights.js';
import { CELLS, SR_SCALES, type Cell, type SrScale } from '../io/layout.js';
import { parseYaml, type YamlValue } from '../io/yaml.js';
import type { ConfigValue } from '../models/config.js';
import { MODELS, buildModel } from '../models/registry.js';
import { RunFolder } from './run-folder.js';

/** The configuration files the original writes into a run folder, in the order looked for. */
export const ORIGINAL_CONFIG_FILES = ['config_model.yml', 'config_final.yml'] as const;
export const ORIGINAL_WEIGHTS = join('best-models', 'G-model.pth');

export interface ImportRunOptions {
  /** Parent folder of the runs (as `srcaco train --out`). */
  out: string;
  /** The data root for `srcaco eval --run` (the original's own data_root is a path on the authors' machines). */
  dataRoot?: string;
  /** Run id (default: the original folder's name). */
  name?: string;
  force?: boolean;
}

/** What the original configuration says of the model: method, scale, cell and hyper-parameters. */
export interface OriginalRunModel {
  netType: string;
  method: string;
  scale: SrScale;
  cell: Cell;
  config: Record<string, ConfigValue>;
}

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Reads the model fields of an original configuration (parsed YAML); `path` names it in errors. */
export function originalRunModel(doc: YamlValue, path: string): OriginalRunModel {
  const fail = (msg: string): never => {
    throw new SrcacoError('input', msg, { path });
  };
  const args = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? doc : fail('the configuration is not a mapping of options');
  const netG = args.netG;
  if (typeof netG !== 'object' || netG === null || Array.isArray(netG) || typeof netG.net_type !== 'string') fail('the configuration has no netG.net_type');
  const net = netG as Record<string, YamlValue>;
  const netType = net.net_type as string;
  const def = Object.values(MODELS).find((d) => squash(d.name) === squash(netType) || squash(d.displayName) === squash(netType));
  if (!def) fail(`netG.net_type '${netType}' is not a model srcaco has; known: ${Object.values(MODELS).map((d) => d.displayName).join(', ')}`);
  const scale = args.scale as SrScale;
  if (!(SR_SCALES as readonly unknown[]).includes(scale)) fail(`scale must be one of ${SR_SCALES.join(', ')}, received ${JSON.stringify(args.scale)}`);
  const dataset = typeof args.train_dsets === 'string' ? args.train_dsets : '';
  const m = /_X_(\d+)_.*_cell_(CELL\d)$/.exec(dataset);
  if (!m || !(CELLS as readonly string[]).includes(m[2]!)) fail(`train_dsets '${dataset}' is not an SR-CACO-2 training set (caco2_train_X_<s>_..._cell_CELL<k>)`);
  if (Number(m![1]) !== scale) fail(`train_dsets '${dataset}' is at x${m![1]} but scale is ${scale}`);
  // The original's netG keys are `<net_type with non-word characters as _>_<option>` (init_net_g).
  const prefix = `${netType.replace(/[^0-9a-zA-Z_]/g, '_')}_`;
  const inChans = net[`${prefix}in_chans`];
  if (inChans !== undefined && inChans !== 1) fail(`the network takes ${String(inChans)} channels; srcaco's models take one plane`);
  const config: Record<string, ConfigValue> = {};
  for (const key of Object.keys(def!.schema)) {
    const v = net[`${prefix}${key}`];
    if (v === undefined) continue;
    const ok = typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || (Array.isArray(v) && v.every((x) => typeof x === 'number'));
    if (!ok) fail(`netG.${prefix}${key} is not a number, string, boolean or list of numbers`);
    config[key] = v as ConfigValue;
  }
  return { netType, method: def!.name, scale, cell: m![2] as Cell, config };
}

/** Imports an original run folder (see the file's comment); returns the new srcaco run. */
export async function importOriginalRun(originalDir: string, o: ImportRunOptions): Promise<RunFolder> {
  let configFile: string | undefined;
  let text = '';
  for (const name of ORIGINAL_CONFIG_FILES) {
    text = await readFile(join(originalDir, name), 'utf8').catch(() => '');
    if (text !== '') {
      configFile = name;
      break;
    }
  }
  if (configFile === undefined) {
    throw new SrcacoError('input', `no ${ORIGINAL_CONFIG_FILES.join(' or ')}: is this a run folder of the original SR-CACO-2 code?`, { path: originalDir });
  }
  const configPath = join(originalDir, configFile);
  const model = originalRunModel(parseYaml(text, configPath), configPath);
  const built = buildModel(model.method, { scale: model.scale, config: model.config });
  const weightsPath = join(originalDir, ORIGINAL_WEIGHTS);
  const state = modelStateOf(built, (await readWeightsFile(weightsPath)).tensors, weightsPath);
  const run = await RunFolder.createImported(
    o.out,
    {
      method: model.method,
      scale: model.scale,
      preset: 'default',
      config: model.config,
      cell: model.cell,
      ...(o.dataRoot !== undefined ? { dataRoot: o.dataRoot } : {}),
      importedFrom: { dir: resolve(originalDir), configFile, weightsFile: ORIGINAL_WEIGHTS, netType: model.netType },
    },
    state,
    { name: o.name ?? basename(resolve(originalDir)), force: o.force },
  );
  await exportOnnx(run.model, state, run.bestOnnxPath);
  return run;
}
