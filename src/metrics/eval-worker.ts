// Worker entry of the evaluation pool: measures the pairs it is sent, one at a time, with reused buffers.
import { serveTasks } from '../util/worker-pool.js';
import { measurePair, type PairJob } from './measure-pair.js';
import { SsimScratch } from './ssim-map.js';
import type { PairMetrics } from './types.js';

const scratch = new SsimScratch();

serveTasks<PairJob, PairMetrics>((job) => measurePair(job, { scratch }));
