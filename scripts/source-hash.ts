// The fingerprint of what the bundles are built from: every file under src/, package-lock.json and
// tsconfig.json. The build writes it beside each bundle; the tests that run bundles compare it with
// the sources they test, so a stale dist/ fails with one clear line instead of testing old code.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

export const SOURCE_HASH_FILE = "source.sha256";

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(directory, entry.name)) : [join(directory, entry.name)],
  );
}

export function sourceHash(root: string): string {
  const files = [...filesUnder(join(root, "src")), join(root, "package-lock.json"), join(root, "tsconfig.json")]
    .map((file) => relative(root, file).split(sep).join("/"))
    .sort();
  const hash = createHash("sha256");
  for (const file of files) hash.update(`${file}\n`).update(readFileSync(join(root, file))).update("\n");
  return hash.digest("hex");
}
