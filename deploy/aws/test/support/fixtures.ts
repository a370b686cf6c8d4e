// Execution inputs for the tests: a small realistic batch, and the worst case the 256 KiB payload
// limit must survive (a full batch, ids at their largest, the longest titles and file names in
// 4-byte UTF-8 characters).

export interface DeclaredAsset {
  assetId: number;
  clientId: string;
  mediaType: string;
  rawKey: string;
  bytes: number;
  checksumSha256: string;
  contentType: string;
  sequence: number;
  title: string;
  filename: string;
}

export interface ExecutionInput {
  version: 1;
  jobId: number;
  batchId: number;
  listingId: number;
  run: number;
  bucket: string;
  outputPrefix: string;
  traceparent: string;
  maxConcurrency: number;
  archiveRunner: 'lambda' | 'fargate';
  assets: DeclaredAsset[];
}

export const rawKey = (listing: number, batch: number, asset: number) =>
  `listings/${listing}/batches/${batch}/raw/${asset}`;
export const outputPrefix = (listing: number, batch: number, job: number) =>
  `listings/${listing}/batches/${batch}/out/${job}/`;
export const resultKey = (prefix: string, asset: number) => `${prefix}${asset}/result.json`;
export const executionName = (job: number, run: number) => `job-${job}-r${run}`;

// The serialized execution input, exactly as serve must write it: JSON.stringify of an object whose
// keys were inserted in the schema's order (docs/aws-pipeline.md, "Exact bytes").
export function serializeExecutionInput(input: ExecutionInput): string {
  const ordered = {
    version: input.version, jobId: input.jobId, batchId: input.batchId, listingId: input.listingId,
    run: input.run, bucket: input.bucket, outputPrefix: input.outputPrefix,
    traceparent: input.traceparent, maxConcurrency: input.maxConcurrency,
    archiveRunner: input.archiveRunner,
    assets: input.assets.map((a) => ({
      assetId: a.assetId, clientId: a.clientId, mediaType: a.mediaType, rawKey: a.rawKey, bytes: a.bytes,
      checksumSha256: a.checksumSha256, contentType: a.contentType, sequence: a.sequence,
      title: a.title, filename: a.filename,
    })),
  };
  return JSON.stringify(ordered);
}

const kChecksum = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

export interface BatchShape {
  kinds: string[];  // one mediaType per asset
  archiveRunner?: 'lambda' | 'fargate';
  maxConcurrency?: number;
}

export function smallBatch(shape: BatchShape = { kinds: ['PHOTO_HORIZONTAL', 'VIDEO_VERTICAL', 'PROJECT_DOC'] }): ExecutionInput {
  const listing = 28;
  const batch = 51;
  const job = 77;
  const types: Record<string, [string, string]> = {
    PHOTO_HORIZONTAL: ['image/jpeg', 'IMG_2907.jpg'],
    PHOTO_VERTICAL: ['image/heic', 'IMG_2908.HEIC'],
    VIDEO_VERTICAL: ['video/quicktime', 'IMG_3001.MOV'],
    VIDEO_HORIZONTAL: ['video/mp4', 'VID_20251111.mp4'],
    PROJECT_DOC: ['application/pdf', 'planta-baixa.pdf'],
    PROJECT_RENDER: ['image/png', 'fachada.png'],
  };
  const sequences = new Map<string, number>();
  return {
    version: 1, jobId: job, batchId: batch, listingId: listing, run: 1,
    bucket: 'toq-media-test', outputPrefix: outputPrefix(listing, batch, job),
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    maxConcurrency: shape.maxConcurrency ?? 10, archiveRunner: shape.archiveRunner ?? 'lambda',
    assets: shape.kinds.map((kind, i) => {
      const sequence = (sequences.get(kind) ?? 0) + 1;
      sequences.set(kind, sequence);
      const [contentType, filename] = types[kind];
      return {
        assetId: 301 + i, clientId: `f-${i + 1}`, mediaType: kind, rawKey: rawKey(listing, batch, 301 + i),
        bytes: 1048576 * (i + 1), checksumSha256: kChecksum, contentType, sequence,
        title: `Cômodo ${i + 1}`, filename,
      };
    }),
  };
}

// 4-byte UTF-8 characters (outside the BMP: two UTF-16 units each in JavaScript).
export function astral(count: number, codePoint = 0x1f3e0): string {
  return String.fromCodePoint(codePoint).repeat(count);
}

export const kMaxId = 9007199254740991;

// A full batch of 100 assets at the contract's limits: every id 16 digits, 64-character client
// ids, 120-character titles and 255-character file names made of 4-byte characters, the largest declared sizes, the longest
// content type the default config allows.
export function worstCaseBatch(archiveRunner: 'lambda' | 'fargate' = 'lambda'): ExecutionInput {
  const listing = kMaxId;
  const batch = kMaxId - 1;
  const job = kMaxId - 2;
  return {
    version: 1, jobId: job, batchId: batch, listingId: listing, run: 2147483647,
    bucket: 'b'.repeat(63), outputPrefix: outputPrefix(listing, batch, job),
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    maxConcurrency: 40, archiveRunner,
    assets: Array.from({ length: 100 }, (_, i) => {
      const assetId = kMaxId - 1000 + i;
      return {
        assetId, clientId: astral(64, 0x1f511), mediaType: i % 2 === 0 ? 'PHOTO_HORIZONTAL' : 'VIDEO_HORIZONTAL',
        rawKey: rawKey(listing, batch, assetId), bytes: 5497558138880, checksumSha256: kChecksum,
        contentType: 'video/x-matroska', sequence: 2147483547 + i, title: astral(120),
        filename: astral(255, 0x1f4f7),
      };
    }),
  };
}
