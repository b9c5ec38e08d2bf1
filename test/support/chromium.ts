/**
 * Debian's headless Chromium for page tests (playwright-core drives it; `npx playwright
 * install` does not work here). Tests skip, saying so, when it is missing.
 */
import { existsSync } from "node:fs";

export const CHROMIUM = "/usr/bin/chromium";

/** True when Chromium is installed; otherwise warns once for `file` (the test skips). */
export function hasChromium(file: string): boolean {
  const found = existsSync(CHROMIUM);
  if (!found) console.warn(`${file}: skipped: ${CHROMIUM} is missing (install it with: apt-get install -y chromium)`);
  return found;
}

export async function launchChromium(): Promise<import("playwright-core").Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}
