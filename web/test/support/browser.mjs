// What every browser test needs: Debian's Chromium through playwright-core, launched the same way
// (see docs/testing-notes), and a wait on a condition the test itself observes.
import { chromium } from "playwright-core";

/** Debian's Chromium, headless, without the background traffic that would blur access logs. */
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run",
           "--disable-component-update", "--disable-sync", ...extraArgs],
  });
}

/** Polls `condition` every 100 ms; throws naming `what` after `timeoutMs`. */
export async function waitFor(condition, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
