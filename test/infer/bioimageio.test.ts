// The bioimage.io package: rdf.yaml validates against the spec's JSON schema (model 0.5, vendored), its files
// are there with their hashes, axes and halo follow the model, and ONNX Runtime reproduces the test output.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { initState } from '../../src/engine/nn/index.js';
import { Session } from '../../src/engine/runtime.js';
import { bioimageioFiles } from '../../src/infer/bioimageio.js';
import { decodeNpy } from '../../src/io/npy.js';
import { buildModel } from '../../src/models/registry.js';
import { Rng } from '../../src/util/random.js';
import { validateJsonSchema } from './helpers/json-schema.js';

const schema = JSON.parse(readFileSync(new URL('../fixtures/bioimageio/model-0.5.schema.json', import.meta.url), 'utf8'));

test('the validator catches what the schema forbids', () => {
  const rdf = { format_version: '0.5.7', type: 'model', name: 'tiny', inputs: [], outputs: [], weights: {}, extra: 1 };
  const errs = validateJsonSchema(schema, rdf).join('\n');
  assert.match(errs, /\$\.name: shorter than 5/);
  assert.match(errs, /\$\.inputs: fewer than 1 items/);
  assert.match(errs, /\$\.extra: not allowed/);
});

for (const [name, scale] of [['srcnn915', 2], ['vdsr', 4]] as const) {
  test(`${name} x${scale}: the package validates against the bioimage.io 0.5 schema and its test output is reproduced`, async () => {
    const model = buildModel(name, { scale });
    const state = initState(model.specs, new Rng(3));
    const files = new Map((await bioimageioFiles(model, state, { testSide: 12, authors: ['A. Tester'], now: new Date('2025-01-02T03:04:05Z') })).map((f) => [f.name, f.data]));
    const rdf = JSON.parse(new TextDecoder().decode(files.get('rdf.yaml')));
    assert.deepEqual(validateJsonSchema(schema, rdf), []);
    assert.equal(rdf.cite[0].doi, '10.48550/arXiv.2406.09168');
    assert.equal(rdf.cite.length, 2);
    for (const src of ['covers', 'documentation']) for (const f of [rdf[src]].flat()) assert.ok(files.has(f), f);
    for (const t of [rdf.inputs[0].test_tensor, rdf.outputs[0].test_tensor, rdf.weights.onnx]) {
      assert.equal(createHash('sha256').update(files.get(t.source)!).digest('hex'), t.sha256, t.source);
    }
    // Output = input x scale along y and x for an LR input; an SRCNN input is already HR-sized.
    const hrInput = model.input === 'cv2-bicubic';
    const outY = rdf.outputs[0].axes[2];
    assert.deepEqual(outY.size, { tensor_id: 'x', axis_id: 'y' });
    assert.equal(outY.scale, hrInput ? 1 : 1 / scale);
    assert.equal(outY.halo, hrInput ? model.halo : model.halo! * scale);

    // What a consumer does: preprocessing (ensure float32, x * gain + offset), then the ONNX weights.
    const input = decodeNpy(files.get('test_input.npy')!);
    const want = decodeNpy(files.get('test_output.npy')!);
    const { gain, offset } = rdf.inputs[0].preprocessing[1].kwargs;
    const x = input.data.map((v) => v * gain + offset);
    const session = await Session.create(files.get('weights.onnx')!, { threads: 1 });
    const y = await session.runHost({ x: { shape: input.shape, data: x } });
    await session.release();
    assert.deepEqual(y.y!.shape, want.shape);
    assert.deepEqual(want.shape.slice(2), input.shape.slice(2).map((d) => (hrInput ? d : d * scale)));
    let err = 0;
    (y.y!.data as Float32Array).forEach((v, i) => (err = Math.max(err, Math.abs(v - want.data[i]!))));
    assert.ok(err <= 1e-6, `test output reproduced within ${err}`);
  });
}
