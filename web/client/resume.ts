// What a page keeps to resume an upload after a reload: the batch and each file's manifest entry
// with the facts that recognise the same file when the photographer picks it again.
import type { MediaType } from "./api";

export interface PendingFile {
  clientId: string;
  name: string;
  size: number;
  lastModified: number;
  contentType: string;
  checksumSha256: string;
  mediaType: MediaType;
  title?: string;
  sequence: number;
}

export interface PendingUpload {
  listingIdentityId: number;
  batchId: number;
  files: PendingFile[];
}

export interface ResumeStore {
  load(listingIdentityId: number): PendingUpload | null;
  save(upload: PendingUpload): void;
  clear(listingIdentityId: number): void;
}

export interface FileIdentity {
  name: string;
  size: number;
  lastModified: number;
}

/** A file matches its entry when name, size and modification time agree. */
export function sameFile(file: FileIdentity, entry: FileIdentity): boolean {
  return file.name === entry.name && file.size === entry.size && file.lastModified === entry.lastModified;
}

export function webStorageResumeStore(storage: Storage, prefix = "toq-media.upload."): ResumeStore {
  return {
    load(listingIdentityId) {
      const text = storage.getItem(prefix + listingIdentityId);
      if (!text) return null;
      try {
        const value = JSON.parse(text) as PendingUpload;
        return value.listingIdentityId === listingIdentityId ? value : null;
      } catch {
        return null;
      }
    },
    save(upload) {
      storage.setItem(prefix + upload.listingIdentityId, JSON.stringify(upload));
    },
    clear(listingIdentityId) {
      storage.removeItem(prefix + listingIdentityId);
    },
  };
}
