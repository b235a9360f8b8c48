// A plain zip of a folder (deflate, UTF-8 names, Unix modes), written with
// Node's zlib so packaging needs no zip tool on the build machine. A code
// deployment to a function app is a zip of the app root; azd makes its own
// from the staged folder
// (https://learn.microsoft.com/azure/developer/azure-developer-cli/function-app-deployments),
// so this one is what CI weighs, and what `azd deploy --from-package` can upload.
// No Zip64: the format's 65,535 entries and 4 GiB are far above the budget.

import { closeSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipSummary {
  files: number;
  /** Bytes of the files as they are on disk. */
  unzippedBytes: number;
  /** Bytes of the zip file. */
  zippedBytes: number;
}

const MAX_ENTRIES = 0xffff;
const MAX_BYTES = 0xffffffff;
// 1980-01-01 00:00: fixed, so the same folder always gives the same zip.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const UTF8_NAMES = 0x0800;

/** Every file under `folder`, as forward-slash paths relative to it, sorted. */
export function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

export function zipFolder(folder: string, zipPath: string): ZipSummary {
  const names = filesUnder(folder);
  if (names.length > MAX_ENTRIES)
    throw new Error(`${names.length} files: more than a zip without Zip64 holds`);
  const fd = openSync(zipPath, 'w');
  const central: Buffer[] = [];
  let offset = 0;
  let unzippedBytes = 0;
  const write = (buffer: Buffer) => {
    writeSync(fd, buffer);
    offset += buffer.length;
  };
  try {
    for (const name of names) {
      const path = join(folder, ...name.split('/'));
      const data = readFileSync(path);
      const mode = statSync(path).mode & 0o777;
      const deflated = deflateRawSync(data, { level: 9 });
      const stored = deflated.length >= data.length;
      const body = stored ? data : deflated;
      const crc = crc32(data);
      const fileName = Buffer.from(name, 'utf8');
      if (offset > MAX_BYTES || data.length > MAX_BYTES) throw new Error('zip over 4 GiB: needs Zip64');
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(UTF8_NAMES, 6);
      local.writeUInt16LE(stored ? 0 : 8, 8);
      local.writeUInt16LE(DOS_TIME, 10);
      local.writeUInt16LE(DOS_DATE, 12);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(body.length, 18);
      local.writeUInt32LE(data.length, 22);
      local.writeUInt16LE(fileName.length, 26);
      local.writeUInt16LE(0, 28);
      const entry = Buffer.alloc(46);
      entry.writeUInt32LE(0x02014b50, 0);
      entry.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the modes below count
      entry.writeUInt16LE(20, 6);
      entry.writeUInt16LE(UTF8_NAMES, 8);
      entry.writeUInt16LE(stored ? 0 : 8, 10);
      entry.writeUInt16LE(DOS_TIME, 12);
      entry.writeUInt16LE(DOS_DATE, 14);
      entry.writeUInt32LE(crc, 16);
      entry.writeUInt32LE(body.length, 20);
      entry.writeUInt32LE(data.length, 24);
      entry.writeUInt16LE(fileName.length, 28);
      entry.writeUInt32LE(((0o100000 | mode) << 16) >>> 0, 38);
      entry.writeUInt32LE(offset, 42);
      central.push(entry, fileName);
      write(local);
      write(fileName);
      write(body);
      unzippedBytes += data.length;
    }
    const centralStart = offset;
    for (const part of central) write(part);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(names.length, 8);
    end.writeUInt16LE(names.length, 10);
    end.writeUInt32LE(offset - centralStart, 12);
    end.writeUInt32LE(centralStart, 16);
    write(end);
  } finally {
    closeSync(fd);
  }
  return { files: names.length, unzippedBytes, zippedBytes: statSync(zipPath).size };
}
