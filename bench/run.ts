// `npm run bench` runs every part; `npm run bench -- deploy` runs one. Each part prints its own table.
const parts: Record<string, () => Promise<void>> = {
  deploy: async () => (await import("./deploy.js")).benchDeploy(),
  reap: async () => (await import("./reap.js")).benchReap(),
  chaos: async () => (await import("./chaos.js")).benchChaos(),
  "test-task": async () => (await import("./test-task.js")).benchTestTask(),
};

const requested = process.argv.slice(2);
for (const name of requested) {
  if (!(name in parts)) {
    console.error(`bench: no part '${name}' (known: ${Object.keys(parts).join(", ")})`);
    process.exit(1);
  }
}
for (const name of requested.length > 0 ? requested : Object.keys(parts)) {
  console.log(`\n# bench: ${name}\n`);
  await (parts[name] as () => Promise<void>)();
}
