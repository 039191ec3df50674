#!/usr/bin/env node
var __webpack_exports__ = {};
console.log('hello', process.argv.slice(2));


