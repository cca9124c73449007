// The scoped model builder: state_dict names, shapes, order and roles written once where a layer is declared;
// PyTorch's and timm's inits; buffers and constants in the state; a layer applied twice shares its tensors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Session, compileFunction } from '../../src/engine/index.js';
import { buildModule, constantInit, forwardContext, initState, kaimingNormal, kaimingUniform, loadState, stateToSafetensors, truncNormal } from '../../src/engine/nn/index.js';
import { add } from '../../src/engine/ops/elementwise.js';
import { Rng } from '../../src/util/random.js';

const stats = (a: Float32Array) => {
  let s = 0;
  let s2 = 0;
  for (const v of a) (s += v), (s2 += v * v);
  const mean = s / a.length;
  return { mean, std: Math.sqrt(s2 / a.length - mean * mean), min: Math.min(...a), max: Math.max(...a) };
};

test('names follow the scope path (indexed scopes as nn.Sequential), in declaration order, with PyTorch shapes and roles', () => {
  const { specs } = buildModule((nn) => {
    nn.scope('head').conv2d(0, 3, 8, [3, 5], { groups: 1 });
    for (let i = 0; i < 2; i++) nn.scope('trunk', i).conv2d('conv', 8, 8, 3, { groups: 4, bias: false });
    nn.convTranspose2d('up', 8, 4, 4, { stride: 2, padding: 1, groups: 2 });
    nn.scope('attn').linear('qkv', 16, 48);
    nn.layerNorm('norm', 16);
    nn.batchNorm2d('bn', 8);
    nn.prelu('act', 8);
    nn.constant('relative_position_index', [2, 2], BigInt64Array.of(0n, 1n, 2n, 3n));
  });
  assert.deepEqual(
    Object.entries(specs).map(([k, s]) => [k, s.shape, s.role]),
    [
      ['head.0.weight', [8, 3, 3, 5], 'param'],
      ['head.0.bias', [8], 'param'],
      ['trunk.0.conv.weight', [8, 2, 3, 3], 'param'],
      ['trunk.1.conv.weight', [8, 2, 3, 3], 'param'],
      ['up.weight', [8, 2, 4, 4], 'param'],
      ['up.bias', [4], 'param'],
      ['attn.qkv.weight', [48, 16], 'param'],
      ['attn.qkv.bias', [48], 'param'],
      ['norm.weight', [16], 'param'],
      ['norm.bias', [16], 'param'],
      ['bn.weight', [8], 'param'],
      ['bn.bias', [8], 'param'],
      ['bn.running_mean', [8], 'buffer'],
      ['bn.running_var', [8], 'buffer'],
      ['bn.num_batches_tracked', [], 'counter'],
      ['act.weight', [8], 'param'],
      ['relative_position_index', [2, 2], 'constant'],
    ],
  );
  assert.throws(() => buildModule((nn) => [nn.linear('a', 2, 2), nn.linear('a', 2, 2)]), /"a.weight" is declared twice/);
  assert.throws(() => buildModule((nn) => nn.conv2d('c', 6, 8, 3, { groups: 4 })), /in_channels 6 must be divisible by groups 4/);
});

test("PyTorch's default inits per layer type: U(±1/√fan_in) for weight and bias, fan_in of a transposed conv from dim 1; norms 1/0; PReLU 0.25", () => {
  const { specs } = buildModule((nn) => [nn.conv2d('c', 4, 8, 3), nn.convTranspose2d('t', 16, 2, 4), nn.linear('l', 10, 3), nn.layerNorm('n', 5), nn.prelu('p')]);
  const bound = (name: string) => {
    const init = specs[name]!.init;
    assert.equal(init.kind, 'uniform', name);
    return init.kind === 'uniform' ? init.bound : NaN;
  };
  assert.equal(bound('c.weight'), 1 / Math.sqrt(4 * 9));
  assert.equal(bound('c.bias'), 1 / Math.sqrt(4 * 9));
  // ConvTranspose2d(16, 2, 4): weight [16, 2, 4, 4], PyTorch's fan_in = 2·16, not 16·16.
  assert.equal(bound('t.weight'), 1 / Math.sqrt(2 * 16));
  assert.equal(bound('t.bias'), 1 / Math.sqrt(2 * 16));
  assert.equal(bound('l.weight'), 1 / Math.sqrt(10));
  assert.deepEqual([specs['n.weight']!.init, specs['n.bias']!.init, specs['p.weight']!.init], [constantInit(1), constantInit(0), constantInit(0.25)]);
});

