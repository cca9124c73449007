/**
 * The one worker pool: simulate, prep, eval and the training batch prefetcher run their tasks through it.
 * The main thread uses `WorkerPool` (or `runInWorkers`); the worker module calls `serveTasks` once with its
 * task handler. Workers are started from the TypeScript module itself, so there is no JS loader file per pool.
 */
import { availableParallelism } from 'node:os';
import { parentPort, Worker } from 'node:worker_threads';
import { isSrcacoError, SrcacoError, type SrcacoErrorKind } from '../errors.js';

/** Worker threads a job uses unless told otherwise (the CLI's `--workers` default): one per core. */
export function defaultWorkers(): number {
  return availableParallelism();
}

export interface WorkerPoolOptions<Note = never> {
  /** Most worker threads at once; a worker starts only when a task finds no idle one. */
  size: number;
  /** What the pool does, for error messages ('prep', 'evaluation'). */
  name: string;
  /** Given to every worker as `workerData` (structured-cloned once per worker). */
  workerData?: unknown;
  /** Receives what a handler passes to `notify` (progress), in the order each worker sent it. */
  onNote?: (note: Note) => void;
}

/** An error as it crosses the thread boundary: enough to rebuild the same error on the main thread. */
interface SentError {
  name: string;
  message: string;
  stack?: string;
  kind?: SrcacoErrorKind;
  path?: string;
  option?: string;
}

type Request<In> = { id: number; input: In };
type Reply<Out, Note> =
  | { id: number; type: 'note'; note: Note }
  | { id: number; type: 'done'; output: Out }
  | { id: number; type: 'error'; error: SentError };

interface Task<In, Out> {
  id: number;
  input: In;
  resolve: (output: Out) => void;
  reject: (e: Error) => void;
}

/**
 * A bounded pool of worker threads running the module `entry`, which calls `serveTasks`. `run` queues one
 * task and resolves with its output (callers keep their own order); `map` runs many, results in input
 * order. An error thrown by a task reaches the caller as the same error (a SrcacoError keeps its kind, path
 * and message). A worker that dies fails its task, the queue and every later task. Idle workers do not keep
 * the process alive; `close()` terminates them all.
 */
export class WorkerPool<In, Out, Note = never> {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Task<In, Out>>();
  private readonly queue: Task<In, Out>[] = [];
  private nextId = 0;
  private failure: Error | undefined;
  private closed = false;

