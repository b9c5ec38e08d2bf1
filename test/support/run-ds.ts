/** Running the real `ds` CLI (node cli/main.ts) from tests, as a user would. */
import { spawn } from "node:child_process";
import { projectRoot } from "../../db/project-root.ts";

export interface DsRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `ds ARGS...` to its end; DS_DEBUG is cleared so that errors print as users see them. */
export function runDs(args: string[], env: Record<string, string> = {}): Promise<DsRun> {
  return runCommand(process.execPath, ["cli/main.ts", ...args], env);
}

/** Runs a command from the project root to its end, DS_DEBUG cleared; its exit code and output. */
export function runCommand(command: string, args: string[], env: Record<string, string> = {}): Promise<DsRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: projectRoot(), env: { ...process.env, DS_DEBUG: "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
