/**
 * The key-value stores ranks meet through, as PyTorch's `torch.distributed` stores:
 * `TCPStore` (hosted by rank 0), `FileStore` (a file every rank can reach), `HashStore`
 * (one process) and `PrefixStore`. Every method returns a promise, since a store waits
 * on other processes and Node must not block its thread while it does.
 */
import { closeSync, existsSync, openSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { createServer, createConnection, type Server, type Socket } from 'node:net';

/** PyTorch's default store timeout, 300 s. */
export const DEFAULT_STORE_TIMEOUT_MS = 300_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

function bytesOf(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? new TextEncoder().encode(value) : value;
}

function timedOut(keys: string[], timeoutMs: number): Error {
  return new Error(`Timed out after ${timeoutMs} ms waiting for the store key(s) ${keys.map((k) => JSON.stringify(k)).join(', ')}`);
}

/**
 * What every store does: `set`, `get` (waiting for the key), `add` (an integer counter),
 * `wait`, `check`, `deleteKey` and `numKeys`.
 */
export abstract class Store {
  /** How long `get` and `wait` wait, in milliseconds. */
  timeout: number;

  constructor(timeoutMs: number) {
    this.timeout = timeoutMs;
  }

  /** Sets `key`. @example await store.set('epoch', '3') */
  abstract set(key: string, value: string | Uint8Array): Promise<void>;
  /** The value of `key`, once some rank has set it. @example const v = await store.get('epoch') */
  abstract get(key: string): Promise<Uint8Array>;
  /** Adds `amount` to the integer at `key` (0 when unset) and returns the sum. @example await store.add('joined', 1) */
  abstract add(key: string, amount: number): Promise<number>;
  /** Waits until every key is set, or throws after `timeoutMs` (the store's timeout). @example await store.wait(['a']) */
  abstract wait(keys: string[], timeoutMs?: number): Promise<void>;
  /** Whether every key is set now. @example await store.check(['a']) */
  abstract check(keys: string[]): Promise<boolean>;
  /** Deletes `key`; whether it was there. @example await store.deleteKey('a') */
  abstract deleteKey(key: string): Promise<boolean>;
  /** How many keys are set. @example await store.numKeys() */
  abstract numKeys(): Promise<number>;
  /** Sets the timeout of later calls. @example store.setTimeout(60_000) */
  setTimeout(timeoutMs: number): void {
    this.timeout = timeoutMs;
  }
  /** Closes connections and servers; a no-op for stores that have none. @example store.close() */
  close(): void {}
}

/** The table behind HashStore and TCPStore's server: values, and the waits parked on keys. */
class KeyTable {
  readonly values = new Map<string, Uint8Array>();
  private waiters: { keys: string[]; resolve: () => void }[] = [];

  set(key: string, value: Uint8Array): void {
    this.values.set(key, value);
    const ready = this.waiters.filter((w) => w.keys.every((k) => this.values.has(k)));
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
  add(key: string, amount: number): number {
    const before = this.values.get(key);
    const sum = (before ? Number(new TextDecoder().decode(before)) : 0) + amount;
    this.set(key, new TextEncoder().encode(String(sum)));
    return sum;
  }
  /** Resolves once every key is set; `cancel` drops the wait. */
  whenSet(keys: string[]): { done: Promise<void>; cancel: () => void } {
    if (keys.every((k) => this.values.has(k))) return { done: Promise.resolve(), cancel: () => {} };
    let waiter!: { keys: string[]; resolve: () => void };
    const done = new Promise<void>((resolve) => {
      waiter = { keys, resolve };
      this.waiters.push(waiter);
    });
    return { done, cancel: () => (this.waiters = this.waiters.filter((w) => w !== waiter)) };
  }
}

async function withTimeout<T>(wait: { done: Promise<T>; cancel: () => void }, keys: string[], timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      wait.cancel();
      reject(timedOut(keys, timeoutMs));
    }, timeoutMs);
  });
  try {
    return await Promise.race([wait.done, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A store in this process's memory, as PyTorch's `HashStore`: for a world of one, and tests.
 * @example const store = new torch.distributed.HashStore();
 */
export class HashStore extends Store {
  private table = new KeyTable();
  constructor(options: { timeout?: number } = {}) {
    super(options.timeout ?? DEFAULT_STORE_TIMEOUT_MS);
  }
  async set(key: string, value: string | Uint8Array): Promise<void> {
    this.table.set(key, Uint8Array.from(bytesOf(value)));
  }
  async get(key: string): Promise<Uint8Array> {
    await this.wait([key]);
    return this.table.values.get(key)!;
  }
  async add(key: string, amount: number): Promise<number> {
    return this.table.add(key, amount);
  }
  async wait(keys: string[], timeoutMs = this.timeout): Promise<void> {
    await withTimeout(this.table.whenSet(keys), keys, timeoutMs);
  }
  async check(keys: string[]): Promise<boolean> {
    return keys.every((k) => this.table.values.has(k));
  }
  async deleteKey(key: string): Promise<boolean> {
    return this.table.values.delete(key);
  }
  async numKeys(): Promise<number> {
    return this.table.values.size;
  }
}

type Request = { id: number; op: string; keys: string[]; value?: string; amount?: number };
type Response = { id: number; value?: string; result?: number | boolean; error?: string };

/** Serves a KeyTable over TCP, one JSON request per line (values in base64). */
function serve(table: KeyTable, socket: Socket): void {
  let buffered = '';
  const parked = new Set<() => void>();
  const reply = (response: Response): void => {
    if (!socket.destroyed) socket.write(JSON.stringify(response) + '\n');
  };
  socket.setNoDelay(true);
  // A served connection never holds the process: rank 0 may finish while others still
  // talk to its store (then theirs fail with "connection closed"), as with PyTorch's.
  socket.unref();
  socket.on('error', () => {});
  socket.on('close', () => parked.forEach((cancel) => cancel()));
  socket.on('data', (chunk) => {
    buffered += chunk.toString('utf8');
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      let request: Request;
      try {
        request = JSON.parse(line) as Request;
      } catch {
        socket.destroy();
        return;
      }
      const { id, op, keys } = request;
      if (op === 'set') {
        table.set(keys[0], Buffer.from(request.value ?? '', 'base64'));
        reply({ id });
      } else if (op === 'add') {
        reply({ id, result: table.add(keys[0], request.amount ?? 0) });
      } else if (op === 'check') {
        reply({ id, result: keys.every((k) => table.values.has(k)) });
      } else if (op === 'delete') {
        reply({ id, result: table.values.delete(keys[0]) });
      } else if (op === 'numKeys') {
        reply({ id, result: table.values.size });
      } else if (op === 'get' || op === 'wait') {
        // The client times out on its own; the parked wait goes with its connection.
        const wait = table.whenSet(keys);
        parked.add(wait.cancel);
        void wait.done.then(() => {
          parked.delete(wait.cancel);
          const value = op === 'get' ? Buffer.from(table.values.get(keys[0])!).toString('base64') : undefined;
          reply({ id, value });
        });
      } else {
        reply({ id, error: `unknown store operation ${op}` });
      }
    }
  });
}

/** Options of a TCPStore, as PyTorch's keyword arguments. */
export interface TCPStoreOptions {
  /** How many ranks will use it (informational, as in PyTorch when waitForWorkers is false). */
  worldSize?: number;
  /** Whether this process hosts the store (rank 0). */
  isMaster?: boolean;
  /** Milliseconds to wait for the server, a key or a reply (default 300 000). */
  timeout?: number;
}

/**
 * PyTorch's `TCPStore`: rank 0 listens on `port` and every rank, rank 0 included,
 * connects to `hostName:port`. Operations wait until the connection is made.
 * @example
 * const store = new torch.distributed.TCPStore('127.0.0.1', 29500, { worldSize: 2, isMaster: rank === 0 });
 * await store.set('ready', '1');
 */
export class TCPStore extends Store {
  readonly host: string;
  readonly port: number;
  private server: Server | null = null;
  private socket: Socket | null = null;
  private nextId = 0;
  private pending = new Map<number, { resolve: (r: Response) => void; reject: (e: Error) => void }>();
  private buffered = '';
  private closed = false;
  /** Settles when this store has its connection (and, on the master, its server). */
  readonly connected: Promise<void>;

  constructor(hostName: string, port: number, options: TCPStoreOptions = {}) {
    super(options.timeout ?? DEFAULT_STORE_TIMEOUT_MS);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(`TCPStore: port must be an integer in [0, 65535], got ${port}`);
    }
    this.host = hostName;
    this.port = port;
    this.connected = this.start(options.isMaster ?? false);
    this.connected.catch(() => {});
  }

  private async start(isMaster: boolean): Promise<void> {
    let port = this.port;
    if (isMaster) port = await this.listen();
    (this as { port: number }).port = port;
    const deadline = Date.now() + this.timeout;
    for (;;) {
      try {
        this.socket = await this.dial(port);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
          throw new Error(`TCPStore: cannot resolve the host name '${this.host}' (MASTER_ADDR)`);
        }
        if (this.closed) throw new Error('TCPStore: closed before it connected');
        if (Date.now() >= deadline) {
          throw new Error(
            `TCPStore: timed out after ${this.timeout} ms connecting to ${this.host}:${port} ` +
              `(${(error as Error).message}); is rank 0 running, and are MASTER_ADDR and MASTER_PORT right?`,
          );
        }
        // A timer that holds the event loop: nothing else does while rank 0 starts.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private listen(): Promise<number> {
    const table = new KeyTable();
    const server = createServer((socket) => serve(table, socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          new Error(
            `TCPStore: the server socket has failed to listen on port ${this.port} ` +
              `(${error.code === 'EADDRINUSE' ? 'address already in use' : error.message}); ` +
              'choose another MASTER_PORT',
          ),
        );
      });
      server.listen(this.port, () => {
        server.unref();
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : this.port);
      });
    });
  }

  private dial(port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: this.host, port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.setNoDelay(true);
        socket.unref();
        socket.on('data', (chunk) => this.receive(chunk));
        socket.on('error', () => {});
        socket.on('close', () => this.fail(new Error(`TCPStore: the connection to ${this.host}:${port} was closed (did rank 0 exit?)`)));
        resolve(socket);
      });
    });
  }

  private receive(chunk: Buffer): void {
    this.buffered += chunk.toString('utf8');
    for (let end = this.buffered.indexOf('\n'); end >= 0; end = this.buffered.indexOf('\n')) {
      const response = JSON.parse(this.buffered.slice(0, end)) as Response;
      this.buffered = this.buffered.slice(end + 1);
      const waiter = this.pending.get(response.id);
      if (!waiter) continue; // a request that timed out here
      this.pending.delete(response.id);
      this.settled();
      if (response.error) waiter.reject(new Error(`TCPStore: ${response.error}`));
      else waiter.resolve(response);
    }
  }

  private fail(error: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    this.settled();
    for (const w of waiting) w.reject(error);
  }

  // The socket keeps the process alive only while a request waits on it.
  private settled(): void {
    if (this.pending.size === 0) this.socket?.unref();
  }

  private async request(op: string, keys: string[], extra: Partial<Request> = {}, timeoutMs = this.timeout): Promise<Response> {
    await this.connected;
    if (this.closed || !this.socket || this.socket.destroyed) throw new Error('TCPStore: the store is closed');
    const id = this.nextId++;
    const socket = this.socket;
    socket.ref();
    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.settled();
        reject(op === 'get' || op === 'wait' ? timedOut(keys, timeoutMs) : new Error(`TCPStore: no reply to ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      socket.write(JSON.stringify({ id, op, keys, ...extra }) + '\n');
    });
  }

  async set(key: string, value: string | Uint8Array): Promise<void> {
    await this.request('set', [key], { value: Buffer.from(bytesOf(value)).toString('base64') });
  }
  async get(key: string): Promise<Uint8Array> {
    const response = await this.request('get', [key]);
    return new Uint8Array(Buffer.from(response.value ?? '', 'base64'));
  }
  async add(key: string, amount: number): Promise<number> {
    return (await this.request('add', [key], { amount })).result as number;
  }
  async wait(keys: string[], timeoutMs = this.timeout): Promise<void> {
    await this.request('wait', keys, {}, timeoutMs);
  }
  async check(keys: string[]): Promise<boolean> {
    return (await this.request('check', keys)).result as boolean;
  }
  async deleteKey(key: string): Promise<boolean> {
    return (await this.request('delete', [key])).result as boolean;
  }
  async numKeys(): Promise<number> {
    return (await this.request('numKeys', [])).result as number;
  }
  override close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.server?.close();
  }
}

/**
 * PyTorch's `FileStore`: keys in a file on a file system every rank can reach (each `set`
 * or `add` appends one line, under a lock file).
 * @example const store = new torch.distributed.FileStore('/tmp/rendezvous', 2);
 */
export class FileStore extends Store {
  readonly path: string;
  constructor(path: string, worldSize = -1, options: { timeout?: number } = {}) {
    super(options.timeout ?? DEFAULT_STORE_TIMEOUT_MS);
    void worldSize;
    this.path = path;
  }

  private read(): Map<string, Uint8Array> {
    const values = new Map<string, Uint8Array>();
    if (!existsSync(this.path)) return values;
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line) continue;
      const entry = JSON.parse(line) as { k: string; v: string | null };
      if (entry.v === null) values.delete(entry.k);
      else values.set(entry.k, new Uint8Array(Buffer.from(entry.v, 'base64')));
    }
    return values;
  }

  private async locked<T>(body: () => T): Promise<T> {
    const lock = `${this.path}.lock`;
    const deadline = Date.now() + this.timeout;
    for (;;) {
      try {
        closeSync(openSync(lock, 'wx'));
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (Date.now() >= deadline) throw new Error(`FileStore: timed out waiting for the lock ${lock}`);
        await sleep(2);
      }
    }
    try {
      return body();
    } finally {
      rmSync(lock, { force: true });
    }
  }

  private append(key: string, value: Uint8Array | null): void {
    appendFileSync(this.path, JSON.stringify({ k: key, v: value ? Buffer.from(value).toString('base64') : null }) + '\n');
  }

  async set(key: string, value: string | Uint8Array): Promise<void> {
    await this.locked(() => this.append(key, bytesOf(value)));
  }
  async get(key: string): Promise<Uint8Array> {
    await this.wait([key]);
    return this.read().get(key)!;
  }
  async add(key: string, amount: number): Promise<number> {
    return this.locked(() => {
      const before = this.read().get(key);
      const sum = (before ? Number(new TextDecoder().decode(before)) : 0) + amount;
      this.append(key, new TextEncoder().encode(String(sum)));
      return sum;
    });
  }
  async wait(keys: string[], timeoutMs = this.timeout): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.check(keys))) {
      if (Date.now() >= deadline) throw timedOut(keys, timeoutMs);
      await sleep(5);
    }
  }
  async check(keys: string[]): Promise<boolean> {
    const values = this.read();
    return keys.every((k) => values.has(k));
  }
  async deleteKey(key: string): Promise<boolean> {
    return this.locked(() => {
      const had = this.read().has(key);
      if (had) this.append(key, null);
      return had;
    });
  }
  async numKeys(): Promise<number> {
    return this.read().size;
  }
}

/**
 * PyTorch's `PrefixStore`: another store's keys under `prefix/`, so that groups and
 * rendezvous rounds cannot meet each other's keys.
 * @example const groupStore = new torch.distributed.PrefixStore('group1', store);
 */
export class PrefixStore extends Store {
  constructor(
    readonly prefix: string,
    readonly underlying: Store,
  ) {
    super(underlying.timeout);
  }
  private key(key: string): string {
    return `${this.prefix}/${key}`;
  }
  set(key: string, value: string | Uint8Array): Promise<void> {
    return this.underlying.set(this.key(key), value);
  }
  get(key: string): Promise<Uint8Array> {
    return this.underlying.get(this.key(key));
  }
  add(key: string, amount: number): Promise<number> {
    return this.underlying.add(this.key(key), amount);
  }
  wait(keys: string[], timeoutMs = this.timeout): Promise<void> {
    return this.underlying.wait(keys.map((k) => this.key(k)), timeoutMs);
  }
  check(keys: string[]): Promise<boolean> {
    return this.underlying.check(keys.map((k) => this.key(k)));
  }
  deleteKey(key: string): Promise<boolean> {
    return this.underlying.deleteKey(this.key(key));
  }
  numKeys(): Promise<number> {
    return this.underlying.numKeys();
  }
}
