#!/usr/bin/env node
// Makes or checks src/telegram/methods.def, bothive's one table of the Bot
// API methods, from the type declarations of the npm package
// @grammyjs/types (a development-time input only: install it outside the
// tree, e.g. `npm install --prefix /tmp/gt @grammyjs/types`, nothing of it
// is committed). What the table keeps of it is bothive's own data: each
// method's name, its result type and its parameters with a one-letter
// type each; the typed wrapper column is kept from the current table.
//
// Usage: node scripts/api-table.js PACKAGE_DIR [--check]
//   writes the table to stdout, or with --check exits 1 and names each
//   method whose row differs from the package (new, gone, changed).
'use strict';
const fs = require('fs');
const path = require('path');

const pkg = process.argv[2];
const check = process.argv.includes('--check');
if (!pkg) {
    process.stderr.write('usage: api-table.js PACKAGE_DIR [--check]\n');
    process.exit(2);
}
const decl = fs.readFileSync(path.join(pkg, 'methods.d.ts'), 'utf8').split('\n');
const defPath = path.join(__dirname, '..', 'src', 'telegram', 'methods.def');

// Parameters of the Bot API whose numbers are Float, not Integer.
const FLOATS = new Set(['latitude', 'longitude', 'horizontal_accuracy']);

// The one-letter type of a parameter (see the head of methods.def).
function paramType(name, ts) {
    ts = ts.replace(/;$/, '').trim();
    if (ts === 'number | string') return 'c';
    if (ts === 'number') return FLOATS.has(name) ? 'n' : 'i';
    if (ts === 'F | string') return 'f';
    if (ts === 'F') return 'u';
    if (/^[0-9][0-9xA-F]*( \| [0-9][0-9xA-F]*)*$/.test(ts)) return 'i';
    if (ts === 'boolean' || ts === 'true') return 'b';
    if (ts === 'string' || ts === 'ParseMode' || ts === 'LanguageCode') return 's';
    if (/^(\(string & Record<never, never>\) \| )?"[^]*"$/.test(ts)) return 's';
    return 'j';
}

// bothive's name of a result type.
function resultType(ts) {
    ts = ts.replace(/;$/, '').trim();
    if (ts === 'true') return 'True';
    if (ts === 'string') return 'String';
    if (ts === 'number') return 'Integer';
    if (ts === 'UserFromGetMe') return 'User';
    if (/^\(Update\.Edited & Message/.test(ts)) return 'Message|True';
    if (/^Array<Message\./.test(ts)) return 'Message[]';
    if (/^Array<ChatMember/.test(ts)) return 'ChatMember[]';
    if (/^Message\./.test(ts)) return 'Message';
    return ts;
}

// The methods of the package: [{name, result, params: ["x:T!", ...]}].
function readPackage() {
    const out = [];
    let cur = null;
    for (const line of decl) {
        let m = /^    ([a-zA-Z]+)\((args\??: \{)?(\)?: (.*))?$/.exec(line);
        if (m && !cur) {
            cur = {name: m[1], result: null, params: []};
            if (m[4] !== undefined) { cur.result = resultType(m[4]); out.push(cur); cur = null; }
            continue;
        }
        if (!cur) continue;
        m = /^        ([a-z_]+)(\??): (.*)$/.exec(line);
        if (m) { cur.params.push(m[1] + ':' + paramType(m[1], m[3]) + (m[2] ? '' : '!')); continue; }
        m = /^    \}\): (.*)$/.exec(line);
        if (m) { cur.result = resultType(m[1]); out.push(cur); cur = null; }
    }
    return out;
}

// The wrapper column of the current table: method -> C function or NULL.
function readWrappers() {
    const w = new Map();
    if (!fs.existsSync(defPath)) return w;
    const re = /^BH_API_METHOD\("([A-Za-z]+)", *"[^"]*", *"[^"]*", *([A-Za-z_0-9]+)\)/;
    for (const line of fs.readFileSync(defPath, 'utf8').split('\n')) {
        const m = re.exec(line);
        if (m) w.set(m[1], m[2]);
    }
    return w;
}

function row(m, wrap) {
    return `BH_API_METHOD("${m.name}", "${m.result}", "${m.params.join(' ')}", ${wrap})`;
}

const methods = readPackage();
const wrappers = readWrappers();
if (check) {
    const cur = new Map();
    const re = /^BH_API_METHOD\("([A-Za-z]+)".*$/;
    for (const line of fs.readFileSync(defPath, 'utf8').split('\n')) {
        const m = re.exec(line);
        if (m) cur.set(m[1], line);
    }
    let bad = 0;
    for (const m of methods) {
        const want = row(m, wrappers.get(m.name) || 'NULL');
        if (!cur.has(m.name)) { console.log(`new: ${m.name}`); bad = 1; }
        else if (cur.get(m.name) !== want) { console.log(`changed: ${m.name}`); bad = 1; }
        cur.delete(m.name);
    }
    for (const name of cur.keys()) { console.log(`gone: ${name}`); bad = 1; }
    process.exit(bad);
}
const head = fs.readFileSync(defPath, 'utf8').split('\n');
const first = head.findIndex((l) => l.startsWith('BH_API_METHOD('));
const rows = methods.map((m) => row(m, wrappers.get(m.name) || 'NULL'));
const tail = head.slice(head.findLastIndex((l) => l.startsWith('BH_API_METHOD(')) + 1);
process.stdout.write(head.slice(0, first).concat(rows, tail).join('\n'));
