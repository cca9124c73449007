// Worker entry (plain JS so a worker can start without a TypeScript loader): registers tsx, then runs
// eval_worker.ts, which measures image pairs on request.
import { register } from 'tsx/esm/api';

register();
await import('./eval_worker.ts');
