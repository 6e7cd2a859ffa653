#!/usr/bin/env node
import '../edge/dist/polyfills.js';
import '../edge/dist/cli.js';
