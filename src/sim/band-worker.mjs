// Worker entry (plain JS so a worker can start without a TypeScript loader): registers tsx, then runs
// band-worker.ts, which simulates bands of fields on request.
import { register } from 'tsx/esm/api';

register();
await import('./band-worker.ts');
