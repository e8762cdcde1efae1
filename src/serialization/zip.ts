/**
 * Zip archives as torch.save writes them: a bounds-checked random-access reader for
 * untrusted files, and a writer whose output matches PyTorch's byte for byte.
 */
export { openZip, ZipReader, zipSourceFromBuffer, zipSourceFromFd } from './zip-read.js';
export type { ZipEntry, ZipReadOptions, ZipSource } from './zip-read.js';
export { createZipWriter, writeZipToBuffer } from './zip-write.js';
export type { ZipEntryWriter, ZipSink, ZipWriter, ZipWriterOptions } from './zip-write.js';
