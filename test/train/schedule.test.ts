import assert from 'node:assert/strict';
import { test } from 'node:test';
import { learningRateAt, protocolSchedule } from '../../src/train/schedule.js';

test('epoch schedule halves every 30 epochs and stops at the 1e-4 floor', () => {
  const s = protocolSchedule(0.01);
  const at = (epoch: number) => learningRateAt(s, epoch, 123456);
  assert.equal(at(0), 0.01);
  assert.equal(at(29), 0.01);
  assert.equal(at(30), 0.005);
  assert.equal(at(59), 0.005);
  assert.equal(at(60), 0.0025);
  assert.equal(at(90), 0.00125);
  // 0.01 · 0.5^7 = 7.8e-5 < 1e-4: the floor from epoch 210 on.
  assert.equal(at(180), 0.01 / 64);
  assert.equal(at(210), 1e-4);
  assert.equal(at(1000), 1e-4);
  assert.equal(learningRateAt(protocolSchedule(0.0009), 0, 0), 0.0009);
  assert.equal(learningRateAt(protocolSchedule(0.0009), 120, 0), 1e-4);
});

test('seedCompat steps per update as the original (epoch ignored)', () => {
  const s = protocolSchedule(0.01, true);
  assert.equal(learningRateAt(s, 0, 0), 0.01);
  assert.equal(learningRateAt(s, 0, 29), 0.01);
  assert.equal(learningRateAt(s, 0, 30), 0.005);
  assert.equal(learningRateAt(s, 5, 30), 0.005);
  assert.equal(learningRateAt(s, 0, 60), 0.0025);
  assert.equal(learningRateAt(s, 0, 210), 1e-4);
});

test('a bad schedule is a usage error', () => {
  assert.throws(() => learningRateAt({ ...protocolSchedule(0.01), stepSize: 0 }, 0, 0), /stepSize/);
  assert.throws(() => learningRateAt(protocolSchedule(-1), 0, 0), /baseLr/);
});
