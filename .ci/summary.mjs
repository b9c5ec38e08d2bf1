// Prints one line `vitest: N passed, N failed, N skipped` summed over vitest JSON reports.
import { readFileSync } from "node:fs";

let passed = 0, failed = 0, skipped = 0, broken = 0;
for (const file of process.argv.slice(2)) {
  try {
    const r = JSON.parse(readFileSync(file, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    if (!r.success && r.numFailedTests === 0) broken++;
  } catch {
    broken++;
  }
}
if (process.argv.length <= 2) broken++;
console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || broken > 0 ? 1 : 0);