test('kaiming normal/uniform (fan_in, fan_out, gain) and truncated normal (absolute bounds) draw the stated distributions', () => {
  const { specs } = buildModule((nn) => {
    nn.conv2d('fanIn', 32, 64, 3, { bias: false, init: { weight: kaimingNormal() } });
    nn.conv2d('fanOut', 32, 16, 3, { bias: false, init: { weight: kaimingNormal({ mode: 'fan_out', gain: 1 }) } });
    nn.conv2d('uniform', 32, 64, 3, { bias: false, init: { weight: kaimingUniform({ mode: 'fan_in' }) } });
    nn.linear('trunc', 128, 128, { init: { weight: truncNormal(0.02), bias: constantInit(0) } });
    nn.param('wide', [20000], truncNormal(1, { a: -0.5, b: 1 }));
  });
  const s = initState(specs, new Rng(9));
  const f = (k: string) => stats(s[k]!.data as Float32Array);
  const near = (v: number, want: number, rel: number, what: string) => assert.ok(Math.abs(v - want) < rel * want, `${what}: ${v} vs ${want}`);
  near(f('fanIn.weight').std, Math.sqrt(2 / (32 * 9)), 0.03, 'kaiming normal fan_in');
  near(f('fanOut.weight').std, 1 / Math.sqrt(16 * 9), 0.05, 'kaiming normal fan_out gain 1');
  const u = f('uniform.weight');
  near(u.max, Math.sqrt(6 / (32 * 9)), 0.01, 'kaiming uniform bound');
  near(u.std, Math.sqrt(2 / (32 * 9)), 0.03, 'kaiming uniform std');
  near(f('trunc.weight').std, 0.02, 0.03, 'trunc normal std');
  const w = f('wide');
  assert.ok(w.min >= -0.5 && w.max <= 1 && w.min < -0.49 && w.max > 0.99, `trunc normal in [a, b]: ${w.min}..${w.max}`);
  assert.deepEqual(Array.from(s['trunc.bias']!.data as Float32Array), new Array(128).fill(0));
});

test('buffers and constants are in the state dict; constants keep their declared values through a save and load', () => {
  const index = BigInt64Array.of(3n, 1n, 2n, 0n);
  const shift = Float32Array.of(0.4, 0.5, 0.6);
  const { specs } = buildModule((nn) => [nn.constant('index', [4], index), nn.scope('mean_shift').constant('weight', [3], shift), nn.buffer('ema', [2], constantInit(7))]);
  const state = initState(specs, new Rng(1));
  assert.deepEqual(state.index, { shape: [4], data: index });
  assert.deepEqual(state['mean_shift.weight'], { shape: [3], data: shift });
  assert.deepEqual(state.ema, { shape: [2], data: Float32Array.of(7, 7) });
  assert.deepEqual(loadState(specs, stateToSafetensors(state), { model: 'm' }), state);
  assert.throws(() => loadState(specs, new Map([...stateToSafetensors(state)].filter(([k]) => k !== 'index')), { model: 'm' }), /missing: index \[4\]/);
});

