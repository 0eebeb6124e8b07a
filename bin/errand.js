#!/usr/bin/env -S node --no-node-snapshot
// The `errand` command. The shebang passes --no-node-snapshot, which isolated-vm needs on Node 20.
import "../dist/src/cli.js";
