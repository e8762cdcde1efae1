// Starts a serve.Pool worker when flint runs from its TypeScript sources (tests, tsx):
// a worker thread cannot load TypeScript by itself, so register tsx's loader first.
// A build from dist/ starts pool-worker.js directly and never loads this file.
import { register } from 'tsx/esm/api';

register();
await import('./pool-worker.ts');
