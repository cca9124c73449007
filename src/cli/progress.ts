import cliProgress from 'cli-progress';

/** A progress bar with rate and ETA on a TTY; silent otherwise (CI, pipes). */
export interface Progress {
  tick(n?: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

export function progressBar(label: string, total: number, unit = 'items'): Progress {
  if (!process.stderr.isTTY || process.env.CI) {
    return { tick() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const start = Date.now();
  let done = 0;
  bar.start(total, 0, { rate: '0' });
  return {
    tick(n = 1, payload = {}) {
      done += n;
      const rate = (done / Math.max((Date.now() - start) / 1000, 1e-3)).toFixed(1);
      bar.update(done, { rate, ...payload });
    },
    stop() {
      bar.stop();
    },
  };
}
