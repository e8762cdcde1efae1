#!/usr/bin/env node
// Prints the native source list (native/sources.txt), the one list that both
// binding.gyp and CMakeLists.txt build from.
'use strict';
const fs = require('fs');
const path = require('path');
const list = fs.readFileSync(path.join(__dirname, '..', 'native', 'sources.txt'), 'utf8');
process.stdout.write(list.split(/\s+/).filter(Boolean).join(' '));
