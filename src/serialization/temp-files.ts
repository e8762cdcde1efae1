/**
 * Atomic writes, and the temporary files they leave when a writer dies. A checkpoint is
 * written to a hidden temporary file beside the target, fsynced, and renamed over the
 * target, so the previous checkpoint survives any failure. The temporary file's name says
 * who wrote it:
 *
 *     .<target>.<host>-<pid>-<thread>-<random>.flint-tmp
 *
 * so that the next save to the same folder can recognise an orphan and delete it:
 * - another process's file, once that process is dead (`process.kill(pid, 0)`: ESRCH);
 * - this process's file, once no file descriptor in the process has it open (a worker
 *   thread that was terminated mid-save: Node closes a worker's files when it ends).
 *   Files of other hosts (a shared network folder) are left alone: their pids mean nothing
 *   here. A file is renamed before it is closed, so an open file is always a live write.
 * Files being written when this thread calls `process.exit()` are deleted then.
 */
import * as fs from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';

/**
 * The suffix every temporary file ends with.
 * @example fs.readdirSync(dir).filter((f) => f.endsWith(TEMPORARY_SUFFIX))
 */
export const TEMPORARY_SUFFIX = '.flint-tmp';

const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const NAME = /^\.(.+)\.([0-9a-f]{8})-(\d+)-(\d+)-[0-9a-f]{8}\.flint-tmp$/;

/** Renaming an open file fails on Windows; elsewhere it is renamed first (see above). */
const RENAME_BEFORE_CLOSE = process.platform !== 'win32';

/** This thread's writes in flight: temporary path -> its descriptor. */
const inFlight = new Map<string, number>();
let exitHook = false;

function track(temporary: string, fd: number): void {
  inFlight.set(temporary, fd);
  if (!exitHook) {
    exitHook = true;
    // Runs on process.exit() and a normal exit (not on a signal or a worker's terminate():
    // those orphans go at the next save).
    process.on('exit', () => {
      for (const file of inFlight.keys()) {
        try {
          fs.rmSync(file, { force: true });
        } catch {
          // Nothing more can be done while exiting.
        }
      }
    });
  }
}

/**
 * A fresh temporary name beside `file`.
 * @example temporaryName('/ckpt/model.pt') // '/ckpt/.model.pt.1a2b3c4d-4242-0-9f8e7d6c.flint-tmp'
 */
export function temporaryName(file: string): string {
  const random = randomBytes(4).toString('hex');
  return path.join(path.dirname(file), `.${path.basename(file)}.${HOST}-${process.pid}-${threadId}-${random}${TEMPORARY_SUFFIX}`);
}

function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true; // not a pid we can judge: keep the file
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Paths open in this process, or null where the OS does not list them (not Linux). */
function openPaths(): Set<string> | null {
  let fds: string[];
  try {
    fds = fs.readdirSync('/proc/self/fd');
  } catch {
    return null;
  }
  const out = new Set<string>();
  for (const fd of fds) {
    try {
      out.add(fs.readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // Closed while we looked.
    }
  }
  return out;
}

/**
 * The orphans among `names` (entries of `dir`): temporary files of dead processes, and of
 * this process that nothing has open and this thread is not writing.
 */
function orphans(dir: string, names: string[]): string[] {
  const out: string[] = [];
  let open: Set<string> | null | undefined;
  let realDir: string | undefined;
  for (const name of names) {
    const match = NAME.exec(name);
    if (match === null || match[2] !== HOST) continue;
    const file = path.join(dir, name);
    const pid = Number(match[3]);
    if (pid !== process.pid) {
      if (!processAlive(pid)) out.push(file);
      continue;
    }
    if (inFlight.has(file)) continue;
    if (Number(match[4]) === threadId) {
      out.push(file); // this thread is not writing it, so no one is
      continue;
    }
    if (open === undefined) open = openPaths();
    if (open === null) continue;
    try {
      realDir ??= fs.realpathSync(dir);
    } catch {
      continue;
    }
    if (!open.has(path.join(realDir, name))) out.push(file);
  }
  return out;
}

/**
 * Deletes the orphaned temporary files in `dir` (see the module comment). Never throws:
 * cleaning up must not make a save fail.
 * @example removeOrphansSync(path.dirname(file));
 */
export function removeOrphansSync(dir: string): void {
  try {
    for (const file of orphans(dir, fs.readdirSync(dir))) fs.rmSync(file, { force: true });
  } catch {
    // An unreadable folder fails the save itself, with the real error.
  }
}

/**
 * `removeOrphansSync` without blocking on the folder listing.
 * @example await removeOrphans(path.dirname(file));
 */
export async function removeOrphans(dir: string): Promise<void> {
  try {
    const names = await fs.promises.readdir(dir);
    await Promise.all(orphans(dir, names).map((file) => fs.promises.rm(file, { force: true })));
  } catch {
    // As above.
  }
}

/** fsyncs a folder, so that a rename in it survives a power cut; best effort. */
function syncFolderSync(dir: string): void {
  if (process.platform === 'win32') return;
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some filesystems refuse to fsync a folder; the data itself is synced.
  }
}

async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await fs.promises.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // As above.
  }
}

/**
 * Writes `file` atomically: `write` fills a fresh temporary file, which is then fsynced
 * and renamed over `file`. On any failure the temporary file is deleted and `file` is
 * left as it was. Orphans of earlier, killed saves in the folder are deleted first.
 * @example writeAtomicallySync('ckpt.pt', (fd) => fs.writeSync(fd, bytes));
 */
export function writeAtomicallySync(file: string, write: (fd: number) => void): void {
  const dir = path.dirname(file);
  removeOrphansSync(dir);
  const temporary = temporaryName(file);
  const fd = fs.openSync(temporary, 'wx');
  track(temporary, fd);
  let closed = false;
  try {
    write(fd);
    fs.fsyncSync(fd);
    if (!RENAME_BEFORE_CLOSE) {
      fs.closeSync(fd);
      closed = true;
    }
    fs.renameSync(temporary, file);
  } catch (error) {
    if (!closed) {
      try {
        fs.closeSync(fd);
      } catch {
        // The write's own error is the one to report.
      }
    }
    fs.rmSync(temporary, { force: true });
    inFlight.delete(temporary);
    throw error;
  }
  inFlight.delete(temporary);
  if (!closed) fs.closeSync(fd);
  syncFolderSync(dir);
}

/**
 * `writeAtomicallySync` with an asynchronous writer.
 * @example await writeAtomically('ckpt.pt', async (handle) => { await handle.write(bytes); });
 */
export async function writeAtomically(file: string, write: (handle: fs.promises.FileHandle) => Promise<void>): Promise<void> {
  const dir = path.dirname(file);
  await removeOrphans(dir);
  const temporary = temporaryName(file);
  const handle = await fs.promises.open(temporary, 'wx');
  track(temporary, handle.fd);
  let closed = false;
  try {
    await write(handle);
    await handle.sync();
    if (!RENAME_BEFORE_CLOSE) {
      await handle.close();
      closed = true;
    }
    await fs.promises.rename(temporary, file);
  } catch (error) {
    if (!closed) await handle.close().catch(() => undefined);
    await fs.promises.rm(temporary, { force: true });
    inFlight.delete(temporary);
    throw error;
  }
  inFlight.delete(temporary);
  if (!closed) await handle.close();
  await syncFolder(dir);
}
