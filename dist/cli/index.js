#!/usr/bin/env node
import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 2210:
/***/ ((module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.MissingRefError = exports.ValidationError = exports.CodeGen = exports.Name = exports.nil = exports.stringify = exports.str = exports._ = exports.KeywordCxt = exports.Ajv2020 = void 0;
const core_1 = __nccwpck_require__(3893);
const draft2020_1 = __nccwpck_require__(4298);
const discriminator_1 = __nccwpck_require__(8886);
const json_schema_2020_12_1 = __nccwpck_require__(3995);
const META_SCHEMA_ID = "https://json-schema.org/draft/2020-12/schema";
class Ajv2020 extends core_1.default {
    constructor(opts = {}) {
        super({
            ...opts,
            dynamicRef: true,
            next: true,
            unevaluated: true,
        });
    }
    _addVocabularies() {
        super._addVocabularies();
        draft2020_1.default.forEach((v) => this.addVocabulary(v));
        if (this.opts.discriminator)
            this.addKeyword(discriminator_1.default);
    }
    _addDefaultMetaSchema() {
        super._addDefaultMetaSchema();
        const { $data, meta } = this.opts;
        if (!meta)
            return;
        json_schema_2020_12_1.default.call(this, $data);
        this.refs["http://json-schema.org/schema"] = META_SCHEMA_ID;
    }
    defaultMeta() {
        return (this.opts.defaultMeta =
            super.defaultMeta() || (this.getSchema(META_SCHEMA_ID) ? META_SCHEMA_ID : undefined));
    }
}
exports.Ajv2020 = Ajv2020;
module.exports = exports = Ajv2020;
module.exports.Ajv2020 = Ajv2020;
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports["default"] = Ajv2020;
var validate_1 = __nccwpck_require__(7881);
Object.defineProperty(exports, "KeywordCxt", ({ enumerable: true, get: function () { return validate_1.KeywordCxt; } }));
var codegen_1 = __nccwpck_require__(1436);
Object.defineProperty(exports, "_", ({ enumerable: true, get: function () { return codegen_1._; } }));
Object.defineProperty(exports, "str", ({ enumerable: true, get: function () { return codegen_1.str; } }));
Object.defineProperty(exports, "stringify", ({ enumerable: true, get: function () { return codegen_1.stringify; } }));
Object.defineProperty(exports, "nil", ({ enumerable: true, get: function () { return codegen_1.nil; } }));
Object.defineProperty(exports, "Name", ({ enumerable: true, get: function () { return codegen_1.Name; } }));
Object.defineProperty(exports, "CodeGen", ({ enumerable: true, get: function () { return codegen_1.CodeGen; } }));
var validation_error_1 = __nccwpck_require__(3021);
Object.defineProperty(exports, "ValidationError", ({ enumerable: true, get: function () { return validation_error_1.default; } }));
var ref_error_1 = __nccwpck_require__(3162);
Object.defineProperty(exports, "MissingRefError", ({ enumerable: true, get: function () { return ref_error_1.default; } }));
//# sourceMappingURL=2020.js.map

/***/ }),

/***/ 567:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.regexpCode = exports.getEsmExportName = exports.getProperty = exports.safeStringify = exports.stringify = exports.strConcat = exports.addCodeArg = exports.str = exports._ = exports.nil = exports._Code = exports.Name = exports.IDENTIFIER = exports._CodeOrName = void 0;
// eslint-disable-next-line @typescript-eslint/no-extraneous-class
class _CodeOrName {
}
exports._CodeOrName = _CodeOrName;
exports.IDENTIFIER = /^[a-z$_][a-z$_0-9]*$/i;
class Name extends _CodeOrName {
    constructor(s) {
        super();
        if (!exports.IDENTIFIER.test(s))
            throw new Error("CodeGen: name must be a valid identifier");
        this.str = s;
    }
    toString() {
        return this.str;
    }
    emptyStr() {
        return false;
    }
    get names() {
        return { [this.str]: 1 };
    }
}
exports.Name = Name;
class _Code extends _CodeOrName {
    constructor(code) {
        super();
        this._items = typeof code === "string" ? [code] : code;
    }
    toString() {
        return this.str;
    }
    emptyStr() {
        if (this._items.length > 1)
            return false;
        const item = this._items[0];
        return item === "" || item === '""';
    }
    get str() {
        var _a;
        return ((_a = this._str) !== null && _a !== void 0 ? _a : (this._str = this._items.reduce((s, c) => `${s}${c}`, "")));
    }
    get names() {
        var _a;
        return ((_a = this._names) !== null && _a !== void 0 ? _a : (this._names = this._items.reduce((names, c) => {
            if (c instanceof Name)
                names[c.str] = (names[c.str] || 0) + 1;
            return names;
        }, {})));
    }
}
exports._Code = _Code;
exports.nil = new _Code("");
function _(strs, ...args) {
    const code = [strs[0]];
    let i = 0;
    while (i < args.length) {
        addCodeArg(code, args[i]);
        code.push(strs[++i]);
    }
    return new _Code(code);
}
exports._ = _;
const plus = new _Code("+");
function str(strs, ...args) {
    const expr = [safeStringify(strs[0])];
    let i = 0;
    while (i < args.length) {
        expr.push(plus);
        addCodeArg(expr, args[i]);
        expr.push(plus, safeStringify(strs[++i]));
    }
    optimize(expr);
    return new _Code(expr);
}
exports.str = str;
function addCodeArg(code, arg) {
    if (arg instanceof _Code)
        code.push(...arg._items);
    else if (arg instanceof Name)
        code.push(arg);
    else
        code.push(interpolate(arg));
}
exports.addCodeArg = addCodeArg;
function optimize(expr) {
    let i = 1;
    while (i < expr.length - 1) {
        if (expr[i] === plus) {
            const res = mergeExprItems(expr[i - 1], expr[i + 1]);
            if (res !== undefined) {
                expr.splice(i - 1, 3, res);
                continue;
            }
            expr[i++] = "+";
        }
        i++;
    }
}
function mergeExprItems(a, b) {
    if (b === '""')
        return a;
    if (a === '""')
        return b;
    if (typeof a == "string") {
        if (b instanceof Name || a[a.length - 1] !== '"')
            return;
        if (typeof b != "string")
            return `${a.slice(0, -1)}${b}"`;
        if (b[0] === '"')
            return a.slice(0, -1) + b.slice(1);
        return;
    }
    if (typeof b == "string" && b[0] === '"' && !(a instanceof Name))
        return `"${a}${b.slice(1)}`;
    return;
}
function strConcat(c1, c2) {
    return c2.emptyStr() ? c1 : c1.emptyStr() ? c2 : str `${c1}${c2}`;
}
exports.strConcat = strConcat;
// TODO do not allow arrays here
function interpolate(x) {
    return typeof x == "number" || typeof x == "boolean" || x === null
        ? x
        : safeStringify(Array.isArray(x) ? x.join(",") : x);
}
function stringify(x) {
    return new _Code(safeStringify(x));
}
exports.stringify = stringify;
function safeStringify(x) {
    return JSON.stringify(x)
        .replace(/\u2028/g, "\\u2028")
        .replace(/\u2029/g, "\\u2029");
}
exports.safeStringify = safeStringify;
function getProperty(key) {
    return typeof key == "string" && exports.IDENTIFIER.test(key) ? new _Code(`.${key}`) : _ `[${key}]`;
}
exports.getProperty = getProperty;
//Does best effort to format the name properly
function getEsmExportName(key) {
    if (typeof key == "string" && exports.IDENTIFIER.test(key)) {
        return new _Code(`${key}`);
    }
    throw new Error(`CodeGen: invalid export name: ${key}, use explicit $id name mapping`);
}
exports.getEsmExportName = getEsmExportName;
function regexpCode(rx) {
    return new _Code(rx.toString());
}
exports.regexpCode = regexpCode;
//# sourceMappingURL=code.js.map

/***/ }),

/***/ 1436:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.or = exports.and = exports.not = exports.CodeGen = exports.operators = exports.varKinds = exports.ValueScopeName = exports.ValueScope = exports.Scope = exports.Name = exports.regexpCode = exports.stringify = exports.getProperty = exports.nil = exports.strConcat = exports.str = exports._ = void 0;
const code_1 = __nccwpck_require__(567);
const scope_1 = __nccwpck_require__(7788);
var code_2 = __nccwpck_require__(567);
Object.defineProperty(exports, "_", ({ enumerable: true, get: function () { return code_2._; } }));
Object.defineProperty(exports, "str", ({ enumerable: true, get: function () { return code_2.str; } }));
Object.defineProperty(exports, "strConcat", ({ enumerable: true, get: function () { return code_2.strConcat; } }));
Object.defineProperty(exports, "nil", ({ enumerable: true, get: function () { return code_2.nil; } }));
Object.defineProperty(exports, "getProperty", ({ enumerable: true, get: function () { return code_2.getProperty; } }));
Object.defineProperty(exports, "stringify", ({ enumerable: true, get: function () { return code_2.stringify; } }));
Object.defineProperty(exports, "regexpCode", ({ enumerable: true, get: function () { return code_2.regexpCode; } }));
Object.defineProperty(exports, "Name", ({ enumerable: true, get: function () { return code_2.Name; } }));
var scope_2 = __nccwpck_require__(7788);
Object.defineProperty(exports, "Scope", ({ enumerable: true, get: function () { return scope_2.Scope; } }));
Object.defineProperty(exports, "ValueScope", ({ enumerable: true, get: function () { return scope_2.ValueScope; } }));
Object.defineProperty(exports, "ValueScopeName", ({ enumerable: true, get: function () { return scope_2.ValueScopeName; } }));
Object.defineProperty(exports, "varKinds", ({ enumerable: true, get: function () { return scope_2.varKinds; } }));
exports.operators = {
    GT: new code_1._Code(">"),
    GTE: new code_1._Code(">="),
    LT: new code_1._Code("<"),
    LTE: new code_1._Code("<="),
    EQ: new code_1._Code("==="),
    NEQ: new code_1._Code("!=="),
    NOT: new code_1._Code("!"),
    OR: new code_1._Code("||"),
    AND: new code_1._Code("&&"),
    ADD: new code_1._Code("+"),
};
class Node {
    optimizeNodes() {
        return this;
    }
    optimizeNames(_names, _constants) {
        return this;
    }
}
class Def extends Node {
    constructor(varKind, name, rhs) {
        super();
        this.varKind = varKind;
        this.name = name;
        this.rhs = rhs;
    }
    render({ es5, _n }) {
        const varKind = es5 ? scope_1.varKinds.var : this.varKind;
        const rhs = this.rhs === undefined ? "" : ` = ${this.rhs}`;
        return `${varKind} ${this.name}${rhs};` + _n;
    }
    optimizeNames(names, constants) {
        if (!names[this.name.str])
            return;
        if (this.rhs)
            this.rhs = optimizeExpr(this.rhs, names, constants);
        return this;
    }
    get names() {
        return this.rhs instanceof code_1._CodeOrName ? this.rhs.names : {};
    }
}
class Assign extends Node {
    constructor(lhs, rhs, sideEffects) {
        super();
        this.lhs = lhs;
        this.rhs = rhs;
        this.sideEffects = sideEffects;
    }
    render({ _n }) {
        return `${this.lhs} = ${this.rhs};` + _n;
    }
    optimizeNames(names, constants) {
        if (this.lhs instanceof code_1.Name && !names[this.lhs.str] && !this.sideEffects)
            return;
        this.rhs = optimizeExpr(this.rhs, names, constants);
        return this;
    }
    get names() {
        const names = this.lhs instanceof code_1.Name ? {} : { ...this.lhs.names };
        return addExprNames(names, this.rhs);
    }
}
class AssignOp extends Assign {
    constructor(lhs, op, rhs, sideEffects) {
        super(lhs, rhs, sideEffects);
        this.op = op;
    }
    render({ _n }) {
        return `${this.lhs} ${this.op}= ${this.rhs};` + _n;
    }
}
class Label extends Node {
    constructor(label) {
        super();
        this.label = label;
        this.names = {};
    }
    render({ _n }) {
        return `${this.label}:` + _n;
    }
}
class Break extends Node {
    constructor(label) {
        super();
        this.label = label;
        this.names = {};
    }
    render({ _n }) {
        const label = this.label ? ` ${this.label}` : "";
        return `break${label};` + _n;
    }
}
class Throw extends Node {
    constructor(error) {
        super();
        this.error = error;
    }
    render({ _n }) {
        return `throw ${this.error};` + _n;
    }
    get names() {
        return this.error.names;
    }
}
class AnyCode extends Node {
    constructor(code) {
        super();
        this.code = code;
    }
    render({ _n }) {
        return `${this.code};` + _n;
    }
    optimizeNodes() {
        return `${this.code}` ? this : undefined;
    }
    optimizeNames(names, constants) {
        this.code = optimizeExpr(this.code, names, constants);
        return this;
    }
    get names() {
        return this.code instanceof code_1._CodeOrName ? this.code.names : {};
    }
}
class ParentNode extends Node {
    constructor(nodes = []) {
        super();
        this.nodes = nodes;
    }
    render(opts) {
        return this.nodes.reduce((code, n) => code + n.render(opts), "");
    }
    optimizeNodes() {
        const { nodes } = this;
        let i = nodes.length;
        while (i--) {
            const n = nodes[i].optimizeNodes();
            if (Array.isArray(n))
                nodes.splice(i, 1, ...n);
            else if (n)
                nodes[i] = n;
            else
                nodes.splice(i, 1);
        }
        return nodes.length > 0 ? this : undefined;
    }
    optimizeNames(names, constants) {
        const { nodes } = this;
        let i = nodes.length;
        while (i--) {
            // iterating backwards improves 1-pass optimization
            const n = nodes[i];
            if (n.optimizeNames(names, constants))
                continue;
            subtractNames(names, n.names);
            nodes.splice(i, 1);
        }
        return nodes.length > 0 ? this : undefined;
    }
    get names() {
        return this.nodes.reduce((names, n) => addNames(names, n.names), {});
    }
}
class BlockNode extends ParentNode {
    render(opts) {
        return "{" + opts._n + super.render(opts) + "}" + opts._n;
    }
}
class Root extends ParentNode {
}
class Else extends BlockNode {
}
Else.kind = "else";
class If extends BlockNode {
    constructor(condition, nodes) {
        super(nodes);
        this.condition = condition;
    }
    render(opts) {
        let code = `if(${this.condition})` + super.render(opts);
        if (this.else)
            code += "else " + this.else.render(opts);
        return code;
    }
    optimizeNodes() {
        super.optimizeNodes();
        const cond = this.condition;
        if (cond === true)
            return this.nodes; // else is ignored here
        let e = this.else;
        if (e) {
            const ns = e.optimizeNodes();
            e = this.else = Array.isArray(ns) ? new Else(ns) : ns;
        }
        if (e) {
            if (cond === false)
                return e instanceof If ? e : e.nodes;
            if (this.nodes.length)
                return this;
            return new If(not(cond), e instanceof If ? [e] : e.nodes);
        }
        if (cond === false || !this.nodes.length)
            return undefined;
        return this;
    }
    optimizeNames(names, constants) {
        var _a;
        this.else = (_a = this.else) === null || _a === void 0 ? void 0 : _a.optimizeNames(names, constants);
        if (!(super.optimizeNames(names, constants) || this.else))
            return;
        this.condition = optimizeExpr(this.condition, names, constants);
        return this;
    }
    get names() {
        const names = super.names;
        addExprNames(names, this.condition);
        if (this.else)
            addNames(names, this.else.names);
        return names;
    }
}
If.kind = "if";
class For extends BlockNode {
}
For.kind = "for";
class ForLoop extends For {
    constructor(iteration) {
        super();
        this.iteration = iteration;
    }
    render(opts) {
        return `for(${this.iteration})` + super.render(opts);
    }
    optimizeNames(names, constants) {
        if (!super.optimizeNames(names, constants))
            return;
        this.iteration = optimizeExpr(this.iteration, names, constants);
        return this;
    }
    get names() {
        return addNames(super.names, this.iteration.names);
    }
}
class ForRange extends For {
    constructor(varKind, name, from, to) {
        super();
        this.varKind = varKind;
        this.name = name;
        this.from = from;
        this.to = to;
    }
    render(opts) {
        const varKind = opts.es5 ? scope_1.varKinds.var : this.varKind;
        const { name, from, to } = this;
        return `for(${varKind} ${name}=${from}; ${name}<${to}; ${name}++)` + super.render(opts);
    }
    get names() {
        const names = addExprNames(super.names, this.from);
        return addExprNames(names, this.to);
    }
}
class ForIter extends For {
    constructor(loop, varKind, name, iterable) {
        super();
        this.loop = loop;
        this.varKind = varKind;
        this.name = name;
        this.iterable = iterable;
    }
    render(opts) {
        return `for(${this.varKind} ${this.name} ${this.loop} ${this.iterable})` + super.render(opts);
    }
    optimizeNames(names, constants) {
        if (!super.optimizeNames(names, constants))
            return;
        this.iterable = optimizeExpr(this.iterable, names, constants);
        return this;
    }
    get names() {
        return addNames(super.names, this.iterable.names);
    }
}
class Func extends BlockNode {
    constructor(name, args, async) {
        super();
        this.name = name;
        this.args = args;
        this.async = async;
    }
    render(opts) {
        const _async = this.async ? "async " : "";
        return `${_async}function ${this.name}(${this.args})` + super.render(opts);
    }
}
Func.kind = "func";
class Return extends ParentNode {
    render(opts) {
        return "return " + super.render(opts);
    }
}
Return.kind = "return";
class Try extends BlockNode {
    render(opts) {
        let code = "try" + super.render(opts);
        if (this.catch)
            code += this.catch.render(opts);
        if (this.finally)
            code += this.finally.render(opts);
        return code;
    }
    optimizeNodes() {
        var _a, _b;
        super.optimizeNodes();
        (_a = this.catch) === null || _a === void 0 ? void 0 : _a.optimizeNodes();
        (_b = this.finally) === null || _b === void 0 ? void 0 : _b.optimizeNodes();
        return this;
    }
    optimizeNames(names, constants) {
        var _a, _b;
        super.optimizeNames(names, constants);
        (_a = this.catch) === null || _a === void 0 ? void 0 : _a.optimizeNames(names, constants);
        (_b = this.finally) === null || _b === void 0 ? void 0 : _b.optimizeNames(names, constants);
        return this;
    }
    get names() {
        const names = super.names;
        if (this.catch)
            addNames(names, this.catch.names);
        if (this.finally)
            addNames(names, this.finally.names);
        return names;
    }
}
class Catch extends BlockNode {
    constructor(error) {
        super();
        this.error = error;
    }
    render(opts) {
        return `catch(${this.error})` + super.render(opts);
    }
}
Catch.kind = "catch";
class Finally extends BlockNode {
    render(opts) {
        return "finally" + super.render(opts);
    }
}
Finally.kind = "finally";
class CodeGen {
    constructor(extScope, opts = {}) {
        this._values = {};
        this._blockStarts = [];
        this._constants = {};
        this.opts = { ...opts, _n: opts.lines ? "\n" : "" };
        this._extScope = extScope;
        this._scope = new scope_1.Scope({ parent: extScope });
        this._nodes = [new Root()];
    }
    toString() {
        return this._root.render(this.opts);
    }
    // returns unique name in the internal scope
    name(prefix) {
        return this._scope.name(prefix);
    }
    // reserves unique name in the external scope
    scopeName(prefix) {
        return this._extScope.name(prefix);
    }
    // reserves unique name in the external scope and assigns value to it
    scopeValue(prefixOrName, value) {
        const name = this._extScope.value(prefixOrName, value);
        const vs = this._values[name.prefix] || (this._values[name.prefix] = new Set());
        vs.add(name);
        return name;
    }
    getScopeValue(prefix, keyOrRef) {
        return this._extScope.getValue(prefix, keyOrRef);
    }
    // return code that assigns values in the external scope to the names that are used internally
    // (same names that were returned by gen.scopeName or gen.scopeValue)
    scopeRefs(scopeName) {
        return this._extScope.scopeRefs(scopeName, this._values);
    }
    scopeCode() {
        return this._extScope.scopeCode(this._values);
    }
    _def(varKind, nameOrPrefix, rhs, constant) {
        const name = this._scope.toName(nameOrPrefix);
        if (rhs !== undefined && constant)
            this._constants[name.str] = rhs;
        this._leafNode(new Def(varKind, name, rhs));
        return name;
    }
    // `const` declaration (`var` in es5 mode)
    const(nameOrPrefix, rhs, _constant) {
        return this._def(scope_1.varKinds.const, nameOrPrefix, rhs, _constant);
    }
    // `let` declaration with optional assignment (`var` in es5 mode)
    let(nameOrPrefix, rhs, _constant) {
        return this._def(scope_1.varKinds.let, nameOrPrefix, rhs, _constant);
    }
    // `var` declaration with optional assignment
    var(nameOrPrefix, rhs, _constant) {
        return this._def(scope_1.varKinds.var, nameOrPrefix, rhs, _constant);
    }
    // assignment code
    assign(lhs, rhs, sideEffects) {
        return this._leafNode(new Assign(lhs, rhs, sideEffects));
    }
    // `+=` code
    add(lhs, rhs) {
        return this._leafNode(new AssignOp(lhs, exports.operators.ADD, rhs));
    }
    // appends passed SafeExpr to code or executes Block
    code(c) {
        if (typeof c == "function")
            c();
        else if (c !== code_1.nil)
            this._leafNode(new AnyCode(c));
        return this;
    }
    // returns code for object literal for the passed argument list of key-value pairs
    object(...keyValues) {
        const code = ["{"];
        for (const [key, value] of keyValues) {
            if (code.length > 1)
                code.push(",");
            code.push(key);
            if (key !== value || this.opts.es5) {
                code.push(":");
                (0, code_1.addCodeArg)(code, value);
            }
        }
        code.push("}");
        return new code_1._Code(code);
    }
    // `if` clause (or statement if `thenBody` and, optionally, `elseBody` are passed)
    if(condition, thenBody, elseBody) {
        this._blockNode(new If(condition));
        if (thenBody && elseBody) {
            this.code(thenBody).else().code(elseBody).endIf();
        }
        else if (thenBody) {
            this.code(thenBody).endIf();
        }
        else if (elseBody) {
            throw new Error('CodeGen: "else" body without "then" body');
        }
        return this;
    }
    // `else if` clause - invalid without `if` or after `else` clauses
    elseIf(condition) {
        return this._elseNode(new If(condition));
    }
    // `else` clause - only valid after `if` or `else if` clauses
    else() {
        return this._elseNode(new Else());
    }
    // end `if` statement (needed if gen.if was used only with condition)
    endIf() {
        return this._endBlockNode(If, Else);
    }
    _for(node, forBody) {
        this._blockNode(node);
        if (forBody)
            this.code(forBody).endFor();
        return this;
    }
    // a generic `for` clause (or statement if `forBody` is passed)
    for(iteration, forBody) {
        return this._for(new ForLoop(iteration), forBody);
    }
    // `for` statement for a range of values
    forRange(nameOrPrefix, from, to, forBody, varKind = this.opts.es5 ? scope_1.varKinds.var : scope_1.varKinds.let) {
        const name = this._scope.toName(nameOrPrefix);
        return this._for(new ForRange(varKind, name, from, to), () => forBody(name));
    }
    // `for-of` statement (in es5 mode replace with a normal for loop)
    forOf(nameOrPrefix, iterable, forBody, varKind = scope_1.varKinds.const) {
        const name = this._scope.toName(nameOrPrefix);
        if (this.opts.es5) {
            const arr = iterable instanceof code_1.Name ? iterable : this.var("_arr", iterable);
            return this.forRange("_i", 0, (0, code_1._) `${arr}.length`, (i) => {
                this.var(name, (0, code_1._) `${arr}[${i}]`);
                forBody(name);
            });
        }
        return this._for(new ForIter("of", varKind, name, iterable), () => forBody(name));
    }
    // `for-in` statement.
    // With option `ownProperties` replaced with a `for-of` loop for object keys
    forIn(nameOrPrefix, obj, forBody, varKind = this.opts.es5 ? scope_1.varKinds.var : scope_1.varKinds.const) {
        if (this.opts.ownProperties) {
            return this.forOf(nameOrPrefix, (0, code_1._) `Object.keys(${obj})`, forBody);
        }
        const name = this._scope.toName(nameOrPrefix);
        return this._for(new ForIter("in", varKind, name, obj), () => forBody(name));
    }
    // end `for` loop
    endFor() {
        return this._endBlockNode(For);
    }
    // `label` statement
    label(label) {
        return this._leafNode(new Label(label));
    }
    // `break` statement
    break(label) {
        return this._leafNode(new Break(label));
    }
    // `return` statement
    return(value) {
        const node = new Return();
        this._blockNode(node);
        this.code(value);
        if (node.nodes.length !== 1)
            throw new Error('CodeGen: "return" should have one node');
        return this._endBlockNode(Return);
    }
    // `try` statement
    try(tryBody, catchCode, finallyCode) {
        if (!catchCode && !finallyCode)
            throw new Error('CodeGen: "try" without "catch" and "finally"');
        const node = new Try();
        this._blockNode(node);
        this.code(tryBody);
        if (catchCode) {
            const error = this.name("e");
            this._currNode = node.catch = new Catch(error);
            catchCode(error);
        }
        if (finallyCode) {
            this._currNode = node.finally = new Finally();
            this.code(finallyCode);
        }
        return this._endBlockNode(Catch, Finally);
    }
    // `throw` statement
    throw(error) {
        return this._leafNode(new Throw(error));
    }
    // start self-balancing block
    block(body, nodeCount) {
        this._blockStarts.push(this._nodes.length);
        if (body)
            this.code(body).endBlock(nodeCount);
        return this;
    }
    // end the current self-balancing block
    endBlock(nodeCount) {
        const len = this._blockStarts.pop();
        if (len === undefined)
            throw new Error("CodeGen: not in self-balancing block");
        const toClose = this._nodes.length - len;
        if (toClose < 0 || (nodeCount !== undefined && toClose !== nodeCount)) {
            throw new Error(`CodeGen: wrong number of nodes: ${toClose} vs ${nodeCount} expected`);
        }
        this._nodes.length = len;
        return this;
    }
    // `function` heading (or definition if funcBody is passed)
    func(name, args = code_1.nil, async, funcBody) {
        this._blockNode(new Func(name, args, async));
        if (funcBody)
            this.code(funcBody).endFunc();
        return this;
    }
    // end function definition
    endFunc() {
        return this._endBlockNode(Func);
    }
    optimize(n = 1) {
        while (n-- > 0) {
            this._root.optimizeNodes();
            this._root.optimizeNames(this._root.names, this._constants);
        }
    }
    _leafNode(node) {
        this._currNode.nodes.push(node);
        return this;
    }
    _blockNode(node) {
        this._currNode.nodes.push(node);
        this._nodes.push(node);
    }
    _endBlockNode(N1, N2) {
        const n = this._currNode;
        if (n instanceof N1 || (N2 && n instanceof N2)) {
            this._nodes.pop();
            return this;
        }
        throw new Error(`CodeGen: not in block "${N2 ? `${N1.kind}/${N2.kind}` : N1.kind}"`);
    }
    _elseNode(node) {
        const n = this._currNode;
        if (!(n instanceof If)) {
            throw new Error('CodeGen: "else" without "if"');
        }
        this._currNode = n.else = node;
        return this;
    }
    get _root() {
        return this._nodes[0];
    }
    get _currNode() {
        const ns = this._nodes;
        return ns[ns.length - 1];
    }
    set _currNode(node) {
        const ns = this._nodes;
        ns[ns.length - 1] = node;
    }
}
exports.CodeGen = CodeGen;
function addNames(names, from) {
    for (const n in from)
        names[n] = (names[n] || 0) + (from[n] || 0);
    return names;
}
function addExprNames(names, from) {
    return from instanceof code_1._CodeOrName ? addNames(names, from.names) : names;
}
function optimizeExpr(expr, names, constants) {
    if (expr instanceof code_1.Name)
        return replaceName(expr);
    if (!canOptimize(expr))
        return expr;
    return new code_1._Code(expr._items.reduce((items, c) => {
        if (c instanceof code_1.Name)
            c = replaceName(c);
        if (c instanceof code_1._Code)
            items.push(...c._items);
        else
            items.push(c);
        return items;
    }, []));
    function replaceName(n) {
        const c = constants[n.str];
        if (c === undefined || names[n.str] !== 1)
            return n;
        delete names[n.str];
        return c;
    }
    function canOptimize(e) {
        return (e instanceof code_1._Code &&
            e._items.some((c) => c instanceof code_1.Name && names[c.str] === 1 && constants[c.str] !== undefined));
    }
}
function subtractNames(names, from) {
    for (const n in from)
        names[n] = (names[n] || 0) - (from[n] || 0);
}
function not(x) {
    return typeof x == "boolean" || typeof x == "number" || x === null ? !x : (0, code_1._) `!${par(x)}`;
}
exports.not = not;
const andCode = mappend(exports.operators.AND);
// boolean AND (&&) expression with the passed arguments
function and(...args) {
    return args.reduce(andCode);
}
exports.and = and;
const orCode = mappend(exports.operators.OR);
// boolean OR (||) expression with the passed arguments
function or(...args) {
    return args.reduce(orCode);
}
exports.or = or;
function mappend(op) {
    return (x, y) => (x === code_1.nil ? y : y === code_1.nil ? x : (0, code_1._) `${par(x)} ${op} ${par(y)}`);
}
function par(x) {
    return x instanceof code_1.Name ? x : (0, code_1._) `(${x})`;
}
//# sourceMappingURL=index.js.map

/***/ }),

/***/ 7788:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ValueScope = exports.ValueScopeName = exports.Scope = exports.varKinds = exports.UsedValueState = void 0;
const code_1 = __nccwpck_require__(567);
class ValueError extends Error {
    constructor(name) {
        super(`CodeGen: "code" for ${name} not defined`);
        this.value = name.value;
    }
}
var UsedValueState;
(function (UsedValueState) {
    UsedValueState[UsedValueState["Started"] = 0] = "Started";
    UsedValueState[UsedValueState["Completed"] = 1] = "Completed";
})(UsedValueState || (exports.UsedValueState = UsedValueState = {}));
exports.varKinds = {
    const: new code_1.Name("const"),
    let: new code_1.Name("let"),
    var: new code_1.Name("var"),
};
class Scope {
    constructor({ prefixes, parent } = {}) {
        this._names = {};
        this._prefixes = prefixes;
        this._parent = parent;
    }
    toName(nameOrPrefix) {
        return nameOrPrefix instanceof code_1.Name ? nameOrPrefix : this.name(nameOrPrefix);
    }
    name(prefix) {
        return new code_1.Name(this._newName(prefix));
    }
    _newName(prefix) {
        const ng = this._names[prefix] || this._nameGroup(prefix);
        return `${prefix}${ng.index++}`;
    }
    _nameGroup(prefix) {
        var _a, _b;
        if (((_b = (_a = this._parent) === null || _a === void 0 ? void 0 : _a._prefixes) === null || _b === void 0 ? void 0 : _b.has(prefix)) || (this._prefixes && !this._prefixes.has(prefix))) {
            throw new Error(`CodeGen: prefix "${prefix}" is not allowed in this scope`);
        }
        return (this._names[prefix] = { prefix, index: 0 });
    }
}
exports.Scope = Scope;
class ValueScopeName extends code_1.Name {
    constructor(prefix, nameStr) {
        super(nameStr);
        this.prefix = prefix;
    }
    setValue(value, { property, itemIndex }) {
        this.value = value;
        this.scopePath = (0, code_1._) `.${new code_1.Name(property)}[${itemIndex}]`;
    }
}
exports.ValueScopeName = ValueScopeName;
const line = (0, code_1._) `\n`;
class ValueScope extends Scope {
    constructor(opts) {
        super(opts);
        this._values = {};
        this._scope = opts.scope;
        this.opts = { ...opts, _n: opts.lines ? line : code_1.nil };
    }
    get() {
        return this._scope;
    }
    name(prefix) {
        return new ValueScopeName(prefix, this._newName(prefix));
    }
    value(nameOrPrefix, value) {
        var _a;
        if (value.ref === undefined)
            throw new Error("CodeGen: ref must be passed in value");
        const name = this.toName(nameOrPrefix);
        const { prefix } = name;
        const valueKey = (_a = value.key) !== null && _a !== void 0 ? _a : value.ref;
        let vs = this._values[prefix];
        if (vs) {
            const _name = vs.get(valueKey);
            if (_name)
                return _name;
        }
        else {
            vs = this._values[prefix] = new Map();
        }
        vs.set(valueKey, name);
        const s = this._scope[prefix] || (this._scope[prefix] = []);
        const itemIndex = s.length;
        s[itemIndex] = value.ref;
        name.setValue(value, { property: prefix, itemIndex });
        return name;
    }
    getValue(prefix, keyOrRef) {
        const vs = this._values[prefix];
        if (!vs)
            return;
        return vs.get(keyOrRef);
    }
    scopeRefs(scopeName, values = this._values) {
        return this._reduceValues(values, (name) => {
            if (name.scopePath === undefined)
                throw new Error(`CodeGen: name "${name}" has no value`);
            return (0, code_1._) `${scopeName}${name.scopePath}`;
        });
    }
    scopeCode(values = this._values, usedValues, getCode) {
        return this._reduceValues(values, (name) => {
            if (name.value === undefined)
                throw new Error(`CodeGen: name "${name}" has no value`);
            return name.value.code;
        }, usedValues, getCode);
    }
    _reduceValues(values, valueCode, usedValues = {}, getCode) {
        let code = code_1.nil;
        for (const prefix in values) {
            const vs = values[prefix];
            if (!vs)
                continue;
            const nameSet = (usedValues[prefix] = usedValues[prefix] || new Map());
            vs.forEach((name) => {
                if (nameSet.has(name))
                    return;
                nameSet.set(name, UsedValueState.Started);
                let c = valueCode(name);
                if (c) {
                    const def = this.opts.es5 ? exports.varKinds.var : exports.varKinds.const;
                    code = (0, code_1._) `${code}${def} ${name} = ${c};${this.opts._n}`;
                }
                else if ((c = getCode === null || getCode === void 0 ? void 0 : getCode(name))) {
                    code = (0, code_1._) `${code}${c}${this.opts._n}`;
                }
                else {
                    throw new ValueError(name);
                }
                nameSet.set(name, UsedValueState.Completed);
            });
        }
        return code;
    }
}
exports.ValueScope = ValueScope;
//# sourceMappingURL=scope.js.map

/***/ }),

/***/ 1283:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.extendErrors = exports.resetErrorsCount = exports.reportExtraError = exports.reportError = exports.keyword$DataError = exports.keywordError = void 0;
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const names_1 = __nccwpck_require__(630);
exports.keywordError = {
    message: ({ keyword }) => (0, codegen_1.str) `must pass "${keyword}" keyword validation`,
};
exports.keyword$DataError = {
    message: ({ keyword, schemaType }) => schemaType
        ? (0, codegen_1.str) `"${keyword}" keyword must be ${schemaType} ($data)`
        : (0, codegen_1.str) `"${keyword}" keyword is invalid ($data)`,
};
function reportError(cxt, error = exports.keywordError, errorPaths, overrideAllErrors) {
    const { it } = cxt;
    const { gen, compositeRule, allErrors } = it;
    const errObj = errorObjectCode(cxt, error, errorPaths);
    if (overrideAllErrors !== null && overrideAllErrors !== void 0 ? overrideAllErrors : (compositeRule || allErrors)) {
        addError(gen, errObj);
    }
    else {
        returnErrors(it, (0, codegen_1._) `[${errObj}]`);
    }
}
exports.reportError = reportError;
function reportExtraError(cxt, error = exports.keywordError, errorPaths) {
    const { it } = cxt;
    const { gen, compositeRule, allErrors } = it;
    const errObj = errorObjectCode(cxt, error, errorPaths);
    addError(gen, errObj);
    if (!(compositeRule || allErrors)) {
        returnErrors(it, names_1.default.vErrors);
    }
}
exports.reportExtraError = reportExtraError;
function resetErrorsCount(gen, errsCount) {
    gen.assign(names_1.default.errors, errsCount);
    gen.if((0, codegen_1._) `${names_1.default.vErrors} !== null`, () => gen.if(errsCount, () => gen.assign((0, codegen_1._) `${names_1.default.vErrors}.length`, errsCount), () => gen.assign(names_1.default.vErrors, null)));
}
exports.resetErrorsCount = resetErrorsCount;
function extendErrors({ gen, keyword, schemaValue, data, errsCount, it, }) {
    /* istanbul ignore if */
    if (errsCount === undefined)
        throw new Error("ajv implementation error");
    const err = gen.name("err");
    gen.forRange("i", errsCount, names_1.default.errors, (i) => {
        gen.const(err, (0, codegen_1._) `${names_1.default.vErrors}[${i}]`);
        gen.if((0, codegen_1._) `${err}.instancePath === undefined`, () => gen.assign((0, codegen_1._) `${err}.instancePath`, (0, codegen_1.strConcat)(names_1.default.instancePath, it.errorPath)));
        gen.assign((0, codegen_1._) `${err}.schemaPath`, (0, codegen_1.str) `${it.errSchemaPath}/${keyword}`);
        if (it.opts.verbose) {
            gen.assign((0, codegen_1._) `${err}.schema`, schemaValue);
            gen.assign((0, codegen_1._) `${err}.data`, data);
        }
    });
}
exports.extendErrors = extendErrors;
function addError(gen, errObj) {
    const err = gen.const("err", errObj);
    gen.if((0, codegen_1._) `${names_1.default.vErrors} === null`, () => gen.assign(names_1.default.vErrors, (0, codegen_1._) `[${err}]`), (0, codegen_1._) `${names_1.default.vErrors}.push(${err})`);
    gen.code((0, codegen_1._) `${names_1.default.errors}++`);
}
function returnErrors(it, errs) {
    const { gen, validateName, schemaEnv } = it;
    if (schemaEnv.$async) {
        gen.throw((0, codegen_1._) `new ${it.ValidationError}(${errs})`);
    }
    else {
        gen.assign((0, codegen_1._) `${validateName}.errors`, errs);
        gen.return(false);
    }
}
const E = {
    keyword: new codegen_1.Name("keyword"),
    schemaPath: new codegen_1.Name("schemaPath"), // also used in JTD errors
    params: new codegen_1.Name("params"),
    propertyName: new codegen_1.Name("propertyName"),
    message: new codegen_1.Name("message"),
    schema: new codegen_1.Name("schema"),
    parentSchema: new codegen_1.Name("parentSchema"),
};
function errorObjectCode(cxt, error, errorPaths) {
    const { createErrors } = cxt.it;
    if (createErrors === false)
        return (0, codegen_1._) `{}`;
    return errorObject(cxt, error, errorPaths);
}
function errorObject(cxt, error, errorPaths = {}) {
    const { gen, it } = cxt;
    const keyValues = [
        errorInstancePath(it, errorPaths),
        errorSchemaPath(cxt, errorPaths),
    ];
    extraErrorProps(cxt, error, keyValues);
    return gen.object(...keyValues);
}
function errorInstancePath({ errorPath }, { instancePath }) {
    const instPath = instancePath
        ? (0, codegen_1.str) `${errorPath}${(0, util_1.getErrorPath)(instancePath, util_1.Type.Str)}`
        : errorPath;
    return [names_1.default.instancePath, (0, codegen_1.strConcat)(names_1.default.instancePath, instPath)];
}
function errorSchemaPath({ keyword, it: { errSchemaPath } }, { schemaPath, parentSchema }) {
    let schPath = parentSchema ? errSchemaPath : (0, codegen_1.str) `${errSchemaPath}/${keyword}`;
    if (schemaPath) {
        schPath = (0, codegen_1.str) `${schPath}${(0, util_1.getErrorPath)(schemaPath, util_1.Type.Str)}`;
    }
    return [E.schemaPath, schPath];
}
function extraErrorProps(cxt, { params, message }, keyValues) {
    const { keyword, data, schemaValue, it } = cxt;
    const { opts, propertyName, topSchemaRef, schemaPath } = it;
    keyValues.push([E.keyword, keyword], [E.params, typeof params == "function" ? params(cxt) : params || (0, codegen_1._) `{}`]);
    if (opts.messages) {
        keyValues.push([E.message, typeof message == "function" ? message(cxt) : message]);
    }
    if (opts.verbose) {
        keyValues.push([E.schema, schemaValue], [E.parentSchema, (0, codegen_1._) `${topSchemaRef}${schemaPath}`], [names_1.default.data, data]);
    }
    if (propertyName)
        keyValues.push([E.propertyName, propertyName]);
}
//# sourceMappingURL=errors.js.map

/***/ }),

/***/ 2718:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.resolveSchema = exports.getCompilingSchema = exports.resolveRef = exports.compileSchema = exports.SchemaEnv = void 0;
const codegen_1 = __nccwpck_require__(1436);
const validation_error_1 = __nccwpck_require__(3021);
const names_1 = __nccwpck_require__(630);
const resolve_1 = __nccwpck_require__(4090);
const util_1 = __nccwpck_require__(4464);
const validate_1 = __nccwpck_require__(7881);
class SchemaEnv {
    constructor(env) {
        var _a;
        this.refs = {};
        this.dynamicAnchors = {};
        let schema;
        if (typeof env.schema == "object")
            schema = env.schema;
        this.schema = env.schema;
        this.schemaId = env.schemaId;
        this.root = env.root || this;
        this.baseId = (_a = env.baseId) !== null && _a !== void 0 ? _a : (0, resolve_1.normalizeId)(schema === null || schema === void 0 ? void 0 : schema[env.schemaId || "$id"]);
        this.schemaPath = env.schemaPath;
        this.localRefs = env.localRefs;
        this.meta = env.meta;
        this.$async = schema === null || schema === void 0 ? void 0 : schema.$async;
        this.refs = {};
    }
}
exports.SchemaEnv = SchemaEnv;
// let codeSize = 0
// let nodeCount = 0
// Compiles schema in SchemaEnv
function compileSchema(sch) {
    // TODO refactor - remove compilations
    const _sch = getCompilingSchema.call(this, sch);
    if (_sch)
        return _sch;
    const rootId = (0, resolve_1.getFullPath)(this.opts.uriResolver, sch.root.baseId); // TODO if getFullPath removed 1 tests fails
    const { es5, lines } = this.opts.code;
    const { ownProperties } = this.opts;
    const gen = new codegen_1.CodeGen(this.scope, { es5, lines, ownProperties });
    let _ValidationError;
    if (sch.$async) {
        _ValidationError = gen.scopeValue("Error", {
            ref: validation_error_1.default,
            code: (0, codegen_1._) `require("ajv/dist/runtime/validation_error").default`,
        });
    }
    const validateName = gen.scopeName("validate");
    sch.validateName = validateName;
    const schemaCxt = {
        gen,
        allErrors: this.opts.allErrors,
        data: names_1.default.data,
        parentData: names_1.default.parentData,
        parentDataProperty: names_1.default.parentDataProperty,
        dataNames: [names_1.default.data],
        dataPathArr: [codegen_1.nil], // TODO can its length be used as dataLevel if nil is removed?
        dataLevel: 0,
        dataTypes: [],
        definedProperties: new Set(),
        topSchemaRef: gen.scopeValue("schema", this.opts.code.source === true
            ? { ref: sch.schema, code: (0, codegen_1.stringify)(sch.schema) }
            : { ref: sch.schema }),
        validateName,
        ValidationError: _ValidationError,
        schema: sch.schema,
        schemaEnv: sch,
        rootId,
        baseId: sch.baseId || rootId,
        schemaPath: codegen_1.nil,
        errSchemaPath: sch.schemaPath || (this.opts.jtd ? "" : "#"),
        errorPath: (0, codegen_1._) `""`,
        opts: this.opts,
        self: this,
    };
    let sourceCode;
    try {
        this._compilations.add(sch);
        (0, validate_1.validateFunctionCode)(schemaCxt);
        gen.optimize(this.opts.code.optimize);
        // gen.optimize(1)
        const validateCode = gen.toString();
        sourceCode = `${gen.scopeRefs(names_1.default.scope)}return ${validateCode}`;
        // console.log((codeSize += sourceCode.length), (nodeCount += gen.nodeCount))
        if (this.opts.code.process)
            sourceCode = this.opts.code.process(sourceCode, sch);
        // console.log("\n\n\n *** \n", sourceCode)
        const makeValidate = new Function(`${names_1.default.self}`, `${names_1.default.scope}`, sourceCode);
        const validate = makeValidate(this, this.scope.get());
        this.scope.value(validateName, { ref: validate });
        validate.errors = null;
        validate.schema = sch.schema;
        validate.schemaEnv = sch;
        if (sch.$async)
            validate.$async = true;
        if (this.opts.code.source === true) {
            validate.source = { validateName, validateCode, scopeValues: gen._values };
        }
        if (this.opts.unevaluated) {
            const { props, items } = schemaCxt;
            validate.evaluated = {
                props: props instanceof codegen_1.Name ? undefined : props,
                items: items instanceof codegen_1.Name ? undefined : items,
                dynamicProps: props instanceof codegen_1.Name,
                dynamicItems: items instanceof codegen_1.Name,
            };
            if (validate.source)
                validate.source.evaluated = (0, codegen_1.stringify)(validate.evaluated);
        }
        sch.validate = validate;
        return sch;
    }
    catch (e) {
        delete sch.validate;
        delete sch.validateName;
        if (sourceCode)
            this.logger.error("Error compiling schema, function code:", sourceCode);
        // console.log("\n\n\n *** \n", sourceCode, this.opts)
        throw e;
    }
    finally {
        this._compilations.delete(sch);
    }
}
exports.compileSchema = compileSchema;
function resolveRef(root, baseId, ref) {
    var _a;
    ref = (0, resolve_1.resolveUrl)(this.opts.uriResolver, baseId, ref);
    const schOrFunc = root.refs[ref];
    if (schOrFunc)
        return schOrFunc;
    let _sch = resolve.call(this, root, ref);
    if (_sch === undefined) {
        const schema = (_a = root.localRefs) === null || _a === void 0 ? void 0 : _a[ref]; // TODO maybe localRefs should hold SchemaEnv
        const { schemaId } = this.opts;
        if (schema)
            _sch = new SchemaEnv({ schema, schemaId, root, baseId });
    }
    if (_sch === undefined)
        return;
    return (root.refs[ref] = inlineOrCompile.call(this, _sch));
}
exports.resolveRef = resolveRef;
function inlineOrCompile(sch) {
    if ((0, resolve_1.inlineRef)(sch.schema, this.opts.inlineRefs))
        return sch.schema;
    return sch.validate ? sch : compileSchema.call(this, sch);
}
// Index of schema compilation in the currently compiled list
function getCompilingSchema(schEnv) {
    for (const sch of this._compilations) {
        if (sameSchemaEnv(sch, schEnv))
            return sch;
    }
}
exports.getCompilingSchema = getCompilingSchema;
function sameSchemaEnv(s1, s2) {
    return s1.schema === s2.schema && s1.root === s2.root && s1.baseId === s2.baseId;
}
// resolve and compile the references ($ref)
// TODO returns AnySchemaObject (if the schema can be inlined) or validation function
function resolve(root, // information about the root schema for the current schema
ref // reference to resolve
) {
    let sch;
    while (typeof (sch = this.refs[ref]) == "string")
        ref = sch;
    return sch || this.schemas[ref] || resolveSchema.call(this, root, ref);
}
// Resolve schema, its root and baseId
function resolveSchema(root, // root object with properties schema, refs TODO below SchemaEnv is assigned to it
ref // reference to resolve
) {
    const p = this.opts.uriResolver.parse(ref);
    const refPath = (0, resolve_1._getFullPath)(this.opts.uriResolver, p);
    let baseId = (0, resolve_1.getFullPath)(this.opts.uriResolver, root.baseId, undefined);
    // TODO `Object.keys(root.schema).length > 0` should not be needed - but removing breaks 2 tests
    if (Object.keys(root.schema).length > 0 && refPath === baseId) {
        return getJsonPointer.call(this, p, root);
    }
    const id = (0, resolve_1.normalizeId)(refPath);
    const schOrRef = this.refs[id] || this.schemas[id];
    if (typeof schOrRef == "string") {
        const sch = resolveSchema.call(this, root, schOrRef);
        if (typeof (sch === null || sch === void 0 ? void 0 : sch.schema) !== "object")
            return;
        return getJsonPointer.call(this, p, sch);
    }
    if (typeof (schOrRef === null || schOrRef === void 0 ? void 0 : schOrRef.schema) !== "object")
        return;
    if (!schOrRef.validate)
        compileSchema.call(this, schOrRef);
    if (id === (0, resolve_1.normalizeId)(ref)) {
        const { schema } = schOrRef;
        const { schemaId } = this.opts;
        const schId = schema[schemaId];
        if (schId)
            baseId = (0, resolve_1.resolveUrl)(this.opts.uriResolver, baseId, schId);
        return new SchemaEnv({ schema, schemaId, root, baseId });
    }
    return getJsonPointer.call(this, p, schOrRef);
}
exports.resolveSchema = resolveSchema;
const PREVENT_SCOPE_CHANGE = new Set([
    "properties",
    "patternProperties",
    "enum",
    "dependencies",
    "definitions",
]);
function getJsonPointer(parsedRef, { baseId, schema, root }) {
    var _a;
    if (((_a = parsedRef.fragment) === null || _a === void 0 ? void 0 : _a[0]) !== "/")
        return;
    for (const part of parsedRef.fragment.slice(1).split("/")) {
        if (typeof schema === "boolean")
            return;
        const partSchema = schema[(0, util_1.unescapeFragment)(part)];
        if (partSchema === undefined)
            return;
        schema = partSchema;
        // TODO PREVENT_SCOPE_CHANGE could be defined in keyword def?
        const schId = typeof schema === "object" && schema[this.opts.schemaId];
        if (!PREVENT_SCOPE_CHANGE.has(part) && schId) {
            baseId = (0, resolve_1.resolveUrl)(this.opts.uriResolver, baseId, schId);
        }
    }
    let env;
    if (typeof schema != "boolean" && schema.$ref && !(0, util_1.schemaHasRulesButRef)(schema, this.RULES)) {
        const $ref = (0, resolve_1.resolveUrl)(this.opts.uriResolver, baseId, schema.$ref);
        env = resolveSchema.call(this, root, $ref);
    }
    // even though resolution failed we need to return SchemaEnv to throw exception
    // so that compileAsync loads missing schema.
    const { schemaId } = this.opts;
    env = env || new SchemaEnv({ schema, schemaId, root, baseId });
    if (env.schema !== env.root.schema)
        return env;
    return undefined;
}
//# sourceMappingURL=index.js.map

/***/ }),

/***/ 630:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const names = {
    // validation function arguments
    data: new codegen_1.Name("data"), // data passed to validation function
    // args passed from referencing schema
    valCxt: new codegen_1.Name("valCxt"), // validation/data context - should not be used directly, it is destructured to the names below
    instancePath: new codegen_1.Name("instancePath"),
    parentData: new codegen_1.Name("parentData"),
    parentDataProperty: new codegen_1.Name("parentDataProperty"),
    rootData: new codegen_1.Name("rootData"), // root data - same as the data passed to the first/top validation function
    dynamicAnchors: new codegen_1.Name("dynamicAnchors"), // used to support recursiveRef and dynamicRef
    // function scoped variables
    vErrors: new codegen_1.Name("vErrors"), // null or array of validation errors
    errors: new codegen_1.Name("errors"), // counter of validation errors
    this: new codegen_1.Name("this"),
    // "globals"
    self: new codegen_1.Name("self"),
    scope: new codegen_1.Name("scope"),
    // JTD serialize/parse name for JSON string and position
    json: new codegen_1.Name("json"),
    jsonPos: new codegen_1.Name("jsonPos"),
    jsonLen: new codegen_1.Name("jsonLen"),
    jsonPart: new codegen_1.Name("jsonPart"),
};
exports["default"] = names;
//# sourceMappingURL=names.js.map

/***/ }),

/***/ 3162:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const resolve_1 = __nccwpck_require__(4090);
class MissingRefError extends Error {
    constructor(resolver, baseId, ref, msg) {
        super(msg || `can't resolve reference ${ref} from id ${baseId}`);
        this.missingRef = (0, resolve_1.resolveUrl)(resolver, baseId, ref);
        this.missingSchema = (0, resolve_1.normalizeId)((0, resolve_1.getFullPath)(resolver, this.missingRef));
    }
}
exports["default"] = MissingRefError;
//# sourceMappingURL=ref_error.js.map

/***/ }),

/***/ 4090:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.getSchemaRefs = exports.resolveUrl = exports.normalizeId = exports._getFullPath = exports.getFullPath = exports.inlineRef = void 0;
const util_1 = __nccwpck_require__(4464);
const equal = __nccwpck_require__(3430);
const traverse = __nccwpck_require__(1167);
// TODO refactor to use keyword definitions
const SIMPLE_INLINED = new Set([
    "type",
    "format",
    "pattern",
    "maxLength",
    "minLength",
    "maxProperties",
    "minProperties",
    "maxItems",
    "minItems",
    "maximum",
    "minimum",
    "uniqueItems",
    "multipleOf",
    "required",
    "enum",
    "const",
]);
function inlineRef(schema, limit = true) {
    if (typeof schema == "boolean")
        return true;
    if (limit === true)
        return !hasRef(schema);
    if (!limit)
        return false;
    return countKeys(schema) <= limit;
}
exports.inlineRef = inlineRef;
const REF_KEYWORDS = new Set([
    "$ref",
    "$recursiveRef",
    "$recursiveAnchor",
    "$dynamicRef",
    "$dynamicAnchor",
]);
function hasRef(schema) {
    for (const key in schema) {
        if (REF_KEYWORDS.has(key))
            return true;
        const sch = schema[key];
        if (Array.isArray(sch) && sch.some(hasRef))
            return true;
        if (typeof sch == "object" && hasRef(sch))
            return true;
    }
    return false;
}
function countKeys(schema) {
    let count = 0;
    for (const key in schema) {
        if (key === "$ref")
            return Infinity;
        count++;
        if (SIMPLE_INLINED.has(key))
            continue;
        if (typeof schema[key] == "object") {
            (0, util_1.eachItem)(schema[key], (sch) => (count += countKeys(sch)));
        }
        if (count === Infinity)
            return Infinity;
    }
    return count;
}
function getFullPath(resolver, id = "", normalize) {
    if (normalize !== false)
        id = normalizeId(id);
    const p = resolver.parse(id);
    return _getFullPath(resolver, p);
}
exports.getFullPath = getFullPath;
function _getFullPath(resolver, p) {
    const serialized = resolver.serialize(p);
    return serialized.split("#")[0] + "#";
}
exports._getFullPath = _getFullPath;
const TRAILING_SLASH_HASH = /#\/?$/;
function normalizeId(id) {
    return id ? id.replace(TRAILING_SLASH_HASH, "") : "";
}
exports.normalizeId = normalizeId;
function resolveUrl(resolver, baseId, id) {
    id = normalizeId(id);
    return resolver.resolve(baseId, id);
}
exports.resolveUrl = resolveUrl;
const ANCHOR = /^[a-z_][-a-z0-9._]*$/i;
function getSchemaRefs(schema, baseId) {
    if (typeof schema == "boolean")
        return {};
    const { schemaId, uriResolver } = this.opts;
    const schId = normalizeId(schema[schemaId] || baseId);
    const baseIds = { "": schId };
    const pathPrefix = getFullPath(uriResolver, schId, false);
    const localRefs = {};
    const schemaRefs = new Set();
    traverse(schema, { allKeys: true }, (sch, jsonPtr, _, parentJsonPtr) => {
        if (parentJsonPtr === undefined)
            return;
        const fullPath = pathPrefix + jsonPtr;
        let innerBaseId = baseIds[parentJsonPtr];
        if (typeof sch[schemaId] == "string")
            innerBaseId = addRef.call(this, sch[schemaId]);
        addAnchor.call(this, sch.$anchor);
        addAnchor.call(this, sch.$dynamicAnchor);
        baseIds[jsonPtr] = innerBaseId;
        function addRef(ref) {
            // eslint-disable-next-line @typescript-eslint/unbound-method
            const _resolve = this.opts.uriResolver.resolve;
            ref = normalizeId(innerBaseId ? _resolve(innerBaseId, ref) : ref);
            if (schemaRefs.has(ref))
                throw ambiguos(ref);
            schemaRefs.add(ref);
            let schOrRef = this.refs[ref];
            if (typeof schOrRef == "string")
                schOrRef = this.refs[schOrRef];
            if (typeof schOrRef == "object") {
                checkAmbiguosRef(sch, schOrRef.schema, ref);
            }
            else if (ref !== normalizeId(fullPath)) {
                if (ref[0] === "#") {
                    checkAmbiguosRef(sch, localRefs[ref], ref);
                    localRefs[ref] = sch;
                }
                else {
                    this.refs[ref] = fullPath;
                }
            }
            return ref;
        }
        function addAnchor(anchor) {
            if (typeof anchor == "string") {
                if (!ANCHOR.test(anchor))
                    throw new Error(`invalid anchor "${anchor}"`);
                addRef.call(this, `#${anchor}`);
            }
        }
    });
    return localRefs;
    function checkAmbiguosRef(sch1, sch2, ref) {
        if (sch2 !== undefined && !equal(sch1, sch2))
            throw ambiguos(ref);
    }
    function ambiguos(ref) {
        return new Error(`reference "${ref}" resolves to more than one schema`);
    }
}
exports.getSchemaRefs = getSchemaRefs;
//# sourceMappingURL=resolve.js.map

/***/ }),

/***/ 7353:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.getRules = exports.isJSONType = void 0;
const _jsonTypes = ["string", "number", "integer", "boolean", "null", "object", "array"];
const jsonTypes = new Set(_jsonTypes);
function isJSONType(x) {
    return typeof x == "string" && jsonTypes.has(x);
}
exports.isJSONType = isJSONType;
function getRules() {
    const groups = {
        number: { type: "number", rules: [] },
        string: { type: "string", rules: [] },
        array: { type: "array", rules: [] },
        object: { type: "object", rules: [] },
    };
    return {
        types: { ...groups, integer: true, boolean: true, null: true },
        rules: [{ rules: [] }, groups.number, groups.string, groups.array, groups.object],
        post: { rules: [] },
        all: {},
        keywords: {},
    };
}
exports.getRules = getRules;
//# sourceMappingURL=rules.js.map

/***/ }),

/***/ 4464:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.checkStrictMode = exports.getErrorPath = exports.Type = exports.useFunc = exports.setEvaluated = exports.evaluatedPropsToName = exports.mergeEvaluated = exports.eachItem = exports.unescapeJsonPointer = exports.escapeJsonPointer = exports.escapeFragment = exports.unescapeFragment = exports.schemaRefOrVal = exports.schemaHasRulesButRef = exports.schemaHasRules = exports.checkUnknownRules = exports.alwaysValidSchema = exports.toHash = void 0;
const codegen_1 = __nccwpck_require__(1436);
const code_1 = __nccwpck_require__(567);
// TODO refactor to use Set
function toHash(arr) {
    const hash = {};
    for (const item of arr)
        hash[item] = true;
    return hash;
}
exports.toHash = toHash;
function alwaysValidSchema(it, schema) {
    if (typeof schema == "boolean")
        return schema;
    if (Object.keys(schema).length === 0)
        return true;
    checkUnknownRules(it, schema);
    return !schemaHasRules(schema, it.self.RULES.all);
}
exports.alwaysValidSchema = alwaysValidSchema;
function checkUnknownRules(it, schema = it.schema) {
    const { opts, self } = it;
    if (!opts.strictSchema)
        return;
    if (typeof schema === "boolean")
        return;
    const rules = self.RULES.keywords;
    for (const key in schema) {
        if (!rules[key])
            checkStrictMode(it, `unknown keyword: "${key}"`);
    }
}
exports.checkUnknownRules = checkUnknownRules;
function schemaHasRules(schema, rules) {
    if (typeof schema == "boolean")
        return !schema;
    for (const key in schema)
        if (rules[key])
            return true;
    return false;
}
exports.schemaHasRules = schemaHasRules;
function schemaHasRulesButRef(schema, RULES) {
    if (typeof schema == "boolean")
        return !schema;
    for (const key in schema)
        if (key !== "$ref" && RULES.all[key])
            return true;
    return false;
}
exports.schemaHasRulesButRef = schemaHasRulesButRef;
function schemaRefOrVal({ topSchemaRef, schemaPath }, schema, keyword, $data) {
    if (!$data) {
        if (typeof schema == "number" || typeof schema == "boolean")
            return schema;
        if (typeof schema == "string")
            return (0, codegen_1._) `${schema}`;
    }
    return (0, codegen_1._) `${topSchemaRef}${schemaPath}${(0, codegen_1.getProperty)(keyword)}`;
}
exports.schemaRefOrVal = schemaRefOrVal;
function unescapeFragment(str) {
    return unescapeJsonPointer(decodeURIComponent(str));
}
exports.unescapeFragment = unescapeFragment;
function escapeFragment(str) {
    return encodeURIComponent(escapeJsonPointer(str));
}
exports.escapeFragment = escapeFragment;
function escapeJsonPointer(str) {
    if (typeof str == "number")
        return `${str}`;
    return str.replace(/~/g, "~0").replace(/\//g, "~1");
}
exports.escapeJsonPointer = escapeJsonPointer;
function unescapeJsonPointer(str) {
    return str.replace(/~1/g, "/").replace(/~0/g, "~");
}
exports.unescapeJsonPointer = unescapeJsonPointer;
function eachItem(xs, f) {
    if (Array.isArray(xs)) {
        for (const x of xs)
            f(x);
    }
    else {
        f(xs);
    }
}
exports.eachItem = eachItem;
function makeMergeEvaluated({ mergeNames, mergeToName, mergeValues, resultToName, }) {
    return (gen, from, to, toName) => {
        const res = to === undefined
            ? from
            : to instanceof codegen_1.Name
                ? (from instanceof codegen_1.Name ? mergeNames(gen, from, to) : mergeToName(gen, from, to), to)
                : from instanceof codegen_1.Name
                    ? (mergeToName(gen, to, from), from)
                    : mergeValues(from, to);
        return toName === codegen_1.Name && !(res instanceof codegen_1.Name) ? resultToName(gen, res) : res;
    };
}
exports.mergeEvaluated = {
    props: makeMergeEvaluated({
        mergeNames: (gen, from, to) => gen.if((0, codegen_1._) `${to} !== true && ${from} !== undefined`, () => {
            gen.if((0, codegen_1._) `${from} === true`, () => gen.assign(to, true), () => gen.assign(to, (0, codegen_1._) `${to} || {}`).code((0, codegen_1._) `Object.assign(${to}, ${from})`));
        }),
        mergeToName: (gen, from, to) => gen.if((0, codegen_1._) `${to} !== true`, () => {
            if (from === true) {
                gen.assign(to, true);
            }
            else {
                gen.assign(to, (0, codegen_1._) `${to} || {}`);
                setEvaluated(gen, to, from);
            }
        }),
        mergeValues: (from, to) => (from === true ? true : { ...from, ...to }),
        resultToName: evaluatedPropsToName,
    }),
    items: makeMergeEvaluated({
        mergeNames: (gen, from, to) => gen.if((0, codegen_1._) `${to} !== true && ${from} !== undefined`, () => gen.assign(to, (0, codegen_1._) `${from} === true ? true : ${to} > ${from} ? ${to} : ${from}`)),
        mergeToName: (gen, from, to) => gen.if((0, codegen_1._) `${to} !== true`, () => gen.assign(to, from === true ? true : (0, codegen_1._) `${to} > ${from} ? ${to} : ${from}`)),
        mergeValues: (from, to) => (from === true ? true : Math.max(from, to)),
        resultToName: (gen, items) => gen.var("items", items),
    }),
};
function evaluatedPropsToName(gen, ps) {
    if (ps === true)
        return gen.var("props", true);
    const props = gen.var("props", (0, codegen_1._) `{}`);
    if (ps !== undefined)
        setEvaluated(gen, props, ps);
    return props;
}
exports.evaluatedPropsToName = evaluatedPropsToName;
function setEvaluated(gen, props, ps) {
    Object.keys(ps).forEach((p) => gen.assign((0, codegen_1._) `${props}${(0, codegen_1.getProperty)(p)}`, true));
}
exports.setEvaluated = setEvaluated;
const snippets = {};
function useFunc(gen, f) {
    return gen.scopeValue("func", {
        ref: f,
        code: snippets[f.code] || (snippets[f.code] = new code_1._Code(f.code)),
    });
}
exports.useFunc = useFunc;
var Type;
(function (Type) {
    Type[Type["Num"] = 0] = "Num";
    Type[Type["Str"] = 1] = "Str";
})(Type || (exports.Type = Type = {}));
function getErrorPath(dataProp, dataPropType, jsPropertySyntax) {
    // let path
    if (dataProp instanceof codegen_1.Name) {
        const isNumber = dataPropType === Type.Num;
        return jsPropertySyntax
            ? isNumber
                ? (0, codegen_1._) `"[" + ${dataProp} + "]"`
                : (0, codegen_1._) `"['" + ${dataProp} + "']"`
            : isNumber
                ? (0, codegen_1._) `"/" + ${dataProp}`
                : (0, codegen_1._) `"/" + ${dataProp}.replace(/~/g, "~0").replace(/\\//g, "~1")`; // TODO maybe use global escapePointer
    }
    return jsPropertySyntax ? (0, codegen_1.getProperty)(dataProp).toString() : "/" + escapeJsonPointer(dataProp);
}
exports.getErrorPath = getErrorPath;
function checkStrictMode(it, msg, mode = it.opts.strictSchema) {
    if (!mode)
        return;
    msg = `strict mode: ${msg}`;
    if (mode === true)
        throw new Error(msg);
    it.self.logger.warn(msg);
}
exports.checkStrictMode = checkStrictMode;
//# sourceMappingURL=util.js.map

/***/ }),

/***/ 7692:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.shouldUseRule = exports.shouldUseGroup = exports.schemaHasRulesForType = void 0;
function schemaHasRulesForType({ schema, self }, type) {
    const group = self.RULES.types[type];
    return group && group !== true && shouldUseGroup(schema, group);
}
exports.schemaHasRulesForType = schemaHasRulesForType;
function shouldUseGroup(schema, group) {
    return group.rules.some((rule) => shouldUseRule(schema, rule));
}
exports.shouldUseGroup = shouldUseGroup;
function shouldUseRule(schema, rule) {
    var _a;
    return (schema[rule.keyword] !== undefined ||
        ((_a = rule.definition.implements) === null || _a === void 0 ? void 0 : _a.some((kwd) => schema[kwd] !== undefined)));
}
exports.shouldUseRule = shouldUseRule;
//# sourceMappingURL=applicability.js.map

/***/ }),

/***/ 5346:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.boolOrEmptySchema = exports.topBoolOrEmptySchema = void 0;
const errors_1 = __nccwpck_require__(1283);
const codegen_1 = __nccwpck_require__(1436);
const names_1 = __nccwpck_require__(630);
const boolError = {
    message: "boolean schema is false",
};
function topBoolOrEmptySchema(it) {
    const { gen, schema, validateName } = it;
    if (schema === false) {
        falseSchemaError(it, false);
    }
    else if (typeof schema == "object" && schema.$async === true) {
        gen.return(names_1.default.data);
    }
    else {
        gen.assign((0, codegen_1._) `${validateName}.errors`, null);
        gen.return(true);
    }
}
exports.topBoolOrEmptySchema = topBoolOrEmptySchema;
function boolOrEmptySchema(it, valid) {
    const { gen, schema } = it;
    if (schema === false) {
        gen.var(valid, false); // TODO var
        falseSchemaError(it);
    }
    else {
        gen.var(valid, true); // TODO var
    }
}
exports.boolOrEmptySchema = boolOrEmptySchema;
function falseSchemaError(it, overrideAllErrors) {
    const { gen, data } = it;
    // TODO maybe some other interface should be used for non-keyword validation errors...
    const cxt = {
        gen,
        keyword: "false schema",
        data,
        schema: false,
        schemaCode: false,
        schemaValue: false,
        params: {},
        it,
    };
    (0, errors_1.reportError)(cxt, boolError, undefined, overrideAllErrors);
}
//# sourceMappingURL=boolSchema.js.map

/***/ }),

/***/ 6685:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.reportTypeError = exports.checkDataTypes = exports.checkDataType = exports.coerceAndCheckDataType = exports.getJSONTypes = exports.getSchemaTypes = exports.DataType = void 0;
const rules_1 = __nccwpck_require__(7353);
const applicability_1 = __nccwpck_require__(7692);
const errors_1 = __nccwpck_require__(1283);
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
var DataType;
(function (DataType) {
    DataType[DataType["Correct"] = 0] = "Correct";
    DataType[DataType["Wrong"] = 1] = "Wrong";
})(DataType || (exports.DataType = DataType = {}));
function getSchemaTypes(schema) {
    const types = getJSONTypes(schema.type);
    const hasNull = types.includes("null");
    if (hasNull) {
        if (schema.nullable === false)
            throw new Error("type: null contradicts nullable: false");
    }
    else {
        if (!types.length && schema.nullable !== undefined) {
            throw new Error('"nullable" cannot be used without "type"');
        }
        if (schema.nullable === true)
            types.push("null");
    }
    return types;
}
exports.getSchemaTypes = getSchemaTypes;
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
function getJSONTypes(ts) {
    const types = Array.isArray(ts) ? ts : ts ? [ts] : [];
    if (types.every(rules_1.isJSONType))
        return types;
    throw new Error("type must be JSONType or JSONType[]: " + types.join(","));
}
exports.getJSONTypes = getJSONTypes;
function coerceAndCheckDataType(it, types) {
    const { gen, data, opts } = it;
    const coerceTo = coerceToTypes(types, opts.coerceTypes);
    const checkTypes = types.length > 0 &&
        !(coerceTo.length === 0 && types.length === 1 && (0, applicability_1.schemaHasRulesForType)(it, types[0]));
    if (checkTypes) {
        const wrongType = checkDataTypes(types, data, opts.strictNumbers, DataType.Wrong);
        gen.if(wrongType, () => {
            if (coerceTo.length)
                coerceData(it, types, coerceTo);
            else
                reportTypeError(it);
        });
    }
    return checkTypes;
}
exports.coerceAndCheckDataType = coerceAndCheckDataType;
const COERCIBLE = new Set(["string", "number", "integer", "boolean", "null"]);
function coerceToTypes(types, coerceTypes) {
    return coerceTypes
        ? types.filter((t) => COERCIBLE.has(t) || (coerceTypes === "array" && t === "array"))
        : [];
}
function coerceData(it, types, coerceTo) {
    const { gen, data, opts } = it;
    const dataType = gen.let("dataType", (0, codegen_1._) `typeof ${data}`);
    const coerced = gen.let("coerced", (0, codegen_1._) `undefined`);
    if (opts.coerceTypes === "array") {
        gen.if((0, codegen_1._) `${dataType} == 'object' && Array.isArray(${data}) && ${data}.length == 1`, () => gen
            .assign(data, (0, codegen_1._) `${data}[0]`)
            .assign(dataType, (0, codegen_1._) `typeof ${data}`)
            .if(checkDataTypes(types, data, opts.strictNumbers), () => gen.assign(coerced, data)));
    }
    gen.if((0, codegen_1._) `${coerced} !== undefined`);
    for (const t of coerceTo) {
        if (COERCIBLE.has(t) || (t === "array" && opts.coerceTypes === "array")) {
            coerceSpecificType(t);
        }
    }
    gen.else();
    reportTypeError(it);
    gen.endIf();
    gen.if((0, codegen_1._) `${coerced} !== undefined`, () => {
        gen.assign(data, coerced);
        assignParentData(it, coerced);
    });
    function coerceSpecificType(t) {
        switch (t) {
            case "string":
                gen
                    .elseIf((0, codegen_1._) `${dataType} == "number" || ${dataType} == "boolean"`)
                    .assign(coerced, (0, codegen_1._) `"" + ${data}`)
                    .elseIf((0, codegen_1._) `${data} === null`)
                    .assign(coerced, (0, codegen_1._) `""`);
                return;
            case "number":
                gen
                    .elseIf((0, codegen_1._) `${dataType} == "boolean" || ${data} === null
              || (${dataType} == "string" && ${data} && ${data} == +${data})`)
                    .assign(coerced, (0, codegen_1._) `+${data}`);
                return;
            case "integer":
                gen
                    .elseIf((0, codegen_1._) `${dataType} === "boolean" || ${data} === null
              || (${dataType} === "string" && ${data} && ${data} == +${data} && !(${data} % 1))`)
                    .assign(coerced, (0, codegen_1._) `+${data}`);
                return;
            case "boolean":
                gen
                    .elseIf((0, codegen_1._) `${data} === "false" || ${data} === 0 || ${data} === null`)
                    .assign(coerced, false)
                    .elseIf((0, codegen_1._) `${data} === "true" || ${data} === 1`)
                    .assign(coerced, true);
                return;
            case "null":
                gen.elseIf((0, codegen_1._) `${data} === "" || ${data} === 0 || ${data} === false`);
                gen.assign(coerced, null);
                return;
            case "array":
                gen
                    .elseIf((0, codegen_1._) `${dataType} === "string" || ${dataType} === "number"
              || ${dataType} === "boolean" || ${data} === null`)
                    .assign(coerced, (0, codegen_1._) `[${data}]`);
        }
    }
}
function assignParentData({ gen, parentData, parentDataProperty }, expr) {
    // TODO use gen.property
    gen.if((0, codegen_1._) `${parentData} !== undefined`, () => gen.assign((0, codegen_1._) `${parentData}[${parentDataProperty}]`, expr));
}
function checkDataType(dataType, data, strictNums, correct = DataType.Correct) {
    const EQ = correct === DataType.Correct ? codegen_1.operators.EQ : codegen_1.operators.NEQ;
    let cond;
    switch (dataType) {
        case "null":
            return (0, codegen_1._) `${data} ${EQ} null`;
        case "array":
            cond = (0, codegen_1._) `Array.isArray(${data})`;
            break;
        case "object":
            cond = (0, codegen_1._) `${data} && typeof ${data} == "object" && !Array.isArray(${data})`;
            break;
        case "integer":
            cond = numCond((0, codegen_1._) `!(${data} % 1) && !isNaN(${data})`);
            break;
        case "number":
            cond = numCond();
            break;
        default:
            return (0, codegen_1._) `typeof ${data} ${EQ} ${dataType}`;
    }
    return correct === DataType.Correct ? cond : (0, codegen_1.not)(cond);
    function numCond(_cond = codegen_1.nil) {
        return (0, codegen_1.and)((0, codegen_1._) `typeof ${data} == "number"`, _cond, strictNums ? (0, codegen_1._) `isFinite(${data})` : codegen_1.nil);
    }
}
exports.checkDataType = checkDataType;
function checkDataTypes(dataTypes, data, strictNums, correct) {
    if (dataTypes.length === 1) {
        return checkDataType(dataTypes[0], data, strictNums, correct);
    }
    let cond;
    const types = (0, util_1.toHash)(dataTypes);
    if (types.array && types.object) {
        const notObj = (0, codegen_1._) `typeof ${data} != "object"`;
        cond = types.null ? notObj : (0, codegen_1._) `!${data} || ${notObj}`;
        delete types.null;
        delete types.array;
        delete types.object;
    }
    else {
        cond = codegen_1.nil;
    }
    if (types.number)
        delete types.integer;
    for (const t in types)
        cond = (0, codegen_1.and)(cond, checkDataType(t, data, strictNums, correct));
    return cond;
}
exports.checkDataTypes = checkDataTypes;
const typeError = {
    message: ({ schema }) => `must be ${schema}`,
    params: ({ schema, schemaValue }) => typeof schema == "string" ? (0, codegen_1._) `{type: ${schema}}` : (0, codegen_1._) `{type: ${schemaValue}}`,
};
function reportTypeError(it) {
    const cxt = getTypeErrorContext(it);
    (0, errors_1.reportError)(cxt, typeError);
}
exports.reportTypeError = reportTypeError;
function getTypeErrorContext(it) {
    const { gen, data, schema } = it;
    const schemaCode = (0, util_1.schemaRefOrVal)(it, schema, "type");
    return {
        gen,
        keyword: "type",
        data,
        schema: schema.type,
        schemaCode,
        schemaValue: schemaCode,
        parentSchema: schema,
        params: {},
        it,
    };
}
//# sourceMappingURL=dataType.js.map

/***/ }),

/***/ 1699:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.assignDefaults = void 0;
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
function assignDefaults(it, ty) {
    const { properties, items } = it.schema;
    if (ty === "object" && properties) {
        for (const key in properties) {
            assignDefault(it, key, properties[key].default);
        }
    }
    else if (ty === "array" && Array.isArray(items)) {
        items.forEach((sch, i) => assignDefault(it, i, sch.default));
    }
}
exports.assignDefaults = assignDefaults;
function assignDefault(it, prop, defaultValue) {
    const { gen, compositeRule, data, opts } = it;
    if (defaultValue === undefined)
        return;
    const childData = (0, codegen_1._) `${data}${(0, codegen_1.getProperty)(prop)}`;
    if (compositeRule) {
        (0, util_1.checkStrictMode)(it, `default is ignored for: ${childData}`);
        return;
    }
    let condition = (0, codegen_1._) `${childData} === undefined`;
    if (opts.useDefaults === "empty") {
        condition = (0, codegen_1._) `${condition} || ${childData} === null || ${childData} === ""`;
    }
    // `${childData} === undefined` +
    // (opts.useDefaults === "empty" ? ` || ${childData} === null || ${childData} === ""` : "")
    gen.if(condition, (0, codegen_1._) `${childData} = ${(0, codegen_1.stringify)(defaultValue)}`);
}
//# sourceMappingURL=defaults.js.map

/***/ }),

/***/ 7881:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.getData = exports.KeywordCxt = exports.validateFunctionCode = void 0;
const boolSchema_1 = __nccwpck_require__(5346);
const dataType_1 = __nccwpck_require__(6685);
const applicability_1 = __nccwpck_require__(7692);
const dataType_2 = __nccwpck_require__(6685);
const defaults_1 = __nccwpck_require__(1699);
const keyword_1 = __nccwpck_require__(5202);
const subschema_1 = __nccwpck_require__(6200);
const codegen_1 = __nccwpck_require__(1436);
const names_1 = __nccwpck_require__(630);
const resolve_1 = __nccwpck_require__(4090);
const util_1 = __nccwpck_require__(4464);
const errors_1 = __nccwpck_require__(1283);
// schema compilation - generates validation function, subschemaCode (below) is used for subschemas
function validateFunctionCode(it) {
    if (isSchemaObj(it)) {
        checkKeywords(it);
        if (schemaCxtHasRules(it)) {
            topSchemaObjCode(it);
            return;
        }
    }
    validateFunction(it, () => (0, boolSchema_1.topBoolOrEmptySchema)(it));
}
exports.validateFunctionCode = validateFunctionCode;
function validateFunction({ gen, validateName, schema, schemaEnv, opts }, body) {
    if (opts.code.es5) {
        gen.func(validateName, (0, codegen_1._) `${names_1.default.data}, ${names_1.default.valCxt}`, schemaEnv.$async, () => {
            gen.code((0, codegen_1._) `"use strict"; ${funcSourceUrl(schema, opts)}`);
            destructureValCxtES5(gen, opts);
            gen.code(body);
        });
    }
    else {
        gen.func(validateName, (0, codegen_1._) `${names_1.default.data}, ${destructureValCxt(opts)}`, schemaEnv.$async, () => gen.code(funcSourceUrl(schema, opts)).code(body));
    }
}
function destructureValCxt(opts) {
    return (0, codegen_1._) `{${names_1.default.instancePath}="", ${names_1.default.parentData}, ${names_1.default.parentDataProperty}, ${names_1.default.rootData}=${names_1.default.data}${opts.dynamicRef ? (0, codegen_1._) `, ${names_1.default.dynamicAnchors}={}` : codegen_1.nil}}={}`;
}
function destructureValCxtES5(gen, opts) {
    gen.if(names_1.default.valCxt, () => {
        gen.var(names_1.default.instancePath, (0, codegen_1._) `${names_1.default.valCxt}.${names_1.default.instancePath}`);
        gen.var(names_1.default.parentData, (0, codegen_1._) `${names_1.default.valCxt}.${names_1.default.parentData}`);
        gen.var(names_1.default.parentDataProperty, (0, codegen_1._) `${names_1.default.valCxt}.${names_1.default.parentDataProperty}`);
        gen.var(names_1.default.rootData, (0, codegen_1._) `${names_1.default.valCxt}.${names_1.default.rootData}`);
        if (opts.dynamicRef)
            gen.var(names_1.default.dynamicAnchors, (0, codegen_1._) `${names_1.default.valCxt}.${names_1.default.dynamicAnchors}`);
    }, () => {
        gen.var(names_1.default.instancePath, (0, codegen_1._) `""`);
        gen.var(names_1.default.parentData, (0, codegen_1._) `undefined`);
        gen.var(names_1.default.parentDataProperty, (0, codegen_1._) `undefined`);
        gen.var(names_1.default.rootData, names_1.default.data);
        if (opts.dynamicRef)
            gen.var(names_1.default.dynamicAnchors, (0, codegen_1._) `{}`);
    });
}
function topSchemaObjCode(it) {
    const { schema, opts, gen } = it;
    validateFunction(it, () => {
        if (opts.$comment && schema.$comment)
            commentKeyword(it);
        checkNoDefault(it);
        gen.let(names_1.default.vErrors, null);
        gen.let(names_1.default.errors, 0);
        if (opts.unevaluated)
            resetEvaluated(it);
        typeAndKeywords(it);
        returnResults(it);
    });
    return;
}
function resetEvaluated(it) {
    // TODO maybe some hook to execute it in the end to check whether props/items are Name, as in assignEvaluated
    const { gen, validateName } = it;
    it.evaluated = gen.const("evaluated", (0, codegen_1._) `${validateName}.evaluated`);
    gen.if((0, codegen_1._) `${it.evaluated}.dynamicProps`, () => gen.assign((0, codegen_1._) `${it.evaluated}.props`, (0, codegen_1._) `undefined`));
    gen.if((0, codegen_1._) `${it.evaluated}.dynamicItems`, () => gen.assign((0, codegen_1._) `${it.evaluated}.items`, (0, codegen_1._) `undefined`));
}
function funcSourceUrl(schema, opts) {
    const schId = typeof schema == "object" && schema[opts.schemaId];
    return schId && (opts.code.source || opts.code.process) ? (0, codegen_1._) `/*# sourceURL=${schId} */` : codegen_1.nil;
}
// schema compilation - this function is used recursively to generate code for sub-schemas
function subschemaCode(it, valid) {
    if (isSchemaObj(it)) {
        checkKeywords(it);
        if (schemaCxtHasRules(it)) {
            subSchemaObjCode(it, valid);
            return;
        }
    }
    (0, boolSchema_1.boolOrEmptySchema)(it, valid);
}
function schemaCxtHasRules({ schema, self }) {
    if (typeof schema == "boolean")
        return !schema;
    for (const key in schema)
        if (self.RULES.all[key])
            return true;
    return false;
}
function isSchemaObj(it) {
    return typeof it.schema != "boolean";
}
function subSchemaObjCode(it, valid) {
    const { schema, gen, opts } = it;
    if (opts.$comment && schema.$comment)
        commentKeyword(it);
    updateContext(it);
    checkAsyncSchema(it);
    const errsCount = gen.const("_errs", names_1.default.errors);
    typeAndKeywords(it, errsCount);
    // TODO var
    gen.var(valid, (0, codegen_1._) `${errsCount} === ${names_1.default.errors}`);
}
function checkKeywords(it) {
    (0, util_1.checkUnknownRules)(it);
    checkRefsAndKeywords(it);
}
function typeAndKeywords(it, errsCount) {
    if (it.opts.jtd)
        return schemaKeywords(it, [], false, errsCount);
    const types = (0, dataType_1.getSchemaTypes)(it.schema);
    const checkedTypes = (0, dataType_1.coerceAndCheckDataType)(it, types);
    schemaKeywords(it, types, !checkedTypes, errsCount);
}
function checkRefsAndKeywords(it) {
    const { schema, errSchemaPath, opts, self } = it;
    if (schema.$ref && opts.ignoreKeywordsWithRef && (0, util_1.schemaHasRulesButRef)(schema, self.RULES)) {
        self.logger.warn(`$ref: keywords ignored in schema at path "${errSchemaPath}"`);
    }
}
function checkNoDefault(it) {
    const { schema, opts } = it;
    if (schema.default !== undefined && opts.useDefaults && opts.strictSchema) {
        (0, util_1.checkStrictMode)(it, "default is ignored in the schema root");
    }
}
function updateContext(it) {
    const schId = it.schema[it.opts.schemaId];
    if (schId)
        it.baseId = (0, resolve_1.resolveUrl)(it.opts.uriResolver, it.baseId, schId);
}
function checkAsyncSchema(it) {
    if (it.schema.$async && !it.schemaEnv.$async)
        throw new Error("async schema in sync schema");
}
function commentKeyword({ gen, schemaEnv, schema, errSchemaPath, opts }) {
    const msg = schema.$comment;
    if (opts.$comment === true) {
        gen.code((0, codegen_1._) `${names_1.default.self}.logger.log(${msg})`);
    }
    else if (typeof opts.$comment == "function") {
        const schemaPath = (0, codegen_1.str) `${errSchemaPath}/$comment`;
        const rootName = gen.scopeValue("root", { ref: schemaEnv.root });
        gen.code((0, codegen_1._) `${names_1.default.self}.opts.$comment(${msg}, ${schemaPath}, ${rootName}.schema)`);
    }
}
function returnResults(it) {
    const { gen, schemaEnv, validateName, ValidationError, opts } = it;
    if (schemaEnv.$async) {
        // TODO assign unevaluated
        gen.if((0, codegen_1._) `${names_1.default.errors} === 0`, () => gen.return(names_1.default.data), () => gen.throw((0, codegen_1._) `new ${ValidationError}(${names_1.default.vErrors})`));
    }
    else {
        gen.assign((0, codegen_1._) `${validateName}.errors`, names_1.default.vErrors);
        if (opts.unevaluated)
            assignEvaluated(it);
        gen.return((0, codegen_1._) `${names_1.default.errors} === 0`);
    }
}
function assignEvaluated({ gen, evaluated, props, items }) {
    if (props instanceof codegen_1.Name)
        gen.assign((0, codegen_1._) `${evaluated}.props`, props);
    if (items instanceof codegen_1.Name)
        gen.assign((0, codegen_1._) `${evaluated}.items`, items);
}
function schemaKeywords(it, types, typeErrors, errsCount) {
    const { gen, schema, data, allErrors, opts, self } = it;
    const { RULES } = self;
    if (schema.$ref && (opts.ignoreKeywordsWithRef || !(0, util_1.schemaHasRulesButRef)(schema, RULES))) {
        gen.block(() => keywordCode(it, "$ref", RULES.all.$ref.definition)); // TODO typecast
        return;
    }
    if (!opts.jtd)
        checkStrictTypes(it, types);
    gen.block(() => {
        for (const group of RULES.rules)
            groupKeywords(group);
        groupKeywords(RULES.post);
    });
    function groupKeywords(group) {
        if (!(0, applicability_1.shouldUseGroup)(schema, group))
            return;
        if (group.type) {
            gen.if((0, dataType_2.checkDataType)(group.type, data, opts.strictNumbers));
            iterateKeywords(it, group);
            if (types.length === 1 && types[0] === group.type && typeErrors) {
                gen.else();
                (0, dataType_2.reportTypeError)(it);
            }
            gen.endIf();
        }
        else {
            iterateKeywords(it, group);
        }
        // TODO make it "ok" call?
        if (!allErrors)
            gen.if((0, codegen_1._) `${names_1.default.errors} === ${errsCount || 0}`);
    }
}
function iterateKeywords(it, group) {
    const { gen, schema, opts: { useDefaults }, } = it;
    if (useDefaults)
        (0, defaults_1.assignDefaults)(it, group.type);
    gen.block(() => {
        for (const rule of group.rules) {
            if ((0, applicability_1.shouldUseRule)(schema, rule)) {
                keywordCode(it, rule.keyword, rule.definition, group.type);
            }
        }
    });
}
function checkStrictTypes(it, types) {
    if (it.schemaEnv.meta || !it.opts.strictTypes)
        return;
    checkContextTypes(it, types);
    if (!it.opts.allowUnionTypes)
        checkMultipleTypes(it, types);
    checkKeywordTypes(it, it.dataTypes);
}
function checkContextTypes(it, types) {
    if (!types.length)
        return;
    if (!it.dataTypes.length) {
        it.dataTypes = types;
        return;
    }
    types.forEach((t) => {
        if (!includesType(it.dataTypes, t)) {
            strictTypesError(it, `type "${t}" not allowed by context "${it.dataTypes.join(",")}"`);
        }
    });
    narrowSchemaTypes(it, types);
}
function checkMultipleTypes(it, ts) {
    if (ts.length > 1 && !(ts.length === 2 && ts.includes("null"))) {
        strictTypesError(it, "use allowUnionTypes to allow union type keyword");
    }
}
function checkKeywordTypes(it, ts) {
    const rules = it.self.RULES.all;
    for (const keyword in rules) {
        const rule = rules[keyword];
        if (typeof rule == "object" && (0, applicability_1.shouldUseRule)(it.schema, rule)) {
            const { type } = rule.definition;
            if (type.length && !type.some((t) => hasApplicableType(ts, t))) {
                strictTypesError(it, `missing type "${type.join(",")}" for keyword "${keyword}"`);
            }
        }
    }
}
function hasApplicableType(schTs, kwdT) {
    return schTs.includes(kwdT) || (kwdT === "number" && schTs.includes("integer"));
}
function includesType(ts, t) {
    return ts.includes(t) || (t === "integer" && ts.includes("number"));
}
function narrowSchemaTypes(it, withTypes) {
    const ts = [];
    for (const t of it.dataTypes) {
        if (includesType(withTypes, t))
            ts.push(t);
        else if (withTypes.includes("integer") && t === "number")
            ts.push("integer");
    }
    it.dataTypes = ts;
}
function strictTypesError(it, msg) {
    const schemaPath = it.schemaEnv.baseId + it.errSchemaPath;
    msg += ` at "${schemaPath}" (strictTypes)`;
    (0, util_1.checkStrictMode)(it, msg, it.opts.strictTypes);
}
class KeywordCxt {
    constructor(it, def, keyword) {
        (0, keyword_1.validateKeywordUsage)(it, def, keyword);
        this.gen = it.gen;
        this.allErrors = it.allErrors;
        this.keyword = keyword;
        this.data = it.data;
        this.schema = it.schema[keyword];
        this.$data = def.$data && it.opts.$data && this.schema && this.schema.$data;
        this.schemaValue = (0, util_1.schemaRefOrVal)(it, this.schema, keyword, this.$data);
        this.schemaType = def.schemaType;
        this.parentSchema = it.schema;
        this.params = {};
        this.it = it;
        this.def = def;
        if (this.$data) {
            this.schemaCode = it.gen.const("vSchema", getData(this.$data, it));
        }
        else {
            this.schemaCode = this.schemaValue;
            if (!(0, keyword_1.validSchemaType)(this.schema, def.schemaType, def.allowUndefined)) {
                throw new Error(`${keyword} value must be ${JSON.stringify(def.schemaType)}`);
            }
        }
        if ("code" in def ? def.trackErrors : def.errors !== false) {
            this.errsCount = it.gen.const("_errs", names_1.default.errors);
        }
    }
    result(condition, successAction, failAction) {
        this.failResult((0, codegen_1.not)(condition), successAction, failAction);
    }
    failResult(condition, successAction, failAction) {
        this.gen.if(condition);
        if (failAction)
            failAction();
        else
            this.error();
        if (successAction) {
            this.gen.else();
            successAction();
            if (this.allErrors)
                this.gen.endIf();
        }
        else {
            if (this.allErrors)
                this.gen.endIf();
            else
                this.gen.else();
        }
    }
    pass(condition, failAction) {
        this.failResult((0, codegen_1.not)(condition), undefined, failAction);
    }
    fail(condition) {
        if (condition === undefined) {
            this.error();
            if (!this.allErrors)
                this.gen.if(false); // this branch will be removed by gen.optimize
            return;
        }
        this.gen.if(condition);
        this.error();
        if (this.allErrors)
            this.gen.endIf();
        else
            this.gen.else();
    }
    fail$data(condition) {
        if (!this.$data)
            return this.fail(condition);
        const { schemaCode } = this;
        this.fail((0, codegen_1._) `${schemaCode} !== undefined && (${(0, codegen_1.or)(this.invalid$data(), condition)})`);
    }
    error(append, errorParams, errorPaths) {
        if (errorParams) {
            this.setParams(errorParams);
            this._error(append, errorPaths);
            this.setParams({});
            return;
        }
        this._error(append, errorPaths);
    }
    _error(append, errorPaths) {
        ;
        (append ? errors_1.reportExtraError : errors_1.reportError)(this, this.def.error, errorPaths);
    }
    $dataError() {
        (0, errors_1.reportError)(this, this.def.$dataError || errors_1.keyword$DataError);
    }
    reset() {
        if (this.errsCount === undefined)
            throw new Error('add "trackErrors" to keyword definition');
        (0, errors_1.resetErrorsCount)(this.gen, this.errsCount);
    }
    ok(cond) {
        if (!this.allErrors)
            this.gen.if(cond);
    }
    setParams(obj, assign) {
        if (assign)
            Object.assign(this.params, obj);
        else
            this.params = obj;
    }
    block$data(valid, codeBlock, $dataValid = codegen_1.nil) {
        this.gen.block(() => {
            this.check$data(valid, $dataValid);
            codeBlock();
        });
    }
    check$data(valid = codegen_1.nil, $dataValid = codegen_1.nil) {
        if (!this.$data)
            return;
        const { gen, schemaCode, schemaType, def } = this;
        gen.if((0, codegen_1.or)((0, codegen_1._) `${schemaCode} === undefined`, $dataValid));
        if (valid !== codegen_1.nil)
            gen.assign(valid, true);
        if (schemaType.length || def.validateSchema) {
            gen.elseIf(this.invalid$data());
            this.$dataError();
            if (valid !== codegen_1.nil)
                gen.assign(valid, false);
        }
        gen.else();
    }
    invalid$data() {
        const { gen, schemaCode, schemaType, def, it } = this;
        return (0, codegen_1.or)(wrong$DataType(), invalid$DataSchema());
        function wrong$DataType() {
            if (schemaType.length) {
                /* istanbul ignore if */
                if (!(schemaCode instanceof codegen_1.Name))
                    throw new Error("ajv implementation error");
                const st = Array.isArray(schemaType) ? schemaType : [schemaType];
                return (0, codegen_1._) `${(0, dataType_2.checkDataTypes)(st, schemaCode, it.opts.strictNumbers, dataType_2.DataType.Wrong)}`;
            }
            return codegen_1.nil;
        }
        function invalid$DataSchema() {
            if (def.validateSchema) {
                const validateSchemaRef = gen.scopeValue("validate$data", { ref: def.validateSchema }); // TODO value.code for standalone
                return (0, codegen_1._) `!${validateSchemaRef}(${schemaCode})`;
            }
            return codegen_1.nil;
        }
    }
    subschema(appl, valid) {
        const subschema = (0, subschema_1.getSubschema)(this.it, appl);
        (0, subschema_1.extendSubschemaData)(subschema, this.it, appl);
        (0, subschema_1.extendSubschemaMode)(subschema, appl);
        const nextContext = { ...this.it, ...subschema, items: undefined, props: undefined };
        subschemaCode(nextContext, valid);
        return nextContext;
    }
    mergeEvaluated(schemaCxt, toName) {
        const { it, gen } = this;
        if (!it.opts.unevaluated)
            return;
        if (it.props !== true && schemaCxt.props !== undefined) {
            it.props = util_1.mergeEvaluated.props(gen, schemaCxt.props, it.props, toName);
        }
        if (it.items !== true && schemaCxt.items !== undefined) {
            it.items = util_1.mergeEvaluated.items(gen, schemaCxt.items, it.items, toName);
        }
    }
    mergeValidEvaluated(schemaCxt, valid) {
        const { it, gen } = this;
        if (it.opts.unevaluated && (it.props !== true || it.items !== true)) {
            gen.if(valid, () => this.mergeEvaluated(schemaCxt, codegen_1.Name));
            return true;
        }
    }
}
exports.KeywordCxt = KeywordCxt;
function keywordCode(it, keyword, def, ruleType) {
    const cxt = new KeywordCxt(it, def, keyword);
    if ("code" in def) {
        def.code(cxt, ruleType);
    }
    else if (cxt.$data && def.validate) {
        (0, keyword_1.funcKeywordCode)(cxt, def);
    }
    else if ("macro" in def) {
        (0, keyword_1.macroKeywordCode)(cxt, def);
    }
    else if (def.compile || def.validate) {
        (0, keyword_1.funcKeywordCode)(cxt, def);
    }
}
const JSON_POINTER = /^\/(?:[^~]|~0|~1)*$/;
const RELATIVE_JSON_POINTER = /^([0-9]+)(#|\/(?:[^~]|~0|~1)*)?$/;
function getData($data, { dataLevel, dataNames, dataPathArr }) {
    let jsonPointer;
    let data;
    if ($data === "")
        return names_1.default.rootData;
    if ($data[0] === "/") {
        if (!JSON_POINTER.test($data))
            throw new Error(`Invalid JSON-pointer: ${$data}`);
        jsonPointer = $data;
        data = names_1.default.rootData;
    }
    else {
        const matches = RELATIVE_JSON_POINTER.exec($data);
        if (!matches)
            throw new Error(`Invalid JSON-pointer: ${$data}`);
        const up = +matches[1];
        jsonPointer = matches[2];
        if (jsonPointer === "#") {
            if (up >= dataLevel)
                throw new Error(errorMsg("property/index", up));
            return dataPathArr[dataLevel - up];
        }
        if (up > dataLevel)
            throw new Error(errorMsg("data", up));
        data = dataNames[dataLevel - up];
        if (!jsonPointer)
            return data;
    }
    let expr = data;
    const segments = jsonPointer.split("/");
    for (const segment of segments) {
        if (segment) {
            data = (0, codegen_1._) `${data}${(0, codegen_1.getProperty)((0, util_1.unescapeJsonPointer)(segment))}`;
            expr = (0, codegen_1._) `${expr} && ${data}`;
        }
    }
    return expr;
    function errorMsg(pointerType, up) {
        return `Cannot access ${pointerType} ${up} levels up, current level is ${dataLevel}`;
    }
}
exports.getData = getData;
//# sourceMappingURL=index.js.map

/***/ }),

/***/ 5202:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.validateKeywordUsage = exports.validSchemaType = exports.funcKeywordCode = exports.macroKeywordCode = void 0;
const codegen_1 = __nccwpck_require__(1436);
const names_1 = __nccwpck_require__(630);
const code_1 = __nccwpck_require__(8484);
const errors_1 = __nccwpck_require__(1283);
function macroKeywordCode(cxt, def) {
    const { gen, keyword, schema, parentSchema, it } = cxt;
    const macroSchema = def.macro.call(it.self, schema, parentSchema, it);
    const schemaRef = useKeyword(gen, keyword, macroSchema);
    if (it.opts.validateSchema !== false)
        it.self.validateSchema(macroSchema, true);
    const valid = gen.name("valid");
    cxt.subschema({
        schema: macroSchema,
        schemaPath: codegen_1.nil,
        errSchemaPath: `${it.errSchemaPath}/${keyword}`,
        topSchemaRef: schemaRef,
        compositeRule: true,
    }, valid);
    cxt.pass(valid, () => cxt.error(true));
}
exports.macroKeywordCode = macroKeywordCode;
function funcKeywordCode(cxt, def) {
    var _a;
    const { gen, keyword, schema, parentSchema, $data, it } = cxt;
    checkAsyncKeyword(it, def);
    const validate = !$data && def.compile ? def.compile.call(it.self, schema, parentSchema, it) : def.validate;
    const validateRef = useKeyword(gen, keyword, validate);
    const valid = gen.let("valid");
    cxt.block$data(valid, validateKeyword);
    cxt.ok((_a = def.valid) !== null && _a !== void 0 ? _a : valid);
    function validateKeyword() {
        if (def.errors === false) {
            assignValid();
            if (def.modifying)
                modifyData(cxt);
            reportErrs(() => cxt.error());
        }
        else {
            const ruleErrs = def.async ? validateAsync() : validateSync();
            if (def.modifying)
                modifyData(cxt);
            reportErrs(() => addErrs(cxt, ruleErrs));
        }
    }
    function validateAsync() {
        const ruleErrs = gen.let("ruleErrs", null);
        gen.try(() => assignValid((0, codegen_1._) `await `), (e) => gen.assign(valid, false).if((0, codegen_1._) `${e} instanceof ${it.ValidationError}`, () => gen.assign(ruleErrs, (0, codegen_1._) `${e}.errors`), () => gen.throw(e)));
        return ruleErrs;
    }
    function validateSync() {
        const validateErrs = (0, codegen_1._) `${validateRef}.errors`;
        gen.assign(validateErrs, null);
        assignValid(codegen_1.nil);
        return validateErrs;
    }
    function assignValid(_await = def.async ? (0, codegen_1._) `await ` : codegen_1.nil) {
        const passCxt = it.opts.passContext ? names_1.default.this : names_1.default.self;
        const passSchema = !(("compile" in def && !$data) || def.schema === false);
        gen.assign(valid, (0, codegen_1._) `${_await}${(0, code_1.callValidateCode)(cxt, validateRef, passCxt, passSchema)}`, def.modifying);
    }
    function reportErrs(errors) {
        var _a;
        gen.if((0, codegen_1.not)((_a = def.valid) !== null && _a !== void 0 ? _a : valid), errors);
    }
}
exports.funcKeywordCode = funcKeywordCode;
function modifyData(cxt) {
    const { gen, data, it } = cxt;
    gen.if(it.parentData, () => gen.assign(data, (0, codegen_1._) `${it.parentData}[${it.parentDataProperty}]`));
}
function addErrs(cxt, errs) {
    const { gen } = cxt;
    gen.if((0, codegen_1._) `Array.isArray(${errs})`, () => {
        gen
            .assign(names_1.default.vErrors, (0, codegen_1._) `${names_1.default.vErrors} === null ? ${errs} : ${names_1.default.vErrors}.concat(${errs})`)
            .assign(names_1.default.errors, (0, codegen_1._) `${names_1.default.vErrors}.length`);
        (0, errors_1.extendErrors)(cxt);
    }, () => cxt.error());
}
function checkAsyncKeyword({ schemaEnv }, def) {
    if (def.async && !schemaEnv.$async)
        throw new Error("async keyword in sync schema");
}
function useKeyword(gen, keyword, result) {
    if (result === undefined)
        throw new Error(`keyword "${keyword}" failed to compile`);
    return gen.scopeValue("keyword", typeof result == "function" ? { ref: result } : { ref: result, code: (0, codegen_1.stringify)(result) });
}
function validSchemaType(schema, schemaType, allowUndefined = false) {
    // TODO add tests
    return (!schemaType.length ||
        schemaType.some((st) => st === "array"
            ? Array.isArray(schema)
            : st === "object"
                ? schema && typeof schema == "object" && !Array.isArray(schema)
                : typeof schema == st || (allowUndefined && typeof schema == "undefined")));
}
exports.validSchemaType = validSchemaType;
function validateKeywordUsage({ schema, opts, self, errSchemaPath }, def, keyword) {
    /* istanbul ignore if */
    if (Array.isArray(def.keyword) ? !def.keyword.includes(keyword) : def.keyword !== keyword) {
        throw new Error("ajv implementation error");
    }
    const deps = def.dependencies;
    if (deps === null || deps === void 0 ? void 0 : deps.some((kwd) => !Object.prototype.hasOwnProperty.call(schema, kwd))) {
        throw new Error(`parent schema must have dependencies of ${keyword}: ${deps.join(",")}`);
    }
    if (def.validateSchema) {
        const valid = def.validateSchema(schema[keyword]);
        if (!valid) {
            const msg = `keyword "${keyword}" value is invalid at path "${errSchemaPath}": ` +
                self.errorsText(def.validateSchema.errors);
            if (opts.validateSchema === "log")
                self.logger.error(msg);
            else
                throw new Error(msg);
        }
    }
}
exports.validateKeywordUsage = validateKeywordUsage;
//# sourceMappingURL=keyword.js.map

/***/ }),

/***/ 6200:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.extendSubschemaMode = exports.extendSubschemaData = exports.getSubschema = void 0;
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
function getSubschema(it, { keyword, schemaProp, schema, schemaPath, errSchemaPath, topSchemaRef }) {
    if (keyword !== undefined && schema !== undefined) {
        throw new Error('both "keyword" and "schema" passed, only one allowed');
    }
    if (keyword !== undefined) {
        const sch = it.schema[keyword];
        return schemaProp === undefined
            ? {
                schema: sch,
                schemaPath: (0, codegen_1._) `${it.schemaPath}${(0, codegen_1.getProperty)(keyword)}`,
                errSchemaPath: `${it.errSchemaPath}/${keyword}`,
            }
            : {
                schema: sch[schemaProp],
                schemaPath: (0, codegen_1._) `${it.schemaPath}${(0, codegen_1.getProperty)(keyword)}${(0, codegen_1.getProperty)(schemaProp)}`,
                errSchemaPath: `${it.errSchemaPath}/${keyword}/${(0, util_1.escapeFragment)(schemaProp)}`,
            };
    }
    if (schema !== undefined) {
        if (schemaPath === undefined || errSchemaPath === undefined || topSchemaRef === undefined) {
            throw new Error('"schemaPath", "errSchemaPath" and "topSchemaRef" are required with "schema"');
        }
        return {
            schema,
            schemaPath,
            topSchemaRef,
            errSchemaPath,
        };
    }
    throw new Error('either "keyword" or "schema" must be passed');
}
exports.getSubschema = getSubschema;
function extendSubschemaData(subschema, it, { dataProp, dataPropType: dpType, data, dataTypes, propertyName }) {
    if (data !== undefined && dataProp !== undefined) {
        throw new Error('both "data" and "dataProp" passed, only one allowed');
    }
    const { gen } = it;
    if (dataProp !== undefined) {
        const { errorPath, dataPathArr, opts } = it;
        const nextData = gen.let("data", (0, codegen_1._) `${it.data}${(0, codegen_1.getProperty)(dataProp)}`, true);
        dataContextProps(nextData);
        subschema.errorPath = (0, codegen_1.str) `${errorPath}${(0, util_1.getErrorPath)(dataProp, dpType, opts.jsPropertySyntax)}`;
        subschema.parentDataProperty = (0, codegen_1._) `${dataProp}`;
        subschema.dataPathArr = [...dataPathArr, subschema.parentDataProperty];
    }
    if (data !== undefined) {
        const nextData = data instanceof codegen_1.Name ? data : gen.let("data", data, true); // replaceable if used once?
        dataContextProps(nextData);
        if (propertyName !== undefined)
            subschema.propertyName = propertyName;
        // TODO something is possibly wrong here with not changing parentDataProperty and not appending dataPathArr
    }
    if (dataTypes)
        subschema.dataTypes = dataTypes;
    function dataContextProps(_nextData) {
        subschema.data = _nextData;
        subschema.dataLevel = it.dataLevel + 1;
        subschema.dataTypes = [];
        it.definedProperties = new Set();
        subschema.parentData = it.data;
        subschema.dataNames = [...it.dataNames, _nextData];
    }
}
exports.extendSubschemaData = extendSubschemaData;
function extendSubschemaMode(subschema, { jtdDiscriminator, jtdMetadata, compositeRule, createErrors, allErrors }) {
    if (compositeRule !== undefined)
        subschema.compositeRule = compositeRule;
    if (createErrors !== undefined)
        subschema.createErrors = createErrors;
    if (allErrors !== undefined)
        subschema.allErrors = allErrors;
    subschema.jtdDiscriminator = jtdDiscriminator; // not inherited
    subschema.jtdMetadata = jtdMetadata; // not inherited
}
exports.extendSubschemaMode = extendSubschemaMode;
//# sourceMappingURL=subschema.js.map

/***/ }),

/***/ 3893:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.CodeGen = exports.Name = exports.nil = exports.stringify = exports.str = exports._ = exports.KeywordCxt = void 0;
var validate_1 = __nccwpck_require__(7881);
Object.defineProperty(exports, "KeywordCxt", ({ enumerable: true, get: function () { return validate_1.KeywordCxt; } }));
var codegen_1 = __nccwpck_require__(1436);
Object.defineProperty(exports, "_", ({ enumerable: true, get: function () { return codegen_1._; } }));
Object.defineProperty(exports, "str", ({ enumerable: true, get: function () { return codegen_1.str; } }));
Object.defineProperty(exports, "stringify", ({ enumerable: true, get: function () { return codegen_1.stringify; } }));
Object.defineProperty(exports, "nil", ({ enumerable: true, get: function () { return codegen_1.nil; } }));
Object.defineProperty(exports, "Name", ({ enumerable: true, get: function () { return codegen_1.Name; } }));
Object.defineProperty(exports, "CodeGen", ({ enumerable: true, get: function () { return codegen_1.CodeGen; } }));
const validation_error_1 = __nccwpck_require__(3021);
const ref_error_1 = __nccwpck_require__(3162);
const rules_1 = __nccwpck_require__(7353);
const compile_1 = __nccwpck_require__(2718);
const codegen_2 = __nccwpck_require__(1436);
const resolve_1 = __nccwpck_require__(4090);
const dataType_1 = __nccwpck_require__(6685);
const util_1 = __nccwpck_require__(4464);
const $dataRefSchema = __nccwpck_require__(3837);
const uri_1 = __nccwpck_require__(6285);
const defaultRegExp = (str, flags) => new RegExp(str, flags);
defaultRegExp.code = "new RegExp";
const META_IGNORE_OPTIONS = ["removeAdditional", "useDefaults", "coerceTypes"];
const EXT_SCOPE_NAMES = new Set([
    "validate",
    "serialize",
    "parse",
    "wrapper",
    "root",
    "schema",
    "keyword",
    "pattern",
    "formats",
    "validate$data",
    "func",
    "obj",
    "Error",
]);
const removedOptions = {
    errorDataPath: "",
    format: "`validateFormats: false` can be used instead.",
    nullable: '"nullable" keyword is supported by default.',
    jsonPointers: "Deprecated jsPropertySyntax can be used instead.",
    extendRefs: "Deprecated ignoreKeywordsWithRef can be used instead.",
    missingRefs: "Pass empty schema with $id that should be ignored to ajv.addSchema.",
    processCode: "Use option `code: {process: (code, schemaEnv: object) => string}`",
    sourceCode: "Use option `code: {source: true}`",
    strictDefaults: "It is default now, see option `strict`.",
    strictKeywords: "It is default now, see option `strict`.",
    uniqueItems: '"uniqueItems" keyword is always validated.',
    unknownFormats: "Disable strict mode or pass `true` to `ajv.addFormat` (or `formats` option).",
    cache: "Map is used as cache, schema object as key.",
    serialize: "Map is used as cache, schema object as key.",
    ajvErrors: "It is default now.",
};
const deprecatedOptions = {
    ignoreKeywordsWithRef: "",
    jsPropertySyntax: "",
    unicode: '"minLength"/"maxLength" account for unicode characters by default.',
};
const MAX_EXPRESSION = 200;
// eslint-disable-next-line complexity
function requiredOptions(o) {
    var _a, _b, _c, _d, _e, _f, _g, _h, _j, _k, _l, _m, _o, _p, _q, _r, _s, _t, _u, _v, _w, _x, _y, _z, _0;
    const s = o.strict;
    const _optz = (_a = o.code) === null || _a === void 0 ? void 0 : _a.optimize;
    const optimize = _optz === true || _optz === undefined ? 1 : _optz || 0;
    const regExp = (_c = (_b = o.code) === null || _b === void 0 ? void 0 : _b.regExp) !== null && _c !== void 0 ? _c : defaultRegExp;
    const uriResolver = (_d = o.uriResolver) !== null && _d !== void 0 ? _d : uri_1.default;
    return {
        strictSchema: (_f = (_e = o.strictSchema) !== null && _e !== void 0 ? _e : s) !== null && _f !== void 0 ? _f : true,
        strictNumbers: (_h = (_g = o.strictNumbers) !== null && _g !== void 0 ? _g : s) !== null && _h !== void 0 ? _h : true,
        strictTypes: (_k = (_j = o.strictTypes) !== null && _j !== void 0 ? _j : s) !== null && _k !== void 0 ? _k : "log",
        strictTuples: (_m = (_l = o.strictTuples) !== null && _l !== void 0 ? _l : s) !== null && _m !== void 0 ? _m : "log",
        strictRequired: (_p = (_o = o.strictRequired) !== null && _o !== void 0 ? _o : s) !== null && _p !== void 0 ? _p : false,
        code: o.code ? { ...o.code, optimize, regExp } : { optimize, regExp },
        loopRequired: (_q = o.loopRequired) !== null && _q !== void 0 ? _q : MAX_EXPRESSION,
        loopEnum: (_r = o.loopEnum) !== null && _r !== void 0 ? _r : MAX_EXPRESSION,
        meta: (_s = o.meta) !== null && _s !== void 0 ? _s : true,
        messages: (_t = o.messages) !== null && _t !== void 0 ? _t : true,
        inlineRefs: (_u = o.inlineRefs) !== null && _u !== void 0 ? _u : true,
        schemaId: (_v = o.schemaId) !== null && _v !== void 0 ? _v : "$id",
        addUsedSchema: (_w = o.addUsedSchema) !== null && _w !== void 0 ? _w : true,
        validateSchema: (_x = o.validateSchema) !== null && _x !== void 0 ? _x : true,
        validateFormats: (_y = o.validateFormats) !== null && _y !== void 0 ? _y : true,
        unicodeRegExp: (_z = o.unicodeRegExp) !== null && _z !== void 0 ? _z : true,
        int32range: (_0 = o.int32range) !== null && _0 !== void 0 ? _0 : true,
        uriResolver: uriResolver,
    };
}
class Ajv {
    constructor(opts = {}) {
        this.schemas = {};
        this.refs = {};
        this.formats = Object.create(null);
        this._compilations = new Set();
        this._loading = {};
        this._cache = new Map();
        opts = this.opts = { ...opts, ...requiredOptions(opts) };
        const { es5, lines } = this.opts.code;
        this.scope = new codegen_2.ValueScope({ scope: {}, prefixes: EXT_SCOPE_NAMES, es5, lines });
        this.logger = getLogger(opts.logger);
        const formatOpt = opts.validateFormats;
        opts.validateFormats = false;
        this.RULES = (0, rules_1.getRules)();
        checkOptions.call(this, removedOptions, opts, "NOT SUPPORTED");
        checkOptions.call(this, deprecatedOptions, opts, "DEPRECATED", "warn");
        this._metaOpts = getMetaSchemaOptions.call(this);
        if (opts.formats)
            addInitialFormats.call(this);
        this._addVocabularies();
        this._addDefaultMetaSchema();
        if (opts.keywords)
            addInitialKeywords.call(this, opts.keywords);
        if (typeof opts.meta == "object")
            this.addMetaSchema(opts.meta);
        addInitialSchemas.call(this);
        opts.validateFormats = formatOpt;
    }
    _addVocabularies() {
        this.addKeyword("$async");
    }
    _addDefaultMetaSchema() {
        const { $data, meta, schemaId } = this.opts;
        let _dataRefSchema = $dataRefSchema;
        if (schemaId === "id") {
            _dataRefSchema = { ...$dataRefSchema };
            _dataRefSchema.id = _dataRefSchema.$id;
            delete _dataRefSchema.$id;
        }
        if (meta && $data)
            this.addMetaSchema(_dataRefSchema, _dataRefSchema[schemaId], false);
    }
    defaultMeta() {
        const { meta, schemaId } = this.opts;
        return (this.opts.defaultMeta = typeof meta == "object" ? meta[schemaId] || meta : undefined);
    }
    validate(schemaKeyRef, // key, ref or schema object
    // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
    data // to be validated
    ) {
        let v;
        if (typeof schemaKeyRef == "string") {
            v = this.getSchema(schemaKeyRef);
            if (!v)
                throw new Error(`no schema with key or ref "${schemaKeyRef}"`);
        }
        else {
            v = this.compile(schemaKeyRef);
        }
        const valid = v(data);
        if (!("$async" in v))
            this.errors = v.errors;
        return valid;
    }
    compile(schema, _meta) {
        const sch = this._addSchema(schema, _meta);
        return (sch.validate || this._compileSchemaEnv(sch));
    }
    compileAsync(schema, meta) {
        if (typeof this.opts.loadSchema != "function") {
            throw new Error("options.loadSchema should be a function");
        }
        const { loadSchema } = this.opts;
        return runCompileAsync.call(this, schema, meta);
        async function runCompileAsync(_schema, _meta) {
            await loadMetaSchema.call(this, _schema.$schema);
            const sch = this._addSchema(_schema, _meta);
            return sch.validate || _compileAsync.call(this, sch);
        }
        async function loadMetaSchema($ref) {
            if ($ref && !this.getSchema($ref)) {
                await runCompileAsync.call(this, { $ref }, true);
            }
        }
        async function _compileAsync(sch) {
            try {
                return this._compileSchemaEnv(sch);
            }
            catch (e) {
                if (!(e instanceof ref_error_1.default))
                    throw e;
                checkLoaded.call(this, e);
                await loadMissingSchema.call(this, e.missingSchema);
                return _compileAsync.call(this, sch);
            }
        }
        function checkLoaded({ missingSchema: ref, missingRef }) {
            if (this.refs[ref]) {
                throw new Error(`AnySchema ${ref} is loaded but ${missingRef} cannot be resolved`);
            }
        }
        async function loadMissingSchema(ref) {
            const _schema = await _loadSchema.call(this, ref);
            if (!this.refs[ref])
                await loadMetaSchema.call(this, _schema.$schema);
            if (!this.refs[ref])
                this.addSchema(_schema, ref, meta);
        }
        async function _loadSchema(ref) {
            const p = this._loading[ref];
            if (p)
                return p;
            try {
                return await (this._loading[ref] = loadSchema(ref));
            }
            finally {
                delete this._loading[ref];
            }
        }
    }
    // Adds schema to the instance
    addSchema(schema, // If array is passed, `key` will be ignored
    key, // Optional schema key. Can be passed to `validate` method instead of schema object or id/ref. One schema per instance can have empty `id` and `key`.
    _meta, // true if schema is a meta-schema. Used internally, addMetaSchema should be used instead.
    _validateSchema = this.opts.validateSchema // false to skip schema validation. Used internally, option validateSchema should be used instead.
    ) {
        if (Array.isArray(schema)) {
            for (const sch of schema)
                this.addSchema(sch, undefined, _meta, _validateSchema);
            return this;
        }
        let id;
        if (typeof schema === "object") {
            const { schemaId } = this.opts;
            id = schema[schemaId];
            if (id !== undefined && typeof id != "string") {
                throw new Error(`schema ${schemaId} must be string`);
            }
        }
        key = (0, resolve_1.normalizeId)(key || id);
        this._checkUnique(key);
        this.schemas[key] = this._addSchema(schema, _meta, key, _validateSchema, true);
        return this;
    }
    // Add schema that will be used to validate other schemas
    // options in META_IGNORE_OPTIONS are alway set to false
    addMetaSchema(schema, key, // schema key
    _validateSchema = this.opts.validateSchema // false to skip schema validation, can be used to override validateSchema option for meta-schema
    ) {
        this.addSchema(schema, key, true, _validateSchema);
        return this;
    }
    //  Validate schema against its meta-schema
    validateSchema(schema, throwOrLogError) {
        if (typeof schema == "boolean")
            return true;
        let $schema;
        $schema = schema.$schema;
        if ($schema !== undefined && typeof $schema != "string") {
            throw new Error("$schema must be a string");
        }
        $schema = $schema || this.opts.defaultMeta || this.defaultMeta();
        if (!$schema) {
            this.logger.warn("meta-schema not available");
            this.errors = null;
            return true;
        }
        const valid = this.validate($schema, schema);
        if (!valid && throwOrLogError) {
            const message = "schema is invalid: " + this.errorsText();
            if (this.opts.validateSchema === "log")
                this.logger.error(message);
            else
                throw new Error(message);
        }
        return valid;
    }
    // Get compiled schema by `key` or `ref`.
    // (`key` that was passed to `addSchema` or full schema reference - `schema.$id` or resolved id)
    getSchema(keyRef) {
        let sch;
        while (typeof (sch = getSchEnv.call(this, keyRef)) == "string")
            keyRef = sch;
        if (sch === undefined) {
            const { schemaId } = this.opts;
            const root = new compile_1.SchemaEnv({ schema: {}, schemaId });
            sch = compile_1.resolveSchema.call(this, root, keyRef);
            if (!sch)
                return;
            this.refs[keyRef] = sch;
        }
        return (sch.validate || this._compileSchemaEnv(sch));
    }
    // Remove cached schema(s).
    // If no parameter is passed all schemas but meta-schemas are removed.
    // If RegExp is passed all schemas with key/id matching pattern but meta-schemas are removed.
    // Even if schema is referenced by other schemas it still can be removed as other schemas have local references.
    removeSchema(schemaKeyRef) {
        if (schemaKeyRef instanceof RegExp) {
            this._removeAllSchemas(this.schemas, schemaKeyRef);
            this._removeAllSchemas(this.refs, schemaKeyRef);
            return this;
        }
        switch (typeof schemaKeyRef) {
            case "undefined":
                this._removeAllSchemas(this.schemas);
                this._removeAllSchemas(this.refs);
                this._cache.clear();
                return this;
            case "string": {
                const sch = getSchEnv.call(this, schemaKeyRef);
                if (typeof sch == "object")
                    this._cache.delete(sch.schema);
                delete this.schemas[schemaKeyRef];
                delete this.refs[schemaKeyRef];
                return this;
            }
            case "object": {
                const cacheKey = schemaKeyRef;
                this._cache.delete(cacheKey);
                let id = schemaKeyRef[this.opts.schemaId];
                if (id) {
                    id = (0, resolve_1.normalizeId)(id);
                    delete this.schemas[id];
                    delete this.refs[id];
                }
                return this;
            }
            default:
                throw new Error("ajv.removeSchema: invalid parameter");
        }
    }
    // add "vocabulary" - a collection of keywords
    addVocabulary(definitions) {
        for (const def of definitions)
            this.addKeyword(def);
        return this;
    }
    addKeyword(kwdOrDef, def // deprecated
    ) {
        let keyword;
        if (typeof kwdOrDef == "string") {
            keyword = kwdOrDef;
            if (typeof def == "object") {
                this.logger.warn("these parameters are deprecated, see docs for addKeyword");
                def.keyword = keyword;
            }
        }
        else if (typeof kwdOrDef == "object" && def === undefined) {
            def = kwdOrDef;
            keyword = def.keyword;
            if (Array.isArray(keyword) && !keyword.length) {
                throw new Error("addKeywords: keyword must be string or non-empty array");
            }
        }
        else {
            throw new Error("invalid addKeywords parameters");
        }
        checkKeyword.call(this, keyword, def);
        if (!def) {
            (0, util_1.eachItem)(keyword, (kwd) => addRule.call(this, kwd));
            return this;
        }
        keywordMetaschema.call(this, def);
        const definition = {
            ...def,
            type: (0, dataType_1.getJSONTypes)(def.type),
            schemaType: (0, dataType_1.getJSONTypes)(def.schemaType),
        };
        (0, util_1.eachItem)(keyword, definition.type.length === 0
            ? (k) => addRule.call(this, k, definition)
            : (k) => definition.type.forEach((t) => addRule.call(this, k, definition, t)));
        return this;
    }
    getKeyword(keyword) {
        const rule = this.RULES.all[keyword];
        return typeof rule == "object" ? rule.definition : !!rule;
    }
    // Remove keyword
    removeKeyword(keyword) {
        // TODO return type should be Ajv
        const { RULES } = this;
        delete RULES.keywords[keyword];
        delete RULES.all[keyword];
        for (const group of RULES.rules) {
            const i = group.rules.findIndex((rule) => rule.keyword === keyword);
            if (i >= 0)
                group.rules.splice(i, 1);
        }
        return this;
    }
    // Add format
    addFormat(name, format) {
        if (typeof format == "string")
            format = new RegExp(format);
        this.formats[name] = format;
        return this;
    }
    errorsText(errors = this.errors, // optional array of validation errors
    { separator = ", ", dataVar = "data" } = {} // optional options with properties `separator` and `dataVar`
    ) {
        if (!errors || errors.length === 0)
            return "No errors";
        return errors
            .map((e) => `${dataVar}${e.instancePath} ${e.message}`)
            .reduce((text, msg) => text + separator + msg);
    }
    $dataMetaSchema(metaSchema, keywordsJsonPointers) {
        const rules = this.RULES.all;
        metaSchema = JSON.parse(JSON.stringify(metaSchema));
        for (const jsonPointer of keywordsJsonPointers) {
            const segments = jsonPointer.split("/").slice(1); // first segment is an empty string
            let keywords = metaSchema;
            for (const seg of segments)
                keywords = keywords[seg];
            for (const key in rules) {
                const rule = rules[key];
                if (typeof rule != "object")
                    continue;
                const { $data } = rule.definition;
                const schema = keywords[key];
                if ($data && schema)
                    keywords[key] = schemaOrData(schema);
            }
        }
        return metaSchema;
    }
    _removeAllSchemas(schemas, regex) {
        for (const keyRef in schemas) {
            const sch = schemas[keyRef];
            if (!regex || regex.test(keyRef)) {
                if (typeof sch == "string") {
                    delete schemas[keyRef];
                }
                else if (sch && !sch.meta) {
                    this._cache.delete(sch.schema);
                    delete schemas[keyRef];
                }
            }
        }
    }
    _addSchema(schema, meta, baseId, validateSchema = this.opts.validateSchema, addSchema = this.opts.addUsedSchema) {
        let id;
        const { schemaId } = this.opts;
        if (typeof schema == "object") {
            id = schema[schemaId];
        }
        else {
            if (this.opts.jtd)
                throw new Error("schema must be object");
            else if (typeof schema != "boolean")
                throw new Error("schema must be object or boolean");
        }
        let sch = this._cache.get(schema);
        if (sch !== undefined)
            return sch;
        baseId = (0, resolve_1.normalizeId)(id || baseId);
        const localRefs = resolve_1.getSchemaRefs.call(this, schema, baseId);
        sch = new compile_1.SchemaEnv({ schema, schemaId, meta, baseId, localRefs });
        this._cache.set(sch.schema, sch);
        if (addSchema && !baseId.startsWith("#")) {
            // TODO atm it is allowed to overwrite schemas without id (instead of not adding them)
            if (baseId)
                this._checkUnique(baseId);
            this.refs[baseId] = sch;
        }
        if (validateSchema)
            this.validateSchema(schema, true);
        return sch;
    }
    _checkUnique(id) {
        if (this.schemas[id] || this.refs[id]) {
            throw new Error(`schema with key or id "${id}" already exists`);
        }
    }
    _compileSchemaEnv(sch) {
        if (sch.meta)
            this._compileMetaSchema(sch);
        else
            compile_1.compileSchema.call(this, sch);
        /* istanbul ignore if */
        if (!sch.validate)
            throw new Error("ajv implementation error");
        return sch.validate;
    }
    _compileMetaSchema(sch) {
        const currentOpts = this.opts;
        this.opts = this._metaOpts;
        try {
            compile_1.compileSchema.call(this, sch);
        }
        finally {
            this.opts = currentOpts;
        }
    }
}
Ajv.ValidationError = validation_error_1.default;
Ajv.MissingRefError = ref_error_1.default;
exports["default"] = Ajv;
function checkOptions(checkOpts, options, msg, log = "error") {
    for (const key in checkOpts) {
        const opt = key;
        if (opt in options)
            this.logger[log](`${msg}: option ${key}. ${checkOpts[opt]}`);
    }
}
function getSchEnv(keyRef) {
    keyRef = (0, resolve_1.normalizeId)(keyRef); // TODO tests fail without this line
    return this.schemas[keyRef] || this.refs[keyRef];
}
function addInitialSchemas() {
    const optsSchemas = this.opts.schemas;
    if (!optsSchemas)
        return;
    if (Array.isArray(optsSchemas))
        this.addSchema(optsSchemas);
    else
        for (const key in optsSchemas)
            this.addSchema(optsSchemas[key], key);
}
function addInitialFormats() {
    for (const name in this.opts.formats) {
        const format = this.opts.formats[name];
        if (format)
            this.addFormat(name, format);
    }
}
function addInitialKeywords(defs) {
    if (Array.isArray(defs)) {
        this.addVocabulary(defs);
        return;
    }
    this.logger.warn("keywords option as map is deprecated, pass array");
    for (const keyword in defs) {
        const def = defs[keyword];
        if (!def.keyword)
            def.keyword = keyword;
        this.addKeyword(def);
    }
}
function getMetaSchemaOptions() {
    const metaOpts = { ...this.opts };
    for (const opt of META_IGNORE_OPTIONS)
        delete metaOpts[opt];
    return metaOpts;
}
const noLogs = { log() { }, warn() { }, error() { } };
function getLogger(logger) {
    if (logger === false)
        return noLogs;
    if (logger === undefined)
        return console;
    if (logger.log && logger.warn && logger.error)
        return logger;
    throw new Error("logger must implement log, warn and error methods");
}
const KEYWORD_NAME = /^[a-z_$][a-z0-9_$:-]*$/i;
function checkKeyword(keyword, def) {
    const { RULES } = this;
    (0, util_1.eachItem)(keyword, (kwd) => {
        if (RULES.keywords[kwd])
            throw new Error(`Keyword ${kwd} is already defined`);
        if (!KEYWORD_NAME.test(kwd))
            throw new Error(`Keyword ${kwd} has invalid name`);
    });
    if (!def)
        return;
    if (def.$data && !("code" in def || "validate" in def)) {
        throw new Error('$data keyword must have "code" or "validate" function');
    }
}
function addRule(keyword, definition, dataType) {
    var _a;
    const post = definition === null || definition === void 0 ? void 0 : definition.post;
    if (dataType && post)
        throw new Error('keyword with "post" flag cannot have "type"');
    const { RULES } = this;
    let ruleGroup = post ? RULES.post : RULES.rules.find(({ type: t }) => t === dataType);
    if (!ruleGroup) {
        ruleGroup = { type: dataType, rules: [] };
        RULES.rules.push(ruleGroup);
    }
    RULES.keywords[keyword] = true;
    if (!definition)
        return;
    const rule = {
        keyword,
        definition: {
            ...definition,
            type: (0, dataType_1.getJSONTypes)(definition.type),
            schemaType: (0, dataType_1.getJSONTypes)(definition.schemaType),
        },
    };
    if (definition.before)
        addBeforeRule.call(this, ruleGroup, rule, definition.before);
    else
        ruleGroup.rules.push(rule);
    RULES.all[keyword] = rule;
    (_a = definition.implements) === null || _a === void 0 ? void 0 : _a.forEach((kwd) => this.addKeyword(kwd));
}
function addBeforeRule(ruleGroup, rule, before) {
    const i = ruleGroup.rules.findIndex((_rule) => _rule.keyword === before);
    if (i >= 0) {
        ruleGroup.rules.splice(i, 0, rule);
    }
    else {
        ruleGroup.rules.push(rule);
        this.logger.warn(`rule ${before} is not defined`);
    }
}
function keywordMetaschema(def) {
    let { metaSchema } = def;
    if (metaSchema === undefined)
        return;
    if (def.$data && this.opts.$data)
        metaSchema = schemaOrData(metaSchema);
    def.validateSchema = this.compile(metaSchema, true);
}
const $dataRef = {
    $ref: "https://raw.githubusercontent.com/ajv-validator/ajv/master/lib/refs/data.json#",
};
function schemaOrData(schema) {
    return { anyOf: [schema, $dataRef] };
}
//# sourceMappingURL=core.js.map

/***/ }),

/***/ 3995:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const metaSchema = __nccwpck_require__(1678);
const applicator = __nccwpck_require__(7216);
const unevaluated = __nccwpck_require__(9547);
const content = __nccwpck_require__(8226);
const core = __nccwpck_require__(518);
const format = __nccwpck_require__(4588);
const metadata = __nccwpck_require__(5707);
const validation = __nccwpck_require__(7082);
const META_SUPPORT_DATA = ["/properties"];
function addMetaSchema2020($data) {
    ;
    [
        metaSchema,
        applicator,
        unevaluated,
        content,
        core,
        with$data(this, format),
        metadata,
        with$data(this, validation),
    ].forEach((sch) => this.addMetaSchema(sch, undefined, false));
    return this;
    function with$data(ajv, sch) {
        return $data ? ajv.$dataMetaSchema(sch, META_SUPPORT_DATA) : sch;
    }
}
exports["default"] = addMetaSchema2020;
//# sourceMappingURL=index.js.map

/***/ }),

/***/ 4951:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
// https://github.com/ajv-validator/ajv/issues/889
const equal = __nccwpck_require__(3430);
equal.code = 'require("ajv/dist/runtime/equal").default';
exports["default"] = equal;
//# sourceMappingURL=equal.js.map

/***/ }),

/***/ 6214:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
// https://mathiasbynens.be/notes/javascript-encoding
// https://github.com/bestiejs/punycode.js - punycode.ucs2.decode
function ucs2length(str) {
    const len = str.length;
    let length = 0;
    let pos = 0;
    let value;
    while (pos < len) {
        length++;
        value = str.charCodeAt(pos++);
        if (value >= 0xd800 && value <= 0xdbff && pos < len) {
            // high surrogate, and there is a next character
            value = str.charCodeAt(pos);
            if ((value & 0xfc00) === 0xdc00)
                pos++; // low surrogate
        }
    }
    return length;
}
exports["default"] = ucs2length;
ucs2length.code = 'require("ajv/dist/runtime/ucs2length").default';
//# sourceMappingURL=ucs2length.js.map

/***/ }),

/***/ 6285:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const uri = __nccwpck_require__(4352);
uri.code = 'require("ajv/dist/runtime/uri").default';
exports["default"] = uri;
//# sourceMappingURL=uri.js.map

/***/ }),

/***/ 3021:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
class ValidationError extends Error {
    constructor(errors) {
        super("validation failed");
        this.errors = errors;
        this.ajv = this.validation = true;
    }
}
exports["default"] = ValidationError;
//# sourceMappingURL=validation_error.js.map

/***/ }),

/***/ 3448:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.validateAdditionalItems = void 0;
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const error = {
    message: ({ params: { len } }) => (0, codegen_1.str) `must NOT have more than ${len} items`,
    params: ({ params: { len } }) => (0, codegen_1._) `{limit: ${len}}`,
};
const def = {
    keyword: "additionalItems",
    type: "array",
    schemaType: ["boolean", "object"],
    before: "uniqueItems",
    error,
    code(cxt) {
        const { parentSchema, it } = cxt;
        const { items } = parentSchema;
        if (!Array.isArray(items)) {
            (0, util_1.checkStrictMode)(it, '"additionalItems" is ignored when "items" is not an array of schemas');
            return;
        }
        validateAdditionalItems(cxt, items);
    },
};
function validateAdditionalItems(cxt, items) {
    const { gen, schema, data, keyword, it } = cxt;
    it.items = true;
    const len = gen.const("len", (0, codegen_1._) `${data}.length`);
    if (schema === false) {
        cxt.setParams({ len: items.length });
        cxt.pass((0, codegen_1._) `${len} <= ${items.length}`);
    }
    else if (typeof schema == "object" && !(0, util_1.alwaysValidSchema)(it, schema)) {
        const valid = gen.var("valid", (0, codegen_1._) `${len} <= ${items.length}`); // TODO var
        gen.if((0, codegen_1.not)(valid), () => validateItems(valid));
        cxt.ok(valid);
    }
    function validateItems(valid) {
        gen.forRange("i", items.length, len, (i) => {
            cxt.subschema({ keyword, dataProp: i, dataPropType: util_1.Type.Num }, valid);
            if (!it.allErrors)
                gen.if((0, codegen_1.not)(valid), () => gen.break());
        });
    }
}
exports.validateAdditionalItems = validateAdditionalItems;
exports["default"] = def;
//# sourceMappingURL=additionalItems.js.map

/***/ }),

/***/ 2431:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const code_1 = __nccwpck_require__(8484);
const codegen_1 = __nccwpck_require__(1436);
const names_1 = __nccwpck_require__(630);
const util_1 = __nccwpck_require__(4464);
const error = {
    message: "must NOT have additional properties",
    params: ({ params }) => (0, codegen_1._) `{additionalProperty: ${params.additionalProperty}}`,
};
const def = {
    keyword: "additionalProperties",
    type: ["object"],
    schemaType: ["boolean", "object"],
    allowUndefined: true,
    trackErrors: true,
    error,
    code(cxt) {
        const { gen, schema, parentSchema, data, errsCount, it } = cxt;
        /* istanbul ignore if */
        if (!errsCount)
            throw new Error("ajv implementation error");
        const { allErrors, opts } = it;
        it.props = true;
        if (opts.removeAdditional !== "all" && (0, util_1.alwaysValidSchema)(it, schema))
            return;
        const props = (0, code_1.allSchemaProperties)(parentSchema.properties);
        const patProps = (0, code_1.allSchemaProperties)(parentSchema.patternProperties);
        checkAdditionalProperties();
        cxt.ok((0, codegen_1._) `${errsCount} === ${names_1.default.errors}`);
        function checkAdditionalProperties() {
            gen.forIn("key", data, (key) => {
                if (!props.length && !patProps.length)
                    additionalPropertyCode(key);
                else
                    gen.if(isAdditional(key), () => additionalPropertyCode(key));
            });
        }
        function isAdditional(key) {
            let definedProp;
            if (props.length > 8) {
                // TODO maybe an option instead of hard-coded 8?
                const propsSchema = (0, util_1.schemaRefOrVal)(it, parentSchema.properties, "properties");
                definedProp = (0, code_1.isOwnProperty)(gen, propsSchema, key);
            }
            else if (props.length) {
                definedProp = (0, codegen_1.or)(...props.map((p) => (0, codegen_1._) `${key} === ${p}`));
            }
            else {
                definedProp = codegen_1.nil;
            }
            if (patProps.length) {
                definedProp = (0, codegen_1.or)(definedProp, ...patProps.map((p) => (0, codegen_1._) `${(0, code_1.usePattern)(cxt, p)}.test(${key})`));
            }
            return (0, codegen_1.not)(definedProp);
        }
        function deleteAdditional(key) {
            gen.code((0, codegen_1._) `delete ${data}[${key}]`);
        }
        function additionalPropertyCode(key) {
            if (opts.removeAdditional === "all" || (opts.removeAdditional && schema === false)) {
                deleteAdditional(key);
                return;
            }
            if (schema === false) {
                cxt.setParams({ additionalProperty: key });
                cxt.error();
                if (!allErrors)
                    gen.break();
                return;
            }
            if (typeof schema == "object" && !(0, util_1.alwaysValidSchema)(it, schema)) {
                const valid = gen.name("valid");
                if (opts.removeAdditional === "failing") {
                    applyAdditionalSchema(key, valid, false);
                    gen.if((0, codegen_1.not)(valid), () => {
                        cxt.reset();
                        deleteAdditional(key);
                    });
                }
                else {
                    applyAdditionalSchema(key, valid);
                    if (!allErrors)
                        gen.if((0, codegen_1.not)(valid), () => gen.break());
                }
            }
        }
        function applyAdditionalSchema(key, valid, errors) {
            const subschema = {
                keyword: "additionalProperties",
                dataProp: key,
                dataPropType: util_1.Type.Str,
            };
            if (errors === false) {
                Object.assign(subschema, {
                    compositeRule: true,
                    createErrors: false,
                    allErrors: false,
                });
            }
            cxt.subschema(subschema, valid);
        }
    },
};
exports["default"] = def;
//# sourceMappingURL=additionalProperties.js.map

/***/ }),

/***/ 9205:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const util_1 = __nccwpck_require__(4464);
const def = {
    keyword: "allOf",
    schemaType: "array",
    code(cxt) {
        const { gen, schema, it } = cxt;
        /* istanbul ignore if */
        if (!Array.isArray(schema))
            throw new Error("ajv implementation error");
        const valid = gen.name("valid");
        schema.forEach((sch, i) => {
            if ((0, util_1.alwaysValidSchema)(it, sch))
                return;
            const schCxt = cxt.subschema({ keyword: "allOf", schemaProp: i }, valid);
            cxt.ok(valid);
            cxt.mergeEvaluated(schCxt);
        });
    },
};
exports["default"] = def;
//# sourceMappingURL=allOf.js.map

/***/ }),

/***/ 9380:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const code_1 = __nccwpck_require__(8484);
const def = {
    keyword: "anyOf",
    schemaType: "array",
    trackErrors: true,
    code: code_1.validateUnion,
    error: { message: "must match a schema in anyOf" },
};
exports["default"] = def;
//# sourceMappingURL=anyOf.js.map

/***/ }),

/***/ 6182:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const error = {
    message: ({ params: { min, max } }) => max === undefined
        ? (0, codegen_1.str) `must contain at least ${min} valid item(s)`
        : (0, codegen_1.str) `must contain at least ${min} and no more than ${max} valid item(s)`,
    params: ({ params: { min, max } }) => max === undefined ? (0, codegen_1._) `{minContains: ${min}}` : (0, codegen_1._) `{minContains: ${min}, maxContains: ${max}}`,
};
const def = {
    keyword: "contains",
    type: "array",
    schemaType: ["object", "boolean"],
    before: "uniqueItems",
    trackErrors: true,
    error,
    code(cxt) {
        const { gen, schema, parentSchema, data, it } = cxt;
        let min;
        let max;
        const { minContains, maxContains } = parentSchema;
        if (it.opts.next) {
            min = minContains === undefined ? 1 : minContains;
            max = maxContains;
        }
        else {
            min = 1;
        }
        const len = gen.const("len", (0, codegen_1._) `${data}.length`);
        cxt.setParams({ min, max });
        if (max === undefined && min === 0) {
            (0, util_1.checkStrictMode)(it, `"minContains" == 0 without "maxContains": "contains" keyword ignored`);
            return;
        }
        if (max !== undefined && min > max) {
            (0, util_1.checkStrictMode)(it, `"minContains" > "maxContains" is always invalid`);
            cxt.fail();
            return;
        }
        if ((0, util_1.alwaysValidSchema)(it, schema)) {
            let cond = (0, codegen_1._) `${len} >= ${min}`;
            if (max !== undefined)
                cond = (0, codegen_1._) `${cond} && ${len} <= ${max}`;
            cxt.pass(cond);
            return;
        }
        it.items = true;
        const valid = gen.name("valid");
        if (max === undefined && min === 1) {
            validateItems(valid, () => gen.if(valid, () => gen.break()));
        }
        else if (min === 0) {
            gen.let(valid, true);
            if (max !== undefined)
                gen.if((0, codegen_1._) `${data}.length > 0`, validateItemsWithCount);
        }
        else {
            gen.let(valid, false);
            validateItemsWithCount();
        }
        cxt.result(valid, () => cxt.reset());
        function validateItemsWithCount() {
            const schValid = gen.name("_valid");
            const count = gen.let("count", 0);
            validateItems(schValid, () => gen.if(schValid, () => checkLimits(count)));
        }
        function validateItems(_valid, block) {
            gen.forRange("i", 0, len, (i) => {
                cxt.subschema({
                    keyword: "contains",
                    dataProp: i,
                    dataPropType: util_1.Type.Num,
                    compositeRule: true,
                }, _valid);
                block();
            });
        }
        function checkLimits(count) {
            gen.code((0, codegen_1._) `${count}++`);
            if (max === undefined) {
                gen.if((0, codegen_1._) `${count} >= ${min}`, () => gen.assign(valid, true).break());
            }
            else {
                gen.if((0, codegen_1._) `${count} > ${max}`, () => gen.assign(valid, false).break());
                if (min === 1)
                    gen.assign(valid, true);
                else
                    gen.if((0, codegen_1._) `${count} >= ${min}`, () => gen.assign(valid, true));
            }
        }
    },
};
exports["default"] = def;
//# sourceMappingURL=contains.js.map

/***/ }),

/***/ 5826:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.validateSchemaDeps = exports.validatePropertyDeps = exports.error = void 0;
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const code_1 = __nccwpck_require__(8484);
exports.error = {
    message: ({ params: { property, depsCount, deps } }) => {
        const property_ies = depsCount === 1 ? "property" : "properties";
        return (0, codegen_1.str) `must have ${property_ies} ${deps} when property ${property} is present`;
    },
    params: ({ params: { property, depsCount, deps, missingProperty } }) => (0, codegen_1._) `{property: ${property},
    missingProperty: ${missingProperty},
    depsCount: ${depsCount},
    deps: ${deps}}`, // TODO change to reference
};
const def = {
    keyword: "dependencies",
    type: "object",
    schemaType: "object",
    error: exports.error,
    code(cxt) {
        const [propDeps, schDeps] = splitDependencies(cxt);
        validatePropertyDeps(cxt, propDeps);
        validateSchemaDeps(cxt, schDeps);
    },
};
function splitDependencies({ schema }) {
    const propertyDeps = {};
    const schemaDeps = {};
    for (const key in schema) {
        if (key === "__proto__")
            continue;
        const deps = Array.isArray(schema[key]) ? propertyDeps : schemaDeps;
        deps[key] = schema[key];
    }
    return [propertyDeps, schemaDeps];
}
function validatePropertyDeps(cxt, propertyDeps = cxt.schema) {
    const { gen, data, it } = cxt;
    if (Object.keys(propertyDeps).length === 0)
        return;
    const missing = gen.let("missing");
    for (const prop in propertyDeps) {
        const deps = propertyDeps[prop];
        if (deps.length === 0)
            continue;
        const hasProperty = (0, code_1.propertyInData)(gen, data, prop, it.opts.ownProperties);
        cxt.setParams({
            property: prop,
            depsCount: deps.length,
            deps: deps.join(", "),
        });
        if (it.allErrors) {
            gen.if(hasProperty, () => {
                for (const depProp of deps) {
                    (0, code_1.checkReportMissingProp)(cxt, depProp);
                }
            });
        }
        else {
            gen.if((0, codegen_1._) `${hasProperty} && (${(0, code_1.checkMissingProp)(cxt, deps, missing)})`);
            (0, code_1.reportMissingProp)(cxt, missing);
            gen.else();
        }
    }
}
exports.validatePropertyDeps = validatePropertyDeps;
function validateSchemaDeps(cxt, schemaDeps = cxt.schema) {
    const { gen, data, keyword, it } = cxt;
    const valid = gen.name("valid");
    for (const prop in schemaDeps) {
        if ((0, util_1.alwaysValidSchema)(it, schemaDeps[prop]))
            continue;
        gen.if((0, code_1.propertyInData)(gen, data, prop, it.opts.ownProperties), () => {
            const schCxt = cxt.subschema({ keyword, schemaProp: prop }, valid);
            cxt.mergeValidEvaluated(schCxt, valid);
        }, () => gen.var(valid, true) // TODO var
        );
        cxt.ok(valid);
    }
}
exports.validateSchemaDeps = validateSchemaDeps;
exports["default"] = def;
//# sourceMappingURL=dependencies.js.map

/***/ }),

/***/ 3818:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const dependencies_1 = __nccwpck_require__(5826);
const def = {
    keyword: "dependentSchemas",
    type: "object",
    schemaType: "object",
    code: (cxt) => (0, dependencies_1.validateSchemaDeps)(cxt),
};
exports["default"] = def;
//# sourceMappingURL=dependentSchemas.js.map

/***/ }),

/***/ 8584:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const error = {
    message: ({ params }) => (0, codegen_1.str) `must match "${params.ifClause}" schema`,
    params: ({ params }) => (0, codegen_1._) `{failingKeyword: ${params.ifClause}}`,
};
const def = {
    keyword: "if",
    schemaType: ["object", "boolean"],
    trackErrors: true,
    error,
    code(cxt) {
        const { gen, parentSchema, it } = cxt;
        if (parentSchema.then === undefined && parentSchema.else === undefined) {
            (0, util_1.checkStrictMode)(it, '"if" without "then" and "else" is ignored');
        }
        const hasThen = hasSchema(it, "then");
        const hasElse = hasSchema(it, "else");
        if (!hasThen && !hasElse)
            return;
        const valid = gen.let("valid", true);
        const schValid = gen.name("_valid");
        validateIf();
        cxt.reset();
        if (hasThen && hasElse) {
            const ifClause = gen.let("ifClause");
            cxt.setParams({ ifClause });
            gen.if(schValid, validateClause("then", ifClause), validateClause("else", ifClause));
        }
        else if (hasThen) {
            gen.if(schValid, validateClause("then"));
        }
        else {
            gen.if((0, codegen_1.not)(schValid), validateClause("else"));
        }
        cxt.pass(valid, () => cxt.error(true));
        function validateIf() {
            const schCxt = cxt.subschema({
                keyword: "if",
                compositeRule: true,
                createErrors: false,
                allErrors: false,
            }, schValid);
            cxt.mergeEvaluated(schCxt);
        }
        function validateClause(keyword, ifClause) {
            return () => {
                const schCxt = cxt.subschema({ keyword }, schValid);
                gen.assign(valid, schValid);
                cxt.mergeValidEvaluated(schCxt, valid);
                if (ifClause)
                    gen.assign(ifClause, (0, codegen_1._) `${keyword}`);
                else
                    cxt.setParams({ ifClause: keyword });
            };
        }
    },
};
function hasSchema(it, keyword) {
    const schema = it.schema[keyword];
    return schema !== undefined && !(0, util_1.alwaysValidSchema)(it, schema);
}
exports["default"] = def;
//# sourceMappingURL=if.js.map

/***/ }),

/***/ 8775:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const additionalItems_1 = __nccwpck_require__(3448);
const prefixItems_1 = __nccwpck_require__(6467);
const items_1 = __nccwpck_require__(5791);
const items2020_1 = __nccwpck_require__(2959);
const contains_1 = __nccwpck_require__(6182);
const dependencies_1 = __nccwpck_require__(5826);
const propertyNames_1 = __nccwpck_require__(1372);
const additionalProperties_1 = __nccwpck_require__(2431);
const properties_1 = __nccwpck_require__(8778);
const patternProperties_1 = __nccwpck_require__(664);
const not_1 = __nccwpck_require__(8350);
const anyOf_1 = __nccwpck_require__(9380);
const oneOf_1 = __nccwpck_require__(2490);
const allOf_1 = __nccwpck_require__(9205);
const if_1 = __nccwpck_require__(8584);
const thenElse_1 = __nccwpck_require__(6829);
function getApplicator(draft2020 = false) {
    const applicator = [
        // any
        not_1.default,
        anyOf_1.default,
        oneOf_1.default,
        allOf_1.default,
        if_1.default,
        thenElse_1.default,
        // object
        propertyNames_1.default,
        additionalProperties_1.default,
        dependencies_1.default,
        properties_1.default,
        patternProperties_1.default,
    ];
    // array
    if (draft2020)
        applicator.push(prefixItems_1.default, items2020_1.default);
    else
        applicator.push(additionalItems_1.default, items_1.default);
    applicator.push(contains_1.default);
    return applicator;
}
exports["default"] = getApplicator;
//# sourceMappingURL=index.js.map

/***/ }),

/***/ 5791:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.validateTuple = void 0;
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const code_1 = __nccwpck_require__(8484);
const def = {
    keyword: "items",
    type: "array",
    schemaType: ["object", "array", "boolean"],
    before: "uniqueItems",
    code(cxt) {
        const { schema, it } = cxt;
        if (Array.isArray(schema))
            return validateTuple(cxt, "additionalItems", schema);
        it.items = true;
        if ((0, util_1.alwaysValidSchema)(it, schema))
            return;
        cxt.ok((0, code_1.validateArray)(cxt));
    },
};
function validateTuple(cxt, extraItems, schArr = cxt.schema) {
    const { gen, parentSchema, data, keyword, it } = cxt;
    checkStrictTuple(parentSchema);
    if (it.opts.unevaluated && schArr.length && it.items !== true) {
        it.items = util_1.mergeEvaluated.items(gen, schArr.length, it.items);
    }
    const valid = gen.name("valid");
    const len = gen.const("len", (0, codegen_1._) `${data}.length`);
    schArr.forEach((sch, i) => {
        if ((0, util_1.alwaysValidSchema)(it, sch))
            return;
        gen.if((0, codegen_1._) `${len} > ${i}`, () => cxt.subschema({
            keyword,
            schemaProp: i,
            dataProp: i,
        }, valid));
        cxt.ok(valid);
    });
    function checkStrictTuple(sch) {
        const { opts, errSchemaPath } = it;
        const l = schArr.length;
        const fullTuple = l === sch.minItems && (l === sch.maxItems || sch[extraItems] === false);
        if (opts.strictTuples && !fullTuple) {
            const msg = `"${keyword}" is ${l}-tuple, but minItems or maxItems/${extraItems} are not specified or different at path "${errSchemaPath}"`;
            (0, util_1.checkStrictMode)(it, msg, opts.strictTuples);
        }
    }
}
exports.validateTuple = validateTuple;
exports["default"] = def;
//# sourceMappingURL=items.js.map

/***/ }),

/***/ 2959:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const code_1 = __nccwpck_require__(8484);
const additionalItems_1 = __nccwpck_require__(3448);
const error = {
    message: ({ params: { len } }) => (0, codegen_1.str) `must NOT have more than ${len} items`,
    params: ({ params: { len } }) => (0, codegen_1._) `{limit: ${len}}`,
};
const def = {
    keyword: "items",
    type: "array",
    schemaType: ["object", "boolean"],
    before: "uniqueItems",
    error,
    code(cxt) {
        const { schema, parentSchema, it } = cxt;
        const { prefixItems } = parentSchema;
        it.items = true;
        if ((0, util_1.alwaysValidSchema)(it, schema))
            return;
        if (prefixItems)
            (0, additionalItems_1.validateAdditionalItems)(cxt, prefixItems);
        else
            cxt.ok((0, code_1.validateArray)(cxt));
    },
};
exports["default"] = def;
//# sourceMappingURL=items2020.js.map

/***/ }),

/***/ 8350:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const util_1 = __nccwpck_require__(4464);
const def = {
    keyword: "not",
    schemaType: ["object", "boolean"],
    trackErrors: true,
    code(cxt) {
        const { gen, schema, it } = cxt;
        if ((0, util_1.alwaysValidSchema)(it, schema)) {
            cxt.fail();
            return;
        }
        const valid = gen.name("valid");
        cxt.subschema({
            keyword: "not",
            compositeRule: true,
            createErrors: false,
            allErrors: false,
        }, valid);
        cxt.failResult(valid, () => cxt.reset(), () => cxt.error());
    },
    error: { message: "must NOT be valid" },
};
exports["default"] = def;
//# sourceMappingURL=not.js.map

/***/ }),

/***/ 2490:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const error = {
    message: "must match exactly one schema in oneOf",
    params: ({ params }) => (0, codegen_1._) `{passingSchemas: ${params.passing}}`,
};
const def = {
    keyword: "oneOf",
    schemaType: "array",
    trackErrors: true,
    error,
    code(cxt) {
        const { gen, schema, parentSchema, it } = cxt;
        /* istanbul ignore if */
        if (!Array.isArray(schema))
            throw new Error("ajv implementation error");
        if (it.opts.discriminator && parentSchema.discriminator)
            return;
        const schArr = schema;
        const valid = gen.let("valid", false);
        const passing = gen.let("passing", null);
        const schValid = gen.name("_valid");
        cxt.setParams({ passing });
        // TODO possibly fail straight away (with warning or exception) if there are two empty always valid schemas
        gen.block(validateOneOf);
        cxt.result(valid, () => cxt.reset(), () => cxt.error(true));
        function validateOneOf() {
            schArr.forEach((sch, i) => {
                let schCxt;
                if ((0, util_1.alwaysValidSchema)(it, sch)) {
                    gen.var(schValid, true);
                }
                else {
                    schCxt = cxt.subschema({
                        keyword: "oneOf",
                        schemaProp: i,
                        compositeRule: true,
                    }, schValid);
                }
                if (i > 0) {
                    gen
                        .if((0, codegen_1._) `${schValid} && ${valid}`)
                        .assign(valid, false)
                        .assign(passing, (0, codegen_1._) `[${passing}, ${i}]`)
                        .else();
                }
                gen.if(schValid, () => {
                    gen.assign(valid, true);
                    gen.assign(passing, i);
                    if (schCxt)
                        cxt.mergeEvaluated(schCxt, codegen_1.Name);
                });
            });
        }
    },
};
exports["default"] = def;
//# sourceMappingURL=oneOf.js.map

/***/ }),

/***/ 664:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const code_1 = __nccwpck_require__(8484);
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const util_2 = __nccwpck_require__(4464);
const def = {
    keyword: "patternProperties",
    type: "object",
    schemaType: "object",
    code(cxt) {
        const { gen, schema, data, parentSchema, it } = cxt;
        const { opts } = it;
        const patterns = (0, code_1.allSchemaProperties)(schema);
        const alwaysValidPatterns = patterns.filter((p) => (0, util_1.alwaysValidSchema)(it, schema[p]));
        if (patterns.length === 0 ||
            (alwaysValidPatterns.length === patterns.length &&
                (!it.opts.unevaluated || it.props === true))) {
            return;
        }
        const checkProperties = opts.strictSchema && !opts.allowMatchingProperties && parentSchema.properties;
        const valid = gen.name("valid");
        if (it.props !== true && !(it.props instanceof codegen_1.Name)) {
            it.props = (0, util_2.evaluatedPropsToName)(gen, it.props);
        }
        const { props } = it;
        validatePatternProperties();
        function validatePatternProperties() {
            for (const pat of patterns) {
                if (checkProperties)
                    checkMatchingProperties(pat);
                if (it.allErrors) {
                    validateProperties(pat);
                }
                else {
                    gen.var(valid, true); // TODO var
                    validateProperties(pat);
                    gen.if(valid);
                }
            }
        }
        function checkMatchingProperties(pat) {
            for (const prop in checkProperties) {
                if (new RegExp(pat).test(prop)) {
                    (0, util_1.checkStrictMode)(it, `property ${prop} matches pattern ${pat} (use allowMatchingProperties)`);
                }
            }
        }
        function validateProperties(pat) {
            gen.forIn("key", data, (key) => {
                gen.if((0, codegen_1._) `${(0, code_1.usePattern)(cxt, pat)}.test(${key})`, () => {
                    const alwaysValid = alwaysValidPatterns.includes(pat);
                    if (!alwaysValid) {
                        cxt.subschema({
                            keyword: "patternProperties",
                            schemaProp: pat,
                            dataProp: key,
                            dataPropType: util_2.Type.Str,
                        }, valid);
                    }
                    if (it.opts.unevaluated && props !== true) {
                        gen.assign((0, codegen_1._) `${props}[${key}]`, true);
                    }
                    else if (!alwaysValid && !it.allErrors) {
                        // can short-circuit if `unevaluatedProperties` is not supported (opts.next === false)
                        // or if all properties were evaluated (props === true)
                        gen.if((0, codegen_1.not)(valid), () => gen.break());
                    }
                });
            });
        }
    },
};
exports["default"] = def;
//# sourceMappingURL=patternProperties.js.map

/***/ }),

/***/ 6467:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const items_1 = __nccwpck_require__(5791);
const def = {
    keyword: "prefixItems",
    type: "array",
    schemaType: ["array"],
    before: "uniqueItems",
    code: (cxt) => (0, items_1.validateTuple)(cxt, "items"),
};
exports["default"] = def;
//# sourceMappingURL=prefixItems.js.map

/***/ }),

/***/ 8778:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const validate_1 = __nccwpck_require__(7881);
const code_1 = __nccwpck_require__(8484);
const util_1 = __nccwpck_require__(4464);
const additionalProperties_1 = __nccwpck_require__(2431);
const def = {
    keyword: "properties",
    type: "object",
    schemaType: "object",
    code(cxt) {
        const { gen, schema, parentSchema, data, it } = cxt;
        if (it.opts.removeAdditional === "all" && parentSchema.additionalProperties === undefined) {
            additionalProperties_1.default.code(new validate_1.KeywordCxt(it, additionalProperties_1.default, "additionalProperties"));
        }
        const allProps = (0, code_1.allSchemaProperties)(schema);
        for (const prop of allProps) {
            it.definedProperties.add(prop);
        }
        if (it.opts.unevaluated && allProps.length && it.props !== true) {
            it.props = util_1.mergeEvaluated.props(gen, (0, util_1.toHash)(allProps), it.props);
        }
        const properties = allProps.filter((p) => !(0, util_1.alwaysValidSchema)(it, schema[p]));
        if (properties.length === 0)
            return;
        const valid = gen.name("valid");
        for (const prop of properties) {
            if (hasDefault(prop)) {
                applyPropertySchema(prop);
            }
            else {
                gen.if((0, code_1.propertyInData)(gen, data, prop, it.opts.ownProperties));
                applyPropertySchema(prop);
                if (!it.allErrors)
                    gen.else().var(valid, true);
                gen.endIf();
            }
            cxt.it.definedProperties.add(prop);
            cxt.ok(valid);
        }
        function hasDefault(prop) {
            return it.opts.useDefaults && !it.compositeRule && schema[prop].default !== undefined;
        }
        function applyPropertySchema(prop) {
            cxt.subschema({
                keyword: "properties",
                schemaProp: prop,
                dataProp: prop,
            }, valid);
        }
    },
};
exports["default"] = def;
//# sourceMappingURL=properties.js.map

/***/ }),

/***/ 1372:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const error = {
    message: "property name must be valid",
    params: ({ params }) => (0, codegen_1._) `{propertyName: ${params.propertyName}}`,
};
const def = {
    keyword: "propertyNames",
    type: "object",
    schemaType: ["object", "boolean"],
    error,
    code(cxt) {
        const { gen, schema, data, it } = cxt;
        if ((0, util_1.alwaysValidSchema)(it, schema))
            return;
        const valid = gen.name("valid");
        gen.forIn("key", data, (key) => {
            cxt.setParams({ propertyName: key });
            cxt.subschema({
                keyword: "propertyNames",
                data: key,
                dataTypes: ["string"],
                propertyName: key,
                compositeRule: true,
            }, valid);
            gen.if((0, codegen_1.not)(valid), () => {
                cxt.error(true);
                if (!it.allErrors)
                    gen.break();
            });
        });
        cxt.ok(valid);
    },
};
exports["default"] = def;
//# sourceMappingURL=propertyNames.js.map

/***/ }),

/***/ 6829:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const util_1 = __nccwpck_require__(4464);
const def = {
    keyword: ["then", "else"],
    schemaType: ["object", "boolean"],
    code({ keyword, parentSchema, it }) {
        if (parentSchema.if === undefined)
            (0, util_1.checkStrictMode)(it, `"${keyword}" without "if" is ignored`);
    },
};
exports["default"] = def;
//# sourceMappingURL=thenElse.js.map

/***/ }),

/***/ 8484:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.validateUnion = exports.validateArray = exports.usePattern = exports.callValidateCode = exports.schemaProperties = exports.allSchemaProperties = exports.noPropertyInData = exports.propertyInData = exports.isOwnProperty = exports.hasPropFunc = exports.reportMissingProp = exports.checkMissingProp = exports.checkReportMissingProp = void 0;
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const names_1 = __nccwpck_require__(630);
const util_2 = __nccwpck_require__(4464);
function checkReportMissingProp(cxt, prop) {
    const { gen, data, it } = cxt;
    gen.if(noPropertyInData(gen, data, prop, it.opts.ownProperties), () => {
        cxt.setParams({ missingProperty: (0, codegen_1._) `${prop}` }, true);
        cxt.error();
    });
}
exports.checkReportMissingProp = checkReportMissingProp;
function checkMissingProp({ gen, data, it: { opts } }, properties, missing) {
    return (0, codegen_1.or)(...properties.map((prop) => (0, codegen_1.and)(noPropertyInData(gen, data, prop, opts.ownProperties), (0, codegen_1._) `${missing} = ${prop}`)));
}
exports.checkMissingProp = checkMissingProp;
function reportMissingProp(cxt, missing) {
    cxt.setParams({ missingProperty: missing }, true);
    cxt.error();
}
exports.reportMissingProp = reportMissingProp;
function hasPropFunc(gen) {
    return gen.scopeValue("func", {
        // eslint-disable-next-line @typescript-eslint/unbound-method
        ref: Object.prototype.hasOwnProperty,
        code: (0, codegen_1._) `Object.prototype.hasOwnProperty`,
    });
}
exports.hasPropFunc = hasPropFunc;
function isOwnProperty(gen, data, property) {
    return (0, codegen_1._) `${hasPropFunc(gen)}.call(${data}, ${property})`;
}
exports.isOwnProperty = isOwnProperty;
function propertyInData(gen, data, property, ownProperties) {
    const cond = (0, codegen_1._) `${data}${(0, codegen_1.getProperty)(property)} !== undefined`;
    return ownProperties ? (0, codegen_1._) `${cond} && ${isOwnProperty(gen, data, property)}` : cond;
}
exports.propertyInData = propertyInData;
function noPropertyInData(gen, data, property, ownProperties) {
    const cond = (0, codegen_1._) `${data}${(0, codegen_1.getProperty)(property)} === undefined`;
    return ownProperties ? (0, codegen_1.or)(cond, (0, codegen_1.not)(isOwnProperty(gen, data, property))) : cond;
}
exports.noPropertyInData = noPropertyInData;
function allSchemaProperties(schemaMap) {
    return schemaMap ? Object.keys(schemaMap).filter((p) => p !== "__proto__") : [];
}
exports.allSchemaProperties = allSchemaProperties;
function schemaProperties(it, schemaMap) {
    return allSchemaProperties(schemaMap).filter((p) => !(0, util_1.alwaysValidSchema)(it, schemaMap[p]));
}
exports.schemaProperties = schemaProperties;
function callValidateCode({ schemaCode, data, it: { gen, topSchemaRef, schemaPath, errorPath }, it }, func, context, passSchema) {
    const dataAndSchema = passSchema ? (0, codegen_1._) `${schemaCode}, ${data}, ${topSchemaRef}${schemaPath}` : data;
    const valCxt = [
        [names_1.default.instancePath, (0, codegen_1.strConcat)(names_1.default.instancePath, errorPath)],
        [names_1.default.parentData, it.parentData],
        [names_1.default.parentDataProperty, it.parentDataProperty],
        [names_1.default.rootData, names_1.default.rootData],
    ];
    if (it.opts.dynamicRef)
        valCxt.push([names_1.default.dynamicAnchors, names_1.default.dynamicAnchors]);
    const args = (0, codegen_1._) `${dataAndSchema}, ${gen.object(...valCxt)}`;
    return context !== codegen_1.nil ? (0, codegen_1._) `${func}.call(${context}, ${args})` : (0, codegen_1._) `${func}(${args})`;
}
exports.callValidateCode = callValidateCode;
const newRegExp = (0, codegen_1._) `new RegExp`;
function usePattern({ gen, it: { opts } }, pattern) {
    const u = opts.unicodeRegExp ? "u" : "";
    const { regExp } = opts.code;
    const rx = regExp(pattern, u);
    return gen.scopeValue("pattern", {
        key: rx.toString(),
        ref: rx,
        code: (0, codegen_1._) `${regExp.code === "new RegExp" ? newRegExp : (0, util_2.useFunc)(gen, regExp)}(${pattern}, ${u})`,
    });
}
exports.usePattern = usePattern;
function validateArray(cxt) {
    const { gen, data, keyword, it } = cxt;
    const valid = gen.name("valid");
    if (it.allErrors) {
        const validArr = gen.let("valid", true);
        validateItems(() => gen.assign(validArr, false));
        return validArr;
    }
    gen.var(valid, true);
    validateItems(() => gen.break());
    return valid;
    function validateItems(notValid) {
        const len = gen.const("len", (0, codegen_1._) `${data}.length`);
        gen.forRange("i", 0, len, (i) => {
            cxt.subschema({
                keyword,
                dataProp: i,
                dataPropType: util_1.Type.Num,
            }, valid);
            gen.if((0, codegen_1.not)(valid), notValid);
        });
    }
}
exports.validateArray = validateArray;
function validateUnion(cxt) {
    const { gen, schema, keyword, it } = cxt;
    /* istanbul ignore if */
    if (!Array.isArray(schema))
        throw new Error("ajv implementation error");
    const alwaysValid = schema.some((sch) => (0, util_1.alwaysValidSchema)(it, sch));
    if (alwaysValid && !it.opts.unevaluated)
        return;
    const valid = gen.let("valid", false);
    const schValid = gen.name("_valid");
    gen.block(() => schema.forEach((_sch, i) => {
        const schCxt = cxt.subschema({
            keyword,
            schemaProp: i,
            compositeRule: true,
        }, schValid);
        gen.assign(valid, (0, codegen_1._) `${valid} || ${schValid}`);
        const merged = cxt.mergeValidEvaluated(schCxt, schValid);
        // can short-circuit if `unevaluatedProperties/Items` not supported (opts.unevaluated !== true)
        // or if all properties and items were evaluated (it.props === true && it.items === true)
        if (!merged)
            gen.if((0, codegen_1.not)(valid));
    }));
    cxt.result(valid, () => cxt.reset(), () => cxt.error(true));
}
exports.validateUnion = validateUnion;
//# sourceMappingURL=code.js.map

/***/ }),

/***/ 9872:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const def = {
    keyword: "id",
    code() {
        throw new Error('NOT SUPPORTED: keyword "id", use "$id" for schema ID');
    },
};
exports["default"] = def;
//# sourceMappingURL=id.js.map

/***/ }),

/***/ 7397:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const id_1 = __nccwpck_require__(9872);
const ref_1 = __nccwpck_require__(2996);
const core = [
    "$schema",
    "$id",
    "$defs",
    "$vocabulary",
    { keyword: "$comment" },
    "definitions",
    id_1.default,
    ref_1.default,
];
exports["default"] = core;
//# sourceMappingURL=index.js.map

/***/ }),

/***/ 2996:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.callRef = exports.getValidate = void 0;
const ref_error_1 = __nccwpck_require__(3162);
const code_1 = __nccwpck_require__(8484);
const codegen_1 = __nccwpck_require__(1436);
const names_1 = __nccwpck_require__(630);
const compile_1 = __nccwpck_require__(2718);
const util_1 = __nccwpck_require__(4464);
const def = {
    keyword: "$ref",
    schemaType: "string",
    code(cxt) {
        const { gen, schema: $ref, it } = cxt;
        const { baseId, schemaEnv: env, validateName, opts, self } = it;
        const { root } = env;
        if (($ref === "#" || $ref === "#/") && baseId === root.baseId)
            return callRootRef();
        const schOrEnv = compile_1.resolveRef.call(self, root, baseId, $ref);
        if (schOrEnv === undefined)
            throw new ref_error_1.default(it.opts.uriResolver, baseId, $ref);
        if (schOrEnv instanceof compile_1.SchemaEnv)
            return callValidate(schOrEnv);
        return inlineRefSchema(schOrEnv);
        function callRootRef() {
            if (env === root)
                return callRef(cxt, validateName, env, env.$async);
            const rootName = gen.scopeValue("root", { ref: root });
            return callRef(cxt, (0, codegen_1._) `${rootName}.validate`, root, root.$async);
        }
        function callValidate(sch) {
            const v = getValidate(cxt, sch);
            callRef(cxt, v, sch, sch.$async);
        }
        function inlineRefSchema(sch) {
            const schName = gen.scopeValue("schema", opts.code.source === true ? { ref: sch, code: (0, codegen_1.stringify)(sch) } : { ref: sch });
            const valid = gen.name("valid");
            const schCxt = cxt.subschema({
                schema: sch,
                dataTypes: [],
                schemaPath: codegen_1.nil,
                topSchemaRef: schName,
                errSchemaPath: $ref,
            }, valid);
            cxt.mergeEvaluated(schCxt);
            cxt.ok(valid);
        }
    },
};
function getValidate(cxt, sch) {
    const { gen } = cxt;
    return sch.validate
        ? gen.scopeValue("validate", { ref: sch.validate })
        : (0, codegen_1._) `${gen.scopeValue("wrapper", { ref: sch })}.validate`;
}
exports.getValidate = getValidate;
function callRef(cxt, v, sch, $async) {
    const { gen, it } = cxt;
    const { allErrors, schemaEnv: env, opts } = it;
    const passCxt = opts.passContext ? names_1.default.this : codegen_1.nil;
    if ($async)
        callAsyncRef();
    else
        callSyncRef();
    function callAsyncRef() {
        if (!env.$async)
            throw new Error("async schema referenced by sync schema");
        const valid = gen.let("valid");
        gen.try(() => {
            gen.code((0, codegen_1._) `await ${(0, code_1.callValidateCode)(cxt, v, passCxt)}`);
            addEvaluatedFrom(v); // TODO will not work with async, it has to be returned with the result
            if (!allErrors)
                gen.assign(valid, true);
        }, (e) => {
            gen.if((0, codegen_1._) `!(${e} instanceof ${it.ValidationError})`, () => gen.throw(e));
            addErrorsFrom(e);
            if (!allErrors)
                gen.assign(valid, false);
        });
        cxt.ok(valid);
    }
    function callSyncRef() {
        cxt.result((0, code_1.callValidateCode)(cxt, v, passCxt), () => addEvaluatedFrom(v), () => addErrorsFrom(v));
    }
    function addErrorsFrom(source) {
        const errs = (0, codegen_1._) `${source}.errors`;
        gen.assign(names_1.default.vErrors, (0, codegen_1._) `${names_1.default.vErrors} === null ? ${errs} : ${names_1.default.vErrors}.concat(${errs})`); // TODO tagged
        gen.assign(names_1.default.errors, (0, codegen_1._) `${names_1.default.vErrors}.length`);
    }
    function addEvaluatedFrom(source) {
        var _a;
        if (!it.opts.unevaluated)
            return;
        const schEvaluated = (_a = sch === null || sch === void 0 ? void 0 : sch.validate) === null || _a === void 0 ? void 0 : _a.evaluated;
        // TODO refactor
        if (it.props !== true) {
            if (schEvaluated && !schEvaluated.dynamicProps) {
                if (schEvaluated.props !== undefined) {
                    it.props = util_1.mergeEvaluated.props(gen, schEvaluated.props, it.props);
                }
            }
            else {
                const props = gen.var("props", (0, codegen_1._) `${source}.evaluated.props`);
                it.props = util_1.mergeEvaluated.props(gen, props, it.props, codegen_1.Name);
            }
        }
        if (it.items !== true) {
            if (schEvaluated && !schEvaluated.dynamicItems) {
                if (schEvaluated.items !== undefined) {
                    it.items = util_1.mergeEvaluated.items(gen, schEvaluated.items, it.items);
                }
            }
            else {
                const items = gen.var("items", (0, codegen_1._) `${source}.evaluated.items`);
                it.items = util_1.mergeEvaluated.items(gen, items, it.items, codegen_1.Name);
            }
        }
    }
}
exports.callRef = callRef;
exports["default"] = def;
//# sourceMappingURL=ref.js.map

/***/ }),

/***/ 8886:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const types_1 = __nccwpck_require__(7115);
const compile_1 = __nccwpck_require__(2718);
const ref_error_1 = __nccwpck_require__(3162);
const util_1 = __nccwpck_require__(4464);
const error = {
    message: ({ params: { discrError, tagName } }) => discrError === types_1.DiscrError.Tag
        ? `tag "${tagName}" must be string`
        : `value of tag "${tagName}" must be in oneOf`,
    params: ({ params: { discrError, tag, tagName } }) => (0, codegen_1._) `{error: ${discrError}, tag: ${tagName}, tagValue: ${tag}}`,
};
const def = {
    keyword: "discriminator",
    type: "object",
    schemaType: "object",
    error,
    code(cxt) {
        const { gen, data, schema, parentSchema, it } = cxt;
        const { oneOf } = parentSchema;
        if (!it.opts.discriminator) {
            throw new Error("discriminator: requires discriminator option");
        }
        const tagName = schema.propertyName;
        if (typeof tagName != "string")
            throw new Error("discriminator: requires propertyName");
        if (schema.mapping)
            throw new Error("discriminator: mapping is not supported");
        if (!oneOf)
            throw new Error("discriminator: requires oneOf keyword");
        const valid = gen.let("valid", false);
        const tag = gen.const("tag", (0, codegen_1._) `${data}${(0, codegen_1.getProperty)(tagName)}`);
        gen.if((0, codegen_1._) `typeof ${tag} == "string"`, () => validateMapping(), () => cxt.error(false, { discrError: types_1.DiscrError.Tag, tag, tagName }));
        cxt.ok(valid);
        function validateMapping() {
            const mapping = getMapping();
            gen.if(false);
            for (const tagValue in mapping) {
                gen.elseIf((0, codegen_1._) `${tag} === ${tagValue}`);
                gen.assign(valid, applyTagSchema(mapping[tagValue]));
            }
            gen.else();
            cxt.error(false, { discrError: types_1.DiscrError.Mapping, tag, tagName });
            gen.endIf();
        }
        function applyTagSchema(schemaProp) {
            const _valid = gen.name("valid");
            const schCxt = cxt.subschema({ keyword: "oneOf", schemaProp }, _valid);
            cxt.mergeEvaluated(schCxt, codegen_1.Name);
            return _valid;
        }
        function getMapping() {
            var _a;
            const oneOfMapping = {};
            const topRequired = hasRequired(parentSchema);
            let tagRequired = true;
            for (let i = 0; i < oneOf.length; i++) {
                let sch = oneOf[i];
                if ((sch === null || sch === void 0 ? void 0 : sch.$ref) && !(0, util_1.schemaHasRulesButRef)(sch, it.self.RULES)) {
                    const ref = sch.$ref;
                    sch = compile_1.resolveRef.call(it.self, it.schemaEnv.root, it.baseId, ref);
                    if (sch instanceof compile_1.SchemaEnv)
                        sch = sch.schema;
                    if (sch === undefined)
                        throw new ref_error_1.default(it.opts.uriResolver, it.baseId, ref);
                }
                const propSch = (_a = sch === null || sch === void 0 ? void 0 : sch.properties) === null || _a === void 0 ? void 0 : _a[tagName];
                if (typeof propSch != "object") {
                    throw new Error(`discriminator: oneOf subschemas (or referenced schemas) must have "properties/${tagName}"`);
                }
                tagRequired = tagRequired && (topRequired || hasRequired(sch));
                addMappings(propSch, i);
            }
            if (!tagRequired)
                throw new Error(`discriminator: "${tagName}" must be required`);
            return oneOfMapping;
            function hasRequired({ required }) {
                return Array.isArray(required) && required.includes(tagName);
            }
            function addMappings(sch, i) {
                if (sch.const) {
                    addMapping(sch.const, i);
                }
                else if (sch.enum) {
                    for (const tagValue of sch.enum) {
                        addMapping(tagValue, i);
                    }
                }
                else {
                    throw new Error(`discriminator: "properties/${tagName}" must have "const" or "enum"`);
                }
            }
            function addMapping(tagValue, i) {
                if (typeof tagValue != "string" || tagValue in oneOfMapping) {
                    throw new Error(`discriminator: "${tagName}" values must be unique strings`);
                }
                oneOfMapping[tagValue] = i;
            }
        }
    },
};
exports["default"] = def;
//# sourceMappingURL=index.js.map

/***/ }),

/***/ 7115:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.DiscrError = void 0;
var DiscrError;
(function (DiscrError) {
    DiscrError["Tag"] = "tag";
    DiscrError["Mapping"] = "mapping";
})(DiscrError || (exports.DiscrError = DiscrError = {}));
//# sourceMappingURL=types.js.map

/***/ }),

/***/ 4298:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const core_1 = __nccwpck_require__(7397);
const validation_1 = __nccwpck_require__(5481);
const applicator_1 = __nccwpck_require__(8775);
const dynamic_1 = __nccwpck_require__(9923);
const next_1 = __nccwpck_require__(7844);
const unevaluated_1 = __nccwpck_require__(2010);
const format_1 = __nccwpck_require__(2601);
const metadata_1 = __nccwpck_require__(6620);
const draft2020Vocabularies = [
    dynamic_1.default,
    core_1.default,
    validation_1.default,
    (0, applicator_1.default)(true),
    format_1.default,
    metadata_1.metadataVocabulary,
    metadata_1.contentVocabulary,
    next_1.default,
    unevaluated_1.default,
];
exports["default"] = draft2020Vocabularies;
//# sourceMappingURL=draft2020.js.map

/***/ }),

/***/ 8639:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.dynamicAnchor = void 0;
const codegen_1 = __nccwpck_require__(1436);
const names_1 = __nccwpck_require__(630);
const compile_1 = __nccwpck_require__(2718);
const ref_1 = __nccwpck_require__(2996);
const def = {
    keyword: "$dynamicAnchor",
    schemaType: "string",
    code: (cxt) => dynamicAnchor(cxt, cxt.schema),
};
function dynamicAnchor(cxt, anchor) {
    const { gen, it } = cxt;
    it.schemaEnv.root.dynamicAnchors[anchor] = true;
    const v = (0, codegen_1._) `${names_1.default.dynamicAnchors}${(0, codegen_1.getProperty)(anchor)}`;
    const validate = it.errSchemaPath === "#" ? it.validateName : _getValidate(cxt);
    gen.if((0, codegen_1._) `!${v}`, () => gen.assign(v, validate));
}
exports.dynamicAnchor = dynamicAnchor;
function _getValidate(cxt) {
    const { schemaEnv, schema, self } = cxt.it;
    const { root, baseId, localRefs, meta } = schemaEnv.root;
    const { schemaId } = self.opts;
    const sch = new compile_1.SchemaEnv({ schema, schemaId, root, baseId, localRefs, meta });
    compile_1.compileSchema.call(self, sch);
    return (0, ref_1.getValidate)(cxt, sch);
}
exports["default"] = def;
//# sourceMappingURL=dynamicAnchor.js.map

/***/ }),

/***/ 5065:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.dynamicRef = void 0;
const codegen_1 = __nccwpck_require__(1436);
const names_1 = __nccwpck_require__(630);
const ref_1 = __nccwpck_require__(2996);
const def = {
    keyword: "$dynamicRef",
    schemaType: "string",
    code: (cxt) => dynamicRef(cxt, cxt.schema),
};
function dynamicRef(cxt, ref) {
    const { gen, keyword, it } = cxt;
    if (ref[0] !== "#")
        throw new Error(`"${keyword}" only supports hash fragment reference`);
    const anchor = ref.slice(1);
    if (it.allErrors) {
        _dynamicRef();
    }
    else {
        const valid = gen.let("valid", false);
        _dynamicRef(valid);
        cxt.ok(valid);
    }
    function _dynamicRef(valid) {
        // TODO the assumption here is that `recursiveRef: #` always points to the root
        // of the schema object, which is not correct, because there may be $id that
        // makes # point to it, and the target schema may not contain dynamic/recursiveAnchor.
        // Because of that 2 tests in recursiveRef.json fail.
        // This is a similar problem to #815 (`$id` doesn't alter resolution scope for `{ "$ref": "#" }`).
        // (This problem is not tested in JSON-Schema-Test-Suite)
        if (it.schemaEnv.root.dynamicAnchors[anchor]) {
            const v = gen.let("_v", (0, codegen_1._) `${names_1.default.dynamicAnchors}${(0, codegen_1.getProperty)(anchor)}`);
            gen.if(v, _callRef(v, valid), _callRef(it.validateName, valid));
        }
        else {
            _callRef(it.validateName, valid)();
        }
    }
    function _callRef(validate, valid) {
        return valid
            ? () => gen.block(() => {
                (0, ref_1.callRef)(cxt, validate);
                gen.let(valid, true);
            })
            : () => (0, ref_1.callRef)(cxt, validate);
    }
}
exports.dynamicRef = dynamicRef;
exports["default"] = def;
//# sourceMappingURL=dynamicRef.js.map

/***/ }),

/***/ 9923:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const dynamicAnchor_1 = __nccwpck_require__(8639);
const dynamicRef_1 = __nccwpck_require__(5065);
const recursiveAnchor_1 = __nccwpck_require__(9982);
const recursiveRef_1 = __nccwpck_require__(1794);
const dynamic = [dynamicAnchor_1.default, dynamicRef_1.default, recursiveAnchor_1.default, recursiveRef_1.default];
exports["default"] = dynamic;
//# sourceMappingURL=index.js.map

/***/ }),

/***/ 9982:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const dynamicAnchor_1 = __nccwpck_require__(8639);
const util_1 = __nccwpck_require__(4464);
const def = {
    keyword: "$recursiveAnchor",
    schemaType: "boolean",
    code(cxt) {
        if (cxt.schema)
            (0, dynamicAnchor_1.dynamicAnchor)(cxt, "");
        else
            (0, util_1.checkStrictMode)(cxt.it, "$recursiveAnchor: false is ignored");
    },
};
exports["default"] = def;
//# sourceMappingURL=recursiveAnchor.js.map

/***/ }),

/***/ 1794:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const dynamicRef_1 = __nccwpck_require__(5065);
const def = {
    keyword: "$recursiveRef",
    schemaType: "string",
    code: (cxt) => (0, dynamicRef_1.dynamicRef)(cxt, cxt.schema),
};
exports["default"] = def;
//# sourceMappingURL=recursiveRef.js.map

/***/ }),

/***/ 6402:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const error = {
    message: ({ schemaCode }) => (0, codegen_1.str) `must match format "${schemaCode}"`,
    params: ({ schemaCode }) => (0, codegen_1._) `{format: ${schemaCode}}`,
};
const def = {
    keyword: "format",
    type: ["number", "string"],
    schemaType: "string",
    $data: true,
    error,
    code(cxt, ruleType) {
        const { gen, data, $data, schema, schemaCode, it } = cxt;
        const { opts, errSchemaPath, schemaEnv, self } = it;
        if (!opts.validateFormats)
            return;
        if ($data)
            validate$DataFormat();
        else
            validateFormat();
        function validate$DataFormat() {
            const fmts = gen.scopeValue("formats", {
                ref: self.formats,
                code: opts.code.formats,
            });
            const fDef = gen.const("fDef", (0, codegen_1._) `${fmts}[${schemaCode}]`);
            const fType = gen.let("fType");
            const format = gen.let("format");
            // TODO simplify
            gen.if((0, codegen_1._) `typeof ${fDef} == "object" && !(${fDef} instanceof RegExp)`, () => gen.assign(fType, (0, codegen_1._) `${fDef}.type || "string"`).assign(format, (0, codegen_1._) `${fDef}.validate`), () => gen.assign(fType, (0, codegen_1._) `"string"`).assign(format, fDef));
            cxt.fail$data((0, codegen_1.or)(unknownFmt(), invalidFmt()));
            function unknownFmt() {
                if (opts.strictSchema === false)
                    return codegen_1.nil;
                return (0, codegen_1._) `${schemaCode} && !${format}`;
            }
            function invalidFmt() {
                const callFormat = schemaEnv.$async
                    ? (0, codegen_1._) `(${fDef}.async ? await ${format}(${data}) : ${format}(${data}))`
                    : (0, codegen_1._) `${format}(${data})`;
                const validData = (0, codegen_1._) `(typeof ${format} == "function" ? ${callFormat} : ${format}.test(${data}))`;
                return (0, codegen_1._) `${format} && ${format} !== true && ${fType} === ${ruleType} && !${validData}`;
            }
        }
        function validateFormat() {
            const formatDef = self.formats[schema];
            if (!formatDef) {
                unknownFormat();
                return;
            }
            if (formatDef === true)
                return;
            const [fmtType, format, fmtRef] = getFormat(formatDef);
            if (fmtType === ruleType)
                cxt.pass(validCondition());
            function unknownFormat() {
                if (opts.strictSchema === false) {
                    self.logger.warn(unknownMsg());
                    return;
                }
                throw new Error(unknownMsg());
                function unknownMsg() {
                    return `unknown format "${schema}" ignored in schema at path "${errSchemaPath}"`;
                }
            }
            function getFormat(fmtDef) {
                const code = fmtDef instanceof RegExp
                    ? (0, codegen_1.regexpCode)(fmtDef)
                    : opts.code.formats
                        ? (0, codegen_1._) `${opts.code.formats}${(0, codegen_1.getProperty)(schema)}`
                        : undefined;
                const fmt = gen.scopeValue("formats", { key: schema, ref: fmtDef, code });
                if (typeof fmtDef == "object" && !(fmtDef instanceof RegExp)) {
                    return [fmtDef.type || "string", fmtDef.validate, (0, codegen_1._) `${fmt}.validate`];
                }
                return ["string", fmtDef, fmt];
            }
            function validCondition() {
                if (typeof formatDef == "object" && !(formatDef instanceof RegExp) && formatDef.async) {
                    if (!schemaEnv.$async)
                        throw new Error("async format in sync schema");
                    return (0, codegen_1._) `await ${fmtRef}(${data})`;
                }
                return typeof format == "function" ? (0, codegen_1._) `${fmtRef}(${data})` : (0, codegen_1._) `${fmtRef}.test(${data})`;
            }
        }
    },
};
exports["default"] = def;
//# sourceMappingURL=format.js.map

/***/ }),

/***/ 2601:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const format_1 = __nccwpck_require__(6402);
const format = [format_1.default];
exports["default"] = format;
//# sourceMappingURL=index.js.map

/***/ }),

/***/ 6620:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.contentVocabulary = exports.metadataVocabulary = void 0;
exports.metadataVocabulary = [
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "examples",
];
exports.contentVocabulary = [
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
];
//# sourceMappingURL=metadata.js.map

/***/ }),

/***/ 7844:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const dependentRequired_1 = __nccwpck_require__(643);
const dependentSchemas_1 = __nccwpck_require__(3818);
const limitContains_1 = __nccwpck_require__(3907);
const next = [dependentRequired_1.default, dependentSchemas_1.default, limitContains_1.default];
exports["default"] = next;
//# sourceMappingURL=next.js.map

/***/ }),

/***/ 2010:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const unevaluatedProperties_1 = __nccwpck_require__(6855);
const unevaluatedItems_1 = __nccwpck_require__(4144);
const unevaluated = [unevaluatedProperties_1.default, unevaluatedItems_1.default];
exports["default"] = unevaluated;
//# sourceMappingURL=index.js.map

/***/ }),

/***/ 4144:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const error = {
    message: ({ params: { len } }) => (0, codegen_1.str) `must NOT have more than ${len} items`,
    params: ({ params: { len } }) => (0, codegen_1._) `{limit: ${len}}`,
};
const def = {
    keyword: "unevaluatedItems",
    type: "array",
    schemaType: ["boolean", "object"],
    error,
    code(cxt) {
        const { gen, schema, data, it } = cxt;
        const items = it.items || 0;
        if (items === true)
            return;
        const len = gen.const("len", (0, codegen_1._) `${data}.length`);
        if (schema === false) {
            cxt.setParams({ len: items });
            cxt.fail((0, codegen_1._) `${len} > ${items}`);
        }
        else if (typeof schema == "object" && !(0, util_1.alwaysValidSchema)(it, schema)) {
            const valid = gen.var("valid", (0, codegen_1._) `${len} <= ${items}`);
            gen.if((0, codegen_1.not)(valid), () => validateItems(valid, items));
            cxt.ok(valid);
        }
        it.items = true;
        function validateItems(valid, from) {
            gen.forRange("i", from, len, (i) => {
                cxt.subschema({ keyword: "unevaluatedItems", dataProp: i, dataPropType: util_1.Type.Num }, valid);
                if (!it.allErrors)
                    gen.if((0, codegen_1.not)(valid), () => gen.break());
            });
        }
    },
};
exports["default"] = def;
//# sourceMappingURL=unevaluatedItems.js.map

/***/ }),

/***/ 6855:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const names_1 = __nccwpck_require__(630);
const error = {
    message: "must NOT have unevaluated properties",
    params: ({ params }) => (0, codegen_1._) `{unevaluatedProperty: ${params.unevaluatedProperty}}`,
};
const def = {
    keyword: "unevaluatedProperties",
    type: "object",
    schemaType: ["boolean", "object"],
    trackErrors: true,
    error,
    code(cxt) {
        const { gen, schema, data, errsCount, it } = cxt;
        /* istanbul ignore if */
        if (!errsCount)
            throw new Error("ajv implementation error");
        const { allErrors, props } = it;
        if (props instanceof codegen_1.Name) {
            gen.if((0, codegen_1._) `${props} !== true`, () => gen.forIn("key", data, (key) => gen.if(unevaluatedDynamic(props, key), () => unevaluatedPropCode(key))));
        }
        else if (props !== true) {
            gen.forIn("key", data, (key) => props === undefined
                ? unevaluatedPropCode(key)
                : gen.if(unevaluatedStatic(props, key), () => unevaluatedPropCode(key)));
        }
        it.props = true;
        cxt.ok((0, codegen_1._) `${errsCount} === ${names_1.default.errors}`);
        function unevaluatedPropCode(key) {
            if (schema === false) {
                cxt.setParams({ unevaluatedProperty: key });
                cxt.error();
                if (!allErrors)
                    gen.break();
                return;
            }
            if (!(0, util_1.alwaysValidSchema)(it, schema)) {
                const valid = gen.name("valid");
                cxt.subschema({
                    keyword: "unevaluatedProperties",
                    dataProp: key,
                    dataPropType: util_1.Type.Str,
                }, valid);
                if (!allErrors)
                    gen.if((0, codegen_1.not)(valid), () => gen.break());
            }
        }
        function unevaluatedDynamic(evaluatedProps, key) {
            return (0, codegen_1._) `!${evaluatedProps} || !${evaluatedProps}[${key}]`;
        }
        function unevaluatedStatic(evaluatedProps, key) {
            const ps = [];
            for (const p in evaluatedProps) {
                if (evaluatedProps[p] === true)
                    ps.push((0, codegen_1._) `${key} !== ${p}`);
            }
            return (0, codegen_1.and)(...ps);
        }
    },
};
exports["default"] = def;
//# sourceMappingURL=unevaluatedProperties.js.map

/***/ }),

/***/ 8026:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const equal_1 = __nccwpck_require__(4951);
const error = {
    message: "must be equal to constant",
    params: ({ schemaCode }) => (0, codegen_1._) `{allowedValue: ${schemaCode}}`,
};
const def = {
    keyword: "const",
    $data: true,
    error,
    code(cxt) {
        const { gen, data, $data, schemaCode, schema } = cxt;
        if ($data || (schema && typeof schema == "object")) {
            cxt.fail$data((0, codegen_1._) `!${(0, util_1.useFunc)(gen, equal_1.default)}(${data}, ${schemaCode})`);
        }
        else {
            cxt.fail((0, codegen_1._) `${schema} !== ${data}`);
        }
    },
};
exports["default"] = def;
//# sourceMappingURL=const.js.map

/***/ }),

/***/ 643:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const dependencies_1 = __nccwpck_require__(5826);
const def = {
    keyword: "dependentRequired",
    type: "object",
    schemaType: "object",
    error: dependencies_1.error,
    code: (cxt) => (0, dependencies_1.validatePropertyDeps)(cxt),
};
exports["default"] = def;
//# sourceMappingURL=dependentRequired.js.map

/***/ }),

/***/ 3200:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const equal_1 = __nccwpck_require__(4951);
const error = {
    message: "must be equal to one of the allowed values",
    params: ({ schemaCode }) => (0, codegen_1._) `{allowedValues: ${schemaCode}}`,
};
const def = {
    keyword: "enum",
    schemaType: "array",
    $data: true,
    error,
    code(cxt) {
        const { gen, data, $data, schema, schemaCode, it } = cxt;
        if (!$data && schema.length === 0)
            throw new Error("enum must have non-empty array");
        const useLoop = schema.length >= it.opts.loopEnum;
        let eql;
        const getEql = () => (eql !== null && eql !== void 0 ? eql : (eql = (0, util_1.useFunc)(gen, equal_1.default)));
        let valid;
        if (useLoop || $data) {
            valid = gen.let("valid");
            cxt.block$data(valid, loopEnum);
        }
        else {
            /* istanbul ignore if */
            if (!Array.isArray(schema))
                throw new Error("ajv implementation error");
            const vSchema = gen.const("vSchema", schemaCode);
            valid = (0, codegen_1.or)(...schema.map((_x, i) => equalCode(vSchema, i)));
        }
        cxt.pass(valid);
        function loopEnum() {
            gen.assign(valid, false);
            gen.forOf("v", schemaCode, (v) => gen.if((0, codegen_1._) `${getEql()}(${data}, ${v})`, () => gen.assign(valid, true).break()));
        }
        function equalCode(vSchema, i) {
            const sch = schema[i];
            return typeof sch === "object" && sch !== null
                ? (0, codegen_1._) `${getEql()}(${data}, ${vSchema}[${i}])`
                : (0, codegen_1._) `${data} === ${sch}`;
        }
    },
};
exports["default"] = def;
//# sourceMappingURL=enum.js.map

/***/ }),

/***/ 5481:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const limitNumber_1 = __nccwpck_require__(3723);
const multipleOf_1 = __nccwpck_require__(8132);
const limitLength_1 = __nccwpck_require__(6962);
const pattern_1 = __nccwpck_require__(6023);
const limitProperties_1 = __nccwpck_require__(895);
const required_1 = __nccwpck_require__(4504);
const limitItems_1 = __nccwpck_require__(6296);
const uniqueItems_1 = __nccwpck_require__(5132);
const const_1 = __nccwpck_require__(8026);
const enum_1 = __nccwpck_require__(3200);
const validation = [
    // number
    limitNumber_1.default,
    multipleOf_1.default,
    // string
    limitLength_1.default,
    pattern_1.default,
    // object
    limitProperties_1.default,
    required_1.default,
    // array
    limitItems_1.default,
    uniqueItems_1.default,
    // any
    { keyword: "type", schemaType: ["string", "array"] },
    { keyword: "nullable", schemaType: "boolean" },
    const_1.default,
    enum_1.default,
];
exports["default"] = validation;
//# sourceMappingURL=index.js.map

/***/ }),

/***/ 3907:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const util_1 = __nccwpck_require__(4464);
const def = {
    keyword: ["maxContains", "minContains"],
    type: "array",
    schemaType: "number",
    code({ keyword, parentSchema, it }) {
        if (parentSchema.contains === undefined) {
            (0, util_1.checkStrictMode)(it, `"${keyword}" without "contains" is ignored`);
        }
    },
};
exports["default"] = def;
//# sourceMappingURL=limitContains.js.map

/***/ }),

/***/ 6296:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const error = {
    message({ keyword, schemaCode }) {
        const comp = keyword === "maxItems" ? "more" : "fewer";
        return (0, codegen_1.str) `must NOT have ${comp} than ${schemaCode} items`;
    },
    params: ({ schemaCode }) => (0, codegen_1._) `{limit: ${schemaCode}}`,
};
const def = {
    keyword: ["maxItems", "minItems"],
    type: "array",
    schemaType: "number",
    $data: true,
    error,
    code(cxt) {
        const { keyword, data, schemaCode } = cxt;
        const op = keyword === "maxItems" ? codegen_1.operators.GT : codegen_1.operators.LT;
        cxt.fail$data((0, codegen_1._) `${data}.length ${op} ${schemaCode}`);
    },
};
exports["default"] = def;
//# sourceMappingURL=limitItems.js.map

/***/ }),

/***/ 6962:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const ucs2length_1 = __nccwpck_require__(6214);
const error = {
    message({ keyword, schemaCode }) {
        const comp = keyword === "maxLength" ? "more" : "fewer";
        return (0, codegen_1.str) `must NOT have ${comp} than ${schemaCode} characters`;
    },
    params: ({ schemaCode }) => (0, codegen_1._) `{limit: ${schemaCode}}`,
};
const def = {
    keyword: ["maxLength", "minLength"],
    type: "string",
    schemaType: "number",
    $data: true,
    error,
    code(cxt) {
        const { keyword, data, schemaCode, it } = cxt;
        const op = keyword === "maxLength" ? codegen_1.operators.GT : codegen_1.operators.LT;
        const len = it.opts.unicode === false ? (0, codegen_1._) `${data}.length` : (0, codegen_1._) `${(0, util_1.useFunc)(cxt.gen, ucs2length_1.default)}(${data})`;
        cxt.fail$data((0, codegen_1._) `${len} ${op} ${schemaCode}`);
    },
};
exports["default"] = def;
//# sourceMappingURL=limitLength.js.map

/***/ }),

/***/ 3723:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const ops = codegen_1.operators;
const KWDs = {
    maximum: { okStr: "<=", ok: ops.LTE, fail: ops.GT },
    minimum: { okStr: ">=", ok: ops.GTE, fail: ops.LT },
    exclusiveMaximum: { okStr: "<", ok: ops.LT, fail: ops.GTE },
    exclusiveMinimum: { okStr: ">", ok: ops.GT, fail: ops.LTE },
};
const error = {
    message: ({ keyword, schemaCode }) => (0, codegen_1.str) `must be ${KWDs[keyword].okStr} ${schemaCode}`,
    params: ({ keyword, schemaCode }) => (0, codegen_1._) `{comparison: ${KWDs[keyword].okStr}, limit: ${schemaCode}}`,
};
const def = {
    keyword: Object.keys(KWDs),
    type: "number",
    schemaType: "number",
    $data: true,
    error,
    code(cxt) {
        const { keyword, data, schemaCode } = cxt;
        cxt.fail$data((0, codegen_1._) `${data} ${KWDs[keyword].fail} ${schemaCode} || isNaN(${data})`);
    },
};
exports["default"] = def;
//# sourceMappingURL=limitNumber.js.map

/***/ }),

/***/ 895:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const error = {
    message({ keyword, schemaCode }) {
        const comp = keyword === "maxProperties" ? "more" : "fewer";
        return (0, codegen_1.str) `must NOT have ${comp} than ${schemaCode} properties`;
    },
    params: ({ schemaCode }) => (0, codegen_1._) `{limit: ${schemaCode}}`,
};
const def = {
    keyword: ["maxProperties", "minProperties"],
    type: "object",
    schemaType: "number",
    $data: true,
    error,
    code(cxt) {
        const { keyword, data, schemaCode } = cxt;
        const op = keyword === "maxProperties" ? codegen_1.operators.GT : codegen_1.operators.LT;
        cxt.fail$data((0, codegen_1._) `Object.keys(${data}).length ${op} ${schemaCode}`);
    },
};
exports["default"] = def;
//# sourceMappingURL=limitProperties.js.map

/***/ }),

/***/ 8132:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const codegen_1 = __nccwpck_require__(1436);
const error = {
    message: ({ schemaCode }) => (0, codegen_1.str) `must be multiple of ${schemaCode}`,
    params: ({ schemaCode }) => (0, codegen_1._) `{multipleOf: ${schemaCode}}`,
};
const def = {
    keyword: "multipleOf",
    type: "number",
    schemaType: "number",
    $data: true,
    error,
    code(cxt) {
        const { gen, data, schemaCode, it } = cxt;
        // const bdt = bad$DataType(schemaCode, <string>def.schemaType, $data)
        const prec = it.opts.multipleOfPrecision;
        const res = gen.let("res");
        const invalid = prec
            ? (0, codegen_1._) `Math.abs(Math.round(${res}) - ${res}) > 1e-${prec}`
            : (0, codegen_1._) `${res} !== parseInt(${res})`;
        cxt.fail$data((0, codegen_1._) `(${schemaCode} === 0 || (${res} = ${data}/${schemaCode}, ${invalid}))`);
    },
};
exports["default"] = def;
//# sourceMappingURL=multipleOf.js.map

/***/ }),

/***/ 6023:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const code_1 = __nccwpck_require__(8484);
const util_1 = __nccwpck_require__(4464);
const codegen_1 = __nccwpck_require__(1436);
const error = {
    message: ({ schemaCode }) => (0, codegen_1.str) `must match pattern "${schemaCode}"`,
    params: ({ schemaCode }) => (0, codegen_1._) `{pattern: ${schemaCode}}`,
};
const def = {
    keyword: "pattern",
    type: "string",
    schemaType: "string",
    $data: true,
    error,
    code(cxt) {
        const { gen, data, $data, schema, schemaCode, it } = cxt;
        const u = it.opts.unicodeRegExp ? "u" : "";
        if ($data) {
            const { regExp } = it.opts.code;
            const regExpCode = regExp.code === "new RegExp" ? (0, codegen_1._) `new RegExp` : (0, util_1.useFunc)(gen, regExp);
            const valid = gen.let("valid");
            gen.try(() => gen.assign(valid, (0, codegen_1._) `${regExpCode}(${schemaCode}, ${u}).test(${data})`), () => gen.assign(valid, false));
            cxt.fail$data((0, codegen_1._) `!${valid}`);
        }
        else {
            const regExp = (0, code_1.usePattern)(cxt, schema);
            cxt.fail$data((0, codegen_1._) `!${regExp}.test(${data})`);
        }
    },
};
exports["default"] = def;
//# sourceMappingURL=pattern.js.map

/***/ }),

/***/ 4504:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const code_1 = __nccwpck_require__(8484);
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const error = {
    message: ({ params: { missingProperty } }) => (0, codegen_1.str) `must have required property '${missingProperty}'`,
    params: ({ params: { missingProperty } }) => (0, codegen_1._) `{missingProperty: ${missingProperty}}`,
};
const def = {
    keyword: "required",
    type: "object",
    schemaType: "array",
    $data: true,
    error,
    code(cxt) {
        const { gen, schema, schemaCode, data, $data, it } = cxt;
        const { opts } = it;
        if (!$data && schema.length === 0)
            return;
        const useLoop = schema.length >= opts.loopRequired;
        if (it.allErrors)
            allErrorsMode();
        else
            exitOnErrorMode();
        if (opts.strictRequired) {
            const props = cxt.parentSchema.properties;
            const { definedProperties } = cxt.it;
            for (const requiredKey of schema) {
                if ((props === null || props === void 0 ? void 0 : props[requiredKey]) === undefined && !definedProperties.has(requiredKey)) {
                    const schemaPath = it.schemaEnv.baseId + it.errSchemaPath;
                    const msg = `required property "${requiredKey}" is not defined at "${schemaPath}" (strictRequired)`;
                    (0, util_1.checkStrictMode)(it, msg, it.opts.strictRequired);
                }
            }
        }
        function allErrorsMode() {
            if (useLoop || $data) {
                cxt.block$data(codegen_1.nil, loopAllRequired);
            }
            else {
                for (const prop of schema) {
                    (0, code_1.checkReportMissingProp)(cxt, prop);
                }
            }
        }
        function exitOnErrorMode() {
            const missing = gen.let("missing");
            if (useLoop || $data) {
                const valid = gen.let("valid", true);
                cxt.block$data(valid, () => loopUntilMissing(missing, valid));
                cxt.ok(valid);
            }
            else {
                gen.if((0, code_1.checkMissingProp)(cxt, schema, missing));
                (0, code_1.reportMissingProp)(cxt, missing);
                gen.else();
            }
        }
        function loopAllRequired() {
            gen.forOf("prop", schemaCode, (prop) => {
                cxt.setParams({ missingProperty: prop });
                gen.if((0, code_1.noPropertyInData)(gen, data, prop, opts.ownProperties), () => cxt.error());
            });
        }
        function loopUntilMissing(missing, valid) {
            cxt.setParams({ missingProperty: missing });
            gen.forOf(missing, schemaCode, () => {
                gen.assign(valid, (0, code_1.propertyInData)(gen, data, missing, opts.ownProperties));
                gen.if((0, codegen_1.not)(valid), () => {
                    cxt.error();
                    gen.break();
                });
            }, codegen_1.nil);
        }
    },
};
exports["default"] = def;
//# sourceMappingURL=required.js.map

/***/ }),

/***/ 5132:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
const dataType_1 = __nccwpck_require__(6685);
const codegen_1 = __nccwpck_require__(1436);
const util_1 = __nccwpck_require__(4464);
const equal_1 = __nccwpck_require__(4951);
const error = {
    message: ({ params: { i, j } }) => (0, codegen_1.str) `must NOT have duplicate items (items ## ${j} and ${i} are identical)`,
    params: ({ params: { i, j } }) => (0, codegen_1._) `{i: ${i}, j: ${j}}`,
};
const def = {
    keyword: "uniqueItems",
    type: "array",
    schemaType: "boolean",
    $data: true,
    error,
    code(cxt) {
        const { gen, data, $data, schema, parentSchema, schemaCode, it } = cxt;
        if (!$data && !schema)
            return;
        const valid = gen.let("valid");
        const itemTypes = parentSchema.items ? (0, dataType_1.getSchemaTypes)(parentSchema.items) : [];
        cxt.block$data(valid, validateUniqueItems, (0, codegen_1._) `${schemaCode} === false`);
        cxt.ok(valid);
        function validateUniqueItems() {
            const i = gen.let("i", (0, codegen_1._) `${data}.length`);
            const j = gen.let("j");
            cxt.setParams({ i, j });
            gen.assign(valid, true);
            gen.if((0, codegen_1._) `${i} > 1`, () => (canOptimize() ? loopN : loopN2)(i, j));
        }
        function canOptimize() {
            return itemTypes.length > 0 && !itemTypes.some((t) => t === "object" || t === "array");
        }
        function loopN(i, j) {
            const item = gen.name("item");
            const wrongType = (0, dataType_1.checkDataTypes)(itemTypes, item, it.opts.strictNumbers, dataType_1.DataType.Wrong);
            const indices = gen.const("indices", (0, codegen_1._) `{}`);
            gen.for((0, codegen_1._) `;${i}--;`, () => {
                gen.let(item, (0, codegen_1._) `${data}[${i}]`);
                gen.if(wrongType, (0, codegen_1._) `continue`);
                if (itemTypes.length > 1)
                    gen.if((0, codegen_1._) `typeof ${item} == "string"`, (0, codegen_1._) `${item} += "_"`);
                gen
                    .if((0, codegen_1._) `typeof ${indices}[${item}] == "number"`, () => {
                    gen.assign(j, (0, codegen_1._) `${indices}[${item}]`);
                    cxt.error();
                    gen.assign(valid, false).break();
                })
                    .code((0, codegen_1._) `${indices}[${item}] = ${i}`);
            });
        }
        function loopN2(i, j) {
            const eql = (0, util_1.useFunc)(gen, equal_1.default);
            const outer = gen.name("outer");
            gen.label(outer).for((0, codegen_1._) `;${i}--;`, () => gen.for((0, codegen_1._) `${j} = ${i}; ${j}--;`, () => gen.if((0, codegen_1._) `${eql}(${data}[${i}], ${data}[${j}])`, () => {
                cxt.error();
                gen.assign(valid, false).break(outer);
            })));
        }
    },
};
exports["default"] = def;
//# sourceMappingURL=uniqueItems.js.map

/***/ }),

/***/ 3430:
/***/ ((module) => {



// do not edit .js files directly - edit src/index.jst



module.exports = function equal(a, b) {
  if (a === b) return true;

  if (a && b && typeof a == 'object' && typeof b == 'object') {
    if (a.constructor !== b.constructor) return false;

    var length, i, keys;
    if (Array.isArray(a)) {
      length = a.length;
      if (length != b.length) return false;
      for (i = length; i-- !== 0;)
        if (!equal(a[i], b[i])) return false;
      return true;
    }



    if (a.constructor === RegExp) return a.source === b.source && a.flags === b.flags;
    if (a.valueOf !== Object.prototype.valueOf) return a.valueOf() === b.valueOf();
    if (a.toString !== Object.prototype.toString) return a.toString() === b.toString();

    keys = Object.keys(a);
    length = keys.length;
    if (length !== Object.keys(b).length) return false;

    for (i = length; i-- !== 0;)
      if (!Object.prototype.hasOwnProperty.call(b, keys[i])) return false;

    for (i = length; i-- !== 0;) {
      var key = keys[i];

      if (!equal(a[key], b[key])) return false;
    }

    return true;
  }

  // true if both NaN, false otherwise
  return a!==a && b!==b;
};


/***/ }),

/***/ 1167:
/***/ ((module) => {



var traverse = module.exports = function (schema, opts, cb) {
  // Legacy support for v0.3.1 and earlier.
  if (typeof opts == 'function') {
    cb = opts;
    opts = {};
  }

  cb = opts.cb || cb;
  var pre = (typeof cb == 'function') ? cb : cb.pre || function() {};
  var post = cb.post || function() {};

  _traverse(opts, pre, post, schema, '', schema);
};


traverse.keywords = {
  additionalItems: true,
  items: true,
  contains: true,
  additionalProperties: true,
  propertyNames: true,
  not: true,
  if: true,
  then: true,
  else: true
};

traverse.arrayKeywords = {
  items: true,
  allOf: true,
  anyOf: true,
  oneOf: true
};

traverse.propsKeywords = {
  $defs: true,
  definitions: true,
  properties: true,
  patternProperties: true,
  dependencies: true
};

traverse.skipKeywords = {
  default: true,
  enum: true,
  const: true,
  required: true,
  maximum: true,
  minimum: true,
  exclusiveMaximum: true,
  exclusiveMinimum: true,
  multipleOf: true,
  maxLength: true,
  minLength: true,
  pattern: true,
  format: true,
  maxItems: true,
  minItems: true,
  uniqueItems: true,
  maxProperties: true,
  minProperties: true
};


function _traverse(opts, pre, post, schema, jsonPtr, rootSchema, parentJsonPtr, parentKeyword, parentSchema, keyIndex) {
  if (schema && typeof schema == 'object' && !Array.isArray(schema)) {
    pre(schema, jsonPtr, rootSchema, parentJsonPtr, parentKeyword, parentSchema, keyIndex);
    for (var key in schema) {
      var sch = schema[key];
      if (Array.isArray(sch)) {
        if (key in traverse.arrayKeywords) {
          for (var i=0; i<sch.length; i++)
            _traverse(opts, pre, post, sch[i], jsonPtr + '/' + key + '/' + i, rootSchema, jsonPtr, key, schema, i);
        }
      } else if (key in traverse.propsKeywords) {
        if (sch && typeof sch == 'object') {
          for (var prop in sch)
            _traverse(opts, pre, post, sch[prop], jsonPtr + '/' + key + '/' + escapeJsonPtr(prop), rootSchema, jsonPtr, key, schema, prop);
        }
      } else if (key in traverse.keywords || (opts.allKeys && !(key in traverse.skipKeywords))) {
        _traverse(opts, pre, post, sch, jsonPtr + '/' + key, rootSchema, jsonPtr, key, schema);
      }
    }
    post(schema, jsonPtr, rootSchema, parentJsonPtr, parentKeyword, parentSchema, keyIndex);
  }
}


function escapeJsonPtr(str) {
  return str.replace(/~/g, '~0').replace(/\//g, '~1');
}


/***/ }),

/***/ 4807:
/***/ ((module, exports, __nccwpck_require__) => {

(function (factory) {
    if ( true && typeof module.exports === "object") {
        var v = factory(__WEBPACK_EXTERNAL_createRequire(import.meta.url), exports);
        if (v !== undefined) module.exports = v;
    }
    else if (typeof define === "function" && define.amd) {
        define(["require", "exports", "./format", "./parser"], factory);
    }
})(function () {
    /*---------------------------------------------------------------------------------------------
     *  Copyright (c) Microsoft Corporation. All rights reserved.
     *  Licensed under the MIT License. See License.txt in the project root for license information.
     *--------------------------------------------------------------------------------------------*/
    'use strict';
    Object.defineProperty(exports, "__esModule", ({ value: true }));
    exports.isWS = exports.applyEdit = exports.setProperty = exports.removeProperty = void 0;
    const format_1 = __nccwpck_require__(6612);
    const parser_1 = __nccwpck_require__(5152);
    function removeProperty(text, path, options) {
        return setProperty(text, path, void 0, options);
    }
    exports.removeProperty = removeProperty;
    function setProperty(text, originalPath, value, options) {
        const path = originalPath.slice();
        const errors = [];
        const root = (0, parser_1.parseTree)(text, errors);
        let parent = void 0;
        let lastSegment = void 0;
        while (path.length > 0) {
            lastSegment = path.pop();
            parent = (0, parser_1.findNodeAtLocation)(root, path);
            if (parent === void 0 && value !== void 0) {
                if (typeof lastSegment === 'string') {
                    value = { [lastSegment]: value };
                }
                else {
                    value = [value];
                }
            }
            else {
                break;
            }
        }
        if (!parent) {
            // empty document
            if (value === void 0) { // delete
                throw new Error('Can not delete in empty document');
            }
            return withFormatting(text, { offset: root ? root.offset : 0, length: root ? root.length : 0, content: JSON.stringify(value) }, options);
        }
        else if (parent.type === 'object' && typeof lastSegment === 'string' && Array.isArray(parent.children)) {
            const existing = (0, parser_1.findNodeAtLocation)(parent, [lastSegment]);
            if (existing !== void 0) {
                if (value === void 0) { // delete
                    if (!existing.parent) {
                        throw new Error('Malformed AST');
                    }
                    const propertyIndex = parent.children.indexOf(existing.parent);
                    let removeBegin;
                    let removeEnd = existing.parent.offset + existing.parent.length;
                    if (propertyIndex > 0) {
                        // remove the comma of the previous node
                        let previous = parent.children[propertyIndex - 1];
                        removeBegin = previous.offset + previous.length;
                    }
                    else {
                        removeBegin = parent.offset + 1;
                        if (parent.children.length > 1) {
                            // remove the comma of the next node
                            let next = parent.children[1];
                            removeEnd = next.offset;
                        }
                    }
                    return withFormatting(text, { offset: removeBegin, length: removeEnd - removeBegin, content: '' }, options);
                }
                else {
                    // set value of existing property
                    return withFormatting(text, { offset: existing.offset, length: existing.length, content: JSON.stringify(value) }, options);
                }
            }
            else {
                if (value === void 0) { // delete
                    return []; // property does not exist, nothing to do
                }
                const newProperty = `${JSON.stringify(lastSegment)}: ${JSON.stringify(value)}`;
                const index = options.getInsertionIndex ? options.getInsertionIndex(parent.children.map(p => p.children[0].value)) : parent.children.length;
                let edit;
                if (index > 0) {
                    let previous = parent.children[index - 1];
                    edit = { offset: previous.offset + previous.length, length: 0, content: ',' + newProperty };
                }
                else if (parent.children.length === 0) {
                    edit = { offset: parent.offset + 1, length: 0, content: newProperty };
                }
                else {
                    edit = { offset: parent.offset + 1, length: 0, content: newProperty + ',' };
                }
                return withFormatting(text, edit, options);
            }
        }
        else if (parent.type === 'array' && typeof lastSegment === 'number' && Array.isArray(parent.children)) {
            const insertIndex = lastSegment;
            if (insertIndex === -1) {
                // Insert
                const newProperty = `${JSON.stringify(value)}`;
                let edit;
                if (parent.children.length === 0) {
                    edit = { offset: parent.offset + 1, length: 0, content: newProperty };
                }
                else {
                    const previous = parent.children[parent.children.length - 1];
                    edit = { offset: previous.offset + previous.length, length: 0, content: ',' + newProperty };
                }
                return withFormatting(text, edit, options);
            }
            else if (value === void 0 && parent.children.length >= 0) {
                // Removal
                const removalIndex = lastSegment;
                const toRemove = parent.children[removalIndex];
                let edit;
                if (parent.children.length === 1) {
                    // only item
                    edit = { offset: parent.offset + 1, length: parent.length - 2, content: '' };
                }
                else if (parent.children.length - 1 === removalIndex) {
                    // last item
                    let previous = parent.children[removalIndex - 1];
                    let offset = previous.offset + previous.length;
                    let parentEndOffset = parent.offset + parent.length;
                    edit = { offset, length: parentEndOffset - 2 - offset, content: '' };
                }
                else {
                    edit = { offset: toRemove.offset, length: parent.children[removalIndex + 1].offset - toRemove.offset, content: '' };
                }
                return withFormatting(text, edit, options);
            }
            else if (value !== void 0) {
                let edit;
                const newProperty = `${JSON.stringify(value)}`;
                if (!options.isArrayInsertion && parent.children.length > lastSegment) {
                    const toModify = parent.children[lastSegment];
                    edit = { offset: toModify.offset, length: toModify.length, content: newProperty };
                }
                else if (parent.children.length === 0 || lastSegment === 0) {
                    edit = { offset: parent.offset + 1, length: 0, content: parent.children.length === 0 ? newProperty : newProperty + ',' };
                }
                else {
                    const index = lastSegment > parent.children.length ? parent.children.length : lastSegment;
                    const previous = parent.children[index - 1];
                    edit = { offset: previous.offset + previous.length, length: 0, content: ',' + newProperty };
                }
                return withFormatting(text, edit, options);
            }
            else {
                throw new Error(`Can not ${value === void 0 ? 'remove' : (options.isArrayInsertion ? 'insert' : 'modify')} Array index ${insertIndex} as length is not sufficient`);
            }
        }
        else {
            throw new Error(`Can not add ${typeof lastSegment !== 'number' ? 'index' : 'property'} to parent of type ${parent.type}`);
        }
    }
    exports.setProperty = setProperty;
    function withFormatting(text, edit, options) {
        if (!options.formattingOptions) {
            return [edit];
        }
        // apply the edit
        let newText = applyEdit(text, edit);
        // format the new text
        let begin = edit.offset;
        let end = edit.offset + edit.content.length;
        if (edit.length === 0 || edit.content.length === 0) { // insert or remove
            while (begin > 0 && !(0, format_1.isEOL)(newText, begin - 1)) {
                begin--;
            }
            while (end < newText.length && !(0, format_1.isEOL)(newText, end)) {
                end++;
            }
        }
        const edits = (0, format_1.format)(newText, { offset: begin, length: end - begin }, { ...options.formattingOptions, keepLines: false });
        // apply the formatting edits and track the begin and end offsets of the changes
        for (let i = edits.length - 1; i >= 0; i--) {
            const edit = edits[i];
            newText = applyEdit(newText, edit);
            begin = Math.min(begin, edit.offset);
            end = Math.max(end, edit.offset + edit.length);
            end += edit.content.length - edit.length;
        }
        // create a single edit with all changes
        const editLength = text.length - (newText.length - end) - begin;
        return [{ offset: begin, length: editLength, content: newText.substring(begin, end) }];
    }
    function applyEdit(text, edit) {
        return text.substring(0, edit.offset) + edit.content + text.substring(edit.offset + edit.length);
    }
    exports.applyEdit = applyEdit;
    function isWS(text, offset) {
        return '\r\n \t'.indexOf(text.charAt(offset)) !== -1;
    }
    exports.isWS = isWS;
});


/***/ }),

/***/ 6612:
/***/ ((module, exports, __nccwpck_require__) => {

(function (factory) {
    if ( true && typeof module.exports === "object") {
        var v = factory(__WEBPACK_EXTERNAL_createRequire(import.meta.url), exports);
        if (v !== undefined) module.exports = v;
    }
    else if (typeof define === "function" && define.amd) {
        define(["require", "exports", "./scanner", "./string-intern"], factory);
    }
})(function () {
    /*---------------------------------------------------------------------------------------------
     *  Copyright (c) Microsoft Corporation. All rights reserved.
     *  Licensed under the MIT License. See License.txt in the project root for license information.
     *--------------------------------------------------------------------------------------------*/
    'use strict';
    Object.defineProperty(exports, "__esModule", ({ value: true }));
    exports.isEOL = exports.format = void 0;
    const scanner_1 = __nccwpck_require__(8525);
    const string_intern_1 = __nccwpck_require__(4579);
    function format(documentText, range, options) {
        let initialIndentLevel;
        let formatText;
        let formatTextStart;
        let rangeStart;
        let rangeEnd;
        if (range) {
            rangeStart = range.offset;
            rangeEnd = rangeStart + range.length;
            formatTextStart = rangeStart;
            while (formatTextStart > 0 && !isEOL(documentText, formatTextStart - 1)) {
                formatTextStart--;
            }
            let endOffset = rangeEnd;
            while (endOffset < documentText.length && !isEOL(documentText, endOffset)) {
                endOffset++;
            }
            formatText = documentText.substring(formatTextStart, endOffset);
            initialIndentLevel = computeIndentLevel(formatText, options);
        }
        else {
            formatText = documentText;
            initialIndentLevel = 0;
            formatTextStart = 0;
            rangeStart = 0;
            rangeEnd = documentText.length;
        }
        const eol = getEOL(options, documentText);
        const eolFastPathSupported = string_intern_1.supportedEols.includes(eol);
        let numberLineBreaks = 0;
        let indentLevel = 0;
        let indentValue;
        if (options.insertSpaces) {
            indentValue = string_intern_1.cachedSpaces[options.tabSize || 4] ?? repeat(string_intern_1.cachedSpaces[1], options.tabSize || 4);
        }
        else {
            indentValue = '\t';
        }
        const indentType = indentValue === '\t' ? '\t' : ' ';
        let scanner = (0, scanner_1.createScanner)(formatText, false);
        let hasError = false;
        function newLinesAndIndent() {
            if (numberLineBreaks > 1) {
                return repeat(eol, numberLineBreaks) + repeat(indentValue, initialIndentLevel + indentLevel);
            }
            const amountOfSpaces = indentValue.length * (initialIndentLevel + indentLevel);
            if (!eolFastPathSupported || amountOfSpaces > string_intern_1.cachedBreakLinesWithSpaces[indentType][eol].length) {
                return eol + repeat(indentValue, initialIndentLevel + indentLevel);
            }
            if (amountOfSpaces <= 0) {
                return eol;
            }
            return string_intern_1.cachedBreakLinesWithSpaces[indentType][eol][amountOfSpaces];
        }
        function scanNext() {
            let token = scanner.scan();
            numberLineBreaks = 0;
            while (token === 15 /* SyntaxKind.Trivia */ || token === 14 /* SyntaxKind.LineBreakTrivia */) {
                if (token === 14 /* SyntaxKind.LineBreakTrivia */ && options.keepLines) {
                    numberLineBreaks += 1;
                }
                else if (token === 14 /* SyntaxKind.LineBreakTrivia */) {
                    numberLineBreaks = 1;
                }
                token = scanner.scan();
            }
            hasError = token === 16 /* SyntaxKind.Unknown */ || scanner.getTokenError() !== 0 /* ScanError.None */;
            return token;
        }
        const editOperations = [];
        function addEdit(text, startOffset, endOffset) {
            if (!hasError && (!range || (startOffset < rangeEnd && endOffset > rangeStart)) && documentText.substring(startOffset, endOffset) !== text) {
                editOperations.push({ offset: startOffset, length: endOffset - startOffset, content: text });
            }
        }
        let firstToken = scanNext();
        if (options.keepLines && numberLineBreaks > 0) {
            addEdit(repeat(eol, numberLineBreaks), 0, 0);
        }
        if (firstToken !== 17 /* SyntaxKind.EOF */) {
            let firstTokenStart = scanner.getTokenOffset() + formatTextStart;
            let initialIndent = (indentValue.length * initialIndentLevel < 20) && options.insertSpaces
                ? string_intern_1.cachedSpaces[indentValue.length * initialIndentLevel]
                : repeat(indentValue, initialIndentLevel);
            addEdit(initialIndent, formatTextStart, firstTokenStart);
        }
        while (firstToken !== 17 /* SyntaxKind.EOF */) {
            let firstTokenEnd = scanner.getTokenOffset() + scanner.getTokenLength() + formatTextStart;
            let secondToken = scanNext();
            let replaceContent = '';
            let needsLineBreak = false;
            while (numberLineBreaks === 0 && (secondToken === 12 /* SyntaxKind.LineCommentTrivia */ || secondToken === 13 /* SyntaxKind.BlockCommentTrivia */)) {
                let commentTokenStart = scanner.getTokenOffset() + formatTextStart;
                addEdit(string_intern_1.cachedSpaces[1], firstTokenEnd, commentTokenStart);
                firstTokenEnd = scanner.getTokenOffset() + scanner.getTokenLength() + formatTextStart;
                needsLineBreak = secondToken === 12 /* SyntaxKind.LineCommentTrivia */;
                replaceContent = needsLineBreak ? newLinesAndIndent() : '';
                secondToken = scanNext();
            }
            if (secondToken === 2 /* SyntaxKind.CloseBraceToken */) {
                if (firstToken !== 1 /* SyntaxKind.OpenBraceToken */) {
                    indentLevel--;
                }
                ;
                if (options.keepLines && numberLineBreaks > 0 || !options.keepLines && firstToken !== 1 /* SyntaxKind.OpenBraceToken */) {
                    replaceContent = newLinesAndIndent();
                }
                else if (options.keepLines) {
                    replaceContent = string_intern_1.cachedSpaces[1];
                }
            }
            else if (secondToken === 4 /* SyntaxKind.CloseBracketToken */) {
                if (firstToken !== 3 /* SyntaxKind.OpenBracketToken */) {
                    indentLevel--;
                }
                ;
                if (options.keepLines && numberLineBreaks > 0 || !options.keepLines && firstToken !== 3 /* SyntaxKind.OpenBracketToken */) {
                    replaceContent = newLinesAndIndent();
                }
                else if (options.keepLines) {
                    replaceContent = string_intern_1.cachedSpaces[1];
                }
            }
            else {
                switch (firstToken) {
                    case 3 /* SyntaxKind.OpenBracketToken */:
                    case 1 /* SyntaxKind.OpenBraceToken */:
                        indentLevel++;
                        if (options.keepLines && numberLineBreaks > 0 || !options.keepLines) {
                            replaceContent = newLinesAndIndent();
                        }
                        else {
                            replaceContent = string_intern_1.cachedSpaces[1];
                        }
                        break;
                    case 5 /* SyntaxKind.CommaToken */:
                        if (options.keepLines && numberLineBreaks > 0 || !options.keepLines) {
                            replaceContent = newLinesAndIndent();
                        }
                        else {
                            replaceContent = string_intern_1.cachedSpaces[1];
                        }
                        break;
                    case 12 /* SyntaxKind.LineCommentTrivia */:
                        replaceContent = newLinesAndIndent();
                        break;
                    case 13 /* SyntaxKind.BlockCommentTrivia */:
                        if (numberLineBreaks > 0) {
                            replaceContent = newLinesAndIndent();
                        }
                        else if (!needsLineBreak) {
                            replaceContent = string_intern_1.cachedSpaces[1];
                        }
                        break;
                    case 6 /* SyntaxKind.ColonToken */:
                        if (options.keepLines && numberLineBreaks > 0) {
                            replaceContent = newLinesAndIndent();
                        }
                        else if (!needsLineBreak) {
                            replaceContent = string_intern_1.cachedSpaces[1];
                        }
                        break;
                    case 10 /* SyntaxKind.StringLiteral */:
                        if (options.keepLines && numberLineBreaks > 0) {
                            replaceContent = newLinesAndIndent();
                        }
                        else if (secondToken === 6 /* SyntaxKind.ColonToken */ && !needsLineBreak) {
                            replaceContent = '';
                        }
                        break;
                    case 7 /* SyntaxKind.NullKeyword */:
                    case 8 /* SyntaxKind.TrueKeyword */:
                    case 9 /* SyntaxKind.FalseKeyword */:
                    case 11 /* SyntaxKind.NumericLiteral */:
                    case 2 /* SyntaxKind.CloseBraceToken */:
                    case 4 /* SyntaxKind.CloseBracketToken */:
                        if (options.keepLines && numberLineBreaks > 0) {
                            replaceContent = newLinesAndIndent();
                        }
                        else {
                            if ((secondToken === 12 /* SyntaxKind.LineCommentTrivia */ || secondToken === 13 /* SyntaxKind.BlockCommentTrivia */) && !needsLineBreak) {
                                replaceContent = string_intern_1.cachedSpaces[1];
                            }
                            else if (secondToken !== 5 /* SyntaxKind.CommaToken */ && secondToken !== 17 /* SyntaxKind.EOF */) {
                                hasError = true;
                            }
                        }
                        break;
                    case 16 /* SyntaxKind.Unknown */:
                        hasError = true;
                        break;
                }
                if (numberLineBreaks > 0 && (secondToken === 12 /* SyntaxKind.LineCommentTrivia */ || secondToken === 13 /* SyntaxKind.BlockCommentTrivia */)) {
                    replaceContent = newLinesAndIndent();
                }
            }
            if (secondToken === 17 /* SyntaxKind.EOF */) {
                if (options.keepLines && numberLineBreaks > 0) {
                    replaceContent = newLinesAndIndent();
                }
                else {
                    replaceContent = options.insertFinalNewline ? eol : '';
                }
            }
            const secondTokenStart = scanner.getTokenOffset() + formatTextStart;
            addEdit(replaceContent, firstTokenEnd, secondTokenStart);
            firstToken = secondToken;
        }
        return editOperations;
    }
    exports.format = format;
    function repeat(s, count) {
        let result = '';
        for (let i = 0; i < count; i++) {
            result += s;
        }
        return result;
    }
    function computeIndentLevel(content, options) {
        let i = 0;
        let nChars = 0;
        const tabSize = options.tabSize || 4;
        while (i < content.length) {
            let ch = content.charAt(i);
            if (ch === string_intern_1.cachedSpaces[1]) {
                nChars++;
            }
            else if (ch === '\t') {
                nChars += tabSize;
            }
            else {
                break;
            }
            i++;
        }
        return Math.floor(nChars / tabSize);
    }
    function getEOL(options, text) {
        for (let i = 0; i < text.length; i++) {
            const ch = text.charAt(i);
            if (ch === '\r') {
                if (i + 1 < text.length && text.charAt(i + 1) === '\n') {
                    return '\r\n';
                }
                return '\r';
            }
            else if (ch === '\n') {
                return '\n';
            }
        }
        return (options && options.eol) || '\n';
    }
    function isEOL(text, offset) {
        return '\r\n'.indexOf(text.charAt(offset)) !== -1;
    }
    exports.isEOL = isEOL;
});


/***/ }),

/***/ 5152:
/***/ ((module, exports, __nccwpck_require__) => {

(function (factory) {
    if ( true && typeof module.exports === "object") {
        var v = factory(__WEBPACK_EXTERNAL_createRequire(import.meta.url), exports);
        if (v !== undefined) module.exports = v;
    }
    else if (typeof define === "function" && define.amd) {
        define(["require", "exports", "./scanner"], factory);
    }
})(function () {
    /*---------------------------------------------------------------------------------------------
     *  Copyright (c) Microsoft Corporation. All rights reserved.
     *  Licensed under the MIT License. See License.txt in the project root for license information.
     *--------------------------------------------------------------------------------------------*/
    'use strict';
    Object.defineProperty(exports, "__esModule", ({ value: true }));
    exports.getNodeType = exports.stripComments = exports.visit = exports.findNodeAtOffset = exports.contains = exports.getNodeValue = exports.getNodePath = exports.findNodeAtLocation = exports.parseTree = exports.parse = exports.getLocation = void 0;
    const scanner_1 = __nccwpck_require__(8525);
    var ParseOptions;
    (function (ParseOptions) {
        ParseOptions.DEFAULT = {
            allowTrailingComma: false
        };
    })(ParseOptions || (ParseOptions = {}));
    /**
     * For a given offset, evaluate the location in the JSON document. Each segment in the location path is either a property name or an array index.
     */
    function getLocation(text, position) {
        const segments = []; // strings or numbers
        const earlyReturnException = new Object();
        let previousNode = undefined;
        const previousNodeInst = {
            value: {},
            offset: 0,
            length: 0,
            type: 'object',
            parent: undefined
        };
        let isAtPropertyKey = false;
        function setPreviousNode(value, offset, length, type) {
            previousNodeInst.value = value;
            previousNodeInst.offset = offset;
            previousNodeInst.length = length;
            previousNodeInst.type = type;
            previousNodeInst.colonOffset = undefined;
            previousNode = previousNodeInst;
        }
        try {
            visit(text, {
                onObjectBegin: (offset, length) => {
                    if (position <= offset) {
                        throw earlyReturnException;
                    }
                    previousNode = undefined;
                    isAtPropertyKey = position > offset;
                    segments.push(''); // push a placeholder (will be replaced)
                },
                onObjectProperty: (name, offset, length) => {
                    if (position < offset) {
                        throw earlyReturnException;
                    }
                    setPreviousNode(name, offset, length, 'property');
                    segments[segments.length - 1] = name;
                    if (position <= offset + length) {
                        throw earlyReturnException;
                    }
                },
                onObjectEnd: (offset, length) => {
                    if (position <= offset) {
                        throw earlyReturnException;
                    }
                    previousNode = undefined;
                    segments.pop();
                },
                onArrayBegin: (offset, length) => {
                    if (position <= offset) {
                        throw earlyReturnException;
                    }
                    previousNode = undefined;
                    segments.push(0);
                },
                onArrayEnd: (offset, length) => {
                    if (position <= offset) {
                        throw earlyReturnException;
                    }
                    previousNode = undefined;
                    segments.pop();
                },
                onLiteralValue: (value, offset, length) => {
                    if (position < offset) {
                        throw earlyReturnException;
                    }
                    setPreviousNode(value, offset, length, getNodeType(value));
                    if (position <= offset + length) {
                        throw earlyReturnException;
                    }
                },
                onSeparator: (sep, offset, length) => {
                    if (position <= offset) {
                        throw earlyReturnException;
                    }
                    if (sep === ':' && previousNode && previousNode.type === 'property') {
                        previousNode.colonOffset = offset;
                        isAtPropertyKey = false;
                        previousNode = undefined;
                    }
                    else if (sep === ',') {
                        const last = segments[segments.length - 1];
                        if (typeof last === 'number') {
                            segments[segments.length - 1] = last + 1;
                        }
                        else {
                            isAtPropertyKey = true;
                            segments[segments.length - 1] = '';
                        }
                        previousNode = undefined;
                    }
                }
            });
        }
        catch (e) {
            if (e !== earlyReturnException) {
                throw e;
            }
        }
        return {
            path: segments,
            previousNode,
            isAtPropertyKey,
            matches: (pattern) => {
                let k = 0;
                for (let i = 0; k < pattern.length && i < segments.length; i++) {
                    if (pattern[k] === segments[i] || pattern[k] === '*') {
                        k++;
                    }
                    else if (pattern[k] !== '**') {
                        return false;
                    }
                }
                return k === pattern.length;
            }
        };
    }
    exports.getLocation = getLocation;
    /**
     * Parses the given text and returns the object the JSON content represents. On invalid input, the parser tries to be as fault tolerant as possible, but still return a result.
     * Therefore always check the errors list to find out if the input was valid.
     */
    function parse(text, errors = [], options = ParseOptions.DEFAULT) {
        let currentProperty = null;
        let currentParent = [];
        const previousParents = [];
        function onValue(value) {
            if (Array.isArray(currentParent)) {
                currentParent.push(value);
            }
            else if (currentProperty !== null) {
                currentParent[currentProperty] = value;
            }
        }
        const visitor = {
            onObjectBegin: () => {
                const object = {};
                onValue(object);
                previousParents.push(currentParent);
                currentParent = object;
                currentProperty = null;
            },
            onObjectProperty: (name) => {
                currentProperty = name;
            },
            onObjectEnd: () => {
                currentParent = previousParents.pop();
            },
            onArrayBegin: () => {
                const array = [];
                onValue(array);
                previousParents.push(currentParent);
                currentParent = array;
                currentProperty = null;
            },
            onArrayEnd: () => {
                currentParent = previousParents.pop();
            },
            onLiteralValue: onValue,
            onError: (error, offset, length) => {
                errors.push({ error, offset, length });
            }
        };
        visit(text, visitor, options);
        return currentParent[0];
    }
    exports.parse = parse;
    /**
     * Parses the given text and returns a tree representation the JSON content. On invalid input, the parser tries to be as fault tolerant as possible, but still return a result.
     */
    function parseTree(text, errors = [], options = ParseOptions.DEFAULT) {
        let currentParent = { type: 'array', offset: -1, length: -1, children: [], parent: undefined }; // artificial root
        function ensurePropertyComplete(endOffset) {
            if (currentParent.type === 'property') {
                currentParent.length = endOffset - currentParent.offset;
                currentParent = currentParent.parent;
            }
        }
        function onValue(valueNode) {
            currentParent.children.push(valueNode);
            return valueNode;
        }
        const visitor = {
            onObjectBegin: (offset) => {
                currentParent = onValue({ type: 'object', offset, length: -1, parent: currentParent, children: [] });
            },
            onObjectProperty: (name, offset, length) => {
                currentParent = onValue({ type: 'property', offset, length: -1, parent: currentParent, children: [] });
                currentParent.children.push({ type: 'string', value: name, offset, length, parent: currentParent });
            },
            onObjectEnd: (offset, length) => {
                ensurePropertyComplete(offset + length); // in case of a missing value for a property: make sure property is complete
                currentParent.length = offset + length - currentParent.offset;
                currentParent = currentParent.parent;
                ensurePropertyComplete(offset + length);
            },
            onArrayBegin: (offset, length) => {
                currentParent = onValue({ type: 'array', offset, length: -1, parent: currentParent, children: [] });
            },
            onArrayEnd: (offset, length) => {
                currentParent.length = offset + length - currentParent.offset;
                currentParent = currentParent.parent;
                ensurePropertyComplete(offset + length);
            },
            onLiteralValue: (value, offset, length) => {
                onValue({ type: getNodeType(value), offset, length, parent: currentParent, value });
                ensurePropertyComplete(offset + length);
            },
            onSeparator: (sep, offset, length) => {
                if (currentParent.type === 'property') {
                    if (sep === ':') {
                        currentParent.colonOffset = offset;
                    }
                    else if (sep === ',') {
                        ensurePropertyComplete(offset);
                    }
                }
            },
            onError: (error, offset, length) => {
                errors.push({ error, offset, length });
            }
        };
        visit(text, visitor, options);
        const result = currentParent.children[0];
        if (result) {
            delete result.parent;
        }
        return result;
    }
    exports.parseTree = parseTree;
    /**
     * Finds the node at the given path in a JSON DOM.
     */
    function findNodeAtLocation(root, path) {
        if (!root) {
            return undefined;
        }
        let node = root;
        for (let segment of path) {
            if (typeof segment === 'string') {
                if (node.type !== 'object' || !Array.isArray(node.children)) {
                    return undefined;
                }
                let found = false;
                for (const propertyNode of node.children) {
                    if (Array.isArray(propertyNode.children) && propertyNode.children[0].value === segment && propertyNode.children.length === 2) {
                        node = propertyNode.children[1];
                        found = true;
                        break;
                    }
                }
                if (!found) {
                    return undefined;
                }
            }
            else {
                const index = segment;
                if (node.type !== 'array' || index < 0 || !Array.isArray(node.children) || index >= node.children.length) {
                    return undefined;
                }
                node = node.children[index];
            }
        }
        return node;
    }
    exports.findNodeAtLocation = findNodeAtLocation;
    /**
     * Gets the JSON path of the given JSON DOM node
     */
    function getNodePath(node) {
        if (!node.parent || !node.parent.children) {
            return [];
        }
        const path = getNodePath(node.parent);
        if (node.parent.type === 'property') {
            const key = node.parent.children[0].value;
            path.push(key);
        }
        else if (node.parent.type === 'array') {
            const index = node.parent.children.indexOf(node);
            if (index !== -1) {
                path.push(index);
            }
        }
        return path;
    }
    exports.getNodePath = getNodePath;
    /**
     * Evaluates the JavaScript object of the given JSON DOM node
     */
    function getNodeValue(node) {
        switch (node.type) {
            case 'array':
                return node.children.map(getNodeValue);
            case 'object':
                const obj = Object.create(null);
                for (let prop of node.children) {
                    const valueNode = prop.children[1];
                    if (valueNode) {
                        obj[prop.children[0].value] = getNodeValue(valueNode);
                    }
                }
                return obj;
            case 'null':
            case 'string':
            case 'number':
            case 'boolean':
                return node.value;
            default:
                return undefined;
        }
    }
    exports.getNodeValue = getNodeValue;
    function contains(node, offset, includeRightBound = false) {
        return (offset >= node.offset && offset < (node.offset + node.length)) || includeRightBound && (offset === (node.offset + node.length));
    }
    exports.contains = contains;
    /**
     * Finds the most inner node at the given offset. If includeRightBound is set, also finds nodes that end at the given offset.
     */
    function findNodeAtOffset(node, offset, includeRightBound = false) {
        if (contains(node, offset, includeRightBound)) {
            const children = node.children;
            if (Array.isArray(children)) {
                for (let i = 0; i < children.length && children[i].offset <= offset; i++) {
                    const item = findNodeAtOffset(children[i], offset, includeRightBound);
                    if (item) {
                        return item;
                    }
                }
            }
            return node;
        }
        return undefined;
    }
    exports.findNodeAtOffset = findNodeAtOffset;
    /**
     * Parses the given text and invokes the visitor functions for each object, array and literal reached.
     */
    function visit(text, visitor, options = ParseOptions.DEFAULT) {
        const _scanner = (0, scanner_1.createScanner)(text, false);
        // Important: Only pass copies of this to visitor functions to prevent accidental modification, and
        // to not affect visitor functions which stored a reference to a previous JSONPath
        const _jsonPath = [];
        // Depth of onXXXBegin() callbacks suppressed. onXXXEnd() decrements this if it isn't 0 already.
        // Callbacks are only called when this value is 0.
        let suppressedCallbacks = 0;
        function toNoArgVisit(visitFunction) {
            return visitFunction ? () => suppressedCallbacks === 0 && visitFunction(_scanner.getTokenOffset(), _scanner.getTokenLength(), _scanner.getTokenStartLine(), _scanner.getTokenStartCharacter()) : () => true;
        }
        function toOneArgVisit(visitFunction) {
            return visitFunction ? (arg) => suppressedCallbacks === 0 && visitFunction(arg, _scanner.getTokenOffset(), _scanner.getTokenLength(), _scanner.getTokenStartLine(), _scanner.getTokenStartCharacter()) : () => true;
        }
        function toOneArgVisitWithPath(visitFunction) {
            return visitFunction ? (arg) => suppressedCallbacks === 0 && visitFunction(arg, _scanner.getTokenOffset(), _scanner.getTokenLength(), _scanner.getTokenStartLine(), _scanner.getTokenStartCharacter(), () => _jsonPath.slice()) : () => true;
        }
        function toBeginVisit(visitFunction) {
            return visitFunction ?
                () => {
                    if (suppressedCallbacks > 0) {
                        suppressedCallbacks++;
                    }
                    else {
                        let cbReturn = visitFunction(_scanner.getTokenOffset(), _scanner.getTokenLength(), _scanner.getTokenStartLine(), _scanner.getTokenStartCharacter(), () => _jsonPath.slice());
                        if (cbReturn === false) {
                            suppressedCallbacks = 1;
                        }
                    }
                }
                : () => true;
        }
        function toEndVisit(visitFunction) {
            return visitFunction ?
                () => {
                    if (suppressedCallbacks > 0) {
                        suppressedCallbacks--;
                    }
                    if (suppressedCallbacks === 0) {
                        visitFunction(_scanner.getTokenOffset(), _scanner.getTokenLength(), _scanner.getTokenStartLine(), _scanner.getTokenStartCharacter());
                    }
                }
                : () => true;
        }
        const onObjectBegin = toBeginVisit(visitor.onObjectBegin), onObjectProperty = toOneArgVisitWithPath(visitor.onObjectProperty), onObjectEnd = toEndVisit(visitor.onObjectEnd), onArrayBegin = toBeginVisit(visitor.onArrayBegin), onArrayEnd = toEndVisit(visitor.onArrayEnd), onLiteralValue = toOneArgVisitWithPath(visitor.onLiteralValue), onSeparator = toOneArgVisit(visitor.onSeparator), onComment = toNoArgVisit(visitor.onComment), onError = toOneArgVisit(visitor.onError);
        const disallowComments = options && options.disallowComments;
        const allowTrailingComma = options && options.allowTrailingComma;
        function scanNext() {
            while (true) {
                const token = _scanner.scan();
                switch (_scanner.getTokenError()) {
                    case 4 /* ScanError.InvalidUnicode */:
                        handleError(14 /* ParseErrorCode.InvalidUnicode */);
                        break;
                    case 5 /* ScanError.InvalidEscapeCharacter */:
                        handleError(15 /* ParseErrorCode.InvalidEscapeCharacter */);
                        break;
                    case 3 /* ScanError.UnexpectedEndOfNumber */:
                        handleError(13 /* ParseErrorCode.UnexpectedEndOfNumber */);
                        break;
                    case 1 /* ScanError.UnexpectedEndOfComment */:
                        if (!disallowComments) {
                            handleError(11 /* ParseErrorCode.UnexpectedEndOfComment */);
                        }
                        break;
                    case 2 /* ScanError.UnexpectedEndOfString */:
                        handleError(12 /* ParseErrorCode.UnexpectedEndOfString */);
                        break;
                    case 6 /* ScanError.InvalidCharacter */:
                        handleError(16 /* ParseErrorCode.InvalidCharacter */);
                        break;
                }
                switch (token) {
                    case 12 /* SyntaxKind.LineCommentTrivia */:
                    case 13 /* SyntaxKind.BlockCommentTrivia */:
                        if (disallowComments) {
                            handleError(10 /* ParseErrorCode.InvalidCommentToken */);
                        }
                        else {
                            onComment();
                        }
                        break;
                    case 16 /* SyntaxKind.Unknown */:
                        handleError(1 /* ParseErrorCode.InvalidSymbol */);
                        break;
                    case 15 /* SyntaxKind.Trivia */:
                    case 14 /* SyntaxKind.LineBreakTrivia */:
                        break;
                    default:
                        return token;
                }
            }
        }
        function handleError(error, skipUntilAfter = [], skipUntil = []) {
            onError(error);
            if (skipUntilAfter.length + skipUntil.length > 0) {
                let token = _scanner.getToken();
                while (token !== 17 /* SyntaxKind.EOF */) {
                    if (skipUntilAfter.indexOf(token) !== -1) {
                        scanNext();
                        break;
                    }
                    else if (skipUntil.indexOf(token) !== -1) {
                        break;
                    }
                    token = scanNext();
                }
            }
        }
        function parseString(isValue) {
            const value = _scanner.getTokenValue();
            if (isValue) {
                onLiteralValue(value);
            }
            else {
                onObjectProperty(value);
                // add property name afterwards
                _jsonPath.push(value);
            }
            scanNext();
            return true;
        }
        function parseLiteral() {
            switch (_scanner.getToken()) {
                case 11 /* SyntaxKind.NumericLiteral */:
                    const tokenValue = _scanner.getTokenValue();
                    let value = Number(tokenValue);
                    if (isNaN(value)) {
                        handleError(2 /* ParseErrorCode.InvalidNumberFormat */);
                        value = 0;
                    }
                    onLiteralValue(value);
                    break;
                case 7 /* SyntaxKind.NullKeyword */:
                    onLiteralValue(null);
                    break;
                case 8 /* SyntaxKind.TrueKeyword */:
                    onLiteralValue(true);
                    break;
                case 9 /* SyntaxKind.FalseKeyword */:
                    onLiteralValue(false);
                    break;
                default:
                    return false;
            }
            scanNext();
            return true;
        }
        function parseProperty() {
            if (_scanner.getToken() !== 10 /* SyntaxKind.StringLiteral */) {
                handleError(3 /* ParseErrorCode.PropertyNameExpected */, [], [2 /* SyntaxKind.CloseBraceToken */, 5 /* SyntaxKind.CommaToken */]);
                return false;
            }
            parseString(false);
            if (_scanner.getToken() === 6 /* SyntaxKind.ColonToken */) {
                onSeparator(':');
                scanNext(); // consume colon
                if (!parseValue()) {
                    handleError(4 /* ParseErrorCode.ValueExpected */, [], [2 /* SyntaxKind.CloseBraceToken */, 5 /* SyntaxKind.CommaToken */]);
                }
            }
            else {
                handleError(5 /* ParseErrorCode.ColonExpected */, [], [2 /* SyntaxKind.CloseBraceToken */, 5 /* SyntaxKind.CommaToken */]);
            }
            _jsonPath.pop(); // remove processed property name
            return true;
        }
        function parseObject() {
            onObjectBegin();
            scanNext(); // consume open brace
            let needsComma = false;
            while (_scanner.getToken() !== 2 /* SyntaxKind.CloseBraceToken */ && _scanner.getToken() !== 17 /* SyntaxKind.EOF */) {
                if (_scanner.getToken() === 5 /* SyntaxKind.CommaToken */) {
                    if (!needsComma) {
                        handleError(4 /* ParseErrorCode.ValueExpected */, [], []);
                    }
                    onSeparator(',');
                    scanNext(); // consume comma
                    if (_scanner.getToken() === 2 /* SyntaxKind.CloseBraceToken */ && allowTrailingComma) {
                        break;
                    }
                }
                else if (needsComma) {
                    handleError(6 /* ParseErrorCode.CommaExpected */, [], []);
                }
                if (!parseProperty()) {
                    handleError(4 /* ParseErrorCode.ValueExpected */, [], [2 /* SyntaxKind.CloseBraceToken */, 5 /* SyntaxKind.CommaToken */]);
                }
                needsComma = true;
            }
            onObjectEnd();
            if (_scanner.getToken() !== 2 /* SyntaxKind.CloseBraceToken */) {
                handleError(7 /* ParseErrorCode.CloseBraceExpected */, [2 /* SyntaxKind.CloseBraceToken */], []);
            }
            else {
                scanNext(); // consume close brace
            }
            return true;
        }
        function parseArray() {
            onArrayBegin();
            scanNext(); // consume open bracket
            let isFirstElement = true;
            let needsComma = false;
            while (_scanner.getToken() !== 4 /* SyntaxKind.CloseBracketToken */ && _scanner.getToken() !== 17 /* SyntaxKind.EOF */) {
                if (_scanner.getToken() === 5 /* SyntaxKind.CommaToken */) {
                    if (!needsComma) {
                        handleError(4 /* ParseErrorCode.ValueExpected */, [], []);
                    }
                    onSeparator(',');
                    scanNext(); // consume comma
                    if (_scanner.getToken() === 4 /* SyntaxKind.CloseBracketToken */ && allowTrailingComma) {
                        break;
                    }
                }
                else if (needsComma) {
                    handleError(6 /* ParseErrorCode.CommaExpected */, [], []);
                }
                if (isFirstElement) {
                    _jsonPath.push(0);
                    isFirstElement = false;
                }
                else {
                    _jsonPath[_jsonPath.length - 1]++;
                }
                if (!parseValue()) {
                    handleError(4 /* ParseErrorCode.ValueExpected */, [], [4 /* SyntaxKind.CloseBracketToken */, 5 /* SyntaxKind.CommaToken */]);
                }
                needsComma = true;
            }
            onArrayEnd();
            if (!isFirstElement) {
                _jsonPath.pop(); // remove array index
            }
            if (_scanner.getToken() !== 4 /* SyntaxKind.CloseBracketToken */) {
                handleError(8 /* ParseErrorCode.CloseBracketExpected */, [4 /* SyntaxKind.CloseBracketToken */], []);
            }
            else {
                scanNext(); // consume close bracket
            }
            return true;
        }
        function parseValue() {
            switch (_scanner.getToken()) {
                case 3 /* SyntaxKind.OpenBracketToken */:
                    return parseArray();
                case 1 /* SyntaxKind.OpenBraceToken */:
                    return parseObject();
                case 10 /* SyntaxKind.StringLiteral */:
                    return parseString(true);
                default:
                    return parseLiteral();
            }
        }
        scanNext();
        if (_scanner.getToken() === 17 /* SyntaxKind.EOF */) {
            if (options.allowEmptyContent) {
                return true;
            }
            handleError(4 /* ParseErrorCode.ValueExpected */, [], []);
            return false;
        }
        if (!parseValue()) {
            handleError(4 /* ParseErrorCode.ValueExpected */, [], []);
            return false;
        }
        if (_scanner.getToken() !== 17 /* SyntaxKind.EOF */) {
            handleError(9 /* ParseErrorCode.EndOfFileExpected */, [], []);
        }
        return true;
    }
    exports.visit = visit;
    /**
     * Takes JSON with JavaScript-style comments and remove
     * them. Optionally replaces every none-newline character
     * of comments with a replaceCharacter
     */
    function stripComments(text, replaceCh) {
        let _scanner = (0, scanner_1.createScanner)(text), parts = [], kind, offset = 0, pos;
        do {
            pos = _scanner.getPosition();
            kind = _scanner.scan();
            switch (kind) {
                case 12 /* SyntaxKind.LineCommentTrivia */:
                case 13 /* SyntaxKind.BlockCommentTrivia */:
                case 17 /* SyntaxKind.EOF */:
                    if (offset !== pos) {
                        parts.push(text.substring(offset, pos));
                    }
                    if (replaceCh !== undefined) {
                        parts.push(_scanner.getTokenValue().replace(/[^\r\n]/g, replaceCh));
                    }
                    offset = _scanner.getPosition();
                    break;
            }
        } while (kind !== 17 /* SyntaxKind.EOF */);
        return parts.join('');
    }
    exports.stripComments = stripComments;
    function getNodeType(value) {
        switch (typeof value) {
            case 'boolean': return 'boolean';
            case 'number': return 'number';
            case 'string': return 'string';
            case 'object': {
                if (!value) {
                    return 'null';
                }
                else if (Array.isArray(value)) {
                    return 'array';
                }
                return 'object';
            }
            default: return 'null';
        }
    }
    exports.getNodeType = getNodeType;
});


/***/ }),

/***/ 8525:
/***/ ((module, exports) => {

(function (factory) {
    if ( true && typeof module.exports === "object") {
        var v = factory(__WEBPACK_EXTERNAL_createRequire(import.meta.url), exports);
        if (v !== undefined) module.exports = v;
    }
    else if (typeof define === "function" && define.amd) {
        define(["require", "exports"], factory);
    }
})(function () {
    /*---------------------------------------------------------------------------------------------
     *  Copyright (c) Microsoft Corporation. All rights reserved.
     *  Licensed under the MIT License. See License.txt in the project root for license information.
     *--------------------------------------------------------------------------------------------*/
    'use strict';
    Object.defineProperty(exports, "__esModule", ({ value: true }));
    exports.createScanner = void 0;
    /**
     * Creates a JSON scanner on the given text.
     * If ignoreTrivia is set, whitespaces or comments are ignored.
     */
    function createScanner(text, ignoreTrivia = false) {
        const len = text.length;
        let pos = 0, value = '', tokenOffset = 0, token = 16 /* SyntaxKind.Unknown */, lineNumber = 0, lineStartOffset = 0, tokenLineStartOffset = 0, prevTokenLineStartOffset = 0, scanError = 0 /* ScanError.None */;
        function scanHexDigits(count, exact) {
            let digits = 0;
            let value = 0;
            while (digits < count || !exact) {
                let ch = text.charCodeAt(pos);
                if (ch >= 48 /* CharacterCodes._0 */ && ch <= 57 /* CharacterCodes._9 */) {
                    value = value * 16 + ch - 48 /* CharacterCodes._0 */;
                }
                else if (ch >= 65 /* CharacterCodes.A */ && ch <= 70 /* CharacterCodes.F */) {
                    value = value * 16 + ch - 65 /* CharacterCodes.A */ + 10;
                }
                else if (ch >= 97 /* CharacterCodes.a */ && ch <= 102 /* CharacterCodes.f */) {
                    value = value * 16 + ch - 97 /* CharacterCodes.a */ + 10;
                }
                else {
                    break;
                }
                pos++;
                digits++;
            }
            if (digits < count) {
                value = -1;
            }
            return value;
        }
        function setPosition(newPosition) {
            pos = newPosition;
            value = '';
            tokenOffset = 0;
            token = 16 /* SyntaxKind.Unknown */;
            scanError = 0 /* ScanError.None */;
        }
        function scanNumber() {
            let start = pos;
            if (text.charCodeAt(pos) === 48 /* CharacterCodes._0 */) {
                pos++;
            }
            else {
                pos++;
                while (pos < text.length && isDigit(text.charCodeAt(pos))) {
                    pos++;
                }
            }
            if (pos < text.length && text.charCodeAt(pos) === 46 /* CharacterCodes.dot */) {
                pos++;
                if (pos < text.length && isDigit(text.charCodeAt(pos))) {
                    pos++;
                    while (pos < text.length && isDigit(text.charCodeAt(pos))) {
                        pos++;
                    }
                }
                else {
                    scanError = 3 /* ScanError.UnexpectedEndOfNumber */;
                    return text.substring(start, pos);
                }
            }
            let end = pos;
            if (pos < text.length && (text.charCodeAt(pos) === 69 /* CharacterCodes.E */ || text.charCodeAt(pos) === 101 /* CharacterCodes.e */)) {
                pos++;
                if (pos < text.length && text.charCodeAt(pos) === 43 /* CharacterCodes.plus */ || text.charCodeAt(pos) === 45 /* CharacterCodes.minus */) {
                    pos++;
                }
                if (pos < text.length && isDigit(text.charCodeAt(pos))) {
                    pos++;
                    while (pos < text.length && isDigit(text.charCodeAt(pos))) {
                        pos++;
                    }
                    end = pos;
                }
                else {
                    scanError = 3 /* ScanError.UnexpectedEndOfNumber */;
                }
            }
            return text.substring(start, end);
        }
        function scanString() {
            let result = '', start = pos;
            while (true) {
                if (pos >= len) {
                    result += text.substring(start, pos);
                    scanError = 2 /* ScanError.UnexpectedEndOfString */;
                    break;
                }
                const ch = text.charCodeAt(pos);
                if (ch === 34 /* CharacterCodes.doubleQuote */) {
                    result += text.substring(start, pos);
                    pos++;
                    break;
                }
                if (ch === 92 /* CharacterCodes.backslash */) {
                    result += text.substring(start, pos);
                    pos++;
                    if (pos >= len) {
                        scanError = 2 /* ScanError.UnexpectedEndOfString */;
                        break;
                    }
                    const ch2 = text.charCodeAt(pos++);
                    switch (ch2) {
                        case 34 /* CharacterCodes.doubleQuote */:
                            result += '\"';
                            break;
                        case 92 /* CharacterCodes.backslash */:
                            result += '\\';
                            break;
                        case 47 /* CharacterCodes.slash */:
                            result += '/';
                            break;
                        case 98 /* CharacterCodes.b */:
                            result += '\b';
                            break;
                        case 102 /* CharacterCodes.f */:
                            result += '\f';
                            break;
                        case 110 /* CharacterCodes.n */:
                            result += '\n';
                            break;
                        case 114 /* CharacterCodes.r */:
                            result += '\r';
                            break;
                        case 116 /* CharacterCodes.t */:
                            result += '\t';
                            break;
                        case 117 /* CharacterCodes.u */:
                            const ch3 = scanHexDigits(4, true);
                            if (ch3 >= 0) {
                                result += String.fromCharCode(ch3);
                            }
                            else {
                                scanError = 4 /* ScanError.InvalidUnicode */;
                            }
                            break;
                        default:
                            scanError = 5 /* ScanError.InvalidEscapeCharacter */;
                    }
                    start = pos;
                    continue;
                }
                if (ch >= 0 && ch <= 0x1f) {
                    if (isLineBreak(ch)) {
                        result += text.substring(start, pos);
                        scanError = 2 /* ScanError.UnexpectedEndOfString */;
                        break;
                    }
                    else {
                        scanError = 6 /* ScanError.InvalidCharacter */;
                        // mark as error but continue with string
                    }
                }
                pos++;
            }
            return result;
        }
        function scanNext() {
            value = '';
            scanError = 0 /* ScanError.None */;
            tokenOffset = pos;
            lineStartOffset = lineNumber;
            prevTokenLineStartOffset = tokenLineStartOffset;
            if (pos >= len) {
                // at the end
                tokenOffset = len;
                return token = 17 /* SyntaxKind.EOF */;
            }
            let code = text.charCodeAt(pos);
            // trivia: whitespace
            if (isWhiteSpace(code)) {
                do {
                    pos++;
                    value += String.fromCharCode(code);
                    code = text.charCodeAt(pos);
                } while (isWhiteSpace(code));
                return token = 15 /* SyntaxKind.Trivia */;
            }
            // trivia: newlines
            if (isLineBreak(code)) {
                pos++;
                value += String.fromCharCode(code);
                if (code === 13 /* CharacterCodes.carriageReturn */ && text.charCodeAt(pos) === 10 /* CharacterCodes.lineFeed */) {
                    pos++;
                    value += '\n';
                }
                lineNumber++;
                tokenLineStartOffset = pos;
                return token = 14 /* SyntaxKind.LineBreakTrivia */;
            }
            switch (code) {
                // tokens: []{}:,
                case 123 /* CharacterCodes.openBrace */:
                    pos++;
                    return token = 1 /* SyntaxKind.OpenBraceToken */;
                case 125 /* CharacterCodes.closeBrace */:
                    pos++;
                    return token = 2 /* SyntaxKind.CloseBraceToken */;
                case 91 /* CharacterCodes.openBracket */:
                    pos++;
                    return token = 3 /* SyntaxKind.OpenBracketToken */;
                case 93 /* CharacterCodes.closeBracket */:
                    pos++;
                    return token = 4 /* SyntaxKind.CloseBracketToken */;
                case 58 /* CharacterCodes.colon */:
                    pos++;
                    return token = 6 /* SyntaxKind.ColonToken */;
                case 44 /* CharacterCodes.comma */:
                    pos++;
                    return token = 5 /* SyntaxKind.CommaToken */;
                // strings
                case 34 /* CharacterCodes.doubleQuote */:
                    pos++;
                    value = scanString();
                    return token = 10 /* SyntaxKind.StringLiteral */;
                // comments
                case 47 /* CharacterCodes.slash */:
                    const start = pos - 1;
                    // Single-line comment
                    if (text.charCodeAt(pos + 1) === 47 /* CharacterCodes.slash */) {
                        pos += 2;
                        while (pos < len) {
                            if (isLineBreak(text.charCodeAt(pos))) {
                                break;
                            }
                            pos++;
                        }
                        value = text.substring(start, pos);
                        return token = 12 /* SyntaxKind.LineCommentTrivia */;
                    }
                    // Multi-line comment
                    if (text.charCodeAt(pos + 1) === 42 /* CharacterCodes.asterisk */) {
                        pos += 2;
                        const safeLength = len - 1; // For lookahead.
                        let commentClosed = false;
                        while (pos < safeLength) {
                            const ch = text.charCodeAt(pos);
                            if (ch === 42 /* CharacterCodes.asterisk */ && text.charCodeAt(pos + 1) === 47 /* CharacterCodes.slash */) {
                                pos += 2;
                                commentClosed = true;
                                break;
                            }
                            pos++;
                            if (isLineBreak(ch)) {
                                if (ch === 13 /* CharacterCodes.carriageReturn */ && text.charCodeAt(pos) === 10 /* CharacterCodes.lineFeed */) {
                                    pos++;
                                }
                                lineNumber++;
                                tokenLineStartOffset = pos;
                            }
                        }
                        if (!commentClosed) {
                            pos++;
                            scanError = 1 /* ScanError.UnexpectedEndOfComment */;
                        }
                        value = text.substring(start, pos);
                        return token = 13 /* SyntaxKind.BlockCommentTrivia */;
                    }
                    // just a single slash
                    value += String.fromCharCode(code);
                    pos++;
                    return token = 16 /* SyntaxKind.Unknown */;
                // numbers
                case 45 /* CharacterCodes.minus */:
                    value += String.fromCharCode(code);
                    pos++;
                    if (pos === len || !isDigit(text.charCodeAt(pos))) {
                        return token = 16 /* SyntaxKind.Unknown */;
                    }
                // found a minus, followed by a number so
                // we fall through to proceed with scanning
                // numbers
                case 48 /* CharacterCodes._0 */:
                case 49 /* CharacterCodes._1 */:
                case 50 /* CharacterCodes._2 */:
                case 51 /* CharacterCodes._3 */:
                case 52 /* CharacterCodes._4 */:
                case 53 /* CharacterCodes._5 */:
                case 54 /* CharacterCodes._6 */:
                case 55 /* CharacterCodes._7 */:
                case 56 /* CharacterCodes._8 */:
                case 57 /* CharacterCodes._9 */:
                    value += scanNumber();
                    return token = 11 /* SyntaxKind.NumericLiteral */;
                // literals and unknown symbols
                default:
                    // is a literal? Read the full word.
                    while (pos < len && isUnknownContentCharacter(code)) {
                        pos++;
                        code = text.charCodeAt(pos);
                    }
                    if (tokenOffset !== pos) {
                        value = text.substring(tokenOffset, pos);
                        // keywords: true, false, null
                        switch (value) {
                            case 'true': return token = 8 /* SyntaxKind.TrueKeyword */;
                            case 'false': return token = 9 /* SyntaxKind.FalseKeyword */;
                            case 'null': return token = 7 /* SyntaxKind.NullKeyword */;
                        }
                        return token = 16 /* SyntaxKind.Unknown */;
                    }
                    // some
                    value += String.fromCharCode(code);
                    pos++;
                    return token = 16 /* SyntaxKind.Unknown */;
            }
        }
        function isUnknownContentCharacter(code) {
            if (isWhiteSpace(code) || isLineBreak(code)) {
                return false;
            }
            switch (code) {
                case 125 /* CharacterCodes.closeBrace */:
                case 93 /* CharacterCodes.closeBracket */:
                case 123 /* CharacterCodes.openBrace */:
                case 91 /* CharacterCodes.openBracket */:
                case 34 /* CharacterCodes.doubleQuote */:
                case 58 /* CharacterCodes.colon */:
                case 44 /* CharacterCodes.comma */:
                case 47 /* CharacterCodes.slash */:
                    return false;
            }
            return true;
        }
        function scanNextNonTrivia() {
            let result;
            do {
                result = scanNext();
            } while (result >= 12 /* SyntaxKind.LineCommentTrivia */ && result <= 15 /* SyntaxKind.Trivia */);
            return result;
        }
        return {
            setPosition: setPosition,
            getPosition: () => pos,
            scan: ignoreTrivia ? scanNextNonTrivia : scanNext,
            getToken: () => token,
            getTokenValue: () => value,
            getTokenOffset: () => tokenOffset,
            getTokenLength: () => pos - tokenOffset,
            getTokenStartLine: () => lineStartOffset,
            getTokenStartCharacter: () => tokenOffset - prevTokenLineStartOffset,
            getTokenError: () => scanError,
        };
    }
    exports.createScanner = createScanner;
    function isWhiteSpace(ch) {
        return ch === 32 /* CharacterCodes.space */ || ch === 9 /* CharacterCodes.tab */;
    }
    function isLineBreak(ch) {
        return ch === 10 /* CharacterCodes.lineFeed */ || ch === 13 /* CharacterCodes.carriageReturn */;
    }
    function isDigit(ch) {
        return ch >= 48 /* CharacterCodes._0 */ && ch <= 57 /* CharacterCodes._9 */;
    }
    var CharacterCodes;
    (function (CharacterCodes) {
        CharacterCodes[CharacterCodes["lineFeed"] = 10] = "lineFeed";
        CharacterCodes[CharacterCodes["carriageReturn"] = 13] = "carriageReturn";
        CharacterCodes[CharacterCodes["space"] = 32] = "space";
        CharacterCodes[CharacterCodes["_0"] = 48] = "_0";
        CharacterCodes[CharacterCodes["_1"] = 49] = "_1";
        CharacterCodes[CharacterCodes["_2"] = 50] = "_2";
        CharacterCodes[CharacterCodes["_3"] = 51] = "_3";
        CharacterCodes[CharacterCodes["_4"] = 52] = "_4";
        CharacterCodes[CharacterCodes["_5"] = 53] = "_5";
        CharacterCodes[CharacterCodes["_6"] = 54] = "_6";
        CharacterCodes[CharacterCodes["_7"] = 55] = "_7";
        CharacterCodes[CharacterCodes["_8"] = 56] = "_8";
        CharacterCodes[CharacterCodes["_9"] = 57] = "_9";
        CharacterCodes[CharacterCodes["a"] = 97] = "a";
        CharacterCodes[CharacterCodes["b"] = 98] = "b";
        CharacterCodes[CharacterCodes["c"] = 99] = "c";
        CharacterCodes[CharacterCodes["d"] = 100] = "d";
        CharacterCodes[CharacterCodes["e"] = 101] = "e";
        CharacterCodes[CharacterCodes["f"] = 102] = "f";
        CharacterCodes[CharacterCodes["g"] = 103] = "g";
        CharacterCodes[CharacterCodes["h"] = 104] = "h";
        CharacterCodes[CharacterCodes["i"] = 105] = "i";
        CharacterCodes[CharacterCodes["j"] = 106] = "j";
        CharacterCodes[CharacterCodes["k"] = 107] = "k";
        CharacterCodes[CharacterCodes["l"] = 108] = "l";
        CharacterCodes[CharacterCodes["m"] = 109] = "m";
        CharacterCodes[CharacterCodes["n"] = 110] = "n";
        CharacterCodes[CharacterCodes["o"] = 111] = "o";
        CharacterCodes[CharacterCodes["p"] = 112] = "p";
        CharacterCodes[CharacterCodes["q"] = 113] = "q";
        CharacterCodes[CharacterCodes["r"] = 114] = "r";
        CharacterCodes[CharacterCodes["s"] = 115] = "s";
        CharacterCodes[CharacterCodes["t"] = 116] = "t";
        CharacterCodes[CharacterCodes["u"] = 117] = "u";
        CharacterCodes[CharacterCodes["v"] = 118] = "v";
        CharacterCodes[CharacterCodes["w"] = 119] = "w";
        CharacterCodes[CharacterCodes["x"] = 120] = "x";
        CharacterCodes[CharacterCodes["y"] = 121] = "y";
        CharacterCodes[CharacterCodes["z"] = 122] = "z";
        CharacterCodes[CharacterCodes["A"] = 65] = "A";
        CharacterCodes[CharacterCodes["B"] = 66] = "B";
        CharacterCodes[CharacterCodes["C"] = 67] = "C";
        CharacterCodes[CharacterCodes["D"] = 68] = "D";
        CharacterCodes[CharacterCodes["E"] = 69] = "E";
        CharacterCodes[CharacterCodes["F"] = 70] = "F";
        CharacterCodes[CharacterCodes["G"] = 71] = "G";
        CharacterCodes[CharacterCodes["H"] = 72] = "H";
        CharacterCodes[CharacterCodes["I"] = 73] = "I";
        CharacterCodes[CharacterCodes["J"] = 74] = "J";
        CharacterCodes[CharacterCodes["K"] = 75] = "K";
        CharacterCodes[CharacterCodes["L"] = 76] = "L";
        CharacterCodes[CharacterCodes["M"] = 77] = "M";
        CharacterCodes[CharacterCodes["N"] = 78] = "N";
        CharacterCodes[CharacterCodes["O"] = 79] = "O";
        CharacterCodes[CharacterCodes["P"] = 80] = "P";
        CharacterCodes[CharacterCodes["Q"] = 81] = "Q";
        CharacterCodes[CharacterCodes["R"] = 82] = "R";
        CharacterCodes[CharacterCodes["S"] = 83] = "S";
        CharacterCodes[CharacterCodes["T"] = 84] = "T";
        CharacterCodes[CharacterCodes["U"] = 85] = "U";
        CharacterCodes[CharacterCodes["V"] = 86] = "V";
        CharacterCodes[CharacterCodes["W"] = 87] = "W";
        CharacterCodes[CharacterCodes["X"] = 88] = "X";
        CharacterCodes[CharacterCodes["Y"] = 89] = "Y";
        CharacterCodes[CharacterCodes["Z"] = 90] = "Z";
        CharacterCodes[CharacterCodes["asterisk"] = 42] = "asterisk";
        CharacterCodes[CharacterCodes["backslash"] = 92] = "backslash";
        CharacterCodes[CharacterCodes["closeBrace"] = 125] = "closeBrace";
        CharacterCodes[CharacterCodes["closeBracket"] = 93] = "closeBracket";
        CharacterCodes[CharacterCodes["colon"] = 58] = "colon";
        CharacterCodes[CharacterCodes["comma"] = 44] = "comma";
        CharacterCodes[CharacterCodes["dot"] = 46] = "dot";
        CharacterCodes[CharacterCodes["doubleQuote"] = 34] = "doubleQuote";
        CharacterCodes[CharacterCodes["minus"] = 45] = "minus";
        CharacterCodes[CharacterCodes["openBrace"] = 123] = "openBrace";
        CharacterCodes[CharacterCodes["openBracket"] = 91] = "openBracket";
        CharacterCodes[CharacterCodes["plus"] = 43] = "plus";
        CharacterCodes[CharacterCodes["slash"] = 47] = "slash";
        CharacterCodes[CharacterCodes["formFeed"] = 12] = "formFeed";
        CharacterCodes[CharacterCodes["tab"] = 9] = "tab";
    })(CharacterCodes || (CharacterCodes = {}));
});


/***/ }),

/***/ 4579:
/***/ ((module, exports) => {

(function (factory) {
    if ( true && typeof module.exports === "object") {
        var v = factory(__WEBPACK_EXTERNAL_createRequire(import.meta.url), exports);
        if (v !== undefined) module.exports = v;
    }
    else if (typeof define === "function" && define.amd) {
        define(["require", "exports"], factory);
    }
})(function () {
    "use strict";
    Object.defineProperty(exports, "__esModule", ({ value: true }));
    exports.supportedEols = exports.cachedBreakLinesWithSpaces = exports.cachedSpaces = void 0;
    exports.cachedSpaces = new Array(20).fill(0).map((_, index) => {
        return ' '.repeat(index);
    });
    const maxCachedValues = 200;
    exports.cachedBreakLinesWithSpaces = {
        ' ': {
            '\n': new Array(maxCachedValues).fill(0).map((_, index) => {
                return '\n' + ' '.repeat(index);
            }),
            '\r': new Array(maxCachedValues).fill(0).map((_, index) => {
                return '\r' + ' '.repeat(index);
            }),
            '\r\n': new Array(maxCachedValues).fill(0).map((_, index) => {
                return '\r\n' + ' '.repeat(index);
            }),
        },
        '\t': {
            '\n': new Array(maxCachedValues).fill(0).map((_, index) => {
                return '\n' + '\t'.repeat(index);
            }),
            '\r': new Array(maxCachedValues).fill(0).map((_, index) => {
                return '\r' + '\t'.repeat(index);
            }),
            '\r\n': new Array(maxCachedValues).fill(0).map((_, index) => {
                return '\r\n' + '\t'.repeat(index);
            }),
        }
    };
    exports.supportedEols = ['\n', '\r', '\r\n'];
});


/***/ }),

/***/ 1928:
/***/ ((module, exports, __nccwpck_require__) => {

(function (factory) {
    if ( true && typeof module.exports === "object") {
        var v = factory(__WEBPACK_EXTERNAL_createRequire(import.meta.url), exports);
        if (v !== undefined) module.exports = v;
    }
    else if (typeof define === "function" && define.amd) {
        define(["require", "exports", "./impl/format", "./impl/edit", "./impl/scanner", "./impl/parser"], factory);
    }
})(function () {
    /*---------------------------------------------------------------------------------------------
     *  Copyright (c) Microsoft Corporation. All rights reserved.
     *  Licensed under the MIT License. See License.txt in the project root for license information.
     *--------------------------------------------------------------------------------------------*/
    'use strict';
    Object.defineProperty(exports, "__esModule", ({ value: true }));
    exports.applyEdits = exports.modify = exports.format = exports.printParseErrorCode = exports.ParseErrorCode = exports.stripComments = exports.visit = exports.getNodeValue = exports.getNodePath = exports.findNodeAtOffset = exports.findNodeAtLocation = exports.parseTree = exports.parse = exports.getLocation = exports.SyntaxKind = exports.ScanError = exports.createScanner = void 0;
    const formatter = __nccwpck_require__(6612);
    const edit = __nccwpck_require__(4807);
    const scanner = __nccwpck_require__(8525);
    const parser = __nccwpck_require__(5152);
    /**
     * Creates a JSON scanner on the given text.
     * If ignoreTrivia is set, whitespaces or comments are ignored.
     */
    exports.createScanner = scanner.createScanner;
    var ScanError;
    (function (ScanError) {
        ScanError[ScanError["None"] = 0] = "None";
        ScanError[ScanError["UnexpectedEndOfComment"] = 1] = "UnexpectedEndOfComment";
        ScanError[ScanError["UnexpectedEndOfString"] = 2] = "UnexpectedEndOfString";
        ScanError[ScanError["UnexpectedEndOfNumber"] = 3] = "UnexpectedEndOfNumber";
        ScanError[ScanError["InvalidUnicode"] = 4] = "InvalidUnicode";
        ScanError[ScanError["InvalidEscapeCharacter"] = 5] = "InvalidEscapeCharacter";
        ScanError[ScanError["InvalidCharacter"] = 6] = "InvalidCharacter";
    })(ScanError || (exports.ScanError = ScanError = {}));
    var SyntaxKind;
    (function (SyntaxKind) {
        SyntaxKind[SyntaxKind["OpenBraceToken"] = 1] = "OpenBraceToken";
        SyntaxKind[SyntaxKind["CloseBraceToken"] = 2] = "CloseBraceToken";
        SyntaxKind[SyntaxKind["OpenBracketToken"] = 3] = "OpenBracketToken";
        SyntaxKind[SyntaxKind["CloseBracketToken"] = 4] = "CloseBracketToken";
        SyntaxKind[SyntaxKind["CommaToken"] = 5] = "CommaToken";
        SyntaxKind[SyntaxKind["ColonToken"] = 6] = "ColonToken";
        SyntaxKind[SyntaxKind["NullKeyword"] = 7] = "NullKeyword";
        SyntaxKind[SyntaxKind["TrueKeyword"] = 8] = "TrueKeyword";
        SyntaxKind[SyntaxKind["FalseKeyword"] = 9] = "FalseKeyword";
        SyntaxKind[SyntaxKind["StringLiteral"] = 10] = "StringLiteral";
        SyntaxKind[SyntaxKind["NumericLiteral"] = 11] = "NumericLiteral";
        SyntaxKind[SyntaxKind["LineCommentTrivia"] = 12] = "LineCommentTrivia";
        SyntaxKind[SyntaxKind["BlockCommentTrivia"] = 13] = "BlockCommentTrivia";
        SyntaxKind[SyntaxKind["LineBreakTrivia"] = 14] = "LineBreakTrivia";
        SyntaxKind[SyntaxKind["Trivia"] = 15] = "Trivia";
        SyntaxKind[SyntaxKind["Unknown"] = 16] = "Unknown";
        SyntaxKind[SyntaxKind["EOF"] = 17] = "EOF";
    })(SyntaxKind || (exports.SyntaxKind = SyntaxKind = {}));
    /**
     * For a given offset, evaluate the location in the JSON document. Each segment in the location path is either a property name or an array index.
     */
    exports.getLocation = parser.getLocation;
    /**
     * Parses the given text and returns the object the JSON content represents. On invalid input, the parser tries to be as fault tolerant as possible, but still return a result.
     * Therefore, always check the errors list to find out if the input was valid.
     */
    exports.parse = parser.parse;
    /**
     * Parses the given text and returns a tree representation the JSON content. On invalid input, the parser tries to be as fault tolerant as possible, but still return a result.
     */
    exports.parseTree = parser.parseTree;
    /**
     * Finds the node at the given path in a JSON DOM.
     */
    exports.findNodeAtLocation = parser.findNodeAtLocation;
    /**
     * Finds the innermost node at the given offset. If includeRightBound is set, also finds nodes that end at the given offset.
     */
    exports.findNodeAtOffset = parser.findNodeAtOffset;
    /**
     * Gets the JSON path of the given JSON DOM node
     */
    exports.getNodePath = parser.getNodePath;
    /**
     * Evaluates the JavaScript object of the given JSON DOM node
     */
    exports.getNodeValue = parser.getNodeValue;
    /**
     * Parses the given text and invokes the visitor functions for each object, array and literal reached.
     */
    exports.visit = parser.visit;
    /**
     * Takes JSON with JavaScript-style comments and remove
     * them. Optionally replaces every none-newline character
     * of comments with a replaceCharacter
     */
    exports.stripComments = parser.stripComments;
    var ParseErrorCode;
    (function (ParseErrorCode) {
        ParseErrorCode[ParseErrorCode["InvalidSymbol"] = 1] = "InvalidSymbol";
        ParseErrorCode[ParseErrorCode["InvalidNumberFormat"] = 2] = "InvalidNumberFormat";
        ParseErrorCode[ParseErrorCode["PropertyNameExpected"] = 3] = "PropertyNameExpected";
        ParseErrorCode[ParseErrorCode["ValueExpected"] = 4] = "ValueExpected";
        ParseErrorCode[ParseErrorCode["ColonExpected"] = 5] = "ColonExpected";
        ParseErrorCode[ParseErrorCode["CommaExpected"] = 6] = "CommaExpected";
        ParseErrorCode[ParseErrorCode["CloseBraceExpected"] = 7] = "CloseBraceExpected";
        ParseErrorCode[ParseErrorCode["CloseBracketExpected"] = 8] = "CloseBracketExpected";
        ParseErrorCode[ParseErrorCode["EndOfFileExpected"] = 9] = "EndOfFileExpected";
        ParseErrorCode[ParseErrorCode["InvalidCommentToken"] = 10] = "InvalidCommentToken";
        ParseErrorCode[ParseErrorCode["UnexpectedEndOfComment"] = 11] = "UnexpectedEndOfComment";
        ParseErrorCode[ParseErrorCode["UnexpectedEndOfString"] = 12] = "UnexpectedEndOfString";
        ParseErrorCode[ParseErrorCode["UnexpectedEndOfNumber"] = 13] = "UnexpectedEndOfNumber";
        ParseErrorCode[ParseErrorCode["InvalidUnicode"] = 14] = "InvalidUnicode";
        ParseErrorCode[ParseErrorCode["InvalidEscapeCharacter"] = 15] = "InvalidEscapeCharacter";
        ParseErrorCode[ParseErrorCode["InvalidCharacter"] = 16] = "InvalidCharacter";
    })(ParseErrorCode || (exports.ParseErrorCode = ParseErrorCode = {}));
    function printParseErrorCode(code) {
        switch (code) {
            case 1 /* ParseErrorCode.InvalidSymbol */: return 'InvalidSymbol';
            case 2 /* ParseErrorCode.InvalidNumberFormat */: return 'InvalidNumberFormat';
            case 3 /* ParseErrorCode.PropertyNameExpected */: return 'PropertyNameExpected';
            case 4 /* ParseErrorCode.ValueExpected */: return 'ValueExpected';
            case 5 /* ParseErrorCode.ColonExpected */: return 'ColonExpected';
            case 6 /* ParseErrorCode.CommaExpected */: return 'CommaExpected';
            case 7 /* ParseErrorCode.CloseBraceExpected */: return 'CloseBraceExpected';
            case 8 /* ParseErrorCode.CloseBracketExpected */: return 'CloseBracketExpected';
            case 9 /* ParseErrorCode.EndOfFileExpected */: return 'EndOfFileExpected';
            case 10 /* ParseErrorCode.InvalidCommentToken */: return 'InvalidCommentToken';
            case 11 /* ParseErrorCode.UnexpectedEndOfComment */: return 'UnexpectedEndOfComment';
            case 12 /* ParseErrorCode.UnexpectedEndOfString */: return 'UnexpectedEndOfString';
            case 13 /* ParseErrorCode.UnexpectedEndOfNumber */: return 'UnexpectedEndOfNumber';
            case 14 /* ParseErrorCode.InvalidUnicode */: return 'InvalidUnicode';
            case 15 /* ParseErrorCode.InvalidEscapeCharacter */: return 'InvalidEscapeCharacter';
            case 16 /* ParseErrorCode.InvalidCharacter */: return 'InvalidCharacter';
        }
        return '<unknown ParseErrorCode>';
    }
    exports.printParseErrorCode = printParseErrorCode;
    /**
     * Computes the edit operations needed to format a JSON document.
     *
     * @param documentText The input text
     * @param range The range to format or `undefined` to format the full content
     * @param options The formatting options
     * @returns The edit operations describing the formatting changes to the original document following the format described in {@linkcode EditResult}.
     * To apply the edit operations to the input, use {@linkcode applyEdits}.
     */
    function format(documentText, range, options) {
        return formatter.format(documentText, range, options);
    }
    exports.format = format;
    /**
     * Computes the edit operations needed to modify a value in the JSON document.
     *
     * @param documentText The input text
     * @param path The path of the value to change. The path represents either to the document root, a property or an array item.
     * If the path points to an non-existing property or item, it will be created.
     * @param value The new value for the specified property or item. If the value is undefined,
     * the property or item will be removed.
     * @param options Options
     * @returns The edit operations describing the changes to the original document, following the format described in {@linkcode EditResult}.
     * To apply the edit operations to the input, use {@linkcode applyEdits}.
     */
    function modify(text, path, value, options) {
        return edit.setProperty(text, path, value, options);
    }
    exports.modify = modify;
    /**
     * Applies edits to an input string.
     * @param text The input text
     * @param edits Edit operations following the format described in {@linkcode EditResult}.
     * @returns The text with the applied edits.
     * @throws An error if the edit operations are not well-formed as described in {@linkcode EditResult}.
     */
    function applyEdits(text, edits) {
        let sortedEdits = edits.slice(0).sort((a, b) => {
            const diff = a.offset - b.offset;
            if (diff === 0) {
                return a.length - b.length;
            }
            return diff;
        });
        let lastModifiedOffset = text.length;
        for (let i = sortedEdits.length - 1; i >= 0; i--) {
            let e = sortedEdits[i];
            if (e.offset + e.length <= lastModifiedOffset) {
                text = edit.applyEdit(text, e);
            }
            else {
                throw new Error('Overlapping edit');
            }
            lastModifiedOffset = e.offset;
        }
        return text;
    }
    exports.applyEdits = applyEdits;
});


/***/ }),

/***/ 9379:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const ANY = Symbol('SemVer ANY')
// hoisted class for cyclic dependency
class Comparator {
  static get ANY () {
    return ANY
  }

  constructor (comp, options) {
    options = parseOptions(options)

    if (comp instanceof Comparator) {
      if (comp.loose === !!options.loose) {
        return comp
      } else {
        comp = comp.value
      }
    }

    comp = comp.trim().split(/\s+/).join(' ')
    debug('comparator', comp, options)
    this.options = options
    this.loose = !!options.loose
    this.parse(comp)

    if (this.semver === ANY) {
      this.value = ''
    } else {
      this.value = this.operator + this.semver.version
    }

    debug('comp', this)
  }

  parse (comp) {
    const r = this.options.loose ? re[t.COMPARATORLOOSE] : re[t.COMPARATOR]
    const m = comp.match(r)

    if (!m) {
      throw new TypeError(`Invalid comparator: ${comp}`)
    }

    this.operator = m[1] !== undefined ? m[1] : ''
    if (this.operator === '=') {
      this.operator = ''
    }

    // if it literally is just '>' or '' then allow anything.
    if (!m[2]) {
      this.semver = ANY
    } else {
      this.semver = new SemVer(m[2], this.options.loose)
    }
  }

  toString () {
    return this.value
  }

  test (version) {
    debug('Comparator.test', version, this.options.loose)

    if (this.semver === ANY || version === ANY) {
      return true
    }

    if (typeof version === 'string') {
      try {
        version = new SemVer(version, this.options)
      } catch (er) {
        return false
      }
    }

    return cmp(version, this.operator, this.semver, this.options)
  }

  intersects (comp, options) {
    if (!(comp instanceof Comparator)) {
      throw new TypeError('a Comparator is required')
    }

    if (this.operator === '') {
      if (this.value === '') {
        return true
      }
      return new Range(comp.value, options).test(this.value)
    } else if (comp.operator === '') {
      if (comp.value === '') {
        return true
      }
      return new Range(this.value, options).test(comp.semver)
    }

    options = parseOptions(options)

    // Special cases where nothing can possibly be lower
    if (options.includePrerelease &&
      (this.value === '<0.0.0-0' || comp.value === '<0.0.0-0')) {
      return false
    }
    if (!options.includePrerelease &&
      (this.value.startsWith('<0.0.0') || comp.value.startsWith('<0.0.0'))) {
      return false
    }

    // Same direction increasing (> or >=)
    if (this.operator.startsWith('>') && comp.operator.startsWith('>')) {
      return true
    }
    // Same direction decreasing (< or <=)
    if (this.operator.startsWith('<') && comp.operator.startsWith('<')) {
      return true
    }
    // same SemVer and both sides are inclusive (<= or >=)
    if (
      (this.semver.version === comp.semver.version) &&
      this.operator.includes('=') && comp.operator.includes('=')) {
      return true
    }
    // opposite directions less than
    if (cmp(this.semver, '<', comp.semver, options) &&
      this.operator.startsWith('>') && comp.operator.startsWith('<')) {
      return true
    }
    // opposite directions greater than
    if (cmp(this.semver, '>', comp.semver, options) &&
      this.operator.startsWith('<') && comp.operator.startsWith('>')) {
      return true
    }
    return false
  }
}

module.exports = Comparator

const parseOptions = __nccwpck_require__(356)
const { safeRe: re, t } = __nccwpck_require__(5471)
const cmp = __nccwpck_require__(8646)
const debug = __nccwpck_require__(1159)
const SemVer = __nccwpck_require__(7163)
const Range = __nccwpck_require__(6782)


/***/ }),

/***/ 6782:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SPACE_CHARACTERS = /\s+/g

// hoisted class for cyclic dependency
class Range {
  constructor (range, options) {
    options = parseOptions(options)

    if (range instanceof Range) {
      if (
        range.loose === !!options.loose &&
        range.includePrerelease === !!options.includePrerelease
      ) {
        return range
      } else {
        return new Range(range.raw, options)
      }
    }

    if (range instanceof Comparator) {
      // just put it in the set and return
      this.raw = range.value
      this.set = [[range]]
      this.formatted = undefined
      return this
    }

    this.options = options
    this.loose = !!options.loose
    this.includePrerelease = !!options.includePrerelease

    // First reduce all whitespace as much as possible so we do not have to rely
    // on potentially slow regexes like \s*. This is then stored and used for
    // future error messages as well.
    this.raw = range.trim().replace(SPACE_CHARACTERS, ' ')

    // First, split on ||
    this.set = this.raw
      .split('||')
      // map the range to a 2d array of comparators
      .map(r => this.parseRange(r.trim()))
      // throw out any comparator lists that are empty
      // this generally means that it was not a valid range, which is allowed
      // in loose mode, but will still throw if the WHOLE range is invalid.
      .filter(c => c.length)

    if (!this.set.length) {
      throw new TypeError(`Invalid SemVer Range: ${this.raw}`)
    }

    // if we have any that are not the null set, throw out null sets.
    if (this.set.length > 1) {
      // keep the first one, in case they're all null sets
      const first = this.set[0]
      this.set = this.set.filter(c => !isNullSet(c[0]))
      if (this.set.length === 0) {
        this.set = [first]
      } else if (this.set.length > 1) {
        // if we have any that are *, then the range is just *
        for (const c of this.set) {
          if (c.length === 1 && isAny(c[0])) {
            this.set = [c]
            break
          }
        }
      }
    }

    this.formatted = undefined
  }

  get range () {
    if (this.formatted === undefined) {
      this.formatted = ''
      for (let i = 0; i < this.set.length; i++) {
        if (i > 0) {
          this.formatted += '||'
        }
        const comps = this.set[i]
        for (let k = 0; k < comps.length; k++) {
          if (k > 0) {
            this.formatted += ' '
          }
          this.formatted += comps[k].toString().trim()
        }
      }
    }
    return this.formatted
  }

  format () {
    return this.range
  }

  toString () {
    return this.range
  }

  parseRange (range) {
    // strip build metadata so it can't bleed into the version
    range = range.replace(BUILDSTRIPRE, '')

    // memoize range parsing for performance.
    // this is a very hot path, and fully deterministic.
    const memoOpts =
      (this.options.includePrerelease && FLAG_INCLUDE_PRERELEASE) |
      (this.options.loose && FLAG_LOOSE)
    const memoKey = memoOpts + ':' + range
    const cached = cache.get(memoKey)
    if (cached) {
      return cached
    }

    const loose = this.options.loose
    // `1.2.3 - 1.2.4` => `>=1.2.3 <=1.2.4`
    const hr = loose ? re[t.HYPHENRANGELOOSE] : re[t.HYPHENRANGE]
    range = range.replace(hr, hyphenReplace(this.options.includePrerelease))
    debug('hyphen replace', range)

    // `> 1.2.3 < 1.2.5` => `>1.2.3 <1.2.5`
    range = trimComparatorWhitespace(range)
    debug('comparator trim', range)

    // `~ 1.2.3` => `~1.2.3`
    range = range.replace(re[t.TILDETRIM], tildeTrimReplace)
    debug('tilde trim', range)

    // `^ 1.2.3` => `^1.2.3`
    range = range.replace(re[t.CARETTRIM], caretTrimReplace)
    debug('caret trim', range)

    // At this point, the range is completely trimmed and
    // ready to be split into comparators.

    let rangeList = range
      .split(' ')
      .map(comp => parseComparator(comp, this.options))
      .join(' ')
      .split(/\s+/)
      // >=0.0.0 is equivalent to *
      .map(comp => replaceGTE0(comp, this.options))

    if (loose) {
      // in loose mode, throw out any that are not valid comparators
      rangeList = rangeList.filter(comp => {
        debug('loose invalid filter', comp, this.options)
        return !!comp.match(re[t.COMPARATORLOOSE])
      })
    }
    debug('range list', rangeList)

    // if any comparators are the null set, then replace with JUST null set
    // if more than one comparator, remove any * comparators
    // also, don't include the same comparator more than once
    const rangeMap = new Map()
    const comparators = rangeList.map(comp => new Comparator(comp, this.options))
    for (const comp of comparators) {
      if (isNullSet(comp)) {
        return [comp]
      }
      rangeMap.set(comp.value, comp)
    }
    if (rangeMap.size > 1 && rangeMap.has('')) {
      rangeMap.delete('')
    }

    const result = [...rangeMap.values()]
    cache.set(memoKey, result)
    return result
  }

  intersects (range, options) {
    if (!(range instanceof Range)) {
      throw new TypeError('a Range is required')
    }

    return this.set.some((thisComparators) => {
      return (
        isSatisfiable(thisComparators, options) &&
        range.set.some((rangeComparators) => {
          return (
            isSatisfiable(rangeComparators, options) &&
            thisComparators.every((thisComparator) => {
              return rangeComparators.every((rangeComparator) => {
                return thisComparator.intersects(rangeComparator, options)
              })
            })
          )
        })
      )
    })
  }

  // if ANY of the sets match ALL of its comparators, then pass
  test (version) {
    if (!version) {
      return false
    }

    if (typeof version === 'string') {
      try {
        version = new SemVer(version, this.options)
      } catch (er) {
        return false
      }
    }

    for (let i = 0; i < this.set.length; i++) {
      if (testSet(this.set[i], version, this.options)) {
        return true
      }
    }
    return false
  }
}

module.exports = Range

const LRU = __nccwpck_require__(1383)
const cache = new LRU()

const parseOptions = __nccwpck_require__(356)
const Comparator = __nccwpck_require__(9379)
const debug = __nccwpck_require__(1159)
const SemVer = __nccwpck_require__(7163)
const trimComparatorWhitespace = __nccwpck_require__(9737)
const {
  safeRe: re,
  src,
  t,
  tildeTrimReplace,
  caretTrimReplace,
} = __nccwpck_require__(5471)
const { FLAG_INCLUDE_PRERELEASE, FLAG_LOOSE } = __nccwpck_require__(5101)

// unbounded global build-metadata stripper used by parseRange
const BUILDSTRIPRE = new RegExp(src[t.BUILD], 'g')

const isNullSet = c => c.value === '<0.0.0-0'
const isAny = c => c.value === ''

// take a set of comparators and determine whether there
// exists a version which can satisfy it
const isSatisfiable = (comparators, options) => {
  let result = true
  const remainingComparators = comparators.slice()
  let testComparator = remainingComparators.pop()

  while (result && remainingComparators.length) {
    result = remainingComparators.every((otherComparator) => {
      return testComparator.intersects(otherComparator, options)
    })

    testComparator = remainingComparators.pop()
  }

  return result
}

// comprised of xranges, tildes, stars, and gtlt's at this point.
// already replaced the hyphen ranges
// turn into a set of JUST comparators.
const parseComparator = (comp, options) => {
  comp = comp.replace(re[t.BUILD], '')
  debug('comp', comp, options)
  comp = replaceCarets(comp, options)
  debug('caret', comp)
  comp = replaceTildes(comp, options)
  debug('tildes', comp)
  comp = replaceXRanges(comp, options)
  debug('xrange', comp)
  comp = replaceStars(comp, options)
  debug('stars', comp)
  return comp
}

const isX = id => !id || id.toLowerCase() === 'x' || id === '*'

const invalidXRangeOrder = (M, m, p) => (
  (isX(M) && !isX(m)) ||
  (isX(m) && p && !isX(p))
)

// ~, ~> --> * (any, kinda silly)
// ~2, ~2.x, ~2.x.x, ~>2, ~>2.x ~>2.x.x --> >=2.0.0 <3.0.0-0
// ~2.0, ~2.0.x, ~>2.0, ~>2.0.x --> >=2.0.0 <2.1.0-0
// ~1.2, ~1.2.x, ~>1.2, ~>1.2.x --> >=1.2.0 <1.3.0-0
// ~1.2.3, ~>1.2.3 --> >=1.2.3 <1.3.0-0
// ~1.2.0, ~>1.2.0 --> >=1.2.0 <1.3.0-0
// ~0.0.1 --> >=0.0.1 <0.1.0-0
const replaceTildes = (comp, options) => {
  return comp
    .trim()
    .split(/\s+/)
    .map((c) => replaceTilde(c, options))
    .join(' ')
}

const replaceTilde = (comp, options) => {
  const r = options.loose ? re[t.TILDELOOSE] : re[t.TILDE]
  // if we're including prereleases in the match, then the lower bound is
  // -0, the lowest possible prerelease value, just like x-ranges and carets.
  // this keeps `~1.2` equivalent to the `1.2.x` x-range it's documented as.
  const z = options.includePrerelease ? '-0' : ''
  return comp.replace(r, (_, M, m, p, pr) => {
    debug('tilde', comp, _, M, m, p, pr)
    let ret

    if (isX(M)) {
      ret = ''
    } else if (isX(m)) {
      ret = `>=${M}.0.0${z} <${+M + 1}.0.0-0`
    } else if (isX(p)) {
      // ~1.2 == >=1.2.0 <1.3.0-0
      ret = `>=${M}.${m}.0${z} <${M}.${+m + 1}.0-0`
    } else if (pr) {
      debug('replaceTilde pr', pr)
      ret = `>=${M}.${m}.${p}-${pr
      } <${M}.${+m + 1}.0-0`
    } else {
      // ~1.2.3 == >=1.2.3 <1.3.0-0
      ret = `>=${M}.${m}.${p
      } <${M}.${+m + 1}.0-0`
    }

    debug('tilde return', ret)
    return ret
  })
}

// ^ --> * (any, kinda silly)
// ^2, ^2.x, ^2.x.x --> >=2.0.0 <3.0.0-0
// ^2.0, ^2.0.x --> >=2.0.0 <3.0.0-0
// ^1.2, ^1.2.x --> >=1.2.0 <2.0.0-0
// ^1.2.3 --> >=1.2.3 <2.0.0-0
// ^1.2.0 --> >=1.2.0 <2.0.0-0
// ^0.0.1 --> >=0.0.1 <0.0.2-0
// ^0.1.0 --> >=0.1.0 <0.2.0-0
const replaceCarets = (comp, options) => {
  return comp
    .trim()
    .split(/\s+/)
    .map((c) => replaceCaret(c, options))
    .join(' ')
}

const replaceCaret = (comp, options) => {
  debug('caret', comp, options)
  const r = options.loose ? re[t.CARETLOOSE] : re[t.CARET]
  const z = options.includePrerelease ? '-0' : ''
  return comp.replace(r, (_, M, m, p, pr) => {
    debug('caret', comp, _, M, m, p, pr)
    let ret

    if (isX(M)) {
      ret = ''
    } else if (isX(m)) {
      ret = `>=${M}.0.0${z} <${+M + 1}.0.0-0`
    } else if (isX(p)) {
      if (M === '0') {
        ret = `>=${M}.${m}.0${z} <${M}.${+m + 1}.0-0`
      } else {
        ret = `>=${M}.${m}.0${z} <${+M + 1}.0.0-0`
      }
    } else if (pr) {
      debug('replaceCaret pr', pr)
      if (M === '0') {
        if (m === '0') {
          ret = `>=${M}.${m}.${p}-${pr
          } <${M}.${m}.${+p + 1}-0`
        } else {
          ret = `>=${M}.${m}.${p}-${pr
          } <${M}.${+m + 1}.0-0`
        }
      } else {
        ret = `>=${M}.${m}.${p}-${pr
        } <${+M + 1}.0.0-0`
      }
    } else {
      debug('no pr')
      if (M === '0') {
        if (m === '0') {
          ret = `>=${M}.${m}.${p
          } <${M}.${m}.${+p + 1}-0`
        } else {
          ret = `>=${M}.${m}.${p
          } <${M}.${+m + 1}.0-0`
        }
      } else {
        ret = `>=${M}.${m}.${p
        } <${+M + 1}.0.0-0`
      }
    }

    debug('caret return', ret)
    return ret
  })
}

const replaceXRanges = (comp, options) => {
  debug('replaceXRanges', comp, options)
  return comp
    .split(/\s+/)
    .map((c) => replaceXRange(c, options))
    .join(' ')
}

const replaceXRange = (comp, options) => {
  comp = comp.trim()
  const r = options.loose ? re[t.XRANGELOOSE] : re[t.XRANGE]
  return comp.replace(r, (ret, gtlt, M, m, p, pr) => {
    debug('xRange', comp, ret, gtlt, M, m, p, pr)
    if (invalidXRangeOrder(M, m, p)) {
      return comp
    }

    const xM = isX(M)
    const xm = xM || isX(m)
    const xp = xm || isX(p)
    const anyX = xp

    if (gtlt === '=' && anyX) {
      gtlt = ''
    }

    // if we're including prereleases in the match, then we need
    // to fix this to -0, the lowest possible prerelease value
    pr = options.includePrerelease ? '-0' : ''

    if (xM) {
      if (gtlt === '>' || gtlt === '<') {
        // nothing is allowed
        ret = '<0.0.0-0'
      } else {
        // nothing is forbidden
        ret = '*'
      }
    } else if (gtlt && anyX) {
      // we know patch is an x, because we have any x at all.
      // replace X with 0
      if (xm) {
        m = 0
      }
      p = 0

      if (gtlt === '>') {
        // >1 => >=2.0.0
        // >1.2 => >=1.3.0
        gtlt = '>='
        if (xm) {
          M = +M + 1
          m = 0
          p = 0
        } else {
          m = +m + 1
          p = 0
        }
      } else if (gtlt === '<=') {
        // <=0.7.x is actually <0.8.0, since any 0.7.x should
        // pass.  Similarly, <=7.x is actually <8.0.0, etc.
        gtlt = '<'
        if (xm) {
          M = +M + 1
        } else {
          m = +m + 1
        }
      }

      if (gtlt === '<') {
        pr = '-0'
      }

      ret = `${gtlt + M}.${m}.${p}${pr}`
    } else if (xm) {
      ret = `>=${M}.0.0${pr} <${+M + 1}.0.0-0`
    } else if (xp) {
      ret = `>=${M}.${m}.0${pr
      } <${M}.${+m + 1}.0-0`
    }

    debug('xRange return', ret)

    return ret
  })
}

// Because * is AND-ed with everything else in the comparator,
// and '' means "any version", just remove the *s entirely.
const replaceStars = (comp, options) => {
  debug('replaceStars', comp, options)
  // Looseness is ignored here.  star is always as loose as it gets!
  return comp
    .trim()
    .replace(re[t.STAR], '')
}

const replaceGTE0 = (comp, options) => {
  debug('replaceGTE0', comp, options)
  return comp
    .trim()
    .replace(re[options.includePrerelease ? t.GTE0PRE : t.GTE0], '')
}

// This function is passed to string.replace(re[t.HYPHENRANGE])
// M, m, patch, prerelease, build
// 1.2 - 3.4.5 => >=1.2.0 <=3.4.5
// 1.2.3 - 3.4 => >=1.2.0 <3.5.0-0 Any 3.4.x will do
// 1.2 - 3.4 => >=1.2.0 <3.5.0-0
// TODO build?
const hyphenReplace = incPr => ($0,
  from, fM, fm, fp, fpr, fb,
  to, tM, tm, tp, tpr) => {
  if (isX(fM)) {
    from = ''
  } else if (isX(fm)) {
    from = `>=${fM}.0.0${incPr ? '-0' : ''}`
  } else if (isX(fp)) {
    from = `>=${fM}.${fm}.0${incPr ? '-0' : ''}`
  } else if (fpr) {
    from = `>=${from}`
  } else {
    from = `>=${from}${incPr ? '-0' : ''}`
  }

  if (isX(tM)) {
    to = ''
  } else if (isX(tm)) {
    to = `<${+tM + 1}.0.0-0`
  } else if (isX(tp)) {
    to = `<${tM}.${+tm + 1}.0-0`
  } else if (tpr) {
    to = `<=${tM}.${tm}.${tp}-${tpr}`
  } else if (incPr) {
    to = `<${tM}.${tm}.${+tp + 1}-0`
  } else {
    to = `<=${to}`
  }

  return `${from} ${to}`.trim()
}

const testSet = (set, version, options) => {
  for (let i = 0; i < set.length; i++) {
    if (!set[i].test(version)) {
      return false
    }
  }

  if (version.prerelease.length && !options.includePrerelease) {
    // Find the set of versions that are allowed to have prereleases
    // For example, ^1.2.3-pr.1 desugars to >=1.2.3-pr.1 <2.0.0
    // That should allow `1.2.3-pr.2` to pass.
    // However, `1.2.4-alpha.notready` should NOT be allowed,
    // even though it's within the range set by the comparators.
    for (let i = 0; i < set.length; i++) {
      debug(set[i].semver)
      if (set[i].semver === Comparator.ANY) {
        continue
      }

      if (set[i].semver.prerelease.length > 0) {
        const allowed = set[i].semver
        if (allowed.major === version.major &&
            allowed.minor === version.minor &&
            allowed.patch === version.patch) {
          return true
        }
      }
    }

    // Version has a -pre, but it's not one of the ones we like.
    return false
  }

  return true
}


/***/ }),

/***/ 7163:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const debug = __nccwpck_require__(1159)
const { MAX_LENGTH, MAX_SAFE_INTEGER } = __nccwpck_require__(5101)
const { safeRe: re, t } = __nccwpck_require__(5471)

const parseOptions = __nccwpck_require__(356)
const { compareIdentifiers } = __nccwpck_require__(3348)

const isPrereleaseIdentifier = (prerelease, identifier) => {
  const identifiers = identifier.split('.')
  if (identifiers.length > prerelease.length) {
    return false
  }

  for (let i = 0; i < identifiers.length; i++) {
    if (compareIdentifiers(prerelease[i], identifiers[i]) !== 0) {
      return false
    }
  }

  return true
}

class SemVer {
  constructor (version, options) {
    options = parseOptions(options)

    if (version instanceof SemVer) {
      if (version.loose === !!options.loose &&
        version.includePrerelease === !!options.includePrerelease) {
        return version
      } else {
        version = version.version
      }
    } else if (typeof version !== 'string') {
      throw new TypeError(`Invalid version. Must be a string. Got type "${typeof version}".`)
    }

    if (version.length > MAX_LENGTH) {
      throw new TypeError(
        `version is longer than ${MAX_LENGTH} characters`
      )
    }

    debug('SemVer', version, options)
    this.options = options
    this.loose = !!options.loose
    // this isn't actually relevant for versions, but keep it so that we
    // don't run into trouble passing this.options around.
    this.includePrerelease = !!options.includePrerelease

    const m = version.trim().match(options.loose ? re[t.LOOSE] : re[t.FULL])

    if (!m) {
      throw new TypeError(`Invalid Version: ${version}`)
    }

    this.raw = version

    // these are actually numbers
    this.major = +m[1]
    this.minor = +m[2]
    this.patch = +m[3]

    if (this.major > MAX_SAFE_INTEGER || this.major < 0) {
      throw new TypeError('Invalid major version')
    }

    if (this.minor > MAX_SAFE_INTEGER || this.minor < 0) {
      throw new TypeError('Invalid minor version')
    }

    if (this.patch > MAX_SAFE_INTEGER || this.patch < 0) {
      throw new TypeError('Invalid patch version')
    }

    // numberify any prerelease numeric ids
    if (!m[4]) {
      this.prerelease = []
    } else {
      this.prerelease = m[4].split('.').map((id) => {
        if (/^[0-9]+$/.test(id)) {
          const num = +id
          if (num >= 0 && num < MAX_SAFE_INTEGER) {
            return num
          }
        }
        return id
      })
    }

    this.build = m[5] ? m[5].split('.') : []
    this.format()
  }

  format () {
    this.version = `${this.major}.${this.minor}.${this.patch}`
    if (this.prerelease.length) {
      this.version += `-${this.prerelease.join('.')}`
    }
    return this.version
  }

  toString () {
    return this.version
  }

  compare (other) {
    debug('SemVer.compare', this.version, this.options, other)
    if (!(other instanceof SemVer)) {
      if (typeof other === 'string' && other === this.version) {
        return 0
      }
      other = new SemVer(other, this.options)
    }

    if (other.version === this.version) {
      return 0
    }

    return this.compareMain(other) || this.comparePre(other)
  }

  compareMain (other) {
    if (!(other instanceof SemVer)) {
      other = new SemVer(other, this.options)
    }

    if (this.major < other.major) {
      return -1
    }
    if (this.major > other.major) {
      return 1
    }
    if (this.minor < other.minor) {
      return -1
    }
    if (this.minor > other.minor) {
      return 1
    }
    if (this.patch < other.patch) {
      return -1
    }
    if (this.patch > other.patch) {
      return 1
    }
    return 0
  }

  comparePre (other) {
    if (!(other instanceof SemVer)) {
      other = new SemVer(other, this.options)
    }

    // NOT having a prerelease is > having one
    if (this.prerelease.length && !other.prerelease.length) {
      return -1
    } else if (!this.prerelease.length && other.prerelease.length) {
      return 1
    } else if (!this.prerelease.length && !other.prerelease.length) {
      return 0
    }

    let i = 0
    do {
      const a = this.prerelease[i]
      const b = other.prerelease[i]
      debug('prerelease compare', i, a, b)
      if (a === undefined && b === undefined) {
        return 0
      } else if (b === undefined) {
        return 1
      } else if (a === undefined) {
        return -1
      } else if (a === b) {
        continue
      } else {
        return compareIdentifiers(a, b)
      }
    } while (++i)
  }

  compareBuild (other) {
    if (!(other instanceof SemVer)) {
      other = new SemVer(other, this.options)
    }

    let i = 0
    do {
      const a = this.build[i]
      const b = other.build[i]
      debug('build compare', i, a, b)
      if (a === undefined && b === undefined) {
        return 0
      } else if (b === undefined) {
        return 1
      } else if (a === undefined) {
        return -1
      } else if (a === b) {
        continue
      } else {
        return compareIdentifiers(a, b)
      }
    } while (++i)
  }

  // preminor will bump the version up to the next minor release, and immediately
  // down to pre-release. premajor and prepatch work the same way.
  inc (release, identifier, identifierBase) {
    if (release.startsWith('pre')) {
      if (!identifier && identifierBase === false) {
        throw new Error('invalid increment argument: identifier is empty')
      }
      // Avoid an invalid semver results
      if (identifier) {
        const match = `-${identifier}`.match(this.options.loose ? re[t.PRERELEASELOOSE] : re[t.PRERELEASE])
        if (!match || match[1] !== identifier) {
          throw new Error(`invalid identifier: ${identifier}`)
        }
      }
    }

    switch (release) {
      case 'premajor':
        this.prerelease.length = 0
        this.patch = 0
        this.minor = 0
        this.major++
        this.inc('pre', identifier, identifierBase)
        break
      case 'preminor':
        this.prerelease.length = 0
        this.patch = 0
        this.minor++
        this.inc('pre', identifier, identifierBase)
        break
      case 'prepatch':
        // If this is already a prerelease, it will bump to the next version
        // drop any prereleases that might already exist, since they are not
        // relevant at this point.
        this.prerelease.length = 0
        this.inc('patch', identifier, identifierBase)
        this.inc('pre', identifier, identifierBase)
        break
      // If the input is a non-prerelease version, this acts the same as
      // prepatch.
      case 'prerelease':
        if (this.prerelease.length === 0) {
          this.inc('patch', identifier, identifierBase)
        }
        this.inc('pre', identifier, identifierBase)
        break
      case 'release':
        if (this.prerelease.length === 0) {
          throw new Error(`version ${this.raw} is not a prerelease`)
        }
        this.prerelease.length = 0
        break

      case 'major':
        // If this is a pre-major version, bump up to the same major version.
        // Otherwise increment major.
        // 1.0.0-5 bumps to 1.0.0
        // 1.1.0 bumps to 2.0.0
        if (
          this.minor !== 0 ||
          this.patch !== 0 ||
          this.prerelease.length === 0
        ) {
          this.major++
        }
        this.minor = 0
        this.patch = 0
        this.prerelease = []
        break
      case 'minor':
        // If this is a pre-minor version, bump up to the same minor version.
        // Otherwise increment minor.
        // 1.2.0-5 bumps to 1.2.0
        // 1.2.1 bumps to 1.3.0
        if (this.patch !== 0 || this.prerelease.length === 0) {
          this.minor++
        }
        this.patch = 0
        this.prerelease = []
        break
      case 'patch':
        // If this is not a pre-release version, it will increment the patch.
        // If it is a pre-release it will bump up to the same patch version.
        // 1.2.0-5 patches to 1.2.0
        // 1.2.0 patches to 1.2.1
        if (this.prerelease.length === 0) {
          this.patch++
        }
        this.prerelease = []
        break
      // This probably shouldn't be used publicly.
      // 1.0.0 'pre' would become 1.0.0-0 which is the wrong direction.
      case 'pre': {
        const base = Number(identifierBase) ? 1 : 0

        if (this.prerelease.length === 0) {
          this.prerelease = [base]
        } else {
          let i = this.prerelease.length
          while (--i >= 0) {
            if (typeof this.prerelease[i] === 'number') {
              this.prerelease[i]++
              i = -2
            }
          }
          if (i === -1) {
            // didn't increment anything
            if (identifier === this.prerelease.join('.') && identifierBase === false) {
              throw new Error('invalid increment argument: identifier already exists')
            }
            this.prerelease.push(base)
          }
        }
        if (identifier) {
          // 1.2.0-beta.1 bumps to 1.2.0-beta.2,
          // 1.2.0-beta.fooblz or 1.2.0-beta bumps to 1.2.0-beta.0
          let prerelease = [identifier, base]
          if (identifierBase === false) {
            prerelease = [identifier]
          }
          if (isPrereleaseIdentifier(this.prerelease, identifier)) {
            const prereleaseBase = this.prerelease[identifier.split('.').length]
            if (isNaN(prereleaseBase)) {
              this.prerelease = prerelease
            }
          } else {
            this.prerelease = prerelease
          }
        }
        break
      }
      default:
        throw new Error(`invalid increment argument: ${release}`)
    }
    this.raw = this.format()
    if (this.build.length) {
      this.raw += `+${this.build.join('.')}`
    }
    return this
  }
}

module.exports = SemVer


/***/ }),

/***/ 1799:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const parse = __nccwpck_require__(6353)
const clean = (version, options) => {
  const s = parse(version.trim().replace(/^[=v]+/, ''), options)
  return s ? s.version : null
}
module.exports = clean


/***/ }),

/***/ 8646:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const eq = __nccwpck_require__(5082)
const neq = __nccwpck_require__(4974)
const gt = __nccwpck_require__(6599)
const gte = __nccwpck_require__(1236)
const lt = __nccwpck_require__(3872)
const lte = __nccwpck_require__(6717)

const cmp = (a, op, b, loose) => {
  switch (op) {
    case '===':
      if (typeof a === 'object') {
        a = a.version
      }
      if (typeof b === 'object') {
        b = b.version
      }
      return a === b

    case '!==':
      if (typeof a === 'object') {
        a = a.version
      }
      if (typeof b === 'object') {
        b = b.version
      }
      return a !== b

    case '':
    case '=':
    case '==':
      return eq(a, b, loose)

    case '!=':
      return neq(a, b, loose)

    case '>':
      return gt(a, b, loose)

    case '>=':
      return gte(a, b, loose)

    case '<':
      return lt(a, b, loose)

    case '<=':
      return lte(a, b, loose)

    default:
      throw new TypeError(`Invalid operator: ${op}`)
  }
}
module.exports = cmp


/***/ }),

/***/ 5385:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const parse = __nccwpck_require__(6353)
const { safeRe: re, t } = __nccwpck_require__(5471)

const coerce = (version, options) => {
  if (version instanceof SemVer) {
    return version
  }

  if (typeof version === 'number') {
    version = String(version)
  }

  if (typeof version !== 'string') {
    return null
  }

  options = options || {}

  let match = null
  if (!options.rtl) {
    match = version.match(options.includePrerelease ? re[t.COERCEFULL] : re[t.COERCE])
  } else {
    // Find the right-most coercible string that does not share
    // a terminus with a more left-ward coercible string.
    // Eg, '1.2.3.4' wants to coerce '2.3.4', not '3.4' or '4'
    // With includePrerelease option set, '1.2.3.4-rc' wants to coerce '2.3.4-rc', not '2.3.4'
    //
    // Walk through the string checking with a /g regexp
    // Manually set the index so as to pick up overlapping matches.
    // Stop when we get a match that ends at the string end, since no
    // coercible string can be more right-ward without the same terminus.
    const coerceRtlRegex = options.includePrerelease ? re[t.COERCERTLFULL] : re[t.COERCERTL]
    let next
    while ((next = coerceRtlRegex.exec(version)) &&
        (!match || match.index + match[0].length !== version.length)
    ) {
      if (!match ||
            next.index + next[0].length !== match.index + match[0].length) {
        match = next
      }
      coerceRtlRegex.lastIndex = next.index + next[1].length + next[2].length
    }
    // leave it in a clean state
    coerceRtlRegex.lastIndex = -1
  }

  if (match === null) {
    return null
  }

  const major = match[2]
  const minor = match[3] || '0'
  const patch = match[4] || '0'
  const prerelease = options.includePrerelease && match[5] ? `-${match[5]}` : ''
  const build = options.includePrerelease && match[6] ? `+${match[6]}` : ''

  return parse(`${major}.${minor}.${patch}${prerelease}${build}`, options)
}
module.exports = coerce


/***/ }),

/***/ 7648:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const compareBuild = (a, b, loose) => {
  const versionA = new SemVer(a, loose)
  const versionB = new SemVer(b, loose)
  return versionA.compare(versionB) || versionA.compareBuild(versionB)
}
module.exports = compareBuild


/***/ }),

/***/ 6874:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(8469)
const compareLoose = (a, b) => compare(a, b, true)
module.exports = compareLoose


/***/ }),

/***/ 8469:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const compare = (a, b, loose) =>
  new SemVer(a, loose).compare(new SemVer(b, loose))

module.exports = compare


/***/ }),

/***/ 711:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const parse = __nccwpck_require__(6353)

const diff = (version1, version2) => {
  const v1 = parse(version1, null, true)
  const v2 = parse(version2, null, true)
  const comparison = v1.compare(v2)

  if (comparison === 0) {
    return null
  }

  const v1Higher = comparison > 0
  const highVersion = v1Higher ? v1 : v2
  const lowVersion = v1Higher ? v2 : v1
  const highHasPre = !!highVersion.prerelease.length
  const lowHasPre = !!lowVersion.prerelease.length

  if (lowHasPre && !highHasPre) {
    // Going from prerelease -> no prerelease requires some special casing

    // If the low version has only a major, then it will always be a major
    // Some examples:
    // 1.0.0-1 -> 1.0.0
    // 1.0.0-1 -> 1.1.1
    // 1.0.0-1 -> 2.0.0
    if (!lowVersion.patch && !lowVersion.minor) {
      return 'major'
    }

    // If the main part has no difference
    if (lowVersion.compareMain(highVersion) === 0) {
      if (lowVersion.minor && !lowVersion.patch) {
        return 'minor'
      }
      return 'patch'
    }
  }

  // add the `pre` prefix if we are going to a prerelease version
  const prefix = highHasPre ? 'pre' : ''

  if (v1.major !== v2.major) {
    return prefix + 'major'
  }

  if (v1.minor !== v2.minor) {
    return prefix + 'minor'
  }

  if (v1.patch !== v2.patch) {
    return prefix + 'patch'
  }

  // high and low are prereleases
  return 'prerelease'
}

module.exports = diff


/***/ }),

/***/ 5082:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(8469)
const eq = (a, b, loose) => compare(a, b, loose) === 0
module.exports = eq


/***/ }),

/***/ 6599:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(8469)
const gt = (a, b, loose) => compare(a, b, loose) > 0
module.exports = gt


/***/ }),

/***/ 1236:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(8469)
const gte = (a, b, loose) => compare(a, b, loose) >= 0
module.exports = gte


/***/ }),

/***/ 2338:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)

const inc = (version, release, options, identifier, identifierBase) => {
  if (typeof (options) === 'string') {
    identifierBase = identifier
    identifier = options
    options = undefined
  }

  try {
    return new SemVer(
      version instanceof SemVer ? version.version : version,
      options
    ).inc(release, identifier, identifierBase).version
  } catch (er) {
    return null
  }
}
module.exports = inc


/***/ }),

/***/ 3872:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(8469)
const lt = (a, b, loose) => compare(a, b, loose) < 0
module.exports = lt


/***/ }),

/***/ 6717:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(8469)
const lte = (a, b, loose) => compare(a, b, loose) <= 0
module.exports = lte


/***/ }),

/***/ 8511:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const major = (a, loose) => new SemVer(a, loose).major
module.exports = major


/***/ }),

/***/ 2603:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const minor = (a, loose) => new SemVer(a, loose).minor
module.exports = minor


/***/ }),

/***/ 4974:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(8469)
const neq = (a, b, loose) => compare(a, b, loose) !== 0
module.exports = neq


/***/ }),

/***/ 6353:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const parse = (version, options, throwErrors = false) => {
  if (version instanceof SemVer) {
    return version
  }
  try {
    return new SemVer(version, options)
  } catch (er) {
    if (!throwErrors) {
      return null
    }
    throw er
  }
}

module.exports = parse


/***/ }),

/***/ 8756:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const patch = (a, loose) => new SemVer(a, loose).patch
module.exports = patch


/***/ }),

/***/ 5714:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const parse = __nccwpck_require__(6353)
const prerelease = (version, options) => {
  const parsed = parse(version, options)
  return (parsed && parsed.prerelease.length) ? parsed.prerelease : null
}
module.exports = prerelease


/***/ }),

/***/ 2173:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(8469)
const rcompare = (a, b, loose) => compare(b, a, loose)
module.exports = rcompare


/***/ }),

/***/ 7192:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compareBuild = __nccwpck_require__(7648)
const rsort = (list, loose) => list.sort((a, b) => compareBuild(b, a, loose))
module.exports = rsort


/***/ }),

/***/ 8011:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const Range = __nccwpck_require__(6782)
const satisfies = (version, range, options) => {
  try {
    range = new Range(range, options)
  } catch (er) {
    return false
  }
  return range.test(version)
}
module.exports = satisfies


/***/ }),

/***/ 7491:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compareBuild = __nccwpck_require__(7648)
const sort = (list, loose) => list.sort((a, b) => compareBuild(a, b, loose))
module.exports = sort


/***/ }),

/***/ 6114:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const parse = __nccwpck_require__(6353)
const constants = __nccwpck_require__(5101)
const SemVer = __nccwpck_require__(7163)

const truncate = (version, truncation, options) => {
  if (!constants.RELEASE_TYPES.includes(truncation)) {
    return null
  }

  const clonedVersion = cloneInputVersion(version, options)
  return clonedVersion && doTruncation(clonedVersion, truncation)
}

const cloneInputVersion = (version, options) => {
  const versionStringToParse = (
    version instanceof SemVer ? version.version : version
  )

  return parse(versionStringToParse, options)
}

const doTruncation = (version, truncation) => {
  if (isPrerelease(truncation)) {
    return version.version
  }

  version.prerelease = []

  switch (truncation) {
    case 'major':
      version.minor = 0
      version.patch = 0
      break
    case 'minor':
      version.patch = 0
      break
  }

  return version.format()
}

const isPrerelease = (type) => {
  return type.startsWith('pre')
}

module.exports = truncate


/***/ }),

/***/ 8780:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const parse = __nccwpck_require__(6353)
const valid = (version, options) => {
  const v = parse(version, options)
  return v ? v.version : null
}
module.exports = valid


/***/ }),

/***/ 2088:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



// just pre-load all the stuff that index.js lazily exports
const internalRe = __nccwpck_require__(5471)
const constants = __nccwpck_require__(5101)
const SemVer = __nccwpck_require__(7163)
const identifiers = __nccwpck_require__(3348)
const parse = __nccwpck_require__(6353)
const valid = __nccwpck_require__(8780)
const clean = __nccwpck_require__(1799)
const inc = __nccwpck_require__(2338)
const diff = __nccwpck_require__(711)
const major = __nccwpck_require__(8511)
const minor = __nccwpck_require__(2603)
const patch = __nccwpck_require__(8756)
const prerelease = __nccwpck_require__(5714)
const compare = __nccwpck_require__(8469)
const rcompare = __nccwpck_require__(2173)
const compareLoose = __nccwpck_require__(6874)
const compareBuild = __nccwpck_require__(7648)
const sort = __nccwpck_require__(7491)
const rsort = __nccwpck_require__(7192)
const gt = __nccwpck_require__(6599)
const lt = __nccwpck_require__(3872)
const eq = __nccwpck_require__(5082)
const neq = __nccwpck_require__(4974)
const gte = __nccwpck_require__(1236)
const lte = __nccwpck_require__(6717)
const cmp = __nccwpck_require__(8646)
const coerce = __nccwpck_require__(5385)
const truncate = __nccwpck_require__(6114)
const Comparator = __nccwpck_require__(9379)
const Range = __nccwpck_require__(6782)
const satisfies = __nccwpck_require__(8011)
const toComparators = __nccwpck_require__(4750)
const maxSatisfying = __nccwpck_require__(3193)
const minSatisfying = __nccwpck_require__(8595)
const minVersion = __nccwpck_require__(1866)
const validRange = __nccwpck_require__(4737)
const outside = __nccwpck_require__(280)
const gtr = __nccwpck_require__(2276)
const ltr = __nccwpck_require__(5213)
const intersects = __nccwpck_require__(3465)
const simplifyRange = __nccwpck_require__(2028)
const subset = __nccwpck_require__(1489)
module.exports = {
  parse,
  valid,
  clean,
  inc,
  diff,
  major,
  minor,
  patch,
  prerelease,
  compare,
  rcompare,
  compareLoose,
  compareBuild,
  sort,
  rsort,
  gt,
  lt,
  eq,
  neq,
  gte,
  lte,
  cmp,
  coerce,
  truncate,
  Comparator,
  Range,
  satisfies,
  toComparators,
  maxSatisfying,
  minSatisfying,
  minVersion,
  validRange,
  outside,
  gtr,
  ltr,
  intersects,
  simplifyRange,
  subset,
  SemVer,
  re: internalRe.re,
  src: internalRe.src,
  tokens: internalRe.t,
  SEMVER_SPEC_VERSION: constants.SEMVER_SPEC_VERSION,
  RELEASE_TYPES: constants.RELEASE_TYPES,
  compareIdentifiers: identifiers.compareIdentifiers,
  rcompareIdentifiers: identifiers.rcompareIdentifiers,
}


/***/ }),

/***/ 5101:
/***/ ((module) => {



// Note: this is the semver.org version of the spec that it implements
// Not necessarily the package version of this code.
const SEMVER_SPEC_VERSION = '2.0.0'

const MAX_LENGTH = 256
const MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER ||
/* istanbul ignore next */ 9007199254740991

// Max safe segment length for coercion.
const MAX_SAFE_COMPONENT_LENGTH = 16

// Max safe length for a build identifier. The max length minus 6 characters for
// the shortest version with a build 0.0.0+BUILD.
const MAX_SAFE_BUILD_LENGTH = MAX_LENGTH - 6

// ECMAScript whitespace and line terminators matched by \s.
const WHITESPACE_CHARACTERS = [
  '\t',
  '\n',
  '\v',
  '\f',
  '\r',
  ' ',
  '\u00a0',
  '\u1680',
  '\u2000',
  '\u2001',
  '\u2002',
  '\u2003',
  '\u2004',
  '\u2005',
  '\u2006',
  '\u2007',
  '\u2008',
  '\u2009',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
  '\ufeff',
]

const RELEASE_TYPES = [
  'major',
  'premajor',
  'minor',
  'preminor',
  'patch',
  'prepatch',
  'prerelease',
]

module.exports = {
  MAX_LENGTH,
  MAX_SAFE_COMPONENT_LENGTH,
  MAX_SAFE_BUILD_LENGTH,
  MAX_SAFE_INTEGER,
  WHITESPACE_CHARACTERS,
  RELEASE_TYPES,
  SEMVER_SPEC_VERSION,
  FLAG_INCLUDE_PRERELEASE: 0b001,
  FLAG_LOOSE: 0b010,
}


/***/ }),

/***/ 1159:
/***/ ((module) => {



const debug = (
  typeof process === 'object' &&
  process.env &&
  process.env.NODE_DEBUG &&
  /\bsemver\b/i.test(process.env.NODE_DEBUG)
) ? (...args) => console.error('SEMVER', ...args)
  : () => {}

module.exports = debug


/***/ }),

/***/ 3348:
/***/ ((module) => {



const numeric = /^[0-9]+$/
const compareIdentifiers = (a, b) => {
  if (typeof a === 'number' && typeof b === 'number') {
    return a === b ? 0 : a < b ? -1 : 1
  }

  const anum = numeric.test(a)
  const bnum = numeric.test(b)

  if (anum && bnum) {
    a = +a
    b = +b
  }

  return a === b ? 0
    : (anum && !bnum) ? -1
    : (bnum && !anum) ? 1
    : a < b ? -1
    : 1
}

const rcompareIdentifiers = (a, b) => compareIdentifiers(b, a)

module.exports = {
  compareIdentifiers,
  rcompareIdentifiers,
}


/***/ }),

/***/ 1383:
/***/ ((module) => {



class LRUCache {
  constructor () {
    this.max = 1000
    this.map = new Map()
  }

  get (key) {
    const value = this.map.get(key)
    if (value === undefined) {
      return undefined
    } else {
      // Remove the key from the map and add it to the end
      this.map.delete(key)
      this.map.set(key, value)
      return value
    }
  }

  delete (key) {
    return this.map.delete(key)
  }

  set (key, value) {
    const deleted = this.delete(key)

    if (!deleted && value !== undefined) {
      // If cache is full, delete the least recently used item
      if (this.map.size >= this.max) {
        const firstKey = this.map.keys().next().value
        this.delete(firstKey)
      }

      this.map.set(key, value)
    }

    return this
  }
}

module.exports = LRUCache


/***/ }),

/***/ 356:
/***/ ((module) => {



// parse out just the options we care about
const looseOption = Object.freeze({ loose: true })
const emptyOpts = Object.freeze({ })
const parseOptions = options => {
  if (!options) {
    return emptyOpts
  }

  if (typeof options !== 'object') {
    return looseOption
  }

  return options
}
module.exports = parseOptions


/***/ }),

/***/ 5471:
/***/ ((module, exports, __nccwpck_require__) => {



const {
  MAX_SAFE_COMPONENT_LENGTH,
  MAX_SAFE_BUILD_LENGTH,
  MAX_LENGTH,
} = __nccwpck_require__(5101)
const debug = __nccwpck_require__(1159)
exports = module.exports = {}

// The actual regexps go on exports.re
const re = exports.re = []
const safeRe = exports.safeRe = []
const src = exports.src = []
const safeSrc = exports.safeSrc = []
const t = exports.t = {}
let R = 0

const LETTERDASHNUMBER = '[a-zA-Z0-9-]'

// Replace some greedy regex tokens to prevent regex dos issues. These regex are
// used internally via the safeRe object since all inputs in this library get
// normalized first to trim and collapse all extra whitespace. The original
// regexes are exported for userland consumption and lower level usage. A
// future breaking change could export the safer regex only with a note that
// all input should have extra whitespace removed.
const safeRegexReplacements = [
  ['\\s', 1],
  ['\\d', MAX_LENGTH],
  [LETTERDASHNUMBER, MAX_SAFE_BUILD_LENGTH],
]

const makeSafeRegex = (value) => {
  for (const [token, max] of safeRegexReplacements) {
    value = value
      .split(`${token}*`).join(`${token}{0,${max}}`)
      .split(`${token}+`).join(`${token}{1,${max}}`)
  }
  return value
}

const createToken = (name, value, isGlobal) => {
  const safe = makeSafeRegex(value)
  const index = R++
  debug(name, index, value)
  t[name] = index
  src[index] = value
  safeSrc[index] = safe
  re[index] = new RegExp(value, isGlobal ? 'g' : undefined)
  safeRe[index] = new RegExp(safe, isGlobal ? 'g' : undefined)
}

// The following Regular Expressions can be used for tokenizing,
// validating, and parsing SemVer version strings.

// ## Numeric Identifier
// A single `0`, or a non-zero digit followed by zero or more digits.

createToken('NUMERICIDENTIFIER', '0|[1-9]\\d*')
createToken('NUMERICIDENTIFIERLOOSE', '\\d+')

// ## Non-numeric Identifier
// Zero or more digits, followed by a letter or hyphen, and then zero or
// more letters, digits, or hyphens.

createToken('NONNUMERICIDENTIFIER', `\\d*[a-zA-Z-]${LETTERDASHNUMBER}*`)

// ## Main Version
// Three dot-separated numeric identifiers.

createToken('MAINVERSION', `(${src[t.NUMERICIDENTIFIER]})\\.` +
                   `(${src[t.NUMERICIDENTIFIER]})\\.` +
                   `(${src[t.NUMERICIDENTIFIER]})`)

createToken('MAINVERSIONLOOSE', `(${src[t.NUMERICIDENTIFIERLOOSE]})\\.` +
                        `(${src[t.NUMERICIDENTIFIERLOOSE]})\\.` +
                        `(${src[t.NUMERICIDENTIFIERLOOSE]})`)

// ## Pre-release Version Identifier
// A numeric identifier, or a non-numeric identifier.
// Non-numeric identifiers include numeric identifiers but can be longer.
// Therefore non-numeric identifiers must go first.

createToken('PRERELEASEIDENTIFIER', `(?:${src[t.NONNUMERICIDENTIFIER]
}|${src[t.NUMERICIDENTIFIER]})`)

createToken('PRERELEASEIDENTIFIERLOOSE', `(?:${src[t.NONNUMERICIDENTIFIER]
}|${src[t.NUMERICIDENTIFIERLOOSE]})`)

// ## Pre-release Version
// Hyphen, followed by one or more dot-separated pre-release version
// identifiers.

createToken('PRERELEASE', `(?:-(${src[t.PRERELEASEIDENTIFIER]
}(?:\\.${src[t.PRERELEASEIDENTIFIER]})*))`)

createToken('PRERELEASELOOSE', `(?:-?(${src[t.PRERELEASEIDENTIFIERLOOSE]
}(?:\\.${src[t.PRERELEASEIDENTIFIERLOOSE]})*))`)

// ## Build Metadata Identifier
// Any combination of digits, letters, or hyphens.

createToken('BUILDIDENTIFIER', `${LETTERDASHNUMBER}+`)

// ## Build Metadata
// Plus sign, followed by one or more period-separated build metadata
// identifiers.

createToken('BUILD', `(?:\\+(${src[t.BUILDIDENTIFIER]
}(?:\\.${src[t.BUILDIDENTIFIER]})*))`)

// ## Full Version String
// A main version, followed optionally by a pre-release version and
// build metadata.

// Note that the only major, minor, patch, and pre-release sections of
// the version string are capturing groups.  The build metadata is not a
// capturing group, because it should not ever be used in version
// comparison.

createToken('FULLPLAIN', `v?${src[t.MAINVERSION]
}${src[t.PRERELEASE]}?${
  src[t.BUILD]}?`)

createToken('FULL', `^${src[t.FULLPLAIN]}$`)

// like full, but allows v1.2.3 and =1.2.3, which people do sometimes.
// also, 1.0.0alpha1 (prerelease without the hyphen) which is pretty
// common in the npm registry.
createToken('LOOSEPLAIN', `[v=\\s]*${src[t.MAINVERSIONLOOSE]
}${src[t.PRERELEASELOOSE]}?${
  src[t.BUILD]}?`)

createToken('LOOSE', `^${src[t.LOOSEPLAIN]}$`)

createToken('GTLT', '((?:<|>)?=?)')

// Something like "2.*" or "1.2.x".
// Note that "x.x" is a valid xRange identifier, meaning "any version"
// Only the first item is strictly required.
createToken('XRANGEIDENTIFIERLOOSE', `${src[t.NUMERICIDENTIFIERLOOSE]}|x|X|\\*`)
createToken('XRANGEIDENTIFIER', `${src[t.NUMERICIDENTIFIER]}|x|X|\\*`)

createToken('XRANGEPLAIN', `[v=\\s]*(${src[t.XRANGEIDENTIFIER]})` +
                   `(?:\\.(${src[t.XRANGEIDENTIFIER]})` +
                   `(?:\\.(${src[t.XRANGEIDENTIFIER]})` +
                   `(?:${src[t.PRERELEASE]})?${
                     src[t.BUILD]}?` +
                   `)?)?`)

createToken('XRANGEPLAINLOOSE', `[v=\\s]*(${src[t.XRANGEIDENTIFIERLOOSE]})` +
                        `(?:\\.(${src[t.XRANGEIDENTIFIERLOOSE]})` +
                        `(?:\\.(${src[t.XRANGEIDENTIFIERLOOSE]})` +
                        `(?:${src[t.PRERELEASELOOSE]})?${
                          src[t.BUILD]}?` +
                        `)?)?`)

createToken('XRANGE', `^${src[t.GTLT]}\\s*${src[t.XRANGEPLAIN]}$`)
createToken('XRANGELOOSE', `^${src[t.GTLT]}\\s*${src[t.XRANGEPLAINLOOSE]}$`)

// Coercion.
// Extract anything that could conceivably be a part of a valid semver
createToken('COERCEPLAIN', `${'(^|[^\\d])' +
              '(\\d{1,'}${MAX_SAFE_COMPONENT_LENGTH}})` +
              `(?:\\.(\\d{1,${MAX_SAFE_COMPONENT_LENGTH}}))?` +
              `(?:\\.(\\d{1,${MAX_SAFE_COMPONENT_LENGTH}}))?`)
createToken('COERCE', `${src[t.COERCEPLAIN]}(?:$|[^\\d])`)
createToken('COERCEFULL', src[t.COERCEPLAIN] +
              `(?:${src[t.PRERELEASE]})?` +
              `(?:${src[t.BUILD]})?` +
              `(?:$|[^\\d])`)
createToken('COERCERTL', src[t.COERCE], true)
createToken('COERCERTLFULL', src[t.COERCEFULL], true)

// Tilde ranges.
// Meaning is "reasonably at or greater than"
createToken('LONETILDE', '(?:~>?)')

createToken('TILDETRIM', `(\\s*)${src[t.LONETILDE]}\\s+`, true)
exports.tildeTrimReplace = '$1~'

createToken('TILDE', `^${src[t.LONETILDE]}${src[t.XRANGEPLAIN]}$`)
createToken('TILDELOOSE', `^${src[t.LONETILDE]}${src[t.XRANGEPLAINLOOSE]}$`)

// Caret ranges.
// Meaning is "at least and backwards compatible with"
createToken('LONECARET', '(?:\\^)')

createToken('CARETTRIM', `(\\s*)${src[t.LONECARET]}\\s+`, true)
exports.caretTrimReplace = '$1^'

createToken('CARET', `^${src[t.LONECARET]}${src[t.XRANGEPLAIN]}$`)
createToken('CARETLOOSE', `^${src[t.LONECARET]}${src[t.XRANGEPLAINLOOSE]}$`)

// A simple gt/lt/eq thing, or just "" to indicate "any version"
createToken('COMPARATORLOOSE', `^${src[t.GTLT]}\\s*(${src[t.LOOSEPLAIN]})$|^$`)
createToken('COMPARATOR', `^${src[t.GTLT]}\\s*(${src[t.FULLPLAIN]})$|^$`)

// An expression to strip any whitespace between the gtlt and the thing
// it modifies, so that `> 1.2.3` ==> `>1.2.3`
createToken('COMPARATORTRIM', `(\\s*)${src[t.GTLT]
}\\s*(${src[t.LOOSEPLAIN]}|${src[t.XRANGEPLAIN]})`, true)
exports.comparatorTrimReplace = '$1$2$3'

// Something like `1.2.3 - 1.2.4`
// Note that these all use the loose form, because they'll be
// checked against either the strict or loose comparator form
// later.
createToken('HYPHENRANGE', `^\\s*(${src[t.XRANGEPLAIN]})` +
                   `\\s+-\\s+` +
                   `(${src[t.XRANGEPLAIN]})` +
                   `\\s*$`)

createToken('HYPHENRANGELOOSE', `^\\s*(${src[t.XRANGEPLAINLOOSE]})` +
                        `\\s+-\\s+` +
                        `(${src[t.XRANGEPLAINLOOSE]})` +
                        `\\s*$`)

// Star ranges basically just allow anything at all.
createToken('STAR', '(<|>)?=?\\s*\\*')
// >=0.0.0 is like a star
createToken('GTE0', '^\\s*>=\\s*0\\.0\\.0\\s*$')
createToken('GTE0PRE', '^\\s*>=\\s*0\\.0\\.0-0\\s*$')


/***/ }),

/***/ 9737:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

// @ts-check


// Reproduce safeRe[COMPARATORTRIM] replacement boundaries, not version
// validation. Each end-index finder returns an exclusive end, or its start
// on no match.
// Positions count from zero. An end of 3 means characters 0, 1, and 2 were read;
// range.slice(start, end) gives the matched text, not a converted number.
const {
  MAX_LENGTH,
  MAX_SAFE_BUILD_LENGTH,
  WHITESPACE_CHARACTERS,
} = __nccwpck_require__(5101)

/**
 * Remembers the last two rows of digits so their characters need not be reread.
 * Positions start at -1 until a row has been found.
 *
 * @typedef {object} DigitRunCache
 * @property {number} start The first character of the most recently found row.
 * @property {number} end The position after that row's last character.
 * @property {number} previousStart The first character of the previous row.
 * @property {number} previousEnd The position after the previous row.
 */

// One entry per UTF-16 code unit keeps membership checks constant-time.
const whitespace = new Uint8Array(0x10000)
for (const char of WHITESPACE_CHARACTERS) {
  whitespace[char.charCodeAt(0)] = 1
}

/**
 * Checks whether a character is whitespace, like a space, tab, or newline.
 * Looking past the end of the string returns false.
 *
 * @param {string|undefined} char One character, or undefined past the string's end.
 * @returns {boolean} Whether the character is whitespace.
 * @example isWhitespace(' ') // true
 * @example isWhitespace('1') // false
 */
const isWhitespace = char =>
  char !== undefined && whitespace[char.charCodeAt(0)] === 1

/**
 * Checks for v, =, or whitespace before the version number.
 * These are historical version prefixes, not range operators:
 * < and > are handled separately, as are tilde and caret ranges.
 *
 * @param {string|undefined} char One character to check.
 * @returns {boolean} Whether the character can belong to a version prefix.
 * @example isVersionPrefix('=') // true
 * @example isVersionPrefix('>') // false
 */
const isVersionPrefix = char =>
  char === 'v' ||
  char === '=' ||
  isWhitespace(char)

/**
 * Checks whether a character is one of the digits 0 through 9.
 *
 * @param {string|undefined} char One character to check.
 * @returns {boolean} Whether the character is an ASCII digit.
 * @example isDigit('7') // true
 * @example isDigit('.') // false
 */
const isDigit = char => char !== undefined && char >= '0' && char <= '9'

/**
 * Checks whether a character is an English letter, uppercase or lowercase.
 *
 * @param {string|undefined} char One character to check.
 * @returns {boolean} Whether the character is an ASCII letter.
 * @example isLetter('b') // true
 * @example isLetter('7') // false
 */
const isLetter = char =>
  char !== undefined && (
    (char >= 'a' && char <= 'z') ||
    (char >= 'A' && char <= 'Z')
  )

/**
 * Checks for a letter, digit, or hyphen: the characters allowed inside
 * prerelease and build names such as beta-1.
 *
 * @param {string|undefined} char One character to check.
 * @returns {boolean} Whether the character can be part of an identifier.
 * @example isIdentifierCharacter('-') // true
 * @example isIdentifierCharacter('.') // false; dots separate identifiers
 */
const isIdentifierCharacter = char => isDigit(char) || isLetter(char) || char === '-'

/**
 * Checks whether a version component can begin here: with a digit or
 * a wildcard such as x, X, or *.
 *
 * @param {string|undefined} char One character to check.
 * @returns {boolean} Whether a number or wildcard can start with this character.
 * @example isVersionStart('x') // true
 * @example isVersionStart('v') // false; v belongs to the prefix
 */
const isVersionStart = char =>
  isDigit(char) ||
  char === 'x' ||
  char === 'X' ||
  char === '*'

/**
 * Finds the end of a row of digits, but returns no more than limit digits.
 * Remembers the last two rows so looking at them again does not reread them.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position of the first character to check.
 * @param {number} limit The most digit characters the returned match can include.
 * @param {DigitRunCache} digitRuns Shared cache of digit-run positions, updated in place.
 * @returns {number} The position after the matched digits, or start if none match.
 * @example findDigitsEndIndex('123abc', 0, 10, digitRuns) // 3, pointing at a
 * @example findDigitsEndIndex('123abc', 0, 2, digitRuns) // 2, pointing at the unread 3
 */
const findDigitsEndIndex = (range, start, limit, digitRuns) => {
  if (!isDigit(range[start])) {
    return start
  }
  if (start >= digitRuns.start && start < digitRuns.end) {
    return Math.min(start + limit, digitRuns.end)
  }
  if (start >= digitRuns.previousStart && start < digitRuns.previousEnd) {
    return Math.min(start + limit, digitRuns.previousEnd)
  }
  let end = start + 1
  while (isDigit(range[end])) {
    end++
  }
  // A failed full version can rewind from its second run to its first.
  digitRuns.previousStart = digitRuns.start
  digitRuns.previousEnd = digitRuns.end
  digitRuns.start = start
  digitRuns.end = end
  return Math.min(start + limit, end)
}

/**
 * Reads a number using the old regex's length and leading-zero rules.
 * Strict mode reads just the first zero in 012; loose mode can read all three.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the number should begin.
 * @param {boolean} loose Whether to allow leading zeros.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the matched digits, not their numeric value.
 * @example findVersionNumberEndIndex('012', 0, false, digitRuns) // 1
 * @example findVersionNumberEndIndex('012', 0, true, digitRuns) // 3
 */
const findVersionNumberEndIndex = (range, start, loose, digitRuns) => {
  if (!loose && range[start] === '0') {
    return start + 1
  }
  // Strict syntax allows an initial nonzero digit plus MAX_LENGTH digits.
  return findDigitsEndIndex(range, start, loose ? MAX_LENGTH : MAX_LENGTH + 1, digitRuns)
}

/**
 * Reads one piece of a prerelease name, such as beta or 1 in beta.1.
 * Tries the letter-or-hyphen form first, then the number-only form.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the identifier should begin.
 * @param {boolean} loose Whether numeric identifiers may have leading zeros.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the identifier, or start if none matches.
 * @example findPrereleaseIdentifierEndIndex('beta.1', 0, false, digitRuns) // 4, at the dot
 * @example findPrereleaseIdentifierEndIndex('001beta', 0, false, digitRuns) // 7
 */
const findPrereleaseIdentifierEndIndex = (range, start, loose, digitRuns) => {
  const digitsEnd = findDigitsEndIndex(range, start, MAX_LENGTH, digitRuns)
  // The legacy regex tries a nonnumeric identifier before a numeric one.
  if (isLetter(range[digitsEnd]) || range[digitsEnd] === '-') {
    let end = digitsEnd + 1
    const limit = end + MAX_SAFE_BUILD_LENGTH
    while (end < limit && isIdentifierCharacter(range[end])) {
      end++
    }
    return end
  }
  return findVersionNumberEndIndex(range, start, loose, digitRuns)
}

/**
 * Reads a prerelease suffix such as -beta.1, one dot-separated piece at a time.
 * Loose mode also allows the name without its opening hyphen.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the suffix should begin, including -.
 * @param {boolean} loose Whether the opening hyphen is optional and zeros allowed.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the matched suffix, or start if absent.
 * @example findPrereleaseEndIndex('-beta.1+sha', 0, false, digitRuns) // 7, at the plus
 * @example findPrereleaseEndIndex('beta', 0, false, digitRuns) // 0; no opening hyphen
 */
const findPrereleaseEndIndex = (range, start, loose, digitRuns) => {
  const hyphen = range[start] === '-'
  if (!loose && !hyphen) {
    return start
  }
  const identifierStart = start + (hyphen ? 1 : 0)
  let end = findPrereleaseIdentifierEndIndex(range, identifierStart, loose, digitRuns)
  if (end === identifierStart) {
    if (!loose || !hyphen) {
      return start
    }
    // In loose syntax, a lone hyphen can itself be the identifier.
    end = findPrereleaseIdentifierEndIndex(range, start, loose, digitRuns)
  }
  while (range[end] === '.') {
    const next = findPrereleaseIdentifierEndIndex(range, end + 1, loose, digitRuns)
    if (next === end + 1) {
      break
    }
    end = next
  }
  return end
}

/**
 * Reads one build-name piece, such as sha or 123 in +sha.123.
 * Stops at a disallowed character or the old regex's length limit.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the identifier should begin.
 * @returns {number} The position after the identifier, or start if none matches.
 * @example findBuildIdentifierEndIndex('sha.123', 0) // 3, at the dot
 * @example findBuildIdentifierEndIndex('001', 0) // 3; leading zeros are allowed
 */
const findBuildIdentifierEndIndex = (range, start) => {
  let end = start
  while (end - start < MAX_SAFE_BUILD_LENGTH && isIdentifierCharacter(range[end])) {
    end++
  }
  return end
}

/**
 * Reads optional build metadata such as +sha.123.
 * Leaves the position unchanged if there is no plus sign followed by a name.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the opening + should be.
 * @returns {number} The position after the matched metadata, or start if absent.
 * @example findBuildEndIndex('+sha.123 <2', 0) // 8, at the space
 * @example findBuildEndIndex('+', 0) // 0; a plus sign alone is not a match
 */
const findBuildEndIndex = (range, start) => {
  if (range[start] !== '+') {
    return start
  }
  let end = findBuildIdentifierEndIndex(range, start + 1)
  if (end === start + 1) {
    return start
  }
  while (range[end] === '.') {
    const next = findBuildIdentifierEndIndex(range, end + 1)
    if (next === end + 1) {
      break
    }
    end = next
  }
  return end
}

/**
 * Reads three numbers separated by dots, then any prerelease and build suffixes.
 * Uses loose rules, so forms such as 01.02.03beta can match here.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position of the first number, after any prefix.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the version match, or start if none matches.
 * @example findLooseFullVersionEndIndex('1.2.3-beta+sha <2', 0, digitRuns) // 14
 * @example findLooseFullVersionEndIndex('1.2', 0, digitRuns) // 0; needs three numbers
 */
const findLooseFullVersionEndIndex = (range, start, digitRuns) => {
  let end = start
  for (let component = 0; component < 3; component++) {
    const next = findVersionNumberEndIndex(range, end, true, digitRuns)
    if (next === end) {
      return start
    }
    end = next
    if (component < 2) {
      if (range[end] !== '.') {
        return start
      }
      end++
    }
  }
  const prereleaseEnd = findPrereleaseEndIndex(range, end, true, digitRuns)
  return findBuildEndIndex(range, prereleaseEnd)
}

/**
 * Reads one component of a partial or wildcard version, such as 2 or x in 2.x.
 * Numbers use strict leading-zero rules; wildcards take up one character.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the component should begin.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the component, or start if none matches.
 * @example findPartialVersionComponentEndIndex('2.x', 0, digitRuns) // 1, at the dot
 * @example findPartialVersionComponentEndIndex('2.x', 2, digitRuns) // 3, after x
 */
const findPartialVersionComponentEndIndex = (range, start, digitRuns) => {
  if (isDigit(range[start])) {
    return findVersionNumberEndIndex(range, start, false, digitRuns)
  }
  return isVersionStart(range[start]) ? start + 1 : start
}

/**
 * Reads up to three components, allowing forms such as 1, 1.2, or 1.x.
 * After the third component, also reads any strict prerelease and build suffixes.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position of a number or wildcard, after any prefix.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the matched version text.
 * @example findPartialVersionEndIndex('1.x <2', 0, digitRuns) // 3, at the space
 * @example findPartialVersionEndIndex('1.', 0, digitRuns) // 1; the trailing dot is unread
 */
const findPartialVersionEndIndex = (range, start, digitRuns) => {
  let end = findPartialVersionComponentEndIndex(range, start, digitRuns)
  for (let component = 0; component < 2; component++) {
    if (range[end] !== '.') {
      return end
    }
    const next = findPartialVersionComponentEndIndex(range, end + 1, digitRuns)
    if (next === end + 1) {
      return end
    }
    end = next
  }
  const prereleaseEnd = findPrereleaseEndIndex(range, end, false, digitRuns)
  return findBuildEndIndex(range, prereleaseEnd)
}

/**
 * Finds where a version match ends, without deciding whether the range is valid.
 * Tries a loose full version first, then a partial or wildcard version, just
 * like the old regex's LOOSEPLAIN and XRANGEPLAIN alternatives.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position of a number or wildcard, after any prefix.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position where scanning the next candidate can resume.
 * @example findVersionEndIndex('1.2.3 <2', 0, digitRuns) // 5, at the space
 * @example findVersionEndIndex('1.x <2', 0, digitRuns) // 3, at the space
 */
const findVersionEndIndex = (range, start, digitRuns) => {
  const fullVersionEnd = findLooseFullVersionEndIndex(range, start, digitRuns)
  return fullVersionEnd !== start
    ? fullVersionEnd
    : findPartialVersionEndIndex(range, start, digitRuns)
}

/**
 * Finds the one whitespace character the old replacement would remove.
 * Keeps leading whitespace, skips an optional operator, and checks immediately
 * after it. Returns -1 if there is nothing to remove.
 *
 * @param {string} range The text containing a candidate already found by the caller.
 * @param {number} matchStart The candidate's position, including leading whitespace.
 * @returns {number} The position of the removable whitespace, or -1 if absent.
 * @example findRemovableWhitespaceIndex(' > 1', 0) // 2; keep the space at position 0
 * @example findRemovableWhitespaceIndex('>1', 0) // -1
 */
const findRemovableWhitespaceIndex = (range, matchStart) => {
  let position = matchStart
  if (isWhitespace(range[position])) {
    position++
  }
  if (range[position] === '<' || range[position] === '>') {
    position++
  }
  if (range[position] === '=') {
    position++
  }
  return isWhitespace(range[position]) ? position : -1
}

/**
 * Joins an operator to its version, turning > 1.2.3 into >1.2.3.
 * Copies everything else according to the old regex's matching rules.
 * Moves forward through prefixes and whole versions to avoid repeatedly
 * searching the same characters on long inputs.
 *
 * @param {string} range The range text to process; the original string is unchanged.
 * @returns {string} The range with matched operator whitespace removed.
 * @example trimComparatorWhitespace('> 1.2.3 < 2') // '>1.2.3 <2'
 * @example trimComparatorWhitespace('> invalid') // '> invalid'
 */
const trimComparatorWhitespace = range => {
  let result = ''
  let copyFrom = 0
  let cursor = 0
  const digitRuns = { start: -1, end: -1, previousStart: -1, previousEnd: -1 }

  while (cursor < range.length) {
    const matchStart = cursor
    if (range[cursor] === '<' || range[cursor] === '>') {
      cursor++
    } else if (!isVersionPrefix(range[cursor]) && !isVersionStart(range[cursor])) {
      cursor++
      continue
    }

    // Consume a v/=/whitespace run once, even when no version follows it.
    while (cursor < range.length && isVersionPrefix(range[cursor])) {
      cursor++
    }
    if (!isVersionStart(range[cursor])) {
      continue
    }

    const whitespacePosition = findRemovableWhitespaceIndex(range, matchStart)
    if (whitespacePosition !== -1) {
      result += range.slice(copyFrom, whitespacePosition)
      copyFrom = whitespacePosition + 1
    }

    // Skip the entire match, so a prerelease's trailing v cannot be
    // reconsidered as the prefix of another version.
    cursor = findVersionEndIndex(range, cursor, digitRuns)
  }

  return result + range.slice(copyFrom)
}

module.exports = trimComparatorWhitespace


/***/ }),

/***/ 2276:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



// Determine if version is greater than all the versions possible in the range.
const outside = __nccwpck_require__(280)
const gtr = (version, range, options) => outside(version, range, '>', options)
module.exports = gtr


/***/ }),

/***/ 3465:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const Range = __nccwpck_require__(6782)
const intersects = (r1, r2, options) => {
  r1 = new Range(r1, options)
  r2 = new Range(r2, options)
  return r1.intersects(r2, options)
}
module.exports = intersects


/***/ }),

/***/ 5213:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const outside = __nccwpck_require__(280)
// Determine if version is less than all the versions possible in the range
const ltr = (version, range, options) => outside(version, range, '<', options)
module.exports = ltr


/***/ }),

/***/ 3193:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const Range = __nccwpck_require__(6782)

const maxSatisfying = (versions, range, options) => {
  let max = null
  let maxSV = null
  let rangeObj = null
  try {
    rangeObj = new Range(range, options)
  } catch (er) {
    return null
  }
  versions.forEach((v) => {
    if (rangeObj.test(v)) {
      // satisfies(v, range, options)
      if (!max || maxSV.compare(v) === -1) {
        // compare(max, v, true)
        max = v
        maxSV = new SemVer(max, options)
      }
    }
  })
  return max
}
module.exports = maxSatisfying


/***/ }),

/***/ 8595:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const Range = __nccwpck_require__(6782)
const minSatisfying = (versions, range, options) => {
  let min = null
  let minSV = null
  let rangeObj = null
  try {
    rangeObj = new Range(range, options)
  } catch (er) {
    return null
  }
  versions.forEach((v) => {
    if (rangeObj.test(v)) {
      // satisfies(v, range, options)
      if (!min || minSV.compare(v) === 1) {
        // compare(min, v, true)
        min = v
        minSV = new SemVer(min, options)
      }
    }
  })
  return min
}
module.exports = minSatisfying


/***/ }),

/***/ 1866:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const Range = __nccwpck_require__(6782)
const gt = __nccwpck_require__(6599)

const minVersion = (range, loose) => {
  range = new Range(range, loose)

  let minver = new SemVer('0.0.0')
  if (range.test(minver)) {
    return minver
  }

  minver = new SemVer('0.0.0-0')
  if (range.test(minver)) {
    return minver
  }

  minver = null
  for (let i = 0; i < range.set.length; ++i) {
    const comparators = range.set[i]

    let setMin = null
    comparators.forEach((comparator) => {
      // Clone to avoid manipulating the comparator's semver object.
      const compver = new SemVer(comparator.semver.version)
      switch (comparator.operator) {
        case '>':
          if (compver.prerelease.length === 0) {
            compver.patch++
          } else {
            compver.prerelease.push(0)
          }
          compver.raw = compver.format()
          /* fallthrough */
        case '':
        case '>=':
          if (!setMin || gt(compver, setMin)) {
            setMin = compver
          }
          break
        case '<':
        case '<=':
          /* Ignore maximum versions */
          break
        /* istanbul ignore next */
        default:
          throw new Error(`Unexpected operation: ${comparator.operator}`)
      }
    })
    if (setMin && (!minver || gt(minver, setMin))) {
      minver = setMin
    }
  }

  if (minver && range.test(minver)) {
    return minver
  }

  return null
}
module.exports = minVersion


/***/ }),

/***/ 280:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const Comparator = __nccwpck_require__(9379)
const { ANY } = Comparator
const Range = __nccwpck_require__(6782)
const satisfies = __nccwpck_require__(8011)
const gt = __nccwpck_require__(6599)
const lt = __nccwpck_require__(3872)
const lte = __nccwpck_require__(6717)
const gte = __nccwpck_require__(1236)

const outside = (version, range, hilo, options) => {
  version = new SemVer(version, options)
  range = new Range(range, options)

  let gtfn, ltefn, ltfn, comp, ecomp
  switch (hilo) {
    case '>':
      gtfn = gt
      ltefn = lte
      ltfn = lt
      comp = '>'
      ecomp = '>='
      break
    case '<':
      gtfn = lt
      ltefn = gte
      ltfn = gt
      comp = '<'
      ecomp = '<='
      break
    default:
      throw new TypeError('Must provide a hilo val of "<" or ">"')
  }

  // If it satisfies the range it is not outside
  if (satisfies(version, range, options)) {
    return false
  }

  // From now on, variable terms are as if we're in "gtr" mode.
  // but note that everything is flipped for the "ltr" function.

  for (let i = 0; i < range.set.length; ++i) {
    const comparators = range.set[i]

    let high = null
    let low = null

    comparators.forEach((comparator) => {
      if (comparator.semver === ANY) {
        comparator = new Comparator('>=0.0.0')
      }
      high = high || comparator
      low = low || comparator
      if (gtfn(comparator.semver, high.semver, options)) {
        high = comparator
      } else if (ltfn(comparator.semver, low.semver, options)) {
        low = comparator
      }
    })

    // If the edge version comparator has a operator then our version
    // isn't outside it
    if (high.operator === comp || high.operator === ecomp) {
      return false
    }

    // If the lowest version comparator has an operator and our version
    // is less than it then it isn't higher than the range
    if ((!low.operator || low.operator === comp) &&
        ltefn(version, low.semver)) {
      return false
    } else if (low.operator === ecomp && ltfn(version, low.semver)) {
      return false
    }
  }
  return true
}

module.exports = outside


/***/ }),

/***/ 2028:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



// given a set of versions and a range, create a "simplified" range
// that includes the same versions that the original range does
// If the original range is shorter than the simplified one, return that.
const satisfies = __nccwpck_require__(8011)
const compare = __nccwpck_require__(8469)
module.exports = (versions, range, options) => {
  const set = []
  let first = null
  let prev = null
  const v = versions.sort((a, b) => compare(a, b, options))
  for (const version of v) {
    const included = satisfies(version, range, options)
    if (included) {
      prev = version
      if (!first) {
        first = version
      }
    } else {
      if (prev) {
        set.push([first, prev])
      }
      prev = null
      first = null
    }
  }
  if (first) {
    set.push([first, null])
  }

  const ranges = []
  for (const [min, max] of set) {
    if (min === max) {
      ranges.push(min)
    } else if (!max && min === v[0]) {
      ranges.push('*')
    } else if (!max) {
      ranges.push(`>=${min}`)
    } else if (min === v[0]) {
      ranges.push(`<=${max}`)
    } else {
      ranges.push(`${min} - ${max}`)
    }
  }
  const simplified = ranges.join(' || ')
  const original = typeof range.raw === 'string' ? range.raw : String(range)
  return simplified.length < original.length ? simplified : range
}


/***/ }),

/***/ 1489:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const Range = __nccwpck_require__(6782)
const Comparator = __nccwpck_require__(9379)
const { ANY } = Comparator
const satisfies = __nccwpck_require__(8011)
const compare = __nccwpck_require__(8469)

// Complex range `r1 || r2 || ...` is a subset of `R1 || R2 || ...` iff:
// - Every simple range `r1, r2, ...` is a null set, OR
// - Every simple range `r1, r2, ...` which is not a null set is a subset of
//   some `R1, R2, ...`
//
// Simple range `c1 c2 ...` is a subset of simple range `C1 C2 ...` iff:
// - If c is only the ANY comparator
//   - If C is only the ANY comparator, return true
//   - Else if in prerelease mode, return false
//   - else replace c with `[>=0.0.0]`
// - If C is only the ANY comparator
//   - if in prerelease mode, return true
//   - else replace C with `[>=0.0.0]`
// - Let EQ be the set of = comparators in c
// - If EQ is more than one, return true (null set)
// - Let GT be the highest > or >= comparator in c
// - Let LT be the lowest < or <= comparator in c
// - If GT and LT, and GT.semver > LT.semver, return true (null set)
// - If any C is a = range, and GT or LT are set, return false
// - If EQ
//   - If GT, and EQ does not satisfy GT, return true (null set)
//   - If LT, and EQ does not satisfy LT, return true (null set)
//   - If EQ satisfies every C, return true
//   - Else return false
// - If GT
//   - If GT.semver is lower than any > or >= comp in C, return false
//   - If GT is >=, and GT.semver does not satisfy every C, return false
//   - If GT.semver has a prerelease, and not in prerelease mode
//     - If no C has a prerelease and the GT.semver tuple, return false
// - If LT
//   - If LT.semver is greater than any < or <= comp in C, return false
//   - If LT is <=, and LT.semver does not satisfy every C, return false
//   - If LT.semver has a prerelease, and not in prerelease mode
//     - If no C has a prerelease and the LT.semver tuple, return false
// - Else return true

const subset = (sub, dom, options = {}) => {
  if (sub === dom) {
    return true
  }

  sub = new Range(sub, options)
  dom = new Range(dom, options)
  let sawNonNull = false

  OUTER: for (const simpleSub of sub.set) {
    for (const simpleDom of dom.set) {
      const isSub = simpleSubset(simpleSub, simpleDom, options)
      sawNonNull = sawNonNull || isSub !== null
      if (isSub) {
        continue OUTER
      }
    }
    // the null set is a subset of everything, but null simple ranges in
    // a complex range should be ignored.  so if we saw a non-null range,
    // then we know this isn't a subset, but if EVERY simple range was null,
    // then it is a subset.
    if (sawNonNull) {
      return false
    }
  }
  return true
}

const minimumVersionWithPreRelease = [new Comparator('>=0.0.0-0')]
const minimumVersion = [new Comparator('>=0.0.0')]

const simpleSubset = (sub, dom, options) => {
  if (sub === dom) {
    return true
  }

  if (sub.length === 1 && sub[0].semver === ANY) {
    if (dom.length === 1 && dom[0].semver === ANY) {
      return true
    } else if (options.includePrerelease) {
      sub = minimumVersionWithPreRelease
    } else {
      sub = minimumVersion
    }
  }

  if (dom.length === 1 && dom[0].semver === ANY) {
    if (options.includePrerelease) {
      return true
    } else {
      dom = minimumVersion
    }
  }

  const eqSet = new Set()
  let gt, lt
  for (const c of sub) {
    if (c.operator === '>' || c.operator === '>=') {
      gt = higherGT(gt, c, options)
    } else if (c.operator === '<' || c.operator === '<=') {
      lt = lowerLT(lt, c, options)
    } else {
      eqSet.add(c.semver)
    }
  }

  if (eqSet.size > 1) {
    return null
  }

  let gtltComp
  if (gt && lt) {
    gtltComp = compare(gt.semver, lt.semver, options)
    if (gtltComp > 0) {
      return null
    } else if (gtltComp === 0 && (gt.operator !== '>=' || lt.operator !== '<=')) {
      return null
    }
  }

  // will iterate one or zero times
  for (const eq of eqSet) {
    if (gt && !satisfies(eq, String(gt), options)) {
      return null
    }

    if (lt && !satisfies(eq, String(lt), options)) {
      return null
    }

    for (const c of dom) {
      if (!satisfies(eq, String(c), options)) {
        return false
      }
    }

    return true
  }

  let higher, lower
  let hasDomLT, hasDomGT
  // if the subset has a prerelease, we need a comparator in the superset
  // with the same tuple and a prerelease, or it's not a subset
  let needDomLTPre = lt &&
    !options.includePrerelease &&
    lt.semver.prerelease.length ? lt.semver : false
  let needDomGTPre = gt &&
    !options.includePrerelease &&
    gt.semver.prerelease.length ? gt.semver : false
  // exception: <1.2.3-0 is the same as <1.2.3
  if (needDomLTPre && needDomLTPre.prerelease.length === 1 &&
      lt.operator === '<' && needDomLTPre.prerelease[0] === 0) {
    needDomLTPre = false
  }

  for (const c of dom) {
    hasDomGT = hasDomGT || c.operator === '>' || c.operator === '>='
    hasDomLT = hasDomLT || c.operator === '<' || c.operator === '<='
    if (gt) {
      if (needDomGTPre) {
        if (c.semver.prerelease && c.semver.prerelease.length &&
            c.semver.major === needDomGTPre.major &&
            c.semver.minor === needDomGTPre.minor &&
            c.semver.patch === needDomGTPre.patch) {
          needDomGTPre = false
        }
      }
      if (c.operator === '>' || c.operator === '>=') {
        higher = higherGT(gt, c, options)
        if (higher === c && higher !== gt) {
          return false
        }
      } else if (gt.operator === '>=' && !c.test(gt.semver)) {
        return false
      }
    }
    if (lt) {
      if (needDomLTPre) {
        if (c.semver.prerelease && c.semver.prerelease.length &&
            c.semver.major === needDomLTPre.major &&
            c.semver.minor === needDomLTPre.minor &&
            c.semver.patch === needDomLTPre.patch) {
          needDomLTPre = false
        }
      }
      if (c.operator === '<' || c.operator === '<=') {
        lower = lowerLT(lt, c, options)
        if (lower === c && lower !== lt) {
          return false
        }
      } else if (lt.operator === '<=' && !c.test(lt.semver)) {
        return false
      }
    }
    if (!c.operator && (lt || gt) && gtltComp !== 0) {
      return false
    }
  }

  // if there was a < or >, and nothing in the dom, then must be false
  // UNLESS it was limited by another range in the other direction.
  // Eg, >1.0.0 <1.0.1 is still a subset of <2.0.0
  if (gt && hasDomLT && !lt && gtltComp !== 0) {
    return false
  }

  if (lt && hasDomGT && !gt && gtltComp !== 0) {
    return false
  }

  // we needed a prerelease range in a specific tuple, but didn't get one
  // then this isn't a subset.  eg >=1.2.3-pre is not a subset of >=1.0.0,
  // because it includes prereleases in the 1.2.3 tuple
  if (needDomGTPre || needDomLTPre) {
    return false
  }

  return true
}

// >=1.2.3 is lower than >1.2.3
const higherGT = (a, b, options) => {
  if (!a) {
    return b
  }
  const comp = compare(a.semver, b.semver, options)
  return comp > 0 ? a
    : comp < 0 ? b
    : b.operator === '>' && a.operator === '>=' ? b
    : a
}

// <=1.2.3 is higher than <1.2.3
const lowerLT = (a, b, options) => {
  if (!a) {
    return b
  }
  const comp = compare(a.semver, b.semver, options)
  return comp < 0 ? a
    : comp > 0 ? b
    : b.operator === '<' && a.operator === '<=' ? b
    : a
}

module.exports = subset


/***/ }),

/***/ 4750:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const Range = __nccwpck_require__(6782)

// Mostly just for testing and legacy API reasons
const toComparators = (range, options) =>
  new Range(range, options).set
    .map(comp => comp.map(c => c.value).join(' ').trim().split(' '))

module.exports = toComparators


/***/ }),

/***/ 4737:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const Range = __nccwpck_require__(6782)
const validRange = (range, options) => {
  try {
    // Return '*' instead of '' so that truthiness works.
    // This will throw if it's invalid anyway
    return new Range(range, options).range || '*'
  } catch (er) {
    return null
  }
}
module.exports = validRange


/***/ }),

/***/ 4352:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const { normalizeIPv6, removeDotSegments, removeDotSegmentsRelative, recomposeAuthority, normalizePercentEncoding, normalizePathEncoding, serializePathEncoding, normalizeQueryFragmentEncoding, encodeQuery, encodeFragment, reescapeHostDelimiters, isIPv4, nonSimpleDomain } = __nccwpck_require__(5077)
const { SCHEMES, getSchemeHandler } = __nccwpck_require__(5300)

const VALID_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/u
const MALFORMED_SCHEME_ERROR = 'URI scheme is malformed.'
const MALFORMED_HOST_ERROR = 'URI host is malformed.'
// ASCII characters outside the RFC 3986 reg-name set (unreserved, sub-delims
// and "%" for pct-encoded): C0 controls, space, DEL, and "#/:<>?@[\]^`{|}.
const FORBIDDEN_DOMAIN_HOST_CHARACTER = /[\0-\x20"#/:<>?@[\\\]^`{|}\x7F]/u

/**
 * RFC 3986 section 3.1 does not allow percent-encoding in a scheme, so the
 * scheme is validated as-is and never decoded. Decoding would let inert input
 * such as `%6Aavascript:` become a live `javascript:` scheme.
 *
 * @param {string} scheme
 * @returns {string}
 */
function validateScheme (scheme) {
  const stringScheme = String(scheme)
  if (!VALID_SCHEME.test(stringScheme)) {
    throw new TypeError(MALFORMED_SCHEME_ERROR)
  }
  return stringScheme
}

/**
 * @template {import('./types/index').URIComponent|string} T
 * @param {T} uri
 * @param {import('./types/index').Options} [options]
 * @returns {T}
 */
function normalize (uri, options) {
  if (typeof uri === 'string') {
    uri = /** @type {T} */ (normalizeString(uri, options))
  } else if (typeof uri === 'object') {
    uri = /** @type {T} */ (parse(serialize(uri, options), options))
  }
  return uri
}

/**
 * @param {string} baseURI
 * @param {string} relativeURI
 * @param {import('./types/index').Options} [options]
 * @returns {string}
 */
function resolve (baseURI, relativeURI, options) {
  const schemelessOptions = options ? Object.assign({ scheme: 'null' }, options) : { scheme: 'null' }
  const {
    parsed: baseParsed,
    malformedAuthorityOrPort: baseMalformed,
    malformedPercentEncoding: baseMalformedPercentEncoding,
    malformedSchemeSpecific: baseMalformedSchemeSpecific,
    malformedHost: baseMalformedHost,
    malformedScheme: baseMalformedScheme
  } = parseWithStatus(baseURI, schemelessOptions)
  const {
    parsed: relativeParsed,
    malformedAuthorityOrPort: relativeMalformed,
    malformedPercentEncoding: relativeMalformedPercentEncoding,
    malformedSchemeSpecific: relativeMalformedSchemeSpecific,
    malformedHost: relativeMalformedHost,
    malformedScheme: relativeMalformedScheme
  } = parseWithStatus(relativeURI, schemelessOptions)
  if (
    baseMalformed ||
    relativeMalformed ||
    baseMalformedPercentEncoding ||
    relativeMalformedPercentEncoding ||
    baseMalformedSchemeSpecific ||
    relativeMalformedSchemeSpecific ||
    baseMalformedHost ||
    relativeMalformedHost ||
    baseMalformedScheme ||
    relativeMalformedScheme
  ) {
    throw new Error(baseParsed.error || relativeParsed.error || 'URI is malformed.')
  }
  const resolved = resolveComponent(baseParsed, relativeParsed, schemelessOptions, true)
  const resolvedSchemeHandler = getSchemeHandler((options && options.scheme) || resolved.scheme)
  const resolvedHost = resolved.host
  const resolvedHostIsIP = resolvedHost !== undefined && resolvedHost !== '' &&
    (isIPv4(resolvedHost) || normalizeIPv6(resolvedHost).isIPV6)
  // Inputs are parsed scheme-neutrally, so delimiters and controls in a domain
  // host are only detected here, once the final scheme is known. They always
  // fail closed, including in percent-encoded hosts.
  if (hasForbiddenDomainHost(resolved, options || {}, resolvedSchemeHandler, resolvedHostIsIP)) {
    throw new Error(MALFORMED_HOST_ERROR)
  }
  canonicalizeHost(resolved, options || {}, resolvedSchemeHandler, resolvedHostIsIP)
  // Percent escapes in an ASCII reg-name are encoded data. The WHATWG hostname
  // parser can reject them even though fast-uri preserves them safely as RFC
  // 3986 data. A raw non-ASCII host must still fail closed if conversion fails.
  const encodedASCIIHost = resolvedHost && resolvedHost.indexOf('%') !== -1 &&
    !/\P{ASCII}/u.test(resolvedHost)
  if (resolved.error && !encodedASCIIHost) {
    throw new Error(resolved.error)
  }
  schemelessOptions.skipEscape = true
  return serialize(resolved, schemelessOptions)
}

/**
 * @param {import ('./types/index').URIComponent} base
 * @param {import ('./types/index').URIComponent} relative
 * @param {import('./types/index').Options} [options]
 * @param {boolean} [skipNormalization=false]
 * @returns {import ('./types/index').URIComponent}
 */
function resolveComponent (base, relative, options, skipNormalization) {
  /** @type {import('./types/index').URIComponent} */
  const target = {}
  if (!skipNormalization) {
    base = parse(serialize(base, options), options) // normalize base component
    relative = parse(serialize(relative, options), options) // normalize relative component
  }
  options = options || {}

  if (!options.tolerant && relative.scheme) {
    target.scheme = relative.scheme
    // target.authority = relative.authority;
    target.userinfo = relative.userinfo
    target.host = relative.host
    target.port = relative.port
    target.path = removeDotSegments(relative.path || '')
    target.query = relative.query
  } else {
    if (relative.userinfo !== undefined || relative.host !== undefined || relative.port !== undefined) {
      // target.authority = relative.authority;
      target.userinfo = relative.userinfo
      target.host = relative.host
      target.port = relative.port
      target.path = removeDotSegments(relative.path || '')
      target.query = relative.query
    } else {
      if (!relative.path) {
        target.path = base.path
        if (relative.query !== undefined) {
          target.query = relative.query
        } else {
          target.query = base.query
        }
      } else {
        if (relative.path[0] === '/') {
          target.path = removeDotSegments(relative.path)
        } else {
          const baseHasAuthority = base.userinfo !== undefined || base.host !== undefined || base.port !== undefined
          if (baseHasAuthority && !base.path) {
            target.path = '/' + relative.path
          } else if (!base.path) {
            target.path = relative.path
          } else {
            target.path = base.path.slice(0, base.path.lastIndexOf('/') + 1) + relative.path
          }
          target.path = base.scheme === undefined && !baseHasAuthority && target.path[0] !== '/'
            ? removeDotSegmentsRelative(target.path)
            : removeDotSegments(target.path)
        }
        target.query = relative.query
      }
      // target.authority = base.authority;
      target.userinfo = base.userinfo
      target.host = base.host
      target.port = base.port
    }
    target.scheme = base.scheme
  }

  target.fragment = relative.fragment

  return target
}

/**
 * @param {import ('./types/index').URIComponent|string} uriA
 * @param {import ('./types/index').URIComponent|string} uriB
 * @param {import ('./types/index').Options} options
 * @returns {boolean}
 */
function equal (uriA, uriB, options) {
  const normalizedA = normalizeComparableURI(uriA, options)
  const normalizedB = normalizeComparableURI(uriB, options)

  return normalizedA !== undefined && normalizedB !== undefined && normalizedA === normalizedB
}

/**
 * @param {Readonly<import('./types/index').URIComponent>} cmpts
 * @param {import('./types/index').Options} [opts]
 * @returns {string}
 */
function serialize (cmpts, opts) {
  const component = {
    host: cmpts.host,
    scheme: cmpts.scheme,
    userinfo: cmpts.userinfo,
    port: cmpts.port,
    path: cmpts.path,
    query: cmpts.query,
    nid: cmpts.nid,
    nss: cmpts.nss,
    uuid: cmpts.uuid,
    fragment: cmpts.fragment,
    reference: cmpts.reference,
    resourceName: cmpts.resourceName,
    secure: cmpts.secure,
    error: ''
  }
  const options = Object.assign({}, opts)
  const uriTokens = []

  if (component.scheme) {
    component.scheme = validateScheme(component.scheme)
  }

  // find scheme handler
  const schemeHandler = getSchemeHandler(options.scheme || component.scheme)

  // perform scheme specific serialization
  if (schemeHandler && schemeHandler.serialize) schemeHandler.serialize(component, options)

  const hasAuthority = component.userinfo !== undefined || component.host !== undefined || component.port !== undefined
  // A reference with no emitted scheme is path-noscheme: a bare ':' in its
  // first path segment would reparse as a scheme (RFC 3986 3.3/4.2). Enforced
  // under skipEscape too (resolve()), so the reapply below gates on this flag.
  const schemelessReference = (component.scheme === undefined || options.reference === 'suffix') && !hasAuthority
  const pathNoScheme = !options.skipEscape && schemelessReference

  if (component.path !== undefined) {
    if (!options.skipEscape) {
      component.path = serializePathEncoding(component.path, pathNoScheme)
    } else {
      component.path = normalizePercentEncoding(component.path)
    }
  }

  if (options.reference !== 'suffix' && component.scheme) {
    // Scheme handlers may replace the scheme during serialization.
    component.scheme = validateScheme(component.scheme)
    uriTokens.push(component.scheme, ':')
  }

  const authority = recomposeAuthority(component)
  if (authority !== undefined) {
    if (options.reference !== 'suffix') {
      uriTokens.push('//')
    }

    uriTokens.push(authority)

    if (component.path && component.path[0] !== '/') {
      uriTokens.push('/')
    }
  }
  if (component.path !== undefined) {
    let s = component.path

    if (!options.absolutePath && (!schemeHandler || !schemeHandler.absolutePath)) {
      // A relative-path reference keeps its unresolvable leading ".." segments
      // and must never become root-relative (RFC 3986 section 5.2.4 applies to
      // merged target paths, not to the reference itself).
      s = schemelessReference && s[0] !== '/'
        ? removeDotSegmentsRelative(s)
        : removeDotSegments(s)
    }

    // Dot-segment removal can expose a colon that was not originally in the
    // first segment (for example, "./a:b"). Reapply path-noscheme encoding so
    // the serialized relative reference cannot be reparsed as a URI scheme.
    if (schemelessReference) {
      s = serializePathEncoding(s, true)
    }

    if (
      authority === undefined &&
      s[0] === '/' &&
      s[1] === '/'
    ) {
      // don't allow the path to start with "//"
      s = '/%2F' + s.slice(2)
    }

    uriTokens.push(s)
  }

  if (component.query !== undefined) {
    uriTokens.push('?', encodeQuery(component.query))
  }

  if (component.fragment !== undefined) {
    uriTokens.push('#', encodeFragment(component.fragment))
  }
  return uriTokens.join('')
}

const URI_PARSE = /^(?:([^#/:?]+):)?(?:\/\/((?:([^#/?@]*)@)?(\[[^#/?\]]+\]|[^#/:?]*)(?::(\d*))?))?([^#?]*)(?:\?([^#]*))?(?:#((?:.|[\n\r])*))?/u

// Captures the authority component (between "//" and the next "/", "?" or "#"),
// with or without a scheme prefix, for the literal-backslash rejection below.
const AUTHORITY_PREFIX = /^(?:[^#/:?]+:)?\/\/([^/?#]*)/

// Captures the leading authority-introducer region after an optional scheme: a
// run of forward slashes, backslashes, and the characters the WHATWG URL parser
// removes before parsing (TAB U+0009, LF U+000A, CR U+000D). A valid introducer
// is exactly "//". Node treats "\" as "/" on special schemes and strips those
// characters first, so forms like "\\", "/\", "\/", "/<TAB>/", or a leading
// "<TAB>//" reach an authority in Node while fast-uri's URI_PARSE folds them into
// the path group (host confusion / SSRF / redirect bypass).
const AUTHORITY_INTRODUCER_REGION = /^(?:[^#/:?]+:)?([/\\\t\n\r]*)/

/**
 * @param {import('./types/index').URIComponent} parsed
 * @param {RegExpMatchArray} matches
 * @returns {string|undefined}
 */
function getParseError (parsed, matches) {
  if (matches[2] !== undefined && parsed.path && parsed.path[0] !== '/') {
    return 'URI path must start with "/" when authority is present.'
  }

  if (typeof parsed.port === 'number' && (parsed.port < 0 || parsed.port > 65535)) {
    return 'URI port is malformed.'
  }

  return undefined
}

/**
 * Checks percent syntax without decoding the represented octets. RFC 3986
 * percent-encoding is byte-oriented, so sequences such as `%FF` are valid even
 * though they are not independently valid UTF-8.
 *
 * @param {string|undefined} component
 * @returns {boolean}
 */
function hasMalformedPercentEncoding (component) {
  if (component === undefined) return false

  let percent = component.indexOf('%')
  while (percent !== -1) {
    if (percent + 2 >= component.length || !/^[\da-f]{2}$/iu.test(component.slice(percent + 1, percent + 3))) {
      return true
    }
    percent = component.indexOf('%', percent + 3)
  }

  return false
}

/**
 * Whether the host is a bracketed IP literal (RFC 3986 `IP-literal`).
 * An unterminated `[` is not a literal, so it must still be validated as a
 * reg-name instead of being waved through as an IP.
 *
 * @param {string} host
 * @returns {boolean}
 */
function isIPLiteral (host) {
  return host[0] === '[' && host[host.length - 1] === ']'
}

/**
 * @param {RegExpMatchArray} matches
 * @returns {boolean}
 */
function hasMalformedComponentPercentEncoding (matches) {
  // Bracketed IP literals use a raw "%" as the zone separator for historical
  // compatibility. Their parsing is intentionally left to normalizeIPv6.
  const host = matches[4]
  return hasMalformedPercentEncoding(matches[3]) ||
    (host !== undefined && !isIPLiteral(host) && hasMalformedPercentEncoding(host)) ||
    hasMalformedPercentEncoding(matches[6]) ||
    hasMalformedPercentEncoding(matches[7]) ||
    hasMalformedPercentEncoding(matches[8])
}

/**
 * @param {import('./types/index').URIComponent} parsed
 * @param {import('./types/index').Options} options
 * @param {{ domainHost?: boolean, unicodeSupport?: boolean }|undefined} schemeHandler
 * @param {boolean} isIP
 * @returns {boolean} whether host conversion failed
 */
function canonicalizeHost (parsed, options, schemeHandler, isIP) {
  if (hasForbiddenDomainHost(parsed, options, schemeHandler, isIP)) {
    parsed.error = parsed.error || MALFORMED_HOST_ERROR
    return true
  }

  if (
    !options.unicodeSupport &&
    (!schemeHandler || !schemeHandler.unicodeSupport) &&
    parsed.host &&
    !isIPLiteral(parsed.host) &&
    (options.domainHost || (schemeHandler && schemeHandler.domainHost)) &&
    isIP === false &&
    nonSimpleDomain(parsed.host)
  ) {
    let url
    try {
      url = new URL('http://' + parsed.host)
    } catch (e) {
      parsed.error = parsed.error || "Host's domain name can not be converted to ASCII: " + e
      return true
    }
    // The WHATWG parser must have read the whole input as a host. Anything
    // else means it found a delimiter fast-uri did not, so its hostname would
    // describe a different authority.
    if (!isHostOnlyURL(url)) {
      parsed.error = parsed.error || MALFORMED_HOST_ERROR
      return true
    }
    parsed.host = url.hostname
  }
  return false
}

/**
 * Whether a domain host contains an ASCII character that RFC 3986 does not
 * allow in a reg-name (unreserved, sub-delims, or pct-encoded). Such a host is
 * rejected instead of being handed to the WHATWG URL parser, which would treat
 * "@" as a userinfo delimiter (silently dropping the data before it) and strip
 * TAB, LF, and CR. Non-ASCII characters remain allowed for IDNs.
 *
 * @param {import('./types/index').URIComponent} parsed
 * @param {import('./types/index').Options} options
 * @param {{ domainHost?: boolean }|undefined} schemeHandler
 * @param {boolean} isIP
 * @returns {boolean}
 */
function hasForbiddenDomainHost (parsed, options, schemeHandler, isIP) {
  return Boolean(
    parsed.host &&
    isIP === false &&
    !isIPLiteral(parsed.host) &&
    (options.domainHost || (schemeHandler && schemeHandler.domainHost)) &&
    FORBIDDEN_DOMAIN_HOST_CHARACTER.test(parsed.host)
  )
}

/**
 * @param {URL} url
 * @returns {boolean}
 */
function isHostOnlyURL (url) {
  return url.username === '' &&
    url.password === '' &&
    url.port === '' &&
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '' &&
    url.hostname !== ''
}

/**
 * @param {string} uri
 * @param {import('./types/index').Options} [opts]
 * @returns {{ parsed: import('./types/index').URIComponent, malformedAuthorityOrPort: boolean, malformedPercentEncoding: boolean, malformedSchemeSpecific: boolean, malformedHost: boolean, malformedScheme: boolean }}
 */
function parseWithStatus (uri, opts) {
  const options = Object.assign({}, opts)
  /** @type {import('./types/index').URIComponent} */
  const parsed = {
    scheme: undefined,
    userinfo: undefined,
    host: '',
    port: undefined,
    path: '',
    query: undefined,
    fragment: undefined
  }

  let malformedAuthorityOrPort = false
  let malformedPercentEncoding = false
  let malformedSchemeSpecific = false
  let malformedHost = false
  let malformedIPLiteral = false
  let malformedScheme = false

  let isIP = false
  if (options.reference === 'suffix') {
    if (options.scheme) {
      uri = options.scheme + ':' + uri
    } else {
      uri = '//' + uri
    }
  }

  // A literal backslash (U+005C) is not a valid RFC 3986 URI character and is
  // not an authority delimiter. Reject it in the authority rather than
  // rewriting it: normalizing "\" -> "/" (WHATWG error recovery) could silently
  // change the resource identified by an otherwise-invalid input, and lets "\"
  // act as a host delimiter here while Node's native URL parses a different
  // host (SSRF / redirect / origin-allowlist bypass). Percent-encoded %5C is
  // untouched and remains valid encoded data.
  const authorityMatch = uri.match(AUTHORITY_PREFIX)
  if (authorityMatch !== null && authorityMatch[1].indexOf('\\') !== -1) {
    parsed.error = 'URI authority must not contain a literal backslash.'
    malformedAuthorityOrPort = true
  }

  // Reject a malformed or whitespace-smuggled authority introducer. fast-uri
  // only recognizes a literal "//"; anything else in the leading separator run
  // (a backslash, or a "//" that appears only after removing the TAB/LF/CR that
  // Node strips) means the authority fast-uri parses differs from the one Node's
  // URL resolves. Reject rather than rewrite, mirroring the literal-backslash
  // guard above. Percent-encoded forms (%5C, %09) are untouched, valid data.
  const introducerMatch = uri.match(AUTHORITY_INTRODUCER_REGION)
  if (introducerMatch !== null) {
    const region = introducerMatch[1]
    const normalizedRegion = region.replace(/[\t\n\r]/g, '')
    // Two or more leading separators introduce an authority.
    if (normalizedRegion.length >= 2) {
      if (normalizedRegion.slice(0, 2) !== '//') {
        parsed.error = parsed.error || 'URI authority must not contain a literal backslash.'
        malformedAuthorityOrPort = true
      } else if (region.length !== normalizedRegion.length) {
        parsed.error = parsed.error || 'URI authority introducer must not contain whitespace.'
        malformedAuthorityOrPort = true
      }
    }
  }

  const matches = uri.match(URI_PARSE)

  if (matches) {
    // store each component
    parsed.scheme = matches[1]
    parsed.userinfo = matches[3]
    parsed.host = matches[4]
    parsed.port = parseInt(matches[5], 10)
    parsed.path = matches[6] || ''
    parsed.query = matches[7]
    parsed.fragment = matches[8]

    if (parsed.scheme !== undefined) {
      if (VALID_SCHEME.test(parsed.scheme)) {
        parsed.scheme = parsed.scheme.toLowerCase()
      } else {
        parsed.error = parsed.error || MALFORMED_SCHEME_ERROR
        malformedScheme = true
      }
    }

    malformedPercentEncoding = hasMalformedComponentPercentEncoding(matches)
    if (malformedPercentEncoding) {
      parsed.error = parsed.error || 'URI contains malformed percent-encoding.'
    }

    // fix port number
    if (isNaN(parsed.port)) {
      parsed.port = matches[5]
    }

    const parseError = getParseError(parsed, matches)
    if (parseError !== undefined) {
      parsed.error = parsed.error || parseError
      malformedAuthorityOrPort = true
    }

    if (parsed.host) {
      const ipv4result = isIPv4(parsed.host)
      if (ipv4result === false) {
        const bracketedIPLiteral = isIPLiteral(parsed.host)
        const hasIPLiteralBracket = parsed.host.indexOf('[') !== -1 || parsed.host.indexOf(']') !== -1
        const ipv6result = normalizeIPv6(parsed.host)
        isIP = ipv6result.isIPV6 || ipv6result.isIPVFuture === true
        malformedIPLiteral = hasIPLiteralBracket && (!bracketedIPLiteral || ipv6result.error === true)
        parsed.host = isIP ? ipv6result.host : ipv6result.host.toLowerCase()

        if (malformedIPLiteral) {
          parsed.error = parsed.error || MALFORMED_HOST_ERROR
          malformedAuthorityOrPort = true
        }
      } else {
        isIP = true
      }
    }
    if (parsed.scheme === undefined && parsed.userinfo === undefined && parsed.host === undefined && parsed.port === undefined && parsed.query === undefined && !parsed.path) {
      parsed.reference = 'same-document'
    } else if (parsed.scheme === undefined) {
      parsed.reference = 'relative'
    } else if (parsed.fragment === undefined) {
      parsed.reference = 'absolute'
    } else {
      parsed.reference = 'uri'
    }

    // check for reference errors
    if (options.reference && options.reference !== 'suffix' && options.reference !== parsed.reference) {
      parsed.error = parsed.error || 'URI is not a ' + options.reference + ' reference.'
    }

    // find scheme handler
    const schemeHandler = getSchemeHandler(options.scheme || parsed.scheme)

    // convert Unicode IDN -> ASCII IDN when the effective scheme uses domain hosts
    if (!malformedIPLiteral) {
      malformedHost = canonicalizeHost(parsed, options, schemeHandler, isIP)
    }

    if (uri.indexOf('%') !== -1 && parsed.host !== undefined && !malformedIPLiteral) {
      let host = isIP ? parsed.host : normalizePercentEncoding(parsed.host, true)
      if (!isIP) {
        // Fold reg-name case after decoding unreserved octets. The second
        // pass only restores uppercase hex in escapes that remain encoded.
        host = normalizePercentEncoding(host.toLowerCase())
      }
      // Resolution parses both inputs with the internal `null` scheme before
      // the effective scheme is known. Keep raw host delimiters for that step
      // so resolve() can reject them for domain-host schemes; the resolved
      // authority is encoded when it is serialized.
      parsed.host = isIP || options.scheme !== 'null' ? reescapeHostDelimiters(host, isIP) : host
    }

    if (!schemeHandler || (schemeHandler && !schemeHandler.skipNormalize)) {
      if (parsed.path) {
        parsed.path = normalizePathEncoding(parsed.path)
      }
      if (parsed.query) {
        parsed.query = normalizeQueryFragmentEncoding(parsed.query)
      }
      if (parsed.fragment) {
        parsed.fragment = normalizeQueryFragmentEncoding(parsed.fragment)
      }
    }

    // perform scheme specific parsing
    if (schemeHandler && schemeHandler.parse) {
      schemeHandler.parse(parsed, options)
      if (schemeHandler === SCHEMES.urn && parsed.nid === undefined) {
        malformedSchemeSpecific = true
      }
    }
  } else {
    parsed.error = parsed.error || 'URI can not be parsed.'
  }
  return { parsed, malformedAuthorityOrPort, malformedPercentEncoding, malformedSchemeSpecific, malformedHost, malformedScheme }
}

/**
 * @param {string} uri
 * @param {import('./types/index').Options} [opts]
 * @returns
 */
function parse (uri, opts) {
  return parseWithStatus(uri, opts).parsed
}

/**
 * @param {string} uri
 * @param {import('./types/index').Options} [opts]
 * @returns {string}
 */
function normalizeString (uri, opts) {
  return normalizeStringWithStatus(uri, opts).normalized
}

/**
 * @param {string} uri
 * @param {import('./types/index').Options} [opts]
 * @returns {{ normalized: string, malformedAuthorityOrPort: boolean, malformedPercentEncoding: boolean, malformedSchemeSpecific: boolean, malformedHost: boolean, malformedScheme: boolean }}
 */
function normalizeStringWithStatus (uri, opts) {
  const { parsed, malformedAuthorityOrPort, malformedPercentEncoding, malformedSchemeSpecific, malformedHost, malformedScheme } = parseWithStatus(uri, opts)
  return {
    normalized: malformedAuthorityOrPort || malformedPercentEncoding || malformedSchemeSpecific || malformedHost || malformedScheme ? uri : serialize(parsed, opts),
    malformedAuthorityOrPort,
    malformedPercentEncoding,
    malformedSchemeSpecific,
    malformedHost,
    malformedScheme
  }
}

/**
 * @param {import ('./types/index').URIComponent|string} uri
 * @param {import('./types/index').Options} [opts]
 * @returns {string|undefined}
 */
function normalizeComparableURI (uri, opts) {
  if (typeof uri !== 'string' && typeof uri !== 'object') {
    return undefined
  }

  let value
  try {
    value = typeof uri === 'string' ? uri : serialize(uri, opts)
  } catch {
    return undefined
  }
  const { normalized, malformedAuthorityOrPort, malformedPercentEncoding, malformedSchemeSpecific, malformedHost, malformedScheme } = normalizeStringWithStatus(value, opts)
  return malformedAuthorityOrPort || malformedPercentEncoding || malformedSchemeSpecific || malformedHost || malformedScheme ? undefined : normalized
}

const fastUri = {
  SCHEMES,
  normalize,
  resolve,
  resolveComponent,
  equal,
  serialize,
  parse
}

module.exports = fastUri
module.exports["default"] = fastUri
module.exports.fastUri = fastUri


/***/ }),

/***/ 5300:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const { isUUID } = __nccwpck_require__(5077)
const URN_REG = /^([\da-z][\d\-a-z]{0,31}):((?:[\w!$'()*+,\-./:;=@]|%[\da-f]{2})+)$/iu

const supportedSchemeNames = /** @type {const} */ (['http', 'https', 'ws',
  'wss', 'urn', 'urn:uuid'])

/** @typedef {supportedSchemeNames[number]} SchemeName */

/**
 * @param {string} name
 * @returns {name is SchemeName}
 */
function isValidSchemeName (name) {
  return supportedSchemeNames.indexOf(/** @type {*} */ (name)) !== -1
}

/**
 * @callback SchemeFn
 * @param {import('../types/index').URIComponent} component
 * @param {import('../types/index').Options} options
 * @returns {import('../types/index').URIComponent}
 */

/**
 * @typedef {Object} SchemeHandler
 * @property {SchemeName} scheme - The scheme name.
 * @property {boolean} [domainHost] - Indicates if the scheme supports domain hosts.
 * @property {SchemeFn} parse - Function to parse the URI component for this scheme.
 * @property {SchemeFn} serialize - Function to serialize the URI component for this scheme.
 * @property {boolean} [skipNormalize] - Indicates if normalization should be skipped for this scheme.
 * @property {boolean} [absolutePath] - Indicates if the scheme uses absolute paths.
 * @property {boolean} [unicodeSupport] - Indicates if the scheme supports Unicode.
 */

/**
 * @param {import('../types/index').URIComponent} wsComponent
 * @returns {boolean}
 */
function wsIsSecure (wsComponent) {
  if (wsComponent.secure === true) {
    return true
  } else if (wsComponent.secure === false) {
    return false
  } else if (wsComponent.scheme) {
    return (
      wsComponent.scheme.length === 3 &&
      (wsComponent.scheme[0] === 'w' || wsComponent.scheme[0] === 'W') &&
      (wsComponent.scheme[1] === 's' || wsComponent.scheme[1] === 'S') &&
      (wsComponent.scheme[2] === 's' || wsComponent.scheme[2] === 'S')
    )
  } else {
    return false
  }
}

/** @type {SchemeFn} */
function httpParse (component) {
  if (!component.host) {
    component.error = component.error || 'HTTP URIs must have a host.'
  }

  return component
}

/** @type {SchemeFn} */
function httpSerialize (component) {
  const secure = String(component.scheme).toLowerCase() === 'https'

  // normalize the default port
  if (component.port === (secure ? 443 : 80) || component.port === '') {
    component.port = undefined
  }

  // normalize the empty path
  if (!component.path) {
    component.path = '/'
  }

  // NOTE: We do not parse query strings for HTTP URIs
  // as WWW Form Url Encoded query strings are part of the HTML4+ spec,
  // and not the HTTP spec.

  return component
}

/** @type {SchemeFn} */
function wsParse (wsComponent) {
// indicate if the secure flag is set
  wsComponent.secure = wsIsSecure(wsComponent)

  // construct resouce name
  wsComponent.resourceName = (wsComponent.path || '/') + (wsComponent.query ? '?' + wsComponent.query : '')
  wsComponent.path = undefined
  wsComponent.query = undefined

  return wsComponent
}

/** @type {SchemeFn} */
function wsSerialize (wsComponent) {
// normalize the default port
  if (wsComponent.port === (wsIsSecure(wsComponent) ? 443 : 80) || wsComponent.port === '') {
    wsComponent.port = undefined
  }

  // ensure scheme matches secure flag
  if (typeof wsComponent.secure === 'boolean') {
    wsComponent.scheme = (wsComponent.secure ? 'wss' : 'ws')
    wsComponent.secure = undefined
  }

  // reconstruct path from resource name
  if (wsComponent.resourceName) {
    const queryIndex = wsComponent.resourceName.indexOf('?')
    const path = queryIndex === -1
      ? wsComponent.resourceName
      : wsComponent.resourceName.slice(0, queryIndex)
    wsComponent.path = (path && path !== '/' ? path : undefined)
    wsComponent.query = queryIndex === -1
      ? undefined
      : wsComponent.resourceName.slice(queryIndex + 1)
    wsComponent.resourceName = undefined
  }

  // forbid fragment component
  wsComponent.fragment = undefined

  return wsComponent
}

/** @type {SchemeFn} */
function urnParse (urnComponent, options) {
  if (!urnComponent.path) {
    urnComponent.error = 'URN can not be parsed'
    return urnComponent
  }
  const matches = urnComponent.path.match(URN_REG)
  if (matches && matches[0] === urnComponent.path) {
    const scheme = options.scheme || urnComponent.scheme || 'urn'
    urnComponent.nid = matches[1].toLowerCase()
    urnComponent.nss = matches[2]
    const urnScheme = `${scheme}:${options.nid || urnComponent.nid}`
    const schemeHandler = getSchemeHandler(urnScheme)
    urnComponent.path = undefined

    if (schemeHandler) {
      urnComponent = schemeHandler.parse(urnComponent, options)
    }
  } else {
    urnComponent.error = urnComponent.error || 'URN can not be parsed.'
  }

  return urnComponent
}

/** @type {SchemeFn} */
function urnSerialize (urnComponent, options) {
  if (urnComponent.nid === undefined) {
    throw new Error('URN without nid cannot be serialized')
  }
  const scheme = options.scheme || urnComponent.scheme || 'urn'
  const nid = urnComponent.nid.toLowerCase()
  const urnScheme = `${scheme}:${options.nid || nid}`
  const schemeHandler = getSchemeHandler(urnScheme)

  if (schemeHandler) {
    urnComponent = schemeHandler.serialize(urnComponent, options)
  }

  const uriComponent = urnComponent
  const nss = urnComponent.nss
  uriComponent.path = `${nid || options.nid}:${nss}`

  options.skipEscape = true
  return uriComponent
}

/** @type {SchemeFn} */
function urnuuidParse (urnComponent, options) {
  const uuidComponent = urnComponent
  uuidComponent.uuid = uuidComponent.nss
  uuidComponent.nss = undefined

  if (!options.tolerant && (!uuidComponent.uuid || !isUUID(uuidComponent.uuid))) {
    uuidComponent.error = uuidComponent.error || 'UUID is not valid.'
  }

  return uuidComponent
}

/** @type {SchemeFn} */
function urnuuidSerialize (uuidComponent) {
  const urnComponent = uuidComponent
  // normalize UUID
  urnComponent.nss = (uuidComponent.uuid || '').toLowerCase()
  return urnComponent
}

const http = /** @type {SchemeHandler} */ ({
  scheme: 'http',
  domainHost: true,
  parse: httpParse,
  serialize: httpSerialize
})

const https = /** @type {SchemeHandler} */ ({
  scheme: 'https',
  domainHost: http.domainHost,
  parse: httpParse,
  serialize: httpSerialize
})

const ws = /** @type {SchemeHandler} */ ({
  scheme: 'ws',
  domainHost: true,
  parse: wsParse,
  serialize: wsSerialize
})

const wss = /** @type {SchemeHandler} */ ({
  scheme: 'wss',
  domainHost: ws.domainHost,
  parse: ws.parse,
  serialize: ws.serialize
})

const urn = /** @type {SchemeHandler} */ ({
  scheme: 'urn',
  parse: urnParse,
  serialize: urnSerialize,
  skipNormalize: true
})

const urnuuid = /** @type {SchemeHandler} */ ({
  scheme: 'urn:uuid',
  parse: urnuuidParse,
  serialize: urnuuidSerialize,
  skipNormalize: true
})

const SCHEMES = /** @type {Record<SchemeName, SchemeHandler>} */ ({
  http,
  https,
  ws,
  wss,
  urn,
  'urn:uuid': urnuuid
})

Object.setPrototypeOf(SCHEMES, null)

/**
 * @param {string|undefined} scheme
 * @returns {SchemeHandler|undefined}
 */
function getSchemeHandler (scheme) {
  return (
    scheme && (
      SCHEMES[/** @type {SchemeName} */ (scheme)] ||
      SCHEMES[/** @type {SchemeName} */(scheme.toLowerCase())])
  ) ||
    undefined
}

module.exports = {
  wsIsSecure,
  SCHEMES,
  isValidSchemeName,
  getSchemeHandler,
}


/***/ }),

/***/ 5077:
/***/ ((module) => {



/** @type {(value: string) => boolean} */
const isUUID = RegExp.prototype.test.bind(/^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/iu)

/** @type {(value: string) => boolean} */
const isIPv4 = RegExp.prototype.test.bind(/^(?:(?:25[0-5]|2[0-4]\d|1\d{2}|[1-9]\d|\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d{2}|[1-9]\d|\d)$/u)

/** @type {(value: string) => boolean} */
const isPort = RegExp.prototype.test.bind(/^\d*$/u)

/** @type {(value: string) => boolean} */
const isHexPair = RegExp.prototype.test.bind(/^[\da-f]{2}$/iu)

/** @type {(value: string) => boolean} */
const isUnreserved = RegExp.prototype.test.bind(/^[\da-z\-._~]$/iu)

/** @type {(value: string) => boolean} */
const isPathCharacter = RegExp.prototype.test.bind(/^[A-Za-z0-9\-._~!$&'()*+,;=:@/]$/u)

/** @type {(value: string) => boolean} */
const isQueryFragmentCharacter = RegExp.prototype.test.bind(/^[A-Za-z0-9\-._~!$&'()*+,;=:@/?]$/u)

/** @type {(value: string) => boolean} */
const isUserinfoCharacter = RegExp.prototype.test.bind(/^[A-Za-z0-9\-._~!$&'()*+,;=:]$/u)

const BYTE_HEX = new Array(256)
{
  const HEX_DIGITS = '0123456789ABCDEF'
  for (let i = 0; i < 256; i++) {
    BYTE_HEX[i] = '%' + HEX_DIGITS[i >> 4] + HEX_DIGITS[i & 0xF]
  }
}
function percentEncodeNonAscii (cp) {
  if (cp < 0x800) {
    return BYTE_HEX[0xC0 | (cp >> 6)] +
           BYTE_HEX[0x80 | (cp & 0x3F)]
  }
  if (cp < 0x10000) {
    return BYTE_HEX[0xE0 | (cp >> 12)] +
           BYTE_HEX[0x80 | ((cp >> 6) & 0x3F)] +
           BYTE_HEX[0x80 | (cp & 0x3F)]
  }
  return BYTE_HEX[0xF0 | (cp >> 18)] +
         BYTE_HEX[0x80 | ((cp >> 12) & 0x3F)] +
         BYTE_HEX[0x80 | ((cp >> 6) & 0x3F)] +
         BYTE_HEX[0x80 | (cp & 0x3F)]
}

/**
 * @param {Array<string>} input
 * @returns {string}
 */
function stringArrayToHexStripped (input) {
  let acc = ''
  let code = 0
  let i = 0

  for (i = 0; i < input.length; i++) {
    code = input[i].charCodeAt(0)
    if (code === 48) {
      continue
    }
    if (!((code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102))) {
      return ''
    }
    acc += input[i]
    break
  }

  for (i += 1; i < input.length; i++) {
    code = input[i].charCodeAt(0)
    if (!((code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102))) {
      return ''
    }
    acc += input[i]
  }
  return acc
}

/** @type {(value: string) => boolean} */
const isHextet = RegExp.prototype.test.bind(/^[\dA-Fa-f]{1,4}$/)

/** @type {(value: string) => boolean} */
const isIPvFuture = RegExp.prototype.test.bind(/^[vV][\dA-Fa-f]+\.[A-Za-z\d\-._~!$&'()*+,;=:]+$/)

/** @type {(value: string) => boolean} */
const isZoneCharacter = RegExp.prototype.test.bind(/^[A-Za-z\d\-._~]$/)

/**
 * @param {string} value
 * @returns {boolean}
 */
const nonSimpleDomain = RegExp.prototype.test.bind(/[^!"$&'()*+,\-.;=_`a-z{}~]/u)

/**
 * @param {string} zone
 * @returns {boolean}
 */
function isZoneIdentifier (zone) {
  if (zone.length === 0) return false

  for (let i = 0; i < zone.length; i++) {
    if (isZoneCharacter(zone[i])) continue
    if (zone[i] === '%' && i + 2 < zone.length && isHexPair(zone.slice(i + 1, i + 3))) {
      i += 2
      continue
    }
    return false
  }

  return true
}

/**
 * Compresses the longest run of zero hextets to "::" per RFC 5952. A run of a
 * single zero hextet is left uncompressed. On ties the leftmost run wins.
 *
 * @param {string[]} hextets
 * @returns {string}
 */
function compressIPv6ZeroRun (hextets) {
  let bestStart = -1
  let bestLength = 0
  let runStart = -1
  let runLength = 0
  for (let i = 0; i < hextets.length; i++) {
    if (hextets[i] === '0') {
      if (runStart === -1) runStart = i
      runLength++
      if (runLength > bestLength) {
        bestLength = runLength
        bestStart = runStart
      }
    } else {
      runStart = -1
      runLength = 0
    }
  }

  if (bestLength < 2) return hextets.join(':')

  const head = hextets.slice(0, bestStart).join(':')
  const tail = hextets.slice(bestStart + bestLength).join(':')
  return head + '::' + tail
}

/**
 * Validates an IPv6 address against the alternatives in RFC 3986 section
 * 3.2.2 and returns the same address with leading hextet zeroes removed.
 * An embedded IPv4 address counts as two hextets and is only valid at the end.
 *
 * @param {string} input
 * @returns {string|undefined}
 */
function normalizeIPv6Address (input) {
  const compression = input.indexOf('::')
  if (compression !== -1 && input.indexOf('::', compression + 1) !== -1) return undefined

  const left = compression === -1 ? input.split(':') : input.slice(0, compression).split(':')
  const right = compression === -1 ? [] : input.slice(compression + 2).split(':')
  if (compression !== -1) {
    if (left.length === 1 && left[0] === '') left.length = 0
    if (right.length === 1 && right[0] === '') right.length = 0
  }

  const parts = left.concat(right)
  let hextetCount = 0
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]
    if (part === '') return undefined

    if (part.indexOf('.') !== -1) {
      if (i !== parts.length - 1 || (compression !== -1 && right.length === 0) || !isIPv4(part)) return undefined
      hextetCount += 2
      continue
    }

    if (!isHextet(part)) return undefined
    parts[i] = parseInt(part, 16).toString(16)
    hextetCount++
  }

  if (compression === -1) {
    if (hextetCount !== 8) return undefined
    return compressIPv6ZeroRun(parts)
  }
  if (hextetCount >= 8) return undefined

  // expand "::" then re-compress the longest run for a canonical result
  const expanded = parts.slice(0, left.length)
  for (let i = hextetCount; i < 8; i++) expanded.push('0')
  for (let i = left.length; i < parts.length; i++) expanded.push(parts[i])
  return compressIPv6ZeroRun(expanded)
}

/**
 * @typedef {Object} NormalizeIPv6Result
 * @property {string} host - The normalized host.
 * @property {string} [escapedHost] - The escaped host.
 * @property {boolean} isIPV6 - Indicates if the host is an IPv6 address.
 * @property {boolean} [isIPVFuture] - Indicates if the host is an IPvFuture literal.
 * @property {boolean} [error] - Indicates if a bracketed IP literal is malformed.
 */

/**
 * Validates and normalizes a bracketed IP literal. Raw zone separators remain
 * accepted for backwards compatibility, while encoded separators and zone
 * contents follow RFC 6874.
 *
 * @param {string} host
 * @returns {NormalizeIPv6Result}
 */
function normalizeIPv6 (host) {
  const bracketed = host[0] === '[' && host[host.length - 1] === ']'
  const hasBracket = host[0] === '[' || host[host.length - 1] === ']'
  if (hasBracket && !bracketed) return { host, isIPV6: false, error: true }

  let input = bracketed ? host.slice(1, -1) : host
  if (bracketed && isIPvFuture(input)) {
    input = input.toLowerCase()
    return { host: `[${input}]`, escapedHost: input, isIPV6: false, isIPVFuture: true }
  }

  if (findToken(input, ':') < 2) {
    return { host, isIPV6: false, error: bracketed }
  }

  let zoneIdentifier = ''
  const zoneSeparator = input.indexOf('%')
  if (zoneSeparator !== -1) {
    const separatorLength = input.slice(zoneSeparator, zoneSeparator + 3).toLowerCase() === '%25' ? 3 : 1
    zoneIdentifier = input.slice(zoneSeparator + separatorLength)
    if (!isZoneIdentifier(zoneIdentifier)) return { host, isIPV6: false, error: true }
    input = input.slice(0, zoneSeparator)
  }

  const address = normalizeIPv6Address(input)
  if (address === undefined) return { host, isIPV6: false, error: true }

  return {
    host: address + (zoneIdentifier ? '%' + zoneIdentifier : ''),
    escapedHost: address + (zoneIdentifier ? '%25' + zoneIdentifier : ''),
    isIPV6: true
  }
}

/**
 * @param {string} str
 * @param {string} token
 * @returns {number}
 */
function findToken (str, token) {
  let ind = 0
  for (let i = 0; i < str.length; i++) {
    if (str[i] === token) ind++
  }
  return ind
}

/**
 * @param {string} path
 * @returns {string}
 *
 * @see https://datatracker.ietf.org/doc/html/rfc3986#section-5.2.4
 */
function removeDotSegments (path) {
  let input = path
  const output = []
  let nextSlash = -1
  let len = 0

  // eslint-disable-next-line no-cond-assign
  while (len = input.length) {
    if (len === 1) {
      if (input === '.') {
        break
      } else if (input === '/') {
        output.push('/')
        break
      } else {
        output.push(input)
        break
      }
    } else if (len === 2) {
      if (input[0] === '.') {
        if (input[1] === '.') {
          break
        } else if (input[1] === '/') {
          input = input.slice(2)
          continue
        }
      } else if (input[0] === '/') {
        if (input[1] === '.' || input[1] === '/') {
          output.push('/')
          break
        }
      }
    } else if (len === 3) {
      if (input === '/..') {
        if (output.length !== 0) {
          output.pop()
        }
        output.push('/')
        break
      }
    }
    if (input[0] === '.') {
      if (input[1] === '.') {
        if (input[2] === '/') {
          input = input.slice(3)
          continue
        }
      } else if (input[1] === '/') {
        input = input.slice(2)
        continue
      }
    } else if (input[0] === '/') {
      if (input[1] === '.') {
        if (input[2] === '/') {
          input = input.slice(2)
          continue
        } else if (input[2] === '.') {
          if (input[3] === '/') {
            input = input.slice(3)
            if (output.length !== 0) {
              output.pop()
            }
            continue
          }
        }
      }
    }

    // Rule 2E: Move normal path segment to output
    if ((nextSlash = input.indexOf('/', 1)) === -1) {
      output.push(input)
      break
    } else {
      output.push(input.slice(0, nextSlash))
      input = input.slice(nextSlash)
    }
  }

  return output.join('')
}

/**
 * Removes dot segments from the path of a relative reference (a path that does
 * not start with "/") without changing what it resolves to against any base.
 * Unlike `removeDotSegments`, leading ".." segments that cannot be collapsed
 * are kept, the result never becomes root-relative, and a result that would be
 * empty or start with an empty segment is prefixed with "." (an empty path
 * means "same document" and a leading "//" would introduce an authority).
 *
 * @param {string} path
 * @returns {string}
 */
function removeDotSegmentsRelative (path) {
  if (path === '' || path[0] === '/') {
    return removeDotSegments(path)
  }

  const segments = path.split('/')
  const last = segments.length - 1
  /** @type {string[]} */
  const output = []
  let trailingDirectory = false

  for (let i = 0; i <= last; i++) {
    const segment = segments[i]
    if (segment === '.' || segment === '..') {
      if (segment === '..') {
        if (output.length !== 0 && output[output.length - 1] !== '..') {
          output.pop()
        } else {
          output.push('..')
        }
      }
      trailingDirectory = i === last
    } else {
      output.push(segment)
    }
  }

  if (trailingDirectory && output[output.length - 1] !== '..') {
    output.push('')
  }
  if (output.length === 0 || output[0] === '' || output[0].includes(':')) {
    // An empty path, a leading empty segment ("//"), or a first segment
    // containing ":" (which would be mistaken for a scheme, RFC 3986 section
    // 4.2) must stay behind a "." segment so the reference keeps its meaning.
    output.unshift('.')
  }

  return output.join('/')
}

/**
 * Re-escape RFC 3986 gen-delims that must not appear literally in the host.
 * After the URI regex parses, these characters cannot be literal in the host
 * field, so any that appear after decoding came from percent-encoding and
 * must be restored to prevent authority structure changes.
 *
 * @param {string} host
 * @param {boolean} isIP - true for IPv4/IPv6 hosts (skip colon re-escaping)
 * @returns {string}
 */
const HOST_DELIMS = { '@': '%40', '/': '%2F', '?': '%3F', '#': '%23', ':': '%3A' }
const HOST_DELIM_RE = /[@/?#:]/g
const HOST_DELIM_NO_COLON_RE = /[@/?#]/g

function reescapeHostDelimiters (host, isIP) {
  const re = isIP ? HOST_DELIM_NO_COLON_RE : HOST_DELIM_RE
  re.lastIndex = 0
  return host.replace(re, (ch) => HOST_DELIMS[ch])
}

/**
 * Normalizes percent escapes and optionally decodes only unreserved ASCII bytes.
 * Reserved delimiters such as `%2F` stay escaped; `%2E` is unreserved.
 *
 * @param {string} input
 * @param {boolean} [decodeUnreserved=false]
 * @returns {string}
 */
function normalizePercentEncoding (input, decodeUnreserved = false) {
  if (input.indexOf('%') === -1) {
    return input
  }

  let output = ''

  for (let i = 0; i < input.length; i++) {
    if (input[i] === '%' && i + 2 < input.length) {
      const hex = input.slice(i + 1, i + 3)
      if (isHexPair(hex)) {
        const normalizedHex = hex.toUpperCase()
        const decoded = String.fromCharCode(parseInt(normalizedHex, 16))

        if (decodeUnreserved && isUnreserved(decoded)) {
          output += decoded
        } else {
          output += '%' + normalizedHex
        }

        i += 2
        continue
      }
    }

    output += input[i]
  }

  return output
}

/**
 * Normalizes path data without turning reserved escapes into live path syntax.
 * Valid escapes are uppercased, raw unsafe characters are escaped, and only
 * unreserved bytes that are not `.` are decoded.
 *
 * @param {string} input
 * @returns {string}
 */
function normalizePathEncoding (input) {
  let output = ''

  for (let i = 0; i < input.length; i++) {
    const ch = input[i]
    if (ch === '%' && i + 2 < input.length) {
      const hex = input.slice(i + 1, i + 3)
      if (isHexPair(hex)) {
        const normalizedHex = hex.toUpperCase()
        const decoded = String.fromCharCode(parseInt(normalizedHex, 16))

        if (decoded !== '.' && isUnreserved(decoded)) {
          output += decoded
        } else {
          output += '%' + normalizedHex
        }

        i += 2
        continue
      }
    }

    if (isPathCharacter(ch)) {
      output += ch
    } else {
      const code = input.charCodeAt(i)
      if (code < 0x80) {
        output += isEscapeSafe(code) ? ch : BYTE_HEX[code]
      } else if (code < 0xD800 || code > 0xDFFF) {
        output += percentEncodeNonAscii(code)
      } else if (code <= 0xDBFF && i + 1 < input.length) {
        const low = input.charCodeAt(i + 1)
        if (low >= 0xDC00 && low <= 0xDFFF) {
          output += percentEncodeNonAscii(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
          i++
        } else {
          output += percentEncodeNonAscii(0xFFFD)
        }
      } else {
        output += percentEncodeNonAscii(0xFFFD)
      }
    }
  }

  return output
}

/**
 * Serializes a path without rewriting reserved data. Raw RFC 3986 path
 * characters remain literal, valid escapes are preserved and uppercased, and
 * everything else is UTF-8 percent-encoded. In a path-noscheme, a colon in the
 * first segment must be escaped so the result cannot be parsed as a scheme.
 *
 * @param {string} input
 * @param {boolean} [pathNoScheme=false]
 * @returns {string}
 */
function serializePathEncoding (input, pathNoScheme = false) {
  let output = ''
  let firstSegment = pathNoScheme && input[0] !== '/'

  for (let i = 0; i < input.length; i++) {
    const ch = input[i]
    if (ch === '%' && i + 2 < input.length) {
      const hex = input.slice(i + 1, i + 3)
      if (isHexPair(hex)) {
        output += '%' + hex.toUpperCase()
        i += 2
        continue
      }
    }

    if (ch === '/') {
      firstSegment = false
    }

    if (isPathCharacter(ch) && (ch !== ':' || !firstSegment)) {
      output += ch
    } else {
      const code = input.charCodeAt(i)
      if (code < 0x80) {
        output += BYTE_HEX[code]
      } else if (code < 0xD800 || code > 0xDFFF) {
        output += percentEncodeNonAscii(code)
      } else if (code <= 0xDBFF && i + 1 < input.length) {
        const low = input.charCodeAt(i + 1)
        if (low >= 0xDC00 && low <= 0xDFFF) {
          output += percentEncodeNonAscii(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
          i++
        } else {
          output += percentEncodeNonAscii(0xFFFD)
        }
      } else {
        output += percentEncodeNonAscii(0xFFFD)
      }
    }
  }

  return output
}

/**
 * Percent-encodes a URI component using its RFC 3986 literal character set.
 * Existing valid escapes are preserved and normalized to uppercase hex.
 *
 * @param {string} input
 * @param {(value: string) => boolean} isAllowed
 * @returns {string}
 */
function encodeComponent (input, isAllowed) {
  let output = ''

  for (let i = 0; i < input.length; i++) {
    const ch = input[i]
    if (ch === '%' && i + 2 < input.length) {
      const hex = input.slice(i + 1, i + 3)
      if (isHexPair(hex)) {
        output += '%' + hex.toUpperCase()
        i += 2
        continue
      }
    }

    if (isAllowed(ch)) {
      output += ch
    } else {
      const code = input.charCodeAt(i)
      if (code < 0x80) {
        output += BYTE_HEX[code]
      } else if (code < 0xD800 || code > 0xDFFF) {
        output += percentEncodeNonAscii(code)
      } else if (code <= 0xDBFF && i + 1 < input.length) {
        const low = input.charCodeAt(i + 1)
        if (low >= 0xDC00 && low <= 0xDFFF) {
          output += percentEncodeNonAscii(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
          i++
        } else {
          output += percentEncodeNonAscii(0xFFFD)
        }
      } else {
        output += percentEncodeNonAscii(0xFFFD)
      }
    }
  }

  return output
}

/**
 * Encodes userinfo while preserving its RFC 3986 §3.2.1 literal characters.
 * In particular, authority delimiters such as `@`, `/`, `?`, and `#` are data.
 *
 * @param {string} input
 * @returns {string}
 */
function encodeUserinfo (input) {
  return encodeComponent(input, isUserinfoCharacter)
}

/**
 * Encodes query data using the RFC 3986 §3.4 grammar. A literal `#` must be
 * escaped because it would otherwise begin the fragment component.
 *
 * @param {string} input
 * @returns {string}
 */
function encodeQuery (input) {
  return encodeComponent(input, isQueryFragmentCharacter)
}

/**
 * Encodes fragment data using the RFC 3986 §3.5 grammar.
 *
 * @param {string} input
 * @returns {string}
 */
function encodeFragment (input) {
  return encodeComponent(input, isQueryFragmentCharacter)
}

function isEscapeSafe (cp) {
  return (
    (cp >= 0x30 && cp <= 0x39) ||
    (cp >= 0x41 && cp <= 0x5A) ||
    (cp >= 0x61 && cp <= 0x7A) ||
    cp === 0x2A || cp === 0x2B || cp === 0x2D || cp === 0x2E ||
    cp === 0x2F || cp === 0x40 || cp === 0x5F
  )
}

/**
 * Normalizes the percent-encoding of a query or fragment component.
 *
 * Like `normalizePathEncoding`, but uses the query/fragment character set
 * (which additionally allows `?`) and decodes `.` since it has no dot-segment
 * meaning outside of a path.
 *
 * @param {string} input
 * @returns {string}
 */
function normalizeQueryFragmentEncoding (input) {
  let output = ''

  for (let i = 0; i < input.length; i++) {
    const ch = input[i]
    if (ch === '%' && i + 2 < input.length) {
      const hex = input.slice(i + 1, i + 3)
      if (isHexPair(hex)) {
        const normalizedHex = hex.toUpperCase()
        const decoded = String.fromCharCode(parseInt(normalizedHex, 16))

        if (isUnreserved(decoded)) {
          output += decoded
        } else {
          output += '%' + normalizedHex
        }

        i += 2
        continue
      }
    }

    if (isQueryFragmentCharacter(ch)) {
      output += ch
    } else {
      const code = input.charCodeAt(i)
      if (code < 0x80) {
        output += isEscapeSafe(code) ? ch : BYTE_HEX[code]
      } else if (code < 0xD800 || code > 0xDFFF) {
        output += percentEncodeNonAscii(code)
      } else if (code <= 0xDBFF && i + 1 < input.length) {
        const low = input.charCodeAt(i + 1)
        if (low >= 0xDC00 && low <= 0xDFFF) {
          output += percentEncodeNonAscii(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
          i++
        } else {
          output += percentEncodeNonAscii(0xFFFD)
        }
      } else {
        output += percentEncodeNonAscii(0xFFFD)
      }
    }
  }

  return output
}

/**
 * Escapes a component while preserving existing valid percent escapes.
 *
 * @param {string} input
 * @returns {string}
 */
function escapePreservingEscapes (input) {
  let output = ''

  for (let i = 0; i < input.length; i++) {
    if (input[i] === '%' && i + 2 < input.length) {
      const hex = input.slice(i + 1, i + 3)
      if (isHexPair(hex)) {
        output += '%' + hex.toUpperCase()
        i += 2
        continue
      }
    }

    output += escape(input[i])
  }

  return output
}

/**
 * @param {import('../types/index').URIComponent} component
 * @returns {string|undefined}
 */
function recomposeAuthority (component) {
  const uriTokens = []

  if (component.userinfo !== undefined) {
    uriTokens.push(encodeUserinfo(component.userinfo))
    uriTokens.push('@')
  }

  if (component.host !== undefined) {
    let host = component.host
    if (!isIPv4(host)) {
      let ipV6res = normalizeIPv6(host)
      if (ipV6res.isIPV6 !== true && ipV6res.isIPVFuture !== true) {
        // Decode only unreserved bytes, once. In particular, keep %25 encoded
        // so it cannot introduce a second escape during recomposition.
        host = normalizePercentEncoding(host, true)
        ipV6res = normalizeIPv6(host)
      }
      if (ipV6res.isIPV6 === true || ipV6res.isIPVFuture === true) {
        host = `[${ipV6res.escapedHost}]`
      } else {
        host = reescapeHostDelimiters(host, false)
      }
    }
    uriTokens.push(host)
  }

  if (typeof component.port === 'number' || typeof component.port === 'string') {
    const port = String(component.port)
    if (!isPort(port)) {
      throw new TypeError('URI port is malformed.')
    }
    uriTokens.push(':')
    uriTokens.push(port)
  }

  return uriTokens.length ? uriTokens.join('') : undefined
};

module.exports = {
  nonSimpleDomain,
  recomposeAuthority,
  reescapeHostDelimiters,
  normalizePercentEncoding,
  normalizePathEncoding,
  serializePathEncoding,
  normalizeQueryFragmentEncoding,
  encodeUserinfo,
  encodeQuery,
  encodeFragment,
  escapePreservingEscapes,
  removeDotSegments,
  removeDotSegmentsRelative,
  isIPv4,
  isUUID,
  normalizeIPv6,
  stringArrayToHexStripped
}


/***/ }),

/***/ 3867:
/***/ ((__webpack_module__, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(__webpack_module__, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _run_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1036);

process.exitCode = await (0,_run_js__WEBPACK_IMPORTED_MODULE_0__/* .runCli */ .a)(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
});

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 1036:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  a: () => (/* binding */ runCli)
});

// UNUSED EXPORTS: commands

;// CONCATENATED MODULE: ./build/src/core/errors.js
/**
 * Bad usage or input: the CLI exits 2 and the action fails before changing anything.
 * The message always names the input, the bad value and what would be accepted.
 */
class InputError extends Error {
    input;
    value;
    expected;
    name = 'InputError';
    constructor(input, value, expected) {
        super(`${input}: ${JSON.stringify(value)} is not valid; expected ${expected}`);
        this.input = input;
        this.value = value;
        this.expected = expected;
    }
}
/** A precondition of the repository is not met (shallow clone, dirty tree…); the fix is a command. */
class PreconditionError extends Error {
    fix;
    name = 'PreconditionError';
    constructor(message, fix) {
        super(`${message}\nFix: ${fix}`);
        this.fix = fix;
    }
}
/** True for errors that mean "the user must change something" rather than "the operation failed". */
function isUsageError(error) {
    return error instanceof InputError || error instanceof PreconditionError;
}

;// CONCATENATED MODULE: external "node:util"
const external_node_util_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");
;// CONCATENATED MODULE: ./build/src/cli/command.js


const helpOption = {
    help: { type: 'boolean', short: 'h', help: 'show this help' },
};
/** Parses argv strictly: an unknown flag or a missing value is a usage error that names it. */
function parseCommandArgs(command, argv) {
    const options = { ...command.options, ...helpOption };
    try {
        const { values, positionals } = (0,external_node_util_namespaceObject.parseArgs)({
            args: argv,
            options: Object.fromEntries(Object.entries(options).map(([k, { help: _h, placeholder: _p, ...o }]) => [k, o])),
            allowPositionals: true,
            strict: true,
        });
        const max = command.positionals?.length ?? 0;
        if (!values.help && positionals.length > max) {
            throw new InputError('argument', positionals[max], max ? `at most ${max} argument(s): ${command.usage}` : `no arguments: ${command.usage}`);
        }
        return { values: values, positionals };
    }
    catch (error) {
        if (error instanceof InputError)
            throw error;
        // node:util's messages are long and quote a workaround that does not apply; keep the facts.
        const message = error instanceof Error ? error.message : String(error);
        const flags = Object.keys(options).map((o) => `--${o}`).join(', ');
        const unknown = /Unknown option '([^']+)'/.exec(message);
        if (unknown)
            throw new InputError('option', unknown[1], `one of ${flags} (see release-flow ${command.name} --help)`);
        const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
        if (missing)
            throw new InputError(missing[1], '', `a value after ${missing[1]} (see release-flow ${command.name} --help)`);
        throw new InputError(`release-flow ${command.name}`, argv.join(' '), `${message.split('. ')[0]}. Usage: ${command.usage}`);
    }
}
function commandHelp(command) {
    const lines = [`${command.summary}`, '', `Usage: ${command.usage}`, ''];
    if (command.positionals?.length) {
        lines.push('Arguments:');
        for (const p of command.positionals)
            lines.push(`  ${p.name.padEnd(26)} ${p.help}`);
        lines.push('');
    }
    lines.push('Options:');
    for (const [name, spec] of Object.entries({ ...command.options, ...helpOption })) {
        const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.placeholder ?? 'VALUE'}` : ''}`;
        lines.push(`  ${flag.padEnd(26)} ${spec.help}`);
    }
    lines.push('', 'Exit codes: 0 done, 1 the operation failed, 2 bad usage or input.');
    return lines.join('\n') + '\n';
}
function stringValue(args, name) {
    const value = args.values[name];
    return typeof value === 'string' ? value : undefined;
}
function flag(args, name) {
    return args.values[name] === true;
}

;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
;// CONCATENATED MODULE: external "node:fs/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");
;// CONCATENATED MODULE: ./build/src/adapters/config-files.js

function errorCode(error) {
    return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}
/** The local file system. */
function localConfigFiles() {
    return {
        async read(path) {
            try {
                return { ok: true, text: await (0,promises_namespaceObject.readFile)(path, 'utf8') };
            }
            catch (error) {
                const code = errorCode(error);
                if (code === 'ENOENT' || code === 'ENOTDIR')
                    return { ok: false, missing: true, reason: 'no such file' };
                if (code === 'EISDIR')
                    return { ok: false, missing: false, reason: 'is a directory, not a file' };
                if (code === 'EACCES' || code === 'EPERM')
                    return { ok: false, missing: false, reason: 'permission denied' };
                return { ok: false, missing: false, reason: error instanceof Error ? error.message : String(error) };
            }
        },
        async isDirectory(path) {
            try {
                return (await (0,promises_namespaceObject.stat)(path)).isDirectory();
            }
            catch {
                return false;
            }
        },
    };
}

;// CONCATENATED MODULE: ./build/src/core/config-layout.js
/**
 * Where a service's configuration lives and what it is when no file says otherwise.
 * The service is an input (synapse by default); the defaults below are synapse's.
 */
const configEnvironments = ['dev', 'prod'];
function isConfigEnvironment(value) {
    return configEnvironments.includes(value);
}
/** File names inside the configs directory, and the variable that overrides the environment file. */
function configFileNames(environment, service = 'synapse') {
    return {
        base: `${service}.json`,
        environment: `${service}_${environment}.json`,
        schema: `${service}.schema.json`,
        pathVariable: `${service.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_CONFIG_PATH`,
    };
}
/**
 * synapse's code defaults: the lowest layer, below configs/synapse.json. Together they must set
 * every key of the schema, so each file can stay a partial override.
 */
const synapseDefaults = {
    server: { host: '0.0.0.0', port: 8002 },
    logging: { level: 'INFO', format: 'text' },
    automatic_learning: { mode: 'moderate', interval_seconds: 300 },
    data: {
        dir: '/app/data',
        semantic_index: 'semantic_index',
        episodic_db: 'episodic.db',
        memory_db: 'memory.db',
        metrics_db: 'metrics.db',
    },
    models: { dir: '/app/models' },
};

;// CONCATENATED MODULE: ./build/src/core/config-merge.js
/**
 * Layered configuration: a deep merge that remembers, for every leaf, the layer it came from.
 *
 * Layers go from lowest to highest precedence: code defaults, the base file, the environment file,
 * then one layer per environment variable. Objects merge key by key; anything else (strings,
 * numbers, booleans, null, arrays) is a leaf that a higher layer replaces whole.
 */
const DEFAULT_SOURCE = 'default';
const envSource = (variable) => `env:${variable}`;
function isConfigObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/**
 * Sets an own property even for `__proto__`, so a key in a config file can never reach a prototype;
 * validation then reports it as an unknown key.
 */
function setOwn(target, key, value) {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
/** `["logging", "level"]` → `logging.level`. */
const keyPath = (segments) => segments.join('.');
/** A deep copy: a layer's objects are never shared with the merged result. */
function copy(value) {
    if (Array.isArray(value))
        return value.map(copy);
    if (!isConfigObject(value))
        return value;
    const out = {};
    for (const [k, v] of Object.entries(value))
        setOwn(out, k, copy(v));
    return out;
}
/** Every leaf as [segments, value], depth first in key order. An empty object has no leaves. */
function leaves(value, prefix = []) {
    const out = [];
    for (const [k, v] of Object.entries(value)) {
        const path = [...prefix, k];
        if (isConfigObject(v))
            out.push(...leaves(v, path));
        else
            out.push([path, v]);
    }
    return out;
}
/** The value at a key path, or undefined. */
function valueAt(value, segments) {
    let current = value;
    for (const segment of segments) {
        if (!isConfigObject(current) || !Object.hasOwn(current, segment))
            return undefined;
        current = current[segment];
    }
    return current;
}
/** Merges `layers`, lowest precedence first. Pure: the layers are not changed. */
function mergeLayers(layers) {
    const values = {};
    const origin = new Map();
    const forget = (prefix) => {
        for (const key of [...origin.keys()])
            if (key === prefix || key.startsWith(`${prefix}.`))
                origin.delete(key);
    };
    const apply = (target, layer, prefix, source) => {
        for (const [k, v] of Object.entries(layer)) {
            const path = [...prefix, k];
            const existing = Object.hasOwn(target, k) ? target[k] : undefined;
            if (isConfigObject(v)) {
                if (!isConfigObject(existing)) {
                    // A leaf (or nothing) replaced by an object: the old leaf and its source go.
                    forget(keyPath(path));
                    setOwn(target, k, {});
                }
                apply(target[k], v, path, source);
            }
            else {
                // A leaf replaces whatever was there, including a whole object of lower layers.
                forget(keyPath(path));
                setOwn(target, k, copy(v));
                origin.set(keyPath(path), source);
            }
        }
    };
    for (const layer of layers)
        apply(values, layer.value, [], layer.source);
    const sources = {};
    for (const [path] of leaves(values)) {
        const key = keyPath(path);
        Object.defineProperty(sources, key, { value: origin.get(key) ?? DEFAULT_SOURCE, enumerable: true, writable: true, configurable: true });
    }
    return { values, sources };
}

;// CONCATENATED MODULE: ./build/src/core/config-redact.js

/**
 * Names that hold secrets. Secrets never belong in config files (the schema has no such key), but a
 * value that slips in under such a name, as a key or as the variable it came from, is never shown.
 */
const secretNamePattern = /token|secret|password|key/i;
const REDACTED = '[redacted]';
function isSecretName(name) {
    return secretNamePattern.test(name);
}
/** True when any segment of the key path, or the variable of an `env:NAME` source, names a secret. */
function isSecretLeaf(segments, source) {
    if (segments.some(isSecretName))
        return true;
    return source !== undefined && source.startsWith('env:') && isSecretName(source.slice('env:'.length));
}
/** A copy of `values` in which every secret leaf reads `[redacted]`. */
function redactConfig(values, sources) {
    const out = {};
    const put = (segments, value) => {
        let target = out;
        for (const segment of segments.slice(0, -1)) {
            if (!isConfigObject(target[segment]))
                setOwn(target, segment, {});
            target = target[segment];
        }
        setOwn(target, segments[segments.length - 1], value);
    };
    for (const [segments, value] of leaves(values)) {
        const source = Object.hasOwn(sources, segments.join('.')) ? sources[segments.join('.')] : undefined;
        put(segments, isSecretLeaf(segments, source) ? REDACTED : value);
    }
    // Empty objects have no leaves; keep them so the shape stays the same.
    const keepEmpty = (from, prefix) => {
        for (const [k, v] of Object.entries(from)) {
            if (!isConfigObject(v))
                continue;
            if (valueAt(out, [...prefix, k]) === undefined)
                put([...prefix, k], {});
            keepEmpty(v, [...prefix, k]);
        }
    };
    keepEmpty(values, []);
    return out;
}
/** A value for a message: JSON, or `[redacted]` when its key path or variable names a secret. */
function showValue(value, secret) {
    return secret ? REDACTED : JSON.stringify(value);
}

// EXTERNAL MODULE: ./node_modules/ajv/dist/2020.js
var _2020 = __nccwpck_require__(2210);
// EXTERNAL MODULE: ./node_modules/jsonc-parser/lib/umd/main.js
var main = __nccwpck_require__(1928);
;// CONCATENATED MODULE: ./build/src/core/config-validate.js




/** `configs/synapse_prod.json:3:14`, `configs/synapse.json`, `env LOG_LEVEL` or `default`. */
function issueWhere(place) {
    switch (place.kind) {
        case 'file':
            return place.line === undefined ? place.file : `${place.file}:${place.line}:${place.column ?? 1}`;
        case 'env':
            return `env ${place.variable}`;
        case 'default':
            return 'default';
    }
}
/** One line: `configs/synapse_prod.json:3:14: logging.level: "VERBOSE" is not one of DEBUG, INFO, WARNING, ERROR`. */
function formatConfigIssue(issue) {
    return `${issueWhere(issue.place)}: ${issue.key ? `${issue.key}: ` : ''}${issue.message}`;
}
/** Offsets → 1-based line and column; CRLF, LF and a lone CR each end a line. */
function lineColumn(text, offset) {
    let line = 1;
    let start = 0;
    const end = Math.min(offset, text.length);
    for (let i = 0; i < end; i++) {
        const c = text.charCodeAt(i);
        if (c === 10 /* \n */ || (c === 13 /* \r */ && text.charCodeAt(i + 1) !== 10)) {
            line++;
            start = i + 1;
        }
    }
    // An offset on the \n of a CRLF is still on the line of its \r.
    return { line, column: offset - start + 1 };
}
function filePlace(parsed, offset) {
    return { kind: 'file', file: parsed.file, offset, ...lineColumn(parsed.text, offset) };
}
const syntaxMessages = {
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'malformed number',
    PropertyNameExpected: 'expected a key in double quotes (JSON allows no trailing comma)',
    ValueExpected: 'expected a value',
    ColonExpected: 'expected ":" after the key',
    CommaExpected: 'expected "," between entries',
    CloseBraceExpected: 'expected "}" to close the object',
    CloseBracketExpected: 'expected "]" to close the array',
    EndOfFileExpected: 'expected the end of the file after the top-level value',
    InvalidCommentToken: 'comments are not allowed in JSON',
    UnexpectedEndOfComment: 'unterminated comment',
    UnexpectedEndOfString: 'unterminated string',
    UnexpectedEndOfNumber: 'unterminated number',
    InvalidUnicode: 'invalid \\u escape',
    InvalidEscapeCharacter: 'invalid escape character',
    InvalidCharacter: 'control character in a string (escape it)',
};
function found(text, offset) {
    if (offset >= text.length)
        return 'found the end of the file';
    const c = text.codePointAt(offset);
    return `found ${c < 0x20 || c === 0x7f ? `U+${c.toString(16).toUpperCase().padStart(4, '0')}` : JSON.stringify(String.fromCodePoint(c))}`;
}
function syntaxIssue(parsed, error) {
    const code = (0,main.printParseErrorCode)(error.error);
    const path = (0,main.getLocation)(parsed.text, error.offset).path.filter((s) => typeof s === 'string' && s !== '');
    return {
        place: filePlace(parsed, error.offset),
        key: keyPath(path),
        message: `invalid JSON: ${syntaxMessages[code] ?? code}, ${found(parsed.text, error.offset)}`,
    };
}
/** The node's value; with duplicate keys the last one wins, as in JSON.parse. */
function nodeValue(node) {
    switch (node.type) {
        case 'object': {
            const out = {};
            for (const property of node.children ?? []) {
                const [key, value] = property.children ?? [];
                if (key && value)
                    setOwn(out, String(key.value), nodeValue(value));
            }
            return out;
        }
        case 'array':
            return (node.children ?? []).map(nodeValue);
        default:
            return node.value;
    }
}
function duplicateKeys(parsed, node, path, issues) {
    if (node.type === 'object') {
        const seen = new Map();
        for (const property of node.children ?? []) {
            const [key, value] = property.children ?? [];
            if (!key)
                continue;
            const name = String(key.value);
            const first = seen.get(name);
            if (first) {
                const at = lineColumn(parsed.text, first.offset);
                issues.push({
                    place: filePlace(parsed, key.offset),
                    key: keyPath([...path, name]),
                    message: `duplicate key (first at line ${at.line}, column ${at.column}); keep one`,
                });
            }
            else {
                seen.set(name, key);
            }
            if (value)
                duplicateKeys(parsed, value, [...path, name], issues);
        }
    }
    else if (node.type === 'array') {
        (node.children ?? []).forEach((child, i) => duplicateKeys(parsed, child, [...path, String(i)], issues));
    }
}
/** Parses strict JSON (no comments, no trailing commas), keeping every node's position. */
function parseConfigFile(file, rawText) {
    const text = rawText.startsWith('\uFEFF') ? rawText.slice(1) : rawText;
    const errors = [];
    const tree = (0,main.parseTree)(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    // After an error the parser recovers and often trips again on the same line over what it skipped
    // ('single quotes' gives four): keep the first error of each line.
    const seenLines = new Set();
    const issues = errors
        .filter((e) => {
        const { line } = lineColumn(text, e.offset);
        if (seenLines.has(line))
            return false;
        seenLines.add(line);
        return true;
    })
        .map((e) => syntaxIssue({ file, text }, e));
    if (tree)
        duplicateKeys({ file, text }, tree, [], issues);
    const value = errors.length === 0 && tree ? nodeValue(tree) : undefined;
    return { file, text, tree, value, issues: sortConfigIssues(issues) };
}
/** The node of the value at `segments` (the last of duplicate keys), or the deepest ancestor found. */
function nodeAt(tree, segments) {
    let node = tree;
    let property;
    for (const segment of segments) {
        let next;
        if (node.type === 'object') {
            for (const p of node.children ?? []) {
                if (p.children?.[0]?.value === segment) {
                    property = p;
                    next = p.children[1];
                }
            }
        }
        else if (node.type === 'array' && /^\d+$/.test(segment)) {
            next = node.children?.[Number(segment)];
            property = undefined;
        }
        if (!next)
            return { node, complete: false };
        node = next;
    }
    return property ? { node, property, complete: true } : { node, complete: true };
}
/** Compiles a draft 2020-12 schema; throws an Error whose message says what is wrong with it. */
function compileConfigSchema(schema) {
    if (!isConfigObject(schema))
        throw new Error('a JSON Schema must be an object');
    const ajv = new _2020.Ajv2020({ allErrors: true, verbose: true, strict: true, logger: false });
    try {
        return { schema, validate: ajv.compile(schema) };
    }
    catch (error) {
        throw new Error(`not a valid JSON Schema (draft 2020-12): ${error instanceof Error ? error.message : String(error)}`);
    }
}
/** The subschema that describes `segments`, following `properties` and local `$ref`s; undefined for an unknown key. */
function subschemaAt(schema, segments) {
    const deref = (s) => {
        for (let hops = 0; isConfigObject(s) && typeof s.$ref === 'string' && hops < 16; hops++) {
            if (!s.$ref.startsWith('#/'))
                return undefined;
            let target = schema;
            for (const part of s.$ref.slice(2).split('/')) {
                const name = part.replaceAll('~1', '/').replaceAll('~0', '~');
                target = isConfigObject(target) && Object.hasOwn(target, name) ? target[name] : undefined;
            }
            s = target;
        }
        return isConfigObject(s) ? s : undefined;
    };
    let current = deref(schema);
    for (const segment of segments) {
        const properties = current?.properties;
        if (!isConfigObject(properties) || !Object.hasOwn(properties, segment))
            return undefined;
        current = deref(properties[segment]);
    }
    return current;
}
function pointerSegments(pointer) {
    if (pointer === '')
        return [];
    return pointer
        .slice(1)
        .split('/')
        .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}
function article(type) {
    return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}
function jsonType(value) {
    if (value === null)
        return 'null';
    if (Array.isArray(value))
        return 'array';
    if (typeof value === 'number')
        return Number.isInteger(value) ? 'integer' : 'number';
    return typeof value;
}
function described(value, secret) {
    if (isConfigObject(value) || Array.isArray(value))
        return article(jsonType(value));
    if (value === null)
        return 'null';
    return `${showValue(value, secret)} (${article(jsonType(value))})`;
}
function list(values) {
    return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}
function describeError(error) {
    const segments = pointerSegments(error.instancePath);
    const secret = segments.some(isSecretName);
    const data = error.data;
    const params = error.params;
    const parent = error.parentSchema;
    switch (error.keyword) {
        case 'additionalProperties': {
            const name = String(params.additionalProperty);
            const allowed = isConfigObject(parent?.properties) ? Object.keys(parent.properties).filter((k) => k !== '$schema') : [];
            return {
                segments: [...segments, name],
                atKey: true,
                message: allowed.length ? `unknown key; expected one of ${allowed.join(', ')}` : 'unknown key; this object takes no keys',
            };
        }
        case 'required':
            return { segments, atKey: false, message: `missing required key ${JSON.stringify(params.missingProperty)}` };
        case 'type': {
            const expected = Array.isArray(params.type) ? params.type.map(String).map(article).join(' or ') : article(String(params.type));
            return { segments, atKey: false, message: `expected ${expected}, got ${described(data, secret)}` };
        }
        case 'enum':
        case 'const': {
            const allowed = error.keyword === 'enum' ? params.allowedValues : [params.allowedValue];
            return { segments, atKey: false, message: `${showValue(data, secret)} is not one of ${list(allowed)}` };
        }
        case 'minimum':
        case 'exclusiveMinimum':
            return { segments, atKey: false, message: `${showValue(data, secret)} is below the ${error.keyword === 'minimum' ? 'minimum' : 'exclusive minimum'} ${String(params.limit)}` };
        case 'maximum':
        case 'exclusiveMaximum':
            return { segments, atKey: false, message: `${showValue(data, secret)} is above the ${error.keyword === 'maximum' ? 'maximum' : 'exclusive maximum'} ${String(params.limit)}` };
        case 'minLength':
            return { segments, atKey: false, message: params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long` };
        case 'pattern': {
            // The description says what the pattern means: "An absolute path inside the container."
            const description = typeof parent?.description === 'string' ? parent.description.replace(/\.$/, '') : '';
            const what = description ? `is not ${description.charAt(0).toLowerCase()}${description.slice(1)} (pattern ${String(params.pattern)})` : `does not match the pattern ${String(params.pattern)}`;
            return { segments, atKey: false, message: `${showValue(data, secret)} ${what}` };
        }
        default:
            return { segments, atKey: false, message: error.message ?? error.keyword };
    }
}
/** In the order of the text for issues of one file (stable otherwise). */
function sortConfigIssues(issues) {
    const offset = (i) => (i.place.kind === 'file' ? (i.place.offset ?? -1) : -1);
    return issues.map((issue, i) => ({ issue, i })).sort((a, b) => offset(a.issue) - offset(b.issue) || a.i - b.i).map(({ issue }) => issue);
}
/**
 * Validates one layer on its own: every key of a file is optional (code defaults fill the rest),
 * so each problem belongs to exactly one layer and is reported where that layer can be fixed.
 */
function validateConfigLayer(schema, target) {
    const value = target.kind === 'file' ? target.parsed.value : target.value;
    if (value === undefined)
        return [];
    if (schema.validate(value))
        return [];
    const described = (schema.validate.errors ?? []).map(describeError);
    // A value of the wrong type fails every other keyword too: report only the type.
    const wrongType = new Set((schema.validate.errors ?? []).filter((e) => e.keyword === 'type').map((e) => e.instancePath));
    const kept = described.filter((d, i) => {
        const error = schema.validate.errors[i];
        return error.keyword === 'type' || !wrongType.has(error.instancePath) || d.atKey;
    });
    const issues = kept.map((d) => {
        const key = keyPath(d.segments);
        switch (target.kind) {
            case 'env':
                return { place: { kind: 'env', variable: target.variable }, key, message: d.message };
            case 'default':
                return { place: { kind: 'default' }, key, message: d.message };
            case 'file': {
                const tree = target.parsed.tree;
                const found = nodeAt(tree, d.segments);
                const node = d.atKey && found.complete && found.property?.children?.[0] ? found.property.children[0] : found.node;
                return { place: filePlace(target.parsed, node.offset), key, message: d.message };
            }
        }
    });
    // ajv may report one problem through two paths (e.g. a $ref); keep each line once.
    const seen = new Set();
    return sortConfigIssues(issues).filter((i) => {
        const line = formatConfigIssue(i);
        if (seen.has(line))
            return false;
        seen.add(line);
        return true;
    });
}

;// CONCATENATED MODULE: ./build/src/core/config-env.js



const synapseEnvMapping = [
    { variable: 'SYNAPSE_HOST', key: 'server.host' },
    { variable: 'SYNAPSE_PORT', key: 'server.port' },
    { variable: 'LOG_LEVEL', key: 'logging.level' },
    { variable: 'LOG_FORMAT', key: 'logging.format' },
    { variable: 'SYNAPSE_AUTO_LEARNING', key: 'automatic_learning.mode' },
    { variable: 'SYNAPSE_AUTO_LEARNING_INTERVAL', key: 'automatic_learning.interval_seconds' },
    { variable: 'SYNAPSE_DATA_DIR', key: 'data.dir' },
    { variable: 'SYNAPSE_MODELS_DIR', key: 'models.dir' },
];
/**
 * Converts a variable's text to the schema's `type` for the key (a string when the schema says
 * nothing, e.g. for an unknown key, which validation then reports).
 */
function convertEnvValue(text, schemaType) {
    const types = Array.isArray(schemaType) ? schemaType.map(String) : typeof schemaType === 'string' ? [schemaType] : ['string'];
    const trimmed = text.trim();
    for (const type of types) {
        switch (type) {
            case 'string':
                return { ok: true, value: text };
            case 'integer':
                if (/^[+-]?\d+$/.test(trimmed) && Number.isSafeInteger(Number(trimmed)))
                    return { ok: true, value: Number(trimmed) };
                break;
            case 'number':
                if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed))
                    return { ok: true, value: Number(trimmed) };
                break;
            case 'boolean':
                if (/^(true|1|yes)$/i.test(trimmed))
                    return { ok: true, value: true };
                if (/^(false|0|no)$/i.test(trimmed))
                    return { ok: true, value: false };
                break;
            case 'null':
                if (trimmed === 'null')
                    return { ok: true, value: null };
                break;
        }
    }
    const names = {
        integer: 'an integer',
        number: 'a number',
        boolean: 'true or false',
        null: 'null',
        object: 'an object (not settable from a variable)',
        array: 'an array (not settable from a variable)',
    };
    return { ok: false, expected: types.map((t) => names[t] ?? t).join(' or ') };
}
/** The variables of `mapping` that are set (and not empty) in `env`, as layers with source `env:NAME`. */
function envLayers(env, schema, mapping = synapseEnvMapping) {
    const layers = [];
    const issues = [];
    for (const { variable, key } of mapping) {
        const text = Object.hasOwn(env, variable) ? env[variable] : undefined;
        if (text === undefined || text === '')
            continue;
        const segments = key.split('.');
        const converted = convertEnvValue(text, subschemaAt(schema, segments)?.type);
        if (!converted.ok) {
            const secret = isSecretName(variable) || segments.some(isSecretName);
            issues.push({
                place: { kind: 'env', variable },
                key,
                message: `${showValue(text, secret)} is not ${converted.expected}`,
            });
            continue;
        }
        const value = {};
        let target = value;
        for (const segment of segments.slice(0, -1)) {
            const next = {};
            setOwn(target, segment, next);
            target = next;
        }
        setOwn(target, segments[segments.length - 1], converted.value);
        layers.push({ source: envSource(variable), value });
    }
    return { layers, issues };
}

;// CONCATENATED MODULE: ./build/src/flows/config.js







function displayPath(path, cwd) {
    const rel = (0,external_node_path_namespaceObject.relative)(cwd, path);
    return rel && !rel.startsWith('..') && !(0,external_node_path_namespaceObject.isAbsolute)(rel) ? rel : path;
}
/**
 * The configuration an environment runs with: code defaults < base file < environment file <
 * environment variables, each layer validated against the schema in the configs directory. Never
 * throws for a bad configuration: every problem is in `errors`. It reads no `*_FILE` secret.
 */
async function effectiveConfig(options) {
    const cwd = options.cwd ?? process.cwd();
    const files = options.files ?? localConfigFiles();
    const names = configFileNames(options.environment, options.service);
    const configDir = (0,external_node_path_namespaceObject.resolve)(cwd, options.configDir);
    const show = (path) => displayPath(path, cwd);
    const fromVariable = options.env[names.pathVariable];
    const envFilePath = fromVariable ? (0,external_node_path_namespaceObject.resolve)(cwd, fromVariable) : (0,external_node_path_namespaceObject.join)(configDir, names.environment);
    const used = {
        configDir: show(configDir),
        base: show((0,external_node_path_namespaceObject.join)(configDir, names.base)),
        environment: show(envFilePath),
        schema: show((0,external_node_path_namespaceObject.join)(configDir, names.schema)),
        ...(fromVariable ? { environmentFrom: names.pathVariable } : {}),
    };
    const defaults = { source: DEFAULT_SOURCE, value: options.defaults ?? synapseDefaults };
    const errors = [];
    const result = (layers) => ({
        environment: options.environment,
        ...mergeLayers(layers),
        errors,
        files: used,
    });
    if (!(await files.isDirectory(configDir))) {
        errors.push({
            place: { kind: 'file', file: used.configDir },
            key: '',
            message: `is not a directory; expected the configs directory holding ${names.base}, ${names.environment} and ${names.schema}`,
        });
        return result([defaults]);
    }
    // The schema first: every other layer is validated against it and variables take its types.
    let schema;
    const schemaRead = await files.read((0,external_node_path_namespaceObject.join)(configDir, names.schema));
    if (!schemaRead.ok) {
        errors.push({ place: { kind: 'file', file: used.schema }, key: '', message: `${schemaRead.reason}; the JSON Schema of ${names.base} belongs next to it` });
    }
    else {
        const parsed = parseConfigFile(used.schema, schemaRead.text);
        errors.push(...parsed.issues);
        if (parsed.value !== undefined) {
            try {
                schema = compileConfigSchema(parsed.value);
            }
            catch (error) {
                errors.push({ place: { kind: 'file', file: used.schema }, key: '', message: error instanceof Error ? error.message : String(error) });
            }
        }
    }
    const layers = [defaults];
    if (schema)
        errors.push(...validateConfigLayer(schema, { kind: 'default', value: defaults.value }));
    const readLayer = async (path, shown, missing) => {
        const read = await files.read(path);
        if (!read.ok) {
            errors.push(read.missing ? missing() : { place: { kind: 'file', file: shown }, key: '', message: `cannot be read: ${read.reason}` });
            return;
        }
        const parsed = parseConfigFile(shown, read.text);
        const invalid = schema ? validateConfigLayer(schema, { kind: 'file', parsed }) : [];
        errors.push(...sortConfigIssues([...parsed.issues, ...invalid]));
        if (parsed.value === undefined)
            return;
        if (!isConfigObject(parsed.value)) {
            if (!schema)
                errors.push({ place: { kind: 'file', file: shown, line: 1, column: 1 }, key: '', message: 'expected an object at the top level' });
            return;
        }
        // `$schema` only points editors at the schema; it is not configuration.
        const { $schema: _schema, ...value } = parsed.value;
        layers.push({ source: shown, value });
    };
    await readLayer((0,external_node_path_namespaceObject.join)(configDir, names.base), used.base, () => ({
        place: { kind: 'file', file: used.base },
        key: '',
        message: `no such file; the base configuration is required in ${used.configDir}`,
    }));
    await readLayer(envFilePath, used.environment, () => fromVariable
        ? { place: { kind: 'env', variable: names.pathVariable }, key: '', message: `${JSON.stringify(fromVariable)}: no such file; point it at the ${options.environment} configuration file, or unset it to use ${show((0,external_node_path_namespaceObject.join)(configDir, names.environment))}` }
        : { place: { kind: 'file', file: used.environment }, key: '', message: `no such file; create the ${options.environment} overrides there, or set ${names.pathVariable} to the file to use` });
    const mapping = options.envMapping ?? synapseEnvMapping;
    const fromEnv = envLayers(options.env, schema?.schema ?? {}, mapping);
    const envIssues = [...fromEnv.issues];
    for (const layer of fromEnv.layers) {
        if (schema)
            envIssues.push(...validateConfigLayer(schema, { kind: 'env', variable: layer.source.slice('env:'.length), value: layer.value }));
    }
    // In the order of the table, whether a value failed to convert or to validate.
    const rank = (issue) => mapping.findIndex((m) => issue.place.kind === 'env' && m.variable === issue.place.variable);
    errors.push(...envIssues.sort((a, b) => rank(a) - rank(b)));
    layers.push(...fromEnv.layers);
    return result(layers);
}
/** The `config --json` object: values with secrets redacted, errors as one line each. */
function configJson(config) {
    return {
        environment: config.environment,
        values: redactConfig(config.values, config.sources),
        sources: config.sources,
        errors: config.errors.map(formatConfigIssue),
    };
}

;// CONCATENATED MODULE: external "node:child_process"
const external_node_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");
;// CONCATENATED MODULE: ./build/src/adapters/git.js

class GitError extends Error {
    args;
    exitCode;
    stderr;
    name = 'GitError';
    constructor(
    /** The arguments after `git`. */
    args, 
    /** Null when git could not be started or was killed by a signal. */
    exitCode, stderr, options) {
        super(describeFailure(args, exitCode, stderr, options), options?.cause ? { cause: options.cause } : undefined);
        this.args = args;
        this.exitCode = exitCode;
        this.stderr = stderr;
    }
}
function describeFailure(args, exitCode, stderr, options) {
    const command = formatCommand(args);
    const detail = stderr.trim();
    if (options?.cause instanceof Error)
        return `${command} could not be run: ${options.cause.message}`;
    const status = exitCode !== null ? `exit ${exitCode}` : `killed by ${options?.signal ?? 'a signal'}`;
    return `${command} failed (${status})${detail ? `: ${detail}` : ''}`;
}
function formatCommand(args) {
    return ['git', ...args].map((arg) => (/^[\w@%^~:/.,=+-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' ');
}
// -- Parsing `git log -z --format=%m%H%x1f%P%x1f%B` ----------------------------------------------
/** Between commits (git's -z terminator); git refuses NUL inside commit messages. */
const RECORD_END = '\0';
/** Between the fields of one commit; a unit separator cannot appear in a sha or parent list. */
const FIELD_SEPARATOR = '\x1f';
/** %m is `-` for a boundary commit (with --boundary) and `>` otherwise. */
const LOG_FORMAT = '--format=%m%H%x1f%P%x1f%B';
const BOUNDARY_MARK = '-';
/** One record of LOG_FORMAT output, without its NUL terminator. */
function parseLogRecord(record) {
    const afterSha = record.indexOf(FIELD_SEPARATOR);
    const afterParents = afterSha === -1 ? -1 : record.indexOf(FIELD_SEPARATOR, afterSha + 1);
    if (afterParents === -1 || afterSha < 2) {
        throw new Error(`expected a git log record "<mark><sha>\\x1f<parents>\\x1f<message>", got ${JSON.stringify(record.slice(0, 80))}`);
    }
    const parents = record.slice(afterSha + 1, afterParents);
    const commit = {
        sha: record.slice(1, afterSha),
        parents: parents === '' ? [] : parents.split(' '),
        message: record.slice(afterParents + 1),
    };
    if (record[0] === BOUNDARY_MARK)
        commit.boundary = true;
    return commit;
}
/**
 * Turns decoded LOG_FORMAT output, in chunks of any size, into commits as soon as each record is
 * complete. Only the unfinished tail is kept, so memory follows the largest commit, not the history.
 */
async function* parseLogStream(chunks) {
    let pending = '';
    for await (const chunk of chunks) {
        // Searching only the new chunk keeps a message spread over many chunks from being rescanned.
        let end = chunk.indexOf(RECORD_END);
        if (end === -1) {
            pending += chunk;
            continue;
        }
        yield parseLogRecord(pending + chunk.slice(0, end));
        let start = end + 1;
        while ((end = chunk.indexOf(RECORD_END, start)) !== -1) {
            yield parseLogRecord(chunk.slice(start, end));
            start = end + 1;
        }
        pending = chunk.slice(start);
    }
    if (pending !== '') {
        throw new Error(`git log output ended inside a record: ${JSON.stringify(pending.slice(0, 80))}`);
    }
}
/** Enough to explain any failure; a runaway stderr must not grow without bound. */
const STDERR_LIMIT = 64 * 1024;
function spawnGit(gitPath, cwd, args, stdin) {
    const child = (0,external_node_child_process_namespaceObject.spawn)(gitPath, args, {
        cwd,
        stdio: [stdin, 'pipe', 'pipe'],
        env: {
            ...process.env,
            // English messages for GitError, and never wait for a password nobody can type.
            LC_ALL: 'C',
            GIT_TERMINAL_PROMPT: '0',
            // Read-only commands such as status must not take index.lock from a concurrent writer.
            GIT_OPTIONAL_LOCKS: '0',
        },
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (data) => {
        if (stderr.length < STDERR_LIMIT)
            stderr += data;
    });
    const exited = new Promise((resolve, reject) => {
        child.once('error', (error) => reject(new GitError(args, null, stderr, { cause: error })));
        child.once('close', (exitCode, signal) => resolve({ exitCode, signal, stderr }));
    });
    // The caller may be busy with stdout when a spawn error arrives; it still sees it when awaiting.
    exited.catch(() => undefined);
    return { child, exited };
}
async function execGit(gitPath, cwd, args, options = {}) {
    const { child, exited } = spawnGit(gitPath, cwd, args, options.input === undefined ? 'ignore' : 'pipe');
    if (options.input !== undefined) {
        // git may exit before reading everything (e.g. on a usage error); its exit code tells the story.
        child.stdin?.on('error', () => undefined);
        child.stdin?.end(options.input, 'utf8');
    }
    let stdout = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (data) => {
        stdout += data;
    });
    const { exitCode, signal, stderr } = await exited;
    if (exitCode === 0 || (exitCode !== null && options.okExitCodes?.includes(exitCode))) {
        return { stdout, stderr, exitCode };
    }
    throw new GitError(args, exitCode, stderr, { signal });
}
// -- Arguments ----------------------------------------------------------------------------------
/** A ref, tag or remote name that git would read as an option is a caller bug or an injection. */
function operand(value, what) {
    if (value === '' || value.startsWith('-')) {
        throw new Error(`expected a git ${what} that does not start with "-", got ${JSON.stringify(value)}`);
    }
    return value;
}
/** `^from to` is `from..to` without the parsing surprises of names containing dots. */
function rangeArgs(range) {
    const to = operand(range.to, 'revision');
    return range.from ? [to, `^${operand(range.from, 'revision')}`] : [to];
}
function logArgs(range, options = {}) {
    // --encoding: %B in UTF-8 whatever i18n.logOutputEncoding says; -z: NUL ends each record.
    // The trailing `--` keeps a revision from being taken for a path. --topo-order: a commit always
    // comes before its parents, even with skewed clocks, so a revert is read before what it reverts.
    const boundary = options.boundary ? ['--boundary'] : [];
    return ['log', '-z', '--topo-order', ...boundary, '--no-show-signature', '--encoding=UTF-8', LOG_FORMAT, ...rangeArgs(range), '--'];
}
function tagArgs(options = {}, format = '%(refname:strip=2)') {
    // for-each-ref rather than `git tag`: plumbing, so tag.sort and column.ui cannot change the output.
    const args = ['for-each-ref', `--format=${format}`];
    if (options.mergedInto)
        args.push(`--merged=${operand(options.mergedInto, 'revision')}`);
    if (options.pointsAt)
        args.push(`--points-at=${operand(options.pointsAt, 'revision')}`);
    args.push('refs/tags');
    return args;
}
function pushArgs(remote, refs, options = {}) {
    if (refs.length === 0)
        throw new Error('expected at least one ref to push, got none');
    return [
        'push',
        ...(options.atomic ? ['--atomic'] : []),
        operand(remote, 'remote'),
        ...refs.map((ref) => operand(ref, 'refspec')),
    ];
}
function lines(stdout) {
    return stdout.split('\n').filter((line) => line !== '');
}
// -- The real implementation ----------------------------------------------------------------------
function createGit(cwd, options = {}) {
    const gitPath = options.gitPath ?? 'git';
    const exec = (args, execOptions) => execGit(gitPath, cwd, args, execOptions);
    const output = async (args, execOptions) => (await exec(args, execOptions)).stdout.trim();
    const resolveCommit = async (ref) => {
        const { stdout, exitCode } = await exec(['rev-parse', '--verify', '--quiet', `${operand(ref, 'revision')}^{commit}`], {
            okExitCodes: [1],
        });
        return exitCode === 0 ? stdout.trim() : null;
    };
    const isShallow = async () => (await output(['rev-parse', '--is-shallow-repository'])) === 'true';
    const commitTimestamp = async (ref) => {
        const seconds = Number(await output(['show', '-s', '--format=%ct', `${operand(ref, 'revision')}^{commit}`, '--']));
        return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    };
    return {
        cwd,
        async isInsideWorkTree() {
            try {
                return (await output(['rev-parse', '--is-inside-work-tree'])) === 'true';
            }
            catch (error) {
                // Only "no repository here" is a no; "dubious ownership" and friends need a human to read them.
                if (error instanceof GitError && /not a git repository/i.test(error.stderr))
                    return false;
                throw error;
            }
        },
        topLevel: () => output(['rev-parse', '--show-toplevel']),
        isShallow,
        async deepen(remote = 'origin') {
            const shallow = await isShallow();
            await exec(['fetch', '--no-recurse-submodules', ...(shallow ? ['--unshallow'] : []), '--tags', operand(remote, 'remote')]);
        },
        resolveCommit,
        async currentBranch() {
            const { stdout, exitCode } = await exec(['symbolic-ref', '--quiet', '--short', 'HEAD'], { okExitCodes: [1] });
            return exitCode === 0 ? stdout.trim() : null;
        },
        async tags(filter) {
            return lines(await output(tagArgs(filter)));
        },
        async tagCommits(filter) {
            // %(*…) is the peeled commit of an annotated tag and empty for a lightweight one.
            const format = '%(refname:strip=2)%00%(objectname)%00%(*objectname)%00%(committerdate:unix)%00%(*committerdate:unix)';
            return lines(await output(tagArgs(filter, format))).map((line) => {
                const [name = '', object = '', peeled = '', date = '', peeledDate = ''] = line.split('\0');
                const seconds = Number(peeledDate || date);
                return { name, commit: peeled || object, date: new Date(seconds * 1000).toISOString().slice(0, 10) };
            });
        },
        log(range, logOptions) {
            const args = logArgs(range, logOptions);
            return {
                [Symbol.asyncIterator]: () => streamLog(gitPath, cwd, args),
            };
        },
        async countCommits(range) {
            return Number(await output(['rev-list', '--count', ...rangeArgs(range), '--']));
        },
        commitDate: async (ref) => (await commitTimestamp(ref)).slice(0, 10),
        commitTimestamp,
        async isAncestor(ancestor, descendant) {
            const { exitCode } = await exec(['merge-base', '--is-ancestor', operand(ancestor, 'revision'), operand(descendant, 'revision')], { okExitCodes: [1] });
            return exitCode === 0;
        },
        async isDirty(dirtyOptions) {
            // Explicit --untracked-files: status.showUntrackedFiles=no must not hide new files.
            const untracked = dirtyOptions?.untracked === false ? 'no' : 'normal';
            return (await output(['status', '--porcelain', `--untracked-files=${untracked}`])) !== '';
        },
        async tagExists(name) {
            const { exitCode } = await exec(['rev-parse', '--verify', '--quiet', `refs/tags/${name}`], { okExitCodes: [1] });
            return exitCode === 0;
        },
        async remoteUrl(remote = 'origin') {
            // Exit 2 is git's "No such remote".
            const { stdout, exitCode } = await exec(['remote', 'get-url', operand(remote, 'remote')], { okExitCodes: [2] });
            return exitCode === 0 ? stdout.trim() : null;
        },
        async configValue(key) {
            // Exit 1 is git's "key not set".
            const { stdout, exitCode } = await exec(['config', '--get', operand(key, 'config key')], { okExitCodes: [1] });
            return exitCode === 0 ? stdout.trim() : null;
        },
        async add(paths) {
            if (paths.length === 0)
                return;
            await exec(['add', '--', ...paths]);
        },
        async commit(message) {
            await exec(['commit', '--quiet', '--cleanup=verbatim', '--file=-'], { input: message });
            return output(['rev-parse', 'HEAD']);
        },
        async createAnnotatedTag(name, message, ref = 'HEAD') {
            await exec(['tag', '--annotate', '--cleanup=verbatim', '--file=-', operand(name, 'tag name'), operand(ref, 'revision')], {
                input: message,
            });
        },
        async moveTag(name, ref) {
            await exec(['tag', '--force', operand(name, 'tag name'), `${operand(ref, 'revision')}^{commit}`]);
        },
        async push(remote, refs, pushOptions) {
            await exec(pushArgs(remote, refs, pushOptions));
        },
    };
}
async function* streamLog(gitPath, cwd, args) {
    const { child, exited } = spawnGit(gitPath, cwd, args, 'ignore');
    const stdout = child.stdout;
    if (!stdout)
        throw new Error('expected git log to have a stdout pipe');
    // A streaming decoder: a multi-byte character split between two chunks stays whole.
    stdout.setEncoding('utf8');
    let finished = false;
    try {
        try {
            yield* parseLogStream(stdout);
        }
        catch (error) {
            // A truncated record usually means git died; its exit status explains it better.
            const { exitCode, signal, stderr } = await exited;
            if (exitCode !== 0)
                throw new GitError(args, exitCode, stderr, { signal });
            throw error;
        }
        const { exitCode, signal, stderr } = await exited;
        finished = true;
        if (exitCode !== 0)
            throw new GitError(args, exitCode, stderr, { signal });
    }
    finally {
        if (!finished) {
            // The consumer stopped early (or parsing failed): git would otherwise block on a full pipe.
            stdout.destroy();
            child.kill();
            await exited.catch(() => undefined);
        }
    }
}

;// CONCATENATED MODULE: ./build/src/core/links.js
const ownerAndName = /^([\w.-]+)\/([\w.-]+)$/;
/**
 * `serverUrl` is GITHUB_SERVER_URL as the caller read it (https://github.com or the GHES address);
 * `repository` is GITHUB_REPOSITORY, "owner/name".
 */
function repoLinks(serverUrl, repository) {
    const match = ownerAndName.exec(repository.trim());
    if (!match)
        throw new Error(`Expected the repository as "owner/name", got ${JSON.stringify(repository)}`);
    const base = `${serverBase(serverUrl)}/${encodeURIComponent(match[1])}/${encodeURIComponent(match[2])}`;
    return {
        commit: (sha) => `${base}/commit/${encodeURIComponent(sha)}`,
        issue: (n) => {
            if (!Number.isSafeInteger(n) || n <= 0)
                throw new Error(`Expected a positive issue number, got ${n}`);
            return `${base}/issues/${n}`;
        },
        compare: (fromTag, toTag) => `${base}/compare/${encodeRef(fromTag)}...${encodeRef(toTag)}`,
    };
}
/**
 * "owner/name" of a git remote on the given server, or null when the remote is elsewhere or not a
 * form we know. Only owner and name leave this function: a checkout's https remote may carry a
 * token (`https://x-access-token:TOKEN@github.com/...`) and it must never reach a log or a file.
 */
function repositoryFromRemote(remoteUrl, serverUrl) {
    const server = parseServerUrl(serverUrl);
    const remote = remoteUrl.trim();
    const scpLike = /^[\w.-]+@([^/:@\s]+):\/?([^\s]+)$/.exec(remote);
    if (scpLike) {
        return sameHost(scpLike[1], server.hostname) ? repositoryFromPath(scpLike[2]) : null;
    }
    const url = URL.parse(remote);
    if (!url || url.search !== '' || url.hash !== '')
        return null;
    if (url.protocol === 'https:' || url.protocol === 'http:') {
        // Same host and port: GHES can serve https on a non-default port.
        return url.host.toLowerCase() === server.host.toLowerCase() ? repositoryFromPath(url.pathname) : null;
    }
    if (url.protocol === 'ssh:') {
        // The ssh port has nothing to do with the web server's port, so only the host name must match.
        return sameHost(url.hostname, server.hostname) ? repositoryFromPath(url.pathname) : null;
    }
    return null;
}
function repositoryFromPath(path) {
    const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
    const match = ownerAndName.exec(trimmed);
    if (!match || match[2] === '.' || match[2] === '..' || match[1] === '.' || match[1] === '..')
        return null;
    return `${match[1]}/${match[2]}`;
}
function sameHost(a, b) {
    return a.toLowerCase() === b.toLowerCase();
}
function parseServerUrl(serverUrl) {
    const url = URL.parse(serverUrl.trim());
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
        throw new Error(`Expected the server URL as http(s)://host, e.g. https://github.com, got ${JSON.stringify(serverUrl)}`);
    }
    return url;
}
/** Origin plus any path prefix, without trailing slashes and without credentials. */
function serverBase(serverUrl) {
    const url = parseServerUrl(serverUrl);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
/** Tags may contain `/` (a path in the URL) and `+` (build metadata, which must be escaped). */
function encodeRef(ref) {
    return ref.split('/').map(encodeURIComponent).join('/');
}

;// CONCATENATED MODULE: ./build/src/flows/repository.js




/** Where links point: GITHUB_SERVER_URL (GitHub Enterprise Server too) and the repository. */
async function repositoryContext(git, env) {
    const serverUrl = env.GITHUB_SERVER_URL || 'https://github.com';
    let repository = env.GITHUB_REPOSITORY || null;
    if (!repository) {
        const remote = await git.remoteUrl('origin');
        repository = remote ? repositoryFromRemote(remote, serverUrl) : null;
    }
    return { serverUrl, repository, links: repository ? repoLinks(serverUrl, repository) : null };
}
/** The git work tree at `dir`; a usage error naming `input` and the value as given when there is none. */
async function openRepository(dir, input, given = dir) {
    const isDirectory = await (0,promises_namespaceObject.stat)(dir).then((s) => s.isDirectory(), () => false);
    if (!isDirectory)
        throw new InputError(input, given, `an existing directory (${dir} is not): the git repository to release`);
    const git = createGit(dir);
    if (!(await git.isInsideWorkTree()))
        throw new InputError(input, given, `a directory inside a git work tree (${dir} is not in one)`);
    return git;
}

// EXTERNAL MODULE: ./node_modules/semver/index.js
var node_modules_semver = __nccwpck_require__(2088);
;// CONCATENATED MODULE: ./build/src/core/bump.js

const rank = { none: 0, patch: 1, minor: 2, major: 3 };
function compareBumps(a, b) {
    return rank[a] - rank[b];
}
function maxBump(a, b) {
    return compareBumps(a, b) >= 0 ? a : b;
}
const defaultReleaseRules = [
    { type: 'feat', bump: 'minor' },
    { type: 'fix', bump: 'patch' },
    { type: 'perf', bump: 'patch' },
];
const ruleEntry = /^([\w-]+)(?:\(([^()]+)\))?=(major|minor|patch|none)$/i;
/**
 * Parses `build(deps)=patch, docs=none` (commas or newlines between entries). User rules come before
 * the defaults, so they override them; within one list a rule with a scope wins over one without.
 */
function parseReleaseRules(text, input = 'release-rules') {
    const rules = [];
    for (const entry of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean)) {
        const m = ruleEntry.exec(entry.replace(/\s+/g, ''));
        if (!m)
            throw new InputError(input, entry, 'entries like "type=bump" or "type(scope)=bump" with bump major, minor, patch or none, e.g. "build(deps)=patch, docs=none"');
        const [, type, scope, bump] = m;
        rules.push({ type: type.toLowerCase(), ...(scope ? { scope } : {}), bump: bump.toLowerCase() });
    }
    return rules;
}
/**
 * Compiles rules into the bump a single commit asks for. Breaking changes are always major, whatever
 * the rules say. Compiled once because it runs for every commit of a long history.
 */
function commitBumper(rules) {
    const byType = new Map();
    const byScope = new Map();
    // Reversed so that earlier rules (the user's) overwrite later ones (the defaults).
    for (const rule of [...rules, ...defaultReleaseRules].reverse()) {
        if (rule.scope === undefined)
            byType.set(rule.type, rule.bump);
        else
            byScope.set(`${rule.type}(${rule.scope})`, rule.bump);
    }
    return (commit) => {
        if (commit.type === null)
            return 'none';
        if (commit.breaking)
            return 'major';
        if (commit.scope !== null && byScope.size > 0) {
            const scoped = byScope.get(`${commit.type}(${commit.scope})`);
            if (scoped)
                return scoped;
        }
        return byType.get(commit.type) ?? 'none';
    };
}

;// CONCATENATED MODULE: ./build/src/core/settings.js



const defaultVersionSettings = {
    tagPrefix: 'v',
    initialVersion: '1.0.0',
    preMajor: false,
    prerelease: null,
    releaseRules: [],
};
// What git refuses in a ref name (git check-ref-format), plus whitespace. A version follows the
// prefix, so only the prefix's own components can start with a dot, be empty or end in `.lock`.
const badRefChars = /[\s~^:?*[\\\x00-\x1f\x7f]|\.\.|@\{|(?:^|\/)\.|\/\/|\.lock\//;
const prereleaseId = /^(?!\d+$)[0-9A-Za-z-]+$/;
function versionSettings(raw, names) {
    const tagPrefix = raw.tagPrefix ?? defaultVersionSettings.tagPrefix;
    if (badRefChars.test(tagPrefix) || tagPrefix.startsWith('-') || tagPrefix.startsWith('/')) {
        throw new InputError(names.tagPrefix, tagPrefix, 'a tag prefix git accepts in a tag name, such as "v" or "synapse-v"');
    }
    const initial = raw.initialVersion?.trim() || defaultVersionSettings.initialVersion;
    const initialVersion = node_modules_semver.valid(initial);
    if (!initialVersion || node_modules_semver.prerelease(initialVersion)) {
        throw new InputError(names.initialVersion, initial, 'a stable semantic version such as 1.0.0 or 0.1.0');
    }
    const prerelease = raw.prerelease?.trim() || null;
    if (prerelease !== null && !prereleaseId.test(prerelease)) {
        throw new InputError(names.prerelease, prerelease, 'a prerelease identifier of letters, digits and hyphens, such as rc or beta');
    }
    return {
        tagPrefix,
        initialVersion,
        preMajor: raw.preMajor ?? false,
        prerelease,
        releaseRules: raw.releaseRules ? parseReleaseRules(raw.releaseRules, names.releaseRules) : [],
    };
}

;// CONCATENATED MODULE: ./build/src/cli/shared-options.js




const cwdOption = {
    cwd: { type: 'string', placeholder: 'DIR', help: 'the git repository to work in (default: the current directory)' },
};
const jsonOption = {
    json: { type: 'boolean', help: 'print one JSON object on stdout instead of text' },
};
/** The rule options of DESIGN.md, the same set as the version action's inputs. */
const versionRuleOptions = {
    'tag-prefix': { type: 'string', placeholder: 'PREFIX', help: 'prefix of release tags (default: v)' },
    'initial-version': { type: 'string', placeholder: 'X.Y.Z', help: 'version of the first release (default: 1.0.0)' },
    prerelease: { type: 'string', placeholder: 'ID', help: 'prerelease channel: the next version is <next>-ID.N' },
    'pre-major': { type: 'boolean', help: 'while the major version is 0, breaking changes bump minor' },
    'release-rules': { type: 'string', placeholder: 'RULES', help: 'extra bump rules, e.g. "build(deps)=patch, docs=none"' },
};
function settingsFromArgs(args) {
    return versionSettings({
        tagPrefix: stringValue(args, 'tag-prefix'),
        initialVersion: stringValue(args, 'initial-version'),
        prerelease: stringValue(args, 'prerelease'),
        preMajor: flag(args, 'pre-major'),
        releaseRules: stringValue(args, 'release-rules'),
    }, {
        tagPrefix: '--tag-prefix',
        initialVersion: '--initial-version',
        prerelease: '--prerelease',
        preMajor: '--pre-major',
        releaseRules: '--release-rules',
    });
}
/** The repository named by --cwd (or the current directory); a usage error when it is not one. */
function repositoryFromArgs(args, io) {
    const given = stringValue(args, 'cwd') ?? '.';
    return openRepository((0,external_node_path_namespaceObject.resolve)(io.cwd, given), '--cwd', given);
}

;// CONCATENATED MODULE: ./build/src/cli/commands/config.js










/** `base`, `dev file`, `env LOG_LEVEL` or `default`: where a value came from, in a word or two. */
function sourceLabel(source, config) {
    if (source.startsWith('env:'))
        return `env ${source.slice('env:'.length)}`;
    if (source === config.files.environment)
        return `${config.environment} file`;
    if (source === config.files.base)
        return 'base';
    return source;
}
function formatConfig(config) {
    const envFile = config.files.environmentFrom ? `${config.files.environment} (from ${config.files.environmentFrom})` : config.files.environment;
    const lines = [
        `Effective ${config.environment} configuration`,
        `  base:      ${config.files.base}`,
        `  ${`${config.environment} file:`.padEnd(10)} ${envFile}`,
        `  schema:    ${config.files.schema}`,
        '',
    ];
    const rows = leaves(redactConfig(config.values, config.sources)).map(([segments, value]) => {
        const key = segments.join('.');
        return [key, JSON.stringify(value), sourceLabel(config.sources[key] ?? 'default', config)];
    });
    const keyWidth = Math.max(...rows.map(([k]) => k.length));
    const valueWidth = Math.max(...rows.map(([, v]) => v.length));
    for (const [key, value, source] of rows)
        lines.push(`${key.padEnd(keyWidth)}  ${value.padEnd(valueWidth)}  ${source}`);
    return lines.join('\n') + '\n';
}
const configCommand = {
    name: 'config',
    summary: 'Print the effective configuration of an environment, each value with its source; validate every layer.',
    usage: 'release-flow config --env dev|prod [--json] [--configs DIR] [--cwd DIR]',
    options: {
        env: { type: 'string', placeholder: 'dev|prod', help: 'the environment whose configuration to show' },
        configs: { type: 'string', placeholder: 'DIR', help: 'the configs directory (default: configs)' },
        cwd: { type: 'string', placeholder: 'DIR', help: 'the directory --configs and SYNAPSE_CONFIG_PATH are relative to (default: the current directory)' },
        ...jsonOption,
    },
    async run(args, io) {
        const environment = stringValue(args, 'env');
        if (!isConfigEnvironment(environment)) {
            throw new InputError('--env', environment ?? '', `one of ${configEnvironments.join(', ')} (release-flow config --env dev)`);
        }
        const cwd = (0,external_node_path_namespaceObject.resolve)(io.cwd, stringValue(args, 'cwd') ?? '.');
        const files = localConfigFiles();
        if (!(await files.isDirectory(cwd)))
            throw new InputError('--cwd', stringValue(args, 'cwd'), 'an existing directory');
        const given = stringValue(args, 'configs') ?? 'configs';
        if (!(await files.isDirectory((0,external_node_path_namespaceObject.resolve)(cwd, given)))) {
            throw new InputError('--configs', given, `a directory holding synapse.json, synapse_${environment}.json and synapse.schema.json (relative to ${cwd})`);
        }
        const config = await effectiveConfig({ configDir: given, environment, env: io.env, cwd, files });
        if (flag(args, 'json'))
            io.stdout(JSON.stringify(configJson(config)) + '\n');
        if (config.errors.length) {
            const count = config.errors.length === 1 ? '1 error' : `${config.errors.length} errors`;
            io.stderr(`release-flow config: the ${environment} configuration has ${count}:\n`);
            for (const issue of config.errors)
                io.stderr(`${formatConfigIssue(issue)}\n`);
            return 2;
        }
        if (!flag(args, 'json'))
            io.stdout(formatConfig(config));
        return 0;
    },
};

;// CONCATENATED MODULE: ./build/src/core/deploy-state.js
// The host's record of what runs where: per environment the release serving now, the one before it
// (the rollback target), the deploy in progress and a bounded history. Pure: the adapter in
// src/adapters/state-file.ts reads and writes it, the deploy flow calls these transitions under the
// deploy lock, so no two writers ever interleave.
//
// A deploy killed with SIGKILL, or cut by a reboot, leaves `deploying` set. The next run calls
// `reconcile` with what it observes on the host before anything else, which records the stale
// deploy as interrupted and makes `active` say what is really serving.

const STATE_SCHEMA_VERSION = 1;
const ENVIRONMENTS = ['dev', 'prod'];
/** `dev` or `prod`, from the input named `input` (an action input, a CLI flag or argument). */
function parseEnvironment(value, input = 'environment') {
    if (value !== undefined && ENVIRONMENTS.includes(value))
        return value;
    throw new InputError(input, value ?? '', `one of ${ENVIRONMENTS.join(', ')}`);
}
const DEFAULT_HISTORY_LIMIT = 20;
function emptyState() {
    const empty = () => ({ active: null, previous: null, deploying: null, history: [] });
    return { schemaVersion: STATE_SCHEMA_VERSION, environments: { dev: empty(), prod: empty() } };
}
/** Records `env` as the active environment (the switch does, under the deploy lock). */
function recordActiveEnv(state, env) {
    return state.activeEnv === env ? state : { ...state, activeEnv: env };
}
function withEnvironment(state, env, next) {
    return { ...state, environments: { ...state.environments, [env]: next } };
}
function pushHistory(history, entry, limit) {
    return [entry, ...history].slice(0, Math.max(1, limit));
}
/** Records that a deploy started. A deploy still recorded as running means `reconcile` was skipped. */
function beginDeploy(state, env, deploy) {
    const current = state.environments[env];
    if (current.deploying !== null) {
        const running = current.deploying;
        throw new PreconditionError(`${env}: deploy ${running.deployId} of ${running.version} (pid ${running.pid}, started ${running.startedAt}) ` +
            `is still recorded as in progress; expected no deploy in progress before starting ${deploy.deployId}`, 'reconcile the state with what is serving before starting a deploy (the deploy command does this under the lock)');
    }
    const deploying = {
        deployId: deploy.deployId,
        version: deploy.version,
        digest: deploy.digest,
        ...(deploy.colour === undefined ? {} : { colour: deploy.colour }),
        startedAt: deploy.startedAt,
        pid: deploy.pid,
    };
    return withEnvironment(state, env, { ...current, deploying });
}
/**
 * Closes the deploy in progress. On success the new release becomes active and the old active
 * becomes the rollback target; otherwise the release that was serving stays active.
 */
function finishDeploy(state, env, outcome, finish) {
    const current = state.environments[env];
    const deploying = current.deploying;
    if (deploying === null || deploying.deployId !== finish.deployId) {
        const recorded = deploying === null ? 'no deploy in progress' : `deploy ${deploying.deployId} in progress`;
        throw new PreconditionError(`${env}: cannot finish deploy ${finish.deployId}: the state records ${recorded}; expected ${finish.deployId} in progress`, 'finish only the deploy that this run began');
    }
    const entry = {
        deployId: deploying.deployId,
        version: deploying.version,
        digest: deploying.digest,
        outcome,
        at: finish.at,
        detail: finish.detail,
    };
    const history = pushHistory(current.history, entry, finish.historyLimit ?? DEFAULT_HISTORY_LIMIT);
    if (outcome !== 'success')
        return withEnvironment(state, env, { ...current, deploying: null, history });
    return withEnvironment(state, env, {
        active: releaseOf(deploying, finish.at),
        previous: current.active,
        deploying: null,
        history,
    });
}
function releaseOf(deploy, deployedAt) {
    return {
        version: deploy.version,
        digest: deploy.digest,
        ...(deploy.colour === undefined ? {} : { colour: deploy.colour }),
        deployedAt,
        deployId: deploy.deployId,
    };
}
/**
 * Makes the record agree with the host after a deploy that did not finish: a `deploying` record
 * whose process is dead goes to the history as interrupted, and `active` becomes what serves.
 * A live deploying process is left alone: it is not ours to judge.
 */
function reconcile(state, env, observed, options) {
    const current = state.environments[env];
    if (current.deploying !== null && observed.deployingPidAlive)
        return { state, notes: [] };
    const notes = [];
    let { active, previous, history } = current;
    const stale = current.deploying;
    const serving = observed.servingDigest;
    const limit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    if (stale !== null) {
        const found = serving === null ? 'nothing serving' : serving === stale.digest ? 'it serving' : `${serving} serving`;
        history = pushHistory(history, {
            deployId: stale.deployId,
            version: stale.version,
            digest: stale.digest,
            outcome: 'interrupted',
            at: options.at,
            detail: `the deploy (pid ${stale.pid}, started ${stale.startedAt}) stopped before finishing; found ${found}`,
        }, limit);
        notes.push(`${env}: deploy ${stale.deployId} of ${stale.version} was interrupted; recorded as interrupted`);
    }
    if (serving === null) {
        // Keep the last known release as the rollback target rather than forget it.
        if (active !== null) {
            notes.push(`${env}: nothing is serving; ${active.version} was recorded as active and is now the previous release`);
            previous = active;
            active = null;
        }
    }
    else if (active?.digest === serving) {
        if (observed.servingColour !== undefined && active.colour !== observed.servingColour) {
            notes.push(`${env}: ${active.version} serves from ${observed.servingColour}, not ${active.colour ?? 'no colour'}`);
            active = { ...active, colour: observed.servingColour };
        }
    }
    else if (stale !== null && stale.digest === serving) {
        // Interrupted after the switch: the new release serves, so it is active, and the old one is
        // the rollback target, exactly as a finished deploy would have left it.
        notes.push(`${env}: ${stale.version} from the interrupted deploy is serving; recorded as active`);
        previous = active;
        active = releaseOf(observed.servingColour === undefined ? stale : { ...stale, colour: observed.servingColour }, options.at);
    }
    else if (previous?.digest === serving) {
        notes.push(`${env}: the previous release ${previous.version} is serving; recorded as active`);
        [active, previous] = [previous, active];
    }
    else {
        const version = observed.servingVersion ?? 'unknown';
        notes.push(`${env}: ${serving} (version ${version}) is serving but was not recorded; recorded as active`);
        previous = active ?? previous;
        active = {
            version,
            digest: serving,
            ...(observed.servingColour === undefined ? {} : { colour: observed.servingColour }),
            deployedAt: options.at,
            deployId: `reconciled-${options.at}`,
        };
    }
    if (notes.length === 0)
        return { state, notes };
    return { state: withEnvironment(state, env, { active, previous, deploying: null, history }), notes };
}
function serializeState(state) {
    return `${JSON.stringify(state, null, 2)}\n`;
}
// Schema version N → N+1, applied in order when reading an older file. Version 1 is the first.
const MIGRATIONS = {};
/** Reads the state file's text; `file` names it in every error. Never falls back to an empty state. */
function parseState(text, file) {
    const moveAside = `move it aside to start a new record (mv '${file}' '${file}.broken'), or restore it from a backup`;
    let raw;
    try {
        raw = JSON.parse(text);
    }
    catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new PreconditionError(`${file} is not valid JSON (${reason}); expected the release-flow deploy state`, moveAside);
    }
    if (!isRecord(raw))
        invalid(file, '(top level)', raw, 'an object', moveAside);
    let doc = raw;
    let version = doc.schemaVersion;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
        invalid(file, 'schemaVersion', version, `a schema version from 1 to ${STATE_SCHEMA_VERSION}`, moveAside);
    }
    if (version > STATE_SCHEMA_VERSION) {
        throw new PreconditionError(`${file} has schema version ${version}, written by a newer release-flow; this release-flow reads versions 1 to ${STATE_SCHEMA_VERSION}`, 'run the deploy with the release-flow version that wrote the file, or a newer one');
    }
    while (version < STATE_SCHEMA_VERSION) {
        const migrate = MIGRATIONS[version];
        if (migrate === undefined) {
            invalid(file, 'schemaVersion', version, `a schema version from 1 to ${STATE_SCHEMA_VERSION}`, moveAside);
        }
        doc = migrate(doc);
        version += 1;
    }
    return readState(doc, new Reader(file, moveAside));
}
class Reader {
    file;
    fix;
    constructor(file, fix) {
        this.file = file;
        this.fix = fix;
    }
    fail(path, value, expected) {
        invalid(this.file, path, value, expected, this.fix);
    }
    record(value, path) {
        return isRecord(value) ? value : this.fail(path, value, 'an object');
    }
    text(value, path) {
        return typeof value === 'string' && value !== '' ? value : this.fail(path, value, 'a non-empty string');
    }
    digest(value, path) {
        return typeof value === 'string' && /^sha256:[0-9a-f]{64}$/.test(value)
            ? value
            : this.fail(path, value, 'an image digest such as sha256:<64 hex digits>');
    }
    time(value, path) {
        return typeof value === 'string' && !Number.isNaN(Date.parse(value))
            ? value
            : this.fail(path, value, 'an ISO 8601 time such as 2025-01-31T12:00:00.000Z');
    }
    pid(value, path) {
        return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : this.fail(path, value, 'a process id');
    }
    colour(value, path) {
        if (value === undefined)
            return {};
        return value === 'blue' || value === 'green' ? { colour: value } : this.fail(path, value, '"blue" or "green"');
    }
}
const OUTCOMES = ['success', 'rolled-back', 'failed', 'interrupted'];
function readState(raw, r) {
    const environments = r.record(raw.environments, 'environments');
    for (const name of Object.keys(environments)) {
        if (!ENVIRONMENTS.includes(name))
            r.fail(`environments.${name}`, name, `one of ${ENVIRONMENTS.join(', ')}`);
    }
    const state = emptyState();
    for (const env of ENVIRONMENTS) {
        // An environment never deployed may be absent.
        if (environments[env] !== undefined)
            state.environments[env] = readEnvironment(environments[env], `environments.${env}`, r);
    }
    if (raw.activeEnv != null) {
        if (!ENVIRONMENTS.includes(raw.activeEnv))
            r.fail('activeEnv', raw.activeEnv, `one of ${ENVIRONMENTS.join(', ')}`);
        state.activeEnv = raw.activeEnv;
    }
    return state;
}
function readEnvironment(value, path, r) {
    const env = r.record(value, path);
    const history = env.history ?? [];
    if (!Array.isArray(history))
        r.fail(`${path}.history`, history, 'an array');
    return {
        active: env.active == null ? null : readRelease(env.active, `${path}.active`, r),
        previous: env.previous == null ? null : readRelease(env.previous, `${path}.previous`, r),
        deploying: env.deploying == null ? null : readDeploying(env.deploying, `${path}.deploying`, r),
        history: history.map((entry, i) => readHistoryEntry(entry, `${path}.history[${i}]`, r)),
    };
}
/** Which release a record is about: every kind of record names it the same way. */
function readReleaseOf(o, path, r) {
    return { version: r.text(o.version, `${path}.version`), digest: r.digest(o.digest, `${path}.digest`) };
}
function readRelease(value, path, r) {
    const o = r.record(value, path);
    return {
        ...readReleaseOf(o, path, r),
        ...r.colour(o.colour, `${path}.colour`),
        deployedAt: r.time(o.deployedAt, `${path}.deployedAt`),
        deployId: r.text(o.deployId, `${path}.deployId`),
    };
}
function readDeploying(value, path, r) {
    const o = r.record(value, path);
    return {
        deployId: r.text(o.deployId, `${path}.deployId`),
        ...readReleaseOf(o, path, r),
        ...r.colour(o.colour, `${path}.colour`),
        startedAt: r.time(o.startedAt, `${path}.startedAt`),
        pid: r.pid(o.pid, `${path}.pid`),
    };
}
function readHistoryEntry(value, path, r) {
    const o = r.record(value, path);
    const outcome = o.outcome;
    if (!OUTCOMES.includes(outcome))
        r.fail(`${path}.outcome`, outcome, `one of ${OUTCOMES.join(', ')}`);
    return {
        deployId: r.text(o.deployId, `${path}.deployId`),
        ...readReleaseOf(o, path, r),
        outcome: outcome,
        at: r.time(o.at, `${path}.at`),
        detail: typeof o.detail === 'string' ? o.detail : r.fail(`${path}.detail`, o.detail, 'a string'),
    };
}
function isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function invalid(file, path, value, expected, fix) {
    throw new PreconditionError(`${file}: ${path} is ${JSON.stringify(value) ?? 'missing'}; expected ${expected}`, fix);
}

;// CONCATENATED MODULE: external "node:crypto"
const external_node_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");
;// CONCATENATED MODULE: external "node:sqlite"
const external_node_sqlite_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:sqlite");
;// CONCATENATED MODULE: ./build/src/core/backup-retention.js
// Names, order and retention of data backups. A backup is a directory named
// `<UTC timestamp>-<label>` (20261123T160700Z-v1.2.0): the fixed-width timestamp first makes the
// names sort by age as plain strings, and the label (the version about to be deployed) lets a
// rollback ask for "the backup taken before v1.2.0". Entries that do not parse (a half-made
// `.partial-…` directory, a README someone left) are never listed, chosen or deleted.

// A label becomes part of a directory name: no separators, no leading dot (hidden, and `..`),
// nothing a shell would need quoting for. SemVer versions with a tag prefix fit.
const LABEL = /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/;
const NAME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-(.+)$/;
const LABEL_EXPECTED = "letters, digits, '.', '_', '+' or '-', not starting with '.' or '-' (for example v1.2.0)";
/** `20261123T160700Z`: UTC to the second, fixed width, so string order is time order. */
function backupStamp(at) {
    if (Number.isNaN(at.getTime()))
        throw new InputError('backup time', String(at), 'a valid date');
    return at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}
function backupName(at, label) {
    if (!LABEL.test(label))
        throw new InputError('backup label', label, LABEL_EXPECTED);
    return `${backupStamp(at)}-${label}`;
}
/** The parts of a backup name; null for anything that is not one (foreign entries). */
function parseBackupName(name) {
    const m = NAME.exec(name);
    if (!m)
        return null;
    const [, y, mo, d, h, mi, s, label] = m;
    if (!LABEL.test(label))
        return null;
    const createdAt = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
    // Date.UTC rolls 20261332 over into the next year; a real stamp formats back to itself.
    const stamp = `${y}${mo}${d}T${h}${mi}${s}Z`;
    if (Number.isNaN(createdAt.getTime()) || backupStamp(createdAt) !== stamp)
        return null;
    return { name, stamp, createdAt, label };
}
/** The backups among `names`, newest first; foreign entries dropped. */
function sortBackups(names) {
    const parsed = [];
    for (const name of names) {
        const backup = parseBackupName(name);
        if (backup)
            parsed.push(backup);
    }
    // Same second: fall back to the whole name so the order is at least stable.
    return parsed.sort((a, b) => (a.stamp === b.stamp ? cmp(b.name, a.name) : cmp(b.stamp, a.stamp)));
}
function validateKeep(keep) {
    // Zero would delete the backup that was just made: there would be nothing to roll back to.
    if (!Number.isInteger(keep) || keep < 1)
        throw new InputError('keep', keep, 'a whole number of backups, at least 1');
    return keep;
}
/**
 * The backups to delete so that the newest `keep` remain. `protect` (the backup just made) is
 * never returned, even when a clock set back makes it look older than the rest.
 */
function backupsToPrune(names, keep, protect) {
    validateKeep(keep);
    const sorted = sortBackups(names).map((b) => b.name);
    const kept = protect !== undefined && sorted.includes(protect) ? [protect] : [];
    for (const name of sorted) {
        if (kept.length >= keep)
            break;
        if (!kept.includes(name))
            kept.push(name);
    }
    return sorted.filter((name) => !kept.includes(name));
}
/**
 * The backup a rollback means: "latest", an exact backup name, or a version label (the newest
 * backup with that label; `1.2.0` also finds `v1.2.0` and the other way round).
 */
function chooseBackup(names, selector) {
    const sorted = sortBackups(names);
    const wanted = selector.trim();
    const found = wanted === 'latest'
        ? sorted[0]
        : (sorted.find((b) => b.name === wanted) ??
            sorted.find((b) => b.label === wanted) ??
            sorted.find((b) => stripV(b.label) === stripV(wanted)));
    if (found)
        return found;
    const available = sorted.length === 0 ? 'there are no backups' : `available: ${sorted.map((b) => b.name).join(', ')}`;
    throw new InputError('backup', selector, `"latest", a backup name or a version label; ${available}`);
}
function stripV(label) {
    return label.replace(/^v(?=\d)/, '');
}
function cmp(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}

;// CONCATENATED MODULE: ./build/src/adapters/data-backup.js
// Backs up and restores a service's data directory (synapse: /opt/synapse/data with
// semantic_index/ and the SQLite databases episodic.db, memory.db, metrics.db) on the deploy host.
//
// Live SQLite files are never copied raw: a database is detected by its header, not its name,
// and copied through SQLite's online backup API from a connection of our own, so the copy is a
// committed snapshot even while a container writes to it. Everything is written into a hidden
// `.partial-…` directory and renamed into place at the end, so an interrupted backup never
// looks like a complete one. Restores go the same way in reverse and keep the data they replace.






const DEFAULT_KEEP = 5;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
const COMPANIONS = ['-wal', '-shm', '-journal'];
// One backup step for the whole database: SQLite restarts a stepwise backup whenever another
// connection writes, so under a steady writer a small rate never finishes. A single step reads
// one snapshot under one read transaction (WAL writers carry on meanwhile). Node rejects -1.
const ONE_STEP = 2 ** 31 - 1;
// A database in rollback-journal mode is locked for the instant of each commit; wait that out.
const BUSY_TIMEOUT_MS = 10_000;
function defaultBackupsDir(dataDir) {
    return (0,external_node_path_namespaceObject.join)((0,external_node_path_namespaceObject.dirname)((0,external_node_path_namespaceObject.resolve)(dataDir)), 'backups');
}
async function backupDataDir(options) {
    const log = options.log ?? (() => { });
    const keep = validateKeep(options.keep ?? DEFAULT_KEEP);
    const dataDir = (0,external_node_path_namespaceObject.resolve)(options.dataDir);
    const backupsDir = (0,external_node_path_namespaceObject.resolve)(options.backupsDir ?? defaultBackupsDir(dataDir));
    await requireDirectory(dataDir);
    if (backupsDir === dataDir || backupsDir.startsWith(dataDir + external_node_path_namespaceObject.sep)) {
        throw new InputError('backupsDir', backupsDir, `a directory outside the data directory ${dataDir}`);
    }
    const name = backupName((options.now ?? (() => new Date()))(), options.label);
    // Backups hold everything the service knows: readable by the deploying user only.
    await (0,promises_namespaceObject.mkdir)(backupsDir, { recursive: true, mode: 0o700 });
    await (0,promises_namespaceObject.chmod)(backupsDir, 0o700);
    const path = (0,external_node_path_namespaceObject.join)(backupsDir, name);
    if (await exists(path)) {
        throw new PreconditionError(`a backup named ${name} already exists in ${backupsDir}`, 'wait a second and retry, or use another label');
    }
    const partial = await (0,promises_namespaceObject.mkdtemp)((0,external_node_path_namespaceObject.join)(backupsDir, `.partial-${name}-`));
    const copied = { files: [], sqlite: [], bytes: 0 };
    try {
        await copyTree(dataDir, partial, '', { mode: 'live', log, onCopied: options.onCopied, out: copied });
        // The backup's top directory stands for the data directory: a restore gives its mode and
        // owner back to the directory the containers mount (the backups directory stays 0700).
        await copyAttributes(partial, await (0,promises_namespaceObject.lstat)(dataDir));
        await fsyncPath(partial);
        await (0,promises_namespaceObject.rename)(partial, path);
    }
    catch (error) {
        await (0,promises_namespaceObject.rm)(partial, { recursive: true, force: true });
        throw error;
    }
    await fsyncPath(backupsDir);
    log(`backup ${name}: ${copied.files.length} files (${copied.sqlite.length} SQLite databases), ${copied.bytes} bytes in ${path}`);
    const pruned = backupsToPrune((await listBackups(backupsDir)).map((b) => b.name), keep, name);
    for (const old of pruned) {
        await removeBackup(backupsDir, old);
        log(`backup ${old}: deleted (keeping the newest ${keep})`);
    }
    return { name, path, ...copied, pruned };
}
/** Complete backups, newest first; half-made or foreign entries are not listed. */
async function listBackups(backupsDir) {
    const dir = (0,external_node_path_namespaceObject.resolve)(backupsDir);
    let entries;
    try {
        entries = await (0,promises_namespaceObject.readdir)(dir, { withFileTypes: true });
    }
    catch (error) {
        if (code(error) === 'ENOENT')
            return [];
        throw error;
    }
    const names = entries.filter((e) => e.isDirectory()).map((e) => e.name);
    return sortBackups(names).map((b) => ({ name: b.name, path: (0,external_node_path_namespaceObject.join)(dir, b.name), label: b.label, createdAt: b.createdAt }));
}
/**
 * Puts a backup in the data directory's place. The current data is renamed to
 * `<dataDir>.before-restore-<timestamp>` and kept; the backup itself stays in the backups
 * directory. Stop the containers first: they hold the old files open, and a bind mount keeps
 * following the renamed directory until the container is recreated.
 */
async function restoreBackup(options) {
    const log = options.log ?? (() => { });
    const dataDir = (0,external_node_path_namespaceObject.resolve)(options.dataDir);
    const backupsDir = (0,external_node_path_namespaceObject.resolve)(options.backupsDir ?? defaultBackupsDir(dataDir));
    const chosen = chooseBackup((await listBackups(backupsDir)).map((b) => b.name), options.name);
    const source = (0,external_node_path_namespaceObject.join)(backupsDir, chosen.name);
    const hadData = await exists(dataDir);
    if (hadData)
        await requireDirectory(dataDir);
    const aside = `${dataDir}.before-restore-${backupStamp((options.now ?? (() => new Date()))())}`;
    if (await exists(aside)) {
        throw new PreconditionError(`${aside} already exists`, 'wait a second and retry; it holds data from an earlier restore');
    }
    // Staged beside the data directory, on its filesystem, so that both renames are atomic.
    await (0,promises_namespaceObject.mkdir)((0,external_node_path_namespaceObject.dirname)(dataDir), { recursive: true });
    const staging = await (0,promises_namespaceObject.mkdtemp)(`${dataDir}.restoring-`);
    try {
        await copyTree(source, staging, '', { mode: 'plain', log, out: { files: [], sqlite: [], bytes: 0 } });
        await copyAttributes(staging, await (0,promises_namespaceObject.lstat)(source));
        await fsyncPath(staging);
    }
    catch (error) {
        await (0,promises_namespaceObject.rm)(staging, { recursive: true, force: true });
        throw error;
    }
    // Linux has no portable directory swap in Node, so two renames; between them the data
    // directory is briefly absent, and a failed second rename puts the old data back.
    if (hadData) {
        try {
            await (0,promises_namespaceObject.rename)(dataDir, aside);
        }
        catch (error) {
            await (0,promises_namespaceObject.rm)(staging, { recursive: true, force: true });
            throw renameError(error, dataDir);
        }
    }
    try {
        await (0,promises_namespaceObject.rename)(staging, dataDir);
    }
    catch (error) {
        if (hadData)
            await (0,promises_namespaceObject.rename)(aside, dataDir);
        await (0,promises_namespaceObject.rm)(staging, { recursive: true, force: true });
        throw renameError(error, dataDir);
    }
    await fsyncPath((0,external_node_path_namespaceObject.dirname)(dataDir));
    log(`restored backup ${chosen.name} into ${dataDir}${hadData ? `; the data it replaced is in ${aside}` : ''}`);
    return { name: chosen.name, previous: hadData ? aside : null };
}
async function copyTree(src, dst, rel, ctx) {
    const names = (await (0,promises_namespaceObject.readdir)(src)).sort();
    const entries = [];
    for (const name of names)
        entries.push({ name, stats: await lstatOrNull((0,external_node_path_namespaceObject.join)(src, name)) });
    const databases = new Set();
    if (ctx.mode === 'live') {
        for (const { name, stats } of entries)
            if (stats?.isFile() && (await isSqlite((0,external_node_path_namespaceObject.join)(src, name))))
                databases.add(name);
    }
    for (const { name, stats } of entries) {
        const from = (0,external_node_path_namespaceObject.join)(src, name);
        const to = (0,external_node_path_namespaceObject.join)(dst, name);
        const relPath = rel === '' ? name : `${rel}/${name}`;
        if (stats === null) {
            ctx.log(`backup: ${relPath} disappeared while copying; skipped`);
        }
        else if (stats.isDirectory()) {
            await (0,promises_namespaceObject.mkdir)(to);
            await copyTree(from, to, relPath, ctx);
            await copyAttributes(to, stats);
        }
        else if (stats.isSymbolicLink()) {
            await (0,promises_namespaceObject.symlink)(await (0,promises_namespaceObject.readlink)(from), to);
            await preserveOwner(to, stats);
        }
        else if (stats.isFile()) {
            // The online copy holds every committed transaction; a WAL or journal beside it would be
            // stale next to the copy, and restoring one could even corrupt it.
            if (COMPANIONS.some((c) => name.endsWith(c) && databases.has(name.slice(0, -c.length))))
                continue;
            if (databases.has(name)) {
                await copySqlite(from, to, stats);
                ctx.out.sqlite.push(relPath);
            }
            else if (!(await copyPlain(from, to, stats))) {
                ctx.log(`backup: ${relPath} disappeared while copying; skipped`);
                continue;
            }
            await preserveOwner(to, stats);
            ctx.out.files.push(relPath);
            ctx.out.bytes += (await (0,promises_namespaceObject.lstat)(to)).size;
            await ctx.onCopied?.(relPath);
        }
        else {
            ctx.log(`backup: ${relPath} is not a file, directory or symlink (a socket or FIFO); skipped`);
        }
    }
}
async function copySqlite(from, to, stats) {
    // Read-write on purpose: a read-only connection cannot remove the -wal/-shm it creates, and
    // would leave them in the live directory. Opening does not write the database; if ours is the
    // last connection, closing checkpoints it, as any SQLite client would.
    const source = new external_node_sqlite_namespaceObject.DatabaseSync(from, { timeout: BUSY_TIMEOUT_MS });
    try {
        await (0,external_node_sqlite_namespaceObject.backup)(source, to, { rate: ONE_STEP });
    }
    catch (error) {
        throw new Error(`SQLite backup of ${from} failed: ${error.message}`, { cause: error });
    }
    finally {
        source.close();
    }
    // The copy must open cleanly, or it is no backup. Read-write again so that closing removes the
    // -wal/-shm a WAL-mode copy gets on open.
    const copy = new external_node_sqlite_namespaceObject.DatabaseSync(to);
    try {
        const result = copy.prepare('PRAGMA quick_check').all();
        const first = result[0];
        if (result.length !== 1 || first?.quick_check !== 'ok') {
            throw new Error(`SQLite backup of ${from} fails quick_check: expected "ok", got ${JSON.stringify(result)}`);
        }
    }
    finally {
        copy.close();
    }
    await (0,promises_namespaceObject.chmod)(to, stats.mode & 0o7777);
    await fsyncPath(to);
}
/** False when the file vanished before it could be copied (a service's temp file). */
async function copyPlain(from, to, stats) {
    try {
        await (0,promises_namespaceObject.copyFile)(from, to);
    }
    catch (error) {
        if (code(error) === 'ENOENT' && !(await exists(from)))
            return false;
        throw error;
    }
    await (0,promises_namespaceObject.utimes)(to, stats.atime, stats.mtime);
    await fsyncPath(to);
    return true;
}
async function isSqlite(path) {
    const handle = await (0,promises_namespaceObject.open)(path, 'r').catch((error) => {
        if (code(error) === 'ENOENT')
            return null;
        throw error;
    });
    if (handle === null)
        return false;
    try {
        const header = Buffer.alloc(SQLITE_HEADER.length);
        const { bytesRead } = await handle.read(header, 0, header.length, 0);
        return bytesRead === header.length && header.equals(SQLITE_HEADER);
    }
    finally {
        await handle.close();
    }
}
/** Renamed out of sight first, so a deletion cut short leaves no half backup in the list. */
async function removeBackup(backupsDir, name) {
    const doomed = (0,external_node_path_namespaceObject.join)(backupsDir, `.deleting-${name}-${(0,external_node_crypto_namespaceObject.randomBytes)(4).toString('hex')}`);
    await (0,promises_namespaceObject.rename)((0,external_node_path_namespaceObject.join)(backupsDir, name), doomed);
    await (0,promises_namespaceObject.rm)(doomed, { recursive: true, force: true });
}
async function copyAttributes(dir, stats) {
    await (0,promises_namespaceObject.chmod)(dir, stats.mode & 0o7777);
    await preserveOwner(dir, stats);
}
// The containers run as their own user; a backup taken or restored as root must not hand
// the files to root. Only root can give files away, and only root needs to.
async function preserveOwner(path, stats) {
    if (process.getuid?.() === 0)
        await (0,promises_namespaceObject.lchown)(path, stats.uid, stats.gid);
}
// Durable before it is renamed into place: the deploy host is a Raspberry Pi that may lose power.
async function fsyncPath(path) {
    const handle = await (0,promises_namespaceObject.open)(path, 'r');
    try {
        await handle.sync();
    }
    finally {
        await handle.close();
    }
}
async function requireDirectory(path) {
    const stats = await lstatOrNull(path);
    if (stats === null) {
        throw new PreconditionError(`data directory ${path} does not exist`, 'pass the directory the containers mount for their data');
    }
    if (!stats.isDirectory())
        throw new InputError('dataDir', path, 'a directory (not a file or symlink)');
}
function renameError(error, dataDir) {
    const c = code(error);
    if (c === 'EXDEV' || c === 'EBUSY') {
        return new PreconditionError(`cannot swap ${dataDir} by rename (${c}): expected a plain directory on the same filesystem as ${(0,external_node_path_namespaceObject.dirname)(dataDir)}, not a mount point`, `mount the parent (${(0,external_node_path_namespaceObject.dirname)(dataDir)}) instead, or restore by hand from the backup directory`);
    }
    return error;
}
async function lstatOrNull(path) {
    try {
        return await (0,promises_namespaceObject.lstat)(path);
    }
    catch (error) {
        if (code(error) === 'ENOENT')
            return null;
        throw error;
    }
}
async function exists(path) {
    return (await lstatOrNull(path)) !== null;
}
function code(error) {
    return error?.code;
}

;// CONCATENATED MODULE: ./build/src/adapters/state-file.js
// Reads and writes the deploy state (src/core/deploy-state.ts) on the host. The file sits beside the
// data directory, not in it, so backups and restores of the data never roll the record back.
//
// Writes are atomic: a temporary file in the same directory (rename is only atomic within one file
// system) is written, fsynced and renamed over the old file, then the directory is fsynced, so a
// kill -9 or a power cut on the Pi leaves either the old state or the new one, never half of each.
// Callers write under the deploy lock, so there is one writer at a time.





const STATE_FILE_NAME = 'release-flow-state.json';
/** `<parent of dataDir>/release-flow-state.json`. */
function stateFilePath(dataDir) {
    return (0,external_node_path_namespaceObject.join)((0,external_node_path_namespaceObject.dirname)((0,external_node_path_namespaceObject.resolve)(dataDir)), STATE_FILE_NAME);
}
/** The recorded state; an empty state when the file does not exist yet. A corrupt file is an error. */
async function readStateFile(path) {
    let text;
    try {
        text = await (0,promises_namespaceObject.readFile)(path, 'utf8');
    }
    catch (error) {
        if (state_file_errorCode(error) === 'ENOENT')
            return emptyState();
        throw new PreconditionError(`Cannot read the deploy state ${path}: ${error instanceof Error ? error.message : String(error)}`, `make ${path} a file readable by the user that deploys`);
    }
    return parseState(text, path);
}
/** Replaces the state file atomically, readable and writable by its owner only (mode 0600). */
async function writeStateFile(path, state) {
    const dir = (0,external_node_path_namespaceObject.dirname)(path);
    // Unique per writer, so a temp file left by a killed run never gets in the way.
    const temp = (0,external_node_path_namespaceObject.join)(dir, `.${(0,external_node_path_namespaceObject.basename)(path)}.${process.pid}.${(0,external_node_crypto_namespaceObject.randomBytes)(4).toString('hex')}.tmp`);
    try {
        const handle = await (0,promises_namespaceObject.open)(temp, 'wx', 0o600);
        try {
            await handle.chmod(0o600); // the umask may only narrow the mode, but be exact
            await handle.writeFile(serializeState(state), 'utf8');
            await handle.sync();
        }
        finally {
            await handle.close();
        }
        await (0,promises_namespaceObject.rename)(temp, path);
    }
    catch (error) {
        await (0,promises_namespaceObject.unlink)(temp).catch(() => undefined);
        throw new PreconditionError(`Cannot write the deploy state ${path}: ${error instanceof Error ? error.message : String(error)}`, `make ${dir} an existing directory writable by the user that deploys`);
    }
    await syncDirectory(dir);
}
/** Makes the rename itself survive a power cut. */
async function syncDirectory(dir) {
    const handle = await (0,promises_namespaceObject.open)(dir, 'r');
    try {
        await handle.sync();
    }
    finally {
        await handle.close();
    }
}
function state_file_errorCode(error) {
    return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

;// CONCATENATED MODULE: ./build/src/core/compose-commands.js
// Pure argv builders for the compose commands of a deploy (Kamal-style command objects: each
// returns the argv given to `docker`, never runs it), the text of caddy/upstreams.caddy for a
// colour order, and the health wait derived from a service's healthcheck. The deploy flow
// (src/flows/deploy.ts) runs them through src/adapters/docker.ts.
const PROXY_SERVICE = 'synapse-prod';
const DEV_SERVICE = 'synapse-dev';
const ROLLOUT_PROFILE = 'rollout';
const CADDYFILE = '/etc/caddy/Caddyfile';
const COLOURS = ['blue', 'green'];
/** The env-file variable `release-flow switch` records the active environment in. */
const ACTIVE_ENV_VARIABLE = 'SYNAPSE_ACTIVE_ENV';
function colourService(colour) {
    return `synapse-prod-${colour}`;
}
function otherColour(colour) {
    return colour === 'blue' ? 'green' : 'blue';
}
/** The variable holding a colour's image reference: SYNAPSE_PROD_BLUE_IMAGE. */
function colourImageVariable(colour) {
    return `SYNAPSE_PROD_${colour.toUpperCase()}_IMAGE`;
}
/** Green only runs with the `rollout` profile. */
function profilesFor(service) {
    return service === colourService('green') ? ['--profile', ROLLOUT_PROFILE] : [];
}
function composeBase(target, profiles = []) {
    return ['compose', '-f', target.file, '-p', target.project, ...(target.envFile ? ['--env-file', target.envFile] : []), ...profiles];
}
/** `docker compose … up -d --no-deps --wait --wait-timeout S SERVICE` (green with --profile rollout). */
function upServiceArgs(target, service, waitTimeoutSeconds, options = {}) {
    if (!Number.isInteger(waitTimeoutSeconds) || waitTimeoutSeconds < 1) {
        throw new Error(`wait timeout ${waitTimeoutSeconds} is not valid; expected a whole number of seconds >= 1`);
    }
    return [
        ...composeBase(target, profilesFor(service)),
        'up',
        '-d',
        ...(options.noDeps === false ? [] : ['--no-deps']),
        ...(options.forceRecreate ? ['--force-recreate'] : []),
        '--wait',
        '--wait-timeout',
        String(waitTimeoutSeconds),
        service,
    ];
}
/** `docker compose … exec -T synapse-prod caddy reload --config /etc/caddy/Caddyfile`. */
function caddyReloadArgs(target) {
    return [...composeBase(target), 'exec', '-T', PROXY_SERVICE, 'caddy', 'reload', '--config', CADDYFILE];
}
/** `docker compose … --profile rollout ps --all --format json [SERVICE…]`: every colour, stopped ones too. */
function psArgs(target, services = []) {
    return [...composeBase(target, ['--profile', ROLLOUT_PROFILE]), 'ps', '--all', '--format', 'json', ...services];
}
function pullArgs(target, service) {
    return [...composeBase(target, profilesFor(service)), 'pull', service];
}
function stopArgs(target, service, timeoutSeconds = 10) {
    return [...composeBase(target, profilesFor(service)), 'stop', '--timeout', String(timeoutSeconds), service];
}
/** `docker compose … exec -T SERVICE CMD…` (the health probe of the watch). */
function execArgs(target, service, command) {
    return [...composeBase(target, profilesFor(service)), 'exec', '-T', service, ...command];
}
function logsArgs(target, service, tail = 10) {
    return [...composeBase(target, profilesFor(service)), 'logs', '--no-color', '--tail', String(tail), service];
}
/** `docker compose … config --hash SERVICE`: `SERVICE <hash>`, the hash compose labels the service's container with (com.docker.compose.config-hash). */
function configHashArgs(target, service) {
    return [...composeBase(target, profilesFor(service)), 'config', '--hash', service];
}
/** The label compose puts the configuration hash of a container's service in. */
const CONFIG_HASH_LABEL = 'com.docker.compose.config-hash';
/** `docker inspect --type container --format '<id> <state json>' ID…`: one line per container, its health and when it started. */
function inspectStateArgs(ids) {
    return ['inspect', '--type', 'container', '--format', '{{.Id}} {{json .State}}', ...ids];
}
/** `docker inspect --type container --format '{{json .}}' ID`: a container's image id, reference and labels among the rest. */
function inspectContainerArgs(id) {
    return ['inspect', '--type', 'container', '--format', '{{json .}}', id];
}
/** `docker image inspect --format '{{json .RepoDigests}}' IMAGE`: the registry digests an image is known by. */
function repoDigestsArgs(image) {
    return ['image', 'inspect', '--format', '{{json .RepoDigests}}', image];
}
/** `docker compose … --profile rollout config --format json`: the resolved model (healthchecks, ports, secrets). */
function configJsonArgs(target) {
    return [...composeBase(target, ['--profile', ROLLOUT_PROFILE]), 'config', '--format', 'json'];
}
/** The text of upstreams.caddy: the live colour first, the hot standby second. */
function upstreamsText(order) {
    if (order.length !== 2 || order[0] === order[1])
        throw new Error(`upstream order ${JSON.stringify(order)} is not valid; expected both colours once, e.g. ["green","blue"]`);
    return `to ${order.map((c) => `${colourService(c)}:8002`).join(' ')}\n`;
}
/** The colour order of an upstreams.caddy text (comments ignored); undefined when it names no colour. */
function parseUpstreams(text) {
    const line = text.split('\n').find((l) => /^\s*to\s/.test(l));
    if (!line)
        return undefined;
    const colours = [...line.matchAll(/synapse-prod-(blue|green)\b/g)].map((m) => m[1]);
    return colours.length > 0 ? colours : undefined;
}
/** Go durations as compose prints them: `1m0s`, `10s`, `1.5s`, `500ms`, `1h2m3s` → seconds. */
function parseGoDuration(text) {
    if (text === '0')
        return 0;
    const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy;
    let total = 0;
    let matched = 0;
    for (const m of text.matchAll(re)) {
        const value = Number(m[1]);
        const unit = m[2];
        total += value * (unit === 'h' ? 3600 : unit === 'm' ? 60 : unit === 's' ? 1 : unit === 'ms' ? 1e-3 : unit === 'ns' ? 1e-9 : 1e-6);
        matched += m[0].length;
    }
    if (matched === 0 || matched !== text.length)
        throw new Error(`duration ${JSON.stringify(text)} is not valid; expected a Go duration such as 1m0s or 10s`);
    return total;
}
/** Docker's defaults when a healthcheck leaves a field out. */
const DEFAULT_INTERVAL_S = 30;
const DEFAULT_RETRIES = 3;
/**
 * How long `up --wait` may wait for a service to turn healthy: start_period + interval × retries
 * (+ timeout of the last probe) + margin, whole seconds. Past that, the engine itself would have
 * called the container unhealthy.
 */
function healthWaitSeconds(healthcheck, marginSeconds = 10) {
    if (!healthcheck || healthcheck.disable)
        return 60 + marginSeconds;
    const start = healthcheck.start_period ? parseGoDuration(healthcheck.start_period) : 0;
    const interval = healthcheck.interval ? parseGoDuration(healthcheck.interval) : DEFAULT_INTERVAL_S;
    const timeout = healthcheck.timeout ? parseGoDuration(healthcheck.timeout) : 0;
    const retries = healthcheck.retries ?? DEFAULT_RETRIES;
    return Math.ceil(start + interval * retries + timeout + marginSeconds);
}
/** The healthcheck of `service` in `docker compose config --format json` output. */
function serviceHealthcheck(configJson, service) {
    const model = JSON.parse(configJson);
    const svc = model.services?.[service];
    if (!svc)
        throw new Error(`service ${service} is not in the compose configuration; expected one of ${Object.keys(model.services ?? {}).join(', ')}`);
    return svc.healthcheck;
}
/** `ps --format json`: a JSON array (compose ≥ 2.21 prints NDJSON, older an array); both read. */
function parsePs(output) {
    const text = output.trim();
    if (!text)
        return [];
    const raw = text.startsWith('[') ? JSON.parse(text) : text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
    return raw.map((r) => {
        const o = r;
        const s = (k) => (typeof o[k] === 'string' ? o[k] : '');
        return { Service: s('Service'), Name: s('Name'), ID: s('ID'), State: s('State'), Health: s('Health'), Image: s('Image'), Status: s('Status'), CreatedAt: s('CreatedAt') };
    });
}
/** Sets (or adds) KEY=value lines in an env file's text, keeping every other line as it is. */
function setEnvLines(text, values) {
    const pending = new Map(Object.entries(values));
    const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
    const out = lines.map((line) => {
        const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
        const key = m?.[1];
        if (key !== undefined && pending.has(key)) {
            const value = pending.get(key);
            pending.delete(key);
            return `${key}=${value}`;
        }
        return line;
    });
    for (const [key, value] of pending)
        out.push(`${key}=${value}`);
    return `${out.join('\n')}\n`;
}
/** KEY=value of an env file (last one wins); comments and blank lines skipped, surrounding quotes removed. */
function readEnvLines(text) {
    const out = {};
    for (const line of text.split(/\r?\n/)) {
        const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
        if (m?.[1] === undefined)
            continue;
        out[m[1]] = (m[2] ?? '').trim().replace(/^(['"])(.*)\1$/, '$2');
    }
    return out;
}
/** The `sha256:…` of an `image@sha256:…` reference, or undefined. */
function digestOf(ref) {
    return ref === undefined ? undefined : /@(sha256:[0-9a-f]{64})$/.exec(ref)?.[1];
}
/** Replaces every occurrence of each secret value (trimmed, non-empty) with `***`. */
function redactSecrets(text, secrets) {
    let out = text;
    for (const s of secrets.map((x) => x.trim()).filter((x) => x.length >= 4))
        out = out.split(s).join('***');
    return out;
}

;// CONCATENATED MODULE: ./build/src/core/image-ref.js

// The distribution spec's grammar (distribution/reference): path components of lower-case letters
// and digits joined by `.`, `_`, `__` or `-`; a registry is a host (with a dot or a port, or localhost).
const component = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const pathPattern = new RegExp(`^${component}(?:/${component})*$`);
const hostPattern = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
/** distribution/reference's NameTotalLengthMax, counted on the normalised `registry/repository`. */
const nameMaxLength = 255;
/** Docker Hub under the names docker normalises (`index.docker.io` is the legacy one). */
const dockerHubRegistries = new Set(['docker.io', 'index.docker.io']);
/** Parses `ghcr.io/owner/synapse`; a tag or digest in it is refused, since tags come from versions. */
function parseImageName(text, input = 'image') {
    const name = text.trim();
    if (name === '')
        throw new InputError(input, text, 'an image name such as ghcr.io/owner/synapse');
    const last = name.slice(name.lastIndexOf('/') + 1);
    if (name.includes('@') || last.includes(':')) {
        throw new InputError(input, text, 'an image name without a tag or digest (tags come from the version), such as ghcr.io/owner/synapse');
    }
    const slash = name.indexOf('/');
    const first = slash === -1 ? '' : name.slice(0, slash);
    const hasRegistry = slash !== -1 && (first.includes('.') || first.includes(':') || first === 'localhost');
    const registry = hasRegistry ? first : 'docker.io';
    let repository = hasRegistry ? name.slice(slash + 1) : name;
    if (hasRegistry && !hostPattern.test(registry)) {
        throw new InputError(input, text, 'a registry host such as ghcr.io or 127.0.0.1:5000 before the first "/"');
    }
    if (repository !== repository.toLowerCase()) {
        throw new InputError(input, text, `a lower-case repository name (registries refuse upper case): ${registry === 'docker.io' ? '' : `${registry}/`}${repository.toLowerCase()}`);
    }
    if (!pathPattern.test(repository)) {
        throw new InputError(input, text, 'a repository of lower-case letters, digits and separators (. _ -) in /-separated parts, such as ghcr.io/owner/synapse');
    }
    // `nginx`, `docker.io/nginx` and `index.docker.io/nginx` are all Docker Hub's `library/nginx`.
    if (dockerHubRegistries.has(registry) && !repository.includes('/'))
        repository = `library/${repository}`;
    if (`${dockerHubRegistries.has(registry) ? 'docker.io' : registry}/${repository}`.length > nameMaxLength) {
        throw new InputError(input, text, `an image name of at most ${nameMaxLength} characters (registry and repository)`);
    }
    return { registry, repository, name };
}
function isValidTag(tag) {
    return tagPattern.test(tag);
}

;// CONCATENATED MODULE: ./build/src/core/terminal-text.js
// Text a terminal program wrote, made fit for a log, an error message or a job summary: compose
// (2.26) writes cursor and erase sequences such as `ESC[2K` even with --no-color, and a container's
// log may hold colours. Pure; no I/O.
// OSC, DCS, SOS, PM and APC strings, up to BEL or ST; an unterminated one only to the end of its line.
const STRING_SEQUENCE = /(?:\x1b[\]P^_X]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?/g;
const CSI_SEQUENCE = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]/g;
const ESC_SEQUENCE = /\x1b[ -/]*[0-~]/g;
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g;
/**
 * Removes ANSI escape sequences (CSI such as colours, erase line and cursor moves; OSC such as
 * titles and links; other ESC sequences) and control characters. Keeps newlines and tabs; a
 * carriage return ends a line (CRLF becomes LF, a lone CR a newline, so overwritten progress
 * lines stay readable, one a line).
 */
function stripTerminalControls(text) {
    return text
        .replace(STRING_SEQUENCE, '')
        .replace(CSI_SEQUENCE, '')
        .replace(ESC_SEQUENCE, '')
        .replace(/\r\n?/g, '\n')
        .replace(CONTROL, '');
}

;// CONCATENATED MODULE: ./build/src/adapters/docker.js


/** A docker command that failed: the argv (never a secret: those travel in the environment) and why. */
class DockerError extends Error {
    args;
    exitCode;
    name = 'DockerError';
    /** What docker wrote to stderr, without the terminal control codes compose writes even with --no-color. */
    stderr;
    constructor(args, exitCode, stderr, options) {
        const text = stripTerminalControls(stderr);
        const tail = text.trim().split('\n').slice(-15).join('\n');
        super(`docker ${args.slice(0, 3).join(' ')} failed (${exitCode === null ? 'could not run' : `exit ${exitCode}`})${tail ? `:\n${tail}` : ''}`, options);
        this.args = args;
        this.exitCode = exitCode;
        this.stderr = text;
    }
}
/** Keeps what explains a failure without letting a chatty build grow memory without bound. */
const docker_STDERR_LIMIT = 256 * 1024;
function createDocker(options = {}) {
    const dockerPath = options.dockerPath ?? 'docker';
    return {
        run(args, runOptions = {}) {
            return new Promise((resolve, reject) => {
                const child = (0,external_node_child_process_namespaceObject.spawn)(dockerPath, args, {
                    cwd: runOptions.cwd,
                    stdio: ['ignore', 'pipe', 'pipe', ...(runOptions.inherit ?? [])],
                    env: { ...process.env, ...runOptions.env },
                });
                let stdout = '';
                let stderr = '';
                let partial = '';
                // Piped above; the extra inherited streams only make the overload lose track of that.
                const [out, err] = [child.stdout, child.stderr];
                out.setEncoding('utf8');
                out.on('data', (data) => (stdout += data));
                err.setEncoding('utf8');
                err.on('data', (data) => {
                    stderr = (stderr + data).slice(-docker_STDERR_LIMIT);
                    if (!runOptions.onLine)
                        return;
                    const lines = (partial + data).split('\n');
                    partial = lines.pop() ?? '';
                    for (const line of lines)
                        runOptions.onLine(line);
                });
                child.once('error', (error) => reject(new DockerError(args, null, String(error), { cause: error })));
                child.once('close', (exitCode) => {
                    if (partial && runOptions.onLine)
                        runOptions.onLine(partial);
                    if (exitCode === 0)
                        resolve({ stdout, stderr });
                    else
                        reject(new DockerError(args, exitCode, stderr));
                });
            });
        },
    };
}

;// CONCATENATED MODULE: ./build/src/adapters/deploy-lock.js
// One deploy per host at a time. The lock is a kernel flock(2) lock, so it dies with the process
// that holds it: a deploy killed with SIGKILL, or a reboot, never leaves a lock behind (the failure
// mode of Kamal #185, whose lock is a directory that outlives the process that made it).
//
// Node has no flock(2), so util-linux's `flock` command takes the lock for us and keeps it while
// `cat` reads a pipe from this process. When this process ends, however it ends, the kernel closes
// the pipe, `cat` sees end of file and exits, and the kernel drops the lock. libuv opens that pipe
// close-on-exec, so nothing a deploy starts inherits it by accident. The docker commands a deploy
// runs are given it on purpose (`pipe`, through the Docker adapter's `inherit`): one still running
// after its deploy was killed keeps the lock until it exits, so the next deploy waits for it.
//
// The `<lock>.holder` file says who holds the lock, for the "waiting for … held by …" message only:
// the kernel lock is the truth, and the holder file may be stale after a crash.



// EX_TEMPFAIL: flock's exit status when the lock is busy, told apart from its own failures.
const CONFLICT_EXIT = 75;
const ACQUIRED = 'acquired\n';
// Runs under flock with the lock held: report, then hold it for as long as our pipe stays open.
const HOLD_SCRIPT = `printf '${ACQUIRED.trim()}\\n'; exec cat >/dev/null`;
function holderFilePath(lockPath) {
    return `${lockPath}.holder`;
}
/**
 * Takes the host's deploy lock at `path` (created when missing; its directory must exist).
 * Fails with a PreconditionError naming the holder when it is not free within `timeoutMs`.
 */
async function acquireDeployLock(path, options) {
    const command = options.flockCommand ?? 'flock';
    const started = Date.now();
    let attempt = await tryLock(command, path, null);
    if (!attempt.acquired) {
        options.onWait?.(await describeHolder(path));
        const remainingMs = Math.max(0, options.timeoutMs - (Date.now() - started));
        attempt = await tryLock(command, path, remainingMs);
        if (!attempt.acquired) {
            throw new PreconditionError(`Another deploy holds the deploy lock ${path}: ${await describeHolder(path)}. ` +
                `Waited ${formatSeconds(options.timeoutMs)} s for it.`, `wait for that deploy to finish and run again, or allow a longer lock timeout. If no deploy is ` +
                `running, see which process holds the lock with \`lslocks --output PID,COMMAND,PATH | grep '${path}'\` ` +
                `and stop it. Do not delete the lock file: that would let two deploys run at once.`);
        }
    }
    const child = attempt.child;
    await writeHolder(path, options.holder);
    // The lock must not keep the process alive; the process ending is what releases it.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr])
        unrefStream(stream);
    let released;
    return {
        pipe: child.stdin,
        release() {
            released ??= releaseLock(path, child);
            return released;
        },
    };
}
async function releaseLock(path, child) {
    // Remove the holder file while we still hold the lock, so we never delete the next holder's.
    await (0,promises_namespaceObject.unlink)(holderFilePath(path)).catch(() => undefined);
    child.ref();
    const exited = waitForExit(child);
    child.stdin?.end();
    await exited;
}
/** One flock run: `waitMs` null tries once without waiting. */
function tryLock(command, path, waitMs) {
    const waitArgs = waitMs === null ? ['--nonblock'] : ['--wait', formatSeconds(waitMs)];
    const args = ['--exclusive', ...waitArgs, '--conflict-exit-code', String(CONFLICT_EXIT), path, 'sh', '-c', HOLD_SCRIPT];
    return new Promise((resolve, reject) => {
        let child;
        try {
            child = (0,external_node_child_process_namespaceObject.spawn)(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
        }
        catch (error) {
            reject(spawnError(command, error));
            return;
        }
        let settled = false;
        let stdout = '';
        let stderr = '';
        // Writing to the pipe never happens, but closing it after `cat` died must not crash us.
        child.stdin?.on('error', () => undefined);
        child.stdout?.setEncoding('utf8').on('data', (chunk) => {
            stdout += chunk;
            if (!settled && stdout.includes(ACQUIRED)) {
                settled = true;
                resolve({ acquired: true, child });
            }
        });
        child.stderr?.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
        child.on('error', (error) => {
            if (settled)
                return;
            settled = true;
            reject(spawnError(command, error));
        });
        child.on('close', (code, signal) => {
            if (settled)
                return;
            settled = true;
            if (code === CONFLICT_EXIT) {
                resolve({ acquired: false });
                return;
            }
            const status = signal === null ? `exit status ${code}` : `signal ${signal}`;
            reject(new PreconditionError(`Could not take the deploy lock ${path}: flock failed with ${status}: ${stderr.trim() || '(no message)'}`, `make sure the directory of ${path} exists and is writable by this user.`));
        });
    });
}
function spawnError(command, error) {
    if (deploy_lock_errorCode(error) === 'ENOENT') {
        return new PreconditionError(`The deploy lock needs the \`${command}\` command from util-linux, and it was not found.`, 'install it: sudo apt-get install util-linux');
    }
    return error instanceof Error ? error : new Error(String(error));
}
async function writeHolder(path, holder) {
    const record = { holder, pid: process.pid, since: new Date().toISOString() };
    const file = holderFilePath(path);
    const temp = `${file}.${process.pid}.tmp`;
    // Best effort: the record only improves a message, so failing to write it must not fail a deploy.
    try {
        await (0,promises_namespaceObject.writeFile)(temp, `${JSON.stringify(record)}\n`, { mode: 0o644 });
        await (0,promises_namespaceObject.rename)(temp, file);
    }
    catch {
        await (0,promises_namespaceObject.unlink)(temp).catch(() => undefined);
    }
}
/** Who holds the lock, as well as the holder file can tell. */
async function describeHolder(path) {
    const file = holderFilePath(path);
    let record;
    try {
        record = parseHolder(await (0,promises_namespaceObject.readFile)(file, 'utf8'));
    }
    catch {
        return `an unknown process (no readable holder record in ${file})`;
    }
    const described = `"${record.holder}" (pid ${record.pid}, since ${record.since})`;
    return isAlive(record.pid)
        ? described
        : `${described}; that process is no longer running, so a docker command it started, or another process, holds the lock`;
}
function parseHolder(text) {
    const value = JSON.parse(text);
    if (typeof value !== 'object' || value === null)
        throw new Error('not an object');
    const { holder, pid, since } = value;
    if (typeof holder !== 'string' || typeof pid !== 'number' || typeof since !== 'string') {
        throw new Error('missing fields');
    }
    return { holder, pid, since };
}
/** Whether a process still runs (EPERM: it exists but belongs to another user). */
function isAlive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (error) {
        return deploy_lock_errorCode(error) === 'EPERM';
    }
}
function waitForExit(child) {
    if (child.exitCode !== null || child.signalCode !== null)
        return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
}
function unrefStream(stream) {
    const unref = stream?.unref;
    if (typeof unref === 'function')
        unref.call(stream);
}
function formatSeconds(ms) {
    return (Math.max(0, ms) / 1000).toFixed(3).replace(/\.?0+$/, '') || '0';
}
function deploy_lock_errorCode(error) {
    return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

;// CONCATENATED MODULE: ./build/src/core/container-health.js
// Whether a container's health status describes the container as it runs now.
//
// The engine keeps a container's State.Health across a restart by its restart policy: after a
// crash, the restarted container reports the status (and the probe log) of its previous run until
// the first probe of the new run has finished. So a status counts only when the last probe in the
// log started after the container's current State.StartedAt; until then the container is
// `starting`, whatever the engine says. Pure: the flows read both times with `docker inspect`
// (src/flows/compose-project.ts) and put the verdict in place of compose's.
/**
 * The health that counts now: '' without a health check, `starting` while the engine says so,
 * and also while its healthy or unhealthy verdict comes from a probe that started before the
 * current run did (or when either time is missing or unreadable: not known to be current).
 */
function currentHealth(seen) {
    const status = seen.status ?? '';
    if (status === '' || status === 'none' || status === 'starting')
        return status === 'none' ? '' : status;
    const started = rfc3339Nanos(seen.startedAt);
    const probed = rfc3339Nanos(seen.lastProbeStart);
    if (started === undefined || probed === undefined || probed <= started)
        return 'starting';
    return status;
}
/**
 * A ps entry with the health that counts now (`currentHealth`), its Status text saying the same
 * (`Up 3 seconds (health: starting)`, as compose words a new container's). An entry `docker
 * inspect` said nothing of (gone in between) keeps only a status that needs no confirming.
 */
function withCurrentHealth(entry, seen) {
    const health = currentHealth(seen ?? { status: entry.Health, startedAt: undefined, lastProbeStart: undefined });
    if (health === entry.Health)
        return entry;
    const note = health === '' ? '' : health === 'starting' ? ' (health: starting)' : ` (${health})`;
    return { ...entry, Health: health, Status: entry.Status.replace(/\s*\((?:health: )?(?:healthy|unhealthy|starting)\)\s*$/, '') + note };
}
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;
/** An engine time (`2026-01-31T12:00:00.123456789Z`, any offset) in nanoseconds since the epoch; undefined when unreadable. */
function rfc3339Nanos(text) {
    const m = text === undefined ? null : RFC3339.exec(text.trim());
    if (!m)
        return undefined;
    const ms = Date.parse(`${m[1]}${m[3].toUpperCase()}`);
    if (Number.isNaN(ms))
        return undefined;
    return BigInt(ms) * 1000000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

;// CONCATENATED MODULE: ./build/src/core/workspace-repair.js
// What the deploy's workspace files should say, decided from the host rather than from the files.
//
// On a self-hosted runner every job's checkout may reset the workspace: compose/.env (the pinned
// image references the deploy writes) can be gone, and compose/caddy/upstreams.caddy (tracked in
// git, blue first) says blue takes the traffic whichever colour really does. What survives is the
// state file beside the data directory and the containers themselves, so the live prod colour is
// read from those (`liveColour`), and the image variables are restored from them (`envRepairs`), as
// is the active environment the state file records (`activeEnvSources`).
// Pure: the flows observe the host (src/flows/compose-project.ts) and write the files.

const workspace_repair_COLOURS = ['blue', 'green'];
const other = (c) => (c === 'blue' ? 'green' : 'blue');
const RANK = { healthy: 2, running: 1, down: 0 };
/**
 * Which prod colour is live, from the state record and the containers; upstreams.caddy only breaks
 * ties the record cannot (both colours up and neither holds the recorded release), and tells
 * whether an interrupted deploy had switched. Among the colours in the best condition found
 * (healthy before merely running; a colour that is down never counts):
 *   1. an interrupted deploy's colour, when it runs that deploy's digest and upstreams.caddy lists it first;
 *   2. the active record's colour, unless it runs another digest while the other colour runs the recorded one;
 *   3. the colour that runs the active record's digest;
 *   4. the only colour up, or the one upstreams.caddy lists first (blue without it);
 *   nothing running: none.
 */
function liveColour(input) {
    const seen = (c) => input.colours.find((s) => s.colour === c) ?? { colour: c, condition: 'down', digest: null, detail: 'absent' };
    const best = Math.max(...workspace_repair_COLOURS.map((c) => RANK[seen(c).condition]));
    const candidates = best === 0 ? [] : workspace_repair_COLOURS.filter((c) => RANK[seen(c).condition] === best);
    const level = best === 2 ? 'healthy' : 'running, not healthy';
    const runs = (c, digest) => seen(c).digest === digest;
    const { active, interrupted, upstreams } = input;
    const decide = () => {
        if (candidates.length === 0) {
            return { live: undefined, because: 'no prod colour is running', ...(active?.colour ? { conflict: `the state records ${active.version} on ${active.colour}, but ${active.colour} is ${seen(active.colour).detail}` } : {}) };
        }
        const i = interrupted;
        if (i?.colour && candidates.includes(i.colour) && runs(i.colour, i.digest) && upstreams?.[0] === i.colour) {
            return { live: i.colour, because: `the interrupted deploy of ${i.version} had switched to it; it runs there, ${level}` };
        }
        if (active) {
            const c = active.colour;
            if (c && candidates.includes(c)) {
                const movedTo = candidates.find((o) => o !== c && runs(o, active.digest));
                if (movedTo === undefined || runs(c, active.digest) || seen(c).digest === null) {
                    const mismatch = seen(c).digest !== null && !runs(c, active.digest);
                    return {
                        live: c,
                        because: `the state's active release ${active.version} is recorded there, ${level}`,
                        ...(mismatch ? { conflict: `the state records ${active.version} (${active.digest}) on ${c}, but ${c} runs ${seen(c).digest}` } : {}),
                    };
                }
                return { live: movedTo, because: `it runs the state's active release ${active.version}, ${level}`, conflict: `the state records ${active.version} on ${c}, but ${movedTo} runs it` };
            }
            const holder = candidates.find((o) => runs(o, active.digest));
            if (holder) {
                return {
                    live: holder,
                    because: `it runs the state's active release ${active.version}, ${level}`,
                    ...(c && c !== holder ? { conflict: `the state records ${active.version} on ${c}, but ${c} is ${seen(c).detail} and ${holder} runs it` } : {}),
                };
            }
        }
        const fallback = candidates.length === 1 ? candidates[0] : upstreams?.[0] && candidates.includes(upstreams[0]) ? upstreams[0] : 'blue';
        const why = candidates.length === 1 ? `the only colour ${level}` : `both colours are ${level} and neither holds the recorded release: the one upstreams.caddy lists first`;
        if (!active)
            return { live: fallback, because: `${why} (the state records no active release)` };
        const recorded = active.colour ? `${active.version} on ${active.colour}` : active.version;
        const found = active.colour && !candidates.includes(active.colour) ? `${active.colour} is ${seen(active.colour).detail}` : `no colour runs ${active.digest}`;
        return { live: fallback, because: why, conflict: `the state records ${recorded}, but ${found}; ${fallback} is ${seen(fallback).detail}` };
    };
    const d = decide();
    const fileOrder = upstreams?.length === 2 && upstreams[0] !== upstreams[1] ? [upstreams[0], upstreams[1]] : undefined;
    if (d.live === undefined)
        return { ...d, order: fileOrder ?? ['blue', 'green'], upstreamsWrong: false };
    return { ...d, order: [d.live, other(d.live)], upstreamsWrong: fileOrder?.[0] !== d.live };
}
/**
 * The variables an env file must get back: the first source per variable wins (list the
 * containers before the state file). A value that is present and agrees is never rewritten, and
 * nothing but these image references and the active environment is ever written (no secret lives
 * in them).
 */
function envRepairs(current, sources) {
    const values = {};
    const notes = [];
    const done = new Set();
    for (const s of sources) {
        if (done.has(s.variable) || s.ref === '')
            continue;
        done.add(s.variable);
        const now = current[s.variable];
        if (now === s.ref)
            continue;
        if (now === undefined || now === '') {
            values[s.variable] = s.ref;
            notes.push(`${s.variable} from ${s.from}`);
        }
        else if (s.container) {
            values[s.variable] = s.ref;
            notes.push(`${s.variable} (was ${now}; ${s.from} runs ${s.ref})`);
        }
    }
    return { values, notes };
}
/**
 * SYNAPSE_ACTIVE_ENV as the state file records it (`activeEnv`, written with the env file by every
 * switch): it fills a missing value only, so a value set by hand is never overridden.
 */
function activeEnvSources(activeEnv) {
    return activeEnv === undefined ? [] : [{ variable: ACTIVE_ENV_VARIABLE, ref: activeEnv, from: 'the state file', container: false }];
}

;// CONCATENATED MODULE: ./build/src/flows/compose-project.js








/** The bind source a service mounts at `target`, e.g. the data directory behind /app/data. */
function sourceOf(model, service, target) {
    return model.services?.[service]?.volumes?.find((v) => v.target === target)?.source;
}
/**
 * `env` names whose service the data directory is read from (the one the deploy will start);
 * both environments mount the same directory in compose/docker-compose.yml.
 */
async function projectPaths(docker, options, env = 'prod') {
    const composeFile = (0,external_node_path_namespaceObject.resolve)(options.composeFile);
    const envFile = (0,external_node_path_namespaceObject.resolve)(options.envFile ?? (0,external_node_path_namespaceObject.join)((0,external_node_path_namespaceObject.dirname)(composeFile), '.env'));
    // compose refuses a missing --env-file; /dev/null is "no variables" without reading another file.
    const envFileFound = await (0,promises_namespaceObject.access)(envFile).then(() => true, () => false);
    const target = { file: composeFile, project: options.project, envFile: envFileFound ? envFile : NO_ENV_FILE };
    const model = JSON.parse((await docker.run(configJsonArgs(target))).stdout);
    const dataService = env === 'prod' ? colourService('blue') : DEV_SERVICE;
    const dataDir = (0,external_node_path_namespaceObject.resolve)(options.dataDir ?? sourceOf(model, dataService, '/app/data') ?? '/opt/synapse/data');
    const proxyDir = (0,external_node_path_namespaceObject.resolve)(options.proxyConfigDir ?? sourceOf(model, PROXY_SERVICE, '/etc/caddy') ?? (0,external_node_path_namespaceObject.join)((0,external_node_path_namespaceObject.dirname)(composeFile), 'caddy'));
    return {
        target,
        composeFile,
        envFile,
        envFileFound,
        dataDir,
        stateFile: stateFilePath(dataDir),
        lockPath: (0,external_node_path_namespaceObject.join)((0,external_node_path_namespaceObject.dirname)(dataDir), 'release-flow-deploy.lock'),
        upstreamsFile: (0,external_node_path_namespaceObject.join)(proxyDir, 'upstreams.caddy'),
        model,
    };
}
const NO_ENV_FILE = '/dev/null';
/** The URL an environment answers on, from its published port (the proxy for prod). */
function environmentUrl(model, env) {
    const port = model.services?.[env === 'prod' ? PROXY_SERVICE : DEV_SERVICE]?.ports?.[0];
    if (!port)
        return undefined;
    const host = !port.host_ip || port.host_ip === '0.0.0.0' || port.host_ip === '::' ? 'localhost' : port.host_ip;
    return `http://${host}:${port.published}`;
}
/** Running, and healthy when the service has a health check. */
function isUp(entry) {
    return entry !== undefined && entry.State === 'running' && (entry.Health === '' || entry.Health === 'healthy');
}
/** The project's containers (or only `services`), as `docker compose ps` reports them. */
async function listContainers(docker, target, services = []) {
    return parsePs((await docker.run(psArgs(target, services))).stdout);
}
/**
 * The project's containers (or only `services`) with the health that counts now: compose's ps,
 * then `docker inspect` for when each container started and when its last probe did, since the
 * engine keeps the status of a container's previous run across a restart by its restart policy
 * (core/container-health.ts). Every health read of the flows goes through here.
 */
async function listServices(docker, target, services = []) {
    const ps = await listContainers(docker, target, services);
    const ids = ps.map((p) => p.ID).filter((id) => id !== '');
    if (ids.length === 0)
        return ps;
    const seen = await inspectHealth(docker, ids);
    return ps.map((p) => withCurrentHealth(p, [...seen].find(([id]) => p.ID !== '' && id.startsWith(p.ID))?.[1]));
}
/** Each container's health as `docker inspect` reports it, by full id; a container gone in between is left out. */
async function inspectHealth(docker, ids) {
    // One call for all; when it fails (a container removed since ps), one call each for the others.
    const outputs = await docker.run(inspectStateArgs(ids)).then((r) => [r.stdout], () => Promise.all(ids.map((id) => docker.run(inspectStateArgs([id])).then((r) => r.stdout, () => ''))));
    const seen = new Map();
    for (const line of outputs.join('\n').split('\n')) {
        const space = line.indexOf(' ');
        if (space < 0)
            continue;
        const state = JSON.parse(line.slice(space + 1));
        seen.set(line.slice(0, space), { status: state.Health?.Status, startedAt: state.StartedAt, lastProbeStart: state.Health?.Log?.at(-1)?.Start });
    }
    return seen;
}
async function observeProd(docker, paths) {
    const ps = await listServices(docker, paths.target);
    const state = await readStateFile(paths.stateFile);
    const envVars = readEnvLines(await (0,promises_namespaceObject.readFile)(paths.envFile, 'utf8').catch(() => ''));
    const upstreamsOrder = parseUpstreams(await (0,promises_namespaceObject.readFile)(paths.upstreamsFile, 'utf8').catch(() => ''));
    const colours = { blue: colourSeen(ps, 'blue'), green: colourSeen(ps, 'green') };
    const prod = state.environments.prod;
    const stale = prod.deploying !== null && !isAlive(prod.deploying.pid) ? prod.deploying : null;
    const live = liveColour({ active: prod.active, interrupted: stale, colours: Object.values(colours), upstreams: upstreamsOrder });
    const proxyUp = ps.some((p) => p.Service === PROXY_SERVICE && p.State === 'running');
    const servingColour = proxyUp ? live.live : undefined;
    // The container's own reference first; an unpinned one falls back to .env, then to the record that placed it there.
    const servingDigest = servingColour === undefined
        ? null
        : (colours[servingColour].digest ?? digestOf(envVars[colourImageVariable(servingColour)]) ?? (prod.active?.colour === servingColour ? prod.active.digest : null));
    return { order: live.order, upstreamsOrder, live, colours, proxyUp, ps, envVars, state, servingColour, servingDigest };
}
function colourSeen(ps, colour) {
    const e = ps.find((p) => p.Service === colourService(colour));
    if (!e)
        return { colour, condition: 'down', digest: null, detail: 'absent' };
    const running = e.State === 'running';
    return {
        colour,
        condition: isUp(e) ? 'healthy' : running ? 'running' : 'down',
        digest: digestOf(e.Image) ?? null,
        detail: running ? e.Health || 'running' : e.State || 'stopped',
    };
}
/**
 * Makes the workspace files say what the host does, before anything changes (under the deploy
 * lock): upstreams.caddy is rewritten with the live colour first (and Caddy reloaded, so that it
 * routes there even if it had loaded the reset file), and the image variables missing from the
 * env file are restored from the containers and the state file, SYNAPSE_ACTIVE_ENV from the state
 * file. Logs one line when it repairs
 * something, one when the state disagrees with the containers. Returns whether it wrote the env
 * file, after which `paths` must be read again (its compose target pointed at /dev/null).
 */
async function repairWorkspace(docker, paths, seen, options) {
    const { live } = seen;
    if (live.conflict)
        options.log(`prod: ${live.conflict}; ${live.live ?? 'no colour'} is taken as live (${live.because})`);
    const repaired = [];
    const upstreamsWrong = live.live !== undefined && live.upstreamsWrong;
    if (upstreamsWrong) {
        const said = seen.upstreamsOrder ? `listed ${seen.upstreamsOrder[0]} first` : 'named no colour';
        const reload = seen.proxyUp ? ` and ${options.write ? 'reloaded' : 'reload'} Caddy` : '';
        repaired.push(`${paths.upstreamsFile} ${said}, but ${live.live} is live (${live.because}): ${options.write ? 'rewrote' : 'would rewrite'} it ${live.live} first${reload}`);
    }
    const env = envRepairs(seen.envVars, [...imageSources(seen, options.imageName), ...activeEnvSources(seen.state.activeEnv)]);
    const createEnv = !paths.envFileFound;
    if (env.notes.length > 0 || createEnv) {
        const what = env.notes.length > 0 ? `${options.write ? 'restored' : 'would restore'} ${env.notes.join(', ')}` : `${options.write ? 'created it' : 'would create it'}`;
        repaired.push(`${paths.envFile}${createEnv ? ' was missing' : ''}: ${what}`);
    }
    if (repaired.length === 0)
        return { envFileWritten: false };
    options.log(`workspace ${options.write ? 'repaired' : 'out of date'}: ${repaired.join('; ')}`);
    if (!options.write)
        return { envFileWritten: false };
    if (upstreamsWrong) {
        await writeFileAtomic(paths.upstreamsFile, upstreamsText(live.order));
        if (seen.proxyUp)
            await docker.run(caddyReloadArgs(paths.target));
    }
    if (env.notes.length > 0 || createEnv) {
        await writeFileAtomic(paths.envFile, setEnvLines(await (0,promises_namespaceObject.readFile)(paths.envFile, 'utf8').catch(() => ''), env.values));
        return { envFileWritten: true };
    }
    return { envFileWritten: false };
}
/** Each image variable's reference from its container (prod colours and dev), then the prod releases the state file places on a colour. */
function imageSources(seen, imageName) {
    const sources = [];
    const services = [...COLOURS.map((c) => [colourService(c), colourImageVariable(c)]), [DEV_SERVICE, 'SYNAPSE_DEV_IMAGE']];
    for (const [service, variable] of services) {
        const ref = seen.ps.find((p) => p.Service === service)?.Image ?? '';
        // A bare image id (sha256:…) is what the engine shows once the reference is gone: not one to write.
        if (ref !== '' && !ref.startsWith('sha256:'))
            sources.push({ variable, ref, from: service, container: true });
    }
    const repository = imageName ?? COLOURS.map((c) => seen.ps.find((p) => p.Service === colourService(c))?.Image ?? '').find((ref) => digestOf(ref))?.replace(/@sha256:[0-9a-f]{64}$/, '');
    const prod = seen.state.environments.prod;
    for (const release of [prod.active, prod.previous]) {
        if (repository && release?.colour)
            sources.push({ variable: colourImageVariable(release.colour), ref: `${repository}@${release.digest}`, from: 'the state file', container: false });
    }
    return sources;
}
/**
 * Reads the state and makes it agree with what serves `env`, first thing under the lock, so a
 * deploy killed earlier is recorded as interrupted before anyone builds on its record.
 */
async function reconciledState(paths, env, seen, options) {
    const state = await readStateFile(paths.stateFile);
    const deployingPid = state.environments[env].deploying?.pid;
    const deployingPidAlive = deployingPid !== undefined && isAlive(deployingPid);
    const observed = env === 'prod'
        ? { servingDigest: seen.servingDigest, deployingPidAlive, ...(seen.servingColour ? { servingColour: seen.servingColour } : {}) }
        : options.devDigest !== undefined
            ? { servingDigest: options.devDigest, servingVersion: 'latest', deployingPidAlive }
            : // dev runs a tag, not a digest: what runs is what the record says ran, if it runs at all.
                { servingDigest: seen.ps.some((p) => p.Service === DEV_SERVICE && p.State === 'running') ? (state.environments.dev.active?.digest ?? null) : null, deployingPidAlive };
    const r = reconcile(state, env, observed, { at: options.at });
    for (const note of r.notes)
        options.log(`state: ${note}`);
    if (r.notes.length > 0 && options.write)
        await writeStateFile(paths.stateFile, r.state);
    return r.state;
}
/** Replaces a file the proxy or compose reads so that they never see it half written. */
async function writeFileAtomic(path, text) {
    const temp = `${path}.${process.pid}.new`;
    await (0,promises_namespaceObject.writeFile)(temp, text);
    await (0,promises_namespaceObject.rename)(temp, path);
}
const DEFAULT_LOCK_TIMEOUT_MS = 10 * 60_000;
/** The host's deploy lock for a change to this project; `holder` says who waits, in the other's message. */
function lockProject(paths, holder, timeoutMs, log) {
    return acquireDeployLock(paths.lockPath, {
        timeoutMs: timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
        holder: `${holder} (pid ${process.pid})`,
        onWait: (heldBy) => log(`waiting for the deploy lock ${paths.lockPath}, held by ${heldBy}`),
    });
}
/**
 * Docker commands that keep `lock` held for as long as they run. A deploy killed with SIGKILL
 * leaves its `compose up --wait` running for up to its wait timeout; while it runs, the next
 * deploy must not start the same colour beside it, so it waits for the lock instead.
 */
function underLock(docker, lock) {
    if (lock === undefined)
        return docker;
    return { run: (args, options = {}) => docker.run(args, { ...options, inherit: [...(options.inherit ?? []), lock.pipe] }) };
}

;// CONCATENATED MODULE: ./build/src/flows/deploy-health.js
// Whether a newly started colour is healthy: before traffic moves to it, and while it is watched
// after the switch. And, when it is not, what its health probes and log said, secrets redacted and
// terminal control sequences removed.





/** Starts `service` and waits for its health check; returns why it is not healthy, or undefined. */
async function startHealthy(docker, target, service, waitTimeoutSeconds) {
    try {
        await docker.run(upServiceArgs(target, service, waitTimeoutSeconds));
        // The engine's own word, not compose's: `up --wait` has been seen to return while a new
        // container was still starting (compose 2.26, under load). And only a probe of the container's
        // current run counts (`listServices`): the engine keeps the status across a restart.
        const started = (await listServices(docker, target, [service]))[0];
        if (started?.Health !== 'healthy') {
            throw new Error(`${service} reports ${started?.Health || started?.State || 'no container'} after compose's wait, not healthy`);
        }
        return undefined;
    }
    catch (error) {
        if (error instanceof DockerError)
            return `compose: ${lastLine(error.stderr) || `exit ${error.exitCode}`}`;
        return error instanceof Error ? error.message : String(error);
    }
}
/**
 * Polls the new colour for `seconds`: its container must keep running, not turn unhealthy, and
 * pass its own health command, run every second, since the engine's health status only changes
 * after `retries` failures, which can outlast the watch. Two failures in a row fail it, so one
 * slow answer does not. Returns why it failed, or undefined.
 */
async function watch(docker, target, service, model, seconds) {
    const test = model.services?.[service]?.healthcheck?.test;
    const probe = test?.[0] === 'CMD-SHELL' ? ['sh', '-c', test.slice(1).join(' ')] : test?.[0] === 'CMD' ? test.slice(1) : undefined;
    const until = Date.now() + seconds * 1000;
    let failures = 0;
    while (Date.now() < until) {
        const entry = (await listServices(docker, target, [service]).catch(() => []))[0];
        if (!entry || entry.State !== 'running')
            return `${service} is ${entry?.State ?? 'gone'}`;
        // A status left from before a restart reads `starting` here: the probe below still runs.
        if (entry.Health === 'unhealthy')
            return `${service} is unhealthy`;
        if (probe) {
            const ok = await docker.run(execArgs(target, service, probe)).then(() => true, () => false);
            failures = ok ? 0 : failures + 1;
            if (failures >= 2)
                return `its health check failed ${failures} times in a row`;
        }
        await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, until - Date.now()))));
    }
    return undefined;
}
/** The last health probe outputs and the log of a service's container, for a rollback's reason. */
async function healthTail(docker, target, service, model) {
    try {
        const entry = (await listContainers(docker, target, [service]))[0];
        if (!entry?.ID)
            return '';
        const { stdout } = await docker.run(['inspect', '--format', '{{json .State.Health}}', entry.ID]);
        const health = JSON.parse(stdout);
        const lines = (health?.Log ?? []).slice(-5).map((l) => `  ${l.End} exit ${l.ExitCode}: ${stripTerminalControls(l.Output).trim().split('\n').slice(-3).join(' | ')}`);
        const logs = await docker.run(logsArgs(target, service)).then((r) => stripTerminalControls(r.stdout).trim(), () => '');
        return redactSecrets([`  status: ${health?.Status ?? 'unknown'}`, ...lines, ...(logs ? ['  container log:', ...logs.split('\n').map((l) => `    ${l}`)] : [])].join('\n'), await secretValues(model));
    }
    catch {
        // The reason is worth more without the tail than not at all.
        return '';
    }
}
/** A release may print its own secrets: every value the project mounts is redacted from the tail. */
async function secretValues(model) {
    const out = [];
    for (const s of Object.values(model.secrets ?? {})) {
        if (s.file)
            out.push(await (0,promises_namespaceObject.readFile)(s.file, 'utf8').catch(() => ''));
    }
    return out;
}
function lastLine(text) {
    return text.trim().split('\n').filter(Boolean).slice(-1)[0]?.trim() ?? '';
}

;// CONCATENATED MODULE: ./build/src/core/preflight.js
/**
 * The deploy pre-flight, pure part: the result model, the severity policy per environment, the
 * parsers of the raw host facts (cgroups, `ss`, /proc/net/tcp, `docker ps`, image manifests) and
 * the decisions made on them. The facts are gathered by src/adapters/host-probes.ts; nothing here
 * touches the host, so every rule is tested with tables of captured real outputs.
 */
/**
 * How bad a failed check is in an environment. A missing memory cgroup only drops the limits (the
 * engine warns and starts the container without them): tolerable on dev, a hard error on prod.
 * Everything else would make the deploy itself fail, so it is an error everywhere.
 */
function severityFor(kind, env) {
    if (kind === 'memory-cgroup')
        return env === 'prod' ? 'error' : 'warning';
    return 'error';
}
/** True when no failed check is an error: the deploy may go ahead (warnings are shown). */
function preflightPassed(results) {
    return !results.some((r) => !r.ok && r.severity === 'error');
}
function result(kind, env, name, ok, message, fix) {
    return { name, ok, severity: severityFor(kind, env), message, ...(fix !== undefined && !ok && { fix }) };
}
/**
 * Whether the memory controller is usable. cgroup v2 (a single `0::/…` line in /proc/self/cgroup):
 * `memory` listed in cgroup.controllers. v1 or hybrid: the `memory` row of /proc/cgroups is enabled
 * and mounted (hierarchy ≠ 0), or the controller sits in the unified hierarchy. A Raspberry Pi
 * boots with `cgroup_disable=memory`: the row reads `memory 0 … 0` and cgroup.controllers lacks it.
 */
function parseMemoryCgroup(files) {
    const lines = files.procSelfCgroup.split('\n').map((l) => l.trim()).filter(Boolean);
    if (lines.length === 0)
        throw new Error('/proc/self/cgroup is empty; expected lines like `0::/` (v2) or `4:memory:/` (v1)');
    const v2Only = lines.every((l) => l.startsWith('0::'));
    const unified = (files.controllers ?? '').split(/\s+/).filter(Boolean);
    if (v2Only) {
        if (files.controllers === undefined) {
            throw new Error('cgroup v2 host without a readable cgroup.controllers; expected /sys/fs/cgroup/cgroup.controllers');
        }
        const enabled = unified.includes('memory');
        return { version: 'v2', enabled, evidence: `cgroup.controllers: ${unified.join(' ') || '(empty)'}` };
    }
    if (unified.includes('memory'))
        return { version: 'v1', enabled: true, evidence: 'memory in the unified hierarchy (cgroup.controllers)' };
    const row = (files.procCgroups ?? '')
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .find((cols) => cols[0] === 'memory');
    if (!row)
        return { version: 'v1', enabled: false, evidence: '/proc/cgroups has no memory row' };
    const [, hierarchy, , enabledCol] = row;
    const enabled = enabledCol === '1' && hierarchy !== '0';
    return { version: 'v1', enabled, evidence: `/proc/cgroups: ${row.join(' ')} (subsys hierarchy num_cgroups enabled)` };
}
const memoryCgroupFix = 'add `cgroup_enable=memory cgroup_memory=1` to the kernel command line (/boot/firmware/cmdline.txt on Raspberry Pi OS, one line) and reboot';
/**
 * `engineMemoryLimit` is `docker info`'s MemoryLimit when known: the engine's own view wins over
 * the files (a rootless or remote engine may see other cgroups than this process).
 */
function checkMemoryCgroup(fact, env, engineMemoryLimit) {
    const enabled = engineMemoryLimit ?? fact.enabled;
    const consequence = env === 'prod' ? 'prod needs them' : 'dev runs without them';
    const message = enabled
        ? `memory cgroup enabled (cgroup ${fact.version}; ${fact.evidence})`
        : `memory cgroup disabled (cgroup ${fact.version}; ${fact.evidence}${engineMemoryLimit === false ? '; docker info: MemoryLimit false' : ''}): compose would silently drop the memory limits; ${consequence}`;
    return result('memory-cgroup', env, 'memory-cgroup', enabled, message, memoryCgroupFix);
}
/** `users:(("caddy",pid=123,fd=7),("caddy",pid=124,fd=7))` → processes, duplicates dropped. */
function parseSsUsers(text) {
    const out = [];
    for (const m of text.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=\d+\)/g)) {
        const process = { name: m[1] ?? '', pid: Number(m[2]) };
        if (!out.some((p) => p.pid === process.pid))
            out.push(process);
    }
    return out;
}
/** `127.0.0.1:5000`, `[::]:80`, `*:22`, `127.0.0.53%lo:53`, `[fe80::1%eth0]:80` → address and port. */
function parseSocketAddress(text) {
    const m = /^(?:\[([^\]]+)\]|([^\s]*?)):(\d+|\*)$/.exec(text);
    if (!m || m[3] === '*')
        throw new Error(`socket address ${JSON.stringify(text)} is not valid; expected ADDRESS:PORT or [IPV6]:PORT`);
    const raw = (m[1] ?? m[2] ?? '').replace(/%.*$/, '');
    return { address: normalizeAddress(raw), port: Number(m[3]) };
}
function normalizeAddress(address) {
    if (address === '' || address === '*')
        return '*';
    if (address.toLowerCase().startsWith('::ffff:') && address.includes('.'))
        return address.slice(7);
    return address.toLowerCase();
}
/**
 * `ss -ltnpH` (listening TCP, numeric, processes, no header): one line per socket,
 * `LISTEN 0 4096 127.0.0.1:5000 0.0.0.0:* users:(("docker-registry",pid=18612,fd=3))`.
 * Lines of other states (an `ss -tanpH` output) are skipped.
 */
function parseSsListeners(output) {
    const listeners = [];
    for (const line of output.split('\n')) {
        const cols = line.trim().split(/\s+/);
        if (cols.length < 5 || cols[0] !== 'LISTEN')
            continue;
        const { address, port } = parseSocketAddress(cols[3] ?? '');
        listeners.push({ address, port, processes: parseSsUsers(cols.slice(5).join(' ')) });
    }
    return listeners;
}
/**
 * Listening sockets (state 0A) of /proc/net/tcp or /proc/net/tcp6. Addresses are hex in host
 * byte order per 32-bit word (little-endian on arm64 and amd64): `0100007F:1388` is 127.0.0.1:5000.
 */
function parseProcNetTcp(text, family) {
    const entries = [];
    for (const line of text.split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols.length < 10 || cols[3] !== '0A')
            continue;
        const [hexAddress = '', hexPort = ''] = (cols[1] ?? '').split(':');
        entries.push({ address: decodeProcAddress(hexAddress, family), port: parseInt(hexPort, 16), inode: Number(cols[9]) });
    }
    return entries;
}
function decodeProcAddress(hex, family) {
    const bytes = [];
    for (let word = 0; word < hex.length; word += 8) {
        const chunk = hex.slice(word, word + 8);
        for (let i = 6; i >= 0; i -= 2)
            bytes.push(parseInt(chunk.slice(i, i + 2), 16));
    }
    if (family === 4)
        return bytes.join('.');
    if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
        return bytes.slice(12).join('.');
    const groups = [];
    for (let i = 0; i < 16; i += 2)
        groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
    return compressIpv6(groups);
}
function compressIpv6(groups) {
    let bestStart = -1;
    let bestLength = 0;
    for (let i = 0; i < groups.length;) {
        if (groups[i] !== '0') {
            i++;
            continue;
        }
        let j = i;
        while (j < groups.length && groups[j] === '0')
            j++;
        if (j - i > bestLength && j - i > 1)
            [bestStart, bestLength] = [i, j - i];
        i = j;
    }
    if (bestStart < 0)
        return groups.join(':');
    return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}
/** `socket:[123456]` (a /proc/<pid>/fd link) → 123456; anything else → undefined. */
function socketInode(link) {
    const m = /^socket:\[(\d+)\]$/.exec(link);
    return m ? Number(m[1]) : undefined;
}
/** /proc/net/tcp entries with the processes whose fds hold their inode. */
function listenersFromProc(entries, owners) {
    return entries.map((e) => ({ address: e.address, port: e.port, processes: owners.get(e.inode) ?? [] }));
}
/** The `docker ps` format `containersFromPs` reads: tab-separated, one container a line. */
const psPortsFormat = '{{.ID}}\t{{.Names}}\t{{.Label "com.docker.compose.project"}}\t{{.Label "com.docker.compose.service"}}\t{{.Ports}}';
/** argv of `docker ps` for the running containers' published ports, of one compose project or all. */
function psPortsArgs(project) {
    return ['ps', ...(project ? ['--filter', `label=com.docker.compose.project=${project}`] : []), '--no-trunc', '--format', psPortsFormat];
}
/**
 * `docker ps`'s Ports column: `0.0.0.0:8002->8002/tcp, :::8002->8002/tcp`, ranges
 * `127.0.0.1:8000-8001->80-81/tcp`, and exposed-only `8002/tcp` (skipped: nothing on the host).
 */
function parsePsPorts(text) {
    const ports = [];
    for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
        const m = /^(.*):(\d+)(?:-(\d+))?->(\d+)(?:-(\d+))?\/(\w+)$/.exec(item);
        if (!m)
            continue;
        const hostIp = normalizeAddress((m[1] ?? '').replace(/^\[(.*)\]$/, '$1'));
        const first = Number(m[2]);
        const last = m[3] ? Number(m[3]) : first;
        const containerFirst = Number(m[4]);
        for (let port = first; port <= last; port++) {
            ports.push({ hostIp: hostIp === '*' ? '0.0.0.0' : hostIp, hostPort: port, containerPort: containerFirst + (port - first), protocol: m[6] ?? 'tcp' });
        }
    }
    return ports;
}
function containersFromPs(output) {
    return output
        .split('\n')
        .filter((l) => l.trim())
        .map((line) => {
        const [id = '', name = '', project = '', service = '', ports = ''] = line.split('\t');
        return { id, name, project, service, ports: parsePsPorts(ports) };
    });
}
function isWildcard(address) {
    return address === '*' || address === '0.0.0.0' || address === '::';
}
/** Whether a bind of `wanted` would fail with EADDRINUSE because of a socket on `held` (same port). */
function addressesOverlap(wanted, held) {
    const a = normalizeAddress(wanted);
    const b = normalizeAddress(held);
    if (a === b || isWildcard(a) && isWildcard(b))
        return true;
    const family = (x) => (x.includes(':') ? 6 : 4);
    // 0.0.0.0 clashes with every IPv4 address, `::` (dual-stack) with all, `*` with all.
    if (a === '*' || b === '*' || a === '::' || b === '::')
        return true;
    if (a === '0.0.0.0')
        return family(b) === 4;
    if (b === '0.0.0.0')
        return family(a) === 4;
    return false;
}
const PROXY = 'docker-proxy';
/**
 * Who holds `wanted`: nobody, our compose project's containers (a redeploy replaces them), or
 * something else. A listener counts as ours only when every process on it is docker-proxy (or
 * invisible) and a container of `project` publishes that port; a proxy for another project's
 * container is a conflict that names the container.
 */
function classifyPort(wanted, listeners, containers, project) {
    const hostIp = wanted.hostIp ?? '0.0.0.0';
    const publishing = (c) => c.ports.some((p) => p.protocol === 'tcp' && p.hostPort === wanted.port && addressesOverlap(hostIp, p.hostIp));
    const ours = containers.filter((c) => c.project === project && publishing(c)).map((c) => c.name);
    const theirs = containers.filter((c) => c.project !== project && publishing(c));
    const holders = [];
    for (const l of listeners) {
        if (l.port !== wanted.port || !addressesOverlap(hostIp, l.address))
            continue;
        const at = `${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}`;
        const foreign = l.processes.filter((p) => p.name !== PROXY);
        if (foreign.length > 0) {
            holders.push(...foreign.map((p) => `${p.name} (pid ${p.pid}) on ${at}`));
        }
        else if (ours.length === 0) {
            const who = l.processes.length > 0 ? l.processes.map((p) => `${p.name} (pid ${p.pid})`).join(', ') : 'a process this user cannot see (run as root to name it)';
            const containersText = theirs.length > 0 ? ` for container ${theirs.map((c) => c.name + (c.project ? ` (compose project ${c.project})` : '')).join(', ')}` : '';
            holders.push(`${who}${containersText} on ${at}`);
        }
    }
    // A container publishing the port without a visible listener (userland proxy off: iptables only).
    if (holders.length === 0 && theirs.length > 0 && !listeners.some((l) => l.port === wanted.port && addressesOverlap(hostIp, l.address))) {
        holders.push(...theirs.map((c) => `container ${c.name}${c.project ? ` (compose project ${c.project})` : ''}`));
    }
    if (holders.length > 0)
        return { state: 'conflict', holders: [...new Set(holders)] };
    return ours.length > 0 ? { state: 'ours', containers: ours } : { state: 'free' };
}
function checkPort(wanted, state, env) {
    const at = `${wanted.hostIp ?? '0.0.0.0'}:${wanted.port}`;
    const name = `port ${wanted.port}`;
    switch (state.state) {
        case 'free':
            return result('port', env, name, true, `${at} is free`);
        case 'ours':
            return result('port', env, name, true, `${at} is held by our own container ${state.containers.join(', ')} (replaced by the deploy)`);
        case 'conflict':
            return result('port', env, name, false, `${at} is in use by ${state.holders.join('; ')}; expected it free or held by this compose project's containers`, `stop that process or container, or publish the service on another port`);
    }
}
/** needed + max(needed × margin, minimum free): what must be available before the pull. */
function requiredFreeBytes(need) {
    if (!Number.isFinite(need.neededBytes) || need.neededBytes < 0) {
        throw new Error(`needed bytes ${need.neededBytes} is not valid; expected a number >= 0`);
    }
    const margin = need.neededBytes * (need.marginRatio ?? 0.2);
    return Math.ceil(need.neededBytes + Math.max(margin, need.minFreeBytes ?? 512 * 1024 ** 2));
}
function formatBytes(bytes) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
function diskFix(path) {
    return `free space on ${path} (\`docker image prune\`, \`docker builder prune\`) or move Docker's data-root`;
}
function checkDisk(path, availableBytes, need, env) {
    const required = requiredFreeBytes(need);
    const ok = availableBytes >= required;
    const wanted = `${formatBytes(required)} (pull ${formatBytes(need.neededBytes)} plus margin)`;
    const message = ok ? `${formatBytes(availableBytes)} free on ${path}; ${wanted} needed` : `${formatBytes(availableBytes)} free on ${path}; expected at least ${wanted}`;
    return result('disk', env, 'disk', ok, message, diskFix(path));
}
/**
 * A warning, never an error: free space that cannot be measured here (an engine on another host,
 * a data root this user cannot see, a registry that will not list sizes) must not block a deploy
 * the pull itself may well manage.
 */
function checkDiskUnknown(path, reason, env) {
    return { ...result('disk', env, 'disk', false, `free space on ${path} for the pull could not be checked: ${reason}`, diskFix(path)), severity: 'warning' };
}
/** Layers unpack to about this many times their compressed size (gzip of binaries and libraries). */
const UNPACKED_RATIO = 3;
/**
 * What pulling an image writes: the compressed layers of the platform this host runs plus their
 * unpacked size. A single manifest names no platform, and an image without this host's platform
 * fails the image check anyway: both count the largest platform, so the estimate never falls short.
 */
function pullNeedBytes(platforms, host) {
    const runs = (p) => p.platform.includes('/') && platformRuns(host, parsePlatform(p.platform));
    const sizes = platforms.filter(runs).map((p) => p.size);
    const compressed = Math.max(0, ...(sizes.length > 0 ? sizes : platforms.map((p) => p.size)));
    return compressed * (1 + UNPACKED_RATIO);
}
/**
 * Architecture names as `uname -m`, Node's process.arch, Go/OCI and Debian spell them → OCI
 * (architecture and the variant the name implies).
 */
function normalizeArchitecture(name) {
    const n = name.trim().toLowerCase();
    switch (n) {
        case 'x86_64':
        case 'x64':
        case 'amd64':
            return { architecture: 'amd64' };
        case 'aarch64':
        case 'arm64':
        case 'arm64/v8':
        case 'armv8':
        case 'armv8l':
            return { architecture: 'arm64' };
        case 'armv7l':
        case 'armv7':
        case 'armhf':
        case 'arm/v7':
            return { architecture: 'arm', variant: 'v7' };
        case 'armv6l':
        case 'armv6':
        case 'armel':
        case 'arm/v6':
            return { architecture: 'arm', variant: 'v6' };
        case 'arm':
            return { architecture: 'arm' };
        case 'i386':
        case 'i686':
        case 'x86':
        case 'ia32':
        case '386':
            return { architecture: '386' };
        default:
            return { architecture: n };
    }
}
/** `linux/arm64`, `linux/arm/v7`, `linux/arm64/v8` → Platform. */
function parsePlatform(text) {
    const [os = '', ...rest] = text.trim().split('/');
    if (!os || rest.length === 0)
        throw new Error(`platform ${JSON.stringify(text)} is not valid; expected OS/ARCH[/VARIANT] such as linux/arm64`);
    const arch = normalizeArchitecture(rest.join('/'));
    const variant = arch.architecture === 'arm64' ? undefined : (rest[1] ?? arch.variant);
    return { os, architecture: arch.architecture, ...(variant && { variant }) };
}
function formatPlatform(p) {
    return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}
/**
 * The host as a platform, from `docker info`'s Architecture or `uname -m`: `x86_64` → linux/amd64,
 * `aarch64` → linux/arm64, `armv7l` → linux/arm/v7.
 */
function hostPlatform(machine, os = 'linux') {
    const arch = normalizeArchitecture(machine);
    return { os, architecture: arch.architecture, ...(arch.variant && { variant: arch.variant }) };
}
/** Whether the host runs an image of `image` natively: same OS and architecture; an ARM host runs older variants (v7 runs v6). */
function platformRuns(host, image) {
    if (host.os !== image.os)
        return false;
    const hostArch = normalizeArchitecture(host.architecture).architecture;
    const imageArch = normalizeArchitecture(image.architecture).architecture;
    if (hostArch !== imageArch)
        return false;
    if (imageArch !== 'arm' || !image.variant || !host.variant)
        return true;
    return Number(image.variant.replace(/^v/, '')) <= Number(host.variant.replace(/^v/, ''));
}
const attestationType = 'vnd.docker.reference.type';
/**
 * The platforms of an image from `docker buildx imagetools inspect --raw`: an OCI index or Docker
 * manifest list lists them (attestation manifests, `unknown/unknown`, are skipped); a single
 * manifest carries none and returns undefined (its config says: see `platformsFromImageConfig`).
 */
function platformsFromRawManifest(raw) {
    let json;
    try {
        json = JSON.parse(raw);
    }
    catch {
        throw new Error(`image manifest is not JSON; expected the output of \`docker buildx imagetools inspect --raw\`, got ${JSON.stringify(raw.slice(0, 80))}`);
    }
    const manifests = json.manifests;
    if (!Array.isArray(manifests))
        return undefined;
    const platforms = [];
    for (const m of manifests) {
        const p = m.platform;
        if (!p?.os || !p.architecture || p.os === 'unknown' || m.annotations?.[attestationType])
            continue;
        platforms.push({ os: p.os, architecture: p.architecture, ...(p.variant && { variant: p.variant }) });
    }
    return platforms;
}
/**
 * `docker buildx imagetools inspect --format '{{json .Image}}'`: one config (`{"architecture":…,"os":…}`)
 * for a single manifest, or a map `"linux/amd64" → config` for an index.
 */
function platformsFromImageConfig(text) {
    const json = JSON.parse(text);
    const one = (c) => {
        const { os, architecture, variant } = (c ?? {});
        return os && architecture ? { os, architecture, ...(variant && { variant }) } : undefined;
    };
    const single = one(json);
    if (single)
        return [single];
    return Object.values(json).map(one).filter((p) => p !== undefined && p.os !== 'unknown');
}
/** `docker image inspect --format …` (see `imageInspectPlatformArgs`): `linux/arm64` or `linux/arm/v7`. */
function imageInspectPlatformArgs(ref) {
    return ['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}{{if .Variant}}/{{.Variant}}{{end}}', ref];
}
function imagetoolsRawArgs(ref) {
    return ['buildx', 'imagetools', 'inspect', '--raw', ref];
}
function imagetoolsConfigArgs(ref) {
    return ['buildx', 'imagetools', 'inspect', '--format', '{{json .Image}}', ref];
}
function checkImage(ref, fact, host, env) {
    const name = `image ${ref}`;
    if (!fact.found) {
        return result('image', env, name, false, `${ref} not found: ${fact.reason}`, 'check the reference and tag, push the image, or `docker login` to its registry');
    }
    const list = fact.platforms.map(formatPlatform).join(', ') || 'none';
    const ok = fact.platforms.some((p) => platformRuns(host, p));
    const message = ok
        ? `${ref} (${fact.where}) has ${formatPlatform(host)} among ${list}`
        : `${ref} (${fact.where}) is built for ${list}; expected ${formatPlatform(host)} (this host)`;
    return result('image', env, name, ok, message, `build and push the image for ${formatPlatform(host)} (\`--platform ${formatPlatform(host)}\`)`);
}
function checkSecretFile(secret, path, fact, env) {
    const name = `secret ${secret}`;
    const fix = `write the secret to ${path} (one file, mode 600, owned by the deploy user)`;
    switch (fact.kind) {
        case 'file':
            return fact.size > 0
                ? result('secret', env, name, true, `${path} exists (${fact.size} bytes)`)
                : result('secret', env, name, false, `${path} is empty; expected the secret's value`, fix);
        case 'missing':
            return result('secret', env, name, false, `${path} does not exist; expected a non-empty file`, fix);
        case 'not-a-file':
            return result('secret', env, name, false, `${path} is a ${fact.type}; expected a regular non-empty file`, fix);
        case 'inaccessible':
            return result('secret', env, name, false, `${path} cannot be checked (${fact.reason}); expected a readable path`, `give the deploy user access to ${path}`);
    }
}
/** argv of `docker compose … config -q`: validates the files and their interpolation, prints nothing. */
function composeConfigArgs(compose) {
    if (compose.files.length === 0)
        throw new Error('compose files: [] is not valid; expected at least one compose file');
    const args = ['compose'];
    for (const file of compose.files)
        args.push('-f', file);
    if (compose.projectName)
        args.push('--project-name', compose.projectName);
    for (const profile of compose.profiles ?? [])
        args.push('--profile', profile);
    for (const envFile of compose.envFiles ?? [])
        args.push('--env-file', envFile);
    args.push('config', '-q');
    return args;
}
function checkComposeConfig(files, outcome, env) {
    const which = files.join(', ');
    if (outcome.ok)
        return result('compose-config', env, 'compose-config', true, `${which}: valid`);
    const detail = outcome.stderr.trim().split('\n').slice(-5).join('\n') || 'no message';
    return result('compose-config', env, 'compose-config', false, `${which} is not a valid compose configuration: ${detail}`, `fix the file, then \`docker compose ${files.map((f) => `-f ${f}`).join(' ')} config -q\``);
}

;// CONCATENATED MODULE: ./build/src/flows/deploy-preflight.js
// The deploy's pre-flight: every host fact a deploy depends on, checked before anything changes,
// on the configuration as it will run (the new image reference interpolated). The facts come from
// the HostProbes adapter and the registry; the decisions on them are core/preflight.ts's.





async function preflight(deps, paths, input) {
    const { env } = input;
    const pinned = `${input.image.name}@${input.digest}`;
    const outcome = await deps.probes.composeConfig(
    // The target's env file: /dev/null while the workspace has none (a dry run after a checkout cleaned it).
    { files: [paths.composeFile], projectName: paths.target.project, envFiles: paths.target.envFile ? [paths.target.envFile] : [], profiles: ['rollout'] }, { env: { [input.variable]: input.value } });
    const engine = await deps.probes.engineInfo();
    const host = hostPlatform(engine.architecture);
    return [
        checkComposeConfig([paths.composeFile], outcome, env),
        checkImage(pinned, await deps.probes.imagePlatforms(pinned, 'registry'), host, env),
        checkMemoryCgroup(await deps.probes.memoryCgroup(), env, engine.memoryLimit),
        await diskCheck(deps, input, host, engine.dockerRootDir),
        ...(await portChecks(deps.probes, paths, env)),
        ...(await secretChecks(deps.probes, paths.model, env)),
        ...(await configChecks(paths.model, input)),
    ];
}
/** Stops the deploy on a failed error check: every failure with its fix, in one message. */
function requirePreflightPassed(checks, env, version) {
    if (preflightPassed(checks))
        return;
    const failed = checks.filter((c) => !c.ok && c.severity === 'error');
    throw new PreconditionError(`pre-flight failed for ${env} ${version}; nothing was changed:\n${failed.map((c) => `  ${c.name}: ${c.message}`).join('\n')}`, failed.map((c) => c.fix).filter(Boolean).join('; ') || 'fix the checks above and deploy again');
}
function checkLine(c) {
    return `pre-flight ${c.ok ? 'ok' : c.severity === 'error' ? 'FAILED' : 'warning'}: ${c.name}: ${c.message}`;
}
/** The pull lands in the engine's data root: it must have room for the image before the pull starts. */
async function diskCheck(deps, input, host, dockerRootDir) {
    let neededBytes;
    let availableBytes;
    try {
        neededBytes = pullNeedBytes(await deps.registry.platformsOf(input.image, input.digest), host);
        availableBytes = (await deps.probes.freeDisk(dockerRootDir)).availableBytes;
    }
    catch (error) {
        return checkDiskUnknown(dockerRootDir || "the engine's data root", firstLine(error), input.env);
    }
    return checkDisk(dockerRootDir, availableBytes, { neededBytes, ...(input.minFreeDiskBytes !== undefined && { minFreeBytes: input.minFreeDiskBytes }) }, input.env);
}
/** The ports the environment publishes: prod through its proxy, dev directly. */
async function portChecks(probes, paths, env) {
    const checks = [];
    for (const p of paths.model.services?.[env === 'prod' ? PROXY_SERVICE : DEV_SERVICE]?.ports ?? []) {
        const port = Number(p.published);
        if (!Number.isInteger(port))
            continue;
        const wanted = { port, hostIp: p.host_ip };
        checks.push(checkPort(wanted, await probes.portState(wanted, paths.target.project), env));
    }
    return checks;
}
function appServices(env) {
    return env === 'prod' ? [colourService('blue'), colourService('green')] : [DEV_SERVICE];
}
async function secretChecks(probes, model, env) {
    const names = new Set();
    for (const s of appServices(env))
        for (const sec of model.services?.[s]?.secrets ?? [])
            names.add(typeof sec === 'string' ? sec : sec.source);
    const checks = [];
    for (const name of names) {
        const file = model.secrets?.[name]?.file;
        if (file)
            checks.push(checkSecretFile(name, file, await probes.secretFile(file), env));
    }
    return checks;
}
async function configChecks(model, input) {
    const { env } = input;
    const configDir = input.configDir ?? sourceOf(model, appServices(env)[0], '/app/configs');
    if (!configDir)
        return [];
    const config = await effectiveConfig({ configDir, environment: env, env: input.configEnv });
    const ok = config.errors.length === 0;
    return [
        {
            name: 'configs',
            ok,
            severity: 'error',
            message: ok ? `${config.files.base} + ${config.files.environment}: valid` : `${config.errors.length} problem(s) in the ${env} configuration`,
            ...(ok ? {} : { fix: `run \`release-flow config --env ${env}\` to see them` }),
        },
    ];
}
function firstLine(error) {
    const text = error instanceof Error ? error.message : String(error);
    return text.split('\n')[0] ?? text;
}

;// CONCATENATED MODULE: ./build/src/flows/deploy.js
// The deploy flow: prod blue/green behind Caddy (compose/docker-compose.yml), dev by recreate.
// Every docker call goes through the Docker adapter with argv from core/compose-commands.ts.
//
// The steps, in order, and why in that order:
//   resolve   the version's digest first: a version that does not exist changes nothing;
//   lock      one deploy per host; the state is read and reconciled under it, so a deploy killed
//             earlier is recorded as interrupted before this one builds on the record;
//   repair    the workspace (a runner's checkout resets it): upstreams.caddy and the image variables
//             of .env are made to say what the state file and the containers say runs, so the
//             new release never goes into the colour that serves;
//   pre-flight on the configuration as it will run, while nothing has changed yet;
//   backup    of the data (prod), before anything can touch it;
//   record    the deploy as in progress, so a crash from here on is found by the next run;
//   start     the idle colour, pinned by digest, healthy before any traffic moves (dev: recreate);
//   switch    traffic (upstreams.caddy + a graceful caddy reload);
//   watch     the new colour for a while, and switch back when it fails;
//   record    the outcome. The old colour keeps running as the hot standby.











/** A deploy that rolled back: the CLI exits 1 with its message; the result is attached. */
class DeployRolledBackError extends Error {
    result;
    name = 'DeployRolledBackError';
    constructor(result) {
        super(`${result.env} ${result.version} was rolled back: ${result.reason ?? 'unhealthy'}`);
        this.result = result;
    }
}
const DEFAULT_WATCH_SECONDS = 60;
async function deploy(deps, options) {
    const run = { env: options.env, options, log: options.log ?? (() => { }), now: deps.now ?? (() => new Date()) };
    const release = await resolveRelease(deps.registry, run);
    const located = await projectPaths(deps.docker, options, run.env);
    const lock = options.dryRun ? undefined : await lockProject(located, `deploy ${run.env} ${release.version}`, options.lockTimeoutMs, run.log);
    try {
        return await deployLocked({ ...deps, docker: underLock(deps.docker, lock) }, run, release);
    }
    finally {
        await lock?.release();
    }
}
async function resolveRelease(registry, { env, options, log }) {
    const version = normalizeVersion(options.version, env);
    const image = parseImageName(options.image, '--image');
    const tag = version === undefined ? 'latest' : `v${version}`;
    log(`resolving ${image.name}:${tag}`);
    const ref = options.digest !== undefined ? { digest: options.digest } : await registry.resolveTag(image, tag);
    if (ref === null) {
        throw new InputError(version === undefined ? '--image' : '--version', version === undefined ? `${image.name}:latest` : options.version, `a version published as ${image.name}:${tag} in ${image.registry}`);
    }
    log(`${image.name}:${tag} is ${ref.digest}`);
    return { version: version ?? 'latest', image, digest: ref.digest, imageRef: env === 'prod' ? `${image.name}@${ref.digest}` : `${image.name}:${tag}` };
}
function normalizeVersion(version, env) {
    if (version === undefined) {
        if (env === 'prod')
            throw new InputError('--version', version ?? '', 'a release version X.Y.Z (vX.Y.Z) for a prod deploy');
        return undefined;
    }
    const v = version.trim().replace(/^v/, '');
    if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(v))
        throw new InputError('--version', version, 'a version X.Y.Z or vX.Y.Z');
    return v;
}
async function deployLocked(deps, run, release) {
    const { env, options, log } = run;
    // Read again under the lock: the deploy that held it may have changed the configuration.
    let paths = await projectPaths(deps.docker, options, env);
    const seen = await observeProd(deps.docker, paths);
    const repaired = await repairWorkspace(deps.docker, paths, seen, { log, write: !options.dryRun, imageName: release.image.name });
    if (repaired.envFileWritten)
        paths = await projectPaths(deps.docker, options, env);
    const state = await reconciledState(paths, env, seen, { at: run.now().toISOString(), log, write: !options.dryRun });
    const rollout = planRollout(paths, seen, run, release);
    const checks = await preflight(deps, paths, {
        env,
        image: release.image,
        digest: release.digest,
        variable: rollout.variable,
        value: release.imageRef,
        configDir: options.configDir,
        configEnv: options.configEnv ?? {},
        minFreeDiskBytes: options.minFreeDiskBytes,
    });
    for (const c of checks)
        log(checkLine(c));
    const planned = {
        env,
        version: release.version,
        digest: release.digest,
        imageRef: release.imageRef,
        previousVersion: state.environments[env].active?.version ?? null,
        rolledBack: false,
        outcome: 'planned',
        ...(rollout.colour ? { colour: rollout.colour } : {}),
        ...(rollout.url ? { url: rollout.url } : {}),
        checks,
        plan: rollout.plan,
        stateFile: paths.stateFile,
    };
    requirePreflightPassed(checks, env, release.version);
    if (options.dryRun)
        return planned;
    await options.onPreflightPassed?.(planned);
    return carryOut({ docker: deps.docker, paths, run, release, rollout }, state, planned);
}
/** The changes, from the backup on: each outcome is recorded, and a prod release that fails its health is rolled back. */
async function carryOut(step, reconciled, planned) {
    const { paths, run, release, rollout } = step;
    const backup = run.env === 'prod' ? await backUp(step) : undefined;
    const result = { ...planned, ...(backup ? { backup } : {}) };
    const record = await openRecord(step, reconciled);
    try {
        await writeFileAtomic(paths.envFile, setEnvLines(await (0,promises_namespaceObject.readFile)(paths.envFile, 'utf8').catch(() => ''), { [rollout.variable]: release.imageRef }));
        if (run.env === 'dev') {
            await recreate(step);
            await record.close('success', `${rollout.service} recreated with ${release.imageRef}`);
            run.log(`dev serves ${release.version} (${release.digest})`);
            return { ...result, outcome: 'success' };
        }
        await startNewColour(step, record, result);
        await switchTraffic(step);
        await watchNewColour(step, record, result);
        await record.close('success', `${rollout.service} serves ${release.version}; ${otherColour(rollout.colour)} is the hot standby`);
        run.log(`prod serves ${release.version} from ${rollout.colour}${rollout.url ? ` at ${rollout.url}` : ''}`);
        return { ...result, outcome: 'success' };
    }
    catch (error) {
        if (record.open)
            await record.close('failed', error instanceof Error ? deploy_firstLine(error.message) || 'failed' : String(error)).catch(() => undefined);
        throw error;
    }
}
function planRollout(paths, seen, { env, options }, release) {
    const firstDeploy = env === 'prod' && !seen.proxyUp;
    // Never the live colour (from the state and the containers, not upstreams.caddy); blue when none runs.
    const live = seen.live.live;
    const colour = env === 'prod' ? (live ? otherColour(live) : 'blue') : undefined;
    const service = colour ? colourService(colour) : DEV_SERVICE;
    const variable = colour ? colourImageVariable(colour) : 'SYNAPSE_DEV_IMAGE';
    const watchSeconds = options.watchSeconds ?? DEFAULT_WATCH_SECONDS;
    const setVariable = `${variable}=${release.imageRef} in ${paths.envFile}`;
    const plan = colour
        ? [
            `back up ${paths.dataDir}`,
            setVariable,
            `start ${service} (${release.version}) and wait for its health check`,
            ...(firstDeploy ? [`start the proxy ${PROXY_SERVICE}`] : []),
            `switch ${paths.upstreamsFile} to ${colour} first and reload Caddy`,
            `watch ${service} for ${watchSeconds} s; on failure switch back to ${otherColour(colour)}`,
        ]
        : [setVariable, `pull ${service}`, `recreate ${service} and wait for its health check`];
    return {
        colour,
        service,
        variable,
        firstDeploy,
        url: environmentUrl(paths.model, env),
        waitTimeoutSeconds: options.waitTimeoutSeconds ?? healthWaitSeconds(paths.model.services?.[service]?.healthcheck),
        watchSeconds,
        plan,
    };
}
async function backUp({ paths, release, run: { log } }) {
    const b = await backupDataDir({ dataDir: paths.dataDir, label: `v${release.version}`, log });
    log(`backed up ${paths.dataDir} to ${b.path}`);
    return b.path;
}
async function openRecord({ paths, release, rollout: { colour }, run: { env, now } }, reconciled) {
    const deployId = `${env}-${now().toISOString().replace(/[:.]/g, '')}-${(0,external_node_crypto_namespaceObject.randomBytes)(3).toString('hex')}`;
    let state = beginDeploy(reconciled, env, { deployId, version: release.version, digest: release.digest, ...(colour ? { colour } : {}), startedAt: now().toISOString(), pid: process.pid });
    await writeStateFile(paths.stateFile, state);
    return {
        get open() {
            return state.environments[env].deploying?.deployId === deployId;
        },
        async close(outcome, detail) {
            state = finishDeploy(state, env, outcome, { deployId, at: now().toISOString(), detail });
            await writeStateFile(paths.stateFile, state);
        },
    };
}
/** dev may restart briefly: it is pulled and recreated in place. */
async function recreate({ docker, paths, release, rollout, run: { log } }) {
    log(`pulling ${release.imageRef}`);
    await docker.run(pullArgs(paths.target, rollout.service));
    log(`recreating ${rollout.service}`);
    await docker.run(upServiceArgs(paths.target, rollout.service, rollout.waitTimeoutSeconds, { forceRecreate: true }));
}
async function startNewColour(step, record, result) {
    const { docker, paths, rollout: { service, waitTimeoutSeconds }, run: { log } } = step;
    log(`starting ${service} with ${result.imageRef} (waiting up to ${waitTimeoutSeconds} s for its health check)`);
    const failure = await startHealthy(docker, paths.target, service, waitTimeoutSeconds);
    if (failure === undefined)
        return;
    const tail = await healthTail(docker, paths.target, service, paths.model);
    log(`${service} did not become healthy; traffic stays where it is; stopping ${service}`);
    await stopFailed(step);
    await rollBack(record, result, `${service} did not become healthy within ${waitTimeoutSeconds} s (${failure})${tailText(tail)}`);
}
/**
 * No drain step: Caddy's reload is graceful (requests in flight finish on the old colour), and the
 * old colour keeps running as the hot standby, so an instant rollback is one more reload.
 */
async function switchTraffic({ docker, paths, rollout, run: { log } }) {
    const colour = rollout.colour;
    await writeFileAtomic(paths.upstreamsFile, upstreamsText([colour, otherColour(colour)]));
    if (rollout.firstDeploy) {
        log(`starting the proxy ${PROXY_SERVICE}`);
        await docker.run(upServiceArgs(paths.target, PROXY_SERVICE, healthWaitSeconds(paths.model.services?.[PROXY_SERVICE]?.healthcheck)));
    }
    else {
        log(`switching traffic to ${colour} (caddy reload)`);
        await docker.run(caddyReloadArgs(paths.target));
    }
}
async function watchNewColour(step, record, result) {
    const { docker, paths, rollout: { service, watchSeconds, firstDeploy }, run: { log } } = step;
    const colour = step.rollout.colour;
    log(`watching ${service} for ${watchSeconds} s`);
    const failure = await watch(docker, paths.target, service, paths.model, watchSeconds);
    if (failure === undefined)
        return;
    log(`${service} failed during the watch (${failure}); switching back to ${otherColour(colour)}`);
    await writeFileAtomic(paths.upstreamsFile, upstreamsText([otherColour(colour), colour]));
    if (!firstDeploy)
        await docker.run(caddyReloadArgs(paths.target));
    // Traffic first: the failed colour's log is collected once nothing is sent to it, before it stops.
    const tail = await healthTail(docker, paths.target, service, paths.model);
    await stopFailed(step);
    await rollBack(record, result, `${service} failed during the ${watchSeconds} s watch: ${failure}${tailText(tail)}`);
}
/** Best effort: traffic is already away from the failed colour, and the rollback must still be recorded. */
async function stopFailed({ docker, paths, rollout: { service }, run: { log } }) {
    await docker.run(stopArgs(paths.target, service, 5)).catch((e) => log(`stopping ${service} failed: ${e instanceof Error ? e.message : String(e)}`));
}
async function rollBack(record, result, reason) {
    await record.close('rolled-back', deploy_firstLine(reason));
    throw new DeployRolledBackError({ ...result, outcome: 'rolled-back', rolledBack: true, reason });
}
function tailText(tail) {
    return tail ? `\nhealth log:\n${tail}` : '';
}
function deploy_firstLine(text) {
    return text.split('\n')[0] ?? text;
}

;// CONCATENATED MODULE: external "node:os"
const external_node_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");
;// CONCATENATED MODULE: ./build/src/adapters/docker-credentials.js




/** Credentials were configured but could not be read; the message never holds a secret. */
class CredentialsError extends Error {
    name = 'CredentialsError';
}
// Docker keys Docker Hub's credentials by its v1 index URL, whatever name the image uses.
const dockerHubServer = 'https://index.docker.io/v1/';
const dockerHubHosts = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
// docker-credential-helpers' fixed answer when it has nothing for a server (any helper, any OS).
const notFoundMessage = 'credentials not found';
/**
 * Reads credentials the way the docker CLI does: a per-registry `credHelpers` entry wins, then the
 * global `credsStore`, then the base64 `auth` of `auths` in config.json. The file is read on each
 * call, so a `docker login` made meanwhile is seen.
 */
function dockerConfigCredentials(options = {}) {
    return {
        async get(registry) {
            const configDir = options.configDir ?? (process.env.DOCKER_CONFIG || (0,external_node_path_namespaceObject.join)((0,external_node_os_namespaceObject.homedir)(), '.docker'));
            const file = (0,external_node_path_namespaceObject.join)(configDir, 'config.json');
            const config = await readConfig(file);
            if (!config)
                return null;
            const server = serverAddress(registry);
            const helper = helperFor(config, registry, server, file);
            if (helper)
                return runHelper(helper, server, options.helperTimeoutMs ?? 30_000);
            return fromAuths(config, registry, file);
        },
    };
}
/** The address docker passes to helpers and uses as the `auths` key: the host, or Hub's index URL. */
function serverAddress(registry) {
    return dockerHubHosts.has(registry) ? dockerHubServer : registry;
}
async function readConfig(file) {
    let text;
    try {
        text = await (0,promises_namespaceObject.readFile)(file, 'utf8');
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return null;
        throw new CredentialsError(`cannot read ${file}: ${error.message}`);
    }
    let parsed;
    try {
        parsed = JSON.parse(text);
    }
    catch {
        // JSON.parse's own message quotes the text around the error, which may be an `auth` value.
        throw new CredentialsError(`${file} is not valid JSON; expected the docker CLI's config file (fix it, or run \`docker login\` again)`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new CredentialsError(`${file} holds ${Array.isArray(parsed) ? 'an array' : typeof parsed}; expected a JSON object as \`docker login\` writes it`);
    }
    return parsed;
}
/** The helper's name (`osxkeychain` for docker-credential-osxkeychain), or null to use `auths`. */
function helperFor(config, registry, server, file) {
    const helpers = config.credHelpers ?? {};
    const perRegistry = matchingKey(Object.keys(helpers), registry, server);
    const name = perRegistry === undefined ? config.credsStore : helpers[perRegistry];
    if (name === undefined || name === '')
        return null;
    if (typeof name !== 'string' || !/^[A-Za-z0-9][\w.-]*$/.test(name)) {
        throw new CredentialsError(`${file}: the credential helper for ${registry} is ${JSON.stringify(name)}; expected a helper name such as "osxkeychain" or "pass"`);
    }
    return name;
}
/** The key docker would use: exact match first, then any key whose host part is the registry's. */
function matchingKey(keys, registry, server) {
    const wanted = dockerHubHosts.has(registry) ? dockerHubHosts : new Set([registry]);
    return keys.find((key) => key === server || key === registry) ?? keys.find((key) => wanted.has(hostOf(key)));
}
/** `https://ghcr.io/v2/` → `ghcr.io`, as the docker CLI's ConvertToHostname does. */
function hostOf(key) {
    return key.replace(/^https?:\/\//, '').split('/')[0] ?? '';
}
function fromAuths(config, registry, file) {
    const auths = config.auths ?? {};
    const key = matchingKey(Object.keys(auths), registry, serverAddress(registry));
    const entry = key === undefined ? undefined : auths[key];
    if (!entry)
        return null;
    if (typeof entry.auth === 'string' && entry.auth !== '') {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon <= 0) {
            throw new CredentialsError(`${file}: auths["${key}"].auth is not base64 of "user:password"; run \`docker login ${registry}\` again`);
        }
        return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    // Older clients and other tools write the two fields apart.
    if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username !== '') {
        return { username: entry.username, password: entry.password };
    }
    // An empty entry is what `docker login` leaves beside a credential store: nothing here.
    return null;
}
/** Runs `docker-credential-<name> get` with the server on stdin, per the docker-credential-helpers protocol. */
function runHelper(name, server, timeoutMs) {
    const program = `docker-credential-${name}`;
    return new Promise((resolve, reject) => {
        const child = (0,external_node_child_process_namespaceObject.spawn)(program, ['get'], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (data) => (stdout += data));
        child.stderr.setEncoding('utf8').on('data', (data) => (stderr = (stderr + data).slice(-4096)));
        // A helper that exits before reading stdin makes the write fail; its exit status tells why.
        child.stdin.on('error', () => { });
        child.stdin.end(server);
        child.once('error', (error) => {
            // No such helper installed: docker itself then has nothing either, so neither do we.
            if (error.code === 'ENOENT')
                resolve(null);
            else
                reject(new CredentialsError(`${program} get could not run for ${server}: ${error.message}`));
        });
        child.once('close', (code, signal) => {
            if (code === 0) {
                try {
                    resolve(parseHelperOutput(program, server, stdout));
                }
                catch (error) {
                    reject(error);
                }
                return;
            }
            // Helpers print their error on stdout; on success stdout holds the secret, never quoted here.
            const said = docker_credentials_firstLine(stdout) || docker_credentials_firstLine(stderr);
            if (said.toLowerCase().includes(notFoundMessage)) {
                resolve(null);
                return;
            }
            const why = signal ? `was stopped (${signal}${signal === 'SIGTERM' ? `, no answer within ${timeoutMs}ms` : ''})` : `exited with ${code}`;
            reject(new CredentialsError(`${program} get ${why} for ${server}${said && !said.includes('Secret') ? `: ${said}` : ''}`));
        });
    });
}
function parseHelperOutput(program, server, stdout) {
    let parsed;
    try {
        parsed = JSON.parse(stdout);
    }
    catch {
        throw new CredentialsError(`${program} get answered for ${server} with something that is not JSON; expected {"Username": …, "Secret": …}`);
    }
    const { Username: username, Secret: password } = (typeof parsed === 'object' && parsed !== null ? parsed : {});
    if (typeof username !== 'string' || typeof password !== 'string') {
        throw new CredentialsError(`${program} get answered for ${server} without string "Username" and "Secret" fields`);
    }
    if (username === '' && password === '')
        return null;
    return { username, password };
}
function docker_credentials_firstLine(text) {
    return (text.trim().split('\n')[0] ?? '').trim().slice(0, 200);
}

;// CONCATENATED MODULE: ./build/src/adapters/host-probes.js






const execFileAsync = (0,external_node_util_namespaceObject.promisify)(external_node_child_process_namespaceObject.execFile);
async function readOptional(path) {
    try {
        return await (0,promises_namespaceObject.readFile)(path, 'utf8');
    }
    catch (error) {
        if (isErrno(error, 'ENOENT', 'ENOTDIR'))
            return undefined;
        throw error;
    }
}
function isErrno(error, ...codes) {
    return error instanceof Error && codes.includes(error.code ?? '');
}
function host_probes_lastLine(text) {
    return text.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';
}
function createHostProbes(options = {}) {
    const docker = options.docker ?? createDocker();
    const root = options.root ?? '/';
    const at = (path) => (0,external_node_path_namespaceObject.join)(root, path);
    const ssPath = options.ssPath ?? 'ss';
    async function memoryCgroup() {
        const procSelfCgroup = await (0,promises_namespaceObject.readFile)(at('proc/self/cgroup'), 'utf8');
        const procCgroups = await readOptional(at('proc/cgroups'));
        const controllers = (await readOptional(at('sys/fs/cgroup/cgroup.controllers'))) ?? (await readOptional(at('sys/fs/cgroup/unified/cgroup.controllers')));
        return parseMemoryCgroup({ procSelfCgroup, procCgroups, controllers });
    }
    async function engineInfo() {
        const { stdout } = await docker.run(['info', '--format', '{{.Architecture}}\t{{.OSType}}\t{{.MemoryLimit}}\t{{.DockerRootDir}}']);
        const [architecture = '', osType = '', memoryLimit = '', dockerRootDir = ''] = stdout.trim().split('\t');
        if (!architecture || !['true', 'false'].includes(memoryLimit)) {
            throw new Error(`docker info printed ${JSON.stringify(stdout.trim())}; expected ARCHITECTURE<TAB>OSTYPE<TAB>true|false<TAB>ROOTDIR`);
        }
        return { architecture, osType, memoryLimit: memoryLimit === 'true', dockerRootDir };
    }
    async function freeDisk(path) {
        const s = await (0,promises_namespaceObject.statfs)(path).catch((error) => {
            throw new Error(`free disk of ${path}: ${String(error)}; expected an existing path on the filesystem to check`, { cause: error });
        });
        return { path, availableBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    }
    async function listenersFromSs() {
        try {
            const { stdout } = await execFileAsync(ssPath, ['-ltnpH'], { maxBuffer: 16 * 1024 * 1024 });
            return parseSsListeners(stdout);
        }
        catch {
            return undefined;
        }
    }
    async function socketOwners(inodes) {
        const owners = new Map();
        const pids = (await (0,promises_namespaceObject.readdir)(at('proc'))).filter((name) => /^\d+$/.test(name));
        await Promise.all(pids.map(async (pid) => {
            let fds;
            try {
                fds = await (0,promises_namespaceObject.readdir)(at(`proc/${pid}/fd`));
            }
            catch {
                return; // another user's process, or gone
            }
            let name;
            for (const fd of fds) {
                const inode = socketInode(await (0,promises_namespaceObject.readlink)(at(`proc/${pid}/fd/${fd}`)).catch(() => ''));
                if (inode === undefined || !inodes.has(inode))
                    continue;
                name ??= ((await readOptional(at(`proc/${pid}/comm`))) ?? '?').trim();
                const list = owners.get(inode) ?? [];
                if (!list.some((p) => p.pid === Number(pid)))
                    list.push({ name, pid: Number(pid) });
                owners.set(inode, list);
            }
        }));
        return owners;
    }
    async function listenersFromProcFs() {
        const v4 = await readOptional(at('proc/net/tcp'));
        const v6 = await readOptional(at('proc/net/tcp6'));
        if (v4 === undefined && v6 === undefined)
            throw new Error(`neither ss nor ${at('proc/net/tcp')} is available; expected iproute2's ss or a /proc filesystem`);
        const entries = [...parseProcNetTcp(v4 ?? '', 4), ...parseProcNetTcp(v6 ?? '', 6)];
        const owners = await socketOwners(new Set(entries.map((e) => e.inode).filter((i) => i !== 0)));
        return listenersFromProc(entries, owners);
    }
    async function tcpListeners() {
        const fromSs = await listenersFromSs();
        if (fromSs)
            return { listeners: fromSs, source: 'ss' };
        return { listeners: await listenersFromProcFs(), source: 'proc' };
    }
    async function publishedPorts(project) {
        const { stdout } = await docker.run(psPortsArgs(project));
        return containersFromPs(stdout);
    }
    async function portState(wanted, project) {
        const [{ listeners }, containers] = await Promise.all([tcpListeners(), publishedPorts()]);
        return classifyPort(wanted, listeners, containers, project);
    }
    async function imagePlatforms(ref, where) {
        try {
            if (where === 'local') {
                const { stdout } = await docker.run(imageInspectPlatformArgs(ref));
                return { found: true, where, platforms: [parsePlatform(stdout.trim())] };
            }
            const { stdout } = await docker.run(imagetoolsRawArgs(ref));
            const platforms = platformsFromRawManifest(stdout) ?? platformsFromImageConfig((await docker.run(imagetoolsConfigArgs(ref))).stdout);
            return { found: true, where, platforms };
        }
        catch (error) {
            if (error instanceof DockerError)
                return { found: false, reason: host_probes_lastLine(error.stderr) || error.message };
            throw error;
        }
    }
    async function secretFile(path) {
        try {
            const s = await (0,promises_namespaceObject.stat)(path);
            if (s.isFile())
                return { kind: 'file', size: s.size };
            const type = s.isDirectory() ? 'directory' : s.isFIFO() ? 'named pipe' : s.isSocket() ? 'socket' : s.isCharacterDevice() || s.isBlockDevice() ? 'device' : 'special file';
            return { kind: 'not-a-file', type };
        }
        catch (error) {
            if (isErrno(error, 'ENOENT', 'ENOTDIR'))
                return { kind: 'missing' };
            return { kind: 'inaccessible', reason: error.code ?? String(error) };
        }
    }
    async function composeConfig(compose, runOptions = {}) {
        try {
            await docker.run(composeConfigArgs(compose), runOptions);
            return { ok: true };
        }
        catch (error) {
            if (error instanceof DockerError && error.exitCode !== null)
                return { ok: false, stderr: error.stderr };
            throw error;
        }
    }
    return { memoryCgroup, engineInfo, freeDisk, tcpListeners, publishedPorts, portState, imagePlatforms, secretFile, composeConfig };
}

;// CONCATENATED MODULE: ./build/src/core/oci-labels.js
const revisionLabel = 'org.opencontainers.image.revision';
/** OCI labels (and annotations: the same keys) for the per-platform manifests and the index. */
function ociLabels(facts, extra = {}) {
    const labels = {};
    for (const key of ['title', 'description', 'source', 'url', 'version', 'revision', 'created', 'licenses']) {
        const value = facts[key];
        if (value)
            labels[`org.opencontainers.image.${key}`] = value;
    }
    // Extra labels may add or override any fact but the revision: the registry checks (an immutable
    // tag re-run, `latest` only moving forward) read the commit from it.
    const merged = { ...labels, ...extra };
    if (facts.revision)
        merged[revisionLabel] = facts.revision;
    return merged;
}

;// CONCATENATED MODULE: ./build/src/adapters/retry.js
// The one place where HTTP adapters retry (modelled on actions/checkout's retry helper): a bounded
// attempt loop with exponential backoff, a server's own wait (Retry-After, a rate-limit reset)
// taking precedence, every wait capped, one log line per retry. What counts as retryable, what
// a failure is called and the final error stay with each adapter, which knows its API.
function retryPolicy(options, defaults) {
    return {
        attempts: (options.retries ?? defaults.retries) + 1,
        baseDelayMs: options.retryBaseDelayMs ?? defaults.baseDelayMs,
        maxDelayMs: options.maxRetryDelayMs ?? defaults.maxDelayMs,
        timeoutMs: options.requestTimeoutMs ?? defaults.timeoutMs,
    };
}
/**
 * The wait before the attempt after `attemptNumber` (1 for the first): the server's hint when it
 * gave one, else the base delay doubled per retry; never negative, at most `maxDelayMs`, whole ms.
 */
function retryDelayMs(policy, attemptNumber, hintMs) {
    const backoff = policy.baseDelayMs * 2 ** (attemptNumber - 1);
    return Math.round(Math.min(Math.max(hintMs ?? backoff, 0), policy.maxDelayMs));
}
/** Retry-After is either delay-seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header, now = Date.now()) {
    if (header === undefined || header === null || header.trim() === '')
        return undefined;
    const seconds = Number(header);
    if (Number.isFinite(seconds))
        return seconds * 1000;
    const date = Date.parse(header);
    return Number.isNaN(date) ? undefined : date - now;
}
/** `250ms`, `1s`, `1.5s`. */
function formatDelay(ms) {
    return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(1))}s`;
}
const sleepFor = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * Runs `attempt` until it resolves, each time with a signal that aborts after `policy.timeoutMs`.
 * A failure the handlers deem retryable is logged as
 * `<summary>, retrying in 1s (attempt 2 of 4)` and retried after the delay, while attempts remain.
 */
async function withRetries(policy, attempt, handlers) {
    const sleep = handlers.sleep ?? sleepFor;
    for (let attemptNumber = 1;; attemptNumber++) {
        try {
            return await attempt(AbortSignal.timeout(policy.timeoutMs));
        }
        catch (error) {
            const failure = handlers.classify(error);
            if (!failure.retryable || attemptNumber >= policy.attempts)
                throw handlers.giveUp(failure, attemptNumber);
            const delayMs = retryDelayMs(policy, attemptNumber, failure.delayHintMs);
            handlers.log(`${failure.summary}, retrying in ${formatDelay(delayMs)} (attempt ${attemptNumber + 1} of ${policy.attempts})`);
            await sleep(delayMs);
        }
    }
}

;// CONCATENATED MODULE: ./build/src/adapters/registry.js





/** A registry call that failed for good; the message never contains a password or token. */
class RegistryError extends Error {
    status;
    call;
    name = 'RegistryError';
    constructor(message, 
    /** HTTP status of the last answer, or undefined when none arrived. */
    status, 
    /** e.g. "HEAD /v2/owner/app/manifests/v1.0.0" */
    call) {
        super(message);
        this.status = status;
        this.call = call;
    }
}
const mediaTypes = {
    ociIndex: 'application/vnd.oci.image.index.v1+json',
    ociManifest: 'application/vnd.oci.image.manifest.v1+json',
    dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
    dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
};
const manifestAccept = [mediaTypes.ociIndex, mediaTypes.ociManifest, mediaTypes.dockerManifestList, mediaTypes.dockerManifest].join(', ');
const indexTypes = new Set([mediaTypes.ociIndex, mediaTypes.dockerManifestList]);
const imageManifestTypes = new Set([mediaTypes.ociManifest, mediaTypes.dockerManifest]);
// The distribution spec lets registries refuse manifests over 4 MiB; config blobs are small JSON.
// Anything far bigger is not what we asked for and is not read into memory.
const maxBodyBytes = 16 * 1024 * 1024;
const digestPattern = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/** The base URL of a registry's API: plain http for loopback, as Docker treats those as insecure. */
function registryBaseUrl(registry) {
    if (registry === 'docker.io' || registry === 'index.docker.io')
        return 'https://registry-1.docker.io';
    return `${isLoopbackHost(registry) ? 'http' : 'https'}://${registry}`;
}
/** `localhost`, 127.0.0.0/8 or [::1], with or without a port. */
function isLoopbackHost(hostWithPort) {
    const host = hostWithPort.startsWith('[') ? hostWithPort.slice(0, hostWithPort.indexOf(']') + 1) : hostWithPort.replace(/:\d+$/, '');
    return host === 'localhost' || host === '[::1]' || /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(host);
}
/** Parses a WWW-Authenticate header (RFC 9110 §11.6.1), which may hold several challenges. */
function parseAuthChallenges(header) {
    const challenges = [];
    const token = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
    let at = 0;
    const skip = (pattern) => {
        while (at < header.length && pattern.test(header[at]))
            at++;
    };
    while (at < header.length) {
        skip(/[\s,]/);
        token.lastIndex = at;
        const name = token.exec(header)?.[0];
        if (name === undefined)
            break;
        at += name.length;
        skip(/\s/);
        if (header[at] !== '=') {
            challenges.push({ scheme: name.toLowerCase(), params: {} });
            continue;
        }
        at++;
        skip(/\s/);
        let value = '';
        if (header[at] === '"') {
            for (at++; at < header.length && header[at] !== '"'; at++)
                value += header[at] === '\\' ? (header[++at] ?? '') : header[at];
            at++;
        }
        else {
            const end = header.slice(at).search(/[\s,]/);
            value = end === -1 ? header.slice(at) : header.slice(at, at + end);
            at += value.length;
        }
        const current = challenges.at(-1);
        if (current)
            current.params[name.toLowerCase()] = value;
    }
    return challenges;
}
function createRegistryClient(options = {}) {
    const policy = retryPolicy(options, { retries: 3, baseDelayMs: 500, maxDelayMs: 10_000, timeoutMs: 30_000 });
    // Every password, basic string and token the client handles, so no message can carry one.
    // Strings under 4 characters are skipped: masking them would garble messages, not protect anything.
    const secrets = new Set();
    const keepSecret = (secret) => {
        if (secret.length >= 4)
            secrets.add(secret);
    };
    const redact = (text) => [...secrets].reduce((out, secret) => out.replaceAll(secret, '***'), text);
    const log = (line) => options.log?.(redact(line));
    const fail = (message, status, call) => new RegistryError(redact(message), status, call);
    const http = { policy, log, fail };
    /** Authorization header values by registry and scope, for the client's life. */
    const authorizations = new Map();
    const credentialLookups = new Map();
    function credentialsFor(registry) {
        let lookup = credentialLookups.get(registry);
        if (!lookup) {
            lookup = (options.credentials?.get(registry) ?? Promise.resolve(null)).then((found) => {
                if (found) {
                    keepSecret(found.password);
                    keepSecret(basic(found).slice('Basic '.length));
                }
                return found;
            });
            credentialLookups.set(registry, lookup);
        }
        return lookup;
    }
    /** One call of the registry API, authenticating as the registry asks; 401/403 throw. */
    async function send(image, request) {
        const { method, path, access = 'pull' } = request;
        const scope = `repository:${image.repository}:${access === 'push' ? 'pull,push' : 'pull'}`;
        const key = `${image.registry} ${scope}`;
        const call = `${method} ${path}`;
        const url = registryBaseUrl(image.registry) + path;
        const headers = (authorization) => ({
            ...(request.accept && { accept: request.accept }),
            ...(request.contentType && { 'content-type': request.contentType }),
            ...(authorization && { authorization }),
        });
        const where = `registry ${image.registry}`;
        let reply = await exchange(http, where, call, url, method, headers(authorizations.get(key)), request.body);
        // A 401 with a cached token means it expired: challenge again, once.
        if (reply.status === 401) {
            const authorization = await authenticate(image, scope, reply.headers.get('www-authenticate') ?? '', access);
            authorizations.set(key, authorization);
            reply = await exchange(http, where, call, url, method, headers(authorization), request.body);
        }
        if (reply.status === 401 || reply.status === 403) {
            throw await notAuthorized(image, access, reply.status, call);
        }
        return reply;
    }
    async function notAuthorized(image, access, status, call) {
        const had = await credentialsFor(image.registry).catch(() => null);
        const login = image.registry === 'docker.io' ? 'docker login' : `docker login ${image.registry}`;
        const why = had
            ? `the credentials for ${image.registry} were refused${access === 'push' ? ', or may not push to this repository' : ''}`
            : `no credentials for ${image.registry} were found`;
        const what = access === 'push' ? `push to ${image.name}` : `read ${image.name}`;
        return fail(`not authorized to ${what}: run \`${login}\` (${why})`, status, call);
    }
    /** The Authorization header value that answers the registry's challenge. */
    async function authenticate(image, scope, header, access) {
        const challenges = parseAuthChallenges(header);
        const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
        if (bearer)
            return bearerToken(image, scope, bearer.params, access);
        if (challenges.some((challenge) => challenge.scheme === 'basic')) {
            const credentials = await credentialsFor(image.registry);
            if (!credentials)
                throw await notAuthorized(image, access, 401);
            return basic(credentials);
        }
        const offered = challenges.map((challenge) => challenge.scheme).join(', ') || 'no WWW-Authenticate challenge';
        throw fail(`registry ${image.registry} asked for authentication (${offered}); expected a Bearer or Basic challenge`, 401);
    }
    /** The token flow of the distribution spec: GET realm?service&scope, with Basic when we have credentials. */
    async function bearerToken(image, scope, params, access) {
        let realm;
        try {
            realm = new URL(params.realm ?? '');
            if (realm.protocol !== 'https:' && realm.protocol !== 'http:')
                throw new Error('not http(s)');
        }
        catch {
            throw fail(`registry ${image.registry} sent a Bearer challenge whose realm ${JSON.stringify(params.realm ?? '')} is not an http(s) URL`, 401);
        }
        if (params.service !== undefined)
            realm.searchParams.set('service', params.service);
        realm.searchParams.set('scope', scope);
        const credentials = await credentialsFor(image.registry);
        if (credentials && realm.protocol === 'http:' && !isLoopbackHost(realm.host)) {
            throw fail(`registry ${image.registry} sent its token realm over plain http (${realm.origin}); refusing to send credentials there`, 401);
        }
        const where = `token server ${realm.host}`;
        const call = `GET ${realm.pathname}`;
        const reply = await exchange(http, where, call, realm.href, 'GET', credentials ? { authorization: basic(credentials) } : {});
        if (reply.status === 401 || reply.status === 403)
            throw await notAuthorized(image, access, reply.status, call);
        if (reply.status !== 200)
            throw unexpected(where, call, reply);
        const body = parseJson(reply.body);
        const token = [body?.token, body?.access_token].find((value) => typeof value === 'string' && value !== '');
        if (token === undefined)
            throw fail(`${where} answered ${call} without a "token" or "access_token"`, reply.status, call);
        keepSecret(token);
        return `Bearer ${token}`;
    }
    function unexpected(where, call, reply) {
        return fail(`${where} answered ${statusText(reply)} to ${call}${errorDetail(reply)}`, reply.status, call);
    }
    async function resolveTag(image, tag) {
        if (!isValidTag(tag))
            throw new InputError('tag', tag, 'a tag of letters, digits, _ . and - (at most 128, not starting with . or -)');
        const path = `/v2/${image.repository}/manifests/${tag}`;
        const reply = await send(image, { method: 'HEAD', path, accept: manifestAccept });
        if (reply.status === 404)
            return null;
        if (reply.status !== 200)
            throw unexpected(`registry ${image.registry}`, `HEAD ${path}`, reply);
        const digest = reply.headers.get('docker-content-digest');
        const mediaType = contentType(reply);
        if (digest && digestPattern.test(digest) && mediaType)
            return { digest, mediaType };
        // The spec only says SHOULD for both headers on HEAD: read the manifest and hash it instead.
        const manifest = await getManifest(image, tag, undefined);
        return { digest: manifest.digest, mediaType: manifest.mediaType };
    }
    /** GET a manifest by tag or digest; the content is checked against the digest asked or announced. */
    async function getManifest(image, reference, expectedDigest, access = 'pull') {
        const path = `/v2/${image.repository}/manifests/${reference}`;
        const reply = await send(image, { method: 'GET', path, accept: manifestAccept, access });
        if (reply.status !== 200)
            throw unexpected(`registry ${image.registry}`, `GET ${path}`, reply);
        const announced = reply.headers.get('docker-content-digest') ?? undefined;
        const digest = verifiedDigest(reply.body, expectedDigest ?? announced, `${image.name}@${reference}`);
        const json = parseJson(reply.body);
        if (typeof json !== 'object' || json === null)
            throw fail(`registry ${image.registry} answered GET ${path} with a body that is not a JSON manifest`, 200, `GET ${path}`);
        const body = json;
        const mediaType = (typeof body.mediaType === 'string' && body.mediaType) || contentType(reply) || (Array.isArray(body.manifests) ? mediaTypes.ociIndex : mediaTypes.ociManifest);
        return { digest, mediaType, body, bytes: reply.body };
    }
    async function getConfigBlob(image, digest) {
        const path = `/v2/${image.repository}/blobs/${digest}`;
        const reply = await send(image, { method: 'GET', path });
        if (reply.status !== 200)
            throw unexpected(`registry ${image.registry}`, `GET ${path}`, reply);
        verifiedDigest(reply.body, digest, `${image.name}@${digest}`);
        return parseJson(reply.body);
    }
    /** Rejects content that is not what was asked for: fail closed rather than trust a bad answer. */
    function verifiedDigest(body, expected, what) {
        const sha256 = `sha256:${(0,external_node_crypto_namespaceObject.createHash)('sha256').update(body).digest('hex')}`;
        if (expected === undefined)
            return sha256;
        const algorithm = expected.slice(0, expected.indexOf(':'));
        if (algorithm !== 'sha256' && algorithm !== 'sha512')
            return expected;
        const actual = algorithm === 'sha256' ? sha256 : `sha512:${(0,external_node_crypto_namespaceObject.createHash)('sha512').update(body).digest('hex')}`;
        if (actual !== expected)
            throw fail(`the registry sent content for ${what} whose digest is ${actual}, not ${expected}`);
        return expected;
    }
    function descriptorDigest(image, descriptor, what) {
        const digest = descriptor?.digest;
        if (typeof digest !== 'string' || !digestPattern.test(digest)) {
            throw fail(`${image.name}: ${what} has no valid digest (${JSON.stringify(digest)}); expected algorithm:hex such as sha256:…`);
        }
        return digest;
    }
    async function revisionOf(image, tag) {
        // HEAD first, so that 404 on it stays the one answer meaning "no such tag"; then read by
        // digest, so that the content is the very one whose digest is reported even if the tag moves.
        const ref = await resolveTag(image, tag);
        if (!ref)
            return null;
        const top = await getManifest(image, ref.digest, ref.digest);
        const fromTop = annotation(top.body);
        if (fromTop !== null)
            return { digest: ref.digest, revision: fromTop };
        let manifest = top;
        if (indexTypes.has(top.mediaType)) {
            const entries = Array.isArray(top.body.manifests) ? top.body.manifests : [];
            const first = entries.find(isPlatformManifest);
            if (!first)
                return { digest: ref.digest, revision: null };
            const digest = descriptorDigest(image, first, `the first platform manifest of ${tag}`);
            manifest = await getManifest(image, digest, digest);
            const fromManifest = annotation(manifest.body);
            if (fromManifest !== null)
                return { digest: ref.digest, revision: fromManifest };
        }
        if (!imageManifestTypes.has(manifest.mediaType)) {
            throw fail(`${image.name}:${tag} leads to a manifest of type ${manifest.mediaType}; expected an image manifest (${[...imageManifestTypes].join(' or ')})`);
        }
        const configDigest = descriptorDigest(image, manifest.body.config, `the config of ${manifest.digest}`);
        const config = (await getConfigBlob(image, configDigest));
        const label = config?.config?.Labels?.[revisionLabel];
        return { digest: ref.digest, revision: typeof label === 'string' && label !== '' ? label : null };
    }
    async function platformsOf(image, digest) {
        const top = await getManifest(image, digest, digest);
        const entries = indexTypes.has(top.mediaType) ? (top.body.manifests ?? []).filter(isPlatformManifest) : [{ digest, platform: undefined }];
        const sizes = [];
        for (const entry of entries) {
            const entryDigest = descriptorDigest(image, entry, `a platform manifest of ${digest}`);
            const manifest = entryDigest === digest ? top : await getManifest(image, entryDigest, entryDigest);
            const parts = [manifest.body.config, ...(manifest.body.layers ?? [])];
            const size = parts.reduce((sum, part) => sum + (typeof part?.size === 'number' ? part.size : 0), 0);
            const p = entry.platform;
            const platform = p ? [p.os, p.architecture, p.variant].filter((x) => typeof x === 'string' && x).join('/') : 'unknown';
            sizes.push({ platform, digest: entryDigest, size });
        }
        return sizes;
    }
    async function pointTag(image, tag, digest) {
        if (!isValidTag(tag))
            throw new InputError('tag', tag, 'a tag of letters, digits, _ . and - (at most 128, not starting with . or -)');
        if (!digestPattern.test(digest))
            throw new InputError('digest', digest, 'a digest such as sha256:<64 hex digits>');
        // Read with the push scope too: one token serves both calls, and a registry that will not let
        // us push says so before anything is written.
        const manifest = await getManifest(image, digest, digest, 'push');
        const path = `/v2/${image.repository}/manifests/${tag}`;
        const call = `PUT ${path}`;
        const reply = await send(image, { method: 'PUT', path, access: 'push', body: manifest.bytes, contentType: manifest.mediaType });
        if (reply.status !== 201 && reply.status !== 200)
            throw unexpected(`registry ${image.registry}`, call, reply);
        // The spec does not make the header a MUST on PUT: without it, ask where the tag now points.
        const stored = reply.headers.get('docker-content-digest') ?? (await resolveTag(image, tag))?.digest;
        if (stored !== digest) {
            throw fail(`registry ${image.registry} stored ${image.name}:${tag} as ${stored ?? 'nothing'} after ${call} of the bytes of ${digest}; expected it to keep that digest`, reply.status, call);
        }
        return { digest, mediaType: manifest.mediaType };
    }
    return { resolveTag, revisionOf, platformsOf, pointTag };
}
function annotation(body) {
    const value = body.annotations?.[revisionLabel];
    return typeof value === 'string' && value !== '' ? value : null;
}
/** buildx lists attestations (provenance, SBOM) as `unknown/unknown` manifests in the index. */
function isPlatformManifest(entry) {
    if (entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')
        return false;
    return !(entry.platform?.os === 'unknown' && entry.platform.architecture === 'unknown');
}
function basic(credentials) {
    return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}
function parseJson(body) {
    try {
        return JSON.parse(body.toString('utf8'));
    }
    catch {
        return undefined;
    }
}
function contentType(reply) {
    return reply.headers.get('content-type')?.split(';')[0]?.trim() || undefined;
}
function statusText(reply) {
    return `${reply.status}${reply.statusText ? ` ${reply.statusText}` : ''}`;
}
/** The distribution spec's error body, `{"errors":[{"code","message"}]}`, as one short line. */
function errorDetail(reply) {
    const body = parseJson(reply.body);
    const errors = Array.isArray(body?.errors) ? body.errors : [];
    const text = errors
        .map((error) => [error.code, error.message].filter((part) => typeof part === 'string' && part !== '').join(': '))
        .filter((line) => line !== '')
        .join('; ');
    return text ? `: ${text.slice(0, 300)}` : '';
}
/** Thrown inside an attempt so that the shared loop retries an answer with a retryable status. */
class RetryableReply {
    reply;
    constructor(reply) {
        this.reply = reply;
    }
}
/**
 * One request, retried on 5xx, 429, network errors and timeouts with exponential backoff; any
 * other status is returned for the caller to judge. The body is read inside the attempt, so a
 * connection cut mid-body is retried too.
 */
function exchange(http, where, call, url, method, headers, body) {
    return withRetries(http.policy, async (signal) => {
        const response = await fetch(url, { method, headers, signal, ...(body && { body }) });
        // On HEAD, Content-Length is the manifest's size and no body follows.
        const length = method === 'HEAD' ? 0 : Number(response.headers.get('content-length') ?? 0);
        if (length > maxBodyBytes) {
            await response.body?.cancel();
            throw http.fail(`${where} answered ${call} with ${length} bytes; expected a manifest or config of at most ${maxBodyBytes}`, response.status, call);
        }
        const reply = { status: response.status, statusText: response.statusText, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
        if (isRetryable(reply.status))
            throw new RetryableReply(reply);
        return reply;
    }, {
        classify: (error) => {
            const reply = error instanceof RetryableReply ? error.reply : undefined;
            const what = reply ? statusText(reply) : networkFailure(error, http.policy.timeoutMs);
            return {
                what,
                status: reply?.status,
                error,
                summary: `${where}: ${what} on ${call}`,
                retryable: !(error instanceof RegistryError),
                delayHintMs: retryAfterMs(reply?.headers.get('retry-after')),
            };
        },
        giveUp: (failure, attempts) => failure.retryable ? http.fail(`${where} did not answer ${call} after ${attempts} attempts (last: ${failure.what})`, failure.status, call) : failure.error,
        log: http.log,
    });
}
function isRetryable(status) {
    return status >= 500 || status === 429;
}
/** fetch reports "fetch failed" with the reason in `cause` (ECONNREFUSED, ECONNRESET…). */
function networkFailure(error, timeoutMs) {
    if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError'))
        return `no answer within ${formatDelay(timeoutMs)}`;
    const cause = error?.cause;
    if (typeof cause?.code === 'string')
        return cause.code;
    if (typeof cause?.message === 'string')
        return cause.message;
    return error instanceof Error ? error.message : String(error);
}

;// CONCATENATED MODULE: ./build/src/core/deploy-timings.js

/**
 * Seconds ≥ 0, checked and converted for the deploy flow; `names` are what the caller calls them
 * (`--watch` or `watch-seconds`), for the error. compose's `--wait-timeout` takes whole seconds ≥ 1.
 */
function deployTimings(raw, names) {
    const seconds = (text, name) => {
        if (text === undefined || text === '')
            return undefined;
        const n = Number(text);
        if (!Number.isFinite(n) || n < 0)
            throw new InputError(name, text, 'a number of seconds >= 0');
        return n;
    };
    const watch = seconds(raw.watch, names.watch);
    const lockTimeout = seconds(raw.lockTimeout, names.lockTimeout);
    const waitTimeout = seconds(raw.waitTimeout, names.waitTimeout);
    return {
        ...(watch !== undefined ? { watchSeconds: watch } : {}),
        ...(lockTimeout !== undefined ? { lockTimeoutMs: lockTimeout * 1000 } : {}),
        ...(waitTimeout !== undefined ? { waitTimeoutSeconds: Math.max(1, Math.ceil(waitTimeout)) } : {}),
    };
}

;// CONCATENATED MODULE: ./build/src/cli/deploy-options.js







// The flags `deploy`, `switch` and `rollback` share, and how they map to the flows: one place, as
// src/actions/deploy-inputs.ts is for the actions.
const composeOptions = {
    compose: { type: 'string', placeholder: 'FILE', help: 'the compose file (default compose/docker-compose.yml)' },
    project: { type: 'string', placeholder: 'NAME', help: 'the compose project (default synapse)' },
    'env-file': { type: 'string', placeholder: 'FILE', help: 'the compose variables file (default .env beside the compose file)' },
    'data-dir': { type: 'string', placeholder: 'DIR', help: 'the data directory (default: the one the compose file mounts); the state file sits beside it' },
};
const timingOptions = {
    watch: { type: 'string', placeholder: 'SECONDS', help: 'how long prod watches a new release after the switch (default 60)' },
    'wait-timeout': { type: 'string', placeholder: 'SECONDS', help: 'health wait of a new release (default: from its healthcheck)' },
    'lock-timeout': { type: 'string', placeholder: 'SECONDS', help: 'how long to wait for another deploy (default 600)' },
};
function composeTargetFromArgs(args, io) {
    const envFile = stringValue(args, 'env-file');
    const dataDir = stringValue(args, 'data-dir');
    return {
        composeFile: (0,external_node_path_namespaceObject.resolve)(io.cwd, stringValue(args, 'compose') ?? 'compose/docker-compose.yml'),
        project: stringValue(args, 'project') ?? 'synapse',
        ...(envFile ? { envFile: (0,external_node_path_namespaceObject.resolve)(io.cwd, envFile) } : {}),
        ...(dataDir ? { dataDir: (0,external_node_path_namespaceObject.resolve)(io.cwd, dataDir) } : {}),
    };
}
function timingsFromArgs(args) {
    return deployTimings({ watch: stringValue(args, 'watch'), lockTimeout: stringValue(args, 'lock-timeout'), waitTimeout: stringValue(args, 'wait-timeout') }, { watch: '--watch', lockTimeout: '--lock-timeout', waitTimeout: '--wait-timeout' });
}
/** The engine, the registry (with `docker login`'s credentials) and the host probes a deploy uses. */
function deployDeps(log) {
    const docker = createDocker();
    return { docker, registry: createRegistryClient({ credentials: dockerConfigCredentials(), log }), probes: createHostProbes({ docker }) };
}

;// CONCATENATED MODULE: ./build/src/cli/commands/deploy.js






const deployCommand = {
    name: 'deploy',
    summary: 'Deploy a release: prod blue/green behind Caddy with health checks and automatic rollback, dev by recreate.',
    usage: 'release-flow deploy --env dev|prod --image NAME [--version vX.Y.Z] [--compose FILE] [--project NAME] [--data-dir DIR] [--watch SECONDS] [--json] [--dry-run]',
    options: {
        env: { type: 'string', placeholder: 'ENV', help: 'dev or prod' },
        version: { type: 'string', placeholder: 'vX.Y.Z', help: 'the release (required for prod; dev follows latest)' },
        image: { type: 'string', placeholder: 'NAME', help: 'the image without tag, e.g. ghcr.io/owner/synapse (default $RELEASE_FLOW_IMAGE)' },
        ...composeOptions,
        ...timingOptions,
        'dry-run': { type: 'boolean', help: 'resolve and run the pre-flight, print the plan, change nothing' },
        ...jsonOption,
    },
    async run(args, io) {
        const env = parseEnvironment(stringValue(args, 'env'), '--env');
        const image = stringValue(args, 'image') ?? io.env.RELEASE_FLOW_IMAGE;
        if (!image)
            throw new InputError('--image', '', 'the image name without tag, e.g. ghcr.io/owner/synapse');
        const json = flag(args, 'json');
        const log = (line) => io.stderr(`${line}\n`);
        let result;
        let code = 0;
        try {
            result = await deploy(deployDeps(log), {
                env,
                version: stringValue(args, 'version'),
                image,
                ...composeTargetFromArgs(args, io),
                ...timingsFromArgs(args),
                dryRun: flag(args, 'dry-run'),
                log,
            });
        }
        catch (error) {
            if (!(error instanceof DeployRolledBackError))
                throw error;
            result = error.result;
            code = 1;
            io.stderr(`release-flow deploy: ${error.message}\n`);
        }
        if (json) {
            io.stdout(`${JSON.stringify(outputs(result))}\n`);
        }
        else if (result.outcome === 'planned') {
            io.stdout([`Plan for ${env} ${result.version} (${result.imageRef}), nothing changed:`, ...result.plan.map((p) => `  - ${p}`)].join('\n') + '\n');
        }
        else {
            const lines = Object.entries(outputs(result)).map(([k, v]) => `${k}=${v ?? ''}`);
            io.stdout(lines.join('\n') + '\n');
        }
        return code;
    },
};
/** The outputs of a deploy, as the action sets them. */
function outputs(r) {
    return {
        env: r.env,
        version: r.version,
        digest: r.digest,
        'previous-version': r.previousVersion,
        'rolled-back': r.rolledBack,
        outcome: r.outcome,
        url: r.url ?? null,
        colour: r.colour ?? null,
        ...(r.outcome === 'planned' ? { plan: r.plan, checks: r.checks } : {}),
    };
}

;// CONCATENATED MODULE: external "node:fs"
const external_node_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");
;// CONCATENATED MODULE: ./build/src/core/platforms.js

/** What buildx and QEMU can build here and a Raspberry Pi or a cloud runner can run. */
const knownPlatforms = [
    'linux/amd64',
    'linux/arm64',
    'linux/arm/v7',
    'linux/arm/v6',
    'linux/386',
    'linux/ppc64le',
    'linux/s390x',
    'linux/riscv64',
];
const defaultPlatforms = ['linux/amd64', 'linux/arm64'];
/** Parses `linux/amd64,linux/arm64` (commas or newlines); an unknown platform is bad input. */
function parsePlatforms(text, input = 'platforms') {
    const platforms = text.split(/[,\n]/).map((p) => p.trim()).filter(Boolean);
    if (platforms.length === 0)
        return [...defaultPlatforms];
    for (const platform of platforms) {
        const normalized = platform === 'linux/arm64/v8' ? 'linux/arm64' : platform;
        if (!knownPlatforms.includes(normalized)) {
            throw new InputError(input, platform, `platforms among ${knownPlatforms.join(', ')}`);
        }
    }
    return [...new Set(platforms.map((p) => (p === 'linux/arm64/v8' ? 'linux/arm64' : p)))];
}

;// CONCATENATED MODULE: ./build/src/core/image-settings.js




const cacheModes = ['registry', 'gha', 'none'];
function imageSettings(raw, names) {
    if (!raw.image)
        throw new InputError(names.image, raw.image ?? '', 'an image name such as ghcr.io/owner/synapse');
    const image = parseImageName(raw.image, names.image);
    const version = raw.version?.trim() || '';
    if (version && raw.main)
        throw new InputError(names.main, true, `either ${names.version} or ${names.main}, not both`);
    if (!version && !raw.main)
        throw new InputError(names.version, '', `a release version such as 1.4.0, or ${names.main} for a build of main`);
    // semver.valid takes one optional leading `v`: `1.4.0` and `v1.4.0`, not `vv1.4.0` or `V1.4.0`.
    const valid = version ? node_modules_semver.valid(version) : null;
    if (version && !valid) {
        throw new InputError(names.version, version, 'a semantic version such as 1.4.0 or v1.4.0 (the version action\'s output)');
    }
    const target = valid ? { kind: 'version', version: valid } : { kind: 'main' };
    const cache = (raw.cache?.trim() || 'registry');
    if (!cacheModes.includes(cache))
        throw new InputError(names.cache, raw.cache, `one of ${cacheModes.join(', ')}`);
    return {
        image,
        target,
        platforms: parsePlatforms(raw.platforms ?? '', names.platforms),
        cache,
        buildArgs: keyValues(raw.buildArgs, names.buildArgs),
        labels: keyValues(raw.labels, names.labels),
    };
}
/** A repeated CLI flag gives one pair per entry, so `--label 'd=Hello, world'` keeps its comma. */
function keyValues(raw, input) {
    if (Array.isArray(raw))
        return Object.assign({}, ...raw.map((entry) => parseKeyValues(entry, input, { lines: true })));
    return parseKeyValues(raw ?? '', input);
}
/**
 * `KEY=VALUE` per line: build args, labels, secrets. Without newlines, commas also separate entries
 * (`A=1,B=2`), except for `lines: true`, which is for secrets: their values may hold commas, and a
 * bad entry is named by its line number, never by its text (it may be a secret's value).
 */
function parseKeyValues(text, input, options = {}) {
    const entries = text.includes('\n') || options.lines ? text.split('\n') : text.split(',');
    const values = {};
    for (const [index, raw] of entries.entries()) {
        const entry = raw.trim();
        if (!entry)
            continue;
        const eq = entry.indexOf('=');
        if (eq <= 0) {
            const shown = options.lines ? `line ${index + 1} (its text is not shown: it may hold a secret)` : entry;
            throw new InputError(input, shown, 'KEY=VALUE entries, one per line');
        }
        values[entry.slice(0, eq).trim()] = entry.slice(eq + 1);
    }
    return values;
}

;// CONCATENATED MODULE: ./build/src/core/buildx.js

const cacheTag = 'buildcache';
/**
 * The argv of `docker buildx build` for a request: a pure function, so every flag is tested with
 * tables and the build runs in exactly one place (the docker adapter).
 *
 * A pushed build goes out under its immutable tag only; the moving tags are pointed at its digest
 * afterwards, so a failure part-way never leaves a moving tag on an image with no version tag. (The
 * registry shows a tag only once the whole index is uploaded. buildx's push-by-digest would avoid
 * even that tag, but the docker driver, the one that needs no builder image, does not implement it.)
 */
function buildxBuildArgs(req) {
    const args = ['buildx', 'build', '--platform', req.platforms.join(','), '--metadata-file', req.metadataFile];
    // buildx reads a relative --file from its working directory, not from the context.
    if (req.file)
        args.push('--file', (0,external_node_path_namespaceObject.isAbsolute)(req.file) ? req.file : (0,external_node_path_namespaceObject.join)(req.context, req.file));
    if (req.target)
        args.push('--target', req.target);
    for (const [key, value] of Object.entries(req.buildArgs))
        args.push('--build-arg', `${key}=${value}`);
    for (const secret of req.secrets)
        args.push('--secret', `id=${secret.id},env=${secret.env}`);
    // On the per-platform manifests and on the index, as the OCI image spec reads them. A build for
    // one platform has no index of its own, and BuildKit fails the export ("index annotations not
    // supported for single platform export") when asked for one.
    // One flag per level: buildx before 0.14 (Debian's 0.13 among them) reads `index,manifest:` as
    // part of the key.
    const levels = req.platforms.length > 1 ? ['index', 'manifest'] : ['manifest'];
    for (const [key, value] of Object.entries(req.labels)) {
        args.push('--label', `${key}=${value}`);
        for (const level of levels)
            args.push('--annotation', `${level}:${key}=${value}`);
    }
    args.push(`--provenance=${req.provenance}`, '--sbom=false');
    args.push(...cacheArgs(req.image, req.cache, req.push));
    for (const tag of req.tags)
        args.push('--tag', `${req.image.name}:${tag}`);
    // OCI media types: a Docker manifest list cannot carry the index annotations.
    args.push(req.push ? '--output=type=registry,oci-mediatypes=true' : '--load');
    args.push(req.context);
    return args;
}
function cacheArgs(image, cache, push) {
    switch (cache) {
        case 'none':
            return [];
        case 'gha':
            return ['--cache-from', `type=gha,scope=${image.name}`, ...(push ? ['--cache-to', `type=gha,scope=${image.name},mode=max,ignore-error=true`] : [])];
        case 'registry': {
            const ref = `${image.name}:${cacheTag}`;
            // ignore-error: the docker driver may export the cache after the image; a cache that could
            // not be written must not fail a release whose tag is already out.
            return ['--cache-from', `type=registry,ref=${ref}`, ...(push ? ['--cache-to', `type=registry,ref=${ref},mode=max,ignore-error=true`] : [])];
        }
    }
}

;// CONCATENATED MODULE: ./build/src/core/image-tags.js



/**
 * The tags of DESIGN.md: on main `latest` and `sha-<7>`; on a version `vX.Y.Z`, plus `vX.Y` and
 * `vX` when asked, never for a prerelease. No hidden defaults: what is pushed is exactly this.
 */
function imageTags(target, options) {
    const prefix = options.tagPrefix ?? 'v';
    if (target.kind === 'main') {
        if (!/^[0-9a-f]{7,40}$/.test(options.sha))
            throw new InputError('sha', options.sha, 'a commit sha of 7 to 40 hex characters');
        return { immutable: [`sha-${options.sha.slice(0, 7)}`], moving: ['latest'], held: [] };
    }
    // semver itself takes one optional leading `v` (and only one: `vv1.2.3` is not a version).
    const version = node_modules_semver.parse(target.version);
    if (!version)
        throw new InputError('version', target.version, 'a semantic version such as 1.4.0 (or v1.4.0)');
    const exact = `${prefix}${version.version}`;
    if (!isValidTag(exact)) {
        throw new InputError('tag-prefix', prefix, 'a prefix that makes a valid image tag (letters, digits, _ . -; no "/"), such as v');
    }
    const stable = version.prerelease.length === 0;
    const moving = [];
    const held = [];
    if (options.floating && stable) {
        const others = (options.released ?? []).map((v) => node_modules_semver.parse(v)).filter((v) => v !== null && v.prerelease.length === 0);
        const lines = [
            [`${prefix}${version.major}.${version.minor}`, (v) => v.major === version.major && v.minor === version.minor],
            [`${prefix}${version.major}`, (v) => v.major === version.major],
        ];
        for (const [tag, sameLine] of lines) {
            const newer = others.filter((v) => sameLine(v) && node_modules_semver.gt(v, version)).sort(node_modules_semver.rcompare)[0];
            if (newer)
                held.push({ tag, reason: `${prefix}${newer.version} is a newer release of its line` });
            else
                moving.push(tag);
        }
    }
    return { immutable: [exact], moving, held };
}

;// CONCATENATED MODULE: ./build/src/flows/image.js







/** Long enough for a concurrent push that left with ours to land; short next to any build. */
const CONCURRENT_PUSH_SETTLE_MS = 2000;
class ImmutableTagError extends Error {
    name = 'ImmutableTagError';
}
/**
 * Builds the image for all platforms and publishes it: under its immutable tag first, then the
 * moving tags; a version tag that exists is never overwritten and `latest` only moves to a
 * descendant of the commit it was built from.
 */
async function publishImage(docker, registry, git, req) {
    await checkBuildInputs(req);
    const tags = imageTags(req.target, { sha: req.sha, tagPrefix: req.tagPrefix, floating: req.floating, released: req.released });
    const version = req.target.kind === 'version' ? tags.immutable[0].slice(req.tagPrefix.length) : `sha-${req.sha.slice(0, 7)}`;
    const labels = ociLabels({ ...req.facts, version, revision: req.sha }, req.extraLabels);
    const outcome = { digest: null, tags: [], refs: [], platforms: req.platforms, pushed: false, existing: false, held: [...tags.held], cacheHits: 0, sizes: [] };
    if (req.push) {
        const existing = await existingImmutableTag(registry, req, tags.immutable[0]);
        if (existing) {
            req.log(`${req.image.name}:${tags.immutable[0]} already exists, built from this commit: nothing to build.`);
            outcome.existing = true;
            outcome.digest = existing;
            outcome.tags.push(tags.immutable[0]);
            await moveTags(registry, git, req, existing, tags.moving, outcome);
            return withSizes(registry, req, withRefs(req.image, outcome));
        }
    }
    const scratch = await (0,promises_namespaceObject.mkdtemp)((0,external_node_path_namespaceObject.join)((0,external_node_os_namespaceObject.tmpdir)(), 'release-flow-build-'));
    try {
        const secretEnv = secretsAsEnv(req.secrets);
        const metadataFile = (0,external_node_path_namespaceObject.join)(scratch, 'metadata.json');
        const args = buildxBuildArgs({
            image: req.image,
            context: req.context,
            file: req.file,
            platforms: req.platforms,
            buildArgs: req.buildArgs,
            target: req.buildTarget,
            secrets: secretEnv.secrets,
            labels,
            cache: req.cache,
            provenance: req.provenance,
            push: req.push,
            tags: req.push ? tags.immutable : [...tags.immutable, ...tags.moving],
            metadataFile,
        });
        req.log(`Building ${req.image.name} for ${req.platforms.join(', ')}`);
        await docker.run([...args.slice(0, 2), '--progress=plain', ...args.slice(2)], {
            env: secretEnv.env,
            onLine: (line) => {
                if (/\bCACHED\b/.test(line))
                    outcome.cacheHits++;
                req.log(line);
            },
        });
        const metadata = JSON.parse(await (0,promises_namespaceObject.readFile)(metadataFile, 'utf8'));
        outcome.digest = typeof metadata['containerimage.digest'] === 'string' ? metadata['containerimage.digest'] : null;
    }
    finally {
        await (0,promises_namespaceObject.rm)(scratch, { recursive: true, force: true });
    }
    if (!req.push) {
        outcome.tags.push(...tags.immutable, ...tags.moving);
        return withRefs(req.image, outcome);
    }
    if (!outcome.digest)
        throw new Error('buildx did not report the digest of the pushed image (containerimage.digest in --metadata-file)');
    // The registry cannot refuse an overwrite, so a run that pushed the same version at the same
    // moment from another commit is caught here, before any moving tag follows the wrong image. The
    // tag is read twice, the second time after a pause: two pushes that land together would each
    // see their own manifest on an immediate read, and both report success.
    const immutable = tags.immutable[0];
    let landed = await registry.revisionOf(req.image, immutable);
    if (landed?.revision === req.sha && landed.digest === outcome.digest && req.target.kind === 'version') {
        await new Promise((resolve) => setTimeout(resolve, req.settleMs ?? CONCURRENT_PUSH_SETTLE_MS));
        landed = await registry.revisionOf(req.image, immutable);
    }
    if (landed?.revision !== req.sha || landed.digest !== outcome.digest) {
        throw new ImmutableTagError(`${req.image.name}:${immutable} was pushed concurrently by another run (it now points at ${landed?.digest ?? 'nothing'}, ` +
            `built from ${landed?.revision?.slice(0, 12) ?? 'an unknown commit'}); release tags are immutable, so no moving tag was moved. Check which build should stand.`);
    }
    // The build pushed the immutable tag; only now may moving tags point at the same digest.
    outcome.tags.push(...tags.immutable);
    outcome.pushed = true;
    req.log(`Pushed ${tags.immutable.map((t) => `${req.image.name}:${t}`).join(', ')} (${outcome.digest})`);
    await moveTags(registry, git, req, outcome.digest, tags.moving, outcome);
    return withSizes(registry, req, withRefs(req.image, outcome));
}
/** Sizes are for the summary only: a registry that will not tell does not fail a published image. */
async function withSizes(registry, req, outcome) {
    if (!outcome.digest)
        return outcome;
    try {
        outcome.sizes = await registry.platformsOf(req.image, outcome.digest);
    }
    catch (error) {
        req.log(`Could not read the platform sizes: ${error instanceof Error ? error.message : String(error)}`);
    }
    return outcome;
}
async function checkBuildInputs(req) {
    const names = req.names ?? { context: 'context', file: 'file' };
    const context = (0,external_node_path_namespaceObject.resolve)(req.context);
    if (!(await (0,promises_namespaceObject.stat)(context).then((s) => s.isDirectory(), () => false))) {
        throw new InputError(names.context, req.context, 'an existing directory to build from');
    }
    const file = (0,external_node_path_namespaceObject.resolve)(context, req.file ?? 'Dockerfile');
    if (!(await (0,promises_namespaceObject.stat)(file).then((s) => s.isFile(), () => false))) {
        throw new InputError(names.file, req.file ?? 'Dockerfile', `an existing Dockerfile (${file} does not exist)`);
    }
}
/** The digest of the immutable tag when it exists from this commit; an error when from another. */
async function existingImmutableTag(registry, req, tag) {
    const found = await registry.revisionOf(req.image, tag);
    if (!found)
        return null;
    if (found.revision === req.sha)
        return found.digest;
    throw new ImmutableTagError(`${req.image.name}:${tag} already exists, built from ${found.revision ? `commit ${found.revision.slice(0, 12)}` : 'an unknown commit'}, not ${req.sha.slice(0, 12)}. ` +
        'Release tags are immutable: nothing was pushed. Release a new version instead.');
}
/**
 * `latest` moves only to a descendant of what it points at; floating tags were chosen by the core
 * rules. Each tag gets the very manifest of the immutable tag, copied through the registry API (a
 * single-platform manifest stays one: no new index, no new digest).
 */
async function moveTags(registry, git, req, digest, moving, outcome) {
    for (const tag of moving) {
        if (tag === 'latest') {
            const reason = await latestHeldBack(registry, git, req);
            if (reason) {
                req.log(`latest left where it is: ${reason}`);
                outcome.held.push({ tag, reason });
                continue;
            }
        }
        await registry.pointTag(req.image, tag, digest);
        req.log(`Moved ${req.image.name}:${tag} (${digest})`);
        outcome.tags.push(tag);
    }
}
async function latestHeldBack(registry, git, req) {
    const current = await registry.revisionOf(req.image, 'latest');
    if (!current || current.revision === null || current.revision === req.sha)
        return null;
    // The label is whatever the registry says; only a commit id may reach git.
    const known = /^[0-9a-f]{7,64}$/.test(current.revision) ? await git.resolveCommit(current.revision) : null;
    if (known && (await git.isAncestor(current.revision, req.sha)))
        return null;
    return known
        ? `it was built from ${current.revision.slice(0, 12)}, which ${req.sha.slice(0, 12)} does not contain (a newer build finished first)`
        : `it was built from ${current.revision.slice(0, 12)}, a commit this clone does not have`;
}
function secretsAsEnv(secrets) {
    const env = {};
    const list = Object.entries(secrets).map(([id, value], index) => {
        const name = `RELEASE_FLOW_BUILD_SECRET_${index}`;
        env[name] = value;
        return { id, env: name };
    });
    return { secrets: list, env };
}
function withRefs(image, outcome) {
    outcome.refs = outcome.digest ? outcome.tags.map((tag) => `${image.name}:${tag}@${outcome.digest}`) : [];
    return outcome;
}

;// CONCATENATED MODULE: ./build/src/core/tags.js

/** `<prefix><semver>` exactly: `v1.2.3` with prefix `v`; not `v01.2.3`, `1.2.3` or `vv1.2.3`. */
function parseVersionTag(tag, prefix) {
    if (!tag.startsWith(prefix))
        return null;
    const rest = tag.slice(prefix.length);
    // semver.parse also accepts a leading "v" and surrounding whitespace, even when not loose: that
    // would take "vv1.2.3" as a "v" tag and "v1.2.3" as a tag of the empty prefix.
    if (!/^[0-9]\S*$/.test(rest))
        return null;
    const version = node_modules_semver.parse(rest, { loose: false });
    return version ? { tag, version } : null;
}
/** The highest version tag by semver order; prerelease tags only when asked for. */
function highestVersionTag(tags, prefix, options = {}) {
    let best = null;
    for (const tag of tags) {
        const parsed = parseVersionTag(tag, prefix);
        if (!parsed)
            continue;
        if (parsed.version.prerelease.length > 0 && !options.includePrerelease)
            continue;
        if (!best || node_modules_semver.gt(parsed.version, best.version))
            best = parsed;
    }
    return best;
}
/** The numbers N of existing `<prefix><base>-<id>.N` tags. */
function prereleaseNumbers(tags, prefix, base, id) {
    const numbers = [];
    for (const tag of tags) {
        const parsed = parseVersionTag(tag, prefix);
        if (!parsed || `${parsed.version.major}.${parsed.version.minor}.${parsed.version.patch}` !== base)
            continue;
        const [name, n] = parsed.version.prerelease;
        if (name === id && typeof n === 'number')
            numbers.push(n);
    }
    return numbers;
}

;// CONCATENATED MODULE: ./node_modules/conventional-commits-parser/dist/regex.js
const nomatchRegex = /(?!.*)/;
function regex_escape(string) {
    return string.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
function joinOr(parts) {
    return parts
        .map(val => (typeof val === 'string' ? regex_escape(val.trim()) : val.source))
        .filter(Boolean)
        .join('|');
}
function getNotesRegex(noteKeywords, notesPattern) {
    if (!noteKeywords) {
        return nomatchRegex;
    }
    const noteKeywordsSelection = joinOr(noteKeywords);
    if (!notesPattern) {
        return new RegExp(`^(?:\\*\\s+)?(${noteKeywordsSelection}):\\s*(.*)`, 'i');
    }
    return notesPattern(noteKeywordsSelection);
}
function getReferencePartsRegex(issuePrefixes, issuePrefixesCaseSensitive) {
    if (!issuePrefixes) {
        return nomatchRegex;
    }
    // Sticky, so a search starts where the last reference ended and `.*?` takes the text
    // up to the next one: a line is scanned once, not again from every position.
    const flags = issuePrefixesCaseSensitive ? 'gy' : 'giy';
    const repositoryChar = '[\\w-\\.\\/]';
    // A reference starts a word, and its repository is the whole word before the prefix,
    // so `gh-` is not a prefix inside of `tough-cookie` or `high-5`.
    // An issue has a digit, so `#general` is not a reference.
    return new RegExp(`.*?(?<!${repositoryChar})(?:(${repositoryChar}+)(?!${repositoryChar}))?(${joinOr(issuePrefixes)})((?=[\\w-]*\\d)[\\w-]+)(?=\\s|$|[,;.)\\]])`, flags);
}
function getReferencesRegex(referenceActions, separator = '') {
    if (!referenceActions) {
        // matches everything
        return /()(.+)/gi;
    }
    const joinedKeywords = joinOr(referenceActions);
    // Keywords are whole words: `prefix #1` has no `fix` action,
    // and `fixups` does not end the references of the previous keyword.
    const nextKeyword = `(?<!\\w)(?:${joinedKeywords})(?!\\w)`;
    return new RegExp(`(?<!\\w)(${joinedKeywords})${separator}(?:\\s+(.*?))(?=${nextKeyword}|$)`, 'gi');
}
function getFooterTokenRegex(issuePrefixes) {
    const issuePrefixSeparator = issuePrefixes
        ? `|\\s+(?:${joinOr(issuePrefixes)})`
        : '';
    // Footers follow the git trailer convention: the token starts at the
    // beginning of the line, indented `key: value` lines are not footers.
    return new RegExp(`^(?:BREAKING CHANGE|[\\w-]+)(?::\\s+${issuePrefixSeparator}).+`, 'i');
}
/**
 * Make the regexes used to parse a commit.
 * @param options
 * @returns Regexes.
 */
function getParserRegexes(options = {}) {
    const notes = getNotesRegex(options.noteKeywords, options.notesPattern);
    const referenceParts = getReferencePartsRegex(options.issuePrefixes, options.issuePrefixesCaseSensitive);
    const references = getReferencesRegex(options.referenceActions);
    // In a footer the keyword is a token, which may be followed by a colon: `Closes: #1`
    const footerReferences = getReferencesRegex(options.referenceActions, ':?');
    const footerToken = getFooterTokenRegex(options.issuePrefixes);
    return {
        notes,
        referenceParts,
        references,
        footerReferences,
        footerToken,
        mentions: /@([\w-]+)/g,
        url: /\b(?:https?):\/\/(?:www\.)?([-a-zA-Z0-9@:%_+.~#?&//=])+\b/
    };
}
//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJmaWxlIjoicmVnZXguanMiLCJzb3VyY2VSb290IjoiIiwic291cmNlcyI6WyIuLi9zcmMvcmVnZXgudHMiXSwibmFtZXMiOltdLCJtYXBwaW5ncyI6IkFBS0EsTUFBTSxZQUFZLEdBQUcsUUFBUSxDQUFBO0FBRTdCLFNBQVMsTUFBTSxDQUFDLE1BQWM7SUFDNUIsT0FBTyxNQUFNLENBQUMsT0FBTyxDQUFDLHFCQUFxQixFQUFFLE1BQU0sQ0FBQyxDQUFBO0FBQ3RELENBQUM7QUFFRCxTQUFTLE1BQU0sQ0FBQyxLQUEwQjtJQUN4QyxPQUFPLEtBQUs7U0FDVCxHQUFHLENBQUMsR0FBRyxDQUFDLEVBQUUsQ0FBQyxDQUFDLE9BQU8sR0FBRyxLQUFLLFFBQVEsQ0FBQyxDQUFDLENBQUMsTUFBTSxDQUFDLEdBQUcsQ0FBQyxJQUFJLEVBQUUsQ0FBQyxDQUFDLENBQUMsQ0FBQyxHQUFHLENBQUMsTUFBTSxDQUFDLENBQUM7U0FDdkUsTUFBTSxDQUFDLE9BQU8sQ0FBQztTQUNmLElBQUksQ0FBQyxHQUFHLENBQUMsQ0FBQTtBQUNkLENBQUM7QUFFRCxTQUFTLGFBQWEsQ0FDcEIsWUFBNkMsRUFDN0MsWUFBb0Q7SUFFcEQsSUFBSSxDQUFDLFlBQVksRUFBRSxDQUFDO1FBQ2xCLE9BQU8sWUFBWSxDQUFBO0lBQ3JCLENBQUM7SUFFRCxNQUFNLHFCQUFxQixHQUFHLE1BQU0sQ0FBQyxZQUFZLENBQUMsQ0FBQTtJQUVsRCxJQUFJLENBQUMsWUFBWSxFQUFFLENBQUM7UUFDbEIsT0FBTyxJQUFJLE1BQU0sQ0FBQyxpQkFBaUIscUJBQXFCLFlBQVksRUFBRSxHQUFHLENBQUMsQ0FBQTtJQUM1RSxDQUFDO0lBRUQsT0FBTyxZQUFZLENBQUMscUJBQXFCLENBQUMsQ0FBQTtBQUM1QyxDQUFDO0FBRUQsU0FBUyxzQkFBc0IsQ0FDN0IsYUFBOEMsRUFDOUMsMEJBQStDO0lBRS9DLElBQUksQ0FBQyxhQUFhLEVBQUUsQ0FBQztRQUNuQixPQUFPLFlBQVksQ0FBQTtJQUNyQixDQUFDO0lBRUQscUZBQXFGO0lBQ3JGLDZFQUE2RTtJQUM3RSxNQUFNLEtBQUssR0FBRywwQkFBMEIsQ0FBQyxDQUFDLENBQUMsSUFBSSxDQUFDLENBQUMsQ0FBQyxLQUFLLENBQUE7SUFDdkQsTUFBTSxjQUFjLEdBQUcsY0FBYyxDQUFBO0lBRXJDLHFGQUFxRjtJQUNyRixpRUFBaUU7SUFDakUsMERBQTBEO0lBQzFELE9BQU8sSUFBSSxNQUFNLENBQUMsVUFBVSxjQUFjLFFBQVEsY0FBYyxRQUFRLGNBQWMsT0FBTyxNQUFNLENBQUMsYUFBYSxDQUFDLDZDQUE2QyxFQUFFLEtBQUssQ0FBQyxDQUFBO0FBQ3pLLENBQUM7QUFFRCxTQUFTLGtCQUFrQixDQUN6QixnQkFBaUQsRUFDakQsU0FBUyxHQUFHLEVBQUU7SUFFZCxJQUFJLENBQUMsZ0JBQWdCLEVBQUUsQ0FBQztRQUN0QixxQkFBcUI7UUFDckIsT0FBTyxVQUFVLENBQUE7SUFDbkIsQ0FBQztJQUVELE1BQU0sY0FBYyxHQUFHLE1BQU0sQ0FBQyxnQkFBZ0IsQ0FBQyxDQUFBO0lBQy9DLDZEQUE2RDtJQUM3RCxvRUFBb0U7SUFDcEUsTUFBTSxXQUFXLEdBQUcsY0FBYyxjQUFjLFVBQVUsQ0FBQTtJQUUxRCxPQUFPLElBQUksTUFBTSxDQUFDLFlBQVksY0FBYyxJQUFJLFNBQVMsbUJBQW1CLFdBQVcsS0FBSyxFQUFFLElBQUksQ0FBQyxDQUFBO0FBQ3JHLENBQUM7QUFFRCxTQUFTLG1CQUFtQixDQUMxQixhQUE4QztJQUU5QyxNQUFNLG9CQUFvQixHQUFHLGFBQWE7UUFDeEMsQ0FBQyxDQUFDLFdBQVcsTUFBTSxDQUFDLGFBQWEsQ0FBQyxHQUFHO1FBQ3JDLENBQUMsQ0FBQyxFQUFFLENBQUE7SUFFTixxRUFBcUU7SUFDckUsc0VBQXNFO0lBQ3RFLE9BQU8sSUFBSSxNQUFNLENBQUMsdUNBQXVDLG9CQUFvQixLQUFLLEVBQUUsR0FBRyxDQUFDLENBQUE7QUFDMUYsQ0FBQztBQUVEOzs7O0dBSUc7QUFDSCxNQUFNLFVBQVUsZ0JBQWdCLENBQzlCLE9BQU8sR0FBK0gsRUFBRTtJQUV4SSxNQUFNLEtBQUssR0FBRyxhQUFhLENBQUMsT0FBTyxDQUFDLFlBQVksRUFBRSxPQUFPLENBQUMsWUFBWSxDQUFDLENBQUE7SUFDdkUsTUFBTSxjQUFjLEdBQUcsc0JBQXNCLENBQUMsT0FBTyxDQUFDLGFBQWEsRUFBRSxPQUFPLENBQUMsMEJBQTBCLENBQUMsQ0FBQTtJQUN4RyxNQUFNLFVBQVUsR0FBRyxrQkFBa0IsQ0FBQyxPQUFPLENBQUMsZ0JBQWdCLENBQUMsQ0FBQTtJQUMvRCxxRkFBcUY7SUFDckYsTUFBTSxnQkFBZ0IsR0FBRyxrQkFBa0IsQ0FBQyxPQUFPLENBQUMsZ0JBQWdCLEVBQUUsSUFBSSxDQUFDLENBQUE7SUFDM0UsTUFBTSxXQUFXLEdBQUcsbUJBQW1CLENBQUMsT0FBTyxDQUFDLGFBQWEsQ0FBQyxDQUFBO0lBRTlELE9BQU87UUFDTCxLQUFLO1FBQ0wsY0FBYztRQUNkLFVBQVU7UUFDVixnQkFBZ0I7UUFDaEIsV0FBVztRQUNYLFFBQVEsRUFBRSxZQUFZO1FBQ3RCLEdBQUcsRUFBRSwyREFBMkQ7S0FDakUsQ0FBQTtBQUNILENBQUMifQ==
;// CONCATENATED MODULE: ./node_modules/conventional-commits-parser/dist/utils.js
const SCISSOR = '------------------------ >8 ------------------------';
/**
 * Remove leading and trailing newlines.
 * @param input
 * @returns String without leading and trailing newlines.
 */
function trimNewLines(input) {
    // To escape ReDos we should escape String#replace with regex.
    const matches = input.match(/[^\r\n]/);
    if (typeof matches?.index !== 'number') {
        return '';
    }
    const firstIndex = matches.index;
    let lastIndex = input.length - 1;
    while (input[lastIndex] === '\r' || input[lastIndex] === '\n') {
        lastIndex--;
    }
    return input.substring(firstIndex, lastIndex + 1);
}
/**
 * Append a newline to a string.
 * @param src
 * @param line
 * @returns String with appended newline.
 */
function appendLine(src, line) {
    return src ? `${src}\n${line || ''}` : line || '';
}
/**
 * Creates a function that filters out comments lines.
 * @param char
 * @returns Comment filter function.
 */
function getCommentFilter(char) {
    return char
        ? (line) => !line.startsWith(char)
        : () => true;
}
/**
 * Select lines before the scissor.
 * @param lines
 * @param commentChar
 * @returns Lines before the scissor.
 */
function truncateToScissor(lines, commentChar) {
    const scissorIndex = lines.indexOf(`${commentChar} ${SCISSOR}`);
    if (scissorIndex === -1) {
        return lines;
    }
    return lines.slice(0, scissorIndex);
}
/**
 * Filter out GPG sign lines.
 * @param line
 * @returns True if the line is not a GPG sign line.
 */
function gpgFilter(line) {
    return !line.match(/^\s*gpg:/);
}
/**
 * Assign matched correspondence to the target object.
 * @param target - The target object to assign values to.
 * @param matches - The RegExp match array containing the matched groups.
 * @param correspondence - An array of keys that correspond to the matched groups.
 * @returns The target object with assigned values.
 */
function assignMatchedCorrespondence(target, matches, correspondence) {
    const { groups } = matches;
    for (let i = 0, len = correspondence.length, key; i < len; i++) {
        key = correspondence[i];
        target[key] = (groups ? groups[key] : matches[i + 1]) || null;
    }
    return target;
}
//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJmaWxlIjoidXRpbHMuanMiLCJzb3VyY2VSb290IjoiIiwic291cmNlcyI6WyIuLi9zcmMvdXRpbHMudHMiXSwibmFtZXMiOltdLCJtYXBwaW5ncyI6IkFBQUEsTUFBTSxPQUFPLEdBQUcsc0RBQXNELENBQUE7QUFFdEU7Ozs7R0FJRztBQUNILE1BQU0sVUFBVSxZQUFZLENBQUMsS0FBYTtJQUN4Qyw4REFBOEQ7SUFFOUQsTUFBTSxPQUFPLEdBQUcsS0FBSyxDQUFDLEtBQUssQ0FBQyxTQUFTLENBQUMsQ0FBQTtJQUV0QyxJQUFJLE9BQU8sT0FBTyxFQUFFLEtBQUssS0FBSyxRQUFRLEVBQUUsQ0FBQztRQUN2QyxPQUFPLEVBQUUsQ0FBQTtJQUNYLENBQUM7SUFFRCxNQUFNLFVBQVUsR0FBRyxPQUFPLENBQUMsS0FBSyxDQUFBO0lBQ2hDLElBQUksU0FBUyxHQUFHLEtBQUssQ0FBQyxNQUFNLEdBQUcsQ0FBQyxDQUFBO0lBRWhDLE9BQU8sS0FBSyxDQUFDLFNBQVMsQ0FBQyxLQUFLLElBQUksSUFBSSxLQUFLLENBQUMsU0FBUyxDQUFDLEtBQUssSUFBSSxFQUFFLENBQUM7UUFDOUQsU0FBUyxFQUFFLENBQUE7SUFDYixDQUFDO0lBRUQsT0FBTyxLQUFLLENBQUMsU0FBUyxDQUFDLFVBQVUsRUFBRSxTQUFTLEdBQUcsQ0FBQyxDQUFDLENBQUE7QUFDbkQsQ0FBQztBQUVEOzs7OztHQUtHO0FBQ0gsTUFBTSxVQUFVLFVBQVUsQ0FBQyxHQUFrQixFQUFFLElBQXdCO0lBQ3JFLE9BQU8sR0FBRyxDQUFDLENBQUMsQ0FBQyxHQUFHLEdBQUcsS0FBSyxJQUFJLElBQUksRUFBRSxFQUFFLENBQUMsQ0FBQyxDQUFDLElBQUksSUFBSSxFQUFFLENBQUE7QUFDbkQsQ0FBQztBQUVEOzs7O0dBSUc7QUFDSCxNQUFNLFVBQVUsZ0JBQWdCLENBQUMsSUFBd0I7SUFDdkQsT0FBTyxJQUFJO1FBQ1QsQ0FBQyxDQUFDLENBQUMsSUFBWSxFQUFFLEVBQUUsQ0FBQyxDQUFDLElBQUksQ0FBQyxVQUFVLENBQUMsSUFBSSxDQUFDO1FBQzFDLENBQUMsQ0FBQyxHQUFHLEVBQUUsQ0FBQyxJQUFJLENBQUE7QUFDaEIsQ0FBQztBQUVEOzs7OztHQUtHO0FBQ0gsTUFBTSxVQUFVLGlCQUFpQixDQUMvQixLQUFlLEVBQ2YsV0FBbUI7SUFFbkIsTUFBTSxZQUFZLEdBQUcsS0FBSyxDQUFDLE9BQU8sQ0FBQyxHQUFHLFdBQVcsSUFBSSxPQUFPLEVBQUUsQ0FBQyxDQUFBO0lBRS9ELElBQUksWUFBWSxLQUFLLENBQUMsQ0FBQyxFQUFFLENBQUM7UUFDeEIsT0FBTyxLQUFLLENBQUE7SUFDZCxDQUFDO0lBRUQsT0FBTyxLQUFLLENBQUMsS0FBSyxDQUFDLENBQUMsRUFBRSxZQUFZLENBQUMsQ0FBQTtBQUNyQyxDQUFDO0FBRUQ7Ozs7R0FJRztBQUNILE1BQU0sVUFBVSxTQUFTLENBQUMsSUFBWTtJQUNwQyxPQUFPLENBQUMsSUFBSSxDQUFDLEtBQUssQ0FBQyxVQUFVLENBQUMsQ0FBQTtBQUNoQyxDQUFDO0FBRUQ7Ozs7OztHQU1HO0FBQ0gsTUFBTSxVQUFVLDJCQUEyQixDQUN6QyxNQUFxQyxFQUNyQyxPQUF5QixFQUN6QixjQUF3QjtJQUV4QixNQUFNLEVBQUUsTUFBTSxFQUFFLEdBQUcsT0FBTyxDQUFBO0lBRTFCLEtBQUssSUFBSSxDQUFDLEdBQUcsQ0FBQyxFQUFFLEdBQUcsR0FBRyxjQUFjLENBQUMsTUFBTSxFQUFFLEdBQUcsRUFBRSxDQUFDLEdBQUcsR0FBRyxFQUFFLENBQUMsRUFBRSxFQUFFLENBQUM7UUFDL0QsR0FBRyxHQUFHLGNBQWMsQ0FBQyxDQUFDLENBQUMsQ0FBQTtRQUN2QixNQUFNLENBQUMsR0FBRyxDQUFDLEdBQUcsQ0FBQyxNQUFNLENBQUMsQ0FBQyxDQUFDLE1BQU0sQ0FBQyxHQUFHLENBQUMsQ0FBQyxDQUFDLENBQUMsT0FBTyxDQUFDLENBQUMsR0FBRyxDQUFDLENBQUMsQ0FBQyxJQUFJLElBQUksQ0FBQTtJQUMvRCxDQUFDO0lBRUQsT0FBTyxNQUFNLENBQUE7QUFDZixDQUFDIn0=
;// CONCATENATED MODULE: ./node_modules/conventional-commits-parser/dist/options.js
const defaultOptions = {
    noteKeywords: ['BREAKING CHANGE', 'BREAKING-CHANGE'],
    issuePrefixes: ['#'],
    referenceActions: [
        'close',
        'closes',
        'closed',
        'fix',
        'fixes',
        'fixed',
        'resolve',
        'resolves',
        'resolved'
    ],
    headerPattern: /^(\w*)(?:\(([\w$@.\-*/ ]*)\))?: (.*)$/,
    headerCorrespondence: [
        'type',
        'scope',
        'subject'
    ],
    revertPattern: /^Revert\s"([\s\S]*)"\s*This reverts commit (\w*)\.?/,
    revertCorrespondence: ['header', 'hash'],
    // The field name must contain at least one word character so that
    // YAML document markers like `---` are not treated as field markers.
    fieldPattern: /^-(?=.*\w)(.*?)-$/
};
//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJmaWxlIjoib3B0aW9ucy5qcyIsInNvdXJjZVJvb3QiOiIiLCJzb3VyY2VzIjpbIi4uL3NyYy9vcHRpb25zLnRzIl0sIm5hbWVzIjpbXSwibWFwcGluZ3MiOiJBQUVBLE1BQU0sQ0FBQyxNQUFNLGNBQWMsR0FBa0I7SUFDM0MsWUFBWSxFQUFFLENBQUMsaUJBQWlCLEVBQUUsaUJBQWlCLENBQUM7SUFDcEQsYUFBYSxFQUFFLENBQUMsR0FBRyxDQUFDO0lBQ3BCLGdCQUFnQixFQUFFO1FBQ2hCLE9BQU87UUFDUCxRQUFRO1FBQ1IsUUFBUTtRQUNSLEtBQUs7UUFDTCxPQUFPO1FBQ1AsT0FBTztRQUNQLFNBQVM7UUFDVCxVQUFVO1FBQ1YsVUFBVTtLQUNYO0lBQ0QsYUFBYSxFQUFFLHVDQUF1QztJQUN0RCxvQkFBb0IsRUFBRTtRQUNwQixNQUFNO1FBQ04sT0FBTztRQUNQLFNBQVM7S0FDVjtJQUNELGFBQWEsRUFBRSxxREFBcUQ7SUFDcEUsb0JBQW9CLEVBQUUsQ0FBQyxRQUFRLEVBQUUsTUFBTSxDQUFDO0lBQ3hDLGtFQUFrRTtJQUNsRSxxRUFBcUU7SUFDckUsWUFBWSxFQUFFLG1CQUFtQjtDQUNsQyxDQUFBIn0=
;// CONCATENATED MODULE: ./node_modules/conventional-commits-parser/dist/CommitParser.js



/**
 * Helper to create commit object.
 * @param initialData - Initial commit data.
 * @returns Commit object with empty data.
 */
function createCommitObject(initialData = {}) {
    // @ts-expect-error: You can read properties from `Commit` without problems, but you can't assign object to this type. So here is helper for that.
    return {
        merge: null,
        revert: null,
        header: null,
        body: null,
        footer: null,
        notes: [],
        mentions: [],
        references: [],
        ...initialData
    };
}
/**
 * Commit message parser.
 */
class CommitParser_CommitParser {
    options;
    regexes;
    lines = [];
    lineIndex = 0;
    commit = createCommitObject();
    constructor(options = {}) {
        this.options = {
            ...defaultOptions,
            ...options
        };
        this.regexes = getParserRegexes(this.options);
    }
    currentLine() {
        return this.lines[this.lineIndex];
    }
    nextLine() {
        return this.lines[this.lineIndex++];
    }
    isLineAvailable() {
        return this.lineIndex < this.lines.length;
    }
    parseReference(input, action) {
        const { regexes } = this;
        if (regexes.url.test(input)) {
            return null;
        }
        const matches = regexes.referenceParts.exec(input);
        if (!matches) {
            return null;
        }
        let [raw, repository = null, prefix, issue] = matches;
        let owner = null;
        if (repository) {
            const slashIndex = repository.indexOf('/');
            if (slashIndex !== -1) {
                owner = repository.slice(0, slashIndex);
                repository = repository.slice(slashIndex + 1);
            }
        }
        return {
            raw,
            action,
            owner,
            repository,
            prefix,
            issue
        };
    }
    parseReferences(input, isFooterToken = false) {
        const { regexes } = this;
        const regex = isFooterToken
            ? regexes.footerReferences
            : regexes.references;
        // Text outside of action sentences, like `#1` in `#1 Fixes #2`,
        // may also have references, but without an action
        const sentences = [];
        let lastIndex = 0;
        let matches;
        while (true) {
            matches = regex.exec(input);
            if (!matches) {
                break;
            }
            sentences.push([null, input.slice(lastIndex, matches.index)], [matches[1] || null, matches[2] || '']);
            lastIndex = regex.lastIndex;
        }
        sentences.push([null, input.slice(lastIndex)]);
        const references = [];
        let reference;
        for (const [action, sentence] of sentences) {
            while (true) {
                reference = this.parseReference(sentence, action);
                if (!reference) {
                    break;
                }
                references.push(reference);
            }
        }
        return references;
    }
    skipEmptyLines() {
        let line = this.currentLine();
        while (line !== undefined && !line.trim()) {
            this.nextLine();
            line = this.currentLine();
        }
    }
    parseMerge() {
        const { commit, options } = this;
        const correspondence = options.mergeCorrespondence || [];
        const merge = this.currentLine();
        const matches = merge && options.mergePattern
            ? merge.match(options.mergePattern)
            : null;
        if (matches) {
            this.nextLine();
            commit.merge = matches[0] || null;
            assignMatchedCorrespondence(commit, matches, correspondence);
            return true;
        }
        return false;
    }
    parseHeader(isMergeCommit) {
        if (isMergeCommit) {
            this.skipEmptyLines();
        }
        const { commit, options } = this;
        const correspondence = options.headerCorrespondence || [];
        const header = commit.header ?? this.nextLine();
        let matches = null;
        if (header) {
            if (options.breakingHeaderPattern) {
                matches = header.match(options.breakingHeaderPattern);
            }
            if (!matches && options.headerPattern) {
                matches = header.match(options.headerPattern);
            }
        }
        if (header) {
            commit.header = header;
        }
        if (matches) {
            assignMatchedCorrespondence(commit, matches, correspondence);
        }
    }
    parseMeta() {
        const { options, commit } = this;
        if (!options.fieldPattern || !this.isLineAvailable()) {
            return false;
        }
        let matches;
        let field = null;
        let parsed = false;
        while (this.isLineAvailable()) {
            matches = this.currentLine().match(options.fieldPattern);
            if (matches) {
                field = matches[1] || null;
                this.nextLine();
                continue;
            }
            if (field) {
                parsed = true;
                commit[field] = appendLine(commit[field], this.currentLine());
                this.nextLine();
            }
            else {
                break;
            }
        }
        return parsed;
    }
    parseNotes() {
        const { regexes, commit } = this;
        if (!this.isLineAvailable()) {
            return false;
        }
        const matches = this.currentLine().match(regexes.notes);
        let isFooterToken;
        if (matches) {
            const note = {
                title: matches[1],
                text: matches[2]
            };
            commit.notes.push(note);
            commit.footer = appendLine(commit.footer, this.currentLine());
            this.nextLine();
            while (this.isLineAvailable()) {
                if (this.parseMeta()) {
                    return true;
                }
                if (this.parseNotes()) {
                    return true;
                }
                isFooterToken = regexes.footerToken.test(this.currentLine());
                commit.references.push(...this.parseReferences(this.currentLine(), isFooterToken));
                if (!isFooterToken) {
                    note.text = appendLine(note.text, this.currentLine());
                }
                commit.footer = appendLine(commit.footer, this.currentLine());
                this.nextLine();
                if (isFooterToken) {
                    break;
                }
            }
            return true;
        }
        return false;
    }
    parseBodyAndFooter(isBody) {
        const { commit, regexes } = this;
        if (!this.isLineAvailable()) {
            return isBody;
        }
        const isFooterToken = regexes.footerToken.test(this.currentLine());
        const isStillBody = !isFooterToken && isBody;
        commit.references.push(...this.parseReferences(this.currentLine(), isFooterToken));
        if (isStillBody) {
            commit.body = appendLine(commit.body, this.currentLine());
        }
        else {
            commit.footer = appendLine(commit.footer, this.currentLine());
        }
        this.nextLine();
        return isStillBody;
    }
    parseBreakingHeader() {
        const { commit, options } = this;
        if (!options.breakingHeaderPattern || commit.notes.length || !commit.header) {
            return;
        }
        const matches = commit.header.match(options.breakingHeaderPattern);
        if (matches) {
            commit.notes.push({
                title: 'BREAKING CHANGE',
                text: matches[3]
            });
        }
    }
    parseMentions(input) {
        const { commit, regexes } = this;
        let matches;
        for (;;) {
            matches = regexes.mentions.exec(input);
            if (!matches) {
                break;
            }
            commit.mentions.push(matches[1]);
        }
    }
    parseRevert(input) {
        const { commit, options } = this;
        const correspondence = options.revertCorrespondence || [];
        const matches = options.revertPattern
            ? input.match(options.revertPattern)
            : null;
        if (matches) {
            commit.revert = assignMatchedCorrespondence({}, matches, correspondence);
        }
    }
    cleanupCommit() {
        const { commit } = this;
        commit.body &&= trimNewLines(commit.body);
        commit.footer &&= trimNewLines(commit.footer);
        commit.notes.forEach((note) => {
            note.text = trimNewLines(note.text);
        });
        const referencesSet = new Set();
        commit.references = commit.references.filter((reference) => {
            const uid = `${reference.action} ${reference.raw}`.toLocaleLowerCase();
            const ok = !referencesSet.has(uid);
            if (ok) {
                referencesSet.add(uid);
            }
            return ok;
        });
    }
    /**
     * Parse commit message string into an object.
     * @param input - Commit message string.
     * @returns Commit object.
     */
    parse(input) {
        if (!input.trim()) {
            throw new TypeError('Expected a raw commit');
        }
        const { commentChar } = this.options;
        const commentFilter = getCommentFilter(commentChar);
        const rawLines = trimNewLines(input).split(/\r?\n/);
        const lines = commentChar
            ? truncateToScissor(rawLines, commentChar).filter(line => commentFilter(line) && gpgFilter(line))
            : rawLines.filter(line => gpgFilter(line));
        const commit = createCommitObject();
        this.lines = lines;
        this.lineIndex = 0;
        this.commit = commit;
        const isMergeCommit = this.parseMerge();
        this.parseHeader(isMergeCommit);
        if (commit.header) {
            commit.references = this.parseReferences(commit.header);
        }
        let isBody = true;
        while (this.isLineAvailable()) {
            this.parseMeta();
            if (this.parseNotes()) {
                isBody = false;
            }
            if (!this.parseBodyAndFooter(isBody)) {
                isBody = false;
            }
        }
        this.parseBreakingHeader();
        this.parseMentions(input);
        this.parseRevert(input);
        this.cleanupCommit();
        return commit;
    }
}
//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJmaWxlIjoiQ29tbWl0UGFyc2VyLmpzIiwic291cmNlUm9vdCI6IiIsInNvdXJjZXMiOlsiLi4vc3JjL0NvbW1pdFBhcnNlci50cyJdLCJuYW1lcyI6W10sIm1hcHBpbmdzIjoiQUFPQSxPQUFPLEVBQUUsZ0JBQWdCLEVBQUUsTUFBTSxZQUFZLENBQUE7QUFDN0MsT0FBTyxFQUNMLFlBQVksRUFDWixVQUFVLEVBQ1YsZ0JBQWdCLEVBQ2hCLFNBQVMsRUFDVCxpQkFBaUIsRUFDakIsMkJBQTJCLEVBQzVCLE1BQU0sWUFBWSxDQUFBO0FBQ25CLE9BQU8sRUFBRSxjQUFjLEVBQUUsTUFBTSxjQUFjLENBQUE7QUFFN0M7Ozs7R0FJRztBQUNILE1BQU0sVUFBVSxrQkFBa0IsQ0FBQyxXQUFXLEdBQW9CLEVBQUU7SUFDbEUsa0pBQWtKO0lBQ2xKLE9BQU87UUFDTCxLQUFLLEVBQUUsSUFBSTtRQUNYLE1BQU0sRUFBRSxJQUFJO1FBQ1osTUFBTSxFQUFFLElBQUk7UUFDWixJQUFJLEVBQUUsSUFBSTtRQUNWLE1BQU0sRUFBRSxJQUFJO1FBQ1osS0FBSyxFQUFFLEVBQUU7UUFDVCxRQUFRLEVBQUUsRUFBRTtRQUNaLFVBQVUsRUFBRSxFQUFFO1FBQ2QsR0FBRyxXQUFXO0tBQ2YsQ0FBQTtBQUNILENBQUM7QUFFRDs7R0FFRztBQUNILE1BQU0sT0FBTyxZQUFZO0lBQ04sT0FBTyxDQUFlO0lBQ3RCLE9BQU8sQ0FBZTtJQUMvQixLQUFLLEdBQWEsRUFBRSxDQUFBO0lBQ3BCLFNBQVMsR0FBRyxDQUFDLENBQUE7SUFDYixNQUFNLEdBQUcsa0JBQWtCLEVBQUUsQ0FBQTtJQUVyQyxZQUFZLE9BQU8sR0FBa0IsRUFBRTtRQUNyQyxJQUFJLENBQUMsT0FBTyxHQUFHO1lBQ2IsR0FBRyxjQUFjO1lBQ2pCLEdBQUcsT0FBTztTQUNYLENBQUE7UUFDRCxJQUFJLENBQUMsT0FBTyxHQUFHLGdCQUFnQixDQUFDLElBQUksQ0FBQyxPQUFPLENBQUMsQ0FBQTtJQUMvQyxDQUFDO0lBRU8sV0FBVztRQUNqQixPQUFPLElBQUksQ0FBQyxLQUFLLENBQUMsSUFBSSxDQUFDLFNBQVMsQ0FBQyxDQUFBO0lBQ25DLENBQUM7SUFFTyxRQUFRO1FBQ2QsT0FBTyxJQUFJLENBQUMsS0FBSyxDQUFDLElBQUksQ0FBQyxTQUFTLEVBQUUsQ0FBQyxDQUFBO0lBQ3JDLENBQUM7SUFFTyxlQUFlO1FBQ3JCLE9BQU8sSUFBSSxDQUFDLFNBQVMsR0FBRyxJQUFJLENBQUMsS0FBSyxDQUFDLE1BQU0sQ0FBQTtJQUMzQyxDQUFDO0lBRU8sY0FBYyxDQUNwQixLQUFhLEVBQ2IsTUFBcUI7UUFFckIsTUFBTSxFQUFFLE9BQU8sRUFBRSxHQUFHLElBQUksQ0FBQTtRQUV4QixJQUFJLE9BQU8sQ0FBQyxHQUFHLENBQUMsSUFBSSxDQUFDLEtBQUssQ0FBQyxFQUFFLENBQUM7WUFDNUIsT0FBTyxJQUFJLENBQUE7UUFDYixDQUFDO1FBRUQsTUFBTSxPQUFPLEdBQUcsT0FBTyxDQUFDLGNBQWMsQ0FBQyxJQUFJLENBQUMsS0FBSyxDQUFDLENBQUE7UUFFbEQsSUFBSSxDQUFDLE9BQU8sRUFBRSxDQUFDO1lBQ2IsT0FBTyxJQUFJLENBQUE7UUFDYixDQUFDO1FBRUQsSUFBSSxDQUNGLEdBQUcsRUFDSCxVQUFVLEdBQUcsSUFBSSxFQUNqQixNQUFNLEVBQ04sS0FBSyxDQUNOLEdBQUcsT0FBTyxDQUFBO1FBQ1gsSUFBSSxLQUFLLEdBQWtCLElBQUksQ0FBQTtRQUUvQixJQUFJLFVBQVUsRUFBRSxDQUFDO1lBQ2YsTUFBTSxVQUFVLEdBQUcsVUFBVSxDQUFDLE9BQU8sQ0FBQyxHQUFHLENBQUMsQ0FBQTtZQUUxQyxJQUFJLFVBQVUsS0FBSyxDQUFDLENBQUMsRUFBRSxDQUFDO2dCQUN0QixLQUFLLEdBQUcsVUFBVSxDQUFDLEtBQUssQ0FBQyxDQUFDLEVBQUUsVUFBVSxDQUFDLENBQUE7Z0JBQ3ZDLFVBQVUsR0FBRyxVQUFVLENBQUMsS0FBSyxDQUFDLFVBQVUsR0FBRyxDQUFDLENBQUMsQ0FBQTtZQUMvQyxDQUFDO1FBQ0gsQ0FBQztRQUVELE9BQU87WUFDTCxHQUFHO1lBQ0gsTUFBTTtZQUNOLEtBQUs7WUFDTCxVQUFVO1lBQ1YsTUFBTTtZQUNOLEtBQUs7U0FDTixDQUFBO0lBQ0gsQ0FBQztJQUVPLGVBQWUsQ0FDckIsS0FBYSxFQUNiLGFBQWEsR0FBRyxLQUFLO1FBRXJCLE1BQU0sRUFBRSxPQUFPLEVBQUUsR0FBRyxJQUFJLENBQUE7UUFDeEIsTUFBTSxLQUFLLEdBQUcsYUFBYTtZQUN6QixDQUFDLENBQUMsT0FBTyxDQUFDLGdCQUFnQjtZQUMxQixDQUFDLENBQUMsT0FBTyxDQUFDLFVBQVUsQ0FBQTtRQUN0QixnRUFBZ0U7UUFDaEUsa0RBQWtEO1FBQ2xELE1BQU0sU0FBUyxHQUE4QixFQUFFLENBQUE7UUFDL0MsSUFBSSxTQUFTLEdBQUcsQ0FBQyxDQUFBO1FBQ2pCLElBQUksT0FBK0IsQ0FBQTtRQUVuQyxPQUFPLElBQUksRUFBRSxDQUFDO1lBQ1osT0FBTyxHQUFHLEtBQUssQ0FBQyxJQUFJLENBQUMsS0FBSyxDQUFDLENBQUE7WUFFM0IsSUFBSSxDQUFDLE9BQU8sRUFBRSxDQUFDO2dCQUNiLE1BQUs7WUFDUCxDQUFDO1lBRUQsU0FBUyxDQUFDLElBQUksQ0FDWixDQUFDLElBQUksRUFBRSxLQUFLLENBQUMsS0FBSyxDQUFDLFNBQVMsRUFBRSxPQUFPLENBQUMsS0FBSyxDQUFDLENBQUMsRUFDN0MsQ0FBQyxPQUFPLENBQUMsQ0FBQyxDQUFDLElBQUksSUFBSSxFQUFFLE9BQU8sQ0FBQyxDQUFDLENBQUMsSUFBSSxFQUFFLENBQUMsQ0FDdkMsQ0FBQTtZQUNELFNBQVMsR0FBRyxLQUFLLENBQUMsU0FBUyxDQUFBO1FBQzdCLENBQUM7UUFFRCxTQUFTLENBQUMsSUFBSSxDQUFDLENBQUMsSUFBSSxFQUFFLEtBQUssQ0FBQyxLQUFLLENBQUMsU0FBUyxDQUFDLENBQUMsQ0FBQyxDQUFBO1FBRTlDLE1BQU0sVUFBVSxHQUFzQixFQUFFLENBQUE7UUFDeEMsSUFBSSxTQUFpQyxDQUFBO1FBRXJDLEtBQUssTUFBTSxDQUFDLE1BQU0sRUFBRSxRQUFRLENBQUMsSUFBSSxTQUFTLEVBQUUsQ0FBQztZQUMzQyxPQUFPLElBQUksRUFBRSxDQUFDO2dCQUNaLFNBQVMsR0FBRyxJQUFJLENBQUMsY0FBYyxDQUFDLFFBQVEsRUFBRSxNQUFNLENBQUMsQ0FBQTtnQkFFakQsSUFBSSxDQUFDLFNBQVMsRUFBRSxDQUFDO29CQUNmLE1BQUs7Z0JBQ1AsQ0FBQztnQkFFRCxVQUFVLENBQUMsSUFBSSxDQUFDLFNBQVMsQ0FBQyxDQUFBO1lBQzVCLENBQUM7UUFDSCxDQUFDO1FBRUQsT0FBTyxVQUFVLENBQUE7SUFDbkIsQ0FBQztJQUVPLGNBQWM7UUFDcEIsSUFBSSxJQUFJLEdBQUcsSUFBSSxDQUFDLFdBQVcsRUFBRSxDQUFBO1FBRTdCLE9BQU8sSUFBSSxLQUFLLFNBQVMsSUFBSSxDQUFDLElBQUksQ0FBQyxJQUFJLEVBQUUsRUFBRSxDQUFDO1lBQzFDLElBQUksQ0FBQyxRQUFRLEVBQUUsQ0FBQTtZQUNmLElBQUksR0FBRyxJQUFJLENBQUMsV0FBVyxFQUFFLENBQUE7UUFDM0IsQ0FBQztJQUNILENBQUM7SUFFTyxVQUFVO1FBQ2hCLE1BQU0sRUFBRSxNQUFNLEVBQUUsT0FBTyxFQUFFLEdBQUcsSUFBSSxDQUFBO1FBQ2hDLE1BQU0sY0FBYyxHQUFHLE9BQU8sQ0FBQyxtQkFBbUIsSUFBSSxFQUFFLENBQUE7UUFDeEQsTUFBTSxLQUFLLEdBQUcsSUFBSSxDQUFDLFdBQVcsRUFBRSxDQUFBO1FBQ2hDLE1BQU0sT0FBTyxHQUFHLEtBQUssSUFBSSxPQUFPLENBQUMsWUFBWTtZQUMzQyxDQUFDLENBQUMsS0FBSyxDQUFDLEtBQUssQ0FBQyxPQUFPLENBQUMsWUFBWSxDQUFDO1lBQ25DLENBQUMsQ0FBQyxJQUFJLENBQUE7UUFFUixJQUFJLE9BQU8sRUFBRSxDQUFDO1lBQ1osSUFBSSxDQUFDLFFBQVEsRUFBRSxDQUFBO1lBRWYsTUFBTSxDQUFDLEtBQUssR0FBRyxPQUFPLENBQUMsQ0FBQyxDQUFDLElBQUksSUFBSSxDQUFBO1lBRWpDLDJCQUEyQixDQUFDLE1BQU0sRUFBRSxPQUFPLEVBQUUsY0FBYyxDQUFDLENBQUE7WUFFNUQsT0FBTyxJQUFJLENBQUE7UUFDYixDQUFDO1FBRUQsT0FBTyxLQUFLLENBQUE7SUFDZCxDQUFDO0lBRU8sV0FBVyxDQUFDLGFBQXNCO1FBQ3hDLElBQUksYUFBYSxFQUFFLENBQUM7WUFDbEIsSUFBSSxDQUFDLGNBQWMsRUFBRSxDQUFBO1FBQ3ZCLENBQUM7UUFFRCxNQUFNLEVBQUUsTUFBTSxFQUFFLE9BQU8sRUFBRSxHQUFHLElBQUksQ0FBQTtRQUNoQyxNQUFNLGNBQWMsR0FBRyxPQUFPLENBQUMsb0JBQW9CLElBQUksRUFBRSxDQUFBO1FBQ3pELE1BQU0sTUFBTSxHQUFHLE1BQU0sQ0FBQyxNQUFNLElBQUksSUFBSSxDQUFDLFFBQVEsRUFBRSxDQUFBO1FBQy9DLElBQUksT0FBTyxHQUE0QixJQUFJLENBQUE7UUFFM0MsSUFBSSxNQUFNLEVBQUUsQ0FBQztZQUNYLElBQUksT0FBTyxDQUFDLHFCQUFxQixFQUFFLENBQUM7Z0JBQ2xDLE9BQU8sR0FBRyxNQUFNLENBQUMsS0FBSyxDQUFDLE9BQU8sQ0FBQyxxQkFBcUIsQ0FBQyxDQUFBO1lBQ3ZELENBQUM7WUFFRCxJQUFJLENBQUMsT0FBTyxJQUFJLE9BQU8sQ0FBQyxhQUFhLEVBQUUsQ0FBQztnQkFDdEMsT0FBTyxHQUFHLE1BQU0sQ0FBQyxLQUFLLENBQUMsT0FBTyxDQUFDLGFBQWEsQ0FBQyxDQUFBO1lBQy9DLENBQUM7UUFDSCxDQUFDO1FBRUQsSUFBSSxNQUFNLEVBQUUsQ0FBQztZQUNYLE1BQU0sQ0FBQyxNQUFNLEdBQUcsTUFBTSxDQUFBO1FBQ3hCLENBQUM7UUFFRCxJQUFJLE9BQU8sRUFBRSxDQUFDO1lBQ1osMkJBQTJCLENBQUMsTUFBTSxFQUFFLE9BQU8sRUFBRSxjQUFjLENBQUMsQ0FBQTtRQUM5RCxDQUFDO0lBQ0gsQ0FBQztJQUVPLFNBQVM7UUFDZixNQUFNLEVBQ0osT0FBTyxFQUNQLE1BQU0sRUFDUCxHQUFHLElBQUksQ0FBQTtRQUVSLElBQUksQ0FBQyxPQUFPLENBQUMsWUFBWSxJQUFJLENBQUMsSUFBSSxDQUFDLGVBQWUsRUFBRSxFQUFFLENBQUM7WUFDckQsT0FBTyxLQUFLLENBQUE7UUFDZCxDQUFDO1FBRUQsSUFBSSxPQUFnQyxDQUFBO1FBQ3BDLElBQUksS0FBSyxHQUFrQixJQUFJLENBQUE7UUFDL0IsSUFBSSxNQUFNLEdBQUcsS0FBSyxDQUFBO1FBRWxCLE9BQU8sSUFBSSxDQUFDLGVBQWUsRUFBRSxFQUFFLENBQUM7WUFDOUIsT0FBTyxHQUFHLElBQUksQ0FBQyxXQUFXLEVBQUUsQ0FBQyxLQUFLLENBQUMsT0FBTyxDQUFDLFlBQVksQ0FBQyxDQUFBO1lBRXhELElBQUksT0FBTyxFQUFFLENBQUM7Z0JBQ1osS0FBSyxHQUFHLE9BQU8sQ0FBQyxDQUFDLENBQUMsSUFBSSxJQUFJLENBQUE7Z0JBQzFCLElBQUksQ0FBQyxRQUFRLEVBQUUsQ0FBQTtnQkFDZixTQUFRO1lBQ1YsQ0FBQztZQUVELElBQUksS0FBSyxFQUFFLENBQUM7Z0JBQ1YsTUFBTSxHQUFHLElBQUksQ0FBQTtnQkFDYixNQUFNLENBQUMsS0FBSyxDQUFDLEdBQUcsVUFBVSxDQUFDLE1BQU0sQ0FBQyxLQUFLLENBQUMsRUFBRSxJQUFJLENBQUMsV0FBVyxFQUFFLENBQUMsQ0FBQTtnQkFDN0QsSUFBSSxDQUFDLFFBQVEsRUFBRSxDQUFBO1lBQ2pCLENBQUM7aUJBQU0sQ0FBQztnQkFDTixNQUFLO1lBQ1AsQ0FBQztRQUNILENBQUM7UUFFRCxPQUFPLE1BQU0sQ0FBQTtJQUNmLENBQUM7SUFFTyxVQUFVO1FBQ2hCLE1BQU0sRUFDSixPQUFPLEVBQ1AsTUFBTSxFQUNQLEdBQUcsSUFBSSxDQUFBO1FBRVIsSUFBSSxDQUFDLElBQUksQ0FBQyxlQUFlLEVBQUUsRUFBRSxDQUFDO1lBQzVCLE9BQU8sS0FBSyxDQUFBO1FBQ2QsQ0FBQztRQUVELE1BQU0sT0FBTyxHQUFHLElBQUksQ0FBQyxXQUFXLEVBQUUsQ0FBQyxLQUFLLENBQUMsT0FBTyxDQUFDLEtBQUssQ0FBQyxDQUFBO1FBQ3ZELElBQUksYUFBc0IsQ0FBQTtRQUUxQixJQUFJLE9BQU8sRUFBRSxDQUFDO1lBQ1osTUFBTSxJQUFJLEdBQWU7Z0JBQ3ZCLEtBQUssRUFBRSxPQUFPLENBQUMsQ0FBQyxDQUFDO2dCQUNqQixJQUFJLEVBQUUsT0FBTyxDQUFDLENBQUMsQ0FBQzthQUNqQixDQUFBO1lBRUQsTUFBTSxDQUFDLEtBQUssQ0FBQyxJQUFJLENBQUMsSUFBSSxDQUFDLENBQUE7WUFDdkIsTUFBTSxDQUFDLE1BQU0sR0FBRyxVQUFVLENBQUMsTUFBTSxDQUFDLE1BQU0sRUFBRSxJQUFJLENBQUMsV0FBVyxFQUFFLENBQUMsQ0FBQTtZQUM3RCxJQUFJLENBQUMsUUFBUSxFQUFFLENBQUE7WUFFZixPQUFPLElBQUksQ0FBQyxlQUFlLEVBQUUsRUFBRSxDQUFDO2dCQUM5QixJQUFJLElBQUksQ0FBQyxTQUFTLEVBQUUsRUFBRSxDQUFDO29CQUNyQixPQUFPLElBQUksQ0FBQTtnQkFDYixDQUFDO2dCQUVELElBQUksSUFBSSxDQUFDLFVBQVUsRUFBRSxFQUFFLENBQUM7b0JBQ3RCLE9BQU8sSUFBSSxDQUFBO2dCQUNiLENBQUM7Z0JBRUQsYUFBYSxHQUFHLE9BQU8sQ0FBQyxXQUFXLENBQUMsSUFBSSxDQUFDLElBQUksQ0FBQyxXQUFXLEVBQUUsQ0FBQyxDQUFBO2dCQUU1RCxNQUFNLENBQUMsVUFBVSxDQUFDLElBQUksQ0FDcEIsR0FBRyxJQUFJLENBQUMsZUFBZSxDQUFDLElBQUksQ0FBQyxXQUFXLEVBQUUsRUFBRSxhQUFhLENBQUMsQ0FDM0QsQ0FBQTtnQkFFRCxJQUFJLENBQUMsYUFBYSxFQUFFLENBQUM7b0JBQ25CLElBQUksQ0FBQyxJQUFJLEdBQUcsVUFBVSxDQUFDLElBQUksQ0FBQyxJQUFJLEVBQUUsSUFBSSxDQUFDLFdBQVcsRUFBRSxDQUFDLENBQUE7Z0JBQ3ZELENBQUM7Z0JBRUQsTUFBTSxDQUFDLE1BQU0sR0FBRyxVQUFVLENBQUMsTUFBTSxDQUFDLE1BQU0sRUFBRSxJQUFJLENBQUMsV0FBVyxFQUFFLENBQUMsQ0FBQTtnQkFDN0QsSUFBSSxDQUFDLFFBQVEsRUFBRSxDQUFBO2dCQUVmLElBQUksYUFBYSxFQUFFLENBQUM7b0JBQ2xCLE1BQUs7Z0JBQ1AsQ0FBQztZQUNILENBQUM7WUFFRCxPQUFPLElBQUksQ0FBQTtRQUNiLENBQUM7UUFFRCxPQUFPLEtBQUssQ0FBQTtJQUNkLENBQUM7SUFFTyxrQkFBa0IsQ0FBQyxNQUFlO1FBQ3hDLE1BQU0sRUFDSixNQUFNLEVBQ04sT0FBTyxFQUNSLEdBQUcsSUFBSSxDQUFBO1FBRVIsSUFBSSxDQUFDLElBQUksQ0FBQyxlQUFlLEVBQUUsRUFBRSxDQUFDO1lBQzVCLE9BQU8sTUFBTSxDQUFBO1FBQ2YsQ0FBQztRQUVELE1BQU0sYUFBYSxHQUFHLE9BQU8sQ0FBQyxXQUFXLENBQUMsSUFBSSxDQUFDLElBQUksQ0FBQyxXQUFXLEVBQUUsQ0FBQyxDQUFBO1FBQ2xFLE1BQU0sV0FBVyxHQUFHLENBQUMsYUFBYSxJQUFJLE1BQU0sQ0FBQTtRQUU1QyxNQUFNLENBQUMsVUFBVSxDQUFDLElBQUksQ0FDcEIsR0FBRyxJQUFJLENBQUMsZUFBZSxDQUFDLElBQUksQ0FBQyxXQUFXLEVBQUUsRUFBRSxhQUFhLENBQUMsQ0FDM0QsQ0FBQTtRQUVELElBQUksV0FBVyxFQUFFLENBQUM7WUFDaEIsTUFBTSxDQUFDLElBQUksR0FBRyxVQUFVLENBQUMsTUFBTSxDQUFDLElBQUksRUFBRSxJQUFJLENBQUMsV0FBVyxFQUFFLENBQUMsQ0FBQTtRQUMzRCxDQUFDO2FBQU0sQ0FBQztZQUNOLE1BQU0sQ0FBQyxNQUFNLEdBQUcsVUFBVSxDQUFDLE1BQU0sQ0FBQyxNQUFNLEVBQUUsSUFBSSxDQUFDLFdBQVcsRUFBRSxDQUFDLENBQUE7UUFDL0QsQ0FBQztRQUVELElBQUksQ0FBQyxRQUFRLEVBQUUsQ0FBQTtRQUVmLE9BQU8sV0FBVyxDQUFBO0lBQ3BCLENBQUM7SUFFTyxtQkFBbUI7UUFDekIsTUFBTSxFQUNKLE1BQU0sRUFDTixPQUFPLEVBQ1IsR0FBRyxJQUFJLENBQUE7UUFFUixJQUFJLENBQUMsT0FBTyxDQUFDLHFCQUFxQixJQUFJLE1BQU0sQ0FBQyxLQUFLLENBQUMsTUFBTSxJQUFJLENBQUMsTUFBTSxDQUFDLE1BQU0sRUFBRSxDQUFDO1lBQzVFLE9BQU07UUFDUixDQUFDO1FBRUQsTUFBTSxPQUFPLEdBQUcsTUFBTSxDQUFDLE1BQU0sQ0FBQyxLQUFLLENBQUMsT0FBTyxDQUFDLHFCQUFxQixDQUFDLENBQUE7UUFFbEUsSUFBSSxPQUFPLEVBQUUsQ0FBQztZQUNaLE1BQU0sQ0FBQyxLQUFLLENBQUMsSUFBSSxDQUFDO2dCQUNoQixLQUFLLEVBQUUsaUJBQWlCO2dCQUN4QixJQUFJLEVBQUUsT0FBTyxDQUFDLENBQUMsQ0FBQzthQUNqQixDQUFDLENBQUE7UUFDSixDQUFDO0lBQ0gsQ0FBQztJQUVPLGFBQWEsQ0FBQyxLQUFhO1FBQ2pDLE1BQU0sRUFDSixNQUFNLEVBQ04sT0FBTyxFQUNSLEdBQUcsSUFBSSxDQUFBO1FBQ1IsSUFBSSxPQUErQixDQUFBO1FBRW5DLFNBQVMsQ0FBQztZQUNSLE9BQU8sR0FBRyxPQUFPLENBQUMsUUFBUSxDQUFDLElBQUksQ0FBQyxLQUFLLENBQUMsQ0FBQTtZQUV0QyxJQUFJLENBQUMsT0FBTyxFQUFFLENBQUM7Z0JBQ2IsTUFBSztZQUNQLENBQUM7WUFFRCxNQUFNLENBQUMsUUFBUSxDQUFDLElBQUksQ0FBQyxPQUFPLENBQUMsQ0FBQyxDQUFDLENBQUMsQ0FBQTtRQUNsQyxDQUFDO0lBQ0gsQ0FBQztJQUVPLFdBQVcsQ0FBQyxLQUFhO1FBQy9CLE1BQU0sRUFDSixNQUFNLEVBQ04sT0FBTyxFQUNSLEdBQUcsSUFBSSxDQUFBO1FBQ1IsTUFBTSxjQUFjLEdBQUcsT0FBTyxDQUFDLG9CQUFvQixJQUFJLEVBQUUsQ0FBQTtRQUN6RCxNQUFNLE9BQU8sR0FBRyxPQUFPLENBQUMsYUFBYTtZQUNuQyxDQUFDLENBQUMsS0FBSyxDQUFDLEtBQUssQ0FBQyxPQUFPLENBQUMsYUFBYSxDQUFDO1lBQ3BDLENBQUMsQ0FBQyxJQUFJLENBQUE7UUFFUixJQUFJLE9BQU8sRUFBRSxDQUFDO1lBQ1osTUFBTSxDQUFDLE1BQU0sR0FBRywyQkFBMkIsQ0FBQyxFQUFFLEVBQUUsT0FBTyxFQUFFLGNBQWMsQ0FBQyxDQUFBO1FBQzFFLENBQUM7SUFDSCxDQUFDO0lBRU8sYUFBYTtRQUNuQixNQUFNLEVBQUUsTUFBTSxFQUFFLEdBQUcsSUFBSSxDQUFBO1FBRXZCLE1BQU0sQ0FBQyxJQUFJLEtBQUssWUFBWSxDQUFDLE1BQU0sQ0FBQyxJQUFJLENBQUMsQ0FBQTtRQUN6QyxNQUFNLENBQUMsTUFBTSxLQUFLLFlBQVksQ0FBQyxNQUFNLENBQUMsTUFBTSxDQUFDLENBQUE7UUFFN0MsTUFBTSxDQUFDLEtBQUssQ0FBQyxPQUFPLENBQUMsQ0FBQyxJQUFJLEVBQUUsRUFBRTtZQUM1QixJQUFJLENBQUMsSUFBSSxHQUFHLFlBQVksQ0FBQyxJQUFJLENBQUMsSUFBSSxDQUFDLENBQUE7UUFDckMsQ0FBQyxDQUFDLENBQUE7UUFFRixNQUFNLGFBQWEsR0FBRyxJQUFJLEdBQUcsRUFBVSxDQUFBO1FBRXZDLE1BQU0sQ0FBQyxVQUFVLEdBQUcsTUFBTSxDQUFDLFVBQVUsQ0FBQyxNQUFNLENBQUMsQ0FBQyxTQUFTLEVBQUUsRUFBRTtZQUN6RCxNQUFNLEdBQUcsR0FBRyxHQUFHLFNBQVMsQ0FBQyxNQUFNLElBQUksU0FBUyxDQUFDLEdBQUcsRUFBRSxDQUFDLGlCQUFpQixFQUFFLENBQUE7WUFDdEUsTUFBTSxFQUFFLEdBQUcsQ0FBQyxhQUFhLENBQUMsR0FBRyxDQUFDLEdBQUcsQ0FBQyxDQUFBO1lBRWxDLElBQUksRUFBRSxFQUFFLENBQUM7Z0JBQ1AsYUFBYSxDQUFDLEdBQUcsQ0FBQyxHQUFHLENBQUMsQ0FBQTtZQUN4QixDQUFDO1lBRUQsT0FBTyxFQUFFLENBQUE7UUFDWCxDQUFDLENBQUMsQ0FBQTtJQUNKLENBQUM7SUFFRDs7OztPQUlHO0lBQ0gsS0FBSyxDQUFDLEtBQWE7UUFDakIsSUFBSSxDQUFDLEtBQUssQ0FBQyxJQUFJLEVBQUUsRUFBRSxDQUFDO1lBQ2xCLE1BQU0sSUFBSSxTQUFTLENBQUMsdUJBQXVCLENBQUMsQ0FBQTtRQUM5QyxDQUFDO1FBRUQsTUFBTSxFQUFFLFdBQVcsRUFBRSxHQUFHLElBQUksQ0FBQyxPQUFPLENBQUE7UUFDcEMsTUFBTSxhQUFhLEdBQUcsZ0JBQWdCLENBQUMsV0FBVyxDQUFDLENBQUE7UUFDbkQsTUFBTSxRQUFRLEdBQUcsWUFBWSxDQUFDLEtBQUssQ0FBQyxDQUFDLEtBQUssQ0FBQyxPQUFPLENBQUMsQ0FBQTtRQUNuRCxNQUFNLEtBQUssR0FBRyxXQUFXO1lBQ3ZCLENBQUMsQ0FBQyxpQkFBaUIsQ0FBQyxRQUFRLEVBQUUsV0FBVyxDQUFDLENBQUMsTUFBTSxDQUFDLElBQUksQ0FBQyxFQUFFLENBQUMsYUFBYSxDQUFDLElBQUksQ0FBQyxJQUFJLFNBQVMsQ0FBQyxJQUFJLENBQUMsQ0FBQztZQUNqRyxDQUFDLENBQUMsUUFBUSxDQUFDLE1BQU0sQ0FBQyxJQUFJLENBQUMsRUFBRSxDQUFDLFNBQVMsQ0FBQyxJQUFJLENBQUMsQ0FBQyxDQUFBO1FBQzVDLE1BQU0sTUFBTSxHQUFHLGtCQUFrQixFQUFFLENBQUE7UUFFbkMsSUFBSSxDQUFDLEtBQUssR0FBRyxLQUFLLENBQUE7UUFDbEIsSUFBSSxDQUFDLFNBQVMsR0FBRyxDQUFDLENBQUE7UUFDbEIsSUFBSSxDQUFDLE1BQU0sR0FBRyxNQUFNLENBQUE7UUFFcEIsTUFBTSxhQUFhLEdBQUcsSUFBSSxDQUFDLFVBQVUsRUFBRSxDQUFBO1FBRXZDLElBQUksQ0FBQyxXQUFXLENBQUMsYUFBYSxDQUFDLENBQUE7UUFFL0IsSUFBSSxNQUFNLENBQUMsTUFBTSxFQUFFLENBQUM7WUFDbEIsTUFBTSxDQUFDLFVBQVUsR0FBRyxJQUFJLENBQUMsZUFBZSxDQUFDLE1BQU0sQ0FBQyxNQUFNLENBQUMsQ0FBQTtRQUN6RCxDQUFDO1FBRUQsSUFBSSxNQUFNLEdBQUcsSUFBSSxDQUFBO1FBRWpCLE9BQU8sSUFBSSxDQUFDLGVBQWUsRUFBRSxFQUFFLENBQUM7WUFDOUIsSUFBSSxDQUFDLFNBQVMsRUFBRSxDQUFBO1lBRWhCLElBQUksSUFBSSxDQUFDLFVBQVUsRUFBRSxFQUFFLENBQUM7Z0JBQ3RCLE1BQU0sR0FBRyxLQUFLLENBQUE7WUFDaEIsQ0FBQztZQUVELElBQUksQ0FBQyxJQUFJLENBQUMsa0JBQWtCLENBQUMsTUFBTSxDQUFDLEVBQUUsQ0FBQztnQkFDckMsTUFBTSxHQUFHLEtBQUssQ0FBQTtZQUNoQixDQUFDO1FBQ0gsQ0FBQztRQUVELElBQUksQ0FBQyxtQkFBbUIsRUFBRSxDQUFBO1FBQzFCLElBQUksQ0FBQyxhQUFhLENBQUMsS0FBSyxDQUFDLENBQUE7UUFDekIsSUFBSSxDQUFDLFdBQVcsQ0FBQyxLQUFLLENBQUMsQ0FBQTtRQUN2QixJQUFJLENBQUMsYUFBYSxFQUFFLENBQUE7UUFFcEIsT0FBTyxNQUFNLENBQUE7SUFDZixDQUFDO0NBQ0YifQ==
;// CONCATENATED MODULE: external "stream"
const external_stream_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("stream");
;// CONCATENATED MODULE: ./node_modules/conventional-commits-parser/dist/stream.js


/**
 * Create async generator function to parse async iterable of raw commits.
 * @param options - CommitParser options.
 * @returns Async generator function to parse async iterable of raw commits.
 */
function parseCommits(options = {}) {
    const warnOption = options.warn;
    const warn = warnOption === true
        ? (err) => {
            throw err;
        }
        : warnOption
            ? (err) => warnOption(err.toString())
            : () => { };
    return async function* parse(rawCommits) {
        const parser = new CommitParser(options);
        let rawCommit;
        for await (rawCommit of rawCommits) {
            try {
                yield parser.parse(rawCommit.toString());
            }
            catch (err) {
                warn(err);
            }
        }
    };
}
/**
 * Create stream to parse commits.
 * @param options - CommitParser options.
 * @returns Stream of parsed commits.
 */
function parseCommitsStream(options = {}) {
    return Transform.from(parseCommits(options));
}
//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJmaWxlIjoic3RyZWFtLmpzIiwic291cmNlUm9vdCI6IiIsInNvdXJjZXMiOlsiLi4vc3JjL3N0cmVhbS50cyJdLCJuYW1lcyI6W10sIm1hcHBpbmdzIjoiQUFBQSxPQUFPLEVBQUUsU0FBUyxFQUFFLE1BQU0sUUFBUSxDQUFBO0FBRWxDLE9BQU8sRUFBRSxZQUFZLEVBQUUsTUFBTSxtQkFBbUIsQ0FBQTtBQUVoRDs7OztHQUlHO0FBQ0gsTUFBTSxVQUFVLFlBQVksQ0FDMUIsT0FBTyxHQUF3QixFQUFFO0lBRWpDLE1BQU0sVUFBVSxHQUFHLE9BQU8sQ0FBQyxJQUFJLENBQUE7SUFDL0IsTUFBTSxJQUFJLEdBQUcsVUFBVSxLQUFLLElBQUk7UUFDOUIsQ0FBQyxDQUFDLENBQUMsR0FBVSxFQUFFLEVBQUU7WUFDZixNQUFNLEdBQUcsQ0FBQTtRQUNYLENBQUM7UUFDRCxDQUFDLENBQUMsVUFBVTtZQUNWLENBQUMsQ0FBQyxDQUFDLEdBQVUsRUFBRSxFQUFFLENBQUMsVUFBVSxDQUFDLEdBQUcsQ0FBQyxRQUFRLEVBQUUsQ0FBQztZQUM1QyxDQUFDLENBQUMsR0FBRyxFQUFFLEdBQWMsQ0FBQyxDQUFBO0lBRTFCLE9BQU8sS0FBSyxTQUFTLENBQUMsQ0FBQyxLQUFLLENBQzFCLFVBQXNFO1FBRXRFLE1BQU0sTUFBTSxHQUFHLElBQUksWUFBWSxDQUFDLE9BQU8sQ0FBQyxDQUFBO1FBQ3hDLElBQUksU0FBMEIsQ0FBQTtRQUU5QixJQUFJLEtBQUssRUFBRSxTQUFTLElBQUksVUFBVSxFQUFFLENBQUM7WUFDbkMsSUFBSSxDQUFDO2dCQUNILE1BQU0sTUFBTSxDQUFDLEtBQUssQ0FBQyxTQUFTLENBQUMsUUFBUSxFQUFFLENBQUMsQ0FBQTtZQUMxQyxDQUFDO1lBQUMsT0FBTyxHQUFHLEVBQUUsQ0FBQztnQkFDYixJQUFJLENBQUMsR0FBWSxDQUFDLENBQUE7WUFDcEIsQ0FBQztRQUNILENBQUM7SUFDSCxDQUFDLENBQUE7QUFDSCxDQUFDO0FBRUQ7Ozs7R0FJRztBQUNILE1BQU0sVUFBVSxrQkFBa0IsQ0FBQyxPQUFPLEdBQXdCLEVBQUU7SUFDbEUsT0FBTyxTQUFTLENBQUMsSUFBSSxDQUFDLFlBQVksQ0FBQyxPQUFPLENBQUMsQ0FBQyxDQUFBO0FBQzlDLENBQUMifQ==
;// CONCATENATED MODULE: ./node_modules/conventional-commits-parser/dist/index.js


//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJmaWxlIjoiaW5kZXguanMiLCJzb3VyY2VSb290IjoiIiwic291cmNlcyI6WyIuLi9zcmMvaW5kZXgudHMiXSwibmFtZXMiOltdLCJtYXBwaW5ncyI6IkFBQ0EsY0FBYyxtQkFBbUIsQ0FBQTtBQUNqQyxjQUFjLGFBQWEsQ0FBQSJ9
;// CONCATENATED MODULE: ./build/src/core/commit.js

// Strict on purpose: a colon and a space are required, `!` goes right before the colon, and the
// footer token must be upper-case (the parser's default note pattern ignores case). `!` is read
// here rather than by the parser's breaking-header pattern, which would copy the subject into the
// notes as if it were a footer.
const parser = new CommitParser_CommitParser({
    headerPattern: /^(\w[\w-]*)(?:\(([^()\r\n]*)\))?!?: (\S.*)$/,
    headerCorrespondence: ['type', 'scope', 'subject'],
    noteKeywords: ['BREAKING CHANGE', 'BREAKING-CHANGE'],
    notesPattern: (keywords) => new RegExp(`^(${keywords}): (.*)`),
    // Case-insensitive like the type: `Revert: …` and `REVERT: …` are conventional reverts too.
    revertPattern: /^(?:Revert\s+"[\s\S]*"|revert(?:\([^()\r\n]*\))?!?: [\s\S]*?)\s*This reverts commit ([0-9a-fA-F]{7,40})\b/i,
    revertCorrespondence: ['hash'],
    // No issue references: the notes link `#123` in the text they show.
    issuePrefixes: undefined,
});
const releaseAsFooter = /^Release-As:[ \t]*(\S+)[ \t]*$/im;
const conventionalHeader = /^(\w[\w-]*)(?:\(([^()\r\n]*)\))?(!?): (\S.*)$/;
/** Anything only the full parser reads: footers that break or force a version, and reverts. */
const needsFullParse = /BREAKING|Release-As|revert|^\s/i;
/**
 * Reads a commit by the rules of DESIGN.md. Most commits of a long history are a header and a
 * plain body; for those the header alone decides, so the full parser only runs for messages that
 * mention a breaking footer, Release-As or a revert (a test checks both paths agree).
 */
function parseCommit(raw) {
    return needsFullParse.test(raw.message) ? parseCommitFully(raw) : parseHeaderOnly(raw);
}
function parseHeaderOnly(raw) {
    const end = raw.message.search(/\r|\n/);
    const header = (end === -1 ? raw.message : raw.message.slice(0, end)).trim();
    const m = conventionalHeader.exec(header);
    return {
        sha: raw.sha,
        type: m ? m[1].toLowerCase() : null,
        scope: m ? m[2] || null : null,
        subject: m ? m[4] : header,
        header,
        breaking: m !== null && m[3] === '!',
        breakingNotes: [],
        merge: raw.parents.length > 1,
        reverts: null,
        releaseAs: null,
    };
}
/** The full Conventional Commits parse, footers and reverts included. */
function parseCommitFully(raw) {
    // git allows an empty message (--allow-empty-message); the parser throws on one.
    if (raw.message.trim() === '')
        return parseHeaderOnly(raw);
    const message = raw.message.replace(/\r\n?/g, '\n');
    const header = (message.split('\n', 1)[0] ?? '').trim();
    const merge = raw.parents.length > 1;
    const parsed = parser.parse(message);
    const type = parsed.type ? parsed.type.toLowerCase() : null;
    const breakingNotes = parsed.notes.map((note) => note.text.trim());
    // The same shape as headerPattern, so a scope the header accepts (even one with a colon) keeps its `!`.
    const bang = type !== null && /^\w[\w-]*(?:\([^()\r\n]*\))?!: /.test(header);
    return {
        sha: raw.sha,
        type,
        scope: type ? parsed.scope || null : null,
        subject: type ? (parsed.subject ?? '').trim() : header,
        header,
        breaking: type !== null && (bang || breakingNotes.length > 0),
        breakingNotes,
        merge,
        reverts: parsed.revert?.hash ? parsed.revert.hash.toLowerCase() : null,
        releaseAs: releaseAsFooter.exec(message)?.[1] ?? null,
    };
}

;// CONCATENATED MODULE: ./build/src/core/analyze.js


const abbreviated = 7;
/**
 * Folds a range of commits, newest first (as `git log` streams them), into the bump it asks for.
 *
 * Only what the answer needs is kept: a revert and its target cancel each other, and because a revert
 * always comes before its target in this order, an open revert is remembered only until its target
 * shows up. Reverts whose target is outside the range revert something released earlier: patch.
 */
class CommitAnalyzer {
    bumpOf;
    collect;
    maxReasons;
    bump = 'none';
    commits = 0;
    reasons = [];
    /** Where each reason's commit came in the stream (1 = newest), parallel to `reasons`. */
    reasonPositions = [];
    counts = { major: 0, minor: 0, patch: 0 };
    releaseAs = null;
    included = [];
    /** Open reverts by the first 7 characters of their target. */
    openReverts = new Map();
    openRevertPositions = new Map();
    cancelled = new Set();
    constructor(options = {}) {
        this.bumpOf = commitBumper(options.rules ?? []);
        this.collect = options.collect ?? false;
        this.maxReasons = options.maxReasons ?? 20;
    }
    add(raw) {
        this.commits++;
        if (raw.parents.length > 1)
            return;
        const commit = parseCommit(raw);
        if (this.revertedInRange(commit))
            return;
        if (commit.releaseAs && !this.releaseAs)
            this.releaseAs = { value: commit.releaseAs, sha: commit.sha };
        if (commit.reverts) {
            const key = commit.reverts.slice(0, abbreviated);
            this.openReverts.set(key, [...(this.openReverts.get(key) ?? []), commit]);
            this.openRevertPositions.set(commit, this.commits);
        }
        else {
            this.count(commit, this.bumpOf(commit), this.commits);
        }
        if (this.collect)
            this.included.push(commit);
    }
    finish() {
        // Open reverts are counted only now, but they are newer than some commits counted before them:
        // put the reasons back in stream order (newest first) and keep the newest `maxReasons`.
        for (const reverts of this.openReverts.values()) {
            for (const revert of reverts) {
                this.count(revert, maxBump('patch', this.bumpOf(revert)), this.openRevertPositions.get(revert), false);
            }
        }
        this.openReverts.clear();
        this.openRevertPositions.clear();
        if (this.reasons.length > 1) {
            const order = this.reasons.map((reason, i) => ({ reason, position: this.reasonPositions[i] }));
            order.sort((a, b) => a.position - b.position);
            order.length = Math.min(order.length, this.maxReasons);
            this.reasons = order.map((o) => o.reason);
            this.reasonPositions = order.map((o) => o.position);
        }
        return {
            bump: this.bump,
            commits: this.commits,
            reasons: this.reasons,
            counts: this.counts,
            releaseAs: this.releaseAs,
            included: this.cancelled.size ? this.included.filter((c) => !this.cancelled.has(c.sha)) : this.included,
        };
    }
    /** True when a newer revert in the range targets this commit; both then count for nothing. */
    revertedInRange(commit) {
        const key = commit.sha.slice(0, abbreviated);
        const candidates = this.openReverts.get(key);
        const revert = candidates?.find((r) => commit.sha.startsWith(r.reverts));
        if (!revert)
            return false;
        const rest = candidates.filter((r) => r !== revert);
        if (rest.length)
            this.openReverts.set(key, rest);
        else
            this.openReverts.delete(key);
        this.openRevertPositions.delete(revert);
        if (this.collect)
            this.cancelled.add(revert.sha);
        return true;
    }
    /** `capped` false lets a reason in past `maxReasons`; `finish` then keeps the newest. */
    count(commit, bump, position, capped = true) {
        if (bump === 'none')
            return;
        this.counts[bump]++;
        const order = compareBumps(bump, this.bump);
        if (order > 0) {
            this.bump = bump;
            this.reasons = [];
            this.reasonPositions = [];
        }
        if (order >= 0 && (!capped || this.reasons.length < this.maxReasons)) {
            this.reasons.push({ sha: commit.sha, header: commit.header, bump });
            this.reasonPositions.push(position);
        }
    }
}

;// CONCATENATED MODULE: ./build/src/flows/history.js



const unshallowCommand = 'git fetch --unshallow --tags';
/** Never computes from an incomplete history: deepens it, or stops with the command that does. */
async function ensureFullHistory(git, policy, log) {
    if (!(await git.isShallow()))
        return;
    if (policy === 'fail') {
        throw new PreconditionError('this repository is a shallow clone, so the last release and the commits since it cannot be known', `${unshallowCommand}   (in actions/checkout: fetch-depth: 0)`);
    }
    log(`Shallow clone detected: fetching the full history and tags (${unshallowCommand}).`);
    await git.deepen();
    if (await git.isShallow()) {
        throw new PreconditionError('the clone is still shallow after fetching its history', `${unshallowCommand}, or fetch-depth: 0 in actions/checkout`);
    }
}
async function resolveRef(git, ref, input) {
    const sha = await git.resolveCommit(ref);
    if (sha)
        return sha;
    if (ref === 'HEAD')
        throw new PreconditionError('HEAD has no commit yet: there is no history to version', 'commit something first, e.g. git commit --allow-empty -m "chore: start"');
    throw new InputError(input, ref, 'a commit, branch or tag that exists in this repository');
}
/** The last release before `to` and the analysis of the commits since it, streamed from git. */
async function describeRange(git, options) {
    const { settings } = options;
    const head = await resolveRef(git, options.to, 'to');
    const analyzer = () => new CommitAnalyzer({ rules: settings.releaseRules, collect: options.collect ?? false });
    if (options.from) {
        const from = await resolveRef(git, options.from, 'from');
        const previous = highestVersionTag([options.from], settings.tagPrefix, { includePrerelease: true });
        return { head, previous, from, analysis: (await analyzeRange(git, { from, to: head }, analyzer())).analysis };
    }
    // Asking git which tags `head` contains walks the whole history, which costs more than the range.
    // So the highest release tag is tried first, and the range itself proves that `head` contains it:
    // git log --boundary lists the range's start at its edge exactly when it is an ancestor.
    const tagged = (await git.tagCommits()).filter((t) => t.name !== options.excludeTag);
    const highest = highestVersionTag(tagged.map((t) => t.name), settings.tagPrefix);
    const highestCommit = highest && tagged.find((t) => t.name === highest.tag).commit;
    if (highest && highestCommit === head) {
        return { head, previous: highest, from: head, analysis: analyzer().finish() };
    }
    if (highest && highestCommit) {
        const attempt = await analyzeRange(git, { from: highestCommit, to: head }, analyzer(), highestCommit);
        if (attempt.reachedStart)
            return { head, previous: highest, from: highestCommit, analysis: attempt.analysis };
    }
    // The highest tag is on another branch: let git find the highest one `head` contains.
    const reachable = (await git.tags({ mergedInto: head })).filter((t) => t !== options.excludeTag);
    const previous = highestVersionTag(reachable, settings.tagPrefix);
    const from = previous ? tagged.find((t) => t.name === previous.tag).commit : null;
    return { head, previous, from, analysis: (await analyzeRange(git, { from, to: head }, analyzer())).analysis };
}
/** Streams `from..to` through the analyzer; with `start`, also tells whether `to` contains it. */
async function analyzeRange(git, range, analyzer, start) {
    let reachedStart = false;
    for await (const commit of git.log(range, { boundary: start !== undefined })) {
        if (commit.boundary) {
            if (commit.sha === start)
                reachedStart = true;
        }
        else {
            analyzer.add(commit);
        }
    }
    return { analysis: analyzer.finish(), reachedStart };
}

;// CONCATENATED MODULE: ./build/src/flows/image-context.js





/**
 * Everything a build needs from the repository: the commit, its date for the `created` label (so a
 * rebuild of one commit carries the same labels), the repository's URL and the released versions.
 */
async function imageRequest(git, env, options) {
    await ensureFullHistory(git, options.shallow, options.log);
    // The build context is the work tree, so the image is HEAD's only when no tracked file differs:
    // otherwise its revision label, which immutability and `latest` trust, would not be true.
    if (options.push && (await git.isDirty({ untracked: false }))) {
        throw new PreconditionError('tracked files differ from HEAD, so the image would not be what its revision label says', 'commit or stash the changes (git stash), then build again');
    }
    const sha = await resolveRef(git, 'HEAD', 'ref');
    const { repository, serverUrl } = await repositoryContext(git, env);
    const source = repository ? `${serverUrl.replace(/\/+$/, '')}/${repository}` : undefined;
    const released = (await git.tags())
        .map((t) => parseVersionTag(t, options.tagPrefix)?.version.version)
        .filter((v) => v !== undefined);
    return {
        image: options.settings.image,
        target: options.settings.target,
        sha,
        platforms: options.settings.platforms,
        context: (0,external_node_path_namespaceObject.resolve)(git.cwd, options.context),
        file: options.file,
        buildArgs: options.settings.buildArgs,
        buildTarget: options.buildTarget,
        secrets: options.secrets,
        push: options.push,
        floating: options.floating,
        cache: options.settings.cache,
        provenance: options.provenance,
        facts: {
            title: repository ? repository.split('/')[1] : (0,external_node_path_namespaceObject.basename)(options.settings.image.repository),
            description: options.description,
            source,
            url: source,
            created: await git.commitTimestamp(sha),
            licenses: options.licenses,
        },
        extraLabels: options.settings.labels,
        tagPrefix: options.tagPrefix,
        released,
        log: options.log,
        ...(options.names ? { names: options.names } : {}),
    };
}

;// CONCATENATED MODULE: ./build/src/cli/commands/image.js











const imageCommand = {
    name: 'image',
    summary: 'Build the multi-arch image and publish it: immutable version tags, a latest that only moves forward.',
    usage: 'release-flow image --image NAME (--version X.Y.Z | --main) [--platforms …] [--context DIR] [--file F] [--push] [--json]',
    options: {
        image: { type: 'string', placeholder: 'NAME', help: 'the image, e.g. ghcr.io/owner/synapse (no tag)' },
        version: { type: 'string', placeholder: 'X.Y.Z', help: 'a release: pushes the immutable vX.Y.Z' },
        main: { type: 'boolean', help: 'a build of main: pushes sha-<7> and moves latest forward' },
        platforms: { type: 'string', placeholder: 'LIST', help: 'default linux/amd64,linux/arm64' },
        context: { type: 'string', placeholder: 'DIR', help: 'build context, relative to the repository (default .)' },
        file: { type: 'string', placeholder: 'F', help: 'Dockerfile, relative to the context (default Dockerfile)' },
        target: { type: 'string', placeholder: 'STAGE', help: 'build stage' },
        'build-arg': { type: 'string', multiple: true, placeholder: 'K=V', help: 'build argument (repeatable)' },
        secret: { type: 'string', multiple: true, placeholder: 'id=ID,env=VAR|src=FILE', help: 'build secret from an environment variable or a file (repeatable); never a build arg' },
        label: { type: 'string', multiple: true, placeholder: 'K=V', help: 'extra label (repeatable)' },
        push: { type: 'boolean', help: 'push to the registry (default: build and load locally)' },
        floating: { type: 'boolean', help: 'also move vX.Y and vX (stable releases only, to the highest of their line)' },
        cache: { type: 'string', placeholder: 'MODE', help: 'registry (default: <image>:buildcache, mode=max), gha or none' },
        provenance: { type: 'boolean', help: 'attach provenance attestations (off: unknown/unknown entries confuse older engines)' },
        'tag-prefix': { type: 'string', placeholder: 'PREFIX', help: 'prefix of release tags (default: v)' },
        ...jsonOption,
        ...cwdOption,
    },
    async run(args, io) {
        const settings = imageSettings({
            image: stringValue(args, 'image'),
            version: stringValue(args, 'version'),
            main: flag(args, 'main'),
            platforms: stringValue(args, 'platforms'),
            cache: stringValue(args, 'cache'),
            buildArgs: image_list(args, 'build-arg'),
            labels: image_list(args, 'label'),
        }, { image: '--image', version: '--version', main: '--main', platforms: '--platforms', cache: '--cache', buildArgs: '--build-arg', labels: '--label' });
        const secrets = Object.fromEntries(image_list(args, 'secret').map((spec) => cliSecret(spec, io)));
        const git = await repositoryFromArgs(args, io);
        const log = (line) => io.stderr(`${line}\n`);
        const request = await imageRequest(git, io.env, {
            settings,
            shallow: 'fail',
            context: stringValue(args, 'context') ?? '.',
            file: stringValue(args, 'file'),
            buildTarget: stringValue(args, 'target'),
            secrets,
            push: flag(args, 'push'),
            floating: flag(args, 'floating'),
            provenance: flag(args, 'provenance'),
            tagPrefix: stringValue(args, 'tag-prefix') ?? 'v',
            log,
            names: { context: '--context', file: '--file' },
        });
        const outcome = await publishImage(createDocker(), createRegistryClient({ credentials: dockerConfigCredentials(), log }), git, request);
        if (flag(args, 'json')) {
            io.stdout(JSON.stringify(outcome) + '\n');
        }
        else {
            const lines = [
                outcome.existing ? `${settings.image.name}: already published from this commit (nothing built).` : `${settings.image.name}: ${outcome.pushed ? 'pushed' : 'built locally'}.`,
                ...(outcome.digest ? [`digest ${outcome.digest}`] : []),
                ...outcome.tags.map((t) => `  ${settings.image.name}:${t}`),
                ...outcome.held.map((h) => `  ${h.tag} not moved: ${h.reason}`),
            ];
            io.stdout(lines.join('\n') + '\n');
        }
        return 0;
    },
};
function image_list(args, name) {
    const value = args.values[name];
    return Array.isArray(value) ? value.map(String) : [];
}
/** `id=npm,env=NPM_TOKEN` or `id=npm,src=./token`, as buildx takes them; the value is read here. */
function cliSecret(spec, io) {
    const fields = Object.fromEntries(spec.split(',').map((part) => part.split('=', 2)));
    const id = fields.id;
    if (!id || (fields.env === undefined) === (fields.src === undefined)) {
        throw new InputError('--secret', spec, 'id=ID,env=VARIABLE or id=ID,src=FILE');
    }
    if (fields.env !== undefined) {
        const value = io.env[fields.env];
        if (value === undefined)
            throw new InputError('--secret', spec, `an environment variable ${fields.env} that is set`);
        return [id, value];
    }
    try {
        return [id, (0,external_node_fs_namespaceObject.readFileSync)((0,external_node_path_namespaceObject.resolve)(io.cwd, fields.src), 'utf8')];
    }
    catch {
        throw new InputError('--secret', spec, `a readable file ${fields.src}`);
    }
}

;// CONCATENATED MODULE: ./build/src/core/notes.js

const breakingSectionTitle = '⚠ Breaking changes';
/** Shown after the breaking changes, in this order; every other type is hidden unless configured. */
const defaultNotesSections = [
    { title: 'Features', types: ['feat'] },
    { title: 'Bug fixes', types: ['fix'] },
    { title: 'Performance', types: ['perf'] },
    { title: 'Reverts', types: ['revert'] },
];
/** One version's section of the release notes, ending with exactly one newline. */
function renderNotes(input) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.date)) {
        throw new Error(`Expected the release date as YYYY-MM-DD, got ${JSON.stringify(input.date)}`);
    }
    const sections = sectionsFor(input.options);
    const sectionOfType = new Map();
    sections.forEach((section, index) => {
        for (const type of section.types)
            if (!sectionOfType.has(type))
                sectionOfType.set(type, index);
    });
    const breaking = [];
    const entries = sections.map(() => []);
    for (const commit of input.commits) {
        // A merge's own header says "Merge pull request…"; the commits it merged are in the list already.
        if (commit.merge)
            continue;
        // git's own `Revert "…"` header is not conventional, but it is still a revert worth listing.
        const type = commit.reverts !== null ? 'revert' : commit.type;
        if (type === null)
            continue;
        if (commit.breaking) {
            breaking.push(breakingEntry(commit, input.links));
            continue;
        }
        const index = sectionOfType.get(type);
        if (index !== undefined)
            entries[index].push(entry(commit, input.links));
    }
    const blocks = [heading(input)];
    if (breaking.length > 0)
        blocks.push(`### ${breakingSectionTitle}`, breaking.join('\n'));
    sections.forEach((section, index) => {
        const list = entries[index];
        if (list.length > 0)
            blocks.push(`### ${section.title}`, list.join('\n'));
    });
    if (blocks.length === 1)
        blocks.push('_No user-facing changes._');
    return `${blocks.join('\n\n')}\n`;
}
/**
 * Parses `docs=Documentation, refactor=Refactoring` (commas or newlines between entries) into
 * sections; types given the same title share one section, in the order the titles first appear.
 */
function parseShownTypes(text, input = 'shown-types') {
    const sections = [];
    for (const item of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean)) {
        const m = /^([\w-]+)\s*=\s*(\S.*)$/.exec(item);
        if (!m)
            throw new InputError(input, item, 'entries of the form "type=Section title", e.g. "docs=Documentation, refactor=Refactoring"');
        const type = m[1].toLowerCase();
        const title = m[2].trim();
        const existing = sections.find((section) => section.title === title);
        if (!existing)
            sections.push({ title, types: [type] });
        else if (!existing.types.includes(type))
            existing.types.push(type);
    }
    return sections;
}
function sectionsFor(options) {
    const sections = (options?.sections ?? defaultNotesSections).map((s) => ({ title: s.title, types: s.types.map(lower) }));
    for (const shown of options?.shownTypes ?? []) {
        const same = sections.find((section) => section.title === shown.title);
        if (same)
            same.types.push(...shown.types.map(lower));
        else
            sections.push({ title: shown.title, types: shown.types.map(lower) });
    }
    return sections;
}
function lower(type) {
    return type.toLowerCase();
}
function heading(input) {
    const version = input.links && input.previousTag !== null
        ? `[${input.version}](${input.links.compare(input.previousTag, input.tag)})`
        : input.version;
    return `## ${version} (${input.date})`;
}
function entry(commit, links) {
    const scope = commit.scope ? `**${oneLine(commit.scope)}:** ` : '';
    const short = commit.sha.slice(0, 7);
    const sha = links ? `[${short}](${links.commit(commit.sha)})` : short;
    return `* ${scope}${linkIssues(oneLine(commit.subject), links)} (${sha})`;
}
/**
 * The footer texts go under the entry as a block quote, indented by two spaces so that it belongs
 * to the list item; several footers share one quote, separated by an empty quote line.
 */
function breakingEntry(commit, links) {
    const notes = commit.breakingNotes.map((note) => note.trim()).filter(Boolean);
    if (notes.length === 0)
        return entry(commit, links);
    const quoted = notes
        .join('\n\n')
        .split(/\r\n|\r|\n/)
        .map((line) => {
        const text = linkIssues(line.trimEnd(), links);
        return text === '' ? '  >' : `  > ${text}`;
    });
    return [entry(commit, links), ...quoted].join('\n');
}
/** A subject is one list item: a stray line break would end the item or start a new block. */
function oneLine(text) {
    return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
// Markdown links, inline code and bare URLs are matched first and kept as they are, so that a
// `#123` already inside one (`[#123](…)`, `https://…/#12`) is not linked a second time.
const issueOrSkipped = /\[[^\]\n]*\]\([^)\n]*\)|`[^`\n]*`|<?\bhttps?:\/\/[^\s>]+>?|(?<![\w&#/])#(\d+)\b/g;
function linkIssues(text, links) {
    if (!links)
        return text;
    return text.replace(issueOrSkipped, (match, issue) => {
        if (issue === undefined)
            return match;
        const n = Number(issue);
        return Number.isSafeInteger(n) && n > 0 ? `[#${issue}](${links.issue(n)})` : match;
    });
}

;// CONCATENATED MODULE: ./build/src/core/version.js


/** Which level `to` is over `from`: `1.2.3 → 1.3.0-rc.1` is minor. */
function bumpBetween(from, to) {
    if (from === null)
        return 'major';
    switch (node_modules_semver.diff(from, to)) {
        case 'major':
        case 'premajor':
            return 'major';
        case 'minor':
        case 'preminor':
            return 'minor';
        case 'patch':
        case 'prepatch':
        case 'prerelease':
            return 'patch';
        default:
            return 'none';
    }
}
/** The bump the commits require once pre-1.0 mode is applied. */
function effectiveBump(previous, bump, preMajor) {
    if (preMajor && bump === 'major' && previous !== null && node_modules_semver.major(previous) === 0)
        return 'minor';
    return bump;
}
/** The next version, or null when nothing calls for a release. */
function nextVersion(input) {
    const { previous, rules } = input;
    if (input.releaseAs !== null)
        return forcedVersion(previous, input.releaseAs);
    if (input.bump === 'none')
        return null;
    const bump = effectiveBump(previous, input.bump, rules.preMajor);
    const base = previous === null ? rules.initialVersion : node_modules_semver.inc(previous, bump);
    if (rules.prerelease === null)
        return { version: base, bump };
    const taken = input.existingPrereleaseNumbers?.(base) ?? [];
    const n = taken.length ? Math.max(...taken) + 1 : 1;
    return { version: `${base}-${rules.prerelease}.${n}`, bump };
}
function forcedVersion(previous, releaseAs) {
    const input = `Release-As footer of commit ${releaseAs.sha.slice(0, 7)}`;
    const version = node_modules_semver.valid(releaseAs.value);
    if (!version)
        throw new InputError(input, releaseAs.value, 'a semantic version such as 2.0.0');
    if (previous !== null && !node_modules_semver.gt(version, previous)) {
        throw new InputError(input, releaseAs.value, `a version greater than the last release ${previous}`);
    }
    return { version, bump: bumpBetween(previous, version) };
}
/** The parts of a version for workflow outputs: `1.3.0-rc.2` → 1, 3, 0, `rc.2`. */
function versionParts(version) {
    const parsed = semver.parse(version);
    if (!parsed)
        throw new Error(`expected a semantic version, got ${JSON.stringify(version)}`);
    return { major: parsed.major, minor: parsed.minor, patch: parsed.patch, prerelease: parsed.prerelease.join('.') };
}

;// CONCATENATED MODULE: ./build/src/flows/version.js




/** The next version for `ref` (HEAD by default) from the commits since the last release. */
async function computeVersion(git, options) {
    const { settings } = options;
    await ensureFullHistory(git, options.shallow, options.log ?? (() => { }));
    const range = await describeRange(git, { settings, to: options.ref ?? 'HEAD', collect: options.collect ?? false });
    const previousVersion = range.previous?.version.version ?? null;
    const { analysis } = range;
    const allTags = settings.prerelease ? await git.tags() : [];
    const next = nextVersion({
        previous: previousVersion,
        bump: analysis.bump,
        releaseAs: analysis.releaseAs,
        rules: settings,
        existingPrereleaseNumbers: (base) => prereleaseNumbers(allTags, settings.tagPrefix, base, settings.prerelease),
    });
    return {
        previousVersion,
        previousTag: range.previous?.tag ?? null,
        version: next?.version ?? null,
        tag: next ? `${settings.tagPrefix}${next.version}` : null,
        bump: next?.bump ?? 'none',
        released: next !== null,
        commits: analysis.commits,
        head: range.head,
        reasons: analysis.reasons,
        counts: analysis.counts,
        included: analysis.included,
        releaseAs: node_modules_semver.valid(analysis.releaseAs?.value ?? '') ?? null,
    };
}
/** Exactly the JSON object of DESIGN.md's `version --json`. */
function versionJson(result) {
    const { previousVersion, previousTag, version, tag, bump, released, commits } = result;
    return { previousVersion, previousTag, version, tag, bump, released, commits };
}

;// CONCATENATED MODULE: ./build/src/flows/notes.js






const isoDate = (date) => date.toISOString().slice(0, 10);
function render(release, commits, context) {
    const markdown = renderNotes({ ...release, commits, links: context.links, ...(context.notes ? { options: context.notes } : {}) });
    return { ...release, markdown };
}
/** Notes of a computed next version (computed with `collect`), dated today. */
function notesForVersion(result, context) {
    if (!result.version || !result.tag)
        return null;
    const release = { version: result.version, tag: result.tag, previousTag: result.previousTag, date: isoDate(context.today) };
    return render(release, result.included, context);
}
/**
 * Notes of one release tag. When the tag exists they cover the commits since the release before it
 * and carry the date of the tagged commit; when it does not exist yet they are the notes of `ref`
 * (HEAD) released as that tag, dated today.
 */
async function notesForTag(git, tag, context) {
    const { settings } = context;
    const parsed = parseVersionTag(tag, settings.tagPrefix);
    if (!parsed)
        throw new InputError('tag', tag, `a release tag of the form ${settings.tagPrefix}X.Y.Z`);
    await ensureFullHistory(git, context.shallow, context.log ?? (() => { }));
    const exists = await git.tagExists(tag);
    const to = exists ? `refs/tags/${tag}` : (context.ref ?? 'HEAD');
    const range = await describeRange(git, { settings, to, excludeTag: tag, collect: true });
    const date = exists ? await git.commitDate(to) : isoDate(context.today);
    const release = { version: parsed.version.version, tag, previousTag: range.previous?.tag ?? null, date };
    return render(release, range.analysis.included, context);
}
/**
 * Notes as the CLI's `notes` asks: `to` defaults to HEAD. A release tag as `to` gives that release's
 * notes; any other `to` gives the notes of the next version computed for it. `from` overrides where
 * the range starts.
 */
async function notesForRange(git, range, context) {
    const { settings } = context;
    const to = range.to ?? 'HEAD';
    const toTag = parseVersionTag(to, settings.tagPrefix) && (await git.tagExists(to)) ? to : null;
    if (!range.from) {
        if (toTag)
            return notesForTag(git, toTag, context);
        const result = await computeVersion(git, { settings, ref: to, shallow: context.shallow, collect: true, ...(context.log ? { log: context.log } : {}) });
        return notesForVersion(result, context);
    }
    await ensureFullHistory(git, context.shallow, context.log ?? (() => { }));
    const described = await describeRange(git, { settings, to, from: range.from, collect: true });
    const release = {
        version: toTag ? parseVersionTag(toTag, settings.tagPrefix).version.version : 'Unreleased',
        tag: toTag ?? to,
        previousTag: described.previous?.tag ?? null,
        date: toTag ? await git.commitDate(to) : isoDate(context.today),
    };
    return render(release, described.analysis.included, context);
}
/**
 * The notes of every release tag reachable from `to`, newest first: what `notes --all` prints to
 * backfill a release-notes.md. One listing of the tags, then one streamed range per release, a few
 * at a time, so a long history costs about one pass over it.
 */
async function notesForAllTags(git, context) {
    const { settings } = context;
    await ensureFullHistory(git, context.shallow, context.log ?? (() => { }));
    const head = await git.resolveCommit(context.to ?? 'HEAD');
    if (!head)
        throw new InputError('to', context.to, 'a commit, branch or tag that exists in this repository');
    const releases = (await git.tagCommits({ mergedInto: head }))
        .map((t) => ({ ...t, parsed: parseVersionTag(t.name, settings.tagPrefix) }))
        .filter((t) => t.parsed !== null)
        .sort((a, b) => a.parsed.version.compare(b.parsed.version));
    const stable = releases.filter((t) => t.parsed.version.prerelease.length === 0);
    const jobs = releases.map((release) => async () => {
        const { previous, analysis } = await sincePreviousRelease(git, stable, release, settings);
        const notes = { version: release.parsed.version.version, tag: release.name, previousTag: previous?.name ?? null, date: release.date };
        return render(notes, analysis.included, context);
    });
    const rendered = await runLimited(jobs, context.concurrency ?? 4);
    return rendered.reverse();
}
/**
 * The commits since the highest stable release below `release` that it contains, as for a single
 * tag. Candidates are tried from the highest down and each range proves its own start (see
 * analyzeRange), so in a linear history this is one git log per release; a backport on another
 * branch (v1.1.1 beside v2.0.0) is passed over because v2.0.0 does not contain it.
 */
async function sincePreviousRelease(git, stable, release, settings) {
    const analyzer = () => new CommitAnalyzer({ rules: settings.releaseRules, collect: true });
    for (let i = stable.length - 1; i >= 0; i--) {
        const candidate = stable[i];
        if (candidate.parsed.version.compare(release.parsed.version) >= 0)
            continue;
        if (candidate.commit === release.commit)
            return { previous: candidate, analysis: analyzer().finish() };
        const attempt = await analyzeRange(git, { from: candidate.commit, to: release.commit }, analyzer(), candidate.commit);
        if (attempt.reachedStart)
            return { previous: candidate, analysis: attempt.analysis };
    }
    return { previous: null, analysis: (await analyzeRange(git, { from: null, to: release.commit }, analyzer())).analysis };
}
async function runLimited(jobs, limit) {
    const results = new Array(jobs.length);
    let next = 0;
    const worker = async () => {
        while (next < jobs.length) {
            const index = next++;
            results[index] = await jobs[index]();
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
    return results;
}

;// CONCATENATED MODULE: ./build/src/core/notes-file.js

const defaultNotesHeader = '# Release notes\n\n';
const semverText = String.raw `(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?`;
// `## [1.3.0](…) (date)` with links, `## 1.3.0 (date)` without; a `v` prefix is tolerated because
// hand-written files often carry the tag rather than the version.
const versionHeading = new RegExp(String.raw `^## (?:\[v?(${semverText})\]\(|v?(${semverText})(?:[ \t]|$))`);
/**
 * Puts one version's section into the notes file: replaces the section of that version in place, or
 * inserts it newest first by semver. Everything else is kept byte for byte, line endings included,
 * so the file's history only shows the section that changed.
 */
function upsertNotesSection(existing, section, version, options = {}) {
    const target = bareVersion(version);
    const text = existing === null || existing.trim() === '' ? (options.defaultHeader ?? defaultNotesHeader) : existing;
    const eol = lineEnding(text);
    const body = normalizedSection(section, target, eol);
    const lines = splitLines(text);
    const headings = versionHeadings(lines);
    const same = headings.findIndex((h) => h.version === target);
    if (same >= 0) {
        const start = headings[same].line;
        const end = headings[same + 1]?.line ?? lines.length;
        return joinSections(lines.slice(0, start).join(''), body, lines.slice(end).join(''), eol);
    }
    const lower = headings.find((h) => node_modules_semver.compareBuild(h.version, target) < 0);
    if (lower) {
        return joinSections(lines.slice(0, lower.line).join(''), body, lines.slice(lower.line).join(''), eol);
    }
    return joinSections(text, body, '', eol);
}
/** The section of `version` as it is in the file, without trailing blank lines; null when absent. */
function readNotesSection(fileText, version) {
    const target = bareVersion(version);
    const lines = splitLines(fileText);
    const headings = versionHeadings(lines);
    const index = headings.findIndex((h) => h.version === target);
    if (index < 0)
        return null;
    const end = headings[index + 1]?.line ?? lines.length;
    const text = lines.slice(headings[index].line, end).join('');
    return text.replace(/\s+$/, '') + lineEnding(fileText);
}
function versionHeadings(lines) {
    const headings = [];
    lines.forEach((line, index) => {
        const m = versionHeading.exec(line);
        const version = m?.[1] ?? m?.[2];
        // The pattern lets through what semver rejects, e.g. the leading zero in 1.0.0-01.
        if (version !== undefined && node_modules_semver.parse(version) !== null)
            headings.push({ line: index, version });
    });
    return headings;
}
function bareVersion(version) {
    const bare = version.trim().replace(/^v/, '');
    if (!new RegExp(`^${semverText}$`).test(bare) || node_modules_semver.parse(bare) === null) {
        throw new Error(`Expected a semantic version such as 1.2.3 (optionally v1.2.3), got ${JSON.stringify(version)}`);
    }
    return bare;
}
/** The rendered section in the file's line endings, ending with exactly one line ending. */
function normalizedSection(section, version, eol) {
    const lines = section
        .replace(/\r\n?/g, '\n')
        .replace(/^(?:[ \t]*\n)+/, '')
        .replace(/\s+$/, '')
        .split('\n');
    const first = lines[0] ?? '';
    const m = versionHeading.exec(first);
    if ((m?.[1] ?? m?.[2]) !== version) {
        // Otherwise the next run could not find it again and would add it a second time.
        throw new Error(`Expected the section to start with a "## ${version}" or "## [${version}](…)" heading, got ${JSON.stringify(first)}`);
    }
    return lines.join(eol) + eol;
}
/**
 * Exactly one blank line between the text before and the section, and between the section and what
 * follows. Only line endings are ever added to `before`, never removed, so its bytes stay as written.
 */
function joinSections(before, body, after, eol) {
    let head = before;
    if (head !== '') {
        if (!/\n$/.test(head))
            head += eol;
        if (!/(?:^|\n)[ \t]*\r?\n$/.test(head))
            head += eol;
    }
    return after === '' ? head + body : head + body + eol + after;
}
/** CRLF when the file's first line ends that way; a file is assumed to be consistent. */
function lineEnding(text) {
    const newline = text.indexOf('\n');
    return newline > 0 && text[newline - 1] === '\r' ? '\r\n' : '\n';
}
/** Lines with their endings attached, so that joining them gives back the exact text. */
function splitLines(text) {
    return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

;// CONCATENATED MODULE: ./build/src/flows/notes-file.js



/** Puts a version's section into the notes file (created when missing); returns the new text. */
async function writeNotesFile(path, section, version) {
    const existing = await (0,promises_namespaceObject.readFile)(path, 'utf8').catch((error) => {
        if (error.code === 'ENOENT')
            return null;
        throw error;
    });
    const updated = upsertNotesSection(existing, section, version);
    if (updated !== existing) {
        await (0,promises_namespaceObject.mkdir)((0,external_node_path_namespaceObject.dirname)(path), { recursive: true });
        await (0,promises_namespaceObject.writeFile)(path, updated);
    }
    return updated;
}

;// CONCATENATED MODULE: ./build/src/cli/notes-options.js




const notesOptions = {
    'show-types': { type: 'string', placeholder: 'TYPES', help: 'also list these hidden types, e.g. "docs=Documentation, refactor=Refactoring"' },
};
function notesOptionsFromArgs(args) {
    const shown = stringValue(args, 'show-types');
    return shown ? { shownTypes: parseShownTypes(shown, '--show-types') } : undefined;
}
/**
 * What every command that writes notes starts from: the rule flags and notes flags checked first
 * (bad input fails before anything is read), then the repository and where its links point.
 */
async function notesCommandContext(args, io) {
    const settings = settingsFromArgs(args);
    const notes = notesOptionsFromArgs(args);
    const git = await repositoryFromArgs(args, io);
    return { settings, notes, git, ...(await repositoryContext(git, io.env)) };
}

;// CONCATENATED MODULE: ./build/src/cli/commands/notes.js








const notesCommand = {
    name: 'notes',
    summary: 'Print the release notes of a range, a release tag or every release; optionally write them into release-notes.md.',
    usage: 'release-flow notes [--from REF] [--to REF] [--all] [--write FILE] [--json] [--cwd DIR] [--tag-prefix v] [--show-types TYPES]',
    options: {
        from: { type: 'string', placeholder: 'REF', help: 'start of the range, exclusive (default: the last release before --to)' },
        to: { type: 'string', placeholder: 'REF', help: 'end of the range (default: HEAD); a release tag gives that release\'s notes' },
        all: { type: 'boolean', help: 'the notes of every release tag reachable from --to, newest first' },
        write: { type: 'string', placeholder: 'FILE', help: 'put the section(s) into FILE (relative to --cwd, e.g. release-notes.md), in place, newest first' },
        ...jsonOption,
        ...cwdOption,
        ...versionRuleOptions,
        ...notesOptions,
    },
    async run(args, io) {
        if (flag(args, 'all') && stringValue(args, 'from')) {
            throw new InputError('--from', stringValue(args, 'from'), 'no --from with --all: every release starts at the release before it');
        }
        const { settings, notes, git, links } = await notesCommandContext(args, io);
        const context = { settings, links, notes, shallow: 'fail', today: io.now() };
        const to = stringValue(args, 'to');
        const sections = flag(args, 'all')
            ? await notesForAllTags(git, { ...context, ...(to ? { to } : {}) })
            : [await notesForRange(git, { from: stringValue(args, 'from'), to }, context)].filter((n) => n !== null);
        const file = stringValue(args, 'write');
        const unreleased = sections.find((s) => !parseVersionTag(s.tag, settings.tagPrefix));
        if (file && unreleased) {
            throw new InputError('--write', file, 'a range that ends at a release tag (--to vX.Y.Z): an unreleased range has no version to file its section under');
        }
        if (file) {
            const path = (0,external_node_path_namespaceObject.resolve)(git.cwd, file);
            // Oldest first, so that each insertion lands above the previous one, as releases happen.
            for (const section of [...sections].reverse())
                await writeNotesFile(path, section.markdown, section.version);
            io.stderr(`Wrote ${sections.length} section(s) into ${path}\n`);
        }
        if (flag(args, 'json')) {
            io.stdout(JSON.stringify({ releases: sections.map(({ version, tag, previousTag, date, markdown }) => ({ version, tag, previousTag, date, notes: markdown })), file: file ?? null }) + '\n');
        }
        else if (!file) {
            io.stdout(sections.length ? sections.map((s) => s.markdown).join('\n') : 'No release notes: nothing releasable in the range.\n');
        }
        return 0;
    },
};

;// CONCATENATED MODULE: ./build/src/core/release-flags.js


/**
 * Decides how a GitHub Release for `version` is flagged. A stable release becomes "Latest" only
 * when no stable tag with the same prefix is newer, so that a patch to an old line (1.4.8 after
 * 2.0.0 exists) does not take "Latest" away from the newest line.
 */
function releaseFlags(version, existingTags, prefix) {
    const parsed = parseVersionTag(version, '')?.version ?? null;
    if (parsed === null) {
        throw new Error(`Expected a semantic version without prefix, such as 1.2.3 or 1.3.0-rc.1, got "${version}"`);
    }
    if (parsed.prerelease.length > 0)
        return { prerelease: true, makeLatest: false };
    const highest = highestVersionTag(existingTags, prefix);
    const newerStableExists = highest !== null && node_modules_semver.gt(highest.version, parsed);
    return { prerelease: false, makeLatest: !newerStableExists };
}

;// CONCATENATED MODULE: ./build/src/flows/plan.js



/** Both triggers of DESIGN.md, previewed for the repository as it is now. Changes nothing. */
async function plan(git, context) {
    const mainPush = await computeVersion(git, { settings: context.settings, shallow: context.shallow, collect: true, ...(context.log ? { log: context.log } : {}) });
    const branch = await git.currentBranch();
    const notes = notesForVersion(mainPush, context);
    if (!notes || !mainPush.version)
        return { branch, mainPush, tagPush: null };
    const flags = releaseFlags(mainPush.version, await git.tags(), context.settings.tagPrefix);
    return { branch, mainPush, tagPush: { tag: notes.tag, version: notes.version, notes, ...flags } };
}

;// CONCATENATED MODULE: ./build/src/cli/format.js
const format_short = (sha) => sha.slice(0, 7);
function formatReasons(reasons, indent = '  ') {
    return reasons.map((r) => `${indent}${r.bump.padEnd(5)} ${format_short(r.sha)} ${r.header}`);
}
/** One glance: the version, why, and from where. */
function formatVersion(result) {
    const since = result.previousTag ? `since ${result.previousTag}` : 'in the whole history (no release tag yet)';
    const commits = `${result.commits} commit${result.commits === 1 ? '' : 's'} ${since}`;
    if (!result.released) {
        return `No release: nothing releasable in ${commits}.\n`;
    }
    const lines = [`${result.tag}  (${result.bump}; previous: ${result.previousTag ?? 'none'}; ${commits})`];
    if (result.reasons.length) {
        lines.push(`Bumped ${result.bump} by:`);
        lines.push(...formatReasons(result.reasons));
        const more = result.counts[result.bump] - result.reasons.length;
        if (more > 0)
            lines.push(`  … and ${more} more`);
    }
    return lines.join('\n') + '\n';
}

;// CONCATENATED MODULE: ./build/src/cli/commands/plan.js






const indent = (text) => text.trimEnd().split('\n').map((l) => (l ? `    ${l}` : l)).join('\n');
const planCommand = {
    name: 'plan',
    summary: 'Show what a push to main and a release tag push would do now: version, why, and the notes.',
    usage: 'release-flow plan [--json] [--cwd DIR] [--tag-prefix v] [--prerelease ID] [--pre-major] [--release-rules RULES]',
    options: { ...jsonOption, ...cwdOption, ...versionRuleOptions, ...notesOptions },
    async run(args, io) {
        const { settings, notes, git, links, repository } = await notesCommandContext(args, io);
        const result = await plan(git, { settings, links, notes, shallow: 'fail', today: io.now() });
        const { mainPush, tagPush } = result;
        if (flag(args, 'json')) {
            const tag = tagPush && { tag: tagPush.tag, version: tagPush.version, prerelease: tagPush.prerelease, makeLatest: tagPush.makeLatest, notes: tagPush.notes.markdown };
            io.stdout(JSON.stringify({ repository, branch: result.branch, head: mainPush.head, mainPush: { ...versionJson(mainPush), reasons: mainPush.reasons }, tagPush: tag }) + '\n');
            return 0;
        }
        const lines = [
            `${repository ?? git.cwd} on ${result.branch ?? 'a detached HEAD'} at ${mainPush.head.slice(0, 7)}`,
            '',
            'Push to main now:',
            indent(formatVersion(mainPush)),
            '',
        ];
        if (tagPush) {
            lines.push(`Tag push now (release-flow release --push, or git tag ${tagPush.tag} && git push origin ${tagPush.tag}):`, `    the tag passes its check; GitHub Release ${tagPush.tag}${tagPush.prerelease ? ' (prerelease)' : ''}${tagPush.makeLatest ? ' (latest)' : ''} with these notes:`, '', indent(tagPush.notes.markdown));
        }
        else {
            lines.push('Tag push now: nothing to release, so no release tag to push.');
        }
        io.stdout(lines.join('\n') + '\n');
        return 0;
    },
};

;// CONCATENATED MODULE: ./build/src/core/major-tag.js

function majorTagDecision(input) {
    const version = node_modules_semver.parse(input.version);
    if (!version)
        throw new Error(`expected a semantic version, got ${JSON.stringify(input.version)}`);
    const tag = `${input.tagPrefix}${version.major}`;
    if (version.prerelease.length > 0)
        return { move: false, tag, reason: `${input.version} is a prerelease; ${tag} follows stable releases only` };
    const newer = input.releasedVersions.find((other) => node_modules_semver.valid(other) && node_modules_semver.prerelease(other) === null && node_modules_semver.major(other) === version.major && node_modules_semver.gt(other, version));
    if (newer)
        return { move: false, tag, reason: `${input.tagPrefix}${newer} is newer in the ${tag} line; ${tag} stays there` };
    if (input.current && !input.current.isAncestorOfRelease) {
        return { move: false, tag, reason: `${tag} points at a commit that ${input.tagPrefix}${input.version} does not contain; ${tag} only moves forward` };
    }
    return { move: true, tag };
}

;// CONCATENATED MODULE: ./build/src/core/tag-check.js




/** Checks a pushed tag against the commits it releases; null when it is right. */
function checkPushedTag(input) {
    const parsed = parseVersionTag(input.tag, input.prefix);
    if (!parsed) {
        return {
            kind: 'invalid',
            message: `tag ${input.tag} is not a release tag: expected ${input.prefix}X.Y.Z (for example ${input.prefix}1.2.3)`,
        };
    }
    const version = parsed.version.version;
    const { previous } = input;
    if (previous === null)
        return null;
    if (!node_modules_semver.gt(version, previous)) {
        return {
            kind: 'not-greater',
            message: `tag ${input.tag} is not greater than the last release ${input.prefix}${previous}`,
        };
    }
    if (input.forced) {
        if (node_modules_semver.gte(version, input.forced))
            return null;
        return {
            kind: 'under-bump',
            message: `tag ${input.tag} is below the version a Release-As footer forces: expected at least ${input.prefix}${input.forced}`,
        };
    }
    const required = effectiveBump(previous, input.required, input.preMajor);
    const actual = bumpBetween(previous, version);
    if (compareBumps(actual, required) < 0) {
        const expected = node_modules_semver.inc(previous, required);
        return {
            kind: 'under-bump',
            message: `tag ${input.tag} is a ${actual} release, but the commits since ${input.prefix}${previous} require ${required}: expected at least ${input.prefix}${expected}`,
        };
    }
    return null;
}

;// CONCATENATED MODULE: ./build/src/flows/release.js










/**
 * Cuts a release locally: version, notes file, `chore(release)` commit and annotated tag, pushed
 * atomically (branch and tag together, or neither) only when asked. Every refusal happens before
 * the first change.
 */
async function cutRelease(git, options) {
    const branch = await git.currentBranch();
    if (branch === null)
        throw new PreconditionError('HEAD is detached: a release commit needs a branch', 'git switch main');
    if (options.push && (await git.remoteUrl(options.remote)) === null) {
        throw new PreconditionError(`there is no remote "${options.remote}" to push the release to`, `git remote add ${options.remote} <url>, or release without --push`);
    }
    if (await git.isDirty()) {
        throw new PreconditionError('the working tree has uncommitted changes, which the release commit would not contain', 'commit them, or git stash --include-untracked');
    }
    const root = await git.topLevel();
    const path = (0,external_node_path_namespaceObject.resolve)(root, options.file);
    if ((0,external_node_path_namespaceObject.relative)(root, path).startsWith('..') || (0,external_node_path_namespaceObject.isAbsolute)((0,external_node_path_namespaceObject.relative)(root, path))) {
        throw new InputError('--file', options.file, `a path inside the repository ${root}, such as release-notes.md`);
    }
    const computed = await computeVersion(git, { settings: options.settings, shallow: 'fail', collect: true, log: options.log });
    const result = options.as ? { ...computed, ...release_forcedVersion(options.as, computed, options.settings) } : computed;
    if (!result.released || !result.version || !result.tag) {
        throw new PreconditionError(`nothing to release: no feat, fix, perf, revert or breaking commit in ${result.commits} commit(s) since ${result.previousTag ?? 'the start of history'}`, 'commit a releasable change, or force a version with --as X.Y.Z');
    }
    if (await git.tagExists(result.tag)) {
        throw new PreconditionError(`tag ${result.tag} already exists`, `choose another version with --as, or delete the tag if it was a mistake: git tag -d ${result.tag}`);
    }
    const notes = notesForVersion(result, options);
    const commitMessage = `chore(release): ${result.tag}`;
    const outcome = {
        version: result.version,
        tag: result.tag,
        previousTag: result.previousTag,
        bump: result.bump,
        branch,
        commitMessage,
        notes,
        file: options.file,
        commit: null,
        pushed: false,
        dryRun: options.dryRun,
        majorTag: options.moveMajorTag ? await majorTagFor(git, result.version, options.settings.tagPrefix) : null,
    };
    if (outcome.majorTag && !outcome.majorTag.move)
        options.log(`${outcome.majorTag.tag} not moved: ${outcome.majorTag.reason}`);
    if (options.dryRun)
        return outcome;
    options.log(`Writing the ${result.tag} section of ${(0,external_node_path_namespaceObject.relative)(root, path)}`);
    await writeNotesFile(path, notes.markdown, result.version);
    await git.add([path]);
    outcome.commit = await git.commit(commitMessage);
    await git.createAnnotatedTag(result.tag, `Release ${result.tag}\n\n${notes.markdown}`);
    options.log(`Committed ${commitMessage} (${outcome.commit.slice(0, 7)}) and tagged ${result.tag}`);
    const refs = [`refs/heads/${branch}`, `refs/tags/${result.tag}`];
    if (outcome.majorTag?.move) {
        await git.moveTag(outcome.majorTag.tag, result.tag);
        options.log(`Moved ${outcome.majorTag.tag} to ${result.tag}`);
        // Forced for this ref only: moving a tag is a non-fast-forward update by git's rules.
        refs.push(`+refs/tags/${outcome.majorTag.tag}`);
    }
    if (options.push) {
        const names = refs.map((ref) => ref.replace(/refs\/(heads|tags)\//, ''));
        options.log(`Pushing ${names.join(' and ').replace('+', '')} to ${options.remote} (atomic)`);
        try {
            await git.push(options.remote, refs, { atomic: true });
        }
        catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            throw new Error(`${reason}\nThe release commit and tags exist locally; nothing was pushed. Retry with: git push --atomic ${options.remote} ${names.join(' ')}`);
        }
        outcome.pushed = true;
    }
    return outcome;
}
async function majorTagFor(git, version, tagPrefix) {
    const releasedVersions = (await git.tags())
        .map((tag) => parseVersionTag(tag, tagPrefix)?.version.version)
        .filter((found) => found !== undefined);
    const name = `${tagPrefix}${node_modules_semver.major(version)}`;
    const current = await git.resolveCommit(`refs/tags/${name}`);
    return majorTagDecision({
        version,
        tagPrefix,
        releasedVersions,
        current: current === null ? null : { isAncestorOfRelease: await git.isAncestor(current, 'HEAD') },
    });
}
/** `--as`: any version the tag check will accept, so the tag pipeline does not reject the release. */
function release_forcedVersion(as, computed, settings) {
    const version = node_modules_semver.valid(as);
    const previous = computed.previousVersion;
    if (!version)
        throw new InputError('--as', as, 'a semantic version such as 1.4.0');
    const tag = `${settings.tagPrefix}${version}`;
    const problem = checkPushedTag({
        tag,
        prefix: settings.tagPrefix,
        previous,
        required: computed.bump,
        preMajor: settings.preMajor,
        forced: computed.releaseAs,
    });
    if (problem)
        throw new InputError('--as', as, `a version the tag check accepts (${problem.message})`);
    return { version, tag, bump: bumpBetween(previous, version), released: true };
}

;// CONCATENATED MODULE: ./build/src/cli/commands/release.js




const releaseCommand = {
    name: 'release',
    summary: 'Cut a release locally: compute the version, update release-notes.md, commit chore(release) and tag it.',
    usage: 'release-flow release [--as X.Y.Z] [--prerelease ID] [--push] [--move-major-tag] [--dry-run] [--remote origin] [--file release-notes.md] [--json] [--cwd DIR]',
    options: {
        as: { type: 'string', placeholder: 'X.Y.Z', help: 'release this version instead of the computed one (must be greater than the last release)' },
        push: { type: 'boolean', help: 'push the branch and the tag, atomically (default: local only)' },
        'move-major-tag': { type: 'boolean', help: 'also point the major tag (v1) at the release, only forward and only for the highest stable release of its line' },
        'dry-run': { type: 'boolean', help: 'print what would happen and change nothing' },
        remote: { type: 'string', placeholder: 'NAME', help: 'the remote to push to (default: origin)' },
        file: { type: 'string', placeholder: 'FILE', help: 'the release notes file, relative to the repository (default: release-notes.md)' },
        ...jsonOption,
        ...cwdOption,
        ...versionRuleOptions,
        ...notesOptions,
    },
    async run(args, io) {
        const { settings, notes, git, links } = await notesCommandContext(args, io);
        const dryRun = flag(args, 'dry-run');
        const remote = stringValue(args, 'remote') ?? 'origin';
        const outcome = await cutRelease(git, {
            settings,
            as: stringValue(args, 'as'),
            file: stringValue(args, 'file') ?? 'release-notes.md',
            push: flag(args, 'push'),
            moveMajorTag: flag(args, 'move-major-tag'),
            remote,
            dryRun,
            links,
            notes,
            today: io.now(),
            log: (line) => io.stderr(`${line}\n`),
        });
        if (flag(args, 'json')) {
            io.stdout(JSON.stringify(outcomeJson(outcome)) + '\n');
            return 0;
        }
        const what = `${outcome.tag} (${outcome.bump}; previous: ${outcome.previousTag ?? 'none'})`;
        const lines = dryRun
            ? [
                `Dry run: nothing was changed. A release would:`,
                `  write the ${outcome.tag} section of ${outcome.file}`,
                `  commit "${outcome.commitMessage}" on ${outcome.branch}`,
                `  create the annotated tag ${outcome.tag}`,
                ...majorTagLines(outcome),
                outcome.pushed || flag(args, 'push') ? `  push ${outcome.branch} and ${outcome.tag} atomically` : `  not push (add --push)`,
                '',
                outcome.notes.markdown,
            ]
            : [
                `Released ${what}.`,
                ...majorTagLines(outcome),
                outcome.pushed ? `Pushed ${outcome.branch} and ${outcome.tag}.` : await notPushedHint(git, remote, outcome),
            ];
        io.stdout(lines.join('\n').trimEnd() + '\n');
        return 0;
    },
};
/** How to push what was released; when the remote does not exist, how to add it first. */
async function notPushedHint(git, remote, { branch, tag, majorTag }) {
    // A moved major tag is a forced update of that one ref (`+v1`), as the release's own push does.
    const push = `git push --atomic ${remote} ${branch} ${tag}${majorTag?.move ? ` +${majorTag.tag}` : ''}`;
    if ((await git.remoteUrl(remote)) !== null)
        return `Not pushed. Push with: ${push}`;
    return `Not pushed: this repository has no remote "${remote}". Add it with: git remote add ${remote} <url>, then push with: ${push}`;
}
function majorTagLines({ majorTag, dryRun }) {
    if (!majorTag)
        return [];
    if (dryRun)
        return [majorTag.move ? `  move ${majorTag.tag} to the release` : `  leave ${majorTag.tag} where it is: ${majorTag.reason}`];
    return [majorTag.move ? `Moved ${majorTag.tag} to the release.` : `Left ${majorTag.tag} where it is: ${majorTag.reason}.`];
}
/** What was released (or, on a dry run, would be). */
function outcomeJson(outcome) {
    const { version, tag, previousTag, bump, branch, commitMessage, file, commit, pushed, dryRun, majorTag } = outcome;
    return { version, tag, previousTag, bump, branch, commitMessage, file, commit, pushed, dryRun, majorTag, notes: outcome.notes.markdown };
}

;// CONCATENATED MODULE: external "node:readline/promises"
const external_node_readline_promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:readline/promises");
;// CONCATENATED MODULE: ./build/src/flows/rollback.js
// `release-flow rollback --env prod`: back to the previous release, and data restores.
//
// Instant rollback: the previous release still runs as the hot standby (the colour that is not live,
// told from the state file and the containers, not from upstreams.caddy, which a checkout on the
// runner resets), so a rollback is the deploy's switch in reverse: rewrite upstreams.caddy with
// the standby first and reload Caddy gracefully, under the deploy lock, then record it in the state
// (active ↔ previous, a history entry). It works at any time after the switch, not only during it
// (docker-rollout's flaw). When the standby is gone or holds something else, the previous release's
// recorded digest is deployed through the deploy flow. `--to vX.Y.Z` deploys that version.
//
// Data restore: choose a backup, stop the app containers, put the backup in place, recreate them.










function requireProd(env) {
    if (env === 'prod')
        return 'prod';
    if (env === 'dev')
        throw new InputError('--env', env, 'prod: dev follows latest and has no rollback; run `release-flow deploy --env dev` (or `--version vX.Y.Z`)');
    throw new InputError('--env', env, 'prod');
}
function deployOptions(options, version, extra = {}) {
    if (!options.image)
        throw new InputError('--image', '', 'the image name without tag, e.g. ghcr.io/owner/synapse (needed to deploy a release)');
    return {
        env: 'prod',
        version,
        image: options.image,
        composeFile: options.composeFile,
        project: options.project,
        envFile: options.envFile,
        dataDir: options.dataDir,
        proxyConfigDir: options.proxyConfigDir,
        watchSeconds: options.watchSeconds,
        lockTimeoutMs: options.lockTimeoutMs,
        waitTimeoutSeconds: options.waitTimeoutSeconds,
        ...(options.log ? { log: options.log } : {}),
        ...extra,
    };
}
function fromDeploy(r) {
    return {
        env: 'prod',
        mode: 'deploy',
        version: r.version,
        digest: r.digest,
        previousVersion: r.previousVersion,
        ...(r.colour ? { colour: r.colour } : {}),
        ...(r.url ? { url: r.url } : {}),
        stateFile: r.stateFile,
        deploy: r,
    };
}
async function rollback(deps, options) {
    requireProd(options.env);
    const log = options.log ?? (() => { });
    const now = deps.now ?? (() => new Date());
    if (options.to !== undefined) {
        log(`rolling prod to ${options.to} through the deploy flow`);
        return fromDeploy(await deploy(deps, deployOptions(options, options.to)));
    }
    let paths = await projectPaths(deps.docker, options);
    const lock = await lockProject(paths, 'rollback prod', options.lockTimeoutMs, log);
    let fallback;
    try {
        const seen = await observeProd(deps.docker, paths);
        if ((await repairWorkspace(underLock(deps.docker, lock), paths, seen, { log, write: true, imageName: options.image })).envFileWritten) {
            paths = await projectPaths(deps.docker, options);
        }
        let state = await reconciledState(paths, 'prod', seen, { at: now().toISOString(), log, write: true });
        const prod = state.environments.prod;
        const previous = prod.previous;
        if (previous === null) {
            throw new PreconditionError('prod has no previous release recorded; there is nothing to roll back to', 'name a release: release-flow rollback --env prod --to vX.Y.Z');
        }
        // The live colour first: from the state file and the containers, whatever upstreams.caddy said.
        const [live, standby] = seen.order;
        const standbyEntry = standby ? seen.ps.find((p) => p.Service === colourService(standby)) : undefined;
        // What the standby's container runs, not what .env says it should.
        const standbyDigest = standby ? seen.colours[standby].digest : undefined;
        const instant = seen.proxyUp && seen.live.live !== undefined && standby !== undefined && isUp(standbyEntry) && standbyDigest === previous.digest;
        if (instant) {
            log(`${colourService(standby)} holds ${previous.version} and is ${standbyEntry.Health || 'running'}: switching traffic back to it (caddy reload)`);
            await writeFileAtomic(paths.upstreamsFile, upstreamsText([standby, live]));
            try {
                await underLock(deps.docker, lock).run(caddyReloadArgs(paths.target));
            }
            catch (error) {
                await writeFileAtomic(paths.upstreamsFile, upstreamsText([live, standby]));
                throw error;
            }
            const deployId = `prod-rollback-${now().toISOString().replace(/[:.]/g, '')}-${(0,external_node_crypto_namespaceObject.randomBytes)(3).toString('hex')}`;
            const from = prod.active;
            state = beginDeploy(state, 'prod', { deployId, version: previous.version, digest: previous.digest, colour: standby, startedAt: now().toISOString(), pid: process.pid });
            state = finishDeploy(state, 'prod', 'success', {
                deployId,
                at: now().toISOString(),
                detail: `instant rollback: ${colourService(standby)} serves ${previous.version} again${from ? `; ${from.version} on ${colourService(live)} is the hot standby` : ''}`,
            });
            await writeStateFile(paths.stateFile, state);
            const url = environmentUrl(paths.model, 'prod');
            log(`prod serves ${previous.version} from ${standby}${url ? ` at ${url}` : ''}`);
            return {
                env: 'prod',
                mode: 'instant',
                version: previous.version,
                digest: previous.digest,
                previousVersion: from?.version ?? null,
                colour: standby,
                ...(url ? { url } : {}),
                stateFile: paths.stateFile,
            };
        }
        const why = !seen.proxyUp
            ? 'the proxy is not running'
            : standbyEntry === undefined
                ? `the standby ${standby ? colourService(standby) : 'colour'} is gone`
                : !isUp(standbyEntry)
                    ? `the standby ${colourService(standby)} is ${standbyEntry.State}${standbyEntry.Health ? ` (${standbyEntry.Health})` : ''}`
                    : `the standby ${colourService(standby)} holds another release`;
        fallback = { version: previous.version, digest: previous.digest, why };
    }
    finally {
        await lock.release();
    }
    // The deploy flow takes the lock itself.
    log(`${fallback.why}: redeploying ${fallback.version} (${fallback.digest}) through the deploy flow`);
    return fromDeploy(await deploy(deps, deployOptions(options, fallback.version, { digest: fallback.digest })));
}
/** The backup a selector names, without changing anything (for the confirmation prompt). */
async function chooseRestore(docker, options) {
    const paths = await projectPaths(docker, options);
    const dir = (0,external_node_path_namespaceObject.resolve)(options.backupsDir ?? defaultBackupsDir(paths.dataDir));
    const chosen = chooseBackup((await listBackups(dir)).map((b) => b.name), options.backup);
    return { name: chosen.name, path: (0,external_node_path_namespaceObject.join)(dir, chosen.name), dataDir: paths.dataDir };
}
const APP_SERVICES = [DEV_SERVICE, colourService('blue'), colourService('green')];
/** Stops the app containers, restores the backup into the data directory, recreates them. */
async function restoreData(docker, options) {
    const log = options.log ?? (() => { });
    const paths = await projectPaths(docker, options);
    const chosen = await chooseRestore(docker, options);
    const lock = await lockProject(paths, `rollback --restore-data ${chosen.name}`, options.lockTimeoutMs, log);
    const locked = underLock(docker, lock);
    try {
        // Prod's live colour (from the state and the containers) is recreated first, below.
        const seen = await observeProd(locked, paths);
        const ps = seen.ps;
        const running = APP_SERVICES.filter((s) => ps.some((p) => p.Service === s && p.State === 'running'));
        for (const service of running) {
            log(`stopping ${service}`);
            await locked.run(stopArgs(paths.target, service, 10));
        }
        // The state file lives in the data directory's parent, so it is not part of the restore.
        const restored = await restoreBackup({
            dataDir: paths.dataDir,
            ...(options.backupsDir ? { backupsDir: options.backupsDir } : {}),
            name: chosen.name,
            log,
            ...(options.now ? { now: options.now } : {}),
        });
        log(`restored ${chosen.name} into ${paths.dataDir}${restored.previous ? `; the replaced data is in ${restored.previous}` : ''}`);
        // Recreated, not restarted: a bind mount keeps following the renamed directory until then.
        // Prod's serving colour first, so the proxy gets an upstream back as soon as possible.
        const first = seen.order.map(colourService).filter((s) => running.includes(s));
        for (const service of [...first, ...running.filter((s) => !first.includes(s))]) {
            log(`recreating ${service}`);
            await locked.run(upServiceArgs(paths.target, service, healthWaitSeconds(paths.model.services?.[service]?.healthcheck), { forceRecreate: true }));
        }
        return { backup: restored.name, backupPath: chosen.path, dataDir: paths.dataDir, previousData: restored.previous, restarted: running };
    }
    finally {
        await lock.release();
    }
}

;// CONCATENATED MODULE: ./build/src/cli/commands/rollback.js







const terminalConfirm = async (question) => {
    const rl = (0,external_node_readline_promises_namespaceObject.createInterface)({ input: process.stdin, output: process.stderr });
    try {
        return /^y(es)?$/i.test((await rl.question(question)).trim());
    }
    finally {
        rl.close();
    }
};
function rollbackCommandWith(confirm, isTty) {
    return {
        name: 'rollback',
        summary: 'Roll prod back: instantly to the previous release (the hot standby), to a named version, or restore a data backup.',
        usage: 'release-flow rollback --env prod [--to vX.Y.Z] [--restore-data NAME|latest [--yes]] [--image NAME] [--compose FILE] [--project NAME] [--env-file FILE] [--data-dir DIR] [--json]',
        options: {
            env: { type: 'string', placeholder: 'ENV', help: 'prod (dev follows latest: use deploy --env dev)' },
            to: { type: 'string', placeholder: 'vX.Y.Z', help: 'deploy this release instead of the previous one' },
            'restore-data': { type: 'string', placeholder: 'NAME', help: 'restore a data backup: "latest", a backup name or a version label' },
            yes: { type: 'boolean', short: 'y', help: 'restore without asking for confirmation' },
            image: { type: 'string', placeholder: 'NAME', help: 'the image without tag, when a release must be deployed (default $RELEASE_FLOW_IMAGE)' },
            ...composeOptions,
            ...timingOptions,
            ...jsonOption,
        },
        async run(args, io) {
            const env = stringValue(args, 'env');
            requireProd(env ?? '');
            const json = flag(args, 'json');
            const log = (line) => io.stderr(`${line}\n`);
            const deps = deployDeps(log);
            const target = composeTargetFromArgs(args, io);
            const { lockTimeoutMs } = timingsFromArgs(args);
            const restore = stringValue(args, 'restore-data');
            if (restore !== undefined) {
                if (stringValue(args, 'to') !== undefined)
                    throw new InputError('--to', stringValue(args, 'to'), 'no --to with --restore-data (restore the data, then roll back the release separately)');
                const chosen = await chooseRestore(deps.docker, { ...target, backup: restore });
                if (!flag(args, 'yes')) {
                    if (!isTty())
                        throw new InputError('--yes', '', `--yes to restore ${chosen.name} without a prompt (stdin is not a terminal)`);
                    const ok = await confirm(`Restore ${chosen.name} into ${chosen.dataDir}? The app containers stop meanwhile; the current data is kept aside. [y/N] `);
                    if (!ok) {
                        io.stderr('release-flow rollback: restore cancelled; nothing was changed\n');
                        return 1;
                    }
                }
                const r = await restoreData(deps.docker, { ...target, backup: chosen.name, ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}), log });
                if (json)
                    io.stdout(`${JSON.stringify({ outcome: 'restored', ...r })}\n`);
                else
                    io.stdout([`restored ${r.backup} into ${r.dataDir}`, `previous data kept in ${r.previousData ?? '(there was none)'}`, `recreated: ${r.restarted.join(', ') || 'nothing was running'}`].join('\n') + '\n');
                return 0;
            }
            let result;
            try {
                result = await rollback(deps, {
                    env: 'prod',
                    to: stringValue(args, 'to'),
                    image: stringValue(args, 'image') ?? io.env.RELEASE_FLOW_IMAGE,
                    ...target,
                    ...timingsFromArgs(args),
                    log,
                });
            }
            catch (error) {
                if (!(error instanceof DeployRolledBackError))
                    throw error;
                io.stderr(`release-flow rollback: ${error.message}\n`);
                if (json)
                    io.stdout(`${JSON.stringify({ env: 'prod', mode: 'deploy', outcome: 'rolled-back', version: error.result.version })}\n`);
                return 1;
            }
            const out = {
                env: result.env,
                mode: result.mode,
                outcome: 'success',
                version: result.version,
                digest: result.digest,
                'previous-version': result.previousVersion,
                colour: result.colour ?? null,
                url: result.url ?? null,
            };
            if (json)
                io.stdout(`${JSON.stringify(out)}\n`);
            else
                io.stdout(Object.entries(out).map(([k, v]) => `${k}=${v ?? ''}`).join('\n') + '\n');
            return 0;
        },
    };
}
const rollbackCommand = rollbackCommandWith(terminalConfirm, () => process.stdin.isTTY === true);

;// CONCATENATED MODULE: ./build/src/flows/status.js


async function deployStatus(docker, options) {
    const paths = await projectPaths(docker, options);
    // Which colour is live from the state file and the containers: a checkout on the runner resets
    // upstreams.caddy to blue first and may delete .env, so neither file is read for it.
    const seen = await observeProd(docker, paths);
    const { state, ps } = seen;
    const health = (service) => {
        const e = ps.find((p) => p.Service === service);
        if (!e)
            return { health: 'absent', uptime: null };
        return { health: e.State !== 'running' ? 'stopped' : e.Health || 'running', uptime: e.State === 'running' ? e.Status : null };
    };
    const dev = state.environments.dev;
    const prod = state.environments.prod;
    const [live, standby] = seen.order;
    const versionOf = (c) => (prod.active?.colour === c ? prod.active.version : prod.previous?.colour === c ? prod.previous.version : null);
    const proxy = health(PROXY_SERVICE);
    const liveHealth = health(colourService(live));
    return {
        stateFile: paths.stateFile,
        environments: [
            { env: 'dev', version: dev.active?.version ?? null, digest: dev.active?.digest ?? null, ...health(DEV_SERVICE) },
            {
                env: 'prod',
                version: prod.active?.version ?? null,
                digest: prod.active?.digest ?? null,
                health: proxy.health === 'healthy' ? liveHealth.health : `proxy ${proxy.health}`,
                uptime: liveHealth.uptime,
                colour: live,
                standby: { colour: standby, health: health(colourService(standby)).health, version: versionOf(standby) },
            },
        ],
    };
}
/** The text `release-flow status` prints: the state file, then a line per environment. */
function status_statusText(report) {
    const line = (s) => `${s.env.padEnd(5)} ${(s.version ?? '-').padEnd(10)} ${s.health.padEnd(10)} ${s.colour ? `colour ${s.colour} ` : ''}${s.uptime ? `${uptimeText(s.uptime)} ` : ''}${s.digest ?? ''}`.trimEnd();
    return [`state: ${report.stateFile}`, ...report.environments.map(line)].join('\n') + '\n';
}
/** compose's Status text, `Up 29 seconds (healthy)`, as `up 29 seconds, healthy`; any other text as it is. */
function uptimeText(status) {
    const m = /^up\s+(.+?)(?:\s+\((.+)\))?$/i.exec(status.trim());
    if (!m)
        return status.trim();
    const [, duration = '', note] = m;
    return `up ${duration.charAt(0).toLowerCase()}${duration.slice(1)}${note ? `, ${note}` : ''}`;
}

;// CONCATENATED MODULE: ./build/src/cli/commands/status.js





const statusCommand = {
    name: 'status',
    summary: 'What runs where: per environment the version, digest, health, uptime and (prod) the colour serving.',
    usage: 'release-flow status [--compose FILE] [--project NAME] [--data-dir DIR] [--json]',
    options: { ...composeOptions, ...jsonOption },
    async run(args, io) {
        const status = await deployStatus(createDocker(), composeTargetFromArgs(args, io));
        if (flag(args, 'json')) {
            io.stdout(`${JSON.stringify(status)}\n`);
            return 0;
        }
        io.stdout(status_statusText(status));
        return 0;
    },
};

;// CONCATENATED MODULE: ./build/src/core/dev-current.js
// Whether `release-flow switch dev` can leave dev as it is: dev follows `latest`, and a recreate
// (pull, new container, health wait) is only worth its seconds and its brief outage when the
// container does not run what `latest` is now. Pure: src/flows/switch.ts reads the container, its
// image and the registry, and deploys when this says no.
/**
 * Current when the container runs, is healthy (or has no health check), was created from the
 * reference the deploy would write, runs exactly the digest `latest` resolves to now, and has the
 * configuration compose would give a new one. `why` names the first condition that fails.
 */
function devCurrent(seen, wanted) {
    if (seen === undefined)
        return { current: false, why: 'no dev container' };
    if (seen.state !== 'running')
        return { current: false, why: `dev is ${seen.state || 'not running'}` };
    if (seen.health !== 'healthy' && seen.health !== '')
        return { current: false, why: `dev is ${seen.health}, not healthy` };
    if (seen.ref !== wanted.ref)
        return { current: false, why: `dev was created from ${seen.ref || 'an unknown reference'}, not ${wanted.ref}` };
    const digests = [...new Set(seen.repoDigests.map((d) => /@(sha256:[0-9a-f]{64})$/.exec(d)?.[1]).filter((d) => d !== undefined))];
    if (!digests.includes(wanted.digest)) {
        return { current: false, why: `dev runs ${digests.length > 0 ? digests.join(', ') : 'an image with no registry digest'}; latest is ${wanted.digest}` };
    }
    if (seen.configHash !== wanted.configHash)
        return { current: false, why: 'its compose configuration changed since it was created' };
    return { current: true };
}

;// CONCATENATED MODULE: ./build/src/flows/switch.js
// `release-flow switch dev|prod` (scripts/switch_env.sh): makes an environment the active one.
//
// The target is brought up at its recorded version (prod: the state's active release, pinned by
// digest, or `--version` through the deploy flow, which makes a switch a rollback too; dev: latest,
// left as it is when its container already runs, healthy, the digest `latest` resolves to now),
// then SYNAPSE_ACTIVE_ENV=<env> is recorded under the deploy lock in the state file and in the
// compose variables file, every other line kept (the workspace repair restores it from the state).
// Each environment's configuration comes with it: compose gives each service its own
// SYNAPSE_CONFIG_PATH (configs/synapse_<env>.json), so nobody edits a port or a config by hand.











async function switchEnvironment(deps, options) {
    const env = parseEnvironment(options.env);
    const log = options.log ?? (() => { });
    const paths = await projectPaths(deps.docker, options);
    const image = () => {
        if (!options.image)
            throw new InputError('--image', '', 'the image name without tag, e.g. ghcr.io/owner/synapse (or set RELEASE_FLOW_IMAGE)');
        return options.image;
    };
    const run = (version, digest) => deploy(deps, {
        env,
        version,
        image: image(),
        composeFile: paths.composeFile,
        project: options.project,
        envFile: paths.envFile,
        dataDir: options.dataDir,
        proxyConfigDir: options.proxyConfigDir,
        watchSeconds: options.watchSeconds,
        lockTimeoutMs: options.lockTimeoutMs,
        waitTimeoutSeconds: options.waitTimeoutSeconds,
        ...(digest ? { digest } : {}),
        log,
    });
    let deployed;
    let kept;
    if (options.version !== undefined) {
        log(`switching to ${env} at ${options.version}`);
        deployed = await run(options.version);
    }
    else if (env === 'prod') {
        const recorded = await prodAlreadyServing(deps, options, paths, log);
        if (recorded !== undefined) {
            log(`bringing prod up at its recorded release ${recorded.version} (${recorded.digest})`);
            deployed = await run(recorded.version, recorded.digest);
        }
    }
    else {
        const dev = await devAlreadyLatest(deps, options, paths, image(), log);
        if (dev.current) {
            kept = { digest: dev.digest, note: `dev already runs latest (${dev.digest}), healthy: not recreated` };
            log(kept.note);
        }
        else {
            log(`bringing dev up at latest: ${dev.why}`);
            deployed = await run(undefined);
        }
    }
    await recordActive(paths, env, options.lockTimeoutMs, log);
    const status = await deployStatus(deps.docker, { composeFile: paths.composeFile, project: options.project, envFile: paths.envFile, dataDir: paths.dataDir });
    const mine = status.environments.find((e) => e.env === env);
    return {
        active: env,
        envFile: paths.envFile,
        version: deployed?.version ?? mine?.version ?? null,
        digest: deployed?.digest ?? kept?.digest ?? mine?.digest ?? null,
        url: environmentUrl(paths.model, env) ?? null,
        config: `configs/synapse_${env}.json`,
        action: deployed ? 'deployed' : 'already-up',
        ...(kept ? { note: kept.note } : {}),
        ...(deployed ? { deploy: deployed } : {}),
        status,
    };
}
/**
 * Under the deploy lock, so that it never interleaves with a deploy's writes: `env` becomes the
 * state's active environment, and SYNAPSE_ACTIVE_ENV=<env> is set in the env file.
 */
async function recordActive(paths, env, lockTimeoutMs, log) {
    const lock = await lockProject(paths, `switch ${env}`, lockTimeoutMs, log);
    try {
        const state = await readStateFile(paths.stateFile);
        const next = recordActiveEnv(state, env);
        if (next !== state)
            await writeStateFile(paths.stateFile, next);
        await writeFileAtomic(paths.envFile, setEnvLines(await (0,promises_namespaceObject.readFile)(paths.envFile, 'utf8').catch(() => ''), { [ACTIVE_ENV_VARIABLE]: env }));
        log(`${ACTIVE_ENV_VARIABLE}=${env} in ${paths.envFile} and ${paths.stateFile}`);
    }
    finally {
        await lock.release();
    }
}
/**
 * Under the deploy lock: repairs the workspace as a deploy would, then tells whether the dev
 * container already runs, healthy, exactly the digest `latest` resolves to now, from the reference
 * and with the configuration a deploy would give it (core/dev-current.ts). When it does, the
 * state is made to record that digest as dev's; otherwise the caller deploys dev as always.
 */
async function devAlreadyLatest(deps, options, located, imageName, log) {
    const image = parseImageName(imageName, '--image');
    const latest = await deps.registry.resolveTag(image, 'latest');
    // The deploy says what is wrong with the image or the tag.
    if (latest === null)
        return { current: false, why: `${image.name}:latest was not found` };
    const lock = await lockProject(located, 'switch dev', options.lockTimeoutMs, log);
    try {
        const docker = underLock(deps.docker, lock);
        let paths = located;
        const seen = await observeProd(docker, paths);
        if ((await repairWorkspace(docker, paths, seen, { log, write: true, imageName })).envFileWritten)
            paths = await projectPaths(docker, options);
        const entry = seen.ps.find((p) => p.Service === DEV_SERVICE);
        const [dev, hash] = await Promise.all([
            entry?.ID ? devSeen(docker, entry.ID, entry.State, entry.Health) : undefined,
            docker.run(configHashArgs(paths.target, DEV_SERVICE)).then((r) => r.stdout.trim().split(/\s+/)[1] ?? ''),
        ]);
        const verdict = devCurrent(dev, { ref: `${image.name}:latest`, digest: latest.digest, configHash: hash });
        if (!verdict.current)
            return verdict;
        await reconciledState(paths, 'dev', seen, { at: (deps.now ?? (() => new Date()))().toISOString(), log, write: true, devDigest: latest.digest });
        return { current: true, digest: latest.digest };
    }
    finally {
        await lock.release();
    }
}
/** The dev container's reference, configuration hash and what its image is known by in registries. */
async function devSeen(docker, id, state, health) {
    const inspected = await docker.run(inspectContainerArgs(id)).then((r) => JSON.parse(r.stdout), () => undefined);
    // Gone since ps: the deploy creates it again.
    if (inspected === undefined)
        return undefined;
    const repoDigests = inspected.Image ? await docker.run(repoDigestsArgs(inspected.Image)).then((r) => JSON.parse(r.stdout) ?? [], () => []) : [];
    return { state, health, ref: inspected.Config?.Image ?? '', repoDigests, configHash: inspected.Config?.Labels?.[CONFIG_HASH_LABEL] ?? '' };
}
/**
 * Under the deploy lock: repairs the workspace (a checkout on the runner may have reset it) and
 * tells whether prod serves its recorded release already. Returns the release to deploy when not.
 */
async function prodAlreadyServing(deps, options, paths, log) {
    const lock = await lockProject(paths, 'switch prod', options.lockTimeoutMs, log);
    try {
        const seen = await observeProd(deps.docker, paths);
        await repairWorkspace(underLock(deps.docker, lock), paths, seen, { log, write: true, imageName: options.image });
        const prod = seen.state.environments.prod;
        const recorded = prod.active ?? prod.previous;
        if (recorded === null) {
            throw new PreconditionError('prod has no recorded release to bring up', 'name one: release-flow switch prod --version vX.Y.Z');
        }
        const serving = seen.servingColour !== undefined && isUp(seen.ps.find((p) => p.Service === colourService(seen.servingColour)));
        if (!serving || seen.servingDigest !== recorded.digest)
            return recorded;
        log(`prod already serves ${recorded.version} from ${seen.servingColour}`);
        return undefined;
    }
    finally {
        await lock.release();
    }
}
/** The status lines a switch prints: what is active, and where each environment runs. */
function switchSummary(r) {
    const lines = [`active environment: ${r.active} (${ACTIVE_ENV_VARIABLE}=${r.active} in ${r.envFile})`];
    const up = r.action !== 'already-up' ? '' : r.note ? ` (${r.note})` : ' (already up)';
    lines.push(`  ${r.active} serves ${r.version ?? 'nothing recorded'}${r.url ? ` at ${r.url}` : ''}, configuration ${r.config}${up}`);
    for (const e of r.status.environments) {
        const where = e.env === 'dev' ? DEV_SERVICE : `synapse-prod${e.colour ? ` -> ${colourService(e.colour)}` : ''}`;
        lines.push(`  ${e.env === r.active ? '*' : ' '} ${e.env.padEnd(4)} ${(e.version ?? '-').padEnd(10)} ${e.health.padEnd(10)} ${where}`);
    }
    return lines.join('\n') + '\n';
}

;// CONCATENATED MODULE: ./build/src/cli/commands/switch.js






const switchCommand = {
    name: 'switch',
    summary: 'Make dev or prod the active environment (SYNAPSE_ACTIVE_ENV in .env), bring it up at its recorded version, show where it runs.',
    usage: 'release-flow switch dev|prod [--version vX.Y.Z] [--image NAME] [--compose FILE] [--project NAME] [--env-file FILE] [--data-dir DIR] [--json]',
    positionals: [{ name: 'dev|prod', help: 'the environment to make active', required: true }],
    options: {
        version: { type: 'string', placeholder: 'vX.Y.Z', help: 'bring the environment up at this release (prod default: the last good release; dev: latest)' },
        image: { type: 'string', placeholder: 'NAME', help: 'the image without tag (default $RELEASE_FLOW_IMAGE)' },
        ...composeOptions,
        ...timingOptions,
        ...jsonOption,
    },
    async run(args, io) {
        const env = parseEnvironment(args.positionals[0]);
        const json = flag(args, 'json');
        const log = (line) => io.stderr(`${line}\n`);
        try {
            const r = await switchEnvironment(deployDeps(log), {
                env,
                version: stringValue(args, 'version'),
                image: stringValue(args, 'image') ?? io.env.RELEASE_FLOW_IMAGE,
                ...composeTargetFromArgs(args, io),
                ...timingsFromArgs(args),
                log,
            });
            if (json) {
                const { deploy: _d, ...rest } = r;
                io.stdout(`${JSON.stringify(rest)}\n`);
            }
            else
                io.stdout(switchSummary(r));
            return 0;
        }
        catch (error) {
            if (!(error instanceof DeployRolledBackError))
                throw error;
            io.stderr(`release-flow switch: ${error.message}; the active environment was not changed\n`);
            return 1;
        }
    },
};

;// CONCATENATED MODULE: ./build/src/cli/commands/version.js




const versionCommand = {
    name: 'version',
    summary: 'Compute the next semantic version from the Conventional Commits since the last release tag.',
    usage: 'release-flow version [--json] [--cwd DIR] [--tag-prefix v] [--initial-version X.Y.Z] [--prerelease ID] [--pre-major] [--release-rules RULES]',
    options: { ...jsonOption, ...cwdOption, ...versionRuleOptions },
    async run(args, io) {
        const settings = settingsFromArgs(args);
        const git = await repositoryFromArgs(args, io);
        const result = await computeVersion(git, { settings, shallow: 'fail' });
        io.stdout(flag(args, 'json') ? JSON.stringify(versionJson(result)) + '\n' : formatVersion(result));
        return 0;
    },
};

;// CONCATENATED MODULE: ./build/src/cli/run.js












const commands = [planCommand, versionCommand, notesCommand, releaseCommand, imageCommand, configCommand, deployCommand, rollbackCommand, switchCommand, statusCommand];
function topHelp() {
    const lines = [
        'release-flow: from commit to running container.',
        '',
        'Usage: release-flow <command> [options]',
        '',
        'Commands:',
        ...commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
        '',
        'Run `release-flow <command> --help` for the options of a command.',
        'Exit codes: 0 done, 1 the operation failed, 2 bad usage or input.',
    ];
    return lines.join('\n') + '\n';
}
/** Runs one command line and returns the exit code; every error becomes a message, never a stack. */
async function runCli(argv, io) {
    const [name, ...rest] = argv;
    if (name === undefined) {
        io.stderr(topHelp());
        return 2;
    }
    if (name === '--help' || name === '-h' || name === 'help') {
        io.stdout(topHelp());
        return 0;
    }
    const command = commands.find((c) => c.name === name);
    if (!command) {
        io.stderr(`release-flow: unknown command ${JSON.stringify(name)}; expected one of ${commands.map((c) => c.name).join(', ')}. Run release-flow --help.\n`);
        return 2;
    }
    try {
        const args = parseCommandArgs(command, rest);
        if (args.values.help) {
            io.stdout(commandHelp(command));
            return 0;
        }
        return await command.run(args, io);
    }
    catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        io.stderr(`release-flow ${command.name}: ${message}\n`);
        return isUsageError(error) ? 2 : 1;
    }
}


/***/ }),

/***/ 3837:
/***/ ((module) => {

module.exports = /*#__PURE__*/JSON.parse('{"$id":"https://raw.githubusercontent.com/ajv-validator/ajv/master/lib/refs/data.json#","description":"Meta-schema for $data reference (JSON AnySchema extension proposal)","type":"object","required":["$data"],"properties":{"$data":{"type":"string","anyOf":[{"format":"relative-json-pointer"},{"format":"json-pointer"}]}},"additionalProperties":false}');

/***/ }),

/***/ 7216:
/***/ ((module) => {

module.exports = /*#__PURE__*/JSON.parse('{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/draft/2020-12/meta/applicator","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/applicator":true},"$dynamicAnchor":"meta","title":"Applicator vocabulary meta-schema","type":["object","boolean"],"properties":{"prefixItems":{"$ref":"#/$defs/schemaArray"},"items":{"$dynamicRef":"#meta"},"contains":{"$dynamicRef":"#meta"},"additionalProperties":{"$dynamicRef":"#meta"},"properties":{"type":"object","additionalProperties":{"$dynamicRef":"#meta"},"default":{}},"patternProperties":{"type":"object","additionalProperties":{"$dynamicRef":"#meta"},"propertyNames":{"format":"regex"},"default":{}},"dependentSchemas":{"type":"object","additionalProperties":{"$dynamicRef":"#meta"},"default":{}},"propertyNames":{"$dynamicRef":"#meta"},"if":{"$dynamicRef":"#meta"},"then":{"$dynamicRef":"#meta"},"else":{"$dynamicRef":"#meta"},"allOf":{"$ref":"#/$defs/schemaArray"},"anyOf":{"$ref":"#/$defs/schemaArray"},"oneOf":{"$ref":"#/$defs/schemaArray"},"not":{"$dynamicRef":"#meta"}},"$defs":{"schemaArray":{"type":"array","minItems":1,"items":{"$dynamicRef":"#meta"}}}}');

/***/ }),

/***/ 8226:
/***/ ((module) => {

module.exports = /*#__PURE__*/JSON.parse('{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/draft/2020-12/meta/content","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/content":true},"$dynamicAnchor":"meta","title":"Content vocabulary meta-schema","type":["object","boolean"],"properties":{"contentEncoding":{"type":"string"},"contentMediaType":{"type":"string"},"contentSchema":{"$dynamicRef":"#meta"}}}');

/***/ }),

/***/ 518:
/***/ ((module) => {

module.exports = /*#__PURE__*/JSON.parse('{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/draft/2020-12/meta/core","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/core":true},"$dynamicAnchor":"meta","title":"Core vocabulary meta-schema","type":["object","boolean"],"properties":{"$id":{"$ref":"#/$defs/uriReferenceString","$comment":"Non-empty fragments not allowed.","pattern":"^[^#]*#?$"},"$schema":{"$ref":"#/$defs/uriString"},"$ref":{"$ref":"#/$defs/uriReferenceString"},"$anchor":{"$ref":"#/$defs/anchorString"},"$dynamicRef":{"$ref":"#/$defs/uriReferenceString"},"$dynamicAnchor":{"$ref":"#/$defs/anchorString"},"$vocabulary":{"type":"object","propertyNames":{"$ref":"#/$defs/uriString"},"additionalProperties":{"type":"boolean"}},"$comment":{"type":"string"},"$defs":{"type":"object","additionalProperties":{"$dynamicRef":"#meta"}}},"$defs":{"anchorString":{"type":"string","pattern":"^[A-Za-z_][-A-Za-z0-9._]*$"},"uriString":{"type":"string","format":"uri"},"uriReferenceString":{"type":"string","format":"uri-reference"}}}');

/***/ }),

/***/ 4588:
/***/ ((module) => {

module.exports = /*#__PURE__*/JSON.parse('{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/draft/2020-12/meta/format-annotation","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/format-annotation":true},"$dynamicAnchor":"meta","title":"Format vocabulary meta-schema for annotation results","type":["object","boolean"],"properties":{"format":{"type":"string"}}}');

/***/ }),

/***/ 5707:
/***/ ((module) => {

module.exports = /*#__PURE__*/JSON.parse('{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/draft/2020-12/meta/meta-data","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/meta-data":true},"$dynamicAnchor":"meta","title":"Meta-data vocabulary meta-schema","type":["object","boolean"],"properties":{"title":{"type":"string"},"description":{"type":"string"},"default":true,"deprecated":{"type":"boolean","default":false},"readOnly":{"type":"boolean","default":false},"writeOnly":{"type":"boolean","default":false},"examples":{"type":"array","items":true}}}');

/***/ }),

/***/ 9547:
/***/ ((module) => {

module.exports = /*#__PURE__*/JSON.parse('{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/draft/2020-12/meta/unevaluated","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/unevaluated":true},"$dynamicAnchor":"meta","title":"Unevaluated applicator vocabulary meta-schema","type":["object","boolean"],"properties":{"unevaluatedItems":{"$dynamicRef":"#meta"},"unevaluatedProperties":{"$dynamicRef":"#meta"}}}');

/***/ }),

/***/ 7082:
/***/ ((module) => {

module.exports = /*#__PURE__*/JSON.parse('{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/draft/2020-12/meta/validation","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/validation":true},"$dynamicAnchor":"meta","title":"Validation vocabulary meta-schema","type":["object","boolean"],"properties":{"type":{"anyOf":[{"$ref":"#/$defs/simpleTypes"},{"type":"array","items":{"$ref":"#/$defs/simpleTypes"},"minItems":1,"uniqueItems":true}]},"const":true,"enum":{"type":"array","items":true},"multipleOf":{"type":"number","exclusiveMinimum":0},"maximum":{"type":"number"},"exclusiveMaximum":{"type":"number"},"minimum":{"type":"number"},"exclusiveMinimum":{"type":"number"},"maxLength":{"$ref":"#/$defs/nonNegativeInteger"},"minLength":{"$ref":"#/$defs/nonNegativeIntegerDefault0"},"pattern":{"type":"string","format":"regex"},"maxItems":{"$ref":"#/$defs/nonNegativeInteger"},"minItems":{"$ref":"#/$defs/nonNegativeIntegerDefault0"},"uniqueItems":{"type":"boolean","default":false},"maxContains":{"$ref":"#/$defs/nonNegativeInteger"},"minContains":{"$ref":"#/$defs/nonNegativeInteger","default":1},"maxProperties":{"$ref":"#/$defs/nonNegativeInteger"},"minProperties":{"$ref":"#/$defs/nonNegativeIntegerDefault0"},"required":{"$ref":"#/$defs/stringArray"},"dependentRequired":{"type":"object","additionalProperties":{"$ref":"#/$defs/stringArray"}}},"$defs":{"nonNegativeInteger":{"type":"integer","minimum":0},"nonNegativeIntegerDefault0":{"$ref":"#/$defs/nonNegativeInteger","default":0},"simpleTypes":{"enum":["array","boolean","integer","null","number","object","string"]},"stringArray":{"type":"array","items":{"type":"string"},"uniqueItems":true,"default":[]}}}');

/***/ }),

/***/ 1678:
/***/ ((module) => {

module.exports = /*#__PURE__*/JSON.parse('{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://json-schema.org/draft/2020-12/schema","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/core":true,"https://json-schema.org/draft/2020-12/vocab/applicator":true,"https://json-schema.org/draft/2020-12/vocab/unevaluated":true,"https://json-schema.org/draft/2020-12/vocab/validation":true,"https://json-schema.org/draft/2020-12/vocab/meta-data":true,"https://json-schema.org/draft/2020-12/vocab/format-annotation":true,"https://json-schema.org/draft/2020-12/vocab/content":true},"$dynamicAnchor":"meta","title":"Core and Validation specifications meta-schema","allOf":[{"$ref":"meta/core"},{"$ref":"meta/applicator"},{"$ref":"meta/unevaluated"},{"$ref":"meta/validation"},{"$ref":"meta/meta-data"},{"$ref":"meta/format-annotation"},{"$ref":"meta/content"}],"type":["object","boolean"],"$comment":"This meta-schema also defines keywords that have appeared in previous drafts in order to prevent incompatible extensions as they remain in common use.","properties":{"definitions":{"$comment":"\\"definitions\\" has been replaced by \\"$defs\\".","type":"object","additionalProperties":{"$dynamicRef":"#meta"},"deprecated":true,"default":{}},"dependencies":{"$comment":"\\"dependencies\\" has been split and replaced by \\"dependentSchemas\\" and \\"dependentRequired\\" in order to serve their differing semantics.","type":"object","additionalProperties":{"anyOf":[{"$dynamicRef":"#meta"},{"$ref":"meta/validation#/$defs/stringArray"}]},"deprecated":true,"default":{}},"$recursiveAnchor":{"$comment":"\\"$recursiveAnchor\\" has been replaced by \\"$dynamicAnchor\\".","$ref":"meta/core#/$defs/anchorString","deprecated":true},"$recursiveRef":{"$comment":"\\"$recursiveRef\\" has been replaced by \\"$dynamicRef\\".","$ref":"meta/core#/$defs/uriReferenceString","deprecated":true}}}');

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId](module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(3867);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
