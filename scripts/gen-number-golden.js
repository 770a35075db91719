// Writes tests/data/numbers.golden: one line per double, "<16 hex digits of
// its IEEE-754 bits> <JSON.stringify of it>", the ECMAScript reference the
// canonical serializer is checked against.  Run once with node and commit
// the output; the tests need no node.  Deterministic (seeded xorshift).
'use strict';
const fs = require('fs');

let s0 = 0x9e3779b9n, s1 = 0x7f4a7c15n;
const M = (1n << 64n) - 1n;
function next64() { // xorshift128+
	let x = s0, y = s1;
	s0 = y;
	x ^= (x << 23n) & M;
	s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
	return (s1 + y) & M;
}
const buf = new DataView(new ArrayBuffer(8));
function fromBits(b) { buf.setBigUint64(0, b); return buf.getFloat64(0); }
function bitsOf(x) { buf.setFloat64(0, x); return buf.getBigUint64(0); }
function uniform() { return Number(next64() >> 11n) / 2 ** 53; }
function intBelow(n) { return Math.floor(uniform() * n); }

const out = [];
const seen = new Set();
function add(x) {
	if (!Number.isFinite(x)) return;
	const b = bitsOf(x);
	if (seen.has(b)) return;
	seen.add(b);
	out.push(b.toString(16).padStart(16, '0') + ' ' + JSON.stringify(x));
}
function addBoth(x) { add(x); add(-x); }

// any finite double: random bit patterns
for (let i = 0; i < 40000; i++) add(fromBits(next64()));
// subnormals
for (let i = 0; i < 8000; i++) add(fromBits(next64() & ((1n << 52n) - 1n) | (next64() & (1n << 63n))));
addBoth(Number.MIN_VALUE); addBoth(2.2250738585072014e-308); addBoth(2.225073858507201e-308);
addBoth(Number.MAX_VALUE); addBoth(Number.MAX_SAFE_INTEGER); addBoth(Number.EPSILON);
// integers, small and safe
for (let i = 0; i < 8000; i++) addBoth(intBelow(1000000));
for (let i = 0; i < 8000; i++) addBoth(Math.floor(uniform() * Number.MAX_SAFE_INTEGER));
// integers past 2^53 and around the 1e21 switch to exponent form
for (let i = 0; i < 6000; i++) addBoth(Math.floor(uniform() * 2 ** (53 + intBelow(30))));
for (let i = 0; i < 3000; i++) addBoth(1e21 * (0.5 + uniform()));
for (let e = 15; e <= 25; e++) for (let d = -3; d <= 3; d++) addBoth(Number(`1e${e}`) + d * 2 ** (e * 3.33 - 52));
// powers of two (lopsided rounding intervals) and their neighbours
for (let e = -1074; e <= 1023; e++) {
	const p = 2 ** e;
	addBoth(p);
	add(fromBits(bitsOf(p) + 1n));
	if (e > -1074) add(fromBits(bitsOf(p) - 1n));
}
// powers of ten and the 1e-6 / 1e-7 switch
for (let e = -323; e <= 308; e++) { addBoth(Number(`1e${e}`)); addBoth(Number(`5e${e}`)); }
for (let i = 0; i < 3000; i++) addBoth(1e-6 * (0.5 + uniform()));
for (let i = 0; i < 2000; i++) addBoth(1e-7 * (0.5 + uniform()));
// short decimals as people write them (money, scores, percentages)
for (let i = 0; i < 8000; i++) {
	const digits = 1 + intBelow(17);
	let m = '';
	for (let k = 0; k < digits; k++) m += String(intBelow(10));
	addBoth(Number(`${m}e${intBelow(80) - 40}`));
}
for (let i = 0; i < 4000; i++) addBoth(Math.round(uniform() * 1e6) / 100);
// huge and tiny exponents
for (let i = 0; i < 3000; i++) addBoth(uniform() * 10 ** (290 + intBelow(18)));
for (let i = 0; i < 3000; i++) addBoth(uniform() * 10 ** -(290 + intBelow(18)));
add(0); add(-0);

fs.writeFileSync(process.argv[2] || 'tests/data/numbers.golden', out.join('\n') + '\n');
console.error(`${out.length} numbers`);