  constructor(
    private readonly entry: URL,
    private readonly options: WorkerPoolOptions<Note>,
  ) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new SrcacoError('usage', `the number of worker threads must be an integer >= 1, received ${options.size}`, { option: '--workers' });
    }
  }

  /** Runs one task on the next free worker. */
  run(input: In): Promise<Out> {
    if (this.closed) return Promise.reject(new SrcacoError('internal', `the ${this.options.name} worker pool is closed`));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, input, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Runs every input and returns the outputs in input order; `onResult` sees each as it finishes (in any
   * order). The first failure rejects and leaves the inputs not yet sent unstarted.
   */
  map(inputs: readonly In[], onResult?: (index: number, output: Out) => void): Promise<Out[]> {
    const outputs = new Array<Out>(inputs.length);
    return new Promise((resolve, reject) => {
      let sent = 0;
      let done = 0;
      let failed = false;
      const fail = (e: unknown) => {
        if (!failed) reject(e);
        failed = true;
      };
      const send = () => {
        const k = sent++;
        this.run(inputs[k]!).then((output) => {
          if (failed) return;
          outputs[k] = output;
          try {
            onResult?.(k, output);
          } catch (e) {
            return fail(e);
          }
          if (++done === inputs.length) resolve(outputs);
          else if (sent < inputs.length) send();
        }, fail);
      };
      if (inputs.length === 0) resolve(outputs);
      // Only `size` inputs are in flight, so that a failure stops the rest from starting.
      while (sent < Math.min(this.options.size, inputs.length)) send();
    });
  }

  /** Terminates the workers; tasks still queued or running are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new SrcacoError('internal', `the ${this.options.name} worker pool was closed before the task finished`);
    for (const task of [...this.queue.splice(0), ...this.running.values()]) task.reject(error);
    this.running.clear();
    // An idle worker is unref'd and terminate() resolves on its exit event: without a ref nothing keeps the
    // event loop alive until then, and the caller's await would be left pending.
    for (const w of this.workers) w.ref();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let worker = this.idle.pop();
      if (!worker) {
        if (this.workers.length >= this.options.size) return;
        worker = this.start();
      }
      const task = this.queue.shift()!;
      this.running.set(worker, task);
      // A worker keeps the process alive only while it holds a task, so a forgotten close() cannot hang it.
      worker.ref();
      const request: Request<In> = { id: task.id, input: task.input };
      worker.postMessage(request);
    }
  }

  private start(): Worker {
    const worker = startWorker(this.entry, this.options.workerData);
    worker.on('message', (reply: Reply<Out, Note>) => this.receive(worker, reply));
    worker.on('error', (e) => this.crash(worker, e.message, e));
    worker.on('exit', (code) => this.crash(worker, `it exited with code ${code}`));
    this.workers.push(worker);
    return worker;
  }

  private receive(worker: Worker, reply: Reply<Out, Note>): void {
    const task = this.running.get(worker);
    if (!task || task.id !== reply.id) return;
    if (reply.type === 'note') {
      this.options.onNote?.(reply.note);
      return;
    }
    this.running.delete(worker);
    worker.unref();
    this.idle.push(worker);
    if (reply.type === 'done') task.resolve(reply.output);
    else task.reject(rebuildError(reply.error));
    this.dispatch();
  }

  private crash(worker: Worker, why: string, cause?: Error): void {
    if (this.closed || !this.workers.includes(worker)) return;
    this.workers.splice(this.workers.indexOf(worker), 1);
    const idleAt = this.idle.indexOf(worker);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    // A dead worker never answers: fail what it held, what waits and what is asked from now on, rather than hang.
    const error = new SrcacoError('internal', `a ${this.options.name} worker thread failed: ${why}`, { cause });
    this.failure ??= error;
    this.running.get(worker)?.reject(error);
    this.running.delete(worker);
    for (const task of this.queue.splice(0)) task.reject(error);
  }
}

/** Runs every input on a pool started for this call (closed when done or failed); outputs in input order. */
export async function runInWorkers<In, Out, Note = never>(
  entry: URL,
  inputs: readonly In[],
  options: WorkerPoolOptions<Note> & { onResult?: (index: number, output: Out) => void },
): Promise<Out[]> {
  const pool = new WorkerPool<In, Out, Note>(entry, options);
  try {
    return await pool.map(inputs, options.onResult);
  } finally {
    await pool.close();
  }
}

/**
 * The worker side: answers each task the pool sends with `handle`'s output, or the error it threw.
 * `transferOf` lists buffers of the output to move rather than copy.
 */
export function serveTasks<In, Out, Note = never>(
  handle: (input: In, notify: (note: Note) => void) => Out | Promise<Out>,
  transferOf?: (output: Out) => ArrayBuffer[],
): void {
  const port = parentPort;
  if (!port) throw new SrcacoError('internal', 'serveTasks must run in a worker thread started by a WorkerPool');
  const send = (reply: Reply<Out, Note>, transfer?: ArrayBuffer[]) => port.postMessage(reply, transfer);
  port.on('message', async ({ id, input }: Request<In>) => {
    try {
      const output = await handle(input, (note) => send({ id, type: 'note', note }));
      send({ id, type: 'done', output }, transferOf?.(output));
    } catch (e) {
      send({ id, type: 'error', error: sendableError(e) });
    }
  });
}

/**
 * Starts `entry` in a thread. Node 20 does not apply `--import tsx` (or an in-process tsx register) to a
 * worker's entry module, so for a `.ts` entry a one-line bootstrap registers tsx's loader in the thread first.
 */
function startWorker(entry: URL, workerData: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const boot = `import(${api}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

function sendableError(e: unknown): SentError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  if (!isSrcacoError(e)) return { name: e.name, message: e.message, stack: e.stack };
  // The constructor puts the path in front of the message; the main thread's constructor adds it back.
  const prefix = e.path ? `${e.path}: ` : '';
  const message = prefix && e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
  return { name: e.name, message, stack: e.stack, kind: e.kind, path: e.path, option: e.option };
}

const ERROR_TYPES: Readonly<Record<string, new (message: string) => Error>> = { RangeError, TypeError };

function rebuildError(sent: SentError): Error {
  let e: Error;
  if (sent.kind) e = new SrcacoError(sent.kind, sent.message, { path: sent.path, option: sent.option });
  else {
    e = new (ERROR_TYPES[sent.name] ?? Error)(sent.message);
    if (e.name !== sent.name) e.name = sent.name;
  }
  // The worker's stack says where the task failed; the main thread's would only show this function.
  if (sent.stack) e.stack = sent.stack;
  return e;
}
