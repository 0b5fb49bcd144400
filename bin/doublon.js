#!/usr/bin/env node
'use strict';
// Entry point of the `doublon` command; the code lives in out/ (built by `npm run build`, run by `npm ci`).
// Commands that decode images run in a child started with the C allocator's settings (daemon/cli/relaunch.ts).
const run = () => require('../out/daemon/cli/relaunch.js').relaunchTuned() ?? require('../out/daemon/cli/main.js').main(process.argv);
run().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 2;
  },
);
