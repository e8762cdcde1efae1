// worker_threads cannot load TypeScript by themselves: register tsx's loader, then run
// the TypeScript worker body.
import { register } from 'tsx/esm/api';

register();
await import('./conv-worker.ts');
