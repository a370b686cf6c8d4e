// Polls a batch's status until it is READY or FAILED, slowing down gently while it runs and
// riding out transient errors (503, network) with backoff.
import { ApiError, type BatchStatus, type MediaApi } from "./api";
import { backoffDelay, sleep } from "./backoff";

export interface PollOptions {
  intervalMs?: number;
  maxIntervalMs?: number;
  signal?: AbortSignal;
  onUpdate?: (status: BatchStatus) => void;
}

export const isFinished = (status: BatchStatus) => status.status === "READY" || status.status === "FAILED";

export async function pollUntilFinished(api: MediaApi, listingIdentityId: number, batchId: number,
                                        options: PollOptions = {}): Promise<BatchStatus> {
  let interval = options.intervalMs ?? 1500;
  const max = options.maxIntervalMs ?? 10_000;
  let failures = 0;
  for (;;) {
    try {
      const status = await api.status(listingIdentityId, batchId, options.signal);
      failures = 0;
      options.onUpdate?.(status);
      if (isFinished(status)) return status;
    } catch (e) {
      if (!(e instanceof ApiError) || !e.transient) throw e;
      await sleep(backoffDelay(failures++), options.signal);
      continue;
    }
    await sleep(interval, options.signal);
    interval = Math.min(max, Math.round(interval * 1.25));
  }
}
