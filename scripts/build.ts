// Bundles every action entry (src/actions/<name>/index.ts) into dist/<name>/index.js with ncc.
// `npm run build -- <name> ...` builds only the named entries.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SOURCE_HASH_FILE, sourceHash } from "./source-hash.js";

const actionsDir = join("src", "actions");
const allEntries = readdirSync(actionsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(actionsDir, entry.name, "index.ts")))
  .map((entry) => entry.name)
  .sort();

const requested = process.argv.slice(2);
for (const name of requested) {
  if (!allEntries.includes(name)) {
    console.error(`build: no entry src/actions/${name}/index.ts (known: ${allEntries.join(", ")})`);
    process.exit(1);
  }
}
const entries = requested.length > 0 ? requested : allEntries;
const ncc = join("node_modules", ".bin", "ncc");

if (requested.length === 0) {
  // A full build leaves nothing behind from an action that no longer exists.
  rmSync("dist", { recursive: true, force: true });
}
for (const name of entries) {
  const outDir = join("dist", name);
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(ncc, ["build", join(actionsDir, name, "index.ts"), "-o", outDir, "--license", "licenses.txt", "--quiet"], {
    stdio: "inherit",
  });
  writeFileSync(join(outDir, SOURCE_HASH_FILE), `${sourceHash(".")}\n`);
  console.log(`built ${outDir}/index.js`);
}
