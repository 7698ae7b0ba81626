// examples/changed-services.sh, run as the example workflows run it, in a scratch git repository.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const SCRIPT = resolve("examples/changed-services.sh");
const SHARED_FOLDERS = "libs/money/ orders payments\nlibs/http-client/ orders payments web\n";

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, encoding: "utf8" }).trim();
}

function commit(cwd: string, files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(cwd, path)), { recursive: true });
    writeFileSync(join(cwd, path), text);
  }
  git(cwd, "add", "-A");
  git(cwd, "commit", "-q", "-m", Object.keys(files).join(" "));
  return git(cwd, "rev-parse", "HEAD");
}

function changed(cwd: string, ...bases: string[]): string[] {
  const out = execFileSync("bash", [SCRIPT, ...bases], { cwd, encoding: "utf8", env: { ...process.env, SHARED_FOLDERS } });
  return out.split("\n").filter((line) => line !== "");
}

function repository(t: { after: (fn: () => void) => void }): { dir: string; first: string } {
  const dir = mkdtempSync(join(tmpdir(), "changed-services-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  git(dir, "init", "-q");
  const first = commit(dir, {
    "services/orders/Dockerfile": "FROM scratch\n",
    "services/payments/Dockerfile": "FROM scratch\n",
    "services/web/Dockerfile": "FROM scratch\n",
    "libs/money/index.ts": "export {};\n",
    "README.md": "hi\n",
  });
  return { dir, first };
}

test("a change inside services/<name>/ builds that service only", (t) => {
  const { dir, first } = repository(t);
  commit(dir, { "services/payments/src/app.ts": "change\n" });
  assert.deepEqual(changed(dir, first), ["payments"]);
});

test("a change under a shared folder builds every service the map lists for it", (t) => {
  const { dir, first } = repository(t);
  commit(dir, { "libs/money/round.ts": "change\n" });
  assert.deepEqual(changed(dir, first), ["orders", "payments"]);
});

test("a change outside services/ and the shared folders builds nothing", (t) => {
  const { dir, first } = repository(t);
  commit(dir, { "README.md": "changed\n", "libs/other/x.ts": "x\n" });
  assert.deepEqual(changed(dir, first), []);
});

test("the first base that is a commit of the clone is used: the last deployed push, else github.event.before", (t) => {
  const { dir, first } = repository(t);
  const second = commit(dir, { "services/orders/a.ts": "1\n" });
  commit(dir, { "services/web/a.ts": "2\n" });
  // The last successful run deployed `first`: both later pushes' services are built.
  assert.deepEqual(changed(dir, first, second), ["orders", "web"]);
  // No successful run yet (empty) or one from rewritten history: github.event.before decides.
  assert.deepEqual(changed(dir, "", second), ["web"]);
  assert.deepEqual(changed(dir, "0123456789abcdef0123456789abcdef01234567", second), ["web"]);
});

test("bootstrap, a new branch (before is all zeros) or no base at all builds every service", (t) => {
  const { dir } = repository(t);
  assert.deepEqual(changed(dir, "all"), ["orders", "payments", "web"]);
  assert.deepEqual(changed(dir, "0000000000000000000000000000000000000000"), ["orders", "payments", "web"]);
  assert.deepEqual(changed(dir), ["orders", "payments", "web"]);
});
