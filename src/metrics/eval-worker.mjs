// Worker entry (plain JS so a worker can start without a TypeScript loader): registers tsx, then runs
// eval-worker.ts, which measures image pairs on request.
import { register } from 'tsx/esm/api';

register();
await import('./eval-worker.ts');
