/**
 * Uploaded files, kept in memory and served back under `/file/…` as the real server serves its
 * upload folder (`{uploadUrl}/file/yyyy/MM/dd/{name}`). Bounded: a file over `maxFileBytes` is
 * refused, and past `maxTotalBytes` the oldest files are forgotten.
 */

/** Options of {@link UploadStore}. */
export interface UploadStoreOptions {
  /** The largest file taken, in bytes (default 10 MiB). */
  maxFileBytes?: number;
  /** How many bytes are kept in all before the oldest files go (default 64 MiB). */
  maxTotalBytes?: number;
}

/** One stored file. */
export interface StoredUpload {
  /** Where it is served, from the server's root: `/file/yyyy/MM/dd/{name}`. */
  readonly path: string;
  /** The file name as the uploader gave it. */
  readonly name: string;
  /** Its MIME type (`application/octet-stream` when the uploader gave none). */
  readonly type: string;
  /** Its bytes. */
  readonly bytes: Uint8Array;
}

/** The default of `maxFileBytes`: 10 MiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** Files uploaded to the mock server. */
export class UploadStore {
  readonly maxFileBytes: number;
  readonly #maxTotalBytes: number;
  readonly #files = new Map<string, StoredUpload>();
  #totalBytes = 0;
  #count = 0;

  constructor(options: UploadStoreOptions = {}) {
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    this.#maxTotalBytes = Math.max(options.maxTotalBytes ?? 64 * 1024 * 1024, this.maxFileBytes);
  }

  /** Keeps a file (the caller checked its size) and returns it with the path it is served at. */
  put(name: string, type: string, bytes: Uint8Array, now: number): StoredUpload {
    const date = new Date(now);
    const day = `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}`;
    this.#count += 1;
    const path = `/file/${day}/${now}_${this.#count}_${safeName(name)}`;
    const file: StoredUpload = { path, name, type: type || 'application/octet-stream', bytes };
    this.#files.set(path, file);
    this.#totalBytes += bytes.byteLength;
    for (const [oldest, kept] of this.#files) {
      if (this.#totalBytes <= this.#maxTotalBytes) break;
      this.#files.delete(oldest);
      this.#totalBytes -= kept.bytes.byteLength;
    }
    return file;
  }

  /** The file served at `path`, if it is kept. */
  get(path: string): StoredUpload | undefined {
    return this.#files.get(path);
  }

  /** How many files are kept. */
  get size(): number {
    return this.#files.size;
  }
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** A name that is one path segment of safe characters (the real server sanitises and may rename too). */
function safeName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const cleaned = base.replace(/[^\p{L}\p{N}._-]+/gu, '_').replace(/^\.+/, '');
  return (cleaned || 'file').slice(0, 120);
}