test('a layer applied twice shares its parameters; layers run as PyTorch computes them (conv-transpose, linear, both LayerNorms, PReLU)', async () => {
  const m = buildModule((nn) => {
    const conv = nn.conv2d('conv', 2, 2, 1, { bias: false });
    const lnLast = nn.layerNorm('ln_last', 3);
    const lnChannel = nn.layerNorm('ln_channel', 2, { axis: 'channel' });
    const act = nn.prelu('act', 2);
    const up = nn.convTranspose2d('up', 2, 1, 2, { stride: 2, bias: false });
    const fc = nn.linear('fc', 3, 1, { bias: false });
    return (x: Parameters<typeof conv>[0]) => ({ twice: conv(conv(x)), lnLast: lnLast(x), lnChannel: lnChannel(x), act: act(x), up: up(x), fc: fc(x) });
  });
  assert.deepEqual(Object.keys(m.specs).filter((k) => k.startsWith('conv')), ['conv.weight']);
  const x = Float32Array.of(1, -2, 3, -4, 5, -6); // [1, 2, 1, 3]
  const values: Record<string, Float32Array> = {
    'conv.weight': Float32Array.of(1, 2, 0, 3),
    'ln_last.weight': Float32Array.of(1, 1, 2),
    'ln_last.bias': Float32Array.of(0, 0, 1),
    'ln_channel.weight': Float32Array.of(1, 3),
    'ln_channel.bias': Float32Array.of(0, 0),
    'act.weight': Float32Array.of(0.5, 0.25),
    'up.weight': Float32Array.of(1, 2, 3, 4, 10, 20, 30, 40), // [2, 1, 2, 2]
    'fc.weight': Float32Array.of(1, 10, 100),
  };
  const weights = Object.fromEntries(Object.entries(m.specs).map(([k, s]) => [k, { shape: s.shape, data: values[k]! }]));
  const names = ['twice', 'lnLast', 'lnChannel', 'act', 'up', 'fc'] as const;
  const bytes = compileFunction({
    inputs: { x: [1, 2, 1, 3] },
    weights,
    fn: ({ x: xt }, w) => {
      const out = m.bind(w, forwardContext(false), (f) => f(xt!));
      return Object.fromEntries(names.map((n) => [n, add(out[n], 0)]));
    },
  });
  const session = await Session.create(bytes, { threads: 1 });
  const out = await session.runHost({ x: { shape: [1, 2, 1, 3], data: x } });
  await session.release();
  const close = (name: string, want: number[]) => {
    const got = Array.from(out[name]!.data as Float32Array);
    assert.ok(got.length === want.length && got.every((v, i) => Math.abs(v - want[i]!) < 1e-4), `${name}: ${got} vs ${want}`);
  };
  // W = [[1, 2], [0, 3]]: once (x0 + 2·x1, 3·x1) = ([-7, 8, -9], [-12, 15, -18]); twice as below.
  close('twice', [-31, 38, -45, -36, 45, -54]);
  const lnRow = (r: number[], g: number[], b: number[]) => {
    const mean = r.reduce((p, q) => p + q) / r.length;
    const sd = Math.sqrt(r.reduce((p, q) => p + (q - mean) ** 2, 0) / r.length + 1e-5);
    return r.map((v, i) => ((v - mean) / sd) * g[i]! + b[i]!);
  };
  close('lnLast', [...lnRow([1, -2, 3], [1, 1, 2], [0, 0, 1]), ...lnRow([-4, 5, -6], [1, 1, 2], [0, 0, 1])]);
  const cols = [0, 1, 2].map((j) => lnRow([x[j]!, x[3 + j]!], [1, 3], [0, 0]));
  close('lnChannel', [...cols.map((c) => c[0]!), ...cols.map((c) => c[1]!)]);
  close('act', [1, -1, 3, -1, 5, -1.5]);
  // Stride-2 transposed conv, 2×2 kernels, no overlap: out[0, 0, 2i + a, 2j + b] = Σ_c x[c, i, j]·w[c, 0, a, b].
  const up = [0, 1].flatMap((a) => [0, 1, 2].flatMap((j) => [0, 1].map((b) => x[j]! * values['up.weight']![a * 2 + b]! + x[3 + j]! * values['up.weight']![4 + a * 2 + b]!)));
  close('up', up);
  close('fc', [1 - 20 + 300, -4 + 50 - 600]);
});
