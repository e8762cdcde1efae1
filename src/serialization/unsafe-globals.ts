/**
 * `torch.serialization.get_unsafe_globals_in_checkpoint`: which globals a checkpoint
 * names that `load` would refuse, so that a user knows what to pass to `addSafeGlobals`.
 * Only the pickle is read (never the storages), and nothing in it is run.
 */
import * as fs from 'node:fs';
import { storageFromPid } from './torch-format.js';
import { unpickle } from './unpickle.js';
import { openZip, zipSourceFromBuffer, zipSourceFromFd, type ZipSource } from './zip-read.js';

function globalsIn(source: ZipSource, readAll: () => Uint8Array): string[] {
  const found: string[] = [];
  const unknownGlobal = (qualified: string): void => {
    if (!found.includes(qualified)) found.push(qualified);
  };
  const head = source.read(0, Math.min(4, source.size));
  if (head.length === 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    const zip = openZip(source);
    const entry = zip.entry(`${zip.prefix()}/data.pkl`);
    if (entry === undefined) throw new Error(`load: the archive has no ${zip.prefix()}/data.pkl (not a PyTorch checkpoint)`);
    unpickle(zip.read(entry), 0, { persistentLoad: storageFromPid, unknownGlobal });
    return found;
  }
  if (head.length === 0 || head[0] !== 0x80) return found; // safetensors (or not a pickle): no globals
  // The legacy stream: magic number, protocol, sys_info, then the object.
  const data = readAll();
  const none = { persistentLoad: (): never => { throw new Error('load: unexpected persistent id in the legacy header'); } };
  let at = 0;
  for (let i = 0; i < 3; i++) at = unpickle(data, at, none).end;
  unpickle(data, at, { persistentLoad: storageFromPid, unknownGlobal });
  return found;
}

/**
 * `torch.serialization.get_unsafe_globals_in_checkpoint`: the globals (`'module.name'`,
 * in order of first use) that a checkpoint file or buffer names and that `load` refuses,
 * neither allowed by default nor allowlisted with `addSafeGlobals`. Reads only the
 * pickle, and runs nothing from it.
 * @example
 * const needed = torch.serialization.getUnsafeGlobalsInCheckpoint('ckpt.pt'); // ['argparse.Namespace']
 * torch.serialization.addSafeGlobals(needed);
 */
export function getUnsafeGlobalsInCheckpoint(file: string | Uint8Array): string[] {
  if (file instanceof Uint8Array) return globalsIn(zipSourceFromBuffer(file), () => file);
  if (typeof file !== 'string' || file.length === 0) {
    throw new TypeError(`getUnsafeGlobalsInCheckpoint: expected a file path or a Uint8Array, found ${file === null ? 'null' : typeof file}`);
  }
  const fd = fs.openSync(file, 'r');
  try {
    return globalsIn(zipSourceFromFd(fd, fs.fstatSync(fd).size), () => fs.readFileSync(fd));
  } finally {
    fs.closeSync(fd);
  }
}
