#!/usr/bin/env node
// The `tripwire` command, run from the compiled service (`npm run build`; `npm install` runs it).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
